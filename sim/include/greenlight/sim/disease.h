// Disease model: SEIR-style progression with an infectiousness profile over days since
// infection, symptoms, and a per-contact transmission hazard (reference/sim.md 1.4, 3.1).
//
// - Infectiousness on day k after infection (k = 0 is the day of infection) is the mass of
//   Gamma(mean, sd) on [k, k + 1), scaled by the course (asymptomatic / mild / other).
// - A symptomatic course has an onset day drawn from the incubation Gamma(mean, sd).
// - A severe course (symptomatic, not mild) may go to hospital, to intensive care and end
//   in death (DiseaseConfig::hospitalised_fraction and after; OpenABM's structure): drawn
//   after the fields above from the same stream, so they do not depend on these draws.
// - Per contact: hazard = beta * infectiousness(k) * course factor * susceptibility(age)
//   * layer weight * dose(distance, minutes), p = 1 - exp(-hazard), with
//   dose = (1 - exp(-minutes / dose_minutes)) / (1 + (distance / dose_distance)^2).
//   beta = infectious_rate / (mean daily dose per person), which the simulation measures
//   on an intervention-free day of its own population (OpenABM divides by the mean number
//   of daily interactions in the same way).
// Thread-safe (const).
#pragma once

#include <cstdint>
#include <vector>

#include "greenlight/sim/config.h"

namespace greenlight::sim {

// How far a severe course goes (DiseaseConfig::hospitalised_fraction and after).
enum class Severity : std::uint8_t {
  kNone = 0,      // never in hospital
  kWard = 1,      // in hospital, discharged without intensive care
  kCritical = 2,  // in intensive care, survives
  kDies = 3,      // in intensive care, dies
  // Never admitted, dies at home: a care-home resident's course (DiseaseModel::die_at_home).
  kDiesAtHome = 4,
};

struct Course {
  bool symptomatic = false;
  Severity severity = Severity::kNone;
  std::uint16_t onset_delay_days = 0;  // days from infection to symptoms (symptomatic only)
  float infectiousness_factor = 1.0f;
  // Days from infection (severity != kNone): admission, intensive care (kCritical, kDies),
  // and the end of the stay: discharge, or death (kDies; kDiesAtHome: its death's day only).
  std::uint8_t hospital_day = 0;
  std::uint8_t critical_day = 0;
  std::uint8_t end_day = 0;
  // Needed intensive care on a day no bed was free: stays on a ward (DiseaseModel::
  // deny_intensive_care), in hospital but not in intensive care.
  bool denied_icu : 1 = false;
  // Needed a hospital bed on a day no ward bed was free (DiseaseModel::deny_admission):
  // stays at home; a course that turns critical is admitted to intensive care on
  // critical_day.
  bool denied_ward : 1 = false;

  // On day k since infection: admitted that day, admitted by then, in hospital (intensive
  // care included), in intensive care, dead.
  bool admitted_on(std::uint32_t k) const { return admitted() && k == admission_day(); }
  bool admitted_by(std::uint32_t k) const { return admitted() && k >= admission_day(); }
  bool in_hospital(std::uint32_t k) const {
    return admitted() && k >= admission_day() && k < end_day;
  }
  // Whether the course is ever admitted (a ward course denied a bed is not), and on which
  // day: hospital_day, or without a ward bed critical_day (straight to intensive care).
  bool admitted() const {
    return severity != Severity::kNone && severity != Severity::kDiesAtHome &&
           !(denied_ward && severity == Severity::kWard);
  }
  std::uint32_t admission_day() const { return denied_ward ? critical_day : hospital_day; }
  bool in_critical_care(std::uint32_t k) const {
    return (severity == Severity::kCritical || severity == Severity::kDies) && !denied_icu &&
           k >= critical_day && k < end_day;
  }
  // Needs intensive care from day k on (whether or not a bed is free).
  bool needs_critical_care_on(std::uint32_t k) const {
    return (severity == Severity::kCritical || severity == Severity::kDies) && k == critical_day;
  }
  bool dead(std::uint32_t k) const {
    return (severity == Severity::kDies || severity == Severity::kDiesAtHome) && k >= end_day;
  }
  // Meets nobody: in hospital or dead.
  bool absent(std::uint32_t k) const { return in_hospital(k) || dead(k); }
};
// One per person (HealthPhase): docs/simulation.md's memory figures count 12 bytes.
static_assert(sizeof(Course) == 12);

// What a vaccine protects a person against (VaccinationConfig), each level including the
// ones below it: nothing, severe disease (never admitted to hospital), symptoms (an
// asymptomatic course), infection (never infected).
enum class VaccineProtection : std::uint8_t {
  kNone = 0,
  kSevere = 1,
  kSymptoms = 2,
  kInfection = 3,
};
// The protection of a person whose draw is v (uniform in [0, 1)): kInfection when v <
// efficacy_infection, otherwise kSymptoms when v < efficacy_symptoms, otherwise kSevere when
// v < efficacy_severe, otherwise kNone. With efficacy_infection <= efficacy_symptoms <=
// efficacy_severe each efficacy is the share protected at least against its outcome.
VaccineProtection vaccine_protection(double v, const VaccinationConfig& config);
// The same with the three efficacies given (infection <= symptoms <= severe).
VaccineProtection vaccine_protection(double v, double infection, double symptoms, double severe);

class DiseaseModel {
 public:
  explicit DiseaseModel(const DiseaseConfig& config);

  // Share of a course's infectiousness on day k since infection; 0 for k >= infectious_days.
  double infectiousness(std::uint32_t days_since_infection) const;
  std::uint32_t infectious_days() const { return config_.infectious_days; }
  Course sample_course(std::uint8_t age_group, std::uint64_t key) const;
  // A person's infectiousness multiplier (DiseaseConfig::infectiousness_sd): 1 without
  // individual variation, else a draw of Gamma(shape 1 / sd^2, scale sd^2) from the stream
  // `key` (mean 1, standard deviation sd).
  double infectiousness_multiplier(std::uint64_t key) const;
  // A course whose patient needs intensive care when no bed is free (needs_critical_care_on
  // that day): it stays on a ward, and dies with min(1, no_icu_fatality_factor x
  // fatality_fraction) instead of fatality_fraction: a survivor of the drawn course dies
  // with the difference (draws from `key`), Gamma(death_mean_days, death_sd_days) days after
  // it needed the bed.
  void deny_intensive_care(Course& course, std::uint8_t age_group, std::uint64_t key) const;
  // A course admitted on a day no ward bed is free (admitted_on that day): the patient stays
  // at home, and a ward course turns critical with min(1, no_hospital_critical_factor x
  // critical_fraction) instead of critical_fraction (Covasim's no_hosp_factor): it then needs
  // intensive care on its critical day (draws from `key`), where it is admitted.
  void deny_admission(Course& course, std::uint8_t age_group, std::uint64_t key) const;
  // A care-home resident's course (care_homes.death_in_home): a symptomatic course that is
  // never admitted to hospital ends, with `probability` (a draw from `key`), in death at
  // home (Severity::kDiesAtHome) Gamma(death_mean_days, death_sd_days) days after its onset,
  // at least a day. Courses that go to hospital follow their drawn path.
  void die_at_home(Course& course, double probability, std::uint64_t key) const;
  // The course of a person infected while protected by a vaccine: `course` (drawn as for
  // anyone) with kSymptoms or more an asymptomatic course (the asymptomatic infectiousness,
  // no symptoms, never in hospital), with kSevere never admitted to hospital.
  Course protect(Course course, VaccineProtection level) const;
  // Dose of one contact (before the layer weight).
  double dose(double distance_m, double minutes) const;
  double susceptibility(std::uint8_t age_group) const { return config_.susceptibility[age_group]; }
  const DiseaseConfig& config() const { return config_; }

 private:
  DiseaseConfig config_;
  std::vector<double> profile_;
};

}  // namespace greenlight::sim

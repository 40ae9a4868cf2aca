#include "greenlight/sim/disease.h"

#include <algorithm>
#include <cmath>

#include "internal/rng.h"

namespace greenlight::sim {
namespace {

double gamma_pdf(double x, double shape, double scale) {
  if (x <= 0) return 0;
  return std::exp((shape - 1) * std::log(x) - x / scale - std::lgamma(shape) -
                  shape * std::log(scale));
}

// Mass of Gamma(shape, scale) on [a, b) by Simpson's rule on a fine grid.
double gamma_mass(double a, double b, double shape, double scale) {
  constexpr int kSteps = 200;
  const double h = (b - a) / kSteps;
  double sum = gamma_pdf(a, shape, scale) + gamma_pdf(b, shape, scale);
  for (int i = 1; i < kSteps; ++i) {
    sum += gamma_pdf(a + i * h, shape, scale) * (i % 2 == 1 ? 4 : 2);
  }
  return sum * h / 3;
}

// Whole days ~ Gamma(mean, sd), in [at_least, 60] (onset <= 60, so every day of a course fits
// a byte).
std::uint32_t delay_days(internal::Rng& rng, double mean, double sd, long at_least) {
  constexpr long kMaxDelay = 60;
  return static_cast<std::uint32_t>(
      std::clamp(std::lround(rng.gamma_mean_sd(mean, sd)), at_least, kMaxDelay));
}

// From day `critical` (since infection) the course is in intensive care, and it dies there
// with fatality_fraction.
void make_critical(const DiseaseConfig& config, Course& c, std::uint8_t age_group,
                   std::uint32_t critical, internal::Rng& rng) {
  c.critical_day = static_cast<std::uint8_t>(critical);
  if (rng.bernoulli(config.fatality_fraction[age_group])) {
    c.severity = Severity::kDies;
    c.end_day = static_cast<std::uint8_t>(
        critical + delay_days(rng, config.death_mean_days, config.death_sd_days, 1));
  } else {
    c.severity = Severity::kCritical;
    c.end_day = static_cast<std::uint8_t>(critical + delay_days(rng, config.critical_stay_mean_days,
                                                                config.critical_stay_sd_days, 1));
  }
}

}  // namespace

DiseaseModel::DiseaseModel(const DiseaseConfig& config) : config_(config) {
  const double shape = (config.infectious_mean_days * config.infectious_mean_days) /
                       (config.infectious_sd_days * config.infectious_sd_days);
  const double scale = config.infectious_mean_days / shape;
  profile_.resize(config.infectious_days);
  double total = 0;
  for (std::uint32_t k = 0; k < config.infectious_days; ++k) {
    profile_[k] = gamma_mass(k, k + 1.0, shape, scale);
    total += profile_[k];
  }
  // The truncated tail is spread proportionally so that a course's total is 1.
  if (total > 0) {
    for (auto& v : profile_) v /= total;
  }
}

double DiseaseModel::infectiousness(std::uint32_t days_since_infection) const {
  return days_since_infection < profile_.size() ? profile_[days_since_infection] : 0.0;
}

Course DiseaseModel::sample_course(std::uint8_t age_group, std::uint64_t key) const {
  internal::Rng rng(key);
  Course c;
  if (rng.bernoulli(config_.asymptomatic_fraction[age_group])) {
    c.infectiousness_factor = static_cast<float>(config_.asymptomatic_infectiousness);
    return c;
  }
  c.symptomatic = true;
  const bool mild = rng.bernoulli(config_.mild_fraction[age_group]);
  c.infectiousness_factor = mild ? static_cast<float>(config_.mild_infectiousness) : 1.0f;
  const double onset = rng.gamma_mean_sd(config_.incubation_mean_days, config_.incubation_sd_days);
  c.onset_delay_days = static_cast<std::uint16_t>(
      std::clamp(std::lround(onset), 1L, static_cast<long>(config_.infectious_days)));
  if (mild || !rng.bernoulli(config_.hospitalised_fraction[age_group])) return c;
  // Whole days; a stay lasts at least one day.
  const auto days = [&](double mean, double sd, long at_least) {
    return delay_days(rng, mean, sd, at_least);
  };
  const std::uint32_t hospital =
      c.onset_delay_days + days(config_.hospital_mean_days, config_.hospital_sd_days, 0);
  c.hospital_day = static_cast<std::uint8_t>(hospital);
  if (!rng.bernoulli(config_.critical_fraction[age_group])) {
    c.severity = Severity::kWard;
    c.end_day = static_cast<std::uint8_t>(
        hospital + days(config_.ward_stay_mean_days, config_.ward_stay_sd_days, 1));
    return c;
  }
  make_critical(config_, c, age_group,
                hospital + days(config_.critical_mean_days, config_.critical_sd_days, 0), rng);
  return c;
}

double DiseaseModel::infectiousness_multiplier(std::uint64_t key) const {
  const double sd = config_.infectiousness_sd;
  if (sd <= 0) return 1.0;
  internal::Rng rng(key);
  return rng.gamma(1 / (sd * sd), sd * sd);
}

void DiseaseModel::deny_intensive_care(Course& c, std::uint8_t age_group, std::uint64_t key) const {
  c.denied_icu = true;
  if (c.severity != Severity::kCritical) return;  // dies anyway
  const double f = config_.fatality_fraction[age_group];
  if (f >= 1) return;
  const double without_icu = std::min(1.0, f * config_.no_icu_fatality_factor);
  internal::Rng rng(key);
  if (!rng.bernoulli((without_icu - f) / (1 - f))) return;
  c.severity = Severity::kDies;
  c.end_day = static_cast<std::uint8_t>(
      c.critical_day + delay_days(rng, config_.death_mean_days, config_.death_sd_days, 1));
}

void DiseaseModel::deny_admission(Course& c, std::uint8_t age_group, std::uint64_t key) const {
  c.denied_ward = true;
  // A critical course goes to intensive care on its critical day all the same.
  if (c.severity != Severity::kWard) return;
  const double f = config_.critical_fraction[age_group];
  if (f >= 1) return;
  const double without_bed = std::min(1.0, f * config_.no_hospital_critical_factor);
  internal::Rng rng(key);
  if (!rng.bernoulli((without_bed - f) / (1 - f))) return;  // recovers at home
  // At least a day after the denied admission (that day's intensive-care beds are given).
  make_critical(
      config_, c, age_group,
      c.hospital_day + delay_days(rng, config_.critical_mean_days, config_.critical_sd_days, 1),
      rng);
}

void DiseaseModel::die_at_home(Course& c, double probability, std::uint64_t key) const {
  if (!c.symptomatic || c.severity != Severity::kNone || probability <= 0) return;
  internal::Rng rng(key);
  if (!rng.bernoulli(probability)) return;
  c.severity = Severity::kDiesAtHome;
  c.end_day = static_cast<std::uint8_t>(
      c.onset_delay_days + delay_days(rng, config_.death_mean_days, config_.death_sd_days, 1));
}

VaccineProtection vaccine_protection(double v, const VaccinationConfig& config) {
  return vaccine_protection(v, config.efficacy_infection, config.efficacy_symptoms,
                            config.efficacy_severe);
}

VaccineProtection vaccine_protection(double v, double infection, double symptoms, double severe) {
  if (v < infection) return VaccineProtection::kInfection;
  if (v < symptoms) return VaccineProtection::kSymptoms;
  if (v < severe) return VaccineProtection::kSevere;
  return VaccineProtection::kNone;
}

Course DiseaseModel::protect(Course course, VaccineProtection level) const {
  if (level >= VaccineProtection::kSymptoms) {
    Course asymptomatic;
    asymptomatic.infectiousness_factor = static_cast<float>(config_.asymptomatic_infectiousness);
    return asymptomatic;
  }
  if (level == VaccineProtection::kSevere) {
    course.severity = Severity::kNone;
    course.hospital_day = 0;
    course.critical_day = 0;
    course.end_day = 0;
  }
  return course;
}

double DiseaseModel::dose(double distance_m, double minutes) const {
  const double t = 1.0 - std::exp(-minutes / config_.dose_minutes);
  const double r = distance_m / config_.dose_distance_m;
  return t / (1.0 + r * r);
}

}  // namespace greenlight::sim

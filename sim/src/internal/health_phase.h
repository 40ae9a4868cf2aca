// The health phase (09:00 of each simulated day): who is infected, by whom and how the
// course runs; symptom onsets, isolation and drop-out; test orders, samples and results;
// a positive app user's consent to upload. It owns the epidemic and testing state of every
// person; the other phases change it only through infect (contacts), isolate and
// order_test (a notified phone's user acting on RED or YELLOW).
// Not thread-safe (the simulation calls it from one thread).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "greenlight/sim/disease.h"
#include "greenlight/sim/simulation.h"
#include "internal/world.h"

namespace greenlight::sim::internal {

struct InfectionCandidate {
  std::uint32_t victim;
  std::uint32_t infector;
  Layer layer;
};

class HealthPhase {
 public:
  explicit HealthPhase(const World& world);

  // Day 0: config.disease.initial_infections people drawn from the seed, infected by nobody.
  void seed_infections();
  // The day's events: the beds given first (who is turned away is at home for the day's
  // tests), then the tests and the people in person order; positive app users who consent to upload
  // are appended to uploaders (with app.upload_delay_days: those whose result came that many days
  // before, or with upload_delay_spread_days their drawn delay's, whose phone still runs the app,
  // and today's who upload at once: app.upload_same_day_share; in person order).
  void run(std::uint32_t t, DailyStats& st, std::vector<std::uint32_t>& uploaders);
  // Today's transmissions: a person infected by several contacts keeps the first candidate
  // (candidates in shard order).
  void apply_infections(std::vector<InfectionCandidate> candidates, std::uint32_t t,
                        DailyStats& st);

  void isolate(std::uint32_t p, std::int32_t until);
  // A contact's quarantine (a RED notification, a tracer's call) until `until`, as isolate;
  // with release_day > 0 (app.red_release_test_day, manual_tracing.release_test_day: the
  // quarantine's first day plus that setting) p is tested on that day, or on the first day
  // after it with no test pending, while the quarantine lasts (order_test, within the test
  // capacity), and a negative result of a sample taken from that day on ends it, unless p
  // isolates until later for another reason (every isolate, a quarantine without release).
  // A later quarantine's later release day replaces an earlier one.
  // With withdrawable (a RED quarantine under app.revoke_on_negative) the quarantine does
  // not count as another reason to isolate: withdraw_quarantine may end it, down to the
  // isolation p was in when it began (an earlier RED's quarantine stands).
  void quarantine(std::uint32_t p, std::int32_t until, std::uint32_t release_day,
                  bool withdrawable = false);
  // A RED warning withdrawn on day t (its keys revoked): ends p's withdrawable quarantine
  // unless p isolates longer for another reason (every isolate, every quarantine but a
  // withdrawable one, the isolation in force when the withdrawable one began);
  // counted in quarantines_withdrawn, and of them the infected in the
  // testing.sensitive_to_day days before in withdrawn_infected.
  void withdraw_quarantine(std::uint32_t p, std::uint32_t t);
  std::uint64_t quarantines_withdrawn() const { return quarantines_withdrawn_; }
  // Whether p was infected in the testing.sensitive_to_day days before day t (a sensitive
  // test would have found it).
  bool recently_infected(std::uint32_t p, std::uint32_t t) const;
  std::uint64_t withdrawn_infected() const { return withdrawn_infected_; }
  // With app.revoke_on_negative or upgrade_on_positive: the self-reporters whose phone
  // revises its uploaded self-report on day t (run() sets them), in person order, each with
  // the new report type (a negative result: revoked; a positive one: a confirmed test; the
  // upload phase revises their keys), and the self-reports revoked so far before their upload
  // (waiting for a delayed upload, which then does not happen).
  struct Revision {
    std::uint32_t person = 0;
    ReportType type = ReportType::kRevoked;
    // The day of the report revised (the upload phase revises that report's upload only).
    std::uint32_t report_day = 0;
    // Revoked: p was infected on or before the day of the negative sample, in the
    // testing.sensitive_to_day days before it (the test missed the infection).
    bool missed_infection = false;
  };
  std::span<const Revision> revisions() const { return revisions_; }
  std::uint64_t revoked_before_upload() const { return revoked_before_upload_; }
  // Whether quarantines may end on a negative test (either setting); the tests ordered to
  // end one, the quarantines ended early by them, and of those the people infected in the
  // testing.sensitive_to_day days before (whom a sensitive test would have found).
  bool releases_quarantine() const { return !held_until_.empty(); }
  std::uint64_t release_tests() const { return release_tests_; }
  std::uint64_t quarantines_released() const { return quarantines_released_; }
  std::uint64_t released_infected() const { return released_infected_; }
  // A test sample after config.testing.order_delay_days (with no delay, an order after p's
  // samples of the day were taken is sampled the next day: sample_due), unless one is
  // pending or p tested positive already.
  void order_test(std::uint32_t p, std::uint32_t day);
  // Daily contact testing (app.red_daily_test_days): p takes a self-test on each of days
  // first_day .. first_day + days - 1 (a later call extends the window), when it is not
  // positive, waiting for no test or result, and not in hospital; read the same day with the
  // screening test's sensitivity and specificity, outside the test capacity.
  void test_daily(std::uint32_t p, std::uint32_t first_day, std::uint32_t days);
  // The self-tests taken so far, and their positive results.
  std::uint64_t self_tests() const { return self_tests_; }
  std::uint64_t self_test_positives() const { return self_test_positives_; }
  // With app.symptom_report_share: the day p reported symptoms, when its upload on day t is
  // that self-report's (a report within the 14 days before t); nothing otherwise. The
  // symptom self-reports made so far with consent to upload, and of them those on symptoms
  // of an infection.
  std::optional<std::uint32_t> self_report_day(std::uint32_t p, std::uint32_t t) const;
  // Whether p's self-report (self_report_day) was upgraded before its upload
  // (app.upgrade_on_positive): the upload is a confirmed test's, with the report's day as onset.
  bool report_upgraded(std::uint32_t p) const {
    return !report_upgraded_.empty() && report_upgraded_[p] != 0;
  }
  std::uint64_t symptom_reports() const { return symptom_reports_; }
  std::uint64_t symptom_reports_infected() const { return symptom_reports_infected_; }
  // The symptom onset the health authority records for an upload on day t: the onset of a
  // symptomatic infection if it has happened, otherwise the day of the positive sample.
  std::uint32_t recorded_onset_day(std::uint32_t p, std::uint32_t t) const;

  std::span<const std::int32_t> infection_day() const { return infection_day_; }
  std::span<const std::uint32_t> infector() const { return infector_; }
  std::span<const std::uint8_t> infection_layer() const { return infection_layer_; }
  std::span<const std::int32_t> isolated_until() const { return isolated_until_; }
  bool tested_positive(std::uint32_t p) const { return positive_day_[p] != kNever; }
  // Whether a positive result keeps p out of a contact's quarantine and test (the tracers
  // skip it, a notified user does not act): a positive result of any of its infections. Not
  // the infection's state, which nobody knows (a reinfection clears positive_day).
  bool exempt_as_positive(std::uint32_t p) const {
    return positive_day_[p] != kNever ||
           (!earlier_positive_day_.empty() && earlier_positive_day_[p] != kNever);
  }
  // The day of p's first positive result (kNever: none).
  std::int32_t positive_day(std::uint32_t p) const { return positive_day_[p]; }
  std::span<const std::int32_t> positive_days() const { return positive_day_; }
  // Whether p's positive result came on day t: its infection's, or (with reinfection) the
  // earlier infection's that a reinfection the same day cleared.
  bool positive_on(std::uint32_t p, std::int32_t t) const {
    return positive_day_[p] == t ||
           (!earlier_positive_day_.empty() && earlier_positive_day_[p] == t);
  }
  // Day until which p's own positive test keeps the phone RED (0: never).
  std::int32_t own_red_until(std::uint32_t p) const { return own_red_until_[p]; }
  const Course& course(std::uint32_t p) const { return course_[p]; }
  std::span<const Course> courses() const { return course_; }
  // In hospital or dead on day t: meets nobody (Course::absent).
  bool absent(std::uint32_t p, std::uint32_t t) const {
    return infection_day_[p] != kNever &&
           course_[p].absent(t - static_cast<std::uint32_t>(infection_day_[p]));
  }
  bool dead(std::uint32_t p, std::uint32_t t) const {
    return infection_day_[p] != kNever &&
           course_[p].dead(t - static_cast<std::uint32_t>(infection_day_[p]));
  }
  std::uint64_t cumulative_infections() const { return cumulative_; }

  // Vaccination (config.vaccination): whether it is on; the day p was vaccinated (kNever:
  // not (yet); empty without vaccination) and what p's vaccine protects against once it
  // protects (empty without vaccination).
  bool vaccinating() const { return !vaccine_level_.empty(); }
  // Regular testing of hospital staff (hospital.staff_test_every_days, with staff) or of
  // care-home staff, their own and agency staff (care_homes.staff_test_every_days, with care
  // homes).
  bool outbreak_testing() const {
    return w_.config.care_homes.outbreak_testing && w_.pop.care_homes() > 0;
  }
  // care_homes.outbreak_testing's whole-home rounds, their samples (of them agency workers')
  // and positive results.
  std::uint64_t outbreak_rounds() const { return outbreak_rounds_; }
  std::uint64_t outbreak_samples() const { return outbreak_samples_; }
  std::uint64_t outbreak_agency_samples() const { return outbreak_agency_samples_; }
  std::uint64_t outbreak_positives() const { return outbreak_positives_; }
  // Whether whole-home rounds include agency workers (care_homes.outbreak_agency_days, with
  // agency staff): then record_agency_shifts takes each day's shifts (ContactPhase::
  // agency_shifts, ordered by home, then worker) after the day's contacts, and keeps the
  // last outbreak_agency_days days'.
  bool tracks_agency_shifts() const {
    return outbreak_testing() && w_.config.care_homes.outbreak_agency_days > 0 &&
           !w_.pop.care_agency.empty();
  }
  void record_agency_shifts(std::uint32_t t,
                            std::vector<std::pair<std::uint32_t, std::uint32_t>> shifts);
  bool staff_testing() const {
    return (w_.config.hospital.staff_test_every_days > 0 && !w_.pop.staff.empty()) ||
           (w_.config.care_homes.staff_test_every_days > 0 &&
            (!w_.pop.care_staff.empty() || !w_.pop.care_agency.empty())) ||
           (w_.config.care_homes.resident_test_every_days > 0 && !w_.pop.care_residents.empty());
  }
  std::span<const std::int32_t> vaccination_day() const { return vaccination_day_; }
  // With boosters: the day p was boosted (kNever: not (yet)); empty without boosters.
  std::span<const std::int32_t> booster_day() const { return booster_day_; }
  std::span<const VaccineProtection> vaccine_protection() const { return vaccine_level_; }
  // What p's vaccine protects against on day t (with vaccination on) from `variant` (0: the
  // first; the second's levels differ when it escapes the vaccine): nothing before
  // first_dose_protect_days (or, without protection between the doses, days_to_protect)
  // after the dose, the first dose's level until days_to_protect, then the full one (waning
  // from then with waning_half_life_days), and from booster_protect_days after a booster the
  // full one again (waning again from then).
  VaccineProtection vaccine_level_on(std::uint32_t p, std::uint32_t t,
                                     std::uint8_t variant = 0) const {
    if (vaccination_day_[p] == kNever) return VaccineProtection::kNone;
    const auto& vc = w_.config.vaccination;
    const bool escaped = variant != 0 && !escape_level_.empty();
    if (!booster_day_.empty() && booster_day_[p] != kNever) {
      // A booster (after the full course) protects as the course did, from its own day.
      const std::int64_t boosted =
          static_cast<std::int64_t>(t) - static_cast<std::int64_t>(booster_day_[p]);
      if (boosted >= vc.booster_protect_days) {
        if (!vaccine_draw_.empty())
          return waned_level(p, boosted - vc.booster_protect_days, escaped);
        return escaped ? escape_level_[p] : vaccine_level_[p];
      }
    }
    const std::int64_t since =
        static_cast<std::int64_t>(t) - static_cast<std::int64_t>(vaccination_day_[p]);
    if (since >= vc.days_to_protect) {
      if (!vaccine_draw_.empty()) return waned_level(p, since - vc.days_to_protect, escaped);
      return escaped ? escape_level_[p] : vaccine_level_[p];
    }
    if (!first_dose_level_.empty() && since >= vc.first_dose_protect_days)
      return escaped ? escape_first_dose_level_[p] : first_dose_level_[p];
    return VaccineProtection::kNone;
  }
  // With the second variant escaping the vaccine (config.variant.escapes_vaccine()).
  bool escapes_vaccine() const { return !escape_level_.empty(); }
  // With a second variant (config.variant; empty without): 1 for people infected with it.
  std::span<const std::uint8_t> variant() const { return variant_; }
  // The infectiousness factor of p's variant (with a second variant).
  double variant_factor(std::uint32_t p) const {
    return variant_[p] != 0 ? w_.config.variant.relative_transmissibility : 1.0;
  }
  // Cannot be infected by `variant` on day t: protected against infection (with vaccination
  // on).
  bool vaccine_immune(std::uint32_t p, std::uint32_t t, std::uint8_t variant = 0) const {
    return vaccine_level_on(p, t, variant) == VaccineProtection::kInfection;
  }

  // With immunity.reinfection.
  bool reinfecting() const { return !immunity_draw_.empty(); }
  // What p's latest infection protects p against on day t from `variant` (p infected,
  // reinfection on): kInfection until the course is over (infectious_days after the
  // infection, and for a severe course its discharge, even one still to come; for ever once
  // dead), then the level of p's draw for this infection against immunity.efficacy_*
  // (escaped by the second variant after an infection with the first), waning from the
  // course's end.
  VaccineProtection immunity_level_on(std::uint32_t p, std::uint32_t t,
                                      std::uint8_t variant = 0) const;
  // Whether p can be infected by `variant` on day t: never infected, or (with reinfection)
  // no longer protected by the latest infection; and not protected by a vaccine.
  bool susceptible(std::uint32_t p, std::uint32_t t, std::uint8_t variant = 0) const {
    if (infection_day_[p] != kNever &&
        (!reinfecting() || immunity_level_on(p, t, variant) == VaccineProtection::kInfection)) {
      return false;
    }
    return !(vaccinating() && vaccine_immune(p, t, variant));
  }
  // Calls f(const Infection&) for each of p's infections, the latest first, until f returns
  // false.
  template <typename F>
  void for_each_infection_of(std::uint32_t p, F f) const {
    if (infection_day_[p] == kNever || !f(latest_infection(p))) return;
    if (past_last_.empty()) return;
    for (std::uint32_t i = past_last_[p]; i != kNoPast; i = past_[i].previous) {
      if (!f(past_[i].infection)) return;
    }
  }
  // Calls f(const Infection&) for every infection so far, in person order, each person's in
  // day order.
  template <typename F>
  void for_each_infection(F f) const {
    std::vector<Infection> mine;
    for (std::uint32_t p = 0; p < infection_day_.size(); ++p) {
      if (infection_day_[p] == kNever) continue;
      if (past_last_.empty() || past_last_[p] == kNoPast) {
        f(latest_infection(p));
        continue;
      }
      mine.clear();
      for_each_infection_of(p, [&](const Infection& i) {
        mine.push_back(i);
        return true;
      });
      for (auto it = mine.rbegin(); it != mine.rend(); ++it) f(*it);
    }
  }
  // p's latest infection (p infected).
  Infection latest_infection(std::uint32_t p) const;

 private:
  // Infects p on `day` by `by` (kNoPerson: an initial case or an import of `variant`; an
  // infector passes on its own variant). Counts in st a breakthrough infection (p vaccinated
  // days_to_protect days before or earlier) and a reinfection (p infected before: that
  // infection is kept in past_).
  void infect(std::uint32_t p, std::uint32_t by, Layer layer, std::uint32_t day,
              std::uint8_t variant, DailyStats& st);
  // With a limit on intensive-care beds: the patients who need intensive care from day t
  // take the beds left free by those admitted before, in person order; the others are
  // denied (DiseaseModel::deny_intensive_care), counted in st.icu_denied.
  void allocate_intensive_care(std::uint32_t t, DailyStats& st);
  // With a limit on hospital beds (config.disease.hospital_beds_per_100k > 0), after the
  // intensive care: the patients admitted on day t who need a ward bed take the beds left
  // free by those admitted before, in person order; the others stay at home
  // (DiseaseModel::deny_admission), counted in st.hospital_denied. Patients denied
  // intensive care stay on a ward whether or not a bed is free.
  void allocate_ward_beds(std::uint32_t t, DailyStats& st);
  // The stream of p's draw when denied a bed (which: 1 intensive care, 2 a ward), one per
  // infection.
  std::uint64_t denial_key(std::uint32_t p, std::uint64_t which) const;
  // A limited kind of bed on day t: use(course, k) says whether a course on day k since
  // infection holds one (admitted before), needs one today, or neither. The patients who
  // need one take the beds left free in person order; those left without are returned.
  enum class Bed : std::uint8_t { kNone, kHolds, kNeeds };
  template <typename BedUse>
  std::vector<std::uint32_t> without_bed(std::uint32_t t, std::uint32_t beds, BedUse use) const;
  void positive_result(std::uint32_t p, std::uint32_t t, DailyStats& st,
                       std::vector<std::uint32_t>& uploaders);
  // With a test capacity: the day's samples, those waiting from earlier days first and then
  // today's in person order, as far as the capacity goes; the others wait (their sample day
  // kWaitingForTest, in test_backlog_), and a sample due max_wait_days days ago or earlier
  // is given up. A person who died waiting gives no sample and uses no test. Counted in
  // st.test_backlog and st.tests_given_up.
  void limit_tests(std::uint32_t t, DailyStats& st);
  // p's waiting sample dropped (died, or given up): a later trigger may order a test again.
  void drop_sample(std::uint32_t p);
  // With screening: day t's screening samples (of the people alive, out of hospital, without
  // a positive result or a test pending, each with the day's probability), counted in
  // st.screening_samples; before the test capacity, which takes them with the day's others.
  void screen(std::uint32_t t, DailyStats& st);
  // With hospital.staff_test_every_days or care_homes.staff_test_every_days: day t's samples
  // of the staff whose testing day it is (at work, without a positive result or a test
  // pending), screening samples as above; the hospital's staff first; then, with
  // care_homes.resident_test_every_days, the residents' (isolating or not).
  void test_staff(std::uint32_t t, DailyStats& st);
  // One staff's samples: each member every `every` days (0: none); with `residents`, care-home
  // residents, tested while isolating in their rooms.
  void test_staff(std::uint32_t t, std::span<const std::uint32_t> staff, std::uint32_t every,
                  DailyStats& st, bool residents = false);
  // Day t's orders of the tests that end quarantines (quarantine), in the order the
  // quarantines began; those released, positive or out of quarantine leave the list.
  void order_release_tests(std::uint32_t t);
  // A negative result of p's sample taken from its release day on (quarantine): ends the
  // quarantine on day t unless p isolates longer for another reason; counted in
  // `released` and `infected`.
  void release_on_negative(std::uint32_t p, std::uint32_t t, std::uint64_t& released,
                           std::uint64_t& infected);
  // p's isolation ends on `until` (earlier than it would), and with it every reason for it
  // recorded (held_until_, stays_until_).
  void cut_isolation(std::uint32_t p, std::int32_t until);
  // Ends p's quarantine on day t unless p isolates until `kept` (or later) for another
  // reason; counted in `ended`, and in `infected` when recently_infected.
  void end_quarantine(std::uint32_t p, std::uint32_t t, std::int32_t kept, std::uint64_t& ended,
                      std::uint64_t& infected);
  // Day t's self-tests of those testing daily (test_daily), in the order they started;
  // those whose window ended leave the list.
  void take_self_tests(std::uint32_t t);
  // care_homes.outbreak_testing: the homes with a positive result of a resident, of their
  // own staff or of their agency workers (agency_workers) yesterday and no round in the last
  // kOutbreakRoundDays days test everyone (screening samples, counted in
  // st.screening_samples).
  void test_outbreak_homes(std::uint32_t t, DailyStats& st);
  // The agency workers sent to home h on the outbreak_agency_days days before today (the
  // recorded shifts; none without tracks_agency_shifts), ascending.
  std::vector<std::uint32_t> agency_workers(std::uint32_t h) const;
  // On config.variant.day: its imports, susceptible people drawn from the seed, infected
  // with it by nobody; counted in st.variant_infections.
  void import_variant(std::uint32_t t, DailyStats& st);
  // Today's imported cases (disease.imports_per_day).
  void import_cases(std::uint32_t t, DailyStats& st);
  // The people of a region ([first, end)), or everyone for -1.
  std::pair<std::uint32_t, std::uint32_t> people_of(std::int32_t region) const;
  // Infects `wanted` people drawn at random from r among the people [among.first,
  // among.second) (at most as many as may be: susceptible on day t, never infected or no
  // longer protected, not immune by a vaccine; imported: no care home resident, who meets
  // nobody outside its home), infected by nobody by `layer` on day t, with `variant` (0: the
  // first); the initial cases (in disease.seed_region's people, anyone) and imports.
  // Returns how many (breakthrough infections counted in st).
  std::uint32_t infect_drawn(Rng& r, std::uint32_t wanted, Layer layer, std::uint32_t t,
                             std::uint8_t variant, std::pair<std::uint32_t, std::uint32_t> among,
                             DailyStats& st, bool imported = true);
  // Whether p may be infected on day t by an import of `variant`: susceptible and not a
  // care home resident.
  bool importable(std::uint32_t p, std::uint32_t t, std::uint8_t variant) const;
  // With vaccination: the willing in the order they are vaccinated, and each person's
  // protection (drawn once per person from the seed).
  void plan_vaccination();
  // With waning: p's protection `days` after it began, from the variant the vaccine fails
  // against (`escaped`) or the first.
  VaccineProtection waned_level(std::uint32_t p, std::int64_t days, bool escaped) const;
  // Day t's vaccinations: the next people of the queue, as many as the day's capacity, the
  // dead skipped; counted in st.new_vaccinated and st.vaccinated.
  void vaccinate(std::uint32_t t, DailyStats& st);

  const World& w_;
  std::uint32_t icu_beds_ = 0;   // with config.disease.icu_beds_per_100k > 0
  std::uint32_t ward_beds_ = 0;  // with config.disease.hospital_beds_per_100k > 0
  std::vector<std::int32_t> infection_day_;
  std::vector<std::uint32_t> infector_;
  std::vector<std::uint8_t> infection_layer_;
  std::vector<Course> course_;
  std::vector<std::int32_t> isolated_until_;
  std::vector<std::int32_t> test_sample_day_;
  // Whether p's sample is taken on day t: its sample day, or one passed already (ordered
  // with no delay after p's samples of that day were taken: a tracer's call, a household
  // member's order at a result).
  bool sample_due(std::uint32_t p, std::int32_t day) const {
    return test_sample_day_[p] >= 0 && test_sample_day_[p] <= day;
  }
  std::vector<std::int32_t> test_result_day_;
  std::vector<std::uint8_t> test_positive_;
  std::vector<std::int32_t> positive_day_;
  std::vector<std::int32_t> own_red_until_;
  std::vector<std::uint32_t> sample_day_of_result_;
  std::uint64_t cumulative_ = 0;
  // With testing.tests_per_day_per_100k > 0: the daily samples of the national pool, or of
  // each region's (testing.capacity_by_region).
  std::vector<std::uint32_t> tests_per_day_;
  struct WaitingTest {
    std::uint32_t person;
    std::uint32_t due_day;  // the day the sample was due
  };
  std::vector<WaitingTest> test_backlog_;  // waiting for a test, first come first
  std::vector<std::uint32_t> vaccine_queue_;
  std::size_t vaccine_next_ = 0;
  std::uint32_t vaccinated_ = 0;
  std::vector<std::int32_t> vaccination_day_;
  std::vector<VaccineProtection> vaccine_level_;
  std::vector<VaccineProtection> first_dose_level_;  // with first_dose_protect_days > 0
  // Against the second variant, when it escapes the vaccine (the first dose's with
  // first_dose_protect_days > 0).
  std::vector<VaccineProtection> escape_level_;
  std::vector<VaccineProtection> escape_first_dose_level_;
  // With waning (vaccination.waning_half_life_days > 0): each person's draw v, the factor
  // on the efficacies against infection and symptoms by days since protection, and the full
  // course's efficacies (infection, symptoms, severe) against the first variant and the
  // second (the same without escape).
  std::vector<double> vaccine_draw_;
  std::vector<double> waning_factor_;
  std::array<std::array<double, 3>, 2> waning_efficacy_{};
  // With boosters (vaccination.booster_after_days > 0): who will take one (drawn once), the
  // day each was boosted, and the boosters due (day, person) in day order.
  std::vector<std::uint8_t> wants_booster_;
  std::vector<std::int32_t> booster_day_;
  std::deque<std::pair<std::uint32_t, std::uint32_t>> boosters_due_;
  std::uint32_t boosted_ = 0;
  std::vector<std::uint8_t> variant_;  // with config.variant: 1 for its infections
  // With screening: while p's pending sample is a screening one (its own test), 1, or
  // kSelfTest for a self-test (read the same day).
  std::vector<std::uint8_t> screening_sample_;
  static constexpr std::uint8_t kSelfTest = 2;
  // With app.upload_delay_days: the consenting positives who upload late, by upload day, day
  // d's at d modulo (upload_delay_days + upload_delay_spread_days + 1); taken on their upload
  // day (in person order: sorted when a spread mixes result days).
  std::vector<std::vector<std::uint32_t>> delayed_uploads_;
  // With app.symptom_report_share: the day of p's latest symptom self-report (kNever: none),
  // whose keys cover kSelfReportDays days; whether p reports its symptoms of day t (a draw)
  // and uploads them (consent).
  static constexpr std::uint32_t kSelfReportDays = 14;
  std::vector<std::int32_t> self_report_day_;
  // With app.upgrade_on_positive: 1 when p's latest self-report was upgraded while it waited
  // for its upload, which then goes out as a confirmed test with the report's day as onset.
  std::vector<std::uint8_t> report_upgraded_;
  bool may_self_report(std::uint32_t p, std::uint32_t t) const;
  std::uint64_t symptom_reports_ = 0;
  std::uint64_t symptom_reports_infected_ = 0;
  void delay_uploads(std::uint32_t t, std::vector<std::uint32_t>& uploaders,
                     std::size_t today_from);
  // The day's revisions (person order): a revoked report still to upload leaves today's
  // uploaders (from today_from) or the delayed uploads, an upgraded one stays there as a
  // confirmed test; the others go to revisions_.
  void revise_self_reports(std::span<const Revision> revising,
                           std::vector<std::uint32_t>& uploaders, std::size_t today_from);
  std::vector<Revision> revisions_;
  std::uint64_t revoked_before_upload_ = 0;
  std::uint64_t quarantines_withdrawn_ = 0;
  std::uint64_t withdrawn_infected_ = 0;
  // With app.red_daily_test_days: the day after p's last daily self-test day (0: none), those
  // in a window (in the order they started), the self-tests and their positive results.
  std::vector<std::int32_t> self_test_until_;
  std::vector<std::uint32_t> self_testers_;
  std::uint64_t self_tests_ = 0;
  std::uint64_t self_test_positives_ = 0;
  // With releases_quarantine: the first day a sample of p counts to end its quarantine (0:
  // none; -1: its test taken, still on the list), the end of its isolation for every other
  // reason (isolate, a quarantine without a release test of its own), those in quarantine
  // with a release day (in the order they began), the
  // tests ordered to end one, the quarantines ended, and of them the infected.
  std::vector<std::int32_t> release_day_;
  std::vector<std::int32_t> held_until_;
  // With app.revoke_on_negative or upgrade_on_positive: the end of p's isolation that a
  // withdrawal leaves (held_until_, quarantines that are not withdrawable, and the isolation
  // in force when a withdrawable one began).
  std::vector<std::int32_t> stays_until_;
  std::vector<std::uint32_t> release_testers_;
  std::uint64_t release_tests_ = 0;
  std::uint64_t quarantines_released_ = 0;
  std::uint64_t released_infected_ = 0;
  // With care_homes.staff_symptom_isolation: 1 for the homes' staff, own and agency.
  std::vector<std::uint8_t> care_worker_;
  // With care_homes.outbreak_testing: each home's last round (kNever: none), who gave a
  // sample in a round (1 until its result), and the rounds, samples and positive results.
  std::vector<std::int32_t> outbreak_round_day_;
  std::vector<std::uint8_t> outbreak_sample_;
  std::uint64_t outbreak_rounds_ = 0;
  std::uint64_t outbreak_samples_ = 0;
  std::uint64_t outbreak_agency_samples_ = 0;
  std::uint64_t outbreak_positives_ = 0;
  // With tracks_agency_shifts: the shifts of the last outbreak_agency_days days, oldest
  // first, each day's as (home, worker) ordered by home, then worker (during day t's run:
  // those of days t - outbreak_agency_days .. t - 1).
  struct AgencyDay {
    std::uint32_t day = 0;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> shifts;
  };
  std::deque<AgencyDay> agency_days_;
  // With immunity.reinfection: each person's draw for the latest infection's immunity, the
  // latest infector's day of infection, the earlier infections (each with the index of the
  // same person's one before it) and each person's latest there, the efficacies against the
  // first variant and against an escaping second one, and the waning factor by days.
  static constexpr std::uint32_t kNoPast = 0xffffffffu;
  struct PastInfection {
    Infection infection;
    std::uint32_t previous = kNoPast;
  };
  std::vector<double> immunity_draw_;
  std::vector<std::int32_t> infector_day_;
  std::vector<PastInfection> past_;
  std::vector<std::uint32_t> past_last_;
  // With reinfection: the positive day of p's earlier infection, kept when a reinfection
  // clears positive_day (kNever: none).
  std::vector<std::int32_t> earlier_positive_day_;
  std::array<std::array<double, 3>, 2> immunity_efficacy_{};
  std::vector<double> immunity_waning_;
};

}  // namespace greenlight::sim::internal

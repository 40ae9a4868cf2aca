#include "internal/health_phase.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <tuple>

#include "internal/contacts.h"
#include "internal/parallel.h"

namespace greenlight::sim::internal {

HealthPhase::HealthPhase(const World& world) : w_(world) {
  const std::uint32_t n = w_.pop.size();
  infection_day_.assign(n, kNever);
  infector_.assign(n, kNoPerson);
  infection_layer_.assign(n, 0);
  course_.assign(n, Course{});
  isolated_until_.assign(n, 0);
  test_sample_day_.assign(n, kNever);
  test_result_day_.assign(n, kNever);
  test_positive_.assign(n, 0);
  positive_day_.assign(n, kNever);
  own_red_until_.assign(n, 0);
  sample_day_of_result_.assign(n, 0);
  icu_beds_ = static_cast<std::uint32_t>(per_100k(w_.config.disease.icu_beds_per_100k, n));
  ward_beds_ = static_cast<std::uint32_t>(per_100k(w_.config.disease.hospital_beds_per_100k, n));
  if (w_.config.testing.capacity_by_region) {
    for (std::uint32_t r = 0; r < w_.pop.regions(); ++r) {
      const std::uint32_t people = w_.pop.region_start[r + 1] - w_.pop.region_start[r];
      tests_per_day_.push_back(
          static_cast<std::uint32_t>(per_100k(w_.config.testing.tests_per_day_per_100k, people)));
    }
  } else {
    tests_per_day_.push_back(
        static_cast<std::uint32_t>(per_100k(w_.config.testing.tests_per_day_per_100k, n)));
  }
  if (w_.config.vaccination.enabled()) plan_vaccination();
  if (w_.config.variant.enabled()) variant_.assign(n, 0);
  const bool self_tests =
      w_.config.app.red_daily_test_days > 0 ||
      (w_.config.manual_tracing.enabled && w_.config.manual_tracing.daily_test_days > 0);
  if (w_.config.testing.screening_per_day_per_100k > 0 || staff_testing() || outbreak_testing() ||
      self_tests) {
    screening_sample_.assign(n, 0);
  }
  if (self_tests) self_test_until_.assign(n, 0);
  if (w_.config.app.upload_delay_days > 0) {
    delayed_uploads_.resize(w_.config.app.longest_upload_delay() + 1);
  }
  if (w_.config.app.symptom_report_share > 0) self_report_day_.assign(n, kNever);
  if (w_.config.app.red_release_test_day > 0 || w_.config.app.revoke_on_negative ||
      w_.config.app.upgrade_on_positive ||
      (w_.config.manual_tracing.enabled && w_.config.manual_tracing.release_test_day > 0)) {
    release_day_.assign(n, 0);
    held_until_.assign(n, 0);
  }
  if (w_.config.app.revoke_on_negative || w_.config.app.upgrade_on_positive) {
    stays_until_.assign(n, 0);
  }
  if (w_.config.app.upgrade_on_positive) report_upgraded_.assign(n, 0);
  if (outbreak_testing()) {
    outbreak_round_day_.assign(w_.pop.care_homes(), kNever);
    outbreak_sample_.assign(n, 0);
  }
  if (w_.config.care_homes.staff_symptom_isolation >= 0 &&
      (!w_.pop.care_staff.empty() || !w_.pop.care_agency.empty())) {
    care_worker_.assign(n, 0);
    for (const std::uint32_t p : w_.pop.care_staff) care_worker_[p] = 1;
    for (const std::uint32_t p : w_.pop.care_agency) care_worker_[p] = 1;
  }
  const auto& im = w_.config.immunity;
  if (im.reinfection) {
    immunity_draw_.assign(n, 1.0);
    infector_day_.assign(n, kNever);
    past_last_.assign(n, kNoPast);
    earlier_positive_day_.assign(n, kNever);
    const auto& va = w_.config.variant;
    const ImmunityConfig escaped = im.escaped(
        va.immunity_escape_infection, va.immunity_escape_symptoms, va.immunity_escape_severe);
    immunity_efficacy_[0] = {im.efficacy_infection, im.efficacy_symptoms, im.efficacy_severe};
    immunity_efficacy_[1] = {escaped.efficacy_infection, escaped.efficacy_symptoms,
                             escaped.efficacy_severe};
    // Days since a course ended: within the run.
    immunity_waning_.assign(w_.config.run.days + 1, 1.0);
    if (im.waning_half_life_days > 0) {
      for (std::size_t d = 0; d < immunity_waning_.size(); ++d) {
        immunity_waning_[d] = std::exp2(-static_cast<double>(d) / im.waning_half_life_days);
      }
    }
  }
}

VaccineProtection HealthPhase::immunity_level_on(std::uint32_t p, std::uint32_t t,
                                                 std::uint8_t variant) const {
  const auto k = t - static_cast<std::uint32_t>(infection_day_[p]);
  // The course lasts its infectious days and, when severe, until the discharge or death
  // still to come: a reinfection before would replace the course, and its admission or
  // death would never happen.
  const Course& c = course_[p];
  const std::uint32_t ended = std::max<std::uint32_t>(
      w_.config.disease.infectious_days, c.severity != Severity::kNone ? c.end_day : 0);
  if (k < ended || c.dead(k)) return VaccineProtection::kInfection;
  const bool escaped = variant != 0 && !variant_.empty() && variant_[p] == 0;
  const auto& e = immunity_efficacy_[escaped ? 1 : 0];
  const auto last = immunity_waning_.size() - 1;
  const double f = immunity_waning_[std::min<std::size_t>(k - ended, last)];
  return sim::vaccine_protection(immunity_draw_[p], e[0] * f, e[1] * f, e[2]);
}

Infection HealthPhase::latest_infection(std::uint32_t p) const {
  Infection i;
  i.person = p;
  i.infector = infector_[p];
  i.day = infection_day_[p];
  if (!infector_day_.empty()) {
    i.infector_day = infector_day_[p];
  } else if (i.infector != kNoPerson) {
    i.infector_day = infection_day_[i.infector];
  }
  i.layer = infection_layer_[p];
  i.variant = variant_.empty() ? 0 : variant_[p];
  i.course = course_[p];
  return i;
}

std::uint32_t HealthPhase::infect_drawn(Rng& r, std::uint32_t wanted, Layer layer, std::uint32_t t,
                                        std::uint8_t variant,
                                        std::pair<std::uint32_t, std::uint32_t> among,
                                        DailyStats& st, bool imported) {
  const auto [first, end] = among;
  const auto may = [&](std::uint32_t p) {
    return imported ? importable(p, t, variant) : susceptible(p, t, variant);
  };
  std::uint32_t left = 0;
  for (std::uint32_t p = first; p < end; ++p) left += may(p) ? 1u : 0u;
  wanted = std::min(wanted, left);
  std::uint32_t placed = 0;
  while (placed < wanted) {
    const std::uint32_t p = first + r.below(end - first);
    if (!may(p)) continue;
    infect(p, kNoPerson, layer, t, variant, st);
    ++placed;
  }
  cumulative_ += placed;
  return placed;
}

bool HealthPhase::importable(std::uint32_t p, std::uint32_t t, std::uint8_t variant) const {
  return susceptible(p, t, variant) && (w_.pop.care_residents.empty() || !w_.pop.is_resident(p));
}

void HealthPhase::import_variant(std::uint32_t t, DailyStats& st) {
  Rng r(stream_key(w_.seed, kPurposeVariant));
  st.variant_infections +=
      infect_drawn(r, w_.config.variant.imports, Layer::kRandom, t, 1, {0, w_.pop.size()}, st);
}

void HealthPhase::import_cases(std::uint32_t t, DailyStats& st) {
  const auto& d = w_.config.disease;
  Rng r(stream_key(w_.seed, kPurposeImports, t));
  const std::uint32_t wanted = r.poisson(d.imports_per_day);
  const auto [first, end] = people_of(d.imports_region);
  // A drawn person who is not susceptible is drawn again; after 1,000 such draws in a row
  // (few susceptible people left) infect_drawn places the rest among those it counts.
  constexpr std::uint32_t kMisses = 1000;
  std::uint32_t placed = 0;
  std::uint32_t misses = 0;
  while (placed < wanted && misses < kMisses) {
    const std::uint32_t p = first + r.below(end - first);
    if (!importable(p, t, 0)) {
      ++misses;
      continue;
    }
    infect(p, kNoPerson, Layer::kRandom, t, 0, st);
    ++placed;
    misses = 0;
  }
  cumulative_ += placed;
  if (placed < wanted)
    placed += infect_drawn(r, wanted - placed, Layer::kRandom, t, 0, {first, end}, st);
  st.imported = placed;
}

namespace {
// A sample that waits for a free test (test_sample_day_; neither kNever nor a day).
constexpr std::int32_t kWaitingForTest = -2;
// The kPurposeUpload draws of (person, day) besides consent (0), sealing (1) and the same-day
// upload (2): whether a user reports its symptoms, and a late upload's delay within the
// spread (two draws: a self-reporter's delay is not tied to its report's draw).
constexpr std::uint32_t kSelfReportDraw = 3;
constexpr std::uint32_t kSpreadDraw = 4;
}  // namespace

void HealthPhase::limit_tests(std::uint32_t t, DailyStats& st) {
  const auto day = static_cast<std::int32_t>(t);
  // Today's new samples, per shard in person order.
  const std::uint32_t n = w_.pop.size();
  std::vector<std::vector<std::uint32_t>> due(kShards);
  parallel_for(w_.threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
    const auto [p0, p1] = shard_range(n, shard);
    for (std::uint32_t p = p0; p < p1; ++p) {
      if (sample_due(p, day)) due[shard].push_back(p);
    }
  });
  std::vector<WaitingTest> queue;
  queue.swap(test_backlog_);
  for (const auto& part : due) {
    for (const std::uint32_t p : part) queue.push_back({p, t});
  }
  const std::uint32_t max_wait = w_.config.testing.max_wait_days;
  std::vector<std::uint32_t> taken(tests_per_day_.size(), 0);
  const bool by_region = tests_per_day_.size() > 1;
  for (const WaitingTest& w : queue) {
    const std::uint32_t pool = by_region ? w_.pop.region_of(w.person) : 0;
    if (dead(w.person, t)) {
      drop_sample(w.person);  // died waiting: no sample, no test used
    } else if (taken[pool] < tests_per_day_[pool]) {
      test_sample_day_[w.person] = day;
      ++taken[pool];
    } else if (t - w.due_day >= max_wait) {
      drop_sample(w.person);  // given up: a later trigger may order a test again
      ++st.tests_given_up;
    } else {
      test_sample_day_[w.person] = kWaitingForTest;
      test_backlog_.push_back(w);
    }
  }
  st.test_backlog = static_cast<std::uint32_t>(test_backlog_.size());
}

void HealthPhase::drop_sample(std::uint32_t p) {
  test_sample_day_[p] = kNever;
  if (!screening_sample_.empty()) screening_sample_[p] = 0;
  if (!outbreak_sample_.empty()) outbreak_sample_[p] = 0;
}

void HealthPhase::screen(std::uint32_t t, DailyStats& st) {
  const auto day = static_cast<std::int32_t>(t);
  const double rate = w_.config.testing.screening_per_day_per_100k / 100000.0;
  const std::uint32_t n = w_.pop.size();
  std::array<std::uint32_t, kShards> screened{};
  parallel_for(w_.threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
    const auto [p0, p1] = shard_range(n, shard);
    for (std::uint32_t p = p0; p < p1; ++p) {
      if (positive_day_[p] != kNever || test_sample_day_[p] != kNever ||
          test_result_day_[p] != kNever || absent(p, t)) {
        continue;
      }
      if (!w_.decision(kPurposeScreening, p, t, 0).bernoulli(rate)) continue;
      test_sample_day_[p] = day;
      screening_sample_[p] = 1;
      ++screened[shard];
    }
  });
  for (const std::uint32_t s : screened) st.screening_samples += s;
}

void HealthPhase::test_staff(std::uint32_t t, DailyStats& st) {
  test_staff(t, w_.pop.staff, w_.config.hospital.staff_test_every_days, st);
  test_staff(t, w_.pop.care_staff, w_.config.care_homes.staff_test_every_days, st);
  test_staff(t, w_.pop.care_agency, w_.config.care_homes.staff_test_every_days, st);
  test_staff(t, w_.pop.care_residents, w_.config.care_homes.resident_test_every_days, st, true);
}

void HealthPhase::test_staff(std::uint32_t t, std::span<const std::uint32_t> staff,
                             std::uint32_t every, DailyStats& st, bool residents) {
  if (every == 0) return;
  const auto day = static_cast<std::int32_t>(t);
  for (const std::uint32_t s : staff) {
    // The member's own testing days: an offset in [0, every) drawn once (day 0's stream).
    const std::uint32_t offset = w_.decision(kPurposeScreening, s, 0, 1).below(every);
    if ((t + offset) % every != 0) continue;
    if (positive_day_[s] != kNever || test_sample_day_[s] != kNever ||
        test_result_day_[s] != kNever || (!residents && isolated_until_[s] > day) || absent(s, t)) {
      continue;
    }
    test_sample_day_[s] = day;
    screening_sample_[s] = 1;
    ++st.screening_samples;
  }
}

void HealthPhase::record_agency_shifts(
    std::uint32_t t, std::vector<std::pair<std::uint32_t, std::uint32_t>> shifts) {
  const std::uint32_t days = w_.config.care_homes.outbreak_agency_days;
  while (!agency_days_.empty() && agency_days_.front().day + days <= t) agency_days_.pop_front();
  agency_days_.push_back({t, std::move(shifts)});
}

std::vector<std::uint32_t> HealthPhase::agency_workers(std::uint32_t h) const {
  std::vector<std::uint32_t> workers;
  for (const AgencyDay& d : agency_days_) {
    const auto [first, last] = std::equal_range(
        d.shifts.begin(), d.shifts.end(), std::pair<std::uint32_t, std::uint32_t>{h, 0},
        [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto it = first; it != last; ++it) workers.push_back(it->second);
  }
  std::sort(workers.begin(), workers.end());
  workers.erase(std::unique(workers.begin(), workers.end()), workers.end());
  return workers;
}

void HealthPhase::test_outbreak_homes(std::uint32_t t, DailyStats& st) {
  const auto day = static_cast<std::int32_t>(t);
  const auto case_yesterday = [&](std::uint32_t p) {
    return positive_day_[p] != kNever && positive_day_[p] == day - 1;
  };
  const auto round_days = static_cast<std::int32_t>(CareHomeConfig::kOutbreakRoundDays);
  for (std::uint32_t h = 0; h < w_.pop.care_homes(); ++h) {
    if (outbreak_round_day_[h] != kNever && day - outbreak_round_day_[h] < round_days) continue;
    const auto residents = w_.pop.home_residents(h);
    const auto staff = w_.pop.home_staff(h);
    const std::vector<std::uint32_t> agency = agency_workers(h);
    if (std::none_of(residents.begin(), residents.end(), case_yesterday) &&
        std::none_of(staff.begin(), staff.end(), case_yesterday) &&
        std::none_of(agency.begin(), agency.end(), case_yesterday)) {
      continue;
    }
    outbreak_round_day_[h] = day;
    ++outbreak_rounds_;
    const auto sample = [&](std::uint32_t p, bool member_of_staff) {
      if (positive_day_[p] != kNever || test_sample_day_[p] != kNever ||
          test_result_day_[p] != kNever || absent(p, t) ||
          (member_of_staff && isolated_until_[p] > day)) {
        return false;
      }
      test_sample_day_[p] = day;
      screening_sample_[p] = 1;
      outbreak_sample_[p] = 1;
      ++outbreak_samples_;
      ++st.screening_samples;
      return true;
    };
    for (const std::uint32_t r : residents) sample(r, false);
    for (const std::uint32_t s : staff) sample(s, true);
    for (const std::uint32_t a : agency) {
      if (sample(a, true)) ++outbreak_agency_samples_;
    }
  }
}

void HealthPhase::plan_vaccination() {
  const auto& vc = w_.config.vaccination;
  const std::uint32_t n = w_.pop.size();
  vaccination_day_.assign(n, kNever);
  vaccine_level_.assign(n, VaccineProtection::kNone);
  const bool between_doses = vc.first_dose_protect_days > 0;
  if (between_doses) first_dose_level_.assign(n, VaccineProtection::kNone);
  const VaccinationConfig first = vc.first_dose();
  const bool escape = w_.config.variant.escapes_vaccine();
  const VaccinationConfig escaped = w_.config.variant.against(vc);
  const VaccinationConfig escaped_first = escaped.first_dose();
  if (escape) escape_level_.assign(n, VaccineProtection::kNone);
  if (escape && between_doses) escape_first_dose_level_.assign(n, VaccineProtection::kNone);
  const bool waning = vc.waning_half_life_days > 0;
  const bool boosters = vc.booster_after_days > 0;
  if (boosters) {
    wants_booster_.assign(n, 0);
    booster_day_.assign(n, kNever);
  }
  if (waning) {
    vaccine_draw_.assign(n, 1.0);
    // Protection starts on day days_to_protect at the earliest, so the run's days suffice.
    waning_factor_.resize(w_.config.run.days + 1);
    waning_efficacy_[0] = {vc.efficacy_infection, vc.efficacy_symptoms, vc.efficacy_severe};
    waning_efficacy_[1] = {escaped.efficacy_infection, escaped.efficacy_symptoms,
                           escaped.efficacy_severe};
    for (std::size_t d = 0; d < waning_factor_.size(); ++d) {
      waning_factor_[d] = std::exp2(-static_cast<double>(d) / vc.waning_half_life_days);
    }
  }
  // Queue order: the age group (oldest first, with oldest_first), then a drawn key, then the
  // person (ties).
  struct Place {
    std::uint32_t group;
    std::uint64_t key;
    std::uint32_t person;
  };
  std::vector<Place> willing;
  for (std::uint32_t p = 0; p < n; ++p) {
    Rng r(stream_key(w_.seed, kPurposeVaccination, p));
    const std::uint8_t g = w_.pop.age_group[p];
    const bool wants = r.bernoulli(vc.uptake_by_age[g]);
    const std::uint64_t key = r.next();
    // The age group's factor on every efficacy: v < e x f is v / f < e (f = 1: v itself).
    const double f = vc.efficacy_factor_by_age[g];
    const double u = r.uniform();
    const double v = f > 0 ? u / f : 2.0;  // f = 0: above every efficacy
    vaccine_level_[p] = sim::vaccine_protection(v, vc);
    if (between_doses) first_dose_level_[p] = sim::vaccine_protection(v, first);
    if (escape) escape_level_[p] = sim::vaccine_protection(v, escaped);
    if (escape && between_doses)
      escape_first_dose_level_[p] = sim::vaccine_protection(v, escaped_first);
    if (waning) vaccine_draw_[p] = v;
    // The stream's last draw: a run without boosters draws the same as before.
    if (boosters) wants_booster_[p] = r.bernoulli(vc.booster_uptake) ? 1 : 0;
    if (!wants) continue;
    const auto group = static_cast<std::uint32_t>(kAgeGroups - 1 - g);
    willing.push_back({vc.oldest_first ? group : 0u, key, p});
  }
  std::sort(willing.begin(), willing.end(), [](const Place& a, const Place& b) {
    return std::tie(a.group, a.key, a.person) < std::tie(b.group, b.key, b.person);
  });
  vaccine_queue_.reserve(willing.size());
  for (const Place& w : willing) vaccine_queue_.push_back(w.person);
}

VaccineProtection HealthPhase::waned_level(std::uint32_t p, std::int64_t days, bool escaped) const {
  const auto last = static_cast<std::int64_t>(waning_factor_.size()) - 1;
  const double f = waning_factor_[static_cast<std::size_t>(std::min(days, last))];
  const auto& e = waning_efficacy_[escaped ? 1 : 0];
  return sim::vaccine_protection(vaccine_draw_[p], e[0] * f, e[1] * f, e[2]);
}

void HealthPhase::vaccinate(std::uint32_t t, DailyStats& st) {
  const auto& vc = w_.config.vaccination;
  if (t >= vc.start_day) {
    std::uint64_t doses = per_100k(vc.people_per_day_per_100k, w_.pop.size());
    while (doses > 0 && vaccine_next_ < vaccine_queue_.size()) {
      const std::uint32_t p = vaccine_queue_[vaccine_next_++];
      if (dead(p, t)) continue;
      vaccination_day_[p] = static_cast<std::int32_t>(t);
      --doses;
      ++st.new_vaccinated;
      if (!wants_booster_.empty() && wants_booster_[p] != 0)
        boosters_due_.emplace_back(t + vc.booster_after_days, p);
    }
  }
  vaccinated_ += st.new_vaccinated;
  st.vaccinated = vaccinated_;
  // Boosters fall due in the order of the first doses (a fixed delay), the dead skipped.
  while (!boosters_due_.empty() && boosters_due_.front().first <= t) {
    const std::uint32_t p = boosters_due_.front().second;
    boosters_due_.pop_front();
    if (dead(p, t)) continue;
    booster_day_[p] = static_cast<std::int32_t>(t);
    ++st.new_boosted;
  }
  boosted_ += st.new_boosted;
  st.boosted = boosted_;
}

template <typename BedUse>
std::vector<std::uint32_t> HealthPhase::without_bed(std::uint32_t t, std::uint32_t beds,
                                                    BedUse use) const {
  // Beds held by patients admitted before today, and today's patients who need one, per shard
  // in person order (so in person order overall).
  const std::uint32_t n = w_.pop.size();
  std::array<std::uint32_t, kShards> in_use{};
  std::vector<std::vector<std::uint32_t>> needing(kShards);
  parallel_for(w_.threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
    const auto [p0, p1] = shard_range(n, shard);
    for (std::uint32_t p = p0; p < p1; ++p) {
      if (infection_day_[p] == kNever) continue;
      switch (use(course_[p], t - static_cast<std::uint32_t>(infection_day_[p]))) {
        case Bed::kNeeds:
          needing[shard].push_back(p);
          break;
        case Bed::kHolds:
          ++in_use[shard];
          break;
        case Bed::kNone:
          break;
      }
    }
  });
  std::uint32_t used = 0;
  for (const std::uint32_t u : in_use) used += u;
  std::vector<std::uint32_t> denied;
  for (const auto& part : needing) {
    for (const std::uint32_t p : part) {
      if (used < beds) {
        ++used;
      } else {
        denied.push_back(p);
      }
    }
  }
  return denied;
}

std::uint64_t HealthPhase::denial_key(std::uint32_t p, std::uint64_t which) const {
  // A first infection's draws are (p, which); a reinfection's take its day (never 0: the
  // first infection's course is over by then), so each infection denied has its own draw.
  const bool again = !past_last_.empty() && past_last_[p] != kNoPast;
  return stream_key(w_.seed, kPurposeProgression, p, which,
                    again ? static_cast<std::uint64_t>(infection_day_[p]) : 0);
}

void HealthPhase::allocate_intensive_care(std::uint32_t t, DailyStats& st) {
  if (w_.config.disease.icu_beds_per_100k <= 0) return;
  const auto denied = without_bed(t, icu_beds_, [](const Course& c, std::uint32_t k) {
    if (c.needs_critical_care_on(k)) return Bed::kNeeds;
    return c.in_critical_care(k) ? Bed::kHolds : Bed::kNone;
  });
  for (const std::uint32_t p : denied) {
    ++st.icu_denied;
    w_.disease.deny_intensive_care(course_[p], w_.pop.age_group[p], denial_key(p, 1));
  }
}

void HealthPhase::allocate_ward_beds(std::uint32_t t, DailyStats& st) {
  if (w_.config.disease.hospital_beds_per_100k <= 0) return;
  // A ward bed: in hospital, not in intensive care; today's admissions need one (those
  // denied intensive care are kept on a ward all the same).
  const auto denied = without_bed(t, ward_beds_, [](const Course& c, std::uint32_t k) {
    if (!c.in_hospital(k) || c.in_critical_care(k)) return Bed::kNone;
    if (!c.admitted_on(k)) return Bed::kHolds;
    return c.denied_icu ? Bed::kNone : Bed::kNeeds;
  });
  for (const std::uint32_t p : denied) {
    ++st.hospital_denied;
    w_.disease.deny_admission(course_[p], w_.pop.age_group[p], denial_key(p, 2));
  }
}

std::pair<std::uint32_t, std::uint32_t> HealthPhase::people_of(std::int32_t region) const {
  if (region < 0) return {0, w_.pop.size()};
  const auto r = static_cast<std::uint32_t>(region);
  return {w_.pop.region_start[r], w_.pop.region_start[r + 1]};
}

void HealthPhase::seed_infections() {
  Rng r(stream_key(w_.seed, kPurposeSeedInfections));
  DailyStats before_vaccination;  // nobody is vaccinated before day 0
  infect_drawn(r, w_.config.disease.initial_infections, Layer::kHousehold, 0, 0,
               people_of(w_.config.disease.seed_region), before_vaccination, false);
}

void HealthPhase::infect(std::uint32_t p, std::uint32_t by, Layer layer, std::uint32_t day,
                         std::uint8_t variant, DailyStats& st) {
  if (!variant_.empty() && by != kNoPerson) variant = variant_[by];
  // A reinfection (only with immunity.reinfection): what the earlier infection still
  // protects against, and that infection kept.
  VaccineProtection level = VaccineProtection::kNone;
  std::uint64_t course_key = stream_key(w_.seed, kPurposeProgression, p);
  if (infection_day_[p] != kNever) {
    level = immunity_level_on(p, day, variant);
    past_.push_back({latest_infection(p), past_last_[p]});
    past_last_[p] = static_cast<std::uint32_t>(past_.size() - 1);
    if (positive_day_[p] != kNever) earlier_positive_day_[p] = positive_day_[p];
    positive_day_[p] = kNever;  // a new infection may test positive and be uploaded again
    // and report its symptoms again: an earlier self-report's upload is not the new
    // infection's (its result uploads, and revises none).
    if (!self_report_day_.empty()) self_report_day_[p] = kNever;
    if (!report_upgraded_.empty()) report_upgraded_[p] = 0;
    course_key = stream_key(w_.seed, kPurposeProgression, p, 3, day);
    ++st.reinfections;
  }
  infection_day_[p] = static_cast<std::int32_t>(day);
  infector_[p] = by;
  infection_layer_[p] = static_cast<std::uint8_t>(layer);
  if (!variant_.empty()) variant_[p] = variant;
  if (reinfecting()) {
    infector_day_[p] = by != kNoPerson ? infection_day_[by] : kNever;
    immunity_draw_[p] = Rng(stream_key(w_.seed, kPurposeImmunity, p, day)).uniform();
  }
  course_[p] = w_.disease.sample_course(w_.pop.age_group[p], course_key);
  // A frail care-home resident may die of it at home (before a vaccine's protection, which
  // spares the severe outcome).
  const double in_home = w_.config.care_homes.death_in_home;
  if (in_home > 0 && w_.pop.is_resident(p)) {
    w_.disease.die_at_home(
        course_[p], in_home,
        stream_key(w_.seed, kPurposeDeathInHome, p, static_cast<std::uint64_t>(day)));
  }
  if (vaccinating()) level = std::max(level, vaccine_level_on(p, day, variant));
  if (level != VaccineProtection::kNone) course_[p] = w_.disease.protect(course_[p], level);
  // The person's own infectiousness (the same draw at every infection of p).
  if (w_.config.disease.infectiousness_sd > 0) {
    course_[p].infectiousness_factor = static_cast<float>(
        static_cast<double>(course_[p].infectiousness_factor) *
        w_.disease.infectiousness_multiplier(stream_key(w_.seed, kPurposeInfectiousness, p)));
  }
  if (vaccinating() && vaccination_day_[p] != kNever &&
      static_cast<std::int64_t>(day) - vaccination_day_[p] >=
          static_cast<std::int64_t>(w_.config.vaccination.days_to_protect)) {
    ++st.breakthrough_infections;
  }
}

void HealthPhase::isolate(std::uint32_t p, std::int32_t until) {
  isolated_until_[p] = std::max(isolated_until_[p], until);
  if (!held_until_.empty()) held_until_[p] = std::max(held_until_[p], until);
  if (!stays_until_.empty()) stays_until_[p] = std::max(stays_until_[p], until);
}

void HealthPhase::quarantine(std::uint32_t p, std::int32_t until, std::uint32_t release_day,
                             bool withdrawable) {
  if ((release_day == 0 && !withdrawable) || held_until_.empty()) {
    isolate(p, until);
    return;
  }
  if (!stays_until_.empty()) {
    // A withdrawal leaves what p was in before this quarantine; any other stands.
    stays_until_[p] = std::max(stays_until_[p], withdrawable ? isolated_until_[p] : until);
  }
  // Without a release test of its own it stands against another quarantine's release test.
  if (release_day == 0) held_until_[p] = std::max(held_until_[p], until);
  isolated_until_[p] = std::max(isolated_until_[p], until);
  if (release_day == 0) return;
  if (release_day_[p] == 0) release_testers_.push_back(p);  // -1: still on the list
  release_day_[p] = std::max(release_day_[p], static_cast<std::int32_t>(release_day));
}

void HealthPhase::cut_isolation(std::uint32_t p, std::int32_t until) {
  isolated_until_[p] = until;
  // The reasons recorded end with it: a later release or withdrawal keeps none of them.
  if (!held_until_.empty()) held_until_[p] = std::min(held_until_[p], until);
  if (!stays_until_.empty()) stays_until_[p] = std::min(stays_until_[p], until);
}

void HealthPhase::withdraw_quarantine(std::uint32_t p, std::uint32_t t) {
  end_quarantine(p, t, stays_until_[p], quarantines_withdrawn_, withdrawn_infected_);
}

bool HealthPhase::recently_infected(std::uint32_t p, std::uint32_t t) const {
  return infection_day_[p] != kNever &&
         static_cast<std::int32_t>(t) - infection_day_[p] <=
             static_cast<std::int32_t>(w_.config.testing.sensitive_to_day);
}

void HealthPhase::end_quarantine(std::uint32_t p, std::uint32_t t, std::int32_t kept,
                                 std::uint64_t& ended, std::uint64_t& infected) {
  const auto day = static_cast<std::int32_t>(t);
  const std::int32_t until = std::min(isolated_until_[p], std::max(day, kept));
  if (until >= isolated_until_[p]) return;  // over already, or kept for another reason
  cut_isolation(p, until);
  ++ended;
  if (recently_infected(p, t)) ++infected;
}

void HealthPhase::order_release_tests(std::uint32_t t) {
  const auto day = static_cast<std::int32_t>(t);
  const auto delay = static_cast<std::int32_t>(w_.config.testing.order_delay_days);
  std::size_t kept = 0;
  for (const std::uint32_t p : release_testers_) {
    if (release_day_[p] <= 0 || positive_day_[p] != kNever || isolated_until_[p] <= day) {
      release_day_[p] = 0;  // tested, positive, or the quarantine is over: off the list
      continue;
    }
    release_testers_[kept++] = p;
    if (day + delay < release_day_[p] || test_sample_day_[p] != kNever ||
        test_result_day_[p] != kNever || absent(p, t)) {
      continue;
    }
    order_test(p, t);
    ++release_tests_;
  }
  release_testers_.resize(kept);
}

void HealthPhase::release_on_negative(std::uint32_t p, std::uint32_t t, std::uint64_t& released,
                                      std::uint64_t& infected) {
  release_day_[p] = -1;  // used; off the list at the next orders
  end_quarantine(p, t, held_until_[p], released, infected);
}

void HealthPhase::order_test(std::uint32_t p, std::uint32_t day) {
  if (positive_day_[p] != kNever || test_sample_day_[p] != kNever ||
      test_result_day_[p] != kNever) {
    return;
  }
  test_sample_day_[p] = static_cast<std::int32_t>(day + w_.config.testing.order_delay_days);
}

void HealthPhase::test_daily(std::uint32_t p, std::uint32_t first_day, std::uint32_t days) {
  if (self_test_until_[p] == 0) self_testers_.push_back(p);
  self_test_until_[p] = std::max(self_test_until_[p], static_cast<std::int32_t>(first_day + days));
}

void HealthPhase::take_self_tests(std::uint32_t t) {
  const auto day = static_cast<std::int32_t>(t);
  std::size_t kept = 0;
  for (const std::uint32_t p : self_testers_) {
    if (self_test_until_[p] <= day) {
      self_test_until_[p] = 0;
      continue;
    }
    self_testers_[kept++] = p;
    if (positive_day_[p] != kNever || test_sample_day_[p] != kNever ||
        test_result_day_[p] != kNever || absent(p, t)) {
      continue;
    }
    test_sample_day_[p] = day;
    screening_sample_[p] = kSelfTest;
    ++self_tests_;
  }
  self_testers_.resize(kept);
}

std::uint32_t HealthPhase::recorded_onset_day(std::uint32_t p, std::uint32_t t) const {
  std::uint32_t onset = sample_day_of_result_[p];
  if (infection_day_[p] != kNever && course_[p].symptomatic) {
    const auto o = static_cast<std::uint32_t>(infection_day_[p] + course_[p].onset_delay_days);
    if (o <= t) onset = o;
  }
  return onset;
}

void HealthPhase::run(std::uint32_t t, DailyStats& st, std::vector<std::uint32_t>& uploaders) {
  const auto& tc = w_.config.testing;
  const auto day = static_cast<std::int32_t>(t);
  const double false_rate = w_.config.disease.false_symptom_rate;
  // One person's isolation changes another's only within a household (households are
  // contiguous ranges of people), so shards of whole households run in parallel, each in
  // person order: the same draws and decisions as one pass in person order. Counts and
  // uploaders are gathered in shard order, which is person order.
  // The day's beds first: who is turned away stays at home, and is tested and screened there
  // that day.
  allocate_intensive_care(t, st);
  allocate_ward_beds(t, st);
  if (vaccinating()) vaccinate(t, st);
  if (!release_testers_.empty()) order_release_tests(t);
  if (w_.config.testing.screening_per_day_per_100k > 0) screen(t, st);
  if (staff_testing()) test_staff(t, st);
  if (outbreak_testing()) test_outbreak_homes(t, st);
  if (w_.config.testing.tests_per_day_per_100k > 0) limit_tests(t, st);
  if (!self_test_until_.empty()) take_self_tests(t);  // outside the capacity
  if (w_.config.variant.enabled() && t == w_.config.variant.day) import_variant(t, st);
  if (w_.config.disease.imports_per_day > 0) import_cases(t, st);
  const std::size_t uploaders_before = uploaders.size();
  std::vector<DailyStats> counted(kShards);
  std::vector<std::vector<std::uint32_t>> uploading(kShards);
  std::vector<std::uint64_t> outbreak_found(kShards, 0);
  std::vector<std::uint64_t> self_found(kShards, 0);
  std::vector<std::uint64_t> released(kShards, 0);
  std::vector<std::uint64_t> released_infected(kShards, 0);
  std::vector<std::uint64_t> reports(kShards, 0);
  std::vector<std::uint64_t> reports_infected(kShards, 0);
  std::vector<std::vector<Revision>> revising(kShards);
  revisions_.clear();
  const bool revoke = w_.config.app.revoke_on_negative;
  const bool upgrade = w_.config.app.upgrade_on_positive;
  parallel_for(w_.threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
    const auto [h0, h1] = shard_range(w_.pop.households(), shard);
    const std::uint32_t p0 = w_.pop.household_start[h0];
    const std::uint32_t p1 = w_.pop.household_start[h1];
    DailyStats& out = counted[shard];
    std::vector<std::uint32_t>& mine = uploading[shard];
    for (std::uint32_t p = p0; p < p1; ++p) {
      if (isolated_until_[p] > day && tc.isolation_daily_dropout > 0 &&
          w_.decision(kPurposeBehaviour, p, t, 1).bernoulli(tc.isolation_daily_dropout)) {
        cut_isolation(p, day);
      }
      const bool infected = infection_day_[p] != kNever;
      const bool onset = infected && course_[p].symptomatic &&
                         day == infection_day_[p] + course_[p].onset_delay_days;
      if (onset) ++out.new_symptomatic;
      // False symptoms: a draw of (person, day) only.
      const bool false_symptoms = !onset && false_rate > 0 && !dead(p, t) &&
                                  w_.decision(kPurposeFalseSymptoms, p, t, 0).bernoulli(false_rate);
      // The homes' staff isolate with their own share (care_homes.staff_symptom_isolation),
      // on the same draw.
      const double isolates = !care_worker_.empty() && care_worker_[p] != 0
                                  ? w_.config.care_homes.staff_symptom_isolation
                                  : tc.symptom_isolation;
      if ((onset || false_symptoms) && positive_day_[p] == kNever && isolates > 0 &&
          w_.decision(kPurposeBehaviour, p, t, 2).bernoulli(isolates)) {
        const auto until = day + static_cast<std::int32_t>(tc.symptom_isolation_days);
        isolate(p, until);
        if (tc.household_isolation) {
          const std::uint32_t h = w_.pop.household[p];
          for (std::uint32_t q = w_.pop.household_start[h]; q < w_.pop.household_start[h + 1];
               ++q) {
            isolate(q, until);
          }
        }
        order_test(p, t);
      }
      // A symptom self-report in the app, uploaded (with consent) as a self-report.
      if ((onset || false_symptoms) && !self_report_day_.empty() && may_self_report(p, t)) {
        self_report_day_[p] = day;
        if (!report_upgraded_.empty()) report_upgraded_[p] = 0;
        mine.push_back(p);
        ++reports[shard];
        if (onset) ++reports_infected[shard];
        if (revoke || upgrade) order_test(p, t);  // the app asks for a test of the report
      }
      // Admitted to hospital: tested there (unless a test is pending or was positive).
      if (infected && course_[p].admitted_on(static_cast<std::uint32_t>(day - infection_day_[p]))) {
        order_test(p, t);
      }
      bool self_test = false;
      // The dead give no sample (one due on or after the day of death is dropped).
      if (sample_due(p, day) && dead(p, t)) drop_sample(p);
      if (sample_due(p, day)) {
        test_sample_day_[p] = kNever;
        Rng r = w_.decision(kPurposeTesting, p, t, 0);
        // A screening sample has its own test (with screening on); a self-test too, read at
        // once.
        const bool screening = !screening_sample_.empty() && screening_sample_[p] != 0;
        self_test = screening && screening_sample_[p] == kSelfTest;
        if (screening) screening_sample_[p] = 0;
        const double sensitivity = screening ? tc.screening_sensitivity : tc.sensitivity;
        const double specificity = screening ? tc.screening_specificity : tc.specificity;
        bool positive = false;
        if (infected) {
          const auto since = static_cast<std::uint32_t>(day - infection_day_[p]);
          const bool sensitive = since >= tc.sensitive_from_day && since <= tc.sensitive_to_day;
          positive = sensitive ? r.bernoulli(sensitivity) : r.bernoulli(1 - specificity);
        } else {
          positive = r.bernoulli(1 - specificity);
        }
        test_positive_[p] = positive ? 1 : 0;
        test_result_day_[p] =
            day + static_cast<std::int32_t>(self_test   ? 0
                                            : screening ? tc.screening_result_delay_days
                                                        : tc.result_delay_days);
        sample_day_of_result_[p] = t;
      }
      if (test_result_day_[p] == day) {
        test_result_day_[p] = kNever;
        ++out.tests;
        const bool round = !outbreak_sample_.empty() && outbreak_sample_[p] != 0;
        if (round) outbreak_sample_[p] = 0;
        if (test_positive_[p] != 0 && positive_day_[p] == kNever) {
          positive_result(p, t, out, mine);
          if (round) ++outbreak_found[shard];
          if (self_test) ++self_found[shard];
          // A positive result after a self-report upgrades its keys to a confirmed test's.
          if (upgrade && self_report_day(p, t) && w_.app_on(p, t) && !dead(p, t)) {
            revising[shard].push_back(
                {p, ReportType::kConfirmedTest, static_cast<std::uint32_t>(self_report_day_[p])});
          }
        } else if (test_positive_[p] == 0 && !release_day_.empty() && release_day_[p] > 0 &&
                   static_cast<std::int32_t>(sample_day_of_result_[p]) >= release_day_[p]) {
          release_on_negative(p, t, released[shard], released_infected[shard]);
        }
        // A negative result of a sample taken since the self-report revokes it; the keys
        // of a later positive result go out as a confirmed test.
        if (revoke && test_positive_[p] == 0 && self_report_day(p, t) && w_.app_on(p, t) &&
            !dead(p, t) && !report_upgraded(p) &&
            static_cast<std::int32_t>(sample_day_of_result_[p]) >= self_report_day_[p]) {
          // Infected by the sample's day, in the sensitive days before it.
          const std::uint32_t sample = sample_day_of_result_[p];
          const bool missed = recently_infected(p, sample) &&
                              infection_day_[p] <= static_cast<std::int32_t>(sample);
          revising[shard].push_back(
              {p, ReportType::kRevoked, static_cast<std::uint32_t>(self_report_day_[p]), missed});
          self_report_day_[p] = kNever;
        }
      }
    }
  });
  for (std::uint32_t shard = 0; shard < kShards; ++shard) {
    st.new_symptomatic += counted[shard].new_symptomatic;
    st.tests += counted[shard].tests;
    st.positives += counted[shard].positives;
    uploaders.insert(uploaders.end(), uploading[shard].begin(), uploading[shard].end());
    outbreak_positives_ += outbreak_found[shard];
    self_test_positives_ += self_found[shard];
    quarantines_released_ += released[shard];
    released_infected_ += released_infected[shard];
    symptom_reports_ += reports[shard];
    symptom_reports_infected_ += reports_infected[shard];
  }
  if (!delayed_uploads_.empty()) delay_uploads(t, uploaders, uploaders_before);
  if (revoke || upgrade) {
    std::vector<Revision> all;
    for (const auto& r : revising) all.insert(all.end(), r.begin(), r.end());
    if (!all.empty()) revise_self_reports(all, uploaders, uploaders_before);
  }
}

void HealthPhase::revise_self_reports(std::span<const Revision> revising,
                                      std::vector<std::uint32_t>& uploaders,
                                      std::size_t today_from) {
  for (const Revision& r : revising) {
    const std::uint32_t p = r.person;
    // Still to upload (today, or later with app.upload_delay_days): a revoked report does
    // not, an upgraded one goes out as a confirmed test (no self-report day left).
    const auto today =
        std::find(uploaders.begin() + static_cast<std::ptrdiff_t>(today_from), uploaders.end(), p);
    std::vector<std::uint32_t>* waiting = today != uploaders.end() ? &uploaders : nullptr;
    for (auto& due : delayed_uploads_) {
      if (waiting == nullptr && std::find(due.begin(), due.end(), p) != due.end()) waiting = &due;
    }
    if (waiting == nullptr) {
      revisions_.push_back(r);
    } else if (r.type == ReportType::kRevoked) {
      waiting->erase(std::find(waiting->begin(), waiting->end(), p));
      ++revoked_before_upload_;
    } else {
      report_upgraded_[p] = 1;
    }
  }
}

void HealthPhase::delay_uploads(std::uint32_t t, std::vector<std::uint32_t>& uploaders,
                                std::size_t today_from) {
  // Slot d (modulo the longest delay + 1) holds the uploads due on day d: today's slot the
  // results of the days before whose delay ends today. Today's results go into the slot of
  // their delay's day but for the share who upload today all the same.
  const auto& a = w_.config.app;
  const std::size_t slots = delayed_uploads_.size();
  const std::uint32_t shortest = a.shortest_upload_delay();
  const std::uint32_t longest = a.longest_upload_delay();
  std::vector<std::uint32_t>& due = delayed_uploads_[t % slots];
  std::vector<std::uint32_t> today;
  for (auto it = uploaders.begin() + static_cast<std::ptrdiff_t>(today_from); it != uploaders.end();
       ++it) {
    const std::uint32_t p = *it;
    if (a.upload_same_day_share > 0 &&
        w_.decision(kPurposeUpload, p, t, 2).bernoulli(a.upload_same_day_share)) {
      today.push_back(p);
      continue;
    }
    const std::uint32_t delay =
        shortest == longest
            ? longest
            : shortest +
                  w_.decision(kPurposeUpload, p, t, kSpreadDraw).below(longest - shortest + 1);
    delayed_uploads_[(t + delay) % slots].push_back(p);
  }
  uploaders.resize(today_from);
  std::erase_if(due, [&](std::uint32_t p) { return !w_.app_on(p, t) || dead(p, t); });
  // With a spread the slot holds several result days: in person order, a person whose two
  // results' uploads fall on one day uploading once (only with reinfection: a positive person
  // is never tested again while the first infection counts). The day's uploads are in person
  // order.
  if (shortest != longest) {
    std::sort(due.begin(), due.end());
    due.erase(std::unique(due.begin(), due.end()), due.end());
  }
  std::merge(today.begin(), today.end(), due.begin(), due.end(), std::back_inserter(uploaders));
  // A person whose earlier result's upload falls on the day of a later one's same-day upload
  // (only with reinfection) uploads once.
  uploaders.erase(
      std::unique(uploaders.begin() + static_cast<std::ptrdiff_t>(today_from), uploaders.end()),
      uploaders.end());
  due.clear();
}

void HealthPhase::positive_result(std::uint32_t p, std::uint32_t t, DailyStats& st,
                                  std::vector<std::uint32_t>& uploaders) {
  const auto& tc = w_.config.testing;
  const auto day = static_cast<std::int32_t>(t);
  positive_day_[p] = day;
  ++st.positives;
  const auto until = day + static_cast<std::int32_t>(tc.isolation_days);
  if (w_.decision(kPurposeBehaviour, p, t, 3).bernoulli(tc.isolation_adherence)) {
    isolate(p, until);
  }
  if (tc.household_isolation) {
    const std::uint32_t h = w_.pop.household[p];
    for (std::uint32_t q = w_.pop.household_start[h]; q < w_.pop.household_start[h + 1]; ++q) {
      if (q != p && w_.decision(kPurposeBehaviour, q, t, 4).bernoulli(tc.isolation_adherence)) {
        isolate(q, until);
      }
    }
  }
  // A result that arrives after death is recorded; the phone is off: no colour, no upload.
  // Neither before the phone's first day with the app, and on that day there is no past key
  // to upload.
  if (!w_.app_on(p, t) || dead(p, t)) return;
  own_red_until_[p] = until;
  // Not again when the keys went out with a symptom self-report.
  if (t > w_.app_start(p) && !self_report_day(p, t) &&
      w_.decision(kPurposeUpload, p, t, 0).bernoulli(w_.config.app.upload_consent)) {
    uploaders.push_back(p);
  }
}

bool HealthPhase::may_self_report(std::uint32_t p, std::uint32_t t) const {
  const auto& app = w_.config.app;
  return positive_day_[p] == kNever && !self_report_day(p, t) && w_.app_on(p, t) && !dead(p, t) &&
         t > w_.app_start(p) &&
         w_.decision(kPurposeUpload, p, t, kSelfReportDraw).bernoulli(app.symptom_report_share) &&
         w_.decision(kPurposeUpload, p, t, 0).bernoulli(app.upload_consent);
}

std::optional<std::uint32_t> HealthPhase::self_report_day(std::uint32_t p, std::uint32_t t) const {
  if (self_report_day_.empty() || self_report_day_[p] == kNever) return std::nullopt;
  const auto day = static_cast<std::uint32_t>(self_report_day_[p]);
  if (t - day > kSelfReportDays) return std::nullopt;
  return day;
}

void HealthPhase::apply_infections(std::vector<InfectionCandidate> candidates, std::uint32_t t,
                                   DailyStats& st) {
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const auto& a, const auto& b) { return a.victim < b.victim; });
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (i > 0 && candidates[i].victim == candidates[i - 1].victim) continue;
    infect(candidates[i].victim, candidates[i].infector, candidates[i].layer, t, 0, st);
    if (!variant_.empty()) st.variant_infections += variant_[candidates[i].victim];
    ++st.new_infections;
    ++st.new_infections_by_layer[static_cast<std::size_t>(candidates[i].layer)];
    if (!w_.pop.staff.empty() && w_.pop.is_staff(candidates[i].victim)) ++st.new_staff_infections;
    if (!w_.pop.care_residents.empty() && w_.pop.is_resident(candidates[i].victim)) {
      ++st.new_resident_infections;
    }
  }
  cumulative_ += st.new_infections;
}

}  // namespace greenlight::sim::internal

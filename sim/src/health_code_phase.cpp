#include "internal/health_code_phase.h"

#include <algorithm>

namespace greenlight::sim::internal {
namespace {

// Decision numbers of the health code's draws (kPurposeBehaviour streams; the phones use
// 1..13).
constexpr std::uint64_t kRedAdherence = 40;
constexpr std::uint64_t kYellowAdherence = 41;

}  // namespace

bool covered_at(const World& world, std::uint32_t p, double share) {
  return Rng(stream_key(world.seed, kPurposeAppUsers, p))
      .bernoulli(
          app_probability(world.config.app, share, world.pop.age_group[p], world.pop.region_of(p)));
}

HealthCodePhase::HealthCodePhase(const World& world)
    : w_(world),
      enabled_(world.config.health_code.enabled),
      shadow_(world.config.health_code.shadow) {
  if (!enabled_) return;
  const std::uint32_t n = w_.pop.size();
  const AppConfig& app = w_.config.app;
  const bool days_of_own = app.start_day > 0 || app.ramp_days > 0 || app.dropout_per_day > 0;
  covered_.resize(n);
  if (days_of_own) {
    start_.assign(n, 0);
    end_.assign(n, 0);
  }
  for (std::uint32_t p = 0; p < n; ++p) {
    covered_[p] = covered_at(w_, p, w_.config.health_code.coverage) ? 1 : 0;
    if (covered_[p] == 0) continue;
    if (days_of_own) {
      start_[p] = World::drawn_app_start(app, w_.seed, p);
      end_[p] = World::drawn_app_end(app, w_.seed, p, start_[p]);
    }
    if (ever_covered(p)) ++view_.covered_people;  // identified
  }
  case_.assign(n, 0);
  red_until_.assign(n, 0);
  yellow_until_.assign(n, 0);
  enforced_until_.assign(n, 0);
  ring_.resize(kRetentionDays + 1);
}

const HealthCodePhase::DayRecords* HealthCodePhase::records(std::uint32_t day) const {
  const DayRecords& r = ring_[day % ring_.size()];
  return r.day == day ? &r : nullptr;
}

void HealthCodePhase::record(std::uint32_t t, const ContactPhase& contacts) {
  if (!enabled_) return;
  const std::uint32_t n = w_.pop.size();
  DayRecords& r = ring_[t % ring_.size()];
  r.day = t;
  // Co-location: both phones tracked. CSR by person, in shard order (deterministic).
  r.met_start.assign(n + 1, 0);
  for (std::uint32_t shard = 0; shard < kShards; ++shard) {
    for (const auto& [a, b] : contacts.met(shard)) {
      if (!covered(a, t) || !covered(b, t)) continue;
      ++r.met_start[a + 1];
      ++r.met_start[b + 1];
      ++view_.colocation_records;
    }
  }
  for (std::uint32_t p = 0; p < n; ++p) r.met_start[p + 1] += r.met_start[p];
  r.met.resize(r.met_start[n]);
  std::vector<std::uint32_t> fill(r.met_start.begin(), r.met_start.end() - 1);
  for (std::uint32_t shard = 0; shard < kShards; ++shard) {
    for (const auto& [a, b] : contacts.met(shard)) {
      if (!covered(a, t) || !covered(b, t)) continue;
      r.met[fill[a]++] = b;
      r.met[fill[b]++] = a;
    }
  }
  // Place codes: every visit of a covered person is scanned.
  r.visits_by_venue.clear();
  for (const auto& v : contacts.visits()) {
    if (covered(v.person, t)) r.visits_by_venue.emplace_back(v.venue, v.person);
  }
  view_.venue_visits += r.visits_by_venue.size();
  r.visits_by_person.clear();
  for (const auto& [venue, person] : r.visits_by_venue)
    r.visits_by_person.emplace_back(person, venue);
  std::sort(r.visits_by_person.begin(), r.visits_by_person.end());
  std::sort(r.visits_by_venue.begin(), r.visits_by_venue.end());
}

void HealthCodePhase::colour_red(std::uint32_t p, std::uint32_t t, std::uint32_t days,
                                 HealthPhase& health) {
  const auto until = static_cast<std::int32_t>(t + days);
  red_until_[p] = std::max(red_until_[p], until);
  if (shadow_) return;
  if (w_.decision(kPurposeBehaviour, p, t, kRedAdherence)
          .bernoulli(w_.config.health_code.red_adherence)) {
    enforced_until_[p] = std::max(enforced_until_[p], until);
    health.isolate(p, until);
  }
  health.order_test(p, t);
}

void HealthCodePhase::colour_yellow(std::uint32_t p, std::uint32_t t, std::uint32_t days,
                                    HealthPhase& health) {
  const auto until = static_cast<std::int32_t>(t + days);
  yellow_until_[p] = std::max(yellow_until_[p], until);
  if (shadow_) return;
  if (w_.decision(kPurposeBehaviour, p, t, kYellowAdherence)
          .bernoulli(w_.config.health_code.yellow_adherence)) {
    enforced_until_[p] = std::max(enforced_until_[p], until);
    health.isolate(p, until);
  }
  health.order_test(p, t);
}

void HealthCodePhase::run(std::uint32_t t, HealthPhase& health, DailyStats& st) {
  if (!enabled_) return;
  const auto& hc = w_.config.health_code;
  const std::uint32_t n = w_.pop.size();
  view_.test_results += st.tests;
  std::vector<std::uint32_t> cases;
  for (std::uint32_t p = 0; p < n; ++p) {
    // A reinfection clears the earlier infection's positive result: a case again at its
    // next one.
    if (case_[p] != 0 && !health.tested_positive(p)) case_[p] = 0;
    if (!covered(p, t)) continue;
    if (!health.dead(p, t)) ++covered_person_days_;
    if (case_[p] == 0 && health.tested_positive(p)) {
      case_[p] = 1;
      // A result from before p's code existed (a later launch or start) is known, not new:
      // no RED, no tracing, as the app would not have shown it.
      if (start_.empty() || health.positive_day(p) >= start_[p]) cases.push_back(p);
    }
  }
  // Colours of today's cases, decided together: RED wins over YELLOW for the same person.
  std::vector<std::uint32_t> close;
  std::vector<std::uint32_t> companions;
  const std::uint32_t oldest_kept = t >= kRetentionDays ? t - kRetentionDays : 0;
  for (const std::uint32_t c : cases) {
    ++view_.cases_red;
    red_until_[c] =
        std::max(red_until_[c], static_cast<std::int32_t>(t + w_.config.testing.isolation_days));
    if (!shadow_) {
      enforced_until_[c] = std::max(enforced_until_[c], red_until_[c]);
      health.isolate(c, red_until_[c]);
    }
    const std::uint32_t onset = health.recorded_onset_day(c, t);
    const std::uint32_t from =
        std::max(oldest_kept, onset >= hc.trace_days_before ? onset - hc.trace_days_before : 0u);
    for (std::uint32_t d = from; d < t; ++d) {
      const DayRecords* r = records(d);
      if (r == nullptr) continue;
      close.insert(close.end(), r->met.begin() + r->met_start[c],
                   r->met.begin() + r->met_start[c + 1]);
    }
    const std::uint32_t companions_from = std::max(
        oldest_kept, t >= hc.companion_lookback_days ? t - hc.companion_lookback_days : 0u);
    for (std::uint32_t d = companions_from; d < t; ++d) {
      const DayRecords* r = records(d);
      if (r == nullptr) continue;
      auto it = std::lower_bound(r->visits_by_person.begin(), r->visits_by_person.end(),
                                 std::pair<std::uint32_t, std::uint32_t>{c, 0});
      for (; it != r->visits_by_person.end() && it->first == c; ++it) {
        auto v = std::lower_bound(r->visits_by_venue.begin(), r->visits_by_venue.end(),
                                  std::pair<std::uint32_t, std::uint32_t>{it->second, 0});
        for (; v != r->visits_by_venue.end() && v->first == it->second; ++v) {
          if (v->second != c) companions.push_back(v->second);
        }
      }
    }
  }
  const auto unique = [](std::vector<std::uint32_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  };
  unique(close);
  std::vector<std::uint32_t> secondary;
  for (const std::uint32_t q : close) {
    if (case_[q] != 0 || !covered(q, t)) continue;
    ++view_.close_contacts_red;
    colour_red(q, t, hc.red_days, health);
    const std::uint32_t h = w_.pop.household[q];
    for (std::uint32_t r = w_.pop.household_start[h]; r < w_.pop.household_start[h + 1]; ++r) {
      if (r != q && covered(r, t)) secondary.push_back(r);
    }
  }
  unique(secondary);
  unique(companions);
  const auto is_red_today = [&](std::uint32_t q) {
    return case_[q] != 0 || red_until_[q] > static_cast<std::int32_t>(t);
  };
  for (const std::uint32_t q : secondary) {
    if (is_red_today(q)) continue;
    ++view_.secondary_yellow;
    colour_yellow(q, t, hc.secondary_days, health);
  }
  for (const std::uint32_t q : companions) {
    if (is_red_today(q) || !covered(q, t)) continue;
    ++view_.companions_yellow;
    colour_yellow(q, t, hc.companion_days, health);
  }
  // Enforcement: nobody leaves a quarantine the code imposes.
  const auto day = static_cast<std::int32_t>(t);
  for (std::uint32_t p = 0; p < n; ++p) {
    if (enforced_until_[p] > day) health.isolate(p, enforced_until_[p]);
  }
}

Colour HealthCodePhase::colour(std::uint32_t p, std::uint32_t day) const {
  if (!enabled_ || !covered(p, day)) return Colour::kGreen;
  const auto d = static_cast<std::int32_t>(day);
  if (red_until_[p] > d) return Colour::kRed;
  if (yellow_until_[p] > d) return Colour::kYellow;
  return Colour::kGreen;
}

HealthCodeView HealthCodePhase::view() const {
  HealthCodeView v = view_;
  v.location_person_days = covered_person_days_;
  v.colour_person_days = covered_person_days_;
  return v;
}

}  // namespace greenlight::sim::internal

// The centralised health code (config.health_code; docs/simulation.md "Scenarios"): the
// comparison arm that colours people centrally from the data such a system collects, as the
// Chinese health-code systems did. It knows every covered phone's location (so whom it met,
// at any distance, and every venue visited: place codes) and every test result, and each
// day at 09:00, after the test results:
// A person is covered on the days its phone would run the app (app.start_day, ramp_days,
// dropout_per_day: the same draws as the app's days), so coverage = app.uptake covers the
// app's users on the app's days.
//  - a covered person newly tested positive (in each infection) turns RED (isolated,
//    enforced);
//  - close contacts: every covered person the case met from trace_days_before days before
//    its symptom onset (or sample) until yesterday: RED for red_days, quarantined
//    (red_adherence) and tested;
//  - secondary contacts: covered household members of a close contact: YELLOW for
//    secondary_days, home quarantine (yellow_adherence), tested;
//  - spatiotemporal companions: covered people at a venue the case visited, the same day,
//    within companion_lookback_days: YELLOW for companion_days, barred from public places
//    (yellow_adherence), tested.
// Quarantine is enforced: it is re-applied every day, so nobody drops out of it. In shadow
// mode (health_code.shadow) the colours are decided the same way but nobody acts on them. It owns
// the co-location and visit records (15 days), the covered set and the central colours. Not
// thread-safe (the simulation calls it from one thread).
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "greenlight/sim/scenario_metrics.h"
#include "greenlight/sim/simulation.h"
#include "internal/contact_phase.h"
#include "internal/health_phase.h"
#include "internal/world.h"

namespace greenlight::sim::internal {

// The per-person draw that makes person p an app user at uptake u (population.cpp), so that
// a health code with coverage u covers exactly the people who would run the app.
bool covered_at(const World& world, std::uint32_t p, double share);

class HealthCodePhase {
 public:
  explicit HealthCodePhase(const World& world);

  bool enabled() const { return enabled_; }
  // Colours only; nobody acts on them (health_code.shadow).
  bool shadow() const { return shadow_; }
  // 09:00, after the health phase: new cases, their contacts and companions get colours.
  void run(std::uint32_t t, HealthPhase& health, DailyStats& st);
  // After the contact phase: today's co-location records and place-code scans.
  void record(std::uint32_t t, const ContactPhase& contacts);

  Colour colour(std::uint32_t p, std::uint32_t day) const;
  // Whether the code covers p on some day of the run.
  bool ever_covered(std::uint32_t p) const {
    return covered_[p] != 0 && (start_.empty() || start_[p] < w_.config.run.days);
  }
  // Whether the code covers p on day t (see above).
  bool covered(std::uint32_t p, std::uint32_t t) const {
    return covered_[p] != 0 && (start_.empty() || (t >= start_[p] && t < end_[p]));
  }
  // What the system collected (HealthCodeView) in the days run so far; its location and
  // colour person-days count the covered people alive on each day.
  HealthCodeView view() const;

 private:
  // One day of records: a CSR of the people each covered person met, and visits by person.
  struct DayRecords {
    std::uint32_t day = kNoDay;
    std::vector<std::uint32_t> met_start;  // n + 1 offsets
    std::vector<std::uint32_t> met;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> visits_by_person;  // (person, venue)
    std::vector<std::pair<std::uint32_t, std::uint32_t>> visits_by_venue;   // (venue, person)
  };
  const DayRecords* records(std::uint32_t day) const;
  void colour_red(std::uint32_t p, std::uint32_t t, std::uint32_t days, HealthPhase& health);
  void colour_yellow(std::uint32_t p, std::uint32_t t, std::uint32_t days, HealthPhase& health);

  const World& w_;
  bool enabled_;
  bool shadow_;
  std::vector<std::uint8_t> covered_;
  // With app days per phone or a later launch: each covered person's first day and the day
  // it stops (empty: every day).
  std::vector<std::uint16_t> start_;
  std::vector<std::uint16_t> end_;
  std::uint64_t covered_person_days_ = 0;  // alive and covered, days run so far
  std::vector<std::uint8_t> case_;         // a case of its current infection
  std::vector<std::int32_t> red_until_;
  std::vector<std::int32_t> yellow_until_;
  std::vector<std::int32_t> enforced_until_;
  std::vector<DayRecords> ring_;
  HealthCodeView view_;
};

}  // namespace greenlight::sim::internal

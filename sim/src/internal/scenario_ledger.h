// The scenario ledger (ScenarioMetrics, scenario_metrics.h): at the end of each day it reads
// the colour every person sees (the health code's when it is on, else the phone's) and who
// isolates (and, with a health code in shadow mode, the colour it would give), and keeps per
// person whether they were ever RED or YELLOW and how many days they
// isolated; at the end of the run these are judged against who was ever infected. It also
// keeps the day of each consented upload for the chaff view. Reads the phases; changes
// none. Not thread-safe (the simulation calls it from one thread).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "greenlight/sim/scenario_metrics.h"
#include "greenlight/sim/simulation.h"
#include "internal/health_code_phase.h"
#include "internal/health_phase.h"
#include "internal/sync_phase.h"
#include "internal/world.h"

namespace greenlight::sim::internal {

class ScenarioLedger {
 public:
  explicit ScenarioLedger(const World& world);

  // End of day t, after finish_day. When the health code is on, its colours replace the
  // phones' in st (green / yellow / red count covered people).
  void observe(std::uint32_t t, const HealthPhase& health, const SyncPhase& sync,
               const HealthCodePhase& code, DailyStats& st);
  // People whose positive result led to an upload today (consent given).
  void uploaded(std::uint32_t t, std::span<const std::uint32_t> uploaders);

  // Everything but the health-code and relay views, judged against infection_day.
  ScenarioMetrics metrics(std::span<const std::int32_t> infection_day, std::uint32_t days) const;
  // The same without the chaff view (which draws every phone's flows again): the colours and
  // the isolation, for the run's summary.
  ScenarioMetrics counts(std::span<const std::int32_t> infection_day) const;

 private:
  ChaffView chaff(std::uint32_t days) const;

  const World& w_;
  // Per person: bit 0 ever RED, bit 1 ever YELLOW (the colour seen); bits 2 and 3 the same
  // for the shadow health code.
  std::vector<std::uint8_t> ever_;
  std::vector<std::uint16_t> isolation_days_;
  // With chaff: the first day each person was dead (kAlive: not in the days observed), when
  // its phone stopped sending.
  static constexpr std::uint16_t kAlive = 0xffff;
  std::vector<std::uint16_t> dead_from_;
  std::array<std::uint64_t, 2> red_days_{};  // seen, shadow
  std::array<std::uint64_t, 2> yellow_days_{};
  std::vector<std::pair<std::uint32_t, std::uint32_t>> uploads_;  // (person, day)
};

}  // namespace greenlight::sim::internal

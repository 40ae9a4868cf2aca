// Whether everyone is locked down on a day (LockdownConfig): the scheduled window, or a
// lockdown triggered by the 7-day incidence of positive tests or of hospital admissions and
// released when it falls (after min_days at the least); with a regional lockdown, which
// regions are locked down by their own incidence. The decision for day t uses the days
// before t only, so it is the same on every MPI rank (positive tests and admissions are
// counted by the replicated health phase, the regions' days summed over ranks) and at any
// thread count.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/simulation.h"

namespace greenlight::sim::internal {

class LockdownPolicy {
 public:
  LockdownPolicy(const LockdownConfig& config, std::uint32_t people)
      : config_(config), people_(people) {}

  // Day t's decision, from the days before it (`before`: days 0 .. t-1). Call once per day,
  // in day order: a triggered lockdown lasts until the incidence falls below the release
  // level.
  bool everyone_on(std::uint32_t t, std::span<const DailyStats> before);
  // With a regional lockdown (LockdownConfig::regional): day t's decision for each of the
  // `regions` regions (1: locked down), from the regions' days before t (`before`: days
  // 0 .. t-1, each day's regions in order). Call once per day, in day order.
  std::vector<std::uint8_t> regions_on(std::uint32_t t, std::span<const RegionDay> before,
                                       std::uint32_t regions);
  // Positive tests and hospital admissions of the last 7 days per 100,000 people, before day
  // before.size().
  double incidence(std::span<const DailyStats> before) const;
  double admissions(std::span<const DailyStats> before) const;

 private:
  const LockdownConfig& config_;
  // A triggered lockdown: on since `since` (its first day).
  struct Trigger {
    bool on = false;
    std::uint32_t since = 0;
  };
  // Day t's step of a trigger, given the 7-day positives and admissions per 100,000 people.
  void advance(Trigger& trigger, std::uint32_t t, double positives, double admitted) const;

  std::uint32_t people_;
  Trigger everyone_;
  std::vector<Trigger> regions_;
};

}  // namespace greenlight::sim::internal

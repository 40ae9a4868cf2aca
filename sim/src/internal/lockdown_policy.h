// Whether everyone is locked down on a day (LockdownConfig): the scheduled window, or a
// lockdown triggered by the 7-day incidence of positive tests or of hospital admissions and
// released when it falls (after min_days at the least). The decision for day t uses the days
// before t only, so it is the same on every MPI rank (positive tests and admissions are
// counted by the replicated health phase) and at any thread count.
#pragma once

#include <cstdint>
#include <span>

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
  // Positive tests and hospital admissions of the last 7 days per 100,000 people, before day
  // before.size().
  double incidence(std::span<const DailyStats> before) const;
  double admissions(std::span<const DailyStats> before) const;

 private:
  const LockdownConfig& config_;
  std::uint32_t people_;
  bool triggered_ = false;
  std::uint32_t since_ = 0;  // the first day of the triggered lockdown
};

}  // namespace greenlight::sim::internal

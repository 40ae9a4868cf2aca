#include "internal/lockdown_policy.h"

#include <algorithm>

namespace greenlight::sim::internal {

double LockdownPolicy::incidence(std::span<const DailyStats> before) const {
  constexpr std::size_t kWeek = 7;
  std::uint64_t positives = 0;
  for (const auto& d : before.last(std::min(kWeek, before.size()))) positives += d.positives;
  return people_ == 0 ? 0.0 : static_cast<double>(positives) * 1e5 / people_;
}

bool LockdownPolicy::everyone_on(std::uint32_t t, std::span<const DailyStats> before) {
  if (config_.trigger_incidence > 0) {
    const double now = incidence(before);
    if (!triggered_ && now >= config_.trigger_incidence) {
      triggered_ = true;
    } else if (triggered_ && now < config_.release_fraction * config_.trigger_incidence) {
      triggered_ = false;
    }
  }
  return triggered_ || config_.everyone_on(t);
}

}  // namespace greenlight::sim::internal

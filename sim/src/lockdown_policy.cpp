#include "internal/lockdown_policy.h"

#include <algorithm>

namespace greenlight::sim::internal {
namespace {

// A day's count summed over the last 7 days, per 100,000 people.
template <typename Count>
double weekly_per_100k(std::span<const DailyStats> before, std::uint32_t people, Count count) {
  constexpr std::size_t kWeek = 7;
  std::uint64_t sum = 0;
  for (const auto& d : before.last(std::min(kWeek, before.size()))) sum += count(d);
  return people == 0 ? 0.0 : static_cast<double>(sum) * 1e5 / people;
}

}  // namespace

double LockdownPolicy::incidence(std::span<const DailyStats> before) const {
  return weekly_per_100k(before, people_, [](const DailyStats& d) { return d.positives; });
}

double LockdownPolicy::admissions(std::span<const DailyStats> before) const {
  return weekly_per_100k(before, people_, [](const DailyStats& d) { return d.new_hospitalised; });
}

bool LockdownPolicy::everyone_on(std::uint32_t t, std::span<const DailyStats> before) {
  const double on_positives = config_.trigger_incidence;
  const double on_admissions = config_.trigger_admissions;
  if (on_positives > 0 || on_admissions > 0) {
    const double positives = on_positives > 0 ? incidence(before) : 0.0;
    const double admitted = on_admissions > 0 ? admissions(before) : 0.0;
    const bool reached = (on_positives > 0 && positives >= on_positives) ||
                         (on_admissions > 0 && admitted >= on_admissions);
    const double release = config_.release_fraction;
    const bool below = (on_positives <= 0 || positives < release * on_positives) &&
                       (on_admissions <= 0 || admitted < release * on_admissions);
    if (!triggered_ && reached) {
      triggered_ = true;
      since_ = t;
    } else if (triggered_ && below && t - since_ >= config_.min_days) {
      triggered_ = false;
    }
  }
  return triggered_ || config_.everyone_on(t);
}

}  // namespace greenlight::sim::internal

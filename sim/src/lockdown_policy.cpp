#include "internal/lockdown_policy.h"

#include <algorithm>

namespace greenlight::sim::internal {
namespace {

// A count per 100,000 of `people`, computed one way for the country and a region (a
// multiplication by 1e5 / people first would put 19 among 7,600 just below 250).
double per_100k_of(std::uint64_t sum, std::uint32_t people) {
  return people == 0 ? 0.0 : static_cast<double>(sum) * 1e5 / people;
}

// A day's count summed over the last 7 days, per 100,000 people.
template <typename Count>
double weekly_per_100k(std::span<const DailyStats> before, std::uint32_t people, Count count) {
  constexpr std::size_t kWeek = 7;
  std::uint64_t sum = 0;
  for (const auto& d : before.last(std::min(kWeek, before.size()))) sum += count(d);
  return per_100k_of(sum, people);
}

}  // namespace

double LockdownPolicy::incidence(std::span<const DailyStats> before) const {
  return weekly_per_100k(before, people_, [](const DailyStats& d) { return d.positives; });
}

double LockdownPolicy::admissions(std::span<const DailyStats> before) const {
  return weekly_per_100k(before, people_, [](const DailyStats& d) { return d.new_hospitalised; });
}

void LockdownPolicy::advance(Trigger& trigger, std::uint32_t t, double positives,
                             double admitted) const {
  const double on_positives = config_.trigger_incidence;
  const double on_admissions = config_.trigger_admissions;
  const bool reached = (on_positives > 0 && positives >= on_positives) ||
                       (on_admissions > 0 && admitted >= on_admissions);
  const double release = config_.release_fraction;
  const bool below = (on_positives <= 0 || positives < release * on_positives) &&
                     (on_admissions <= 0 || admitted < release * on_admissions);
  if (!trigger.on && reached) {
    trigger.on = true;
    trigger.since = t;
  } else if (trigger.on && below && t - trigger.since >= config_.min_days) {
    trigger.on = false;
  }
}

bool LockdownPolicy::everyone_on(std::uint32_t t, std::span<const DailyStats> before) {
  if (config_.triggered() && !config_.regional) {
    advance(everyone_, t, incidence(before), admissions(before));
  }
  return everyone_.on || config_.everyone_on(t);
}

std::vector<std::uint8_t> LockdownPolicy::regions_on(std::uint32_t t,
                                                     std::span<const RegionDay> before,
                                                     std::uint32_t regions) {
  regions_.resize(regions);
  std::vector<std::uint8_t> on(regions, 0);
  if (!config_.regional) return on;
  constexpr std::size_t kWeek = 7;
  const std::size_t days = before.size() / regions;
  const std::size_t first = days - std::min(kWeek, days);
  for (std::uint32_t r = 0; r < regions; ++r) {
    std::uint64_t positives = 0;
    std::uint64_t admitted = 0;
    std::uint32_t people = 0;
    for (std::size_t d = first; d < days; ++d) {
      const RegionDay& x = before[d * regions + r];
      positives += x.positives;
      admitted += x.new_hospitalised;
      people = x.people();
    }
    advance(regions_[r], t, per_100k_of(positives, people), per_100k_of(admitted, people));
    on[r] = regions_[r].on ? 1 : 0;
  }
  return on;
}

}  // namespace greenlight::sim::internal

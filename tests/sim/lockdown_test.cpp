// LockdownPolicy (internal/lockdown_policy.h): the scheduled window, and a lockdown triggered
// by the 7-day incidence of positive tests and released below release_fraction of it.
#include <catch2/catch.hpp>
#include <vector>

#include "internal/lockdown_policy.h"

namespace greenlight::sim::internal {

TEST_CASE("a lockdown starts the day after the 7-day incidence reaches the trigger") {
  LockdownConfig c;
  c.trigger_incidence = 100;  // per 100,000: 20 positives a week among 20,000 people
  c.release_fraction = 0.5;   // released below 10 a week
  LockdownPolicy policy(c, 20000);
  // Positives per day; the decision for day t sees days t-7 .. t-1.
  const std::vector<std::uint32_t> positives{0, 2, 3, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0,
                                             0, 0, 9, 9, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  std::vector<DailyStats> days;
  std::vector<int> on;
  for (std::uint32_t t = 0; t < positives.size(); ++t) {
    on.push_back(policy.everyone_on(t, days) ? 1 : 0);
    DailyStats d;
    d.day = t;
    d.positives = positives[t];
    days.push_back(d);
  }
  // Days 0-6 sum to 19 (95 per 100,000): no lockdown; day 7 sees days 0-6 = 19; day 8 sees
  // days 1-7 = 20: locked down from day 8. Release below 10 a week: days 4-10 sum to 10,
  // days 5-11 to 6, so day 12 is free again.
  const std::vector<int> expected_start{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0};
  for (std::size_t t = 0; t < expected_start.size(); ++t) {
    CAPTURE(t);
    CHECK(on[t] == expected_start[t]);
  }
  // 27 positives on days 18-20: the week before day 21 holds 27 (135 per 100,000), locked
  // down again from day 21 until the week falls below 10: day 27 sees days 20-26 = 9.
  for (std::size_t t = 12; t < 21; ++t) CHECK(on[t] == 0);
  for (std::size_t t = 21; t < 27; ++t) CHECK(on[t] == 1);
  CHECK(on[27] == 0);
  CHECK(policy.incidence(days) == 0);
}

TEST_CASE("the scheduled window holds regardless of the trigger") {
  LockdownConfig c;
  c.start_day = 3;
  c.days = 2;
  LockdownPolicy policy(c, 1000);
  std::vector<DailyStats> days(10);
  for (std::uint32_t t = 0; t < 10; ++t) {
    CAPTURE(t);
    CHECK(policy.everyone_on(t, std::span(days).first(t)) == (t == 3 || t == 4));
  }
}

}  // namespace greenlight::sim::internal

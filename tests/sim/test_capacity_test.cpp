// A test capacity (testing.tests_per_day_per_100k, HealthPhase::limit_tests): who gets the
// day's samples, in which order, and who gives up.
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "greenlight/sim/config.h"
#include "internal/health_phase.h"
#include "internal/world.h"
#include "world_test_support.h"

namespace greenlight::sim::internal {

TEST_CASE("a test capacity samples first come first served, and the long-waiting give up") {
  // 3,000 people, nobody infected, 9 samples a day (300 per 100,000), every test positive
  // (specificity 0), so a person's positive day is the day after its sample (result delay 1).
  SimConfig c;
  c.population.people = 3000;
  c.app.uptake = 0;
  c.disease.false_symptom_rate = 0;
  c.testing.specificity = 0;
  c.testing.tests_per_day_per_100k = 300;
  c.testing.max_wait_days = 2;
  const auto world = make_world(c);
  HealthPhase health(*world);
  std::vector<std::uint32_t> given_up(20, 0);
  for (std::uint32_t t = 0; t < 20; ++t) {
    // Samples ordered on day 0 (due on day 1: order delay 1), 1 and 10.
    if (t == 0) {
      for (std::uint32_t p = 0; p < 20; ++p) health.order_test(p, t);
    }
    if (t == 1) {
      for (std::uint32_t p = 100; p < 110; ++p) health.order_test(p, t);
    }
    if (t == 10) {
      for (std::uint32_t p = 200; p < 230; ++p) health.order_test(p, t);
    }
    DailyStats st;
    std::vector<std::uint32_t> uploaders;
    health.run(t, st, uploaders);
    CHECK(st.tests <= 9);
    given_up[t] = st.tests_given_up;
  }
  const auto positive_on = [&](std::uint32_t first, std::uint32_t end, std::int32_t day) {
    for (std::uint32_t p = first; p < end; ++p) {
      CAPTURE(p);
      CHECK(health.positive_day(p) == day);
    }
  };
  // Day 1: 0-8; day 2: 9-17 (waiting since day 1) before 100-109 (due on day 2); day 3:
  // 18-19, then 100-106; day 4: 107-109.
  positive_on(0, 9, 2);
  positive_on(9, 18, 3);
  positive_on(18, 20, 4);
  positive_on(100, 107, 4);
  positive_on(107, 110, 5);
  // Due on day 11: 200-208 sampled that day, 209-217 on day 12, 218-226 on day 13; 227-229
  // have waited 2 days by day 13 and give up (no sample, no result).
  positive_on(200, 209, 12);
  positive_on(209, 218, 13);
  positive_on(218, 227, 14);
  positive_on(227, 230, kNever);
  CHECK(given_up[13] == 3);
  std::uint32_t total = 0;
  for (const std::uint32_t g : given_up) total += g;
  CHECK(total == 3);
  // Given up, a person may be ordered a test again.
  health.order_test(227, 20);
  DailyStats st;
  std::vector<std::uint32_t> uploaders;
  health.run(21, st, uploaders);
  health.run(22, st, uploaders);
  CHECK(health.positive_day(227) == 22);
}

}  // namespace greenlight::sim::internal

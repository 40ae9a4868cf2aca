// A test capacity (testing.tests_per_day_per_100k, HealthPhase::limit_tests): who gets the
// day's samples, in which order, and who gives up.
#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "greenlight/sim/config.h"
#include "internal/health_phase.h"
#include "internal/world.h"
#include "sim_test_runs.h"
#include "world_test_support.h"

namespace greenlight::sim::internal {
namespace {

// 3,000 people, nobody infected, 300 samples a day per 100,000, every test positive
// (specificity 0), so a person's positive day is the day after its sample (result delay 1).
SimConfig scarce_tests(std::uint32_t max_wait_days) {
  SimConfig c;
  c.population.people = 3000;
  c.app.uptake = 0;
  c.disease.false_symptom_rate = 0;
  c.testing.specificity = 0;
  c.testing.tests_per_day_per_100k = 300;
  c.testing.max_wait_days = max_wait_days;
  return c;
}

}  // namespace

TEST_CASE("a test capacity samples first come first served, and the long-waiting give up") {
  // 9 samples a day for the 3,000 people; waiting 2 days at most.
  const auto world = make_world(scarce_tests(2));
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

TEST_CASE("a test capacity by region: each region's samples serve its own people only") {
  // The 3,000 people in 3 regions, 300 samples a day per 100,000 of a region's people. 30
  // samples are due in region 0 on day 1 and 2 in region 1.
  SimConfig c = scarce_tests(20);
  c.population.regions = 3;
  const auto run = [](const SimConfig& config) {
    const auto world = make_world(config);
    HealthPhase health(*world);
    const Population& pop = world->pop;
    REQUIRE(pop.regions() == 3);
    REQUIRE(pop.region_start[1] > 100);
    std::vector<std::uint32_t> ordered;
    for (std::uint32_t p = 0; p < 30; ++p) ordered.push_back(p);
    ordered.push_back(pop.region_start[1]);
    ordered.push_back(pop.region_start[1] + 1);
    for (const std::uint32_t p : ordered) health.order_test(p, 0);
    for (std::uint32_t t = 0; t < 12; ++t) {
      DailyStats st;
      std::vector<std::uint32_t> uploaders;
      health.run(t, st, uploaders);
    }
    // Each ordered person's positive day (sampled the day before).
    std::vector<std::int32_t> positive;
    for (const std::uint32_t p : ordered) positive.push_back(health.positive_day(p));
    return positive;
  };
  const std::vector<std::int32_t> national = run(c);
  c.testing.capacity_by_region = true;
  const std::vector<std::int32_t> regional = run(c);
  const auto world = make_world(c);
  REQUIRE(per_100k(300, world->pop.region_start[1]) == 3);
  // National: 9 a day for everyone (3,000 people), first come first served in person order:
  // region 1's two after region 0's 30 (days 2-5).
  for (std::size_t i = 0; i < 30; ++i) {
    CAPTURE(i);
    CHECK(national[i] == static_cast<std::int32_t>(2 + i / 9));
  }
  CHECK(national[30] == 5);
  CHECK(national[31] == 5);
  // By region: region 0's 3 a day (its 1,000 or so people), 10 days for its 30; region 1's
  // two on the first day, while region 0's wait.
  for (std::size_t i = 0; i < 30; ++i) {
    CAPTURE(i);
    CHECK(regional[i] == static_cast<std::int32_t>(2 + i / 3));
  }
  CHECK(regional[30] == 2);
  CHECK(regional[31] == 2);
}

TEST_CASE("the dead give no sample: a waiting test of a person who died is dropped") {
  // Every infection ends in death (symptomatic, admitted, intensive care, dies) and tests
  // negative (sensitivity 0 on every day); the uninfected test positive. Person p, infected
  // on day 0, dies on day `death`; its admission test's result is read before day death - 2.
  // With a capacity (9 a day), persons 1-9 ordered with p take the day before p's death, so
  // p's sample waits into the day of its death, when persons 100-108 are due; without one,
  // p's sample is due on that day. Either way p gives no sample: 19 tests in all (p's
  // admission test, 1-9, 100-108), and with the capacity 100-108 are sampled on p's death
  // day (before: p took the first place, and 108 waited a day).
  for (const bool capacity : {true, false}) {
    CAPTURE(capacity);
    SimConfig c = scarce_tests(20);
    if (!capacity) c.testing.tests_per_day_per_100k = 0;
    c.testing.symptom_isolation = 0;
    c.testing.sensitivity = 0;
    c.testing.sensitive_from_day = 0;
    c.testing.sensitive_to_day = 1000;
    every_course_fatal(c);
    const auto world = make_world(c);
    // The first person from 50 whose course leaves 5 days between admission and death.
    std::uint32_t p = 50;
    std::unique_ptr<HealthPhase> health;
    for (; p < 90; ++p) {
      health = std::make_unique<HealthPhase>(*world);
      DailyStats seeded;
      health->apply_infections({{p, kNoPerson, Layer::kRandom}}, 0, seeded);
      const Course& course = health->course(p);
      REQUIRE(course.severity == Severity::kDies);
      if (course.end_day >= course.admission_day() + 5) break;
    }
    REQUIRE(p < 90);
    const std::uint32_t death = health->course(p).end_day;
    REQUIRE(health->dead(p, death));
    REQUIRE_FALSE(health->dead(p, death - 1));
    const std::vector<DailyStats> days = run_health_days(*health, death + 3, [&](std::uint32_t t) {
      // Ordered with delay 1: due the next day.
      if (t == death - 2 && capacity) {
        for (std::uint32_t q = 1; q < 10; ++q) health->order_test(q, t);
        health->order_test(p, t);
      }
      if (t == death - 1) {
        if (!capacity) {
          for (std::uint32_t q = 1; q < 10; ++q) health->order_test(q, t);
          health->order_test(p, t);
        }
        for (std::uint32_t q = 100; q < 109; ++q) health->order_test(q, t);
      }
    });
    std::uint32_t tests = 0;
    for (const DailyStats& d : days) tests += d.tests;
    CHECK(tests == 19);
    CHECK(health->positive_day(p) == kNever);
    CHECK(health->positive_day(108) == static_cast<std::int32_t>(death + 1));
    CHECK(health->positive_day(1) == static_cast<std::int32_t>(capacity ? death : death + 1));
  }
}

}  // namespace greenlight::sim::internal

// Screening (testing.screening_per_day_per_100k, HealthPhase::screen): samples drawn each day
// from the people without a positive result or a test pending, alive and out of hospital.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/simulation.h"
#include "internal/health_phase.h"
#include "internal/world.h"
#include "sim_test_runs.h"
#include "world_test_support.h"

namespace greenlight::sim {
namespace {

// 20,000 people, the health phase alone (nobody meets anybody), no false symptoms.
SimConfig screened(double per_100k, std::uint32_t initial_infections) {
  SimConfig c;
  c.population.people = 20000;
  c.run.days = 40;
  c.app.uptake = 0;
  c.disease.initial_infections = initial_infections;
  c.disease.false_symptom_rate = 0;
  c.testing.screening_per_day_per_100k = per_100k;
  return c;
}

}  // namespace

TEST_CASE("screening samples the day's share of those without a result, once until positive") {
  // Every test positive (specificity 0), results the next day: a person screened on day t is
  // positive on day t + 1 and never screened again.
  SimConfig c = screened(1000, 0);
  c.testing.screening_specificity = 0;
  const auto world = internal::make_world(c);
  internal::HealthPhase health(*world);
  const auto days = internal::run_health_days(health, 30);
  std::uint64_t samples = 0;
  double left = 20000;  // neither positive nor pending at the start of a day
  for (std::uint32_t t = 0; t < days.size(); ++t) {
    CAPTURE(t);
    // Binomial(left, 1 %): within 4.5 standard deviations.
    const double expected = left * 0.01;
    CHECK(std::abs(days[t].screening_samples - expected) < 4.5 * std::sqrt(expected * 0.99));
    CHECK(days[t].tests == (t == 0 ? 0 : days[t - 1].screening_samples));
    samples += days[t].screening_samples;
    left -= days[t].screening_samples;
  }
  std::uint64_t positive = 0;
  for (std::uint32_t p = 0; p < world->pop.size(); ++p) {
    if (health.positive_day(p) >= 0) ++positive;
  }
  // Everyone screened before the last day is positive by it, each once.
  CHECK(positive == samples - days.back().screening_samples);
  CHECK(samples > 4500);
}

TEST_CASE("screening skips people in hospital and the dead") {
  // Everyone infected on day 0, screened whenever eligible, every test negative: a person
  // screened on day t has a result pending on day t + 1 and is screened again on day t + 2.
  SimConfig c = screened(100000, 20000);
  c.testing.screening_sensitivity = 0;
  const auto world = internal::make_world(c);
  internal::HealthPhase health(*world);
  health.seed_infections();
  const auto days = internal::run_health_days(health, 31);
  CHECK(days[0].screening_samples == 20000);
  CHECK(days[1].screening_samples == 0);
  std::uint32_t most_absent = 0;
  for (std::uint32_t t = 0; t < days.size(); ++t) {
    CAPTURE(t);
    std::uint32_t present = 0;
    for (std::uint32_t p = 0; p < world->pop.size(); ++p) {
      if (!health.absent(p, t)) ++present;
    }
    most_absent = std::max(most_absent, 20000 - present);
    CHECK(days[t].screening_samples <= present);
    // On even days everyone present is due again but those whose admission test moved
    // their turn.
    if (t % 2 == 0 && t > 0) CHECK(days[t].screening_samples + 2000 > present);
  }
  CHECK(most_absent > 300);
}

TEST_CASE("a screening sample is read with the screening test's own figures") {
  // Nobody infected, every screening test positive and read the same day (a rapid test),
  // every other test negative: the day's screened are positive that day.
  SimConfig c = screened(1000, 0);
  c.testing.screening_specificity = 0;
  c.testing.screening_result_delay_days = 0;
  c.testing.specificity = 1;
  const auto world = internal::make_world(c);
  internal::HealthPhase health(*world);
  const auto days = internal::run_health_days(health, 10);
  for (std::uint32_t t = 0; t < days.size(); ++t) {
    CAPTURE(t);
    CHECK(days[t].tests == days[t].screening_samples);
    CHECK(days[t].positives == days[t].screening_samples);
  }
}

TEST_CASE("a test ordered after a screening is the other test") {
  // Everyone screened every day, every screening test negative and read the same day, every
  // other test positive: no positive until a test is ordered; then 50 people ordered a test
  // on day 10 (sampled on day 11, so not screened then) are all positive on day 12.
  SimConfig c = screened(100000, 0);
  c.testing.screening_specificity = 1;
  c.testing.screening_result_delay_days = 0;
  c.testing.specificity = 0;
  const auto world = internal::make_world(c);
  internal::HealthPhase health(*world);
  const auto days = internal::run_health_days(health, 11);
  for (const auto& d : days) {
    CHECK(d.screening_samples == 20000);
    CHECK(d.positives == 0);
  }
  for (std::uint32_t p = 0; p < 50; ++p) health.order_test(p, 10);
  std::vector<std::uint32_t> uploaders;
  DailyStats day11;
  health.run(11, day11, uploaders);
  CHECK(day11.screening_samples == 20000 - 50);
  DailyStats day12;
  health.run(12, day12, uploaders);
  CHECK(day12.positives == 50);
}

TEST_CASE("screening's samples count against the test capacity, and find cases") {
  // 3,000 people for 60 days; a capacity of 1,000 samples per 100,000 a day (30), screening
  // 2,000 (about 60): the capacity caps the day's tests.
  SimConfig c = small(3000, 60, 4);
  c.disease.initial_infections = 30;
  c.testing.tests_per_day_per_100k = 1000;
  c.testing.screening_per_day_per_100k = 2000;
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  std::uint64_t screened = 0;
  for (const auto& d : sim->daily()) {
    CHECK(d.tests <= 30);
    screened += d.screening_samples;
  }
  CHECK(screened > 1500);
  CHECK(sim->summary().screening_samples == screened);
  // Without a capacity, more tests and more positives than without screening.
  SimConfig plain = small(3000, 60, 4);
  plain.disease.initial_infections = 30;
  SimConfig screening = plain;
  screening.testing.screening_per_day_per_100k = 2000;
  InMemoryPublisher p1;
  InMemoryPublisher p2;
  const auto a = ran(plain, p1)->summary();
  const auto b = ran(screening, p2)->summary();
  CHECK(a.screening_samples == 0);
  CHECK(b.tests > a.tests + 3000);
  CHECK(b.positives > a.positives);
}

TEST_CASE("screening is read, checked and reported") {
  SimConfig c;
  CHECK(c.testing.screening_per_day_per_100k == 0);
  // The screening test is by default the other tests' (sensitivity, specificity, delay).
  CHECK(c.testing.screening_sensitivity == c.testing.sensitivity);
  CHECK(c.testing.screening_specificity == c.testing.specificity);
  CHECK(c.testing.screening_result_delay_days == c.testing.result_delay_days);
  SimConfig rapid;
  CHECK_FALSE(apply_override(rapid, "testing.screening_sensitivity=1.2"));
  CHECK_FALSE(apply_override(rapid, "testing.screening_result_delay_days=15"));
  REQUIRE(apply_override(c, "testing.screening_per_day_per_100k=500"));
  auto back = config_from_json(config_to_json(c));
  REQUIRE(back);
  CHECK(back->testing.screening_per_day_per_100k == 500);
  SimConfig bad;
  const Status st = apply_override(bad, "testing.screening_per_day_per_100k=-1");
  REQUIRE_FALSE(st);
  CHECK(st.error().message.find("screening_per_day_per_100k must be in [0, 100000]") !=
        std::string::npos);
  c.population.people = 20000;
  CHECK(policy_lines(c).find("screening: 100 samples a day (500 per 100,000 people) drawn from "
                             "everyone alive out of hospital without a positive result or a "
                             "test pending; their test's sensitivity 0.8, specificity 0.999, "
                             "result after 1 day(s)\n") != std::string::npos);
  ReportInput in;
  in.config = &c;
  in.app.people = 20000;
  in.app.screening_samples = 4321;
  CHECK(format_report(in).find("\n  samples from screening               4321") !=
        std::string::npos);
}

}  // namespace greenlight::sim

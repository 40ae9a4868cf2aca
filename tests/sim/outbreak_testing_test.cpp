// Whole-home testing after a case (care_homes.outbreak_testing, HealthPhase::
// test_outbreak_homes): which homes are tested, who gives a sample, how often.
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/simulation.h"
#include "internal/health_phase.h"
#include "internal/world.h"
#include "sim_test_runs.h"
#include "world_test_support.h"

namespace greenlight::sim::internal {
namespace {

// 20,000 people with 2,000 residents per 100,000, nobody infected: an ordinary test is
// positive (specificity 0), a round's screening test of the uninfected negative (screening
// specificity 1) unless `round_positive`.
SimConfig homes(bool round_positive) {
  SimConfig c;
  c.population.people = 20000;
  c.app.uptake = 0;
  c.disease.initial_infections = 0;
  c.disease.false_symptom_rate = 0;
  c.care_homes.residents_per_100k = 2000;
  c.care_homes.outbreak_testing = true;
  c.testing.specificity = 0;
  c.testing.screening_specificity = round_positive ? 0 : 1;
  return c;
}

// The people of home h: its residents and its own staff.
std::size_t home_size(const Population& pop, std::uint32_t h) {
  return pop.home_residents(h).size() + pop.home_staff(h).size();
}

// A test ordered for a person on a day.
struct Order {
  std::uint32_t person = 0;
  std::uint32_t day = 0;
};

// Agency shifts by day: (home, worker), ordered by home, then worker.
using Shifts = std::map<std::uint32_t, std::vector<std::pair<std::uint32_t, std::uint32_t>>>;

// Runs the health phase on days 0 .. days - 1 with these tests ordered and, when the phase
// tracks them, each day's agency shifts recorded after the day (as a run records them after
// its contacts); each day's screening samples.
std::vector<std::uint32_t> run_days(HealthPhase& health, std::uint32_t days,
                                    const std::vector<Order>& orders, const Shifts& shifts = {}) {
  const auto stats = run_health_days(health, days, [&](std::uint32_t t) {
    const auto yesterday = shifts.find(t - 1);
    if (t > 0 && health.tracks_agency_shifts()) {
      health.record_agency_shifts(
          t - 1, yesterday == shifts.end() ? Shifts::mapped_type{} : yesterday->second);
    }
    for (const Order& o : orders) {
      if (o.day == t) health.order_test(o.person, t);
    }
  });
  std::vector<std::uint32_t> samples;
  for (const DailyStats& st : stats) samples.push_back(st.screening_samples);
  return samples;
}

}  // namespace

TEST_CASE("a positive result in a care home tests everyone there the next day, weekly at most") {
  const auto world = make_world(homes(false));
  const Population& pop = world->pop;
  REQUIRE(pop.care_homes() >= 3);
  const auto res0 = pop.home_residents(0);
  const auto staff1 = pop.home_staff(1);
  HealthPhase health(*world);
  // Home 0: residents tested on days 0, 5 and 10 (positive on days 2, 7 and 12); home 1: a
  // member of its staff tested on day 0 (positive on day 2); home 2: nothing.
  const std::vector<std::uint32_t> samples =
      run_days(health, 20, {{res0[0], 0}, {staff1[0], 0}, {res0[1], 5}, {res0[2], 10}});
  REQUIRE(health.positive_day(res0[0]) == 2);
  REQUIRE(health.positive_day(staff1[0]) == 2);
  REQUIRE(health.positive_day(res0[2]) == 12);
  // Day 3: homes 0 and 1, everyone but their positive; day 8: none (home 0's round was 5 days
  // before); day 13: home 0 again, all but its three positives.
  CHECK(samples[3] == home_size(pop, 0) - 1 + home_size(pop, 1) - 1);
  CHECK(samples[13] == home_size(pop, 0) - 3);
  for (std::uint32_t t = 0; t < 20; ++t) {
    CAPTURE(t);
    if (t != 3 && t != 13) CHECK(samples[t] == 0);
  }
  CHECK(health.outbreak_rounds() == 3);
  CHECK(health.outbreak_samples() == samples[3] + samples[13]);
  CHECK(health.outbreak_positives() == 0);
  // Home 2's people gave no sample and have no result.
  for (const std::uint32_t p : pop.home_residents(2)) CHECK(health.positive_day(p) == kNever);

  SECTION("without the setting nobody else is tested") {
    SimConfig off = homes(false);
    off.care_homes.outbreak_testing = false;
    const auto w = make_world(off);
    HealthPhase h(*w);
    for (const std::uint32_t n : run_days(h, 10, {{res0[0], 0}})) CHECK(n == 0);
    CHECK(h.positive_day(res0[0]) == 2);
    CHECK(h.outbreak_rounds() == 0);
  }
}

TEST_CASE("a round's positive results are counted and isolate as any positive result") {
  SimConfig c = homes(true);  // every round sample positive
  c.testing.isolation_adherence = 1;
  const auto world = make_world(c);
  const Population& pop = world->pop;
  const auto res0 = pop.home_residents(0);
  const auto staff0 = pop.home_staff(0);
  HealthPhase health(*world);
  run_days(health, 10, {{res0[0], 0}});
  // Sampled on day 3, positive on day 4 (the screening test's delay of 1 day); their
  // positives on day 4 start no round on day 5 (within 7 days of day 3).
  CHECK(health.outbreak_rounds() == 1);
  CHECK(health.outbreak_samples() == home_size(pop, 0) - 1);
  CHECK(health.outbreak_positives() == health.outbreak_samples());
  for (std::size_t i = 1; i < res0.size(); ++i) CHECK(health.positive_day(res0[i]) == 4);
  for (const std::uint32_t s : staff0) {
    CHECK(health.positive_day(s) == 4);
    CHECK(health.isolated_until()[s] > 4);  // isolating after the result (adherence 1)
  }
}

TEST_CASE("agency workers of the last days are tested in a round and their results start one") {
  SimConfig c = homes(false);
  c.care_homes.agency_share = 0.25;
  c.care_homes.outbreak_agency_days = 2;
  const auto world = make_world(c);
  const Population& pop = world->pop;
  REQUIRE(pop.care_homes() >= 3);
  REQUIRE(pop.care_agency.size() >= 5);
  const auto res0 = pop.home_residents(0);
  const auto& a = pop.care_agency;
  // Home 0: a0 on day 0, a1 and a3 on day 1, a3 on day 2; home 1: a2 on day 1, a4 on day 6
  // and a2 on day 7; home 2: a4 on day 5.
  const Shifts shifts{{0, {{0, a[0]}}}, {1, {{0, a[1]}, {0, a[3]}, {1, a[2]}}},
                      {2, {{0, a[3]}}}, {5, {{2, a[4]}}},
                      {6, {{1, a[4]}}}, {7, {{1, a[2]}}}};
  // A resident of home 0 positive on day 2, agency worker a4 on day 7.
  const std::vector<Order> orders{{res0[0], 0}, {a[4], 5}};
  HealthPhase health(*world);
  REQUIRE(health.tracks_agency_shifts());
  const std::vector<std::uint32_t> samples = run_days(health, 12, orders, shifts);
  REQUIRE(health.positive_day(res0[0]) == 2);
  REQUIRE(health.positive_day(a[4]) == 7);
  // Day 3: home 0 and its agency workers of days 1 and 2 (a1, a3; a0's day 0 is 3 days
  // before); day 8: home 1, where a4 worked on day 6, with a2 of day 7 (not home 2, where a4
  // worked on day 5).
  CHECK(samples[3] == home_size(pop, 0) - 1 + 2);
  CHECK(samples[8] == home_size(pop, 1) + 1);
  for (std::uint32_t t = 0; t < 12; ++t) {
    CAPTURE(t);
    if (t != 3 && t != 8) CHECK(samples[t] == 0);
  }
  CHECK(health.outbreak_rounds() == 2);
  CHECK(health.outbreak_agency_samples() == 3);
  CHECK(health.outbreak_samples() == samples[3] + samples[8]);

  SECTION("without outbreak_agency_days agency workers neither give samples nor start rounds") {
    SimConfig off = c;
    off.care_homes.outbreak_agency_days = 0;
    const auto w = make_world(off);
    HealthPhase h(*w);
    CHECK_FALSE(h.tracks_agency_shifts());
    const std::vector<std::uint32_t> own = run_days(h, 12, orders, shifts);
    CHECK(own[3] == home_size(pop, 0) - 1);
    CHECK(own[8] == 0);
    CHECK(h.outbreak_rounds() == 1);
    CHECK(h.outbreak_agency_samples() == 0);
  }
}

}  // namespace greenlight::sim::internal

namespace greenlight::sim {

TEST_CASE("whole-home testing in a run: rounds, samples and positives in the summary") {
  SimConfig c = small(20000, 90, 3);
  c.care_homes.residents_per_100k = 2000;
  c.care_homes.outbreak_testing = true;
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  const RunSummary s = sim->summary();
  CHECK(s.care_outbreak_rounds > 0);
  CHECK(s.care_outbreak_samples > s.care_outbreak_rounds);
  CHECK(s.care_outbreak_positives > 0);
  CHECK(s.care_outbreak_positives <= s.care_outbreak_samples);
  // The samples are screening samples.
  CHECK(s.screening_samples == s.care_outbreak_samples);
  c.care_homes.outbreak_testing = false;
  InMemoryPublisher publisher_off;
  const RunSummary off = ran(c, publisher_off)->summary();
  CHECK(off.care_outbreak_rounds == 0);
  CHECK(off.care_outbreak_samples == 0);
  CHECK(off.screening_samples == 0);
}

TEST_CASE("whole-home testing with agency workers in a run: their samples counted") {
  SimConfig c = small(20000, 90, 3);
  c.care_homes.residents_per_100k = 2000;
  c.care_homes.agency_share = 0.25;
  c.care_homes.outbreak_testing = true;
  InMemoryPublisher own_only;
  const RunSummary without = ran(c, own_only)->summary();
  CHECK(without.care_outbreak_rounds > 0);
  CHECK(without.care_outbreak_agency_samples == 0);
  c.care_homes.outbreak_agency_days = 7;
  InMemoryPublisher publisher;
  const RunSummary s = ran(c, publisher)->summary();
  CHECK(s.care_outbreak_agency_samples > 0);
  CHECK(s.care_outbreak_agency_samples < s.care_outbreak_samples);
  CHECK(s.screening_samples == s.care_outbreak_samples);
}

}  // namespace greenlight::sim

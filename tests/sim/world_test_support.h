// For the tests that drive one phase directly: the world (population, venues, configuration)
// a simulation of `c` would build, in this process alone.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/population.h"
#include "greenlight/sim/venues.h"
#include "internal/contacts.h"
#include "internal/health_phase.h"
#include "internal/world.h"

namespace greenlight::sim::internal {

inline std::unique_ptr<World> make_world(const SimConfig& c) {
  Population pop = generate_population(c);
  auto venues = VenueDirectory::create(pop, c.run.seed);
  REQUIRE(venues);
  return std::make_unique<World>(c, std::move(pop), std::move(*venues), Ranks::single());
}

// Every contact of one day (day 4) of the generator with this state of the people, after
// `prepare` (the hospital's or the care homes' preparation) has run on it, with this day's
// distancing (none by default).
template <typename Prepare>
std::vector<Contact> contacts_of_day(const SimConfig& c, const Population& pop,
                                     const std::vector<std::uint8_t>& state, Prepare prepare,
                                     const Distancing& distancing = {}) {
  ContactGenerator generator(c, pop);
  generator.prepare_day(4, state, 0, 2, nullptr, distancing);
  prepare(generator);
  std::vector<Contact> out;
  for (std::uint32_t shard = 0; shard < kShards; ++shard) {
    generator.generate(shard, [&](const Contact& x) { out.push_back(x); });
  }
  return out;
}

// The health phase alone on days 0 .. days - 1, `before(t)` called first each day (tests
// ordered, shifts recorded); each day's statistics.
template <typename Before>
std::vector<DailyStats> run_health_days(HealthPhase& health, std::uint32_t days, Before before) {
  std::vector<DailyStats> out(days);
  std::vector<std::uint32_t> uploaders;
  for (std::uint32_t t = 0; t < days; ++t) {
    before(t);
    out[t].day = t;
    health.run(t, out[t], uploaders);
  }
  return out;
}
inline std::vector<DailyStats> run_health_days(HealthPhase& health, std::uint32_t days) {
  return run_health_days(health, days, [](std::uint32_t) {});
}

// The health phase alone on days 0 .. days - 1, `before(t)` called first each day; each day's
// uploaders (checked to be appended after what the list held, which stays).
template <typename Before>
std::vector<std::vector<std::uint32_t>> uploaders_of_days(HealthPhase& health, std::uint32_t days,
                                                          Before before) {
  std::vector<std::vector<std::uint32_t>> out(days);
  for (std::uint32_t t = 0; t < days; ++t) {
    before(t);
    std::vector<std::uint32_t> uploaders{kNoPerson};
    DailyStats st;
    health.run(t, st, uploaders);
    REQUIRE_FALSE(uploaders.empty());
    CHECK(uploaders.front() == kNoPerson);
    out[t].assign(uploaders.begin() + 1, uploaders.end());
  }
  return out;
}

// Regular testing of staff, the health phase alone: `days` days of `c` without any
// infection, false symptom, false result or dropped isolation, the first `at_home` of the
// staff `staff_of` picks from the population isolating all along; each day's counts and the
// number of staff.
struct StaffTestingDays {
  std::vector<DailyStats> days;
  std::size_t staff = 0;
};
template <typename StaffOf>
StaffTestingDays staff_testing_days(SimConfig c, StaffOf staff_of, std::size_t at_home,
                                    std::uint32_t days) {
  c.disease.false_symptom_rate = 0;
  c.testing.screening_specificity = 1;
  c.testing.isolation_daily_dropout = 0;
  const auto world = make_world(c);
  HealthPhase health(*world);
  const std::span<const std::uint32_t> staff = staff_of(world->pop);
  for (std::size_t i = 0; i < at_home; ++i) health.isolate(staff[i], 1000);
  StaffTestingDays out{std::vector<DailyStats>(days), staff.size()};
  std::vector<std::uint32_t> uploaders;
  for (std::uint32_t t = 0; t < days; ++t) {
    out.days[t].day = t;
    health.run(t, out.days[t], uploaders);
  }
  return out;
}

}  // namespace greenlight::sim::internal

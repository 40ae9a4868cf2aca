// Helpers of the simulation tests: a small run's configuration, and a run to its end.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <utility>

#include "greenlight/sim/config.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/simulation.h"

namespace greenlight::sim {

// `people` people for `days` days from `seed`, two threads, without the run without the app.
inline SimConfig small(std::uint32_t people, std::uint32_t days, std::uint64_t seed) {
  SimConfig c;
  c.population.people = people;
  c.run.days = days;
  c.run.seed = seed;
  c.run.threads = 2;
  c.run.baseline = false;
  return c;
}

// Creates and runs a simulation whose uploads go to `publisher` (which must outlive it).
inline std::unique_ptr<Simulation> ran(const SimConfig& c, KeyPublisher& publisher) {
  auto sim = Simulation::create(c, publisher);
  REQUIRE(sim);
  REQUIRE((*sim)->run());
  return std::move(*sim);
}

}  // namespace greenlight::sim

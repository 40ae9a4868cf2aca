// For the tests that drive one phase directly: the world (population, venues, configuration)
// a simulation of `c` would build, in this process alone.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <utility>

#include "greenlight/sim/config.h"
#include "greenlight/sim/population.h"
#include "greenlight/sim/venues.h"
#include "internal/world.h"

namespace greenlight::sim::internal {

inline std::unique_ptr<World> make_world(const SimConfig& c) {
  Population pop = generate_population(c);
  auto venues = VenueDirectory::create(pop, c.run.seed);
  REQUIRE(venues);
  return std::make_unique<World>(c, std::move(pop), std::move(*venues), Ranks::single());
}

}  // namespace greenlight::sim::internal

// What every phase of a simulated day reads and none changes: the run's configuration, the
// population, the disease and risk models, the phones' key schedule and the venues, plus the
// seed's decision streams (sim/src/simulation.cpp runs the phases; docs/simulation.md
// "Code map"). Built once per run; immutable afterwards, so any phase may read it from any
// thread.
#pragma once

#include <cstdint>

#include "greenlight/sim/config.h"
#include "greenlight/sim/disease.h"
#include "greenlight/sim/phone_keys.h"
#include "greenlight/sim/population.h"
#include "greenlight/sim/risk.h"
#include "greenlight/sim/venues.h"
#include "internal/rng.h"

namespace greenlight::sim::internal {

inline constexpr std::int32_t kNever = -1;
inline constexpr std::uint32_t kRetentionDays = 14;
inline constexpr std::int64_t kDaySeconds = 86400;

struct World {
  World(const SimConfig& c, Population population, VenueDirectory directory)
      : config(c),
        pop(std::move(population)),
        disease(c.disease),
        scorer(c.app.risk),
        schedule(c.run.seed, c.run.start_unix_seconds),
        venues(std::move(directory)),
        seed(c.run.seed),
        threads(c.run.threads) {}

  // The stream of one person's decision (purpose, person, day, what): the same draw at any
  // thread count and in any phase order.
  Rng decision(std::uint64_t purpose, std::uint32_t p, std::uint32_t day,
               std::uint64_t what) const {
    return Rng(stream_key(seed, purpose, p, day, what));
  }
  // Unix seconds of 00:00 of simulation day `day`.
  std::int64_t midnight(std::uint32_t day) const {
    return config.run.start_unix_seconds + static_cast<std::int64_t>(day) * kDaySeconds;
  }

  SimConfig config;
  Population pop;
  DiseaseModel disease;
  RiskScorer scorer;
  TekSchedule schedule;
  VenueDirectory venues;
  std::uint64_t seed;
  std::uint32_t threads;
};

}  // namespace greenlight::sim::internal

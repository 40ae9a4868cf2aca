// What every phase of a simulated day reads and none changes: the run's configuration, the
// population, the disease and risk models, the phones' key schedule and the venues, plus the
// seed's decision streams (sim/src/simulation.cpp runs the phases; docs/simulation.md
// "Code map"), and the ranks the run is spread over with the people this rank owns (the
// phones whose broadcast runs it stores: docs/simulation.md "MPI"). Built once per run;
// immutable afterwards, so any phase may read it from any thread.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/disease.h"
#include "greenlight/sim/phone_keys.h"
#include "greenlight/sim/population.h"
#include "greenlight/sim/ranks.h"
#include "greenlight/sim/risk.h"
#include "greenlight/sim/venues.h"
#include "internal/rng.h"

namespace greenlight::sim::internal {

inline constexpr std::int32_t kNever = -1;
inline constexpr std::uint32_t kRetentionDays = 14;
inline constexpr std::int64_t kDaySeconds = 86400;

struct World {
  World(const SimConfig& c, Population population, VenueDirectory directory, Ranks r)
      : config(c),
        pop(std::move(population)),
        disease(c.disease),
        scorer(c.app.risk),
        schedule(c.run.seed, c.run.start_unix_seconds),
        venues(std::move(directory)),
        seed(c.run.seed),
        threads(c.run.threads),
        ranks(r) {
    for (int k = 0; k <= ranks.size(); ++k)
      bounds.push_back(household_boundary(pop, k, ranks.size()));
    own_begin = bounds[static_cast<std::size_t>(ranks.rank())];
    own_end = bounds[static_cast<std::size_t>(ranks.rank()) + 1];
    if (c.app.ramp_days > 0) {
      app_start_day.assign(pop.size(), 0);
      for (std::uint32_t p = 0; p < pop.size(); ++p) {
        if (pop.has_app[p] != 0) app_start_day[p] = drawn_app_start(c.app, seed, p);
      }
    }
    if (c.app.dropout_per_day > 0) {
      app_end_day.assign(pop.size(), 0);
      for (std::uint32_t p = 0; p < pop.size(); ++p) {
        if (pop.has_app[p] != 0) app_end_day[p] = drawn_app_end(c.app, seed, p, app_start(p));
      }
    }
  }

  // A phone's first day with the app (app.start_day; with ramp_days a day of the ramp) and
  // the day it gives the app up (with dropout_per_day; kAppForever without), drawn from p's
  // own streams: the health code covering the same people covers them on the same days.
  static std::uint16_t drawn_app_start(const AppConfig& a, std::uint64_t seed, std::uint32_t p) {
    if (a.ramp_days == 0) return static_cast<std::uint16_t>(a.start_day);
    Rng draw(stream_key(seed, kPurposeAppStart, p));
    const bool at_launch = a.ramp_launch_share > 0 && draw.bernoulli(a.ramp_launch_share);
    return static_cast<std::uint16_t>(a.start_day + (at_launch ? 0 : draw.below(a.ramp_days)));
  }
  static std::uint16_t drawn_app_end(const AppConfig& a, std::uint64_t seed, std::uint32_t p,
                                     std::uint32_t start) {
    if (a.dropout_per_day <= 0) return kAppForever;
    // Days of use: 1 + the days survived at the daily hazard (geometric), drawn per person.
    const double log_stay = std::log1p(-a.dropout_per_day);
    const double u = Rng(stream_key(seed, kPurposeAppStop, p)).open_uniform();
    const double end = start + 1.0 + std::floor(std::log(u) / log_stay);
    return static_cast<std::uint16_t>(std::min(end, double{kAppForever}));
  }

  // The first person of rank `rank`'s part of `parts`: about pop.size() / parts people,
  // rounded up to a household's first member, so every household lies on one rank.
  static std::uint32_t household_boundary(const Population& pop, int rank, int parts) {
    const auto n = static_cast<std::uint64_t>(pop.size());
    auto b = static_cast<std::uint32_t>(n * static_cast<std::uint64_t>(rank) /
                                        static_cast<std::uint64_t>(parts));
    if (b >= pop.size()) return pop.size();
    const std::uint32_t h = pop.household[b];
    return pop.household_start[h] == b ? b : pop.household_start[h + 1];
  }
  // Whether this rank owns person p: stores the runs in which p's phone was heard and
  // derives p's RPIs.
  bool owns(std::uint32_t p) const { return p >= own_begin && p < own_end; }
  // The rank that owns person p.
  int owner(std::uint32_t p) const {
    return static_cast<int>(std::upper_bound(bounds.begin(), bounds.end(), p) - bounds.begin()) - 1;
  }

  // An app user's first day with the app: the launch day (app.start_day), or with a gradual
  // uptake (app.ramp_days) a day drawn per person from the ramp (app.ramp_launch_share of
  // them on the launch day).
  std::uint32_t app_start(std::uint32_t p) const {
    return app_start_day.empty() ? config.app.start_day : app_start_day[p];
  }
  // The day an app user stops using the app (app.dropout_per_day), or kAppForever.
  std::uint32_t app_end(std::uint32_t p) const {
    return app_end_day.empty() ? kAppForever : app_end_day[p];
  }
  // Whether person p's phone runs the app on day t: an app user, from its first day on and
  // before the day it gives the app up. Outside those days the phone does not broadcast,
  // record, check in, sync a colour, upload or send chaff.
  bool app_on(std::uint32_t p, std::uint32_t t) const {
    return pop.has_app[p] != 0 && t >= app_start(p) && t < app_end(p);
  }
  // Whether phones run the app on days of their own (a ramp or dropouts), not every app user
  // from the launch day on.
  bool app_days_per_phone() const { return !app_start_day.empty() || !app_end_day.empty(); }

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
  Ranks ranks;
  std::vector<std::uint32_t> bounds;         // rank k owns [bounds[k], bounds[k + 1])
  std::vector<std::uint16_t> app_start_day;  // with app.ramp_days > 0: app_start by person
  std::vector<std::uint16_t> app_end_day;    // with app.dropout_per_day > 0: app_end by person
  static constexpr std::uint32_t kAppForever = 0xffff;  // later than any day (run.days <= 2000)
  std::uint32_t own_begin = 0;  // [own_begin, own_end): the people this rank owns
  std::uint32_t own_end = 0;
};

}  // namespace greenlight::sim::internal

// For the tests that drive manual tracing (ManualTracingPhase) directly: a configuration
// where only what the test hands over names people, and a driver of the health and tracing
// phases over hand-made days of recalled pairs and venue visits.
#pragma once

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/population.h"
#include "internal/contact_phase.h"
#include "internal/health_phase.h"
#include "internal/manual_tracing_phase.h"
#include "internal/world.h"
#include "sim_test_runs.h"
#include "world_test_support.h"

namespace greenlight::sim::internal {

// 3,000 people without the app, nobody infected, every test positive (specificity 0: a
// test ordered on day 0 is positive on day 2), tracing with room for everyone and nobody
// recalled by the case: only guest lists name people.
inline SimConfig listed(std::array<double, 3> lists) {
  SimConfig c;
  c.population.people = 3000;
  c.app.uptake = 0;
  c.disease.initial_infections = 0;
  c.disease.false_symptom_rate = 0;
  c.testing.specificity = 0;
  c.manual_tracing.enabled = true;
  c.manual_tracing.workers_per_100k = 3000;
  c.manual_tracing.traceable_fraction = {0, 0, 0, 0};
  c.manual_tracing.guest_lists = lists;
  return c;
}

// The first venues of a kind.
inline std::vector<std::uint32_t> venues_of(const Population& pop, VenueKind kind,
                                            std::size_t count) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t v = 0; v < pop.venue_kind.size() && out.size() < count; ++v) {
    if (pop.venue_kind[v] == kind) out.push_back(v);
  }
  REQUIRE(out.size() == count);
  return out;
}

// A day's visits as the contact phase hands them over: grouped by venue, by arrival.
inline std::vector<Visit> grouped(std::vector<Visit> v) {
  std::stable_sort(v.begin(), v.end(), [](const Visit& x, const Visit& y) {
    return x.venue != y.venue ? x.venue < y.venue : x.arrival < y.arrival;
  });
  return v;
}

// Runs days 0 .. days - 1: the health phase, tracing at 09:00, then the day's recalled
// pairs and visits recorded (recalled[d], visits[d], none after the last); `cases` order a
// test on day 0.
struct Driven {
  std::unique_ptr<World> world;
  std::unique_ptr<HealthPhase> health;
  std::unique_ptr<ManualTracingPhase> tracing;
};
inline Driven drive(const SimConfig& c, const std::vector<std::uint32_t>& cases,
                    const std::vector<std::vector<Visit>>& visits, std::uint32_t days,
                    const std::vector<std::vector<MetPair>>& recalled = {}) {
  Driven d;
  d.world = make_world(c);
  d.health = std::make_unique<HealthPhase>(*d.world);
  d.tracing = std::make_unique<ManualTracingPhase>(*d.world);
  for (const std::uint32_t p : cases) d.health->order_test(p, 0);
  for (std::uint32_t t = 0; t < days; ++t) {
    DailyStats st;
    std::vector<std::uint32_t> uploaders;
    d.health->run(t, st, uploaders);
    d.tracing->run(t, *d.health, st);
    d.tracing->record(t, t < recalled.size() ? recalled[t] : std::vector<MetPair>{},
                      t < visits.size() ? grouped(visits[t]) : std::vector<Visit>{});
  }
  return d;
}

constexpr int kAt19 = 19 * 60;

inline Visit visit(std::uint32_t person, std::uint32_t venue, int arrival, int minutes) {
  return {person, venue, static_cast<std::uint16_t>(arrival), static_cast<std::uint16_t>(minutes)};
}

}  // namespace greenlight::sim::internal

namespace greenlight::sim {

// A whole run whose tracing a test recounts: 3,000 people without the app, 60 days, seed
// 5, 30 first cases, manual tracing with `workers_per_100k` tracers.
inline SimConfig traced_run(double workers_per_100k) {
  SimConfig c = small(3000, 60, 5);
  c.app.uptake = 0;
  c.disease.initial_infections = 30;
  c.manual_tracing.enabled = true;
  c.manual_tracing.workers_per_100k = workers_per_100k;
  return c;
}

}  // namespace greenlight::sim

#include "greenlight/sim/simulation.h"

#include <array>
#include <catch2/catch.hpp>
#include <utility>

#include "greenlight/sim/config.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"

namespace greenlight::sim {
namespace {

SimConfig small(std::uint32_t people, std::uint32_t days, std::uint64_t seed) {
  SimConfig c;
  c.population.people = people;
  c.run.days = days;
  c.run.seed = seed;
  c.run.threads = 2;
  c.run.baseline = false;
  return c;
}

struct Outcome {
  std::string csv;
  RunSummary summary;
  std::vector<DailyStats> daily;
};

Outcome run(const SimConfig& c) {
  InMemoryPublisher publisher;
  auto sim = Simulation::create(c, publisher);
  REQUIRE(sim);
  REQUIRE((*sim)->run());
  return {daily_csv((*sim)->daily()), (*sim)->summary(), (*sim)->daily()};
}

}  // namespace

TEST_CASE("the same seed gives the same CSV bytes, at any thread count") {
  SimConfig c = small(1500, 25, 7);
  c.disease.initial_infections = 15;
  const Outcome a = run(c);
  const Outcome b = run(c);
  CHECK(a.csv == b.csv);
  c.run.threads = 1;
  const Outcome one_thread = run(c);
  CHECK(a.csv == one_thread.csv);
  // The run is not trivial: there is an epidemic and the app is used.
  CHECK(a.summary.infections > c.disease.initial_infections);
  CHECK(a.daily.back().runs_stored > 0);
  c.run.seed = 8;
  CHECK(run(c).csv != a.csv);
}

TEST_CASE("probing only the uploaders' runs finds what probing every run finds") {
  // The sync probes the runs of the keys' uploaders only (every key of the in-memory
  // publisher has a known uploader); run.probe_all_runs probes every stored run.
  SimConfig c = small(3000, 40, 9);
  c.disease.initial_infections = 30;
  c.app.upload_consent = 1;
  const auto hits_of = [](const SimConfig& config) {
    InMemoryPublisher publisher;
    auto sim = Simulation::create(config, publisher);
    REQUIRE(sim);
    REQUIRE((*sim)->run());
    std::vector<std::array<std::uint32_t, 5>> out;
    for (const auto& h : (*sim)->exposure_hits()) {
      out.push_back({h.phone, h.owner, h.exposure_day, h.sync_day, h.windows});
    }
    return std::pair{daily_csv((*sim)->daily()), out};
  };
  const auto [csv, hits] = hits_of(c);
  c.run.probe_all_runs = true;
  const auto [csv_all, hits_all] = hits_of(c);
  INFO("exposure hits " << hits.size());
  REQUIRE(hits.size() > 20);
  CHECK(hits == hits_all);
  CHECK(csv == csv_all);
}

TEST_CASE("with uptake 0 nobody is notified") {
  SimConfig c = small(1500, 30, 3);
  c.app.uptake = 0;
  c.disease.initial_infections = 20;
  const Outcome o = run(c);
  CHECK(o.summary.app_users == 0);
  CHECK(o.summary.infections > c.disease.initial_infections);
  CHECK(o.summary.positives > 0);
  CHECK(o.summary.uploads == 0);
  CHECK(o.summary.notifications_red == 0);
  CHECK(o.summary.notifications_yellow == 0);
  for (const auto& d : o.daily) {
    CHECK(d.red + d.yellow + d.green == 0);
    CHECK(d.keys_fetched == 0);
    CHECK(d.runs_stored == 0);
  }
}

TEST_CASE(
    "with uptake 100 % and perfect radio every infected contact of a reported case is notified") {
  SimConfig c = small(2000, 35, 11);
  c.disease.initial_infections = 20;
  c.app.uptake = 1;
  c.app.upload_consent = 1;
  c.testing.symptom_isolation = 1;
  c.testing.sensitivity = 1;
  c.radio.perfect = true;
  // Every matched window counts: no minimum duration, no transmission-risk drop.
  c.app.risk.min_window_minutes = 0;
  c.app.risk.drop_trl_at_most = 0;
  c.app.risk.dsos_infectiousness.fill(2);
  c.app.risk.attenuation_weights = {1, 1, 1, 1};
  InMemoryPublisher publisher;
  auto sim = Simulation::create(c, publisher);
  REQUIRE(sim);
  REQUIRE((*sim)->run());
  const RunSummary s = (*sim)->summary();
  INFO("uploads " << s.uploads << ", infected contacts of uploaded cases "
                  << s.infected_contacts_notified.total);
  REQUIRE(s.uploads > 0);
  REQUIRE(s.infected_contacts_notified.total >= 10);
  CHECK(s.infected_contacts_notified.hits == s.infected_contacts_notified.total);

  // The same from the raw ground truth: for every fetched (case, day) key, everyone that
  // case infected on that day matched it.
  const auto infection_day = (*sim)->infection_day();
  const auto infector = (*sim)->infector();
  const auto& hits = (*sim)->exposure_hits();
  std::size_t checked = 0;
  for (const auto& k : (*sim)->fetched_keys()) {
    if (k.sync_day - k.day > 14) continue;
    for (std::uint32_t p = 0; p < infector.size(); ++p) {
      if (infector[p] != k.owner || infection_day[p] != static_cast<std::int32_t>(k.day)) continue;
      ++checked;
      bool found = false;
      for (const auto& h : hits) {
        found = found ||
                (h.phone == p && h.owner == k.owner && h.exposure_day == k.day && h.windows > 0);
      }
      CAPTURE(p, k.owner, k.day);
      CHECK(found);
    }
  }
  CHECK(checked == s.infected_contacts_notified.total);
}

TEST_CASE("with the app on, fewer people are infected than with it off (same seed)") {
  SimConfig c = small(3000, 45, 5);
  c.disease.initial_infections = 20;
  c.app.upload_consent = 1;
  c.app.uptake = 0;
  const Outcome off = run(c);
  c.app.uptake = 0.9;
  const Outcome on = run(c);
  INFO("infections without app " << off.summary.infections << ", with app "
                                 << on.summary.infections);
  CHECK(on.summary.notifications_red > 0);
  CHECK(on.summary.infections < off.summary.infections);
}

TEST_CASE("isolating people meet only their household") {
  SimConfig c = small(800, 12, 2);
  c.disease.initial_infections = 800;  // everyone infected at once: nobody left to infect
  c.disease.false_symptom_rate = 0;
  c.testing.symptom_isolation = 1;
  const Outcome o = run(c);
  // Contacts fall once symptomatic people isolate.
  CHECK(o.daily.back().isolating > 0);
  CHECK(o.daily.back().contacts < o.daily.front().contacts);
  CHECK(o.summary.infections == 800);
}

}  // namespace greenlight::sim

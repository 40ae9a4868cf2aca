// Imported cases (disease.imports_per_day, imports_region; docs/simulation.md "Imported
// cases"): a Poisson number a day of susceptible people infected from outside, in their region.
#include <algorithm>
#include <catch2/catch.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "sim_test_runs.h"

namespace greenlight::sim {

TEST_CASE("imports: a Poisson number a day, without an infector, in the imports' region") {
  SimConfig c = small(8000, 60, 4);
  c.population.regions = 4;
  c.disease.seed_region = 3;
  c.disease.initial_infections = 10;
  c.disease.imports_per_day = 4;
  c.disease.imports_region = 1;
  c.disease.transmission_changes = {{0, 0}};  // nobody infects anybody: only seeds and imports
  REQUIRE(validate_config(c));
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  const Population& pop = sim->population();
  const auto& daily = sim->daily();
  REQUIRE(daily.size() == 60);
  // Each day's imported people: infected that day, without an infector, in region 1; the
  // initial cases all in region 3; nobody else infected.
  std::vector<std::uint32_t> by_day(60, 0);
  std::vector<std::uint32_t> by_region(4, 0);
  for (const Infection& i : sim->infections()) {
    CHECK(i.infector == kNoPerson);
    const std::uint32_t r = pop.region_of(i.person);
    ++by_region[r];
    if (r == 1) ++by_day[static_cast<std::size_t>(i.day)];
  }
  std::vector<double> counts;
  for (std::uint32_t t = 0; t < 60; ++t) {
    CAPTURE(t);
    CHECK(daily[t].imported == by_day[t]);
    CHECK(daily[t].new_infections == 0);
    counts.push_back(daily[t].imported);
  }
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  CHECK(by_region == std::vector<std::uint32_t>{0, static_cast<std::uint32_t>(total), 0, 10});
  CHECK(static_cast<double>(daily.back().cumulative_infections) == 10 + total);
  CHECK(static_cast<double>(sim->summary().imported) == total);  // sweep.csv's column
  // 240 expected (sd 15.5); a Poisson count's variance is its mean (4; a fixed 4 a day: 0).
  CHECK(total == Approx(240).margin(50));
  double var = 0;
  for (const double x : counts) var += (x - total / 60) * (x - total / 60);
  var /= 59;
  CHECK(var > 1.8);
  CHECK(var < 7);
  // The same run without imports: the initial cases only.
  c.disease.imports_per_day = 0;
  InMemoryPublisher other;
  const auto none = ran(c, other);
  CHECK(none->daily().back().cumulative_infections == 10);
  CHECK(none->daily().back().imported == 0);
}

TEST_CASE("imports: they alone may start an epidemic, and the report names them") {
  SimConfig c = small(4000, 40, 9);
  c.disease.initial_infections = 0;
  c.disease.imports_per_day = 1;
  REQUIRE(validate_config(c));
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  std::uint64_t imported = 0;
  std::uint64_t transmitted = 0;
  for (const DailyStats& d : sim->daily()) {
    imported += d.imported;
    transmitted += d.new_infections;
  }
  CHECK(imported > 20);
  CHECK(transmitted > imported);  // the imported cases infected others
  CHECK(sim->daily().back().cumulative_infections == imported + transmitted);

  ReportInput in;
  in.config = &c;
  in.app = sim->summary();
  in.app_daily = sim->daily();
  const std::string report = format_report(in);
  CAPTURE(report);
  CHECK(report.find("imports: 1 cases a day from outside (Poisson mean), anywhere\n") !=
        std::string::npos);
  CHECK(report.find("  imported cases                       " + std::to_string(imported)) !=
        std::string::npos);
  CHECK(daily_csv(sim->daily()).find(",imported,") != std::string::npos);
}

TEST_CASE("imports: settings checked") {
  SimConfig c;
  c.disease.initial_infections = 0;
  const Status no_seed = validate_config(c);
  REQUIRE_FALSE(no_seed);
  CHECK(no_seed.error().message ==
        "disease.initial_infections must be in [1, population.people] (0 only with "
        "disease.imports_per_day)");
  c.disease.imports_per_day = 0.5;
  CHECK(validate_config(c));
  c.disease.imports_per_day = -1;
  CHECK(validate_config(c).error().message == "disease.imports_per_day must be in [0, 100000]");
  c.disease.imports_per_day = 2;
  c.disease.imports_region = 1;  // one region: only -1 or 0
  CHECK(validate_config(c).error().message ==
        "disease.imports_region must be -1 (anywhere) or a region in [0, population.regions)");
  c.population.regions = 2;
  c.population.people = 1000;
  CHECK(validate_config(c));
  // Read and written with the rest.
  auto back = config_from_json(config_to_json(c));
  REQUIRE(back);
  CHECK(back->disease.imports_per_day == 2);
  CHECK(back->disease.imports_region == 1);
}

}  // namespace greenlight::sim

// `sim sweep` with a varied setting (experiment.h run_sweep, SweepVary).
#include <catch2/catch.hpp>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/experiment.h"
#include "greenlight/sim/report.h"
#include "sim_test_runs.h"

namespace greenlight::sim {

TEST_CASE("a sweep's varied setting runs each value with every uptake and seed, as --set") {
  const SimConfig base = [] {
    SimConfig c = small(2000, 30, 3);
    c.disease.initial_infections = 20;
    return c;
  }();
  const SweepVary vary{"vaccination.people_per_day_per_100k", {0, 2000}};
  const std::vector<double> uptakes{0, 0.6};
  const std::vector<std::uint64_t> seeds{3, 4};
  auto points = run_sweep(base, uptakes, seeds, {}, Ranks::single(), &vary);
  REQUIRE(points);
  REQUIRE(points->size() == 8);  // value x uptake x seed, in that order
  for (std::size_t i = 0; i < points->size(); ++i) {
    const SweepPoint& p = (*points)[i];
    CAPTURE(i);
    CHECK(p.value == vary.values[i / 4]);
    CHECK(p.uptake == uptakes[(i / 2) % 2]);
    CHECK(p.seed == seeds[i % 2]);
    // The same run as the configuration with the setting given by --set.
    SimConfig c = base;
    REQUIRE(apply_override(c, vary.key + "=" + std::to_string(p.value)));
    c.app.uptake = p.uptake;
    c.run.seed = p.seed;
    auto one = run_once(c);
    REQUIRE(one);
    CHECK(one->summary.infections == p.summary.infections);
    CHECK(one->summary.vaccinated == p.summary.vaccinated);
    CHECK((p.summary.vaccinated > 0) == (p.value > 0));
  }
  // Without a varied setting every value is 0.
  auto plain = run_sweep(base, uptakes, std::vector<std::uint64_t>{3});
  REQUIRE(plain);
  CHECK(plain->size() == 2);
  CHECK((*plain)[1].value == 0);
  CHECK((*plain)[1].summary.infections == (*points)[2].summary.infections);
  // A setting that is not a number, or that the sweep varies itself, is refused.
  const SweepVary unknown{"vaccination.doses", {1}};
  CHECK_FALSE(run_sweep(base, uptakes, seeds, {}, Ranks::single(), &unknown));
  const SweepVary uptake{"app.uptake", {0.5}};
  const auto refused = run_sweep(base, uptakes, seeds, {}, Ranks::single(), &uptake);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("by its uptakes and seeds") != std::string::npos);
}

}  // namespace greenlight::sim

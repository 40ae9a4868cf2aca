// `sim sweep` with a varied setting (experiment.h run_sweep, SweepVary).
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <string>
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
  const std::vector<SweepVary> vary{{"vaccination.people_per_day_per_100k", {0, 2000}}};
  const std::vector<double> uptakes{0, 0.6};
  const std::vector<std::uint64_t> seeds{3, 4};
  auto points = run_sweep(base, uptakes, seeds, {}, Ranks::single(), vary);
  REQUIRE(points);
  REQUIRE(points->size() == 8);  // value x uptake x seed, in that order
  for (std::size_t i = 0; i < points->size(); ++i) {
    const SweepPoint& p = (*points)[i];
    CAPTURE(i);
    CHECK(p.values[0] == vary[0].values[i / 4]);
    CHECK(p.values[1] == 0);
    CHECK(p.uptake == uptakes[(i / 2) % 2]);
    CHECK(p.seed == seeds[i % 2]);
    // The same run as the configuration with the setting given by --set.
    SimConfig c = base;
    REQUIRE(apply_override(c, vary[0].key + "=" + std::to_string(p.values[0])));
    c.app.uptake = p.uptake;
    c.run.seed = p.seed;
    auto one = run_once(c);
    REQUIRE(one);
    CHECK(one->summary.infections == p.summary.infections);
    CHECK(one->summary.vaccinated == p.summary.vaccinated);
    CHECK((p.summary.vaccinated > 0) == (p.values[0] > 0));
  }
  // Each run's curve: its days, the summary's deaths and peak on them.
  std::vector<std::vector<SweepDay>> curves;
  auto again = run_sweep(base, uptakes, seeds, {}, Ranks::single(), vary, nullptr, &curves);
  REQUIRE(again);
  REQUIRE(curves.size() == 8);
  for (std::size_t i = 0; i < curves.size(); ++i) {
    CAPTURE(i);
    const RunSummary& s = (*again)[i].summary;
    CHECK(s.infections == (*points)[i].summary.infections);
    REQUIRE(curves[i].size() == base.run.days);
    CHECK(curves[i].back().deaths == s.deaths);
    std::uint32_t peak = 0;
    for (const SweepDay& d : curves[i]) peak = std::max(peak, d.infectious);
    CHECK(peak == s.peak_infectious);
  }
  // sweep_daily.csv: the varied key first, a line per value, uptake and day.
  const std::string daily = sweep_daily_csv(*again, curves, std::vector<std::string>{vary[0].key});
  CHECK(daily.rfind("vaccination.people_per_day_per_100k,uptake,day,runs,new_infections_median,",
                    0) == 0);
  CHECK(std::count(daily.begin(), daily.end(), '\n') == 1 + 2 * 2 * 30);
  CHECK(daily.find("\n2000,0.6000,29,2,") != std::string::npos);

  // Without a varied setting every value is 0.
  auto plain = run_sweep(base, uptakes, std::vector<std::uint64_t>{3});
  REQUIRE(plain);
  CHECK(plain->size() == 2);
  CHECK((*plain)[1].values[0] == 0);
  CHECK((*plain)[1].summary.infections == (*points)[2].summary.infections);
  // A setting that is not a number, or that the sweep varies itself, is refused.
  const std::vector<SweepVary> unknown{{"vaccination.doses", {1}}};
  CHECK_FALSE(run_sweep(base, uptakes, seeds, {}, Ranks::single(), unknown));
  const std::vector<SweepVary> uptake{{"app.uptake", {0.5}}};
  const auto refused = run_sweep(base, uptakes, seeds, {}, Ranks::single(), uptake);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("by its uptakes and seeds") != std::string::npos);
  // Settings no run of a sweep depends on (it runs without a baseline; threads give the same
  // bytes): each value would be the same runs under another label.
  for (const char* key : {"run.baseline", "run.threads"}) {
    const std::vector<SweepVary> same{{key, {1, 2}}};
    const auto no_change = run_sweep(base, uptakes, seeds, {}, Ranks::single(), same);
    REQUIRE_FALSE(no_change);
    CHECK(no_change.error().message.find("changes no run of a sweep") != std::string::npos);
  }
  const std::vector<SweepVary> twice{{"variant.day", {1}}, {"variant.day", {2}}};
  CHECK_FALSE(run_sweep(base, uptakes, seeds, {}, Ranks::single(), twice));
  const std::vector<SweepVary> four{{"variant.day", {1}},
                                    {"variant.imports", {1}},
                                    {"testing.max_wait_days", {1}},
                                    {"app.start_day", {1}}};
  CHECK_FALSE(run_sweep(base, uptakes, seeds, {}, Ranks::single(), four));
}

TEST_CASE("a sweep of two varied settings runs every combination of their values") {
  SimConfig base = small(1500, 20, 5);
  base.disease.initial_infections = 15;
  const std::vector<SweepVary> vary{{"testing.tests_per_day_per_100k", {0, 300}},
                                    {"variant.imports", {0, 5, 10}}};
  const std::vector<double> uptakes{0.5};
  const std::vector<std::uint64_t> seeds{5};
  auto points = run_sweep(base, uptakes, seeds, {}, Ranks::single(), vary);
  REQUIRE(points);
  REQUIRE(points->size() == 6);  // the first setting slowest
  const std::vector<std::array<double, 2>> want{{0, 0},   {0, 5},   {0, 10},
                                                {300, 0}, {300, 5}, {300, 10}};
  for (std::size_t i = 0; i < 6; ++i) {
    const SweepPoint& p = (*points)[i];
    CAPTURE(i);
    CHECK(p.values[0] == want[i][0]);
    CHECK(p.values[1] == want[i][1]);
    CHECK(p.values[2] == 0);
    // The variant's imports count in its infections; the test capacity shows in the backlog.
    CHECK(p.summary.variant_infections >= static_cast<std::uint64_t>(want[i][1]));
    CHECK((p.summary.variant_infections > 0) == (want[i][1] > 0));
    if (want[i][0] == 0) CHECK(p.summary.peak_test_backlog == 0);
  }
  // The tables and the CSV name both settings.
  const std::vector<std::string> keys{vary[0].key, vary[1].key};
  const std::string table = format_sweep(*points, keys);
  CHECK(table.starts_with("testing.tests_per_day_per_100k = 0, variant.imports = 0\n"));
  CHECK(table.find("\ntesting.tests_per_day_per_100k = 300, variant.imports = 10\n") !=
        std::string::npos);
  const std::string csv = sweep_csv(*points, keys);
  CHECK(csv.starts_with("testing.tests_per_day_per_100k,variant.imports,uptake,seed,"));
  CHECK(csv.find("\n300,5,0.5000,5,") != std::string::npos);
}

TEST_CASE("a sweep varies a switch as 0 and 1") {
  SimConfig base = small(1500, 20, 5);
  base.disease.initial_infections = 15;
  const std::vector<SweepVary> vary{{"manual_tracing.enabled", {0, 1}}};
  auto points = run_sweep(base, std::vector<double>{0.5}, std::vector<std::uint64_t>{5}, {},
                          Ranks::single(), vary);
  REQUIRE(points);
  REQUIRE(points->size() == 2);
  CHECK((*points)[0].summary.manual_interviews == 0);
  CHECK((*points)[1].summary.manual_interviews > 0);
}

TEST_CASE("a sweep varies one element of a list setting") {
  SimConfig base = small(1500, 20, 5);
  base.disease.initial_infections = 15;
  base.manual_tracing.enabled = true;
  base.manual_tracing.traceable_fraction = {0, 0, 0, 0};
  // Only the event halls' lists: none, then every visit listed.
  const std::vector<SweepVary> vary{{"manual_tracing.guest_lists[2]", {0, 1}}};
  auto points = run_sweep(base, std::vector<double>{0}, std::vector<std::uint64_t>{5}, {},
                          Ranks::single(), vary);
  REQUIRE(points);
  REQUIRE(points->size() == 2);
  CHECK((*points)[0].summary.manual_traced == 0);
  CHECK((*points)[1].summary.manual_traced_from_lists > 0);
  CHECK((*points)[1].summary.manual_traced == (*points)[1].summary.manual_traced_from_lists);
  const std::vector<std::string> keys{"manual_tracing.guest_lists[2]"};
  CHECK(sweep_csv(*points, keys).starts_with("manual_tracing.guest_lists[2],uptake,"));
}

}  // namespace greenlight::sim

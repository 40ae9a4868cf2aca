// Fitting to observed data (fit.h, `greenlight sim fit`).
#include "greenlight/sim/fit.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/experiment.h"
#include "greenlight/sim/report.h"
#include "sim_test_runs.h"

namespace greenlight::sim {
namespace {

// The message of a refused observation file.
std::string refused(const std::string& csv, std::uint32_t days = 40) {
  auto o = parse_observed(csv, days);
  REQUIRE_FALSE(o);
  return o.error().message;
}

}  // namespace

TEST_CASE("observations are read from day,COLUMN CSV and bad ones are refused by line") {
  auto o =
      parse_observed("# a country's positive tests\r\nday,positives\r\n3,10\n\n5,12.5\n9,0\n", 40);
  REQUIRE(o);
  CHECK(o->column == "positives");
  REQUIRE(o->days.size() == 3);
  CHECK(o->days[0] == std::pair<std::uint32_t, double>{3, 10});
  CHECK(o->days[1] == std::pair<std::uint32_t, double>{5, 12.5});
  CHECK(o->days[2] == std::pair<std::uint32_t, double>{9, 0});
  CHECK(o->total() == 22.5);
  CHECK(refused("day,cases\n1,2\n").find("line 1: expected the header day,COLUMN") == 0);
  CHECK(refused("when,positives\n1,2\n").find("line 1: expected the header") == 0);
  CHECK(refused("day,positives\n1,2,3\n") ==
        "line 2: expected two comma-separated fields, got '1,2,3'");
  CHECK(refused("day,positives\n4,2\n4,3\n") == "line 3: day 4 does not follow day 4");
  CHECK(refused("day,positives\n40,2\n") == "line 2: day 40 is not in the run (run.days 40)");
  CHECK(refused("day,positives\n-1,2\n") ==
        "line 2: expected a day (a non-negative integer), got '-1'");
  CHECK(refused("day,positives\n1,-2\n") == "line 2: expected a non-negative number, got '-2'");
  CHECK(refused("day,positives\n1,x\n") == "line 2: expected a non-negative number, got 'x'");
  CHECK(refused("day,positives\n") == "no observed day");
  CHECK(refused("") == "no header day,COLUMN");
}

TEST_CASE("the mismatch is the absolute distance over the observed total") {
  auto o = parse_observed("day,deaths\n1,2\n2,6\n", 10);
  REQUIRE(o);
  CHECK(fit_mismatch(std::vector<double>{2, 6}, *o) == 0);
  CHECK(fit_mismatch(std::vector<double>{4, 2}, *o) == Approx(6.0 / 8));
  auto zero = parse_observed("day,deaths\n1,0\n", 10);
  REQUIRE(zero);
  CHECK(fit_mismatch(std::vector<double>{3}, *zero) == 3);  // nothing observed: the distance
}

TEST_CASE("a fit finds the value and seed that made the observations") {
  // Observations: the positives of every third day of a run with infectious_rate 6.5.
  SimConfig c = small(3000, 40, 11);
  c.disease.initial_infections = 30;
  SimConfig truth = c;
  truth.disease.infectious_rate = 6.5;
  auto outcome = run_once(truth);
  REQUIRE(outcome);
  std::string csv = "day,positives\n";
  std::vector<double> expected;
  for (std::uint32_t d = 10; d < 40; d += 3) {
    csv += strprintf("%u,%u\n", d, outcome->daily[d].positives);
    expected.push_back(outcome->daily[d].positives);
  }
  auto observed = parse_observed(csv, 40);
  REQUIRE(observed);
  REQUIRE(observed->total() > 20);
  const std::vector<double> values{4.5, 6.5, 9};
  const std::vector<std::uint64_t> seeds{12, 11};
  std::size_t reported = 0;
  auto points = run_fit(c, "disease.infectious_rate", values, seeds, *observed,
                        [&](const FitPoint&) { ++reported; });
  REQUIRE(points);
  REQUIRE(points->size() == 6);
  CHECK(reported == 6);
  // Value slowest, then seed, in the order given.
  CHECK((*points)[0].value == 4.5);
  CHECK((*points)[0].seed == 12);
  CHECK((*points)[3].value == 6.5);
  CHECK((*points)[3].seed == 11);
  CHECK((*points)[3].mismatch == 0);
  CHECK((*points)[3].model == expected);
  for (const FitPoint& p : *points) {
    CAPTURE(p.value, p.seed);
    CHECK(p.model.size() == expected.size());
    CHECK(p.mismatch == fit_mismatch(p.model, *observed));
    if (p.value != 6.5 || p.seed != 11) CHECK(p.mismatch > 0);
  }
  // Ranked by mean mismatch over the seeds; with the observations' seed alone the true value
  // is best, its mismatch 0.
  const auto ranked = rank_fit(*points);
  REQUIRE(ranked.size() == 3);
  CHECK(ranked[0].mean <= ranked[1].mean);
  CHECK(ranked[1].mean <= ranked[2].mean);
  for (const FitRank& r : ranked) CHECK((r.value == 6.5) == (r.min == 0));
  auto alone =
      run_fit(c, "disease.infectious_rate", values, std::vector<std::uint64_t>{11}, *observed);
  REQUIRE(alone);
  CHECK(rank_fit(*alone)[0].value == 6.5);
  CHECK(rank_fit(*alone)[0].mean == 0);
  const std::string table = format_fit("disease.infectious_rate", *alone, *observed);
  CAPTURE(table);
  CHECK(
      table.starts_with("Fit of disease.infectious_rate to 10 observed days of positives "
                        "(from day 10 to 37,"));
  CHECK(table.find("\n6.5              0.0000     0.0000     0.0000 - 0.0000    best\n") !=
        std::string::npos);
  const std::string out = fit_csv("disease.infectious_rate", *points, *observed);
  CHECK(out.starts_with("disease.infectious_rate,seed,mismatch,day_10,day_13,"));
  CHECK(out.find("\n6.5,11,0.000000,") != std::string::npos);
  // A key the fit cannot vary, a bad value, observations beyond the run.
  CHECK_FALSE(run_fit(c, "run.seed", values, seeds, *observed));
  CHECK_FALSE(run_fit(c, "disease.infectious_rate", std::vector<double>{-1}, seeds, *observed));
  SimConfig shorter = c;
  shorter.run.days = 20;
  CHECK_FALSE(run_fit(shorter, "disease.infectious_rate", values, seeds, *observed));
}

}  // namespace greenlight::sim

// Fitting to observed data (fit.h, `greenlight sim fit`).
#include "greenlight/sim/fit.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/experiment.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/sweep_journal.h"
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
  auto o = parse_observed(
      "# a country's positive tests and deaths\r\nday,positives,new_deaths\r\n3,10,0\n\n"
      "5,12.5,1\n9,0,2\n",
      40);
  REQUIRE(o);
  CHECK(o->columns == std::vector<std::string>{"positives", "new_deaths"});
  CHECK(o->days == std::vector<std::uint32_t>{3, 5, 9});
  CHECK(o->values[0] == std::vector<double>{10, 12.5, 0});
  CHECK(o->values[1] == std::vector<double>{0, 1, 2});
  CHECK(o->total(0) == 22.5);
  CHECK(o->total(1) == 3);
  // A byte-order mark (spreadsheet programs write one) is no part of the header.
  auto marked = parse_observed(
      "\xEF\xBB\xBF"
      "day,positives\n3,10\n",
      40);
  REQUIRE(marked);
  CHECK(marked->columns == std::vector<std::string>{"positives"});
  CHECK(refused("day,cases\n1,2\n").find("line 1: expected the header day,COLUMN") == 0);
  CHECK(refused("when,positives\n1,2\n").find("line 1: expected the header") == 0);
  CHECK(refused("day,positives,positives\n1,2,3\n").find("line 1: expected the header") == 0);
  CHECK(refused("day,positives\n1,2,3\n") ==
        "line 2: expected 2 comma-separated fields, got '1,2,3'");
  CHECK(refused("day,positives\n4,2\n4,3\n") == "line 3: day 4 does not follow day 4");
  CHECK(refused("day,positives\n40,2\n") == "line 2: day 40 is not in the run (run.days 40)");
  CHECK(refused("day,positives\n-1,2\n") ==
        "line 2: expected a day (a non-negative integer), got '-1'");
  CHECK(refused("day,positives\n1,-2\n") == "line 2: expected a non-negative number, got '-2'");
  CHECK(refused("day,positives,new_deaths\n1,2,x\n") ==
        "line 2: expected a non-negative number, got 'x'");
  CHECK(refused("day,positives\n") == "no observed day");
  CHECK(refused("") == "no header day,COLUMN");
}

TEST_CASE("the mismatch is the absolute distance over the observed total, summed by column") {
  auto o = parse_observed("day,new_deaths\n1,2\n2,6\n", 10);
  REQUIRE(o);
  CHECK(fit_mismatch(std::vector<double>{2, 6}, *o) == 0);
  CHECK(fit_mismatch(std::vector<double>{4, 2}, *o) == Approx(6.0 / 8));
  auto zero = parse_observed("day,new_deaths\n1,0\n", 10);
  REQUIRE(zero);
  CHECK(fit_mismatch(std::vector<double>{3}, *zero) == 3);  // nothing observed: the distance
  auto two = parse_observed("day,positives,new_deaths\n1,10,1\n2,30,1\n", 10);
  REQUIRE(two);
  CHECK(fit_mismatch(std::vector<double>{20, 30, 1, 2}, *two) == Approx(10.0 / 40 + 1.0 / 2));
}

TEST_CASE("a fit finds the values and seed that made the observations") {
  // Observations: the positives and the tests of every third day of a run with
  // infectious_rate 6.5 and 20 initial cases.
  SimConfig c = small(3000, 40, 11);
  SimConfig truth = c;
  truth.disease.infectious_rate = 6.5;
  truth.disease.initial_infections = 20;
  auto outcome = run_once(truth);
  REQUIRE(outcome);
  std::string csv = "day,positives,tests\n";
  std::vector<double> expected(20);
  for (std::uint32_t i = 0; i < 10; ++i) {
    const std::uint32_t d = 10 + 3 * i;
    csv += strprintf("%u,%u,%u\n", d, outcome->daily[d].positives, outcome->daily[d].tests);
    expected[i] = outcome->daily[d].positives;
    expected[10 + i] = outcome->daily[d].tests;
  }
  auto observed = parse_observed(csv, 40);
  REQUIRE(observed);
  REQUIRE(observed->total(0) > 20);
  const std::vector<SweepVary> vary{{"disease.infectious_rate", {4.5, 6.5, 9}},
                                    {"disease.initial_infections", {10, 20}}};
  const std::vector<std::uint64_t> seeds{12, 11};
  std::size_t reported = 0;
  auto points = run_fit(c, vary, seeds, *observed, [&](const FitPoint&) { ++reported; });
  REQUIRE(points);
  REQUIRE(points->size() == 12);
  CHECK(reported == 12);
  // The first setting slowest, then the second, then the seed, in the order given.
  CHECK((*points)[0].values[0] == 4.5);
  CHECK((*points)[0].values[1] == 10);
  CHECK((*points)[0].seed == 12);
  const FitPoint& truth_point = (*points)[7];  // 6.5, 20, seed 11
  CHECK(truth_point.values[0] == 6.5);
  CHECK(truth_point.values[1] == 20);
  CHECK(truth_point.seed == 11);
  CHECK(truth_point.mismatch == 0);
  CHECK(truth_point.model == expected);
  for (const FitPoint& p : *points) {
    CAPTURE(p.values[0], p.values[1], p.seed);
    CHECK(p.model.size() == expected.size());
    CHECK(p.mismatch == fit_mismatch(p.model, *observed));
    if (&p != &truth_point) CHECK(p.mismatch > 0);
  }
  // Ranked by mean mismatch over the seeds; with the observations' seed alone the true
  // values are best, their mismatch 0.
  const auto ranked = rank_fit(*points);
  REQUIRE(ranked.size() == 6);
  for (std::size_t i = 1; i < ranked.size(); ++i) CHECK(ranked[i - 1].mean <= ranked[i].mean);
  for (const FitRank& r : ranked) CHECK((r.values == truth_point.values) == (r.min == 0));
  auto alone = run_fit(c, vary, std::vector<std::uint64_t>{11}, *observed);
  REQUIRE(alone);
  CHECK(rank_fit(*alone)[0].values == truth_point.values);
  CHECK(rank_fit(*alone)[0].mean == 0);
  const std::vector<std::string> keys{"disease.infectious_rate", "disease.initial_infections"};
  const std::string table = format_fit(keys, *alone, *observed);
  CAPTURE(table);
  CHECK(table.starts_with("Fit to 10 observed days (from day 10 to 37) of positives ("));
  CHECK(table.find("\n    0.0000     0.0000     0.0000 - 0.0000    disease.infectious_rate = "
                   "6.5, disease.initial_infections = 20  (best)\n") != std::string::npos);
  const std::string out = fit_csv(keys, *points, *observed);
  CHECK(
      out.starts_with("disease.infectious_rate,disease.initial_infections,seed,mismatch,"
                      "positives_10,positives_13,"));
  CHECK(out.find(",positives_37,tests_10,") != std::string::npos);
  CHECK(out.find("\nobserved,,,,") != std::string::npos);
  CHECK(out.find("\n6.5,20,11,0.000000,") != std::string::npos);
  // A setting the fit cannot vary, one varied twice, a bad value, observations beyond the run.
  CHECK_FALSE(run_fit(c, std::vector<SweepVary>{{"run.seed", {1}}}, seeds, *observed));
  for (const char* key : {"run.baseline", "run.threads"}) {
    const auto same = run_fit(c, std::vector<SweepVary>{{key, {1, 2}}}, seeds, *observed);
    REQUIRE_FALSE(same);
    CHECK(same.error().message.find("changes no run of a fit") != std::string::npos);
  }
  CHECK_FALSE(run_fit(c, std::vector<SweepVary>{vary[0], vary[0]}, seeds, *observed));
  CHECK_FALSE(
      run_fit(c, std::vector<SweepVary>{{"disease.infectious_rate", {-1}}}, seeds, *observed));
  SimConfig shorter = c;
  shorter.run.days = 20;
  CHECK_FALSE(run_fit(shorter, vary, seeds, *observed));
}

TEST_CASE("an interrupted fit resumed from its journal gives the uninterrupted fit's points") {
  namespace fs = std::filesystem;
  SimConfig c = small(2000, 30, 4);
  auto observed = parse_observed("day,positives,tests\n10,1,5\n20,3,9\n29,4,12\n", 30);
  REQUIRE(observed);
  const std::vector<SweepVary> vary{{"disease.infectious_rate", {5, 6.5}}};
  const std::vector<std::uint64_t> seeds{1, 2};
  const auto whole = run_fit(c, vary, seeds, *observed);
  REQUIRE(whole);
  std::string tmpl = (fs::temp_directory_path() / "greenlight-fit-XXXXXX").string();
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  const fs::path dir = fs::path(tmpl) / "fit-runs";
  struct Interrupted {};
  {
    auto journal = SweepJournal::open(dir, false);
    REQUIRE(journal);
    std::size_t finished = 0;
    CHECK_THROWS_AS(run_fit(
                        c, vary, seeds, *observed,
                        [&](const FitPoint&) {
                          if (++finished == 2) throw Interrupted{};
                        },
                        Ranks::single(), &*journal),
                    Interrupted);
  }
  auto journal = SweepJournal::open(dir, true);
  REQUIRE(journal);
  CHECK(journal->runs_at_open() == 2);
  const auto resumed = run_fit(c, vary, seeds, *observed, {}, Ranks::single(), &*journal);
  REQUIRE(resumed);
  REQUIRE(resumed->size() == whole->size());
  for (std::size_t i = 0; i < whole->size(); ++i) {
    CAPTURE(i);
    CHECK((*resumed)[i].from_journal == (i < 2));
    CHECK((*resumed)[i].mismatch == (*whole)[i].mismatch);
    CHECK((*resumed)[i].model == (*whole)[i].model);
  }
  // The recorded days are the run's, whole; a run recorded without its days has none.
  SimConfig first = c;
  first.disease.infectious_rate = 5;
  first.run.seed = 1;
  first.run.baseline = false;
  auto days = journal->find_days(first);
  REQUIRE(days);
  REQUIRE(days->has_value());
  auto outcome = run_once(first);
  REQUIRE(outcome);
  CHECK(daily_csv(**days) == daily_csv(outcome->daily));
  // A file holding fewer days than its run is refused (the fit took the missing days as zeros).
  const std::span<const DailyStats> cut(outcome->daily.data(), outcome->daily.size() - 1);
  REQUIRE(journal->record_days(first, outcome->summary, cut));
  auto short_days = journal->find_days(first);
  REQUIRE_FALSE(short_days);
  CAPTURE(short_days.error().message);
  CHECK(short_days.error().message.find("holds " + std::to_string(cut.size()) +
                                        " days, its run has " + std::to_string(first.run.days)) !=
        std::string::npos);
  REQUIRE(journal->record(first, outcome->summary));
  auto without = journal->find_days(first);
  REQUIRE(without);
  CHECK_FALSE(without->has_value());
  fs::remove_all(tmpl);
}

}  // namespace greenlight::sim

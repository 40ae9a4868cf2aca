// An interrupted sweep's finished runs (sweep_journal.h) and run_sweep resuming from them.
#include "greenlight/sim/sweep_journal.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "greenlight/sim/experiment.h"
#include "greenlight/sim/radio_report.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/scenario.h"
#include "sim_test_runs.h"

namespace greenlight::sim {
namespace {

namespace fs = std::filesystem;

// A fresh folder for a test's journal (the journal's own folder inside it does not exist yet).
fs::path journal_dir() {
  std::string tmpl = (fs::temp_directory_path() / "greenlight-journal-XXXXXX").string();
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  return fs::path(tmpl) / "sweep-runs";
}

std::size_t files_in(const fs::path& dir, const std::string& extension) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().extension() == extension;
  return n;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

struct Interrupted {};

SimConfig sweep_base() {
  SimConfig c = small(1500, 20, 3);
  c.disease.initial_infections = 15;
  return c;
}

}  // namespace

TEST_CASE("an interrupted sweep resumed from its journal gives the uninterrupted sweep's points") {
  const SimConfig base = sweep_base();
  const std::vector<double> uptakes{0, 0.6};
  const std::vector<std::uint64_t> seeds{3, 4};
  std::vector<std::vector<SweepDay>> whole_curves;
  const auto whole =
      run_sweep(base, uptakes, seeds, {}, Ranks::single(), {}, nullptr, &whole_curves);
  REQUIRE(whole);
  REQUIRE(whole->size() == 4);

  const fs::path dir = journal_dir();
  {
    auto journal = SweepJournal::open(dir, false);
    REQUIRE(journal);
    CHECK(journal->runs_at_open() == 0);
    CHECK_FALSE(fs::exists(dir));  // nothing made before the first run is finished
    int finished = 0;
    std::vector<std::vector<SweepDay>> cut;
    // The process dies after its second run (as a crash or a time limit would stop it).
    CHECK_THROWS_AS(run_sweep(
                        base, uptakes, seeds,
                        [&](const SweepPoint&) {
                          if (++finished == 2) throw Interrupted{};
                        },
                        Ranks::single(), {}, &*journal, &cut),
                    Interrupted);
  }
  CHECK(files_in(dir, ".json") == 2);
  CHECK(files_in(dir, ".tmp") == 0);

  // Without --resume the folder is not taken over silently.
  const auto refused = SweepJournal::open(dir, false);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("holds 2 finished run(s)") != std::string::npos);
  CHECK(refused.error().message.find("--resume") != std::string::npos);

  auto journal = SweepJournal::open(dir, true);
  REQUIRE(journal);
  CHECK(journal->runs_at_open() == 2);
  SimConfig other_threads = base;  // results never depend on the threads
  other_threads.run.threads = 1;
  // The runs read back bring their days (recorded with them): the same curves.
  std::vector<std::vector<SweepDay>> curves;
  const auto resumed =
      run_sweep(other_threads, uptakes, seeds, {}, Ranks::single(), {}, &*journal, &curves);
  REQUIRE(resumed);
  CHECK(sweep_daily_csv(*resumed, curves) == sweep_daily_csv(*whole, whole_curves));
  REQUIRE(resumed->size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK((*resumed)[i].from_journal == (i < 2));
    CHECK((*resumed)[i].summary.infections == (*whole)[i].summary.infections);
    CHECK((*resumed)[i].summary.red_precision.hits == (*whole)[i].summary.red_precision.hits);
  }
  CHECK(sweep_csv(*resumed) == sweep_csv(*whole));
  CHECK(format_sweep(*resumed) == format_sweep(*whole));
  CHECK(files_in(dir, ".json") == 4);  // the runs done now are recorded too

  const auto removed = journal->remove();
  REQUIRE(removed);
  CHECK(*removed == 0);  // every run was this sweep's
  CHECK_FALSE(fs::exists(dir));
  fs::remove_all(dir.parent_path());
}

TEST_CASE("a resumed sweep removes its own runs and keeps those of other settings") {
  // Two runs of 60 days recorded, then the sweep resumed at 50 days: it reuses none, and at
  // its end removes the runs it recorded but keeps the 60-day ones, and says how many.
  SimConfig base = sweep_base();
  const fs::path dir = journal_dir();
  const std::vector<double> uptakes{0, 0.6};
  const std::vector<std::uint64_t> seeds{3};
  {
    auto first = SweepJournal::open(dir, false);
    REQUIRE(first);
    REQUIRE(run_sweep(base, uptakes, seeds, {}, Ranks::single(), {}, &*first));
    CHECK(files_in(dir, ".json") == 2);
  }
  base.run.days -= 5;
  auto resumed = SweepJournal::open(dir, true);
  REQUIRE(resumed);
  CHECK(resumed->runs_at_open() == 2);
  const auto points = run_sweep(base, uptakes, seeds, {}, Ranks::single(), {}, &*resumed);
  REQUIRE(points);
  for (const auto& p : *points) CHECK_FALSE(p.from_journal);
  CHECK(files_in(dir, ".json") == 4);
  const auto kept = resumed->remove();
  REQUIRE(kept);
  CHECK(*kept == 2);
  CHECK(files_in(dir, ".json") == 2);
  // Resumed at the first length, the sweep uses both, and the folder goes with them.
  base.run.days += 5;
  auto again = SweepJournal::open(dir, true);
  REQUIRE(again);
  const auto reused = run_sweep(base, uptakes, seeds, {}, Ranks::single(), {}, &*again);
  REQUIRE(reused);
  for (const auto& p : *reused) CHECK(p.from_journal);
  const auto none_kept = again->remove();
  REQUIRE(none_kept);
  CHECK(*none_kept == 0);
  CHECK_FALSE(fs::exists(dir));
  fs::remove_all(dir.parent_path());
}

TEST_CASE("an interrupted threshold sweep resumed from its journal gives the same points") {
  const SimConfig base = sweep_base();
  ThresholdSweepSpec spec;
  spec.offsets_db = {0, 4};
  spec.minutes = {13};
  spec.seeds = {3};
  const auto whole = run_threshold_sweep(base, spec);
  REQUIRE(whole);
  const fs::path dir = journal_dir();
  {
    auto journal = SweepJournal::open(dir, false);
    REQUIRE(journal);
    CHECK_THROWS_AS(run_threshold_sweep(
                        base, spec, [](const ThresholdPoint&) { throw Interrupted{}; }, &*journal),
                    Interrupted);
  }
  CHECK(files_in(dir, ".json") == 2);  // the seed's run without the app, and the first point
  auto journal = SweepJournal::open(dir, true);
  REQUIRE(journal);
  const auto resumed = run_threshold_sweep(base, spec, {}, &*journal);
  REQUIRE(resumed);
  REQUIRE(resumed->size() == 2);
  CHECK((*resumed)[0].from_journal);
  CHECK_FALSE((*resumed)[1].from_journal);
  CHECK(threshold_sweep_csv(*resumed) == threshold_sweep_csv(*whole));
  CHECK((*resumed)[1].baseline.infections == (*whole)[1].baseline.infections);
  CHECK(files_in(dir, ".json") == 3);
  fs::remove_all(dir.parent_path());
}

TEST_CASE("an interrupted comparison sweep resumed from its journal gives the same tables") {
  const SimConfig base = sweep_base();
  const std::vector<double> values{0.3, 0.7};
  const std::vector<std::uint64_t> seeds{3};
  const std::string key = "app.uptake";
  const auto whole = run_compare_sweep(base, key, values, seeds);
  REQUIRE(whole);
  const fs::path dir = journal_dir();
  {
    auto journal = SweepJournal::open(dir, false);
    REQUIRE(journal);
    CHECK_THROWS_AS(run_compare_sweep(
                        base, key, values, seeds,
                        [](const CompareSweepPoint&) { throw Interrupted{}; }, &*journal),
                    Interrupted);
  }
  // The first point's four arms (the health code's and manual tracing's runs have no app
  // users, the "none" arm neither: four different configurations).
  const std::size_t recorded = files_in(dir, ".json");
  CHECK(recorded == 4);
  auto journal = SweepJournal::open(dir, true);
  REQUIRE(journal);
  const auto resumed = run_compare_sweep(base, key, values, seeds, {}, &*journal);
  REQUIRE(resumed);
  REQUIRE(resumed->size() == 2);
  CHECK((*resumed)[0].arms_from_journal == 4);
  CHECK(compare_sweep_csv(key, *resumed) == compare_sweep_csv(key, *whole));
  CHECK(format_compare_sweep(key, *resumed) == format_compare_sweep(key, *whole));
  // An arm read back has what was recorded: a fabricated figure comes back.
  const SimConfig arm = comparison_arms([&] {
    SimConfig c = base;
    c.app.uptake = 0.3;
    return c;
  }())[1];
  auto recorded_arm = journal->find_outcome(arm);
  REQUIRE(recorded_arm);
  REQUIRE(recorded_arm->has_value());
  SweepJournal::Outcome fabricated = **recorded_arm;
  fabricated.scenario.needless_isolation_person_days = 123456;
  fabricated.server.keys = 654321;
  REQUIRE(journal->record_outcome(arm, fabricated));
  auto back = journal->find_outcome(arm);
  REQUIRE(back);
  REQUIRE(back->has_value());
  CHECK((*back)->scenario.needless_isolation_person_days == 123456);
  CHECK((*back)->server.keys == 654321);
  // A run recorded by a plain sweep (summary only) is no comparison arm.
  REQUIRE(journal->record(base, (*whole)[0].comparison.arms[0].outcome.summary));
  auto plain = journal->find_outcome(base);
  REQUIRE(plain);
  CHECK_FALSE(plain->has_value());
  fs::remove_all(dir.parent_path());
}

TEST_CASE("a sweep journal gives back a run only for the same configuration and build") {
  const SimConfig base = sweep_base();
  const fs::path dir = journal_dir();
  auto journal = SweepJournal::open(dir, false);
  REQUIRE(journal);
  RunSummary made;
  made.people = base.population.people;
  made.infections = 12345;  // no run gives this: a point with it was read back, not run
  made.deaths = 7;
  made.by_age[3].infected = 99;
  made.red_precision = {5, 8};
  SimConfig seed3 = base;
  seed3.app.uptake = 0.6;
  REQUIRE(journal->record(seed3, made));

  SimConfig more_threads = seed3;
  more_threads.run.threads = 7;
  for (const SimConfig& same : {seed3, more_threads}) {
    auto found = journal->find(same);
    REQUIRE(found);
    REQUIRE(found->has_value());
    CHECK((*found)->infections == 12345);
    CHECK((*found)->deaths == 7);
    CHECK((*found)->by_age[3].infected == 99);
    CHECK((*found)->red_precision.total == 8);
  }
  for (const auto& change : {"run.seed=4", "app.uptake=0.5", "disease.initial_infections=16"}) {
    CAPTURE(change);
    SimConfig other = seed3;
    REQUIRE(apply_override(other, change));
    auto found = journal->find(other);
    REQUIRE(found);
    CHECK_FALSE(found->has_value());
  }

  // A sweep extended by a seed reuses the run it shares with the recorded one.
  auto reopened = SweepJournal::open(dir, true);
  REQUIRE(reopened);
  const std::vector<double> uptakes{0.6};
  const std::vector<std::uint64_t> seeds{3, 5};
  const auto points = run_sweep(base, uptakes, seeds, {}, Ranks::single(), {}, &*reopened);
  REQUIRE(points);
  REQUIRE(points->size() == 2);
  CHECK((*points)[0].from_journal);
  CHECK((*points)[0].summary.infections == 12345);
  CHECK_FALSE((*points)[1].from_journal);
  CHECK((*points)[1].summary.infections < 1500);

  // A leftover temporary file of a crash is not a run.
  write_text(dir / "leftover.json.tmp", "{\"greenlight_sweep_run\":");
  CHECK(SweepJournal::open(dir, true));

  // Runs of another build are refused: this build may give other results.
  const fs::path file = [&] {
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".json") return e.path();
    return fs::path();
  }();
  std::string text = read_text(file);
  const auto at = text.find("\"build\":\"");
  REQUIRE(at != std::string::npos);
  text.replace(at + 9, 64, std::string(64, '0'));
  write_text(file, text);
  const auto other_build = SweepJournal::open(dir, true);
  REQUIRE_FALSE(other_build);
  CHECK(other_build.error().message.find("another greenlight build") != std::string::npos);
  CHECK(other_build.error().message.find(file.string()) != std::string::npos);

  // A file that is not a run is named.
  write_text(file, "{\"greenlight_sweep_run\":");
  const auto broken = SweepJournal::open(dir, true);
  REQUIRE_FALSE(broken);
  CHECK(broken.error().message.find(file.string()) != std::string::npos);
  CHECK(broken.error().message.find("not a sweep run") != std::string::npos);
  fs::remove_all(dir.parent_path());
}

TEST_CASE("the executable's identity is the SHA-256 of its file") {
  const auto id = executable_identity();
  REQUIRE(id);
  // As sha256sum computes it for this test's executable.
  const std::string command = "sha256sum '" + fs::read_symlink("/proc/self/exe").string() + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), &::pclose);
  REQUIRE(pipe);
  std::string line(128, '\0');
  REQUIRE(std::fgets(line.data(), static_cast<int>(line.size()), pipe.get()) != nullptr);
  CHECK(line.substr(0, 64) == *id);
}

}  // namespace greenlight::sim

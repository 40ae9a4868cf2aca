// Running simulations end to end: one run with its no-app baseline, a sweep over uptake and
// seeds, and the benchmark (person-days per second and peak resident memory).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "greenlight/crypto/result.h"
#include "greenlight/sim/config.h"
#include "greenlight/sim/offspring.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/ranks.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/simulation.h"
#include "greenlight/sim/sweep_journal.h"

namespace greenlight::sim {

// The publisher for config.run.server: InMemoryPublisher for kNone; a ServerPublisher
// (server_publisher.h: a real greenlight server in a temporary directory) called through its
// router in this process for kInProcess, or over HTTP on 127.0.0.1 for kLoopback.
[[nodiscard]] Result<std::unique_ptr<KeyPublisher>> make_publisher(const SimConfig& config);

struct RunOutcome {
  RunSummary summary;
  std::vector<DailyStats> daily;
  std::vector<RegionDay> regions;  // with several regions (Simulation::region_daily)
  Reproduction reproduction;
  // With the offspring asked for (run_once's `offspring`): the secondary infections of the
  // cases of reproduction's complete cohorts (the summary holds their fit in any case).
  std::optional<Offspring> offspring;
  PrivacyView privacy;
  ScenarioMetrics scenario;
  std::string publisher_name;
  double seconds = 0;
  // With event logs asked for (run_once's `events`): transmissions_csv and exposures_csv.
  std::string transmissions;
  std::string exposures;
  // With the contact matrix asked for (run_once's `contact_matrix`), on rank 0: the run's
  // population's contacts by age on a typical day (contacts_by_age).
  std::optional<ContactsByAge> contacts_by_age;
};

// One simulation with the publisher for config.run.server, spread over `ranks` (collective:
// every rank calls it; each runs its own publisher, and every rank returns the same outcome),
// with the event logs when `events` is set (the ranks' exposures gathered), rank 0 with
// the contact matrix when `contact_matrix` is set, and the offspring when `offspring` is.
[[nodiscard]] Result<RunOutcome> run_once(const SimConfig& config, const ProgressFn& progress = {},
                                          Ranks ranks = Ranks::single(), bool events = false,
                                          bool contact_matrix = false, bool offspring = false);

struct ScenarioOutcome {
  RunOutcome app;
  std::optional<RunOutcome> baseline;  // same config with uptake 0 and no server
};
// run_once (with the contact matrix and the offspring), plus the baseline (with the
// offspring) when config.run.baseline is set and uptake > 0.
[[nodiscard]] Result<ScenarioOutcome> run_scenario(const SimConfig& config,
                                                   const ProgressFn& progress = {},
                                                   Ranks ranks = Ranks::single(),
                                                   bool events = false);

// The text of `sim run`'s report.txt for a scenario run with `config`: format_report of both
// runs (their summaries, days, regions, privacy view and scenario metrics), the relay attack's
// view (adversary.relay_venue_share > 0), the contact matrix (when the outcome holds it) and
// the offspring of both runs.
std::string scenario_report(const SimConfig& config, const ScenarioOutcome& outcome);

// The checks a sweep's and a fit's varied settings share (`what`: "sweep" or "fit"): each has
// values, none is varied twice, and none is one that changes no run (run.baseline: they run
// without one; run.threads: the same bytes at any count).
[[nodiscard]] Status check_varied(std::span<const SweepVary> vary, const char* what);

// Every combination of the varied settings' values (at most kMaxVaried, each with values), the
// first setting's slowest: the points of a sweep or a fit.
std::vector<std::array<double, kMaxVaried>> varied_combinations(std::span<const SweepVary> vary);

// Every uptake x seed combination, in that order (with varied settings, at most kMaxVaried,
// every combination of their values, the first setting's slowest, x uptake x seed; each
// setting applied as --set would). Over several ranks (collective) run i of the list runs
// whole on rank i % ranks.size() (done is called there), and every rank returns all points,
// the same as one process would. With a journal (each rank's, opened before the call), a run
// recorded there is read back instead of run (SweepPoint::from_journal), and every run is
// recorded as soon as it is finished, after every rank has reached the call; a rank that
// cannot read or write the journal stops every rank (Ranks::abort) when there are several.
// With `curves` (on every rank or none), each run's days (SweepDay) too, one entry per point
// (gathered like the points; the journal then records and reads back each run's days).
[[nodiscard]] Result<std::vector<SweepPoint>> run_sweep(
    const SimConfig& base, std::span<const double> uptakes, std::span<const std::uint64_t> seeds,
    const std::function<void(const SweepPoint&)>& done = {}, Ranks ranks = Ranks::single(),
    std::span<const SweepVary> vary = {}, const SweepJournal* journal = nullptr,
    std::vector<std::vector<SweepDay>>* curves = nullptr);

// Risk-threshold sweep (docs/simulation.md "Threshold advice"): the configured attenuation
// bucket thresholds, and with them the window-drop limit (min_minutes_attenuation_db), are
// all shifted by offset_db, and the RED threshold set to high_threshold_minutes; each
// combination is run for every seed against the same seed without the app.
struct ThresholdSweepSpec {
  std::vector<double> offsets_db{-12, -8, -4, 0, 4, 8};
  std::vector<double> minutes{5, 9, 13, 20, 30};
  std::vector<std::uint64_t> seeds{1};
};
struct ThresholdPoint {
  double offset_db = 0;
  std::array<double, 3> thresholds_db{};
  double high_threshold_minutes = 0;
  std::uint64_t seed = 0;
  RunSummary summary;
  RunSummary baseline;        // same seed, uptake 0
  bool from_journal = false;  // summary read back from the journal
};
// Every seed x offset x minutes, in that order. done is called after each run. With a
// journal, as run_sweep: each run (the seeds' runs without the app too) read back from it
// when recorded, else recorded as soon as it is finished.
[[nodiscard]] Result<std::vector<ThresholdPoint>> run_threshold_sweep(
    const SimConfig& base, const ThresholdSweepSpec& spec,
    const std::function<void(const ThresholdPoint&)>& done = {},
    const SweepJournal* journal = nullptr);

struct BenchResult {
  std::uint32_t people = 0;
  std::uint32_t days = 0;
  std::uint32_t threads = 0;
  double setup_seconds = 0;
  double run_seconds = 0;
  double person_days_per_second = 0;
  std::uint64_t peak_rss_bytes = 0;
  std::uint64_t encounter_store_bytes = 0;
  std::uint64_t infections = 0;
  std::uint64_t runs_stored = 0;
  // Over several ranks, this rank's: runs staged, and sent to other ranks (Simulation).
  std::uint64_t runs_staged = 0;
  std::uint64_t runs_sent = 0;
  std::vector<PhaseTime> phase_seconds;
  double cpu_seconds = 0;  // process CPU time of the simulation (all threads)
};
// Runs config (in-memory publisher) and measures wall time and peak RSS (getrusage), of this
// process (over several ranks: this rank's figures; collective).
[[nodiscard]] Result<BenchResult> run_benchmark(const SimConfig& config,
                                                Ranks ranks = Ranks::single());

// Peak resident set size of this process so far, in bytes.
std::uint64_t peak_rss_bytes();

}  // namespace greenlight::sim

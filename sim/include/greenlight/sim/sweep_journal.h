// A sweep's finished runs on disk, so that an interrupted sweep (a crash, a batch system's time
// limit, Ctrl-C) loses at most the runs in progress (docs/simulation.md "Interrupted sweeps").
//
// One file per finished run in one folder (`sim sweep` uses OUT/sweep-runs, `sim
// threshold-sweep` OUT/threshold-sweep-runs, `sim compare --sweep` OUT/compare-sweep-runs with
// each arm's scenario metrics and server holdings too), named after the
// run's configuration and written atomically (a temporary file, fsync, rename), so a file is
// either whole or absent. A file holds the run's configuration (config_to_json with
// run.threads set to 1: results never depend on the threads), the identity of the greenlight
// build that ran it (SHA-256 of the executable: another build may give other results for the
// same configuration) and its RunSummary. A run is reused only for the same configuration and
// the same build, so resuming gives the bytes of an uninterrupted sweep, and a sweep extended by
// more seeds or values reuses the runs it shares with the interrupted one.
//
// Not thread-safe; over MPI ranks each rank records and looks up the runs it owns (a folder
// not shared between the nodes only costs runs done again).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "greenlight/crypto/result.h"
#include "greenlight/sim/config.h"
#include "greenlight/sim/simulation.h"

namespace greenlight::sim {

class SweepJournal {
 public:
  // Opens `dir` (created by the first record()). Without `resume`, a folder that already holds runs
  // (of an interrupted sweep) is refused, naming --resume; with it, every file there must be
  // a run written by this build (otherwise an error: its runs could differ from this build's).
  [[nodiscard]] static Result<SweepJournal> open(std::filesystem::path dir, bool resume);

  // The recorded run of `config`, if any (the file's configuration must equal it).
  [[nodiscard]] Result<std::optional<RunSummary>> find(const SimConfig& config) const;
  // Records the finished run of `config` (atomically: whole or not at all).
  [[nodiscard]] Status record(const SimConfig& config, const RunSummary& summary) const;
  // The same with what `sim compare --sweep` needs of an arm's run besides its summary: its
  // scenario metrics and what the server held. find_outcome finds only runs recorded so.
  struct Outcome {
    RunSummary summary;
    ScenarioMetrics scenario;
    ServerHoldings server;
  };
  [[nodiscard]] Result<std::optional<Outcome>> find_outcome(const SimConfig& config) const;
  [[nodiscard]] Status record_outcome(const SimConfig& config, const Outcome& outcome) const;
  // The same with a run's days (`sim fit` reads its columns from them). find_days finds only
  // runs recorded so.
  [[nodiscard]] Result<std::optional<std::vector<DailyStats>>> find_days(
      const SimConfig& config) const;
  [[nodiscard]] Status record_days(const SimConfig& config, const RunSummary& summary,
                                   std::span<const DailyStats> days) const;
  // After the sweep's outputs are written: removes the runs this journal recorded or found,
  // and the folder when no other run is left in it. Returns the runs kept: those of other
  // settings that a resumed folder held and this sweep did not use (left to the user).
  [[nodiscard]] Result<std::size_t> remove() const;

  const std::filesystem::path& dir() const { return dir_; }
  // Runs in the folder when it was opened.
  std::size_t runs_at_open() const { return runs_at_open_; }

 private:
  SweepJournal(std::filesystem::path dir, std::string build)
      : dir_(std::move(dir)), build_(std::move(build)) {}
  std::filesystem::path file_for(const std::string& hash) const;
  // The recorded file of `config` by this build, if any (kept hex fields unread).
  struct Found;
  [[nodiscard]] Result<std::optional<Found>> find_file(const SimConfig& config) const;
  [[nodiscard]] Status write(const SimConfig& config, const RunSummary& summary,
                             const Outcome* outcome, std::span<const DailyStats> days = {}) const;

  std::filesystem::path dir_;
  std::string build_;
  std::size_t runs_at_open_ = 0;
  mutable std::set<std::filesystem::path> used_;  // recorded or found by this journal
};

// SHA-256 (hex) of this process's executable (/proc/self/exe): the build that made a result.
[[nodiscard]] Result<std::string> executable_identity();

}  // namespace greenlight::sim

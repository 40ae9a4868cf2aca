// Fitting the simulator to observed data (`greenlight sim fit`, docs/simulation.md "Fitting
// to observed data"): one column of timeseries.csv observed on some days (a country's
// positive tests, admissions or deaths), and runs over the values of one setting and seeds
// scored by how far their column lies from the observations.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "greenlight/crypto/result.h"
#include "greenlight/sim/config.h"
#include "greenlight/sim/ranks.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/sweep_journal.h"

namespace greenlight::sim {

struct Observed {
  // Columns of timeseries.csv (daily_csv), e.g. "positives" and "new_deaths".
  std::vector<std::string> columns;
  std::vector<std::uint32_t> days;          // increasing
  std::vector<std::vector<double>> values;  // per column, per observed day
  // The sum of a column's observations.
  double total(std::size_t column) const;
};

// Reads observations as CSV text: the header "day,COLUMN[,COLUMN...]" with COLUMNs columns of
// timeseries.csv other than day (each once), then one line "DAY,VALUE[,VALUE...]" per
// observed day (days increasing, each below run_days; values finite and non-negative; blank
// lines and lines starting with '#' skipped). Errors name the line.
[[nodiscard]] Result<Observed> parse_observed(std::string_view csv, std::uint32_t run_days);

// One run of a fit.
struct FitPoint {
  std::array<double, kMaxVaried> values{};  // of the varied settings
  std::uint64_t seed = 0;
  // Per column, the sum over the observed days of |model - observed| divided by the sum of
  // the column's observations (the summed distance when it is 0); summed over the columns:
  // 0 is a perfect fit.
  double mismatch = 0;
  std::vector<double> model;  // the run's columns on the observed days, column after column
  bool from_journal = false;  // read back from the journal (run_fit's), not run
};

// The mismatch of model (as FitPoint::model) against observed.
double fit_mismatch(std::span<const double> model, const Observed& observed);

// Every combination of the varied settings' values (at most kMaxVaried settings, the first
// slowest) x seed, each run in full without its baseline (run.baseline off) on one rank: over
// K ranks rank r runs points r, r + K, ...; every rank returns every point in that order
// (collective). A setting is any numeric one but run.seed. With a journal each run's days are
// looked up there first and recorded once finished (sweep_journal.h: an interrupted fit
// resumes).
[[nodiscard]] Result<std::vector<FitPoint>> run_fit(
    const SimConfig& base, std::span<const SweepVary> vary, std::span<const std::uint64_t> seeds,
    const Observed& observed, const std::function<void(const FitPoint&)>& done = {},
    Ranks ranks = Ranks::single(), const SweepJournal* journal = nullptr);

// The combinations of values by mean mismatch over seeds, best first: mean, median, min, max
// over the seeds' runs.
struct FitRank {
  std::array<double, kMaxVaried> values{};
  double mean = 0;
  double median = 0;
  double min = 0;
  double max = 0;
};
std::vector<FitRank> rank_fit(std::span<const FitPoint> points);
// fit.csv: the keys, seed, mismatch, then the model's columns on each observed day
// (COLUMN_DAY), under a line of the observations.
std::string fit_csv(std::span<const std::string> keys, std::span<const FitPoint> points,
                    const Observed& observed);
// fit.txt: the combinations by mean mismatch, best first, with the observations named.
std::string format_fit(std::span<const std::string> keys, std::span<const FitPoint> points,
                       const Observed& observed);
// fit_COLUMN.{svg,png} per observed column: the observations and each combination's mean
// model over the seeds by day (at most the 8 best), the best one's line thickest.
PlotResult write_fit_plots(const std::filesystem::path& dir, std::span<const std::string> keys,
                           std::span<const FitPoint> points, const Observed& observed);

}  // namespace greenlight::sim

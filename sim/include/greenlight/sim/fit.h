// Fitting the simulator to observed data (`greenlight sim fit`, docs/simulation.md "Fitting
// to observed data"): one column of timeseries.csv observed on some days (a country's
// positive tests, admissions or deaths), and runs over the values of one setting and seeds
// scored by how far their column lies from the observations.
#pragma once

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

namespace greenlight::sim {

struct Observed {
  std::string column;  // a column of timeseries.csv (daily_csv), e.g. "positives"
  std::vector<std::pair<std::uint32_t, double>> days;  // (day, value), days increasing
  double total() const;
};

// Reads observations as CSV text: the header "day,COLUMN" with COLUMN a column of
// timeseries.csv other than day, then one line "DAY,VALUE" per observed day (days
// increasing, each below run_days; values finite and non-negative; blank lines and lines
// starting with '#' skipped). Errors name the line.
[[nodiscard]] Result<Observed> parse_observed(std::string_view csv, std::uint32_t run_days);

// One run of a fit.
struct FitPoint {
  double value = 0;  // of the varied setting
  std::uint64_t seed = 0;
  // sum over the observed days of |model - observed|, divided by the sum of the observed
  // values (1 when that sum is 0): 0 is a perfect fit.
  double mismatch = 0;
  std::vector<double> model;  // the run's column on the observed days
};

// The mismatch of model against observed (FitPoint::mismatch).
double fit_mismatch(std::span<const double> model, const Observed& observed);

// Every value x seed (value slowest), each run in full without its baseline (run.baseline
// off) on one rank: over K ranks rank r runs points r, r + K, ...; every rank returns every
// point in that order (collective). `key` is any numeric setting but run.seed.
[[nodiscard]] Result<std::vector<FitPoint>> run_fit(
    const SimConfig& base, const std::string& key, std::span<const double> values,
    std::span<const std::uint64_t> seeds, const Observed& observed,
    const std::function<void(const FitPoint&)>& done = {}, Ranks ranks = Ranks::single());

// The values by mean mismatch over seeds, best first: value, mean, median, min, max (the
// seeds' runs).
struct FitRank {
  double value = 0;
  double mean = 0;
  double median = 0;
  double min = 0;
  double max = 0;
};
std::vector<FitRank> rank_fit(std::span<const FitPoint> points);
// fit.csv: key, seed, mismatch, then the model's column on each observed day.
std::string fit_csv(const std::string& key, std::span<const FitPoint> points,
                    const Observed& observed);
// fit.txt: the values by mean mismatch, best first, with the observations named.
std::string format_fit(const std::string& key, std::span<const FitPoint> points,
                       const Observed& observed);
// fit.{svg,png}: the observations and each value's mean model over the seeds by day, the best
// value's line thickest.
PlotResult write_fit_plot(const std::filesystem::path& dir, const std::string& key,
                          std::span<const FitPoint> points, const Observed& observed);

}  // namespace greenlight::sim

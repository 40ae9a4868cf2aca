// Secondary infections per case (the offspring distribution) and how overdispersed it is:
// the dispersion k of a negative binomial fitted by maximum likelihood (Lloyd-Smith et al.
// 2005), and the smallest share of cases that caused 80 % of the infections. Observed for
// SARS-CoV-2: k about 0.1 (Endo et al. 2020, outbreak sizes outside China), 0.58 (Bi et al.
// 2020, Shenzhen), 19 % of the cases causing 80 % of local transmission (Adam et al. 2020,
// Hong Kong). docs/simulation.md "Superspreading".
// Pure functions of their inputs: thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "greenlight/sim/report.h"
#include "greenlight/sim/simulation.h"

namespace greenlight::sim {

// The cases infected on days [0, cohort_days) of a run (whose infectiousness ended before
// the run did), by the number of people each infected.
struct Offspring {
  std::uint32_t cohort_days = 0;
  // [x]: the cases that infected x people (any layer); empty without cases.
  std::vector<std::uint64_t> cases_by_count;
  // [layer][x]: the cases that infected x people through contacts of that layer (Layer).
  std::array<std::vector<std::uint64_t>, kLayers> by_layer;
  // [x]: of those, the cases infected in the first four weeks (days 0-27, those of
  // RunSummary::early_r): the growing epidemic, before immunity and control bend it.
  std::vector<std::uint64_t> early_cases_by_count;
  // The infections these cases caused (transmission pairs), by the days from the case's
  // infection to the infectee's (the generation interval) -> pairs.
  std::map<std::int32_t, std::uint64_t> generation_days;
  // The same pairs by the case's stage when it infected (Stage): before its symptom onset,
  // from the onset day on, or a course without symptoms.
  enum Stage : std::uint8_t { kPresymptomatic = 0, kSymptomatic = 1, kAsymptomatic = 2 };
  std::array<std::uint64_t, 3> by_stage{};
  // Of the pairs where both fall ill: the days from the case's symptom onset to the
  // infectee's (the serial interval; negative when the infectee fell ill first) -> pairs.
  std::map<std::int32_t, std::uint64_t> serial_days;
};
inline constexpr std::uint32_t kEarlyCohortDays = 28;

// The mean and standard deviation of a distribution of days (days -> pairs), and the share
// below zero.
struct DaysSummary {
  std::uint64_t pairs = 0;
  double mean = 0;
  double sd = 0;
  double negative_share = 0;
};
DaysSummary summarise_days(const std::map<std::int32_t, std::uint64_t>& days);

// Calls its argument for every infection of a run, in person order, each person's in day
// order (as Simulation::infections() lists them), each time it is called.
using ForEachInfection = std::function<void(const std::function<void(const Infection&)>&)>;
// Counts the offspring of every case of the cohort. A case is an infection (a person infected
// twice is two cases); its offspring are the infections whose infector and infector_day are
// its person and day. Goes twice over the infections and keeps 20 bytes per case of the
// cohort.
Offspring count_offspring(const ForEachInfection& for_each_infection, std::uint32_t cohort_days);
// The same over a list of infections in that order.
Offspring count_offspring(std::span<const Infection> infections, std::uint32_t cohort_days);

struct OffspringFit {
  std::uint64_t cases = 0;
  std::uint64_t infections = 0;  // the secondary infections of those cases
  double mean = 0;               // infections / cases: the case reproduction number
  double variance = 0;           // sample variance (n - 1)
  // Maximum-likelihood dispersion of a negative binomial with the sample mean, and its 95 %
  // profile-likelihood interval. `overdispersed` is false when the variance (n denominator)
  // is at most the mean: then the likelihood rises to k = infinity (Poisson) and k,
  // k_low, k_high are not meaningful (k_low is the lower bound all the same).
  bool overdispersed = false;
  double k = 0;
  double k_low = 0;
  double k_high = 0;      // +infinity when the interval is open above
  double zero_share = 0;  // cases that infected nobody
  // The smallest share of the cases, the most infectious first, that caused at least 80 %
  // of the infections (Endo et al.'s and Adam et al.'s p80); 0 without infections.
  double share_for_80 = 0;
};
// The fit of a histogram ([x]: cases that infected x people).
OffspringFit fit_offspring(std::span<const std::uint64_t> cases_by_count);

// offspring.csv: secondary_infections, then the cases with that many for all layers, for
// each layer (household, school_work, random, venue) and of days 0-27 (cases_days_0_27),
// with the app and (with a baseline) without it (the same columns with _without_app), one
// line per count up to the largest.
std::string offspring_csv(const Offspring& app, const Offspring* baseline);
// Who caused the infections: from (0, 0), the share of the cases (the most infectious
// first) against the share of all their infections caused by them, one point at the end of
// each group of cases with the same count (straight between: those cases are alike), up to
// (1, 1). Empty without infections. A diagonal is an even spread; the curve crosses 0.8 at
// about OffspringFit::share_for_80.
std::vector<std::array<double, 2>> offspring_concentration(
    std::span<const std::uint64_t> cases_by_count);
// offspring.{svg,png}: that curve of all complete cohorts, with the app and (with a baseline)
// without it, each titled with its k, against the even spread and the 80 % line; the data in
// offspring_data.txt (one block per run: share of cases, share of infections).
PlotResult write_offspring_plot(const std::filesystem::path& dir, const Offspring& app,
                                const Offspring* baseline);
// intervals.csv: days, then the transmission pairs with that generation interval and that
// serial interval, with the app and (with a baseline) without it (_without_app), one line per
// day from the shortest to the longest (serial intervals may be negative).
std::string intervals_csv(const Offspring& app, const Offspring* baseline);
// The report's "Secondary infections per case" section: per run, per layer and for the
// cases of days 0-27, cases, R, variance, k with its interval, zero share and the 80 %
// share; then per run the generation and serial intervals and the shares of the infections
// by the case's stage.
std::string format_offspring(const Offspring& app, const Offspring* baseline);

}  // namespace greenlight::sim

// Scenarios a decision needs (docs/simulation.md "Scenarios: greenlight against a centralised
// health code"): the same population and seed run four times,
//  - "none": testing and self-isolation only (no app, no health code),
//  - "greenlight": the configuration as given (the app at app.uptake),
//  - "health-code": no app; a centralised health code (health_code.*) covering exactly the
//    people who run the app in the greenlight arm (coverage = app.uptake, the same draw),
//  - "manual-tracing": no app; manual contact tracing (manual_tracing.*, OpenABM's capacity),
// and reported side by side: infections averted against "none", people wrongly RED/YELLOW
// (never infected), needless isolation, and what a server (or the tracers) could learn. A sweep
// repeats the comparison over the values of one configuration key (uptake, chaff rate, radio
// noise). Arms without app users run with the default radio and no chaff (neither has any effect
// without phones), so that a sweep over those keys runs them once (runs are cached by the
// configuration's hash). Formatting functions are pure; the plot functions run gnuplot.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "greenlight/crypto/result.h"
#include "greenlight/sim/config.h"
#include "greenlight/sim/experiment.h"
#include "greenlight/sim/report.h"

namespace greenlight::sim {

inline constexpr std::size_t kArms = 4;
inline constexpr std::array<std::string_view, kArms> kArmNames{"none", "greenlight", "health-code",
                                                               "manual-tracing"};

// The four arms' configurations for base (in kArmNames order).
std::array<SimConfig, kArms> comparison_arms(const SimConfig& base);

struct ArmResult {
  std::string_view name;
  SimConfig config;
  RunOutcome outcome;
  // Infections averted against the "none" arm (negative when the arm infected more).
  std::int64_t averted = 0;
};

struct Comparison {
  std::array<ArmResult, kArms> arms;
};

// Runs the four arms (in memory: the greenlight arm's uploads use the configured server).
// done is called after each arm with its index.
[[nodiscard]] Result<Comparison> run_comparison(
    const SimConfig& base, const std::function<void(std::size_t arm)>& done = {});

// One line per arm.
std::string comparison_csv(const Comparison& c);
// The side-by-side table (epidemic, colours, isolation, what a server learns, chaff).
std::string format_comparison(const Comparison& c);
// compare_epidemic.{svg,png}: new infections per day of each arm; compare_burden.{svg,png}:
// wrongly RED / YELLOW people and needless isolation of each arm.
PlotResult write_comparison_plots(const std::filesystem::path& dir, const Comparison& c);

// A sweep of one key ("section.name", a number) over values and seeds.
struct CompareSweepPoint {
  double value = 0;
  std::uint64_t seed = 0;
  Comparison comparison;
  std::size_t arms_from_journal = 0;  // arms whose run was read back from the journal
};
// With a journal each arm's run is looked up there first and recorded once finished
// (sweep_journal.h: an interrupted sweep resumes); an arm read back has its summary, scenario
// metrics and server holdings (all the sweep's outputs use), not its time series.
[[nodiscard]] Result<std::vector<CompareSweepPoint>> run_compare_sweep(
    const SimConfig& base, const std::string& key, std::span<const double> values,
    std::span<const std::uint64_t> seeds,
    const std::function<void(const CompareSweepPoint&)>& done = {},
    const SweepJournal* journal = nullptr);

// One line per value, seed and arm.
std::string compare_sweep_csv(const std::string& key, std::span<const CompareSweepPoint> points);
// Means over seeds per value.
std::string format_compare_sweep(const std::string& key, std::span<const CompareSweepPoint> points);
// compare_<key>.{svg,png}: infections averted, people wrongly RED or YELLOW and needless
// isolation per 1,000 people against the value, greenlight and health code; for
// app.chaff_per_day the network observer's view of uploads instead; for adversary.* keys the
// false warnings the relay caused.
PlotResult write_compare_sweep_plot(const std::filesystem::path& dir, const std::string& key,
                                    std::span<const CompareSweepPoint> points);

// The relay adversary's report lines (attack A2; `sim run` prints them when
// adversary.relay_venue_share > 0).
std::string format_relay(const RelayView& relay);

}  // namespace greenlight::sim

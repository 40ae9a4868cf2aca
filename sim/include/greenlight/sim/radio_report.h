// Outputs of the radio calibration and of the risk-threshold sweep: CSV, text tables and
// gnuplot plots (SVG and PNG, as the simulator's other plots; skipped with a warning when
// gnuplot is missing). Formatting functions are pure and thread-safe; the plot functions
// run a gnuplot subprocess.
#pragma once

#include <filesystem>
#include <span>
#include <string>

#include "greenlight/sim/experiment.h"
#include "greenlight/sim/radio_calibration.h"
#include "greenlight/sim/report.h"

namespace greenlight::sim {

// One line per (model, environment, distance): environment,distance_m,contacts,mean,sd,
// p10,p25,median,p75,p90,scans_heard. model is "calibrated" or "clean".
std::string attenuation_profile_csv(std::span<const AttenuationStats> calibrated,
                                    std::span<const AttenuationStats> clean);
// The published targets: environment,distance_m,median_db,sd_db,source.
std::string radio_targets_csv(std::span<const RadioTarget> targets);
// Simulated median and spread next to each target, per environment and distance.
std::string format_attenuation_profile(std::span<const AttenuationStats> calibrated,
                                       std::span<const AttenuationStats> clean,
                                       std::span<const RadioTarget> targets);
// radio_attenuation.{svg,png}: one panel per environment, attenuation against distance:
// the calibrated model's median with its 25-75 % and 10-90 % bands, the clean model's
// median, and the published targets (median +- sd).
PlotResult write_radio_plot(const std::filesystem::path& dir,
                            std::span<const AttenuationStats> calibrated,
                            std::span<const AttenuationStats> clean,
                            std::span<const RadioTarget> targets);

// One line per run of the sweep.
std::string threshold_sweep_csv(std::span<const ThresholdPoint> points);
// Person-days of isolation one RED notification causes, expected from the behaviour
// settings: red_isolation_adherence x the expected days of a red_isolation_days isolation
// with isolation_daily_dropout (an estimate: it ignores people already isolating and
// household quarantine); 0 with app.red_daily_test_days (self-tests instead). With
// app.red_release_test_day the isolation lasts at most until the release test's result
// (that day + testing.result_delay_days): most RED contacts are not infected, and it ignores
// waits for a test. With app.red_quarantine_from_exposure still from the notification (the
// days between exposure and notification are not known beforehand): an upper bound.
double isolation_days_per_red(const SimConfig& config);
// Pooled over seeds, per (offset, minutes): notifications, RED precision and recall, the
// share of notified people infected by their case, infections averted against the no-app
// run, extra person-days of isolation (all causes) against the no-app run, and infections
// averted per 1000 person-days of isolation caused by RED notifications (RED notifications
// x days_per_red).
std::string format_threshold_sweep(std::span<const ThresholdPoint> points, double days_per_red);
// threshold_sweep.{svg,png}: RED precision against RED recall (one line per minutes
// threshold, the points are the attenuation offsets), and infections averted per 1000
// person-days of notification isolation against the offset.
PlotResult write_threshold_sweep_plot(const std::filesystem::path& dir,
                                      std::span<const ThresholdPoint> points, double days_per_red);

}  // namespace greenlight::sim

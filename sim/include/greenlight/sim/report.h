// Outputs of a simulation: the daily CSV time series, the text report (epidemic,
// notifications with precision/recall, colours, privacy view), the progress line, and
// plots drawn by gnuplot (SVG through its svg terminal, PNG through pngcairo).
// Pure formatting functions are thread-safe; write_plots runs a gnuplot subprocess.
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "greenlight/crypto/result.h"
#include "greenlight/sim/config.h"
#include "greenlight/sim/simulation.h"

namespace greenlight::sim {

// Header line plus one line per day; the bytes depend only on the stats.
std::string daily_csv(std::span<const DailyStats> days);

struct ReportInput {
  const SimConfig* config = nullptr;
  RunSummary app;
  std::span<const DailyStats> app_daily;
  std::optional<RunSummary> baseline;  // same seed, no app
  std::span<const DailyStats> baseline_daily;
  PrivacyView privacy;
  // Who saw which colour and who isolated, judged against infection (the runs' scenario
  // metrics); without them the report leaves those lines out.
  std::optional<ScenarioMetrics> scenario;
  std::optional<ScenarioMetrics> baseline_scenario;
  // With several regions (population.regions): the runs' region days (Simulation::
  // region_daily), for the "By region" table.
  std::span<const RegionDay> app_regions;
  std::span<const RegionDay> baseline_regions;
  std::string publisher_name;
  double seconds = 0;
};
std::string format_report(const ReportInput& input);
// "lockdown: everyone days 20-54 (...); school/work x0.22, ...\n", or "" without a lockdown.
std::string lockdown_line(const LockdownConfig& lockdown);
// The lockdown line, "app: launched on day N ..." when the app starts after day 0, and the
// intensive-care beds when they are limited.
std::string policy_lines(const SimConfig& config);
std::string format_privacy(const PrivacyView& privacy, std::uint32_t people, std::uint32_t days);

// "[#####.....]  12/42 days  infected 1234  RED 12  1.2 s"
std::string progress_line(const Progress& progress, double elapsed_seconds, std::size_t width = 30);

struct PlotResult {
  std::vector<std::filesystem::path> files;
  std::string warning;  // set when gnuplot is missing or failed; no plots then
};
// Writes epidemic.{svg,png} (new and cumulative infections, with and without the app),
// colours.{svg,png} (app users by colour per day) and hospital.{svg,png} (people in hospital
// and in intensive care, cumulative deaths) into dir, the lockdowns shaded on the first and
// the last (the days everyone was locked down from the runs' lockdown column, the elderly's
// window from `lockdown`). baseline may be empty. has_app false: the run's curves are labelled
// "no app" (nobody had it), not "with app".
PlotResult write_plots(const std::filesystem::path& dir, std::span<const DailyStats> app,
                       std::span<const DailyStats> baseline, const LockdownConfig& lockdown = {},
                       bool has_app = true);

// Regions (population.regions > 1; docs/simulation.md "Regions").
// regions.csv: one line per day and region: day, region, people, the compartments,
// ever_infected and new_infections (first infections: the change of ever_infected; on day 0
// the initial cases), isolating, app users (app on) and their colours, hospital counts,
// positive test results, locked (1: locked down today by a regional lockdown).
std::string regions_csv(std::span<const RegionDay> days);
// The report's "By region" table: people, app users, infected, the peak of infectious people
// and its day, deaths; with and without the app when `baseline` is given (may be empty). At
// most kRegionRows rows (the rest in regions.csv), then the spread of the infected share.
inline constexpr std::uint32_t kRegionRows = 20;
std::string format_regions(std::span<const RegionDay> app, std::span<const RegionDay> baseline);
// The report's "Hospital staff" section (config.hospital): the staff infected, by patients,
// the other workers infected, both incidence rates and their ratio, the staff absent; with
// and without the app when `baseline` is given. Empty without staff.
std::string format_staff(const HospitalConfig& hospital, const RunSummary& app,
                         const RunSummary* baseline);
// The report's "Care homes" section (config.care_homes): residents infected, by the staff
// and by other residents, the homes with a case, the residents' deaths and their share of
// all deaths, the staff infected and by residents; with and without the app when
// `baseline` is given. Empty without care homes.
std::string format_care_homes(const CareHomeConfig& homes, const RunSummary& app,
                              const RunSummary* baseline);
// staff.{svg,png} (with `staff` > 0 members of hospital staff; nothing without): the staff
// absent each day and the staff infected through contacts so far, with and without the app.
// Its data (staff_plot_data), one line per day: the day, absent and infected so far with the
// app, then without (NaN without a baseline).
std::string staff_plot_data(std::span<const DailyStats> app, std::span<const DailyStats> baseline);
// The top of the staff and care plots' infections axis: the group's `people`, or more when
// a run's infections so far (the day's `count` summed) outnumber them (with reinfection).
std::uint64_t infections_axis_top(std::uint32_t people, std::span<const DailyStats> app,
                                  std::span<const DailyStats> baseline,
                                  std::uint32_t DailyStats::*count);
PlotResult write_staff_plot(const std::filesystem::path& dir, std::uint32_t staff,
                            std::span<const DailyStats> app, std::span<const DailyStats> baseline);
// care.{svg,png} (with `residents` > 0 care-home residents; nothing without): the residents
// infected and died so far, with and without the app. Its data (care_plot_data), one line
// per day: the day, infected and died so far with the app, then without (NaN without a
// baseline).
std::string care_plot_data(std::span<const DailyStats> app, std::span<const DailyStats> baseline);
PlotResult write_care_plot(const std::filesystem::path& dir, std::uint32_t residents,
                           std::span<const DailyStats> app, std::span<const DailyStats> baseline);
// regions.{svg,png}: each region's infectious people per 100,000 of its people by day (with
// the app; at most kRegionRows regions drawn).
PlotResult write_region_plot(const std::filesystem::path& dir, std::span<const RegionDay> app);

// The case reproduction number by day of infection (Reproduction): day, complete (1 if the
// cohort could no longer infect at the end), infected, secondary, r; then the same three for
// the baseline when given.
std::string reproduction_csv(const Reproduction& app, const Reproduction* baseline);
// reproduction.{svg,png}: the case reproduction number of each week's complete cohorts, with
// and without the app (baseline may be null), and the line R = 1.
PlotResult write_reproduction_plot(const std::filesystem::path& dir, const Reproduction& app,
                                   const Reproduction* baseline);

// Event logs (`sim run --events`; docs/simulation.md "Quick start").
// transmissions.csv: one line per infected person, by day of infection, then person: day,
// person, infector (empty for the initial cases and imports), how (household, school_work,
// random, venue, initial, import), the infector's day of infection (empty without one), the
// person's age group, app (1: an app user), variant (1: the second variant).
std::string transmissions_csv(const Simulation& sim);
// exposures.csv: one line per key matched at a phone with counted windows (ExposureHit), by
// sync day, then phone: sync_day, phone, uploader, exposure_day, windows, the phone's day of
// infection (empty if never infected during the run), days from it to the sync (empty
// likewise), infected_by_uploader (1: the uploader infected the phone). `hits` are every
// rank's (gathered).
std::string exposures_csv(std::span<const ExposureHit> hits, const Simulation& sim);

// Settings a sweep may vary besides uptake and seed (SweepVary).
inline constexpr std::size_t kMaxVaried = 3;
struct SweepPoint {
  double uptake = 0;
  std::uint64_t seed = 0;
  RunSummary summary;
  // The values of the varied settings (SweepVary, in their order; unused ones 0).
  std::array<double, kMaxVaried> values{};
  bool from_journal = false;  // read back from an interrupted sweep's runs (SweepJournal)
};
// A setting a sweep varies ("section.key", a number) over values: every combination of the
// varied settings' values runs every uptake and seed (docs/simulation.md "Quick start").
struct SweepVary {
  std::string key;
  std::vector<double> values;
};
// One line per run; with varied settings (their keys) their values come first.
std::string sweep_csv(std::span<const SweepPoint> points, std::span<const std::string> keys = {});
// One line per uptake: the runs whose epidemic ended (nobody exposed or infectious on the
// last day) and of those the runs where it died out (RunSummary::died_out), infections
// (median [min, max] over seeds), the change against the lowest uptake (of the medians, and
// per seed against the same seed's run: median [min, max]), deaths (median, and the median
// of the per-seed changes against the lowest uptake), the medians of RED notifications,
// precision and recall, and, when any run locked everyone down, the median of the runs'
// lockdown days. With varied settings (their keys): one such table per combination of their
// values, each against its own lowest uptake.
std::string format_sweep(std::span<const SweepPoint> points,
                         std::span<const std::string> keys = {});
// sweep.{svg,png}: infections and deaths (median and range over seeds) against uptake; with
// varied settings, the infections of each combination of their values.
PlotResult write_sweep_plot(const std::filesystem::path& dir, std::span<const SweepPoint> points,
                            std::span<const std::string> keys = {});

// The model's contact matrix on a typical day (nobody isolating, no lockdown, the day's
// draws of a day of its own): per layer, the contacts a day of a person of each age group
// with people of each age group (per_person[layer][group][other]), to hold against contact
// surveys (POLYMOD) and OpenABM's means. people[g]: the people of group g.
struct ContactsByAge {
  std::array<std::array<std::array<double, kAgeGroups>, kAgeGroups>, kLayers> per_person{};
  std::array<std::uint32_t, kAgeGroups> people{};
};
ContactsByAge contacts_by_age(const SimConfig& config, const Population& pop);
// contacts_by_age.csv: layer, age_group, contact_age_group ("0-9" ... "80+"),
// contacts_per_person_day; one line per layer and pair of groups.
std::string contacts_by_age_csv(const ContactsByAge& m);
// The report's table: each age group's contacts a day per person by layer, and in all.
std::string format_contacts_by_age(const ContactsByAge& m);

// A run's epidemic on one day, as a sweep keeps it for its curves over seeds.
struct SweepDay {
  std::uint32_t new_infections = 0;
  std::uint32_t infectious = 0;
  std::uint32_t hospitalised = 0;  // in hospital today, intensive care included
  std::uint32_t deaths = 0;        // cumulative
  std::uint32_t isolating = 0;
};
SweepDay sweep_day(const DailyStats& d);
// sweep_daily.csv (the curves of a sweep, run_sweep's `curves`, one per point in the
// points' order): one line per combination of the varied settings' values (their keys
// first), uptake and day: the number of runs, then for each of new_infections, infectious,
// hospitalised, deaths and isolating its median and its 10th and 90th percentiles over the
// seeds (linear between the runs' values, numpy's default).
std::string sweep_daily_csv(std::span<const SweepPoint> points,
                            std::span<const std::vector<SweepDay>> curves,
                            std::span<const std::string> keys = {});
// sweep_curves.{svg,png}: new infections a day, the median over seeds and its 10-90 % band,
// one curve per uptake (with varied settings, per combination of their values and uptake;
// at most kSweepCurves curves, the rest only in sweep_daily.csv, said in the warning).
inline constexpr std::size_t kSweepCurves = 10;
PlotResult write_sweep_curves(const std::filesystem::path& dir, std::span<const SweepPoint> points,
                              std::span<const std::vector<SweepDay>> curves,
                              std::span<const std::string> keys = {});

// Draws gnuplot plot commands (body) to dir/stem.svg and dir/stem.png, as the plots above.
PlotResult draw_plot(const std::filesystem::path& dir, const std::string& stem,
                     const std::string& body);
// Runs a gnuplot script that writes `files`: the files, or a warning when gnuplot is missing,
// fails or leaves one of them empty (a full disk).
PlotResult run_plot_script(const std::string& stem, const std::string& script,
                           std::vector<std::filesystem::path> files);
// A path quoted for a gnuplot script.
std::string gnuplot_quote(const std::filesystem::path& path);
// printf-style formatting into a string (at most 1,023 characters).
std::string strprintf(const char* format, ...) __attribute__((format(printf, 1, 2)));

// Writes text to path (creating parent directories); an error names the path and the system's
// reason (also when only the close finds the disk full).
[[nodiscard]] Status write_file(const std::filesystem::path& path, std::string_view text);
// The paths write_file was given (written or not) since the last call: what a command wrote,
// for its list of outputs (tools/greenlight cmd_sim.cpp).
std::vector<std::filesystem::path> take_written_files();

}  // namespace greenlight::sim

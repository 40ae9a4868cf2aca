#include "greenlight/sim/experiment.h"

#include <sys/resource.h>

#include <chrono>

#include "greenlight/sim/scenario.h"
#include "greenlight/sim/server_publisher.h"

namespace greenlight::sim {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The summary of the run of `config` (and with `days` its days): read back from the journal
// when it holds it (`from` set; with `days` only a run recorded with its days), else run (in
// this process alone) and recorded there at once.
Result<RunSummary> journaled_run(const SimConfig& config, const SweepJournal* journal, bool& from,
                                 std::vector<DailyStats>* days = nullptr) {
  from = false;
  if (journal != nullptr) {
    auto found = journal->find(config);
    GL_RETURN_IF_ERROR(found);
    if (*found && days != nullptr) {
      auto recorded = journal->find_days(config);
      GL_RETURN_IF_ERROR(recorded);
      if (*recorded) {
        *days = std::move(**recorded);
        from = true;
        return **found;
      }
    } else if (*found) {
      from = true;
      return **found;
    }
  }
  auto r = run_once(config);
  GL_RETURN_IF_ERROR(r);
  if (journal != nullptr) {
    GL_RETURN_IF_ERROR(days != nullptr ? journal->record_days(config, r->summary, r->daily)
                                       : journal->record(config, r->summary));
  }
  if (days != nullptr) *days = std::move(r->daily);
  return r->summary;
}

}  // namespace

Result<std::unique_ptr<KeyPublisher>> make_publisher(const SimConfig& config) {
  ServerPublisherOptions options;
  options.seed = config.run.seed;  // the same seed gives the same bytes, server included
  switch (config.run.server) {
    case ServerMode::kNone:
      return std::unique_ptr<KeyPublisher>(std::make_unique<InMemoryPublisher>());
    case ServerMode::kInProcess:
      options.transport = ServerTransport::kInProcess;
      break;
    case ServerMode::kLoopback:
      options.transport = ServerTransport::kLoopback;
      break;
  }
  auto server = ServerPublisher::create(options);
  if (!server) {
    return make_error(server.error().code, "starting the key server for --server " +
                                               std::string(server_mode_name(config.run.server)) +
                                               ": " + server.error().message);
  }
  return std::unique_ptr<KeyPublisher>(std::move(*server));
}

Result<RunOutcome> run_once(const SimConfig& config, const ProgressFn& progress, Ranks ranks,
                            bool events, bool contact_matrix, bool offspring) {
  auto publisher = make_publisher(config);
  GL_RETURN_IF_ERROR(publisher);
  const auto start = std::chrono::steady_clock::now();
  auto sim = Simulation::create(config, **publisher, ranks);
  GL_RETURN_IF_ERROR(sim);
  GL_RETURN_IF_ERROR((*sim)->run(progress));
  RunOutcome out;
  out.summary = (*sim)->summary();
  out.reproduction = (*sim)->reproduction();
  if (offspring) out.offspring = (*sim)->offspring();
  out.daily = (*sim)->daily();
  out.regions = (*sim)->region_daily();
  out.privacy = (*sim)->privacy();
  out.scenario = (*sim)->scenario_metrics();
  out.publisher_name = std::string((*publisher)->name());
  if (events) {
    const auto& mine = (*sim)->exposure_hits();
    const std::vector<ExposureHit> own(mine.begin(), mine.end());
    const std::vector<ExposureHit> all = ranks.gather_all<ExposureHit>(own);
    out.transmissions = transmissions_csv(**sim);
    out.exposures = exposures_csv(all, **sim);
  }
  if (contact_matrix && ranks.root()) {
    out.contacts_by_age = contacts_by_age(config, (*sim)->population());
  }
  out.seconds = seconds_since(start);
  return out;
}

Result<ScenarioOutcome> run_scenario(const SimConfig& config, const ProgressFn& progress,
                                     Ranks ranks, bool events) {
  ScenarioOutcome out;
  auto app = run_once(config, progress, ranks, events, true, true);
  GL_RETURN_IF_ERROR(app);
  out.app = std::move(*app);
  if (config.run.baseline && config.app.uptake > 0) {
    SimConfig base = config;
    base.app.uptake = 0;
    base.run.server = ServerMode::kNone;
    base.run.verify_phones = 0;
    auto b = run_once(base, progress, ranks, events, false, true);
    GL_RETURN_IF_ERROR(b);
    out.baseline = std::move(*b);
  }
  return out;
}

std::string scenario_report(const SimConfig& config, const ScenarioOutcome& outcome) {
  const RunOutcome& app = outcome.app;
  const RunOutcome* baseline = outcome.baseline ? &*outcome.baseline : nullptr;
  ReportInput report;
  report.config = &config;
  report.app = app.summary;
  report.app_daily = app.daily;
  report.app_regions = app.regions;
  report.privacy = app.privacy;
  report.scenario = app.scenario;
  report.publisher_name = app.publisher_name;
  report.seconds = app.seconds;
  if (baseline) {
    report.baseline = baseline->summary;
    report.baseline_daily = baseline->daily;
    report.baseline_regions = baseline->regions;
    report.baseline_scenario = baseline->scenario;
    report.seconds += baseline->seconds;
  }
  std::string text = format_report(report);
  if (config.adversary.relay_venue_share > 0) text += format_relay(app.scenario.relay);
  if (app.contacts_by_age) text += format_contacts_by_age(*app.contacts_by_age);
  if (app.offspring) {
    text += format_offspring(*app.offspring,
                             baseline && baseline->offspring ? &*baseline->offspring : nullptr);
  }
  return text;
}

Status check_varied(std::span<const SweepVary> vary, const char* what) {
  for (std::size_t i = 0; i < vary.size(); ++i) {
    if (vary[i].key == "run.baseline" || vary[i].key == "run.threads" ||
        vary[i].key == "run.verify_phones") {
      return make_error(ErrorCode::kInvalidArgument,
                        vary[i].key + " changes no run of a " + what +
                            " (it runs without a baseline, threads give the same bytes, and "
                            "the per-phone check is reported by sim run only)");
    }
    if (vary[i].values.empty()) {
      return make_error(ErrorCode::kInvalidArgument, vary[i].key + ": no values");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (vary[j].key == vary[i].key) {
        return make_error(ErrorCode::kInvalidArgument, vary[i].key + " is varied twice");
      }
    }
  }
  return ok();
}

std::vector<std::array<double, kMaxVaried>> varied_combinations(std::span<const SweepVary> vary) {
  // An odometer, the last setting fastest.
  std::vector<std::array<double, kMaxVaried>> combinations;
  std::array<std::size_t, kMaxVaried> digit{};
  for (;;) {
    std::array<double, kMaxVaried> values{};
    for (std::size_t i = 0; i < vary.size(); ++i) values[i] = vary[i].values[digit[i]];
    combinations.push_back(values);
    std::size_t i = vary.size();
    while (i > 0 && ++digit[i - 1] == vary[i - 1].values.size()) digit[--i] = 0;
    if (i == 0) break;
  }
  return combinations;
}

Result<std::vector<SweepPoint>> run_sweep(const SimConfig& base, std::span<const double> uptakes,
                                          std::span<const std::uint64_t> seeds,
                                          const std::function<void(const SweepPoint&)>& done,
                                          Ranks ranks, std::span<const SweepVary> vary,
                                          const SweepJournal* journal,
                                          std::vector<std::vector<SweepDay>>* curves) {
  if (vary.size() > kMaxVaried) {
    return make_error(ErrorCode::kInvalidArgument,
                      strprintf("a sweep varies at most %zu settings", kMaxVaried));
  }
  for (std::size_t i = 0; i < vary.size(); ++i) {
    if (vary[i].key == "app.uptake" || vary[i].key == "run.seed") {
      return make_error(ErrorCode::kInvalidArgument,
                        "a sweep varies app.uptake and run.seed by its uptakes and seeds, not as "
                        "a setting");
    }
  }
  GL_RETURN_IF_ERROR(check_varied(vary, "sweep"));
  const auto combinations = varied_combinations(vary);
  std::vector<SimConfig> configs;
  std::vector<std::array<double, kMaxVaried>> config_values;
  for (const auto& values : combinations) {
    for (const double u : uptakes) {
      for (const std::uint64_t seed : seeds) {
        SimConfig c = base;
        for (std::size_t i = 0; i < vary.size(); ++i) {
          GL_RETURN_IF_ERROR(apply_override(c, vary[i].key + "=" + strprintf("%.17g", values[i])));
        }
        c.app.uptake = u;
        c.run.seed = seed;
        c.run.baseline = false;
        // Every rank checks every point before any runs, so that a bad point stops all ranks
        // alike instead of leaving the others waiting in the gather below.
        GL_RETURN_IF_ERROR(validate_config(c));
        configs.push_back(c);
        config_values.push_back(values);
      }
    }
  }
  const auto size = static_cast<std::size_t>(ranks.size());
  const auto rank = static_cast<std::size_t>(ranks.rank());
  // Every rank has opened its journal (and looked at what the folder held) before any rank
  // records a run there: in a shared folder a fast rank's first run would otherwise look,
  // to a slower rank opening it, like a run of an interrupted sweep.
  if (journal != nullptr) ranks.sum(0);
  // An error on one rank must not leave the others waiting in the gather below.
  const auto stop = [&ranks](const Error& error) -> std::unexpected<Error> {
    if (ranks.size() > 1) ranks.abort(error.message);
    return std::unexpected(error);
  };
  std::vector<SweepPoint> mine;
  std::vector<SweepDay> mine_days;          // with curves: this rank's runs' days, run by run
  std::vector<std::uint64_t> mine_lengths;  // and each run's number of days
  for (std::size_t i = rank; i < configs.size(); i += size) {
    SweepPoint p{configs[i].app.uptake, configs[i].run.seed, {}, config_values[i]};
    std::vector<DailyStats> days;
    auto summary = journaled_run(configs[i], journal, p.from_journal,
                                 curves != nullptr ? &days : nullptr);  // whole on this rank
    if (!summary) return stop(summary.error());
    p.summary = *summary;
    for (const DailyStats& d : days) mine_days.push_back(sweep_day(d));
    mine_lengths.push_back(days.size());
    mine.push_back(p);
    if (done) done(mine.back());
  }
  // Rank order holds points r, r + size, ...: put them back in list order.
  const std::vector<SweepPoint> gathered = ranks.gather_all<SweepPoint>(mine);
  std::vector<SweepPoint> points(configs.size());
  std::size_t at = 0;
  for (std::size_t r = 0; r < size; ++r) {
    for (std::size_t i = r; i < configs.size(); i += size) points[i] = gathered[at++];
  }
  if (curves != nullptr) {
    const std::vector<SweepDay> all_days = ranks.gather_all<SweepDay>(mine_days);
    const std::vector<std::uint64_t> lengths = ranks.gather_all<std::uint64_t>(mine_lengths);
    curves->assign(configs.size(), {});
    std::size_t run = 0;
    std::size_t day = 0;
    for (std::size_t r = 0; r < size; ++r) {
      for (std::size_t i = r; i < configs.size(); i += size) {
        const auto first = all_days.begin() + static_cast<std::ptrdiff_t>(day);
        (*curves)[i].assign(first, first + static_cast<std::ptrdiff_t>(lengths[run]));
        day += lengths[run++];
      }
    }
  }
  return points;
}

Result<std::vector<ThresholdPoint>> run_threshold_sweep(
    const SimConfig& base, const ThresholdSweepSpec& spec,
    const std::function<void(const ThresholdPoint&)>& done, const SweepJournal* journal) {
  std::vector<ThresholdPoint> points;
  // One point's settings: the thresholds moved by `offset`, the RED threshold `minutes`.
  const auto shifted = [&](double offset, double minutes, std::uint64_t seed) {
    SimConfig c = base;
    c.run.seed = seed;
    c.run.baseline = false;
    auto& risk = c.app.risk;
    for (double& t : risk.attenuation_thresholds_db) t += offset;
    risk.min_minutes_attenuation_db += offset;
    risk.high_threshold_minutes = minutes;
    return c;
  };
  // Every point is checked before the first run (an offset beyond the thresholds' range
  // stopped the sweep after the runs before it).
  for (const double offset : spec.offsets_db) {
    for (const double minutes : spec.minutes) {
      if (const Status st = validate_config(shifted(offset, minutes, base.run.seed)); !st) {
        return make_error(
            st.error().code,
            strprintf("offset %g dB, %g minutes: ", offset, minutes) + st.error().message);
      }
    }
  }
  for (const std::uint64_t seed : spec.seeds) {
    SimConfig without = base;
    without.run.seed = seed;
    without.run.baseline = false;
    without.run.server = ServerMode::kNone;
    without.run.verify_phones = 0;
    without.app.uptake = 0;
    bool reference_recorded = false;
    auto reference = journaled_run(without, journal, reference_recorded);
    GL_RETURN_IF_ERROR(reference);
    for (const double offset : spec.offsets_db) {
      for (const double minutes : spec.minutes) {
        const SimConfig c = shifted(offset, minutes, seed);
        const auto& risk = c.app.risk;
        ThresholdPoint p;
        auto r = journaled_run(c, journal, p.from_journal);
        GL_RETURN_IF_ERROR(r);
        p.offset_db = offset;
        p.thresholds_db = risk.attenuation_thresholds_db;
        p.high_threshold_minutes = minutes;
        p.seed = seed;
        p.summary = *r;
        p.baseline = *reference;
        points.push_back(p);
        if (done) done(points.back());
      }
    }
  }
  return points;
}

std::uint64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

Result<BenchResult> run_benchmark(const SimConfig& config, Ranks ranks) {
  SimConfig c = config;
  c.run.server = ServerMode::kNone;
  c.run.verify_phones = 0;
  InMemoryPublisher publisher;
  BenchResult out;
  out.people = c.population.people;
  out.days = c.run.days;
  out.threads = c.run.threads;
  const auto setup_start = std::chrono::steady_clock::now();
  auto sim = Simulation::create(c, publisher, ranks);
  GL_RETURN_IF_ERROR(sim);
  out.setup_seconds = seconds_since(setup_start);
  const auto run_start = std::chrono::steady_clock::now();
  GL_RETURN_IF_ERROR((*sim)->run());
  out.run_seconds = seconds_since(run_start);
  out.person_days_per_second =
      out.run_seconds > 0 ? static_cast<double>(out.people) * out.days / out.run_seconds : 0;
  out.encounter_store_bytes = (*sim)->encounter_store_bytes();
  out.infections = (*sim)->summary().infections;
  // After the summary, whose look-up tables are part of the run's peak (at 10 M people
  // they added 283 MiB when the peak was read before them).
  out.peak_rss_bytes = peak_rss_bytes();
  for (const auto& d : (*sim)->daily()) out.runs_stored += d.runs_stored;
  out.runs_staged = (*sim)->runs_staged();
  out.runs_sent = (*sim)->runs_sent();
  out.phase_seconds = (*sim)->phase_seconds();
  for (const auto& p : out.phase_seconds) out.cpu_seconds += p.cpu_seconds;
  return out;
}

}  // namespace greenlight::sim

// `greenlight sim`: population simulations on the real protocol stack (docs/simulation.md).
//
//   greenlight sim run   [--people N --days D --seed S --uptake U --config FILE --preset NAME
//                         --set section.key=value ... --server none|inprocess|loopback
//                         --threads T --out DIR --no-baseline --verify-phones N --quiet]
//   greenlight sim sweep --uptake 0,0.25,0.5,0.75,1 [--seeds 1,2,3] [the run options]
//   greenlight sim bench [--people N --days D --threads T --uptake U]
//   greenlight sim config [--preset NAME]   (print the full configuration as JSON)
//   greenlight sim radio-plot [--out DIR --contacts N --seed S --config/--set]
//   greenlight sim threshold-sweep [--offsets -8,-4,0,4 --minutes 5,13,20 --seeds 1,2]
//                         [the run options]
//   greenlight sim compare [--sweep section.key=V1,V2,... --seeds 1,2] [the run options]
//                         (greenlight against a centralised health code and manual tracing,
//                         same population)
// Every command takes --radio calibrated|clean (the radio model; default calibrated).
//
// Progress goes to stderr, the report to stdout, files into --out.
//
// Under mpirun (or srun), `run` and `bench` spread one population over the ranks and `sweep`
// spreads its runs over them (docs/simulation.md "MPI"); only rank 0 prints and writes files,
// and an error on any rank stops all of them.
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "command.h"
#include "greenlight/sim/config.h"
#include "greenlight/sim/experiment.h"
#include "greenlight/sim/fit.h"
#include "greenlight/sim/offspring.h"
#include "greenlight/sim/radio_calibration.h"
#include "greenlight/sim/radio_report.h"
#include "greenlight/sim/ranks.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/scenario.h"
#include "greenlight/sim/server_publisher.h"
#include "greenlight/sim/simulation.h"
#include "greenlight/sim/sweep_journal.h"
#include "text_file.h"

namespace greenlight::cli {
namespace {

namespace fs = std::filesystem;
using sim::SimConfig;

// The presets of sim::preset, for --help.
constexpr const char* kPresetHelp =
    "openabm-like (default: OpenABM's disease, testing and self-isolation, with the app), "
    "no-intervention (nobody isolates; no app), self-isolation (no app) or openabm-app "
    "(OpenABM's app arm: every matched contact RED, 90 % isolating 14 days with the household)";

struct CommonOptions {
  // The command's size when neither --people / --days, the config file nor --set gives one.
  std::uint32_t default_people = 5000;
  std::uint32_t default_days = 42;
  std::optional<std::uint32_t> people;
  std::optional<std::uint32_t> days;
  std::optional<std::uint64_t> seed;
  std::optional<double> uptake;
  std::optional<std::uint32_t> threads;
  std::optional<std::string> server;
  std::string config_file;
  std::string preset = "openabm-like";
  std::optional<std::string> radio;
  std::vector<std::string> overrides;
  std::string out = "sim-out";
  bool no_baseline = false;
  std::optional<std::uint32_t> verify_phones;
  std::optional<std::string> lockdown;
  bool manual_tracing = false;
  std::optional<double> vaccinate;
  bool reinfection = false;
  bool events = false;  // sim run: transmissions.csv and exposures.csv
  bool quiet = false;
};

// The options every `sim` command shares; `people` and `days` are its size by default.
void add_common(CLI::App* cmd, CommonOptions& o, bool with_uptake, std::uint32_t people = 5000,
                std::uint32_t days = 42) {
  o.default_people = people;
  o.default_days = days;
  // Counts: -1 refused, not wrapped (not_negative, command.h).
  cmd->add_option("--people", o.people, "Number of people (default " + std::to_string(people) + ")")
      ->transform(not_negative());
  cmd->add_option("--days", o.days, "Simulated days (default " + std::to_string(days) + ")")
      ->transform(not_negative());
  cmd->add_option("--seed", o.seed, "Seed of the whole run (default 1)")->transform(not_negative());
  if (with_uptake) {
    cmd->add_option("--uptake", o.uptake,
                    "Fraction of people with the app, 0..1 (default the preset's app.uptake: "
                    "0.72, 0 in no-intervention and self-isolation)");
  }
  cmd->add_option("--threads", o.threads, "Worker threads (default 2)")->transform(not_negative());
  cmd->add_option("--server", o.server,
                  "Where positive users upload: none (in memory, the default), inprocess or "
                  "loopback");
  cmd->add_option("--config", o.config_file,
                  "JSON configuration file (see `greenlight sim config`)");
  cmd->add_option("--preset", o.preset, kPresetHelp);
  cmd->add_option("--radio", o.radio,
                  "Radio model: calibrated (default; fitted to published measurements) or clean "
                  "(the earlier, kinder radio)");
  cmd->add_option("--lockdown", o.lockdown,
                  "Lock everyone down on days FIRST to LAST (FIRST-LAST, both included; "
                  "comma-separated for several windows, e.g. 50-84,150-170): "
                  "OpenABM's multipliers, school/work and random contacts and venue visits "
                  "x0.22, household x1.5 (the lockdown.* settings)");
  cmd->add_flag("--manual-tracing", o.manual_tracing,
                "Manual contact tracing of every positive case (OpenABM's defaults: 30 tracers "
                "per 100,000, 6 interviews and 12 calls each a day, 1-day delay; the "
                "manual_tracing.* settings)");
  cmd->add_option("--vaccinate", o.vaccinate,
                  "Vaccinate PER_100K people per 100,000 a day from day 0, oldest first, those "
                  "aged 10 and over (protected 28 days later: BNT162b2's efficacy against "
                  "infection 0.92 and symptoms 0.94, Dagan et al. 2021; the vaccination.* "
                  "settings)")
      ->type_name("PER_100K");
  cmd->add_flag("--reinfection", o.reinfection,
                "The recovered may be infected again (Chemaitelly et al. 2022: an infection "
                "protects 85.5 % from reinfection and 97.3 % from a severe one, the first "
                "halving every 850 days; the immunity.* settings)");
  cmd->add_option("--set", o.overrides,
                  "Override one setting: section.key=value, or one element of a list setting: "
                  "section.key[INDEX]=value, INDEX from 0 (repeatable)");
  cmd->add_option("--out", o.out, "Output directory (default sim-out)");
  cmd->add_flag("--quiet", o.quiet, "No progress bar");
}

// Caps on the input files (a directory or /dev/zero given as one was read without end or
// taken for broken JSON): a full configuration is 20 KB, a year of daily observations less.
constexpr std::uintmax_t kMaxConfigBytes = 16 << 20;
constexpr std::uintmax_t kMaxDataBytes = 64 << 20;

SimConfig build_config(const CommonOptions& o) {
  auto base = sim::preset(o.preset);
  if (!base) throw CommandError{"--preset: " + base.error().message};
  SimConfig c = *base;
  // The command's size, under what the config file and --set say.
  c.population.people = o.default_people;
  c.run.days = o.default_days;
  if (o.radio) {
    if (auto st = sim::apply_radio_preset(c, *o.radio); !st)
      throw CommandError{"--radio: " + st.error().message};
  }
  if (!o.config_file.empty()) {
    // Types now; the ranges once --set and the options are applied (a file's regions may
    // need the --people given beside it).
    auto parsed = sim::config_from_json(read_input_file("--config", o.config_file, kMaxConfigBytes),
                                        c, false);
    if (!parsed) throw CommandError{o.config_file + ": " + parsed.error().message};
    // A full file (`sim config`) holds radio.model: it comes after --radio and wins.
    if (o.radio && parsed->radio.model != c.radio.model && sim::Ranks::world().root()) {
      std::fprintf(stderr,
                   "greenlight: warning: %s sets radio.model to %s, after --radio %s: the run "
                   "uses the file's (--set radio.model=... comes after the file)\n",
                   o.config_file.c_str(),
                   std::string(sim::radio_model_name(parsed->radio.model)).c_str(),
                   o.radio->c_str());
    }
    c = *parsed;
  }
  // Types now, ranges with the options below (validate_config at the end).
  if (auto st = sim::apply_overrides(c, o.overrides); !st) {
    throw CommandError{"--set: " + st.error().message};
  }
  if (o.people) c.population.people = *o.people;
  if (o.days) c.run.days = *o.days;
  if (o.seed) c.run.seed = *o.seed;
  if (o.uptake) c.app.uptake = *o.uptake;
  if (o.threads) c.run.threads = *o.threads;
  if (o.server) {
    auto mode = sim::server_mode_from_name(*o.server);
    if (!mode) throw CommandError{"--server: " + mode.error().message};
    c.run.server = *mode;
  }
  if (o.lockdown) {
    // FIRST-LAST[,FIRST-LAST...], days of the run, both included: the first window is
    // lockdown.start_day and days, the others lockdown.windows.
    const std::string& text = *o.lockdown;
    const auto parse = [](std::string_view part, std::uint32_t& out) {
      const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
      return ec == std::errc() && end == part.data() + part.size() && !part.empty();
    };
    std::size_t at = 0;
    c.lockdown.windows.clear();
    for (bool first_window = true; at <= text.size(); first_window = false) {
      const auto comma = std::min(text.find(',', at), text.size());
      const std::string_view window = std::string_view(text).substr(at, comma - at);
      at = comma + 1;
      const auto dash = window.find('-');
      std::uint32_t first = 0;
      std::uint32_t last = 0;
      if (dash == std::string_view::npos || !parse(window.substr(0, dash), first) ||
          !parse(window.substr(dash + 1), last) || last < first || last > 2000) {
        throw CommandError{
            "--lockdown: expected FIRST-LAST days with FIRST <= LAST <= 2000, comma-separated "
            "(e.g. 20-54 or 20-54,120-140), got '" +
            text + "'"};
      }
      if (first_window) {
        c.lockdown.start_day = first;
        c.lockdown.days = last - first + 1;
      } else {
        c.lockdown.windows.push_back({first, last});
      }
    }
  }
  if (o.manual_tracing) c.manual_tracing.enabled = true;
  if (o.vaccinate) c.vaccination.people_per_day_per_100k = *o.vaccinate;
  if (o.reinfection) c.immunity.reinfection = true;
  if (o.no_baseline) c.run.baseline = false;
  if (o.verify_phones) c.run.verify_phones = *o.verify_phones;
  // Everyone, said once the settings are valid (a population smaller than the cases asked for,
  // e.g. a --people below a config file's initial cases).
  const std::uint32_t asked_cases = c.disease.initial_infections;
  c.disease.initial_infections = std::min(asked_cases, c.population.people);
  if (auto v = sim::validate_config(c); !v) throw CommandError{v.error().message};
  if (asked_cases > c.population.people && sim::Ranks::world().root()) {
    std::fprintf(stderr,
                 "greenlight: warning: disease.initial_infections (%u) is more than the %u "
                 "people: all of them are infected on day 0\n",
                 asked_cases, c.population.people);
  }
  // Under mpirun only rank 0 prints (outside MPI, world() is the one rank).
  if (sim::Ranks::world().root()) {
    for (const std::string& w : sim::config_warnings(c)) {
      std::fprintf(stderr, "greenlight: warning: %s\n", w.c_str());
    }
  }
  return c;
}

// The names of the files the last finished command wrote into its --out, in that folder: the
// next command there removes them before it writes its first file, so that no earlier run's
// file (a timeseries_without_app.csv beside a run without baseline, an old report.txt beside an
// interrupted run's config.json) is taken for one of its own. Only the files greenlight wrote
// are listed (sim::write_file's and the plots'), never another file of the folder; a command
// refused before it writes leaves the earlier outputs alone.
constexpr const char* kOutputList = ".greenlight-outputs";

struct OutputFolder {
  fs::path dir;
  bool cleared = false;  // the earlier command's outputs removed
};
std::optional<OutputFolder> output_folder;  // set by prepare_out on rank 0

void remove_earlier_outputs(const fs::path& out) {
  std::ifstream list(out / kOutputList);
  if (!list) return;
  std::error_code ec;
  for (std::string name; std::getline(list, name);) {
    // Plain names in this folder only.
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
      continue;
    if (fs::is_regular_file(fs::symlink_status(out / name, ec))) fs::remove(out / name, ec);
  }
  list.close();
  fs::remove(out / kOutputList, ec);
}

// The files of this folder the command wrote (`files`, the plots among them, and those of
// sim::write_file), listed for the next command.
void record_outputs(const std::vector<fs::path>& files) {
  if (!output_folder) return;
  std::vector<fs::path> paths = sim::take_written_files();
  paths.insert(paths.end(), files.begin(), files.end());
  std::vector<std::string> names;
  for (const fs::path& p : paths) {
    std::error_code ec;
    const fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
    if (!fs::is_regular_file(p, ec) || !fs::equivalent(parent, output_folder->dir, ec) || ec)
      continue;
    names.push_back(p.filename().string());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string text;
  for (const auto& n : names) text += n + "\n";
  if (auto st = sim::write_file(output_folder->dir / kOutputList, text); !st)
    throw CommandError{st.error().message};
}

// --out made and checked before the work: a folder the command cannot write was found only
// when the results were done (a whole comparison's runs lost). Every rank checks (under mpirun
// each writes its finished runs there); rank 0 removes the earlier command's outputs.
void prepare_out(const CommonOptions& o) {
  if (o.out.empty()) throw CommandError{"--out: an output folder is needed (got an empty name)"};
  const fs::path out = o.out;
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::is_directory(out, ec))
    throw CommandError{"--out " + o.out + " is not a folder"};
  fs::create_directories(out, ec);
  if (ec) throw CommandError{"--out: cannot create " + o.out + ": " + ec.message()};
  if (access(out.c_str(), W_OK | X_OK) != 0) {
    throw CommandError{"--out: cannot write into " + o.out + ": " + std::strerror(errno)};
  }
  if (!sim::Ranks::world().root()) return;
  output_folder = OutputFolder{out};
  sim::take_written_files();  // none of this command's yet
}

// Redraws one progress line on a terminal; on a pipe, prints a line every 10 %.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet, std::string label)
      : quiet_(quiet),
        tty_(isatty(STDERR_FILENO) != 0),
        label_(std::move(label)),
        start_(std::chrono::steady_clock::now()) {}
  void operator()(const sim::Progress& p) {
    if (quiet_) return;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const std::string line = label_ + sim::progress_line(p, elapsed);
    if (tty_) {
      std::fprintf(stderr, "\r%s\033[K", line.c_str());
      if (p.day == p.days) std::fputc('\n', stderr);
    } else if (p.days > 0 && (p.day * 10 / p.days != last_decile_ || p.day == p.days)) {
      last_decile_ = p.day * 10 / p.days;
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
  }

 private:
  bool quiet_;
  bool tty_;
  std::string label_;
  std::chrono::steady_clock::time_point start_;
  std::uint32_t last_decile_ = 0;
};

// SIGINT, SIGTERM and SIGHUP end a sim command as before, after its key servers' temporary
// folders are removed (the destructors that remove them do not run then: each SIGINT or SIGTERM
// of `sim run --server` left one behind). The signals are blocked before any thread starts
// (MPI's and the simulation's inherit the mask) and taken by one thread; one that the process
// ignores (nohup, a shell's background job) stays ignored.
void clean_up_on_signals() {
  static std::once_flag once;
  std::call_once(once, [] {
    sigset_t set;
    sigemptyset(&set);
    for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction now {};
      if (sigaction(sig, nullptr, &now) == 0 && now.sa_handler != SIG_IGN) sigaddset(&set, sig);
    }
    if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return;
    std::thread([set] {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) return;
      sim::remove_server_directories();
      std::signal(sig, SIG_DFL);
      pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
      std::raise(sig);  // ends the process as the signal would have
    }).detach();
  });
}

// Runs one simulator command with the MPI ranks this process was launched with (one rank
// outside mpirun). Ranks wait for each other in collectives, so an error on one rank ends
// every rank (MPI_Abort) with the rank and the message, instead of leaving the others hung.
template <typename Fn>
void with_ranks(Fn&& fn) {
  clean_up_on_signals();
  auto session = sim::MpiSession::start();
  if (!session) throw CommandError{session.error().message};
  const sim::Ranks ranks = sim::Ranks::world();
  if (ranks.size() == 1) {
    fn(ranks);
    return;
  }
  try {
    fn(ranks);
  } catch (const CommandError& e) {
    ranks.abort(e.message);
  } catch (const std::exception& e) {
    ranks.abort(e.what());
  }
}

// For the commands that run in one process: under mpirun with K > 1 every rank would run the
// whole command and write the same files, so all ranks stop with a message instead.
template <typename Fn>
void in_one_process(const char* command, Fn&& fn) {
  with_ranks([&](const sim::Ranks& ranks) {
    if (ranks.size() > 1) {
      throw CommandError{std::string("sim ") + command +
                         " runs in one process: start it without mpirun (sim run, sweep, fit "
                         "and bench use MPI ranks)"};
    }
    fn();
  });
}

// Every output of a command goes through here, its first after the command can no longer be
// refused: the earlier command's outputs are removed then.
void write_or_throw(const fs::path& path, std::string_view text) {
  if (output_folder && !output_folder->cleared) {
    remove_earlier_outputs(output_folder->dir);
    output_folder->cleared = true;
  }
  if (auto s = sim::write_file(path, text); !s) throw CommandError{s.error().message};
}

// The last step of every command that writes into --out.
void print_files(const std::vector<fs::path>& files) {
  std::printf("\nFiles:\n");
  for (const auto& f : files) std::printf("  %s\n", f.string().c_str());
  record_outputs(files);
}

void run_run(const CommonOptions& o, const sim::Ranks& ranks) {
  const SimConfig c = build_config(o);
  const fs::path out = o.out;
  if (ranks.root()) {
    prepare_out(o);
    write_or_throw(out / "config.json", sim::config_to_json(c));
  }
  int pass = 0;
  const bool two = c.run.baseline && c.app.uptake > 0;
  std::optional<ProgressPrinter> printer;
  auto progress = [&](const sim::Progress& p) {
    if (p.day == 1) {
      ++pass;
      printer.emplace(o.quiet || !ranks.root(),
                      two ? (pass == 1 ? "with app    " : "without app ") : "");
    }
    (*printer)(p);
  };
  auto result = sim::run_scenario(c, progress, ranks, o.events);
  if (!result) throw CommandError{result.error().message};
  if (!ranks.root()) return;
  std::vector<fs::path> files{out / "config.json", out / "timeseries.csv"};
  write_or_throw(out / "timeseries.csv", sim::daily_csv(result->app.daily));
  std::span<const sim::DailyStats> baseline_daily;
  if (result->baseline) {
    baseline_daily = result->baseline->daily;
    write_or_throw(out / "timeseries_without_app.csv", sim::daily_csv(baseline_daily));
    files.push_back(out / "timeseries_without_app.csv");
  }
  if (!result->app.regions.empty()) {
    write_or_throw(out / "regions.csv", sim::regions_csv(result->app.regions));
    files.push_back(out / "regions.csv");
    if (result->baseline) {
      write_or_throw(out / "regions_without_app.csv", sim::regions_csv(result->baseline->regions));
      files.push_back(out / "regions_without_app.csv");
    }
  }
  if (o.events) {
    const auto events = [&](const sim::RunOutcome& r, const std::string& suffix) {
      write_or_throw(out / ("transmissions" + suffix + ".csv"), r.transmissions);
      write_or_throw(out / ("exposures" + suffix + ".csv"), r.exposures);
      files.push_back(out / ("transmissions" + suffix + ".csv"));
      files.push_back(out / ("exposures" + suffix + ".csv"));
    };
    events(result->app, "");
    if (result->baseline) events(*result->baseline, "_without_app");
  }
  const std::string text = sim::scenario_report(c, *result);
  write_or_throw(out / "report.txt", text);
  files.push_back(out / "report.txt");
  if (result->app.contacts_by_age) {
    write_or_throw(out / "contacts_by_age.csv",
                   sim::contacts_by_age_csv(*result->app.contacts_by_age));
    files.push_back(out / "contacts_by_age.csv");
  }
  // run_scenario counts both runs' offspring.
  const sim::Offspring& offspring = *result->app.offspring;
  const sim::Offspring* baseline_offspring =
      result->baseline ? &*result->baseline->offspring : nullptr;
  const sim::Reproduction* baseline_reproduction =
      result->baseline ? &result->baseline->reproduction : nullptr;
  write_or_throw(out / "reproduction.csv",
                 sim::reproduction_csv(result->app.reproduction, baseline_reproduction));
  files.push_back(out / "reproduction.csv");
  write_or_throw(out / "offspring.csv", sim::offspring_csv(offspring, baseline_offspring));
  files.push_back(out / "offspring.csv");
  write_or_throw(out / "intervals.csv", sim::intervals_csv(offspring, baseline_offspring));
  files.push_back(out / "intervals.csv");
  std::set<std::string> warned;  // each warning once (without gnuplot every call gives one)
  for (const auto& plots :
       {sim::write_plots(out, result->app.daily, baseline_daily, c.lockdown,
                         result->app.summary.app_users > 0),
        sim::write_reproduction_plot(out, result->app.reproduction, baseline_reproduction),
        sim::write_offspring_plot(out, offspring, baseline_offspring),
        sim::write_region_plot(out, result->app.regions),
        sim::write_staff_plot(out, result->app.summary.staff, result->app.daily, baseline_daily),
        sim::write_care_plot(out, result->app.summary.residents, result->app.daily,
                             baseline_daily)}) {
    if (!plots.warning.empty() && warned.insert(plots.warning).second) {
      std::fprintf(stderr, "greenlight: warning: %s\n", plots.warning.c_str());
    }
    files.insert(files.end(), plots.files.begin(), plots.files.end());
  }
  std::fputs(text.c_str(), stdout);
  print_files(files);
  // The per-phone check found the client library disagreeing: said where it is seen.
  const sim::RunSummary& s = result->app.summary;
  if (s.verify_mismatches > 0 || s.verify_colour_mismatches > 0) {
    std::fprintf(stderr,
                 "greenlight: warning: the client-library check disagreed with the shared path: "
                 "%llu window and %llu colour mismatches in %llu phone-syncs (report.txt)\n",
                 static_cast<unsigned long long>(s.verify_mismatches),
                 static_cast<unsigned long long>(s.verify_colour_mismatches),
                 static_cast<unsigned long long>(s.verified_phones));
  }
}

// The per-phone check (run.verify_phones) reports in sim run's report only: elsewhere it
// would slow every run and show nothing.
void refuse_verify_phones(const SimConfig& c, const char* command) {
  if (c.run.verify_phones != 0) {
    throw CommandError{std::string("run.verify_phones: sim ") + command +
                       " does not report the per-phone check; run it with sim run "
                       "--verify-phones N"};
  }
}

std::vector<double> parse_list(const std::string& text, const char* what) {
  std::vector<double> out;
  std::stringstream s(text);
  std::string item;
  while (std::getline(s, item, ',')) {
    try {
      std::size_t used = 0;
      out.push_back(std::stod(item, &used));
      if (used != item.size() || !std::isfinite(out.back())) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw CommandError{std::string(what) +
                         ": expected comma-separated numbers (0 and 1 for a switch), got '" + item +
                         "'"};
    }
    // A value twice would be run and counted twice.
    if (std::find(out.begin(), out.end() - 1, out.back()) != out.end() - 1) {
      throw CommandError{std::string(what) + ": " + item + " given twice"};
    }
  }
  if (out.empty()) throw CommandError{std::string(what) + ": expected at least one value"};
  return out;
}

// --seeds S1,S2,...: distinct whole numbers (fallback alone when empty).
std::vector<std::uint64_t> parse_seeds(const std::string& text, std::uint64_t fallback);

// --vary section.key=V1,V2,... options.
std::vector<sim::SweepVary> parse_vary(const std::vector<std::string>& texts) {
  std::vector<sim::SweepVary> vary;
  for (const std::string& text : texts) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
      throw CommandError{"--vary: expected section.key=V1,V2,..., got '" + text + "'"};
    vary.push_back({text.substr(0, eq), parse_list(text.substr(eq + 1), "--vary")});
  }
  return vary;
}

// Progress of the runs of a sweep or a fit, printed by rank 0 for its own: over K ranks rank 0
// runs every K-th of `total` points.
class RunProgress {
 public:
  RunProgress(const char* what, std::size_t total, const sim::Ranks& ranks,
              std::span<const std::string> keys)
      : what_(what),
        total_(ranks.size() > 1 ? (total + static_cast<std::size_t>(ranks.size()) - 1) /
                                      static_cast<std::size_t>(ranks.size())
                                : total),
        on_rank_(ranks.size() > 1 ? " on rank 0" : ""),
        keys_(keys) {}
  // "WHAT done/total[ on rank 0]: key value ... " for the next point's varied values.
  std::string next(const std::array<double, sim::kMaxVaried>& values) {
    std::string out = sim::strprintf("%s %zu/%zu%s: ", what_, ++done_, total_, on_rank_);
    for (std::size_t i = 0; i < keys_.size(); ++i)
      out += keys_[i] + sim::strprintf(" %.10g ", values[i]);
    return out;
  }
  // "finished before" for a run read back, otherwise the seconds since the start.
  std::string when(bool from_journal) const {
    if (from_journal) return "finished before";
    return sim::strprintf(
        "%.1f s", std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }

 private:
  const char* what_;
  std::size_t total_;
  const char* on_rank_;
  std::span<const std::string> keys_;
  std::size_t done_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// The finished runs of a sweep into o.out (one file each, in the folder `name`), so that an
// interrupted sweep can be resumed (sweep_journal.h).
sim::SweepJournal open_journal(const CommonOptions& o, const char* name, bool resume,
                               const sim::Ranks& ranks) {
  prepare_out(o);
  auto journal = sim::SweepJournal::open(fs::path(o.out) / name, resume);
  if (!journal) throw CommandError{journal.error().message};  // over MPI: stops every rank
  if (!o.quiet && ranks.root() && journal->runs_at_open() > 0) {
    std::fprintf(stderr,
                 "resuming: %zu finished run(s) in %s (those of these settings are reused)\n",
                 journal->runs_at_open(), journal->dir().c_str());
  }
  return std::move(*journal);
}

// Once the outputs holding its runs are written.
void drop_journal(const sim::SweepJournal& journal) {
  auto removed = journal.remove();
  if (!removed) {
    std::fprintf(stderr, "greenlight: warning: %s\n", removed.error().message.c_str());
  } else if (*removed > 0) {
    std::fprintf(stderr,
                 "greenlight: warning: kept %s: %zu finished run(s) of other settings that this "
                 "run did not use (remove the folder when they are not needed)\n",
                 journal.dir().c_str(), *removed);
  }
}

void write_sweep(const CommonOptions& o, const SimConfig& c,
                 std::span<const sim::SweepPoint> points,
                 std::span<const std::vector<sim::SweepDay>> curves,
                 std::span<const std::string> keys, std::size_t seeds) {
  const fs::path out = o.out;
  write_or_throw(out / "config.json", sim::config_to_json(c));
  write_or_throw(out / "sweep.csv", sim::sweep_csv(points, keys));
  write_or_throw(out / "sweep_daily.csv", sim::sweep_daily_csv(points, curves, keys));
  const std::string table = sim::format_sweep(points, keys);
  write_or_throw(out / "sweep.txt", table);
  std::vector<fs::path> files{out / "config.json", out / "sweep.csv", out / "sweep_daily.csv",
                              out / "sweep.txt"};
  for (const auto& plot : {sim::write_sweep_plot(out, points, keys),
                           sim::write_sweep_curves(out, points, curves, keys)}) {
    if (!plot.warning.empty())
      std::fprintf(stderr, "greenlight: warning: %s\n", plot.warning.c_str());
    files.insert(files.end(), plot.files.begin(), plot.files.end());
  }
  std::printf("Sweep: %u people, %u days, %zu seeds\n%s", c.population.people, c.run.days, seeds,
              table.c_str());
  print_files(files);
}

void run_sweep(const CommonOptions& o, const std::string& uptakes_text,
               const std::string& seeds_text, const std::vector<std::string>& vary_texts,
               bool resume, const sim::Ranks& ranks) {
  SimConfig c = build_config(o);
  refuse_verify_phones(c, "sweep");
  const std::vector<sim::SweepVary> vary = parse_vary(vary_texts);
  std::vector<std::string> keys;
  for (const auto& v : vary) keys.push_back(v.key);
  const auto uptakes = parse_list(uptakes_text, "--uptake");
  for (double u : uptakes) {
    if (u < 0 || u > 1)
      throw CommandError{"--uptake values must be in [0, 1], got " + std::to_string(u)};
  }
  const std::vector<std::uint64_t> seeds = parse_seeds(seeds_text, c.run.seed);
  const sim::SweepJournal journal = open_journal(o, "sweep-runs", resume, ranks);
  std::size_t total = uptakes.size() * seeds.size();
  for (const auto& v : vary) total *= v.values.size();
  RunProgress progress("sweep", total, ranks, keys);
  std::vector<std::vector<sim::SweepDay>> curves;
  auto points = sim::run_sweep(
      c, uptakes, seeds,
      [&](const sim::SweepPoint& p) {
        const std::string line = progress.next(p.values);
        if (o.quiet || !ranks.root()) return;
        std::fprintf(stderr, "%suptake %.2f seed %llu -> %llu infected (%s)\n", line.c_str(),
                     p.uptake, static_cast<unsigned long long>(p.seed),
                     static_cast<unsigned long long>(p.summary.infections),
                     progress.when(p.from_journal).c_str());
      },
      ranks, vary, &journal, &curves);
  if (!points) throw CommandError{(vary.empty() ? "" : "--vary: ") + points.error().message};
  if (ranks.root()) write_sweep(o, c, *points, curves, keys, seeds.size());
  // The runs are dropped only once the outputs holding them are written: each rank removes
  // its own, the other ranks first, so that rank 0 finds only runs of other settings left
  // (and removes the folder without them; without a shared file system each rank its own).
  ranks.sum(0);
  if (!ranks.root()) (void)journal.remove();
  ranks.sum(0);
  if (ranks.root()) drop_journal(journal);
}

void write_fit(const CommonOptions& o, const SimConfig& c, std::span<const std::string> keys,
               std::span<const sim::FitPoint> points, const sim::Observed& observed);

void run_fit(const CommonOptions& o, const std::string& data_path,
             const std::vector<std::string>& vary_texts, const std::string& seeds_text, bool resume,
             const sim::Ranks& ranks) {
  const SimConfig c = build_config(o);
  refuse_verify_phones(c, "fit");
  const std::vector<sim::SweepVary> vary = parse_vary(vary_texts);
  // The observed days must lie in the longest run: with --vary run.days the longest value's
  // (each combination's own is checked before the runs); it was the base --days.
  std::uint32_t longest = c.run.days;
  for (const auto& v : vary) {
    if (v.key != "run.days") continue;
    for (const double days : v.values) {
      if (days >= 1 && days <= 2000) longest = std::max(longest, static_cast<std::uint32_t>(days));
    }
  }
  auto observed = sim::parse_observed(read_input_file("--data", data_path, kMaxDataBytes), longest);
  if (!observed) throw CommandError{data_path + ": " + observed.error().message};
  std::vector<std::string> keys;
  for (const auto& v : vary) keys.push_back(v.key);
  const auto seeds = parse_seeds(seeds_text, c.run.seed);
  const sim::SweepJournal journal = open_journal(o, "fit-runs", resume, ranks);
  std::size_t total = seeds.size();
  for (const auto& v : vary) total *= v.values.size();
  RunProgress progress("fit", total, ranks, keys);
  auto points = sim::run_fit(
      c, vary, seeds, *observed,
      [&](const sim::FitPoint& p) {
        const std::string line = progress.next(p.values);
        if (o.quiet || !ranks.root()) return;
        std::fprintf(stderr, "%sseed %llu -> mismatch %.4f (%s)\n", line.c_str(),
                     static_cast<unsigned long long>(p.seed), p.mismatch,
                     progress.when(p.from_journal).c_str());
      },
      ranks, &journal);
  if (!points) throw CommandError{"sim fit: " + points.error().message};
  if (ranks.root()) write_fit(o, c, keys, *points, *observed);
  // The runs are dropped once the outputs holding them are written (as run_sweep's).
  ranks.sum(0);
  if (!ranks.root()) (void)journal.remove();
  ranks.sum(0);
  if (ranks.root()) drop_journal(journal);
}

void write_fit(const CommonOptions& o, const SimConfig& c, std::span<const std::string> keys,
               std::span<const sim::FitPoint> points, const sim::Observed& observed) {
  const fs::path out = o.out;
  write_or_throw(out / "config.json", sim::config_to_json(c));
  write_or_throw(out / "fit.csv", sim::fit_csv(keys, points, observed));
  const std::string table = sim::format_fit(keys, points, observed);
  write_or_throw(out / "fit.txt", table);
  std::vector<fs::path> files{out / "config.json", out / "fit.csv", out / "fit.txt"};
  const auto plots = sim::write_fit_plots(out, keys, points, observed);
  if (!plots.warning.empty())
    std::fprintf(stderr, "greenlight: warning: %s\n", plots.warning.c_str());
  files.insert(files.end(), plots.files.begin(), plots.files.end());
  std::printf("%s", table.c_str());
  print_files(files);
}

void run_bench(const CommonOptions& o, const sim::Ranks& ranks) {
  SimConfig c = build_config(o);
  // The benchmark measures the simulator with its in-memory publisher (run_benchmark): a
  // server or the per-phone check would have been ignored without a word.
  if (c.run.server != sim::ServerMode::kNone || c.run.verify_phones != 0) {
    throw CommandError{
        "sim bench measures the in-memory publisher without the per-phone check: run.server "
        "must be none and run.verify_phones 0 (time a server run with sim run --server)"};
  }
  auto r = sim::run_benchmark(c, ranks);
  if (!r) throw CommandError{r.error().message};
  struct RankFigures {
    double cpu_seconds;
    std::uint64_t peak_rss_bytes;
    std::uint64_t encounter_store_bytes;
    std::uint64_t runs_staged;
    std::uint64_t runs_sent;
  };
  const RankFigures own{r->cpu_seconds, r->peak_rss_bytes, r->encounter_store_bytes, r->runs_staged,
                        r->runs_sent};
  const auto per_rank = ranks.gather_all<RankFigures>(std::span<const RankFigures>(&own, 1));
  if (!ranks.root()) return;
  std::printf("people %u, days %u, threads %u, uptake %.2f\n", r->people, r->days, r->threads,
              c.app.uptake);
  std::printf("setup %.2f s, simulation %.2f s (%.3f s/day)\n", r->setup_seconds, r->run_seconds,
              r->days ? r->run_seconds / r->days : 0.0);
  std::printf("person-days per second %.0f\n", r->person_days_per_second);
  std::printf("peak RSS %.1f MiB (encounter store %.1f MiB)\n",
              static_cast<double>(r->peak_rss_bytes) / 1048576.0,
              static_cast<double>(r->encounter_store_bytes) / 1048576.0);
  std::printf("infections %llu, encounter runs stored %llu\n",
              static_cast<unsigned long long>(r->infections),
              static_cast<unsigned long long>(r->runs_stored));
  std::printf("process CPU time %.2f s (%.2f CPU-s/day)\n", r->cpu_seconds,
              r->days ? r->cpu_seconds / r->days : 0.0);
  std::printf("%-14s %10s %10s\n", "phase", "wall s", "CPU s");
  for (const auto& p : r->phase_seconds) {
    std::printf("%-14s %10.2f %10.2f\n", p.name.c_str(), p.wall_seconds, p.cpu_seconds);
  }
  if (per_rank.size() > 1) {
    // The figures above are rank 0's; per rank (each its own process):
    std::printf("MPI ranks %zu (figures above: rank 0)\n", per_rank.size());
    double cpu = 0;
    std::uint64_t staged = 0;
    std::uint64_t sent = 0;
    for (std::size_t k = 0; k < per_rank.size(); ++k) {
      const RankFigures& f = per_rank[k];
      cpu += f.cpu_seconds;
      staged += f.runs_staged;
      sent += f.runs_sent;
      std::printf(
          "rank %zu: CPU %.2f s, peak RSS %.1f MiB (encounter store %.1f MiB), runs sent to "
          "other ranks %llu of %llu\n",
          k, f.cpu_seconds, static_cast<double>(f.peak_rss_bytes) / 1048576.0,
          static_cast<double>(f.encounter_store_bytes) / 1048576.0,
          static_cast<unsigned long long>(f.runs_sent),
          static_cast<unsigned long long>(f.runs_staged));
    }
    std::printf("all ranks: CPU %.2f s, runs sent to other ranks %.1f %% of the runs staged\n", cpu,
                staged ? 100.0 * static_cast<double>(sent) / static_cast<double>(staged) : 0.0);
  }
}

void run_radio_plot(const CommonOptions& o, std::uint32_t contacts) {
  const SimConfig c = build_config(o);
  if (contacts == 0) throw CommandError{"--contacts must be at least 1"};
  prepare_out(o);
  const std::vector<double> distances{0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 6};
  SimConfig calibrated = c;
  calibrated.radio.model = sim::RadioModelKind::kCalibrated;
  SimConfig clean = c;
  if (auto st = sim::apply_radio_preset(clean, "clean"); !st)
    throw CommandError{st.error().message};
  const auto cal =
      sim::simulate_attenuation_profile(calibrated.radio, c.run.seed, distances, contacts);
  const auto cln = sim::simulate_attenuation_profile(clean.radio, c.run.seed, distances, contacts);
  const auto targets = sim::published_radio_targets();
  const fs::path out = o.out;
  write_or_throw(out / "config.json", sim::config_to_json(calibrated));
  write_or_throw(out / "radio_profile.csv", sim::attenuation_profile_csv(cal, cln));
  write_or_throw(out / "radio_targets.csv", sim::radio_targets_csv(targets));
  const std::string table = sim::format_attenuation_profile(cal, cln, targets);
  write_or_throw(out / "radio_profile.txt", table);
  std::vector<fs::path> files{out / "config.json", out / "radio_profile.csv",
                              out / "radio_targets.csv", out / "radio_profile.txt"};
  const auto plot = sim::write_radio_plot(out, cal, cln, targets);
  if (!plot.warning.empty())
    std::fprintf(stderr, "greenlight: warning: %s\n", plot.warning.c_str());
  files.insert(files.end(), plot.files.begin(), plot.files.end());
  std::printf("Radio: %u contacts per environment and distance, seed %llu\n%s", contacts,
              static_cast<unsigned long long>(c.run.seed), table.c_str());
  print_files(files);
}

std::vector<std::uint64_t> parse_seeds(const std::string& text, std::uint64_t fallback) {
  std::vector<std::uint64_t> seeds;
  if (text.empty()) {
    seeds.push_back(fallback);
    return seeds;
  }
  // Whole numbers read as such (through a double, 2^53 + 1 became 2^53).
  std::stringstream s(text);
  std::string item;
  while (std::getline(s, item, ',')) {
    std::uint64_t seed = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), seed);
    if (ec != std::errc() || end != item.data() + item.size() || item.empty()) {
      throw CommandError{"--seeds must be comma-separated non-negative integers below 2^64, got '" +
                         item + "'"};
    }
    if (std::find(seeds.begin(), seeds.end(), seed) != seeds.end()) {
      throw CommandError{"--seeds: " + item + " given twice"};
    }
    seeds.push_back(seed);
  }
  if (seeds.empty()) throw CommandError{"--seeds: expected at least one value"};
  return seeds;
}

void run_threshold_sweep(const CommonOptions& o, const std::string& offsets_text,
                         const std::string& minutes_text, const std::string& seeds_text,
                         bool resume) {
  const SimConfig c = build_config(o);
  refuse_verify_phones(c, "threshold-sweep");
  sim::ThresholdSweepSpec spec;
  if (!offsets_text.empty()) spec.offsets_db = parse_list(offsets_text, "--offsets");
  if (!minutes_text.empty()) spec.minutes = parse_list(minutes_text, "--minutes");
  for (double m : spec.minutes) {
    if (m < 0) throw CommandError{"--minutes must be non-negative"};
  }
  for (double d : spec.offsets_db) {
    if (d != std::floor(d)) throw CommandError{"--offsets must be whole dB (the client's are)"};
  }
  if (c.app.uptake <= 0) {
    throw CommandError{"threshold-sweep needs app users: app.uptake (--uptake) must be above 0"};
  }
  spec.seeds = parse_seeds(seeds_text, c.run.seed);
  const sim::SweepJournal journal =
      open_journal(o, "threshold-sweep-runs", resume, sim::Ranks::single());
  const auto start = std::chrono::steady_clock::now();
  const std::size_t total = spec.seeds.size() * spec.offsets_db.size() * spec.minutes.size();
  std::size_t done = 0;
  auto points = sim::run_threshold_sweep(
      c, spec,
      [&](const sim::ThresholdPoint& p) {
        ++done;
        if (!o.quiet) {
          const double elapsed =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          std::fprintf(
              stderr,
              "threshold sweep %zu/%zu: %+.0f dB, %.0f min, seed %llu -> %llu RED, %llu "
              "infected (%s)\n",
              done, total, p.offset_db, p.high_threshold_minutes,
              static_cast<unsigned long long>(p.seed),
              static_cast<unsigned long long>(p.summary.notifications_red),
              static_cast<unsigned long long>(p.summary.infections),
              p.from_journal ? "finished before" : sim::strprintf("%.1f s", elapsed).c_str());
        }
      },
      &journal);
  if (!points) throw CommandError{points.error().message};
  const fs::path out = o.out;
  write_or_throw(out / "config.json", sim::config_to_json(c));
  write_or_throw(out / "threshold_sweep.csv", sim::threshold_sweep_csv(*points));
  const double days_per_red = sim::isolation_days_per_red(c);
  const std::string table = sim::format_threshold_sweep(*points, days_per_red);
  write_or_throw(out / "threshold_sweep.txt", table);
  std::vector<fs::path> files{out / "config.json", out / "threshold_sweep.csv",
                              out / "threshold_sweep.txt"};
  const auto plot = sim::write_threshold_sweep_plot(out, *points, days_per_red);
  if (!plot.warning.empty())
    std::fprintf(stderr, "greenlight: warning: %s\n", plot.warning.c_str());
  files.insert(files.end(), plot.files.begin(), plot.files.end());
  std::printf("Threshold sweep: %u people, %u days, radio %s, uptake %.2f, %zu seeds\n%s",
              c.population.people, c.run.days,
              std::string(sim::radio_model_name(c.radio.model)).c_str(), c.app.uptake,
              spec.seeds.size(), table.c_str());
  print_files(files);
  drop_journal(journal);
}

void run_compare(const CommonOptions& o, const std::string& sweep_text,
                 const std::string& seeds_text, bool resume) {
  const SimConfig c = build_config(o);
  refuse_verify_phones(c, "compare");
  const fs::path out = o.out;
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::vector<fs::path> files{out / "config.json"};
  if (sweep_text.empty() && resume) throw CommandError{"--resume continues a --sweep"};
  // One comparison runs at --seed; several seeds are a sweep's (they were ignored).
  if (sweep_text.empty() && !seeds_text.empty()) {
    throw CommandError{"--seeds is for a --sweep; one comparison runs at --seed"};
  }
  if (sweep_text.empty()) {
    prepare_out(o);
    auto result = sim::run_comparison(c, [&](std::size_t arm) {
      if (!o.quiet)
        std::fprintf(stderr, "compare: arm %s done (%.1f s)\n",
                     std::string(sim::kArmNames[arm]).c_str(), elapsed());
    });
    if (!result) throw CommandError{result.error().message};
    write_or_throw(out / "config.json", sim::config_to_json(c));
    write_or_throw(out / "compare.csv", sim::comparison_csv(*result));
    const std::string table = sim::format_comparison(*result);
    write_or_throw(out / "compare.txt", table);
    files.push_back(out / "compare.csv");
    files.push_back(out / "compare.txt");
    for (const auto& arm : result->arms) {
      const fs::path ts = out / ("timeseries_" + std::string(arm.name) + ".csv");
      write_or_throw(ts, sim::daily_csv(arm.outcome.daily));
      files.push_back(ts);
    }
    const auto plots = sim::write_comparison_plots(out, *result);
    if (!plots.warning.empty())
      std::fprintf(stderr, "greenlight: warning: %s\n", plots.warning.c_str());
    files.insert(files.end(), plots.files.begin(), plots.files.end());
    std::fputs(table.c_str(), stdout);
    print_files(files);
    return;
  }
  const auto eq = sweep_text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw CommandError{"--sweep: expected section.key=V1,V2,..., got '" + sweep_text + "'"};
  const std::string key = sweep_text.substr(0, eq);
  const auto values = parse_list(sweep_text.substr(eq + 1), "--sweep");
  const auto seeds = parse_seeds(seeds_text, c.run.seed);
  const std::size_t total = values.size() * seeds.size();
  const sim::SweepJournal journal =
      open_journal(o, "compare-sweep-runs", resume, sim::Ranks::single());
  std::size_t done = 0;
  auto points = sim::run_compare_sweep(
      c, key, values, seeds,
      [&](const sim::CompareSweepPoint& p) {
        ++done;
        if (o.quiet) return;
        std::fprintf(
            stderr, "compare sweep %zu/%zu: %s=%g seed %llu (%.1f s%s)\n", done, total, key.c_str(),
            p.value, static_cast<unsigned long long>(p.seed), elapsed(),
            p.arms_from_journal > 0
                ? sim::strprintf(", %zu arm(s) finished before", p.arms_from_journal).c_str()
                : "");
      },
      &journal);
  if (!points) throw CommandError{"--sweep: " + points.error().message};
  std::string stem = "compare_" + key;
  std::replace(stem.begin(), stem.end(), '.', '_');
  write_or_throw(out / "config.json", sim::config_to_json(c));
  write_or_throw(out / (stem + ".csv"), sim::compare_sweep_csv(key, *points));
  const std::string table = sim::format_compare_sweep(key, *points);
  write_or_throw(out / (stem + ".txt"), table);
  files.push_back(out / (stem + ".csv"));
  files.push_back(out / (stem + ".txt"));
  const auto plot = sim::write_compare_sweep_plot(out, key, *points);
  if (!plot.warning.empty())
    std::fprintf(stderr, "greenlight: warning: %s\n", plot.warning.c_str());
  files.insert(files.end(), plot.files.begin(), plot.files.end());
  std::printf("Comparison sweep: %u people, %u days, %zu seeds\n%s", c.population.people,
              c.run.days, seeds.size(), table.c_str());
  print_files(files);
  drop_journal(journal);  // its runs are in the outputs now
}

void setup_sim(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("sim", "Population simulation on the real protocol stack");
  cmd->require_subcommand(1);

  auto run_opts = std::make_shared<CommonOptions>();
  CLI::App* run = cmd->add_subcommand("run", "Run one simulation (and its no-app baseline)");
  add_common(run, *run_opts, true);
  run->add_flag("--no-baseline", run_opts->no_baseline, "Skip the same run without the app");
  run->add_flag("--events", run_opts->events,
                "Also write the event logs: transmissions.csv (who infected whom, when, how) and "
                "exposures.csv (every key matched at a phone, with the days from the phone's "
                "infection to the sync), and their _without_app twins");
  run->footer(
      "Writes into --out: config.json, timeseries.csv (and timeseries_without_app.csv): one line "
      "per day (compartments, infections by layer, tests, uploads, notifications, colours, "
      "contacts, runs, check-ins, hospital, intensive care, deaths, patients denied intensive "
      "care, lockdown, manual tracing's interviews, calls and backlogs, patients denied a hospital "
      "bed, people vaccinated today and so far, samples waiting for a test and given up, "
      "infections with a second variant, infections of the vaccinated, people boosted, "
      "reinfections, screening samples); report.txt (also printed: "
      "epidemic, hospital and deaths, outcomes by age, notifications with precision and "
      "recall, colours, what a server holds, secondary infections per case); reproduction.csv "
      "(the case reproduction number by day of infection); offspring.csv (the cases by the "
      "number of people each infected, in all and by layer); intervals.csv (the transmission "
      "pairs by generation and serial interval); contacts_by_age.csv; with several regions "
      "regions.csv (and regions_without_app.csv); with --events transmissions.csv and "
      "exposures.csv (and their _without_app); plots epidemic, colours, hospital, "
      "reproduction and offspring, with regions regions, with hospital staff staff, with "
      "care homes care (.svg, .png; gnuplot; each plot's data in a *_data.txt beside it). "
      "docs/simulation.md explains every figure.");
  run->add_option("--verify-phones", run_opts->verify_phones,
                  "Phones re-matched at each sync through the client library (a check; "
                  "default 0: none)")
      ->transform(not_negative());
  run->callback([run_opts] { with_ranks([&](const sim::Ranks& r) { run_run(*run_opts, r); }); });

  auto sweep_opts = std::make_shared<CommonOptions>();
  auto uptakes = std::make_shared<std::string>("0,0.25,0.5,0.75,1");
  auto seeds = std::make_shared<std::string>();
  auto vary = std::make_shared<std::vector<std::string>>();
  auto resume = std::make_shared<bool>(false);
  CLI::App* sweep = cmd->add_subcommand("sweep",
                                        "Run a sweep over app uptake and seeds (and every "
                                        "combination of the values of up to three more settings)");
  add_common(sweep, *sweep_opts, false);
  sweep->add_option("--uptake", *uptakes, "Comma-separated uptakes (default 0,0.25,0.5,0.75,1)");
  sweep->add_option("--seeds", *seeds, "Comma-separated seeds (default: --seed)");
  sweep
      ->add_option("--vary", *vary,
                   "One more setting, every value with every uptake and seed: section.key=V1,V2,"
                   "... (numbers; e.g. vaccination.people_per_day_per_100k=0,250,500; one "
                   "element of a list setting as section.key[INDEX], e.g. "
                   "manual_tracing.guest_lists[1]=0,0.5,1); repeat for up to 3 settings (every "
                   "combination); sweep.txt has one table per combination, each against its "
                   "lowest uptake")
      ->take_first();
  sweep->add_flag("--resume", *resume,
                  "Continue an interrupted sweep into the same --out: reuse the runs it finished "
                  "(OUT/sweep-runs, one file per run, removed when the sweep completes) for the "
                  "same settings and the same greenlight build, and run the rest");
  sweep->footer(
      "Runs every uptake with every seed and every combination of the --vary values, each "
      "without the baseline (over MPI ranks when started with mpirun). Writes into --out: "
      "config.json, sweep.csv (one line per run: infections, deaths, tests, notifications, "
      "isolation), sweep_daily.csv (each run's daily series), sweep.txt (per uptake the median "
      "and range of infections against the lowest uptake, deaths, notifications; also printed), "
      "plots sweep and sweep_curves (.svg, "
      ".png; gnuplot; each plot's data in a *_data.txt beside it).");
  sweep->callback([sweep_opts, uptakes, seeds, vary, resume] {
    with_ranks(
        [&](const sim::Ranks& r) { run_sweep(*sweep_opts, *uptakes, *seeds, *vary, *resume, r); });
  });

  auto fit_opts = std::make_shared<CommonOptions>();
  auto fit_data = std::make_shared<std::string>();
  auto fit_vary = std::make_shared<std::vector<std::string>>();
  auto fit_seeds = std::make_shared<std::string>();
  CLI::App* fit = cmd->add_subcommand(
      "fit", "Fit up to three settings to observed data: the values whose runs come closest to it");
  add_common(fit, *fit_opts, true);
  fit->add_option("--data", *fit_data,
                  "CSV of observations: the header day,COLUMN[,COLUMN...] (columns of "
                  "timeseries.csv, e.g. positives, new_hospitalised or new_deaths), then one "
                  "line DAY,VALUE[,VALUE...] per observed day, days increasing")
      ->required();
  fit->add_option("--vary", *fit_vary,
                  "A setting and its values to try: section.key=V1,V2,... (e.g. "
                  "disease.infectious_rate=5,5.5,6,6.5; one element of a list setting as "
                  "section.key[INDEX]); repeat for up to 3 settings (every combination)")
      ->required()
      ->take_all();
  fit->add_option("--seeds", *fit_seeds, "Comma-separated seeds for each value (default: --seed)");
  auto fit_resume = std::make_shared<bool>(false);
  fit->add_flag("--resume", *fit_resume,
                "Continue an interrupted fit into the same --out: reuse the runs it finished "
                "(OUT/fit-runs, one file per run with its days, removed when the fit completes) "
                "for the same settings and greenlight build, and run the rest");
  fit->footer(
      "Runs every value with every seed (without the baseline; over MPI ranks when started with "
      "mpirun) and scores each run by its mismatch: the sum over the observed days of |model - "
      "observed|, divided by the sum of the observations (0 is perfect; a column observed 0 on "
      "every day adds its distance undivided). Writes into --out: "
      "config.json, fit.csv (each run's mismatch and its columns on the observed days), fit.txt "
      "(the combinations of values by mean mismatch, best first; also printed), and per "
      "observed column fit_COLUMN.svg/png (the observations and the best combinations' mean "
      "models). The mismatch of several columns is the sum of theirs.");
  fit->callback([fit_opts, fit_data, fit_vary, fit_seeds, fit_resume] {
    with_ranks([&](const sim::Ranks& r) {
      run_fit(*fit_opts, *fit_data, *fit_vary, *fit_seeds, *fit_resume, r);
    });
  });

  auto bench_opts = std::make_shared<CommonOptions>();
  CLI::App* bench = cmd->add_subcommand(
      "bench", "Measure person-days per second and peak memory (default 100000 people, 30 days)");
  add_common(bench, *bench_opts, true, 100000, 30);
  // It writes no files and always uses the in-memory publisher.
  bench->remove_option(bench->get_option("--out"));
  bench->remove_option(bench->get_option("--server"));
  bench->callback(
      [bench_opts] { with_ranks([&](const sim::Ranks& r) { run_bench(*bench_opts, r); }); });

  auto plot_opts = std::make_shared<CommonOptions>();
  auto contacts = std::make_shared<std::uint32_t>(20000);
  CLI::App* plot = cmd->add_subcommand(
      "radio-plot",
      "Plot simulated attenuation against distance per environment beside published values");
  add_common(plot, *plot_opts, false);
  // It simulates single contacts of both radio models from the radio settings: the
  // population, the epidemic and the server do not enter (these options changed nothing).
  for (const char* unused : {"--people", "--days", "--threads", "--server", "--preset", "--radio",
                             "--lockdown", "--manual-tracing", "--vaccinate", "--reinfection"}) {
    plot->remove_option(plot->get_option(unused));
  }
  plot->add_option("--contacts", *contacts,
                   "Simulated contacts per environment and distance (default 20000)")
      ->transform(not_negative());
  plot->footer(
      "Writes into --out: config.json, radio_profile.csv (the simulated attenuation by "
      "environment and distance, calibrated and clean models), radio_targets.csv (the "
      "published values), radio_profile.txt (also printed), plot radio_attenuation (.svg, .png; "
      "gnuplot; its data in radio_*.txt beside it).");
  plot->callback([plot_opts, contacts] {
    in_one_process("radio-plot", [&] { run_radio_plot(*plot_opts, *contacts); });
  });

  auto ts_opts = std::make_shared<CommonOptions>();
  auto offsets = std::make_shared<std::string>();
  auto minutes = std::make_shared<std::string>();
  auto ts_seeds = std::make_shared<std::string>();
  CLI::App* ts = cmd->add_subcommand(
      "threshold-sweep",
      "Sweep the risk thresholds: precision/recall and infections averted per person-day of "
      "isolation (default 20000 people, 90 days)");
  add_common(ts, *ts_opts, true, 20000, 90);
  ts->add_option("--offsets", *offsets,
                 "Comma-separated dB shifts of all attenuation thresholds (default "
                 "-12,-8,-4,0,4,8)");
  ts->add_option("--minutes", *minutes,
                 "Comma-separated weighted minutes for RED (default 5,9,13,20,30)");
  ts->add_option("--seeds", *ts_seeds, "Comma-separated seeds (default: --seed)");
  auto ts_resume = std::make_shared<bool>(false);
  ts->add_flag("--resume", *ts_resume,
               "Continue an interrupted threshold sweep into the same --out: reuse the runs it "
               "finished (OUT/threshold-sweep-runs, removed when the sweep completes) for the "
               "same settings and greenlight build, and run the rest");
  ts->footer(
      "Runs every offset with every RED threshold and seed (the phones' scoring changed, the "
      "epidemic's contacts the same). Writes into --out: config.json, threshold_sweep.csv (one "
      "line per run: notification precision and recall, infections averted, isolation), "
      "threshold_sweep.txt (also printed), plot threshold_sweep (.svg, .png; gnuplot; its data "
      "in threshold_sweep_data.txt).");
  ts->callback([ts_opts, offsets, minutes, ts_seeds, ts_resume] {
    in_one_process("threshold-sweep", [&] {
      run_threshold_sweep(*ts_opts, *offsets, *minutes, *ts_seeds, *ts_resume);
    });
  });

  auto cmp_opts = std::make_shared<CommonOptions>();
  auto cmp_sweep = std::make_shared<std::string>();
  auto cmp_seeds = std::make_shared<std::string>();
  CLI::App* cmp = cmd->add_subcommand(
      "compare",
      "greenlight against a centralised health code, manual contact tracing and none of them "
      "on the same population and seed (default 20000 people, 90 days)");
  add_common(cmp, *cmp_opts, true, 20000, 90);
  cmp->add_option("--sweep", *cmp_sweep,
                  "Repeat the comparison over the values of one key: section.key=V1,V2,... (e.g. "
                  "app.uptake=0.2,0.5,0.8, app.chaff_per_day=0,0.33,1, radio.fading_sd_db=0,4,8)");
  cmp->add_option("--seeds", *cmp_seeds, "Comma-separated seeds for --sweep (default: --seed)");
  auto cmp_resume = std::make_shared<bool>(false);
  cmp->add_flag("--resume", *cmp_resume,
                "Continue an interrupted --sweep into the same --out: reuse the arms' runs it "
                "finished (OUT/compare-sweep-runs, removed when the sweep completes) for the same "
                "settings and greenlight build, and run the rest");
  cmp->footer(
      "Writes into --out: config.json; one comparison: compare.csv and compare.txt (each arm's "
      "outcomes; also printed), timeseries_ARM.csv per arm (greenlight, health-code, "
      "manual-tracing, none), plots compare_epidemic and compare_burden; with --sweep "
      "section.key=...: compare_SECTION_KEY.csv and .txt (each arm's outcomes per value and "
      "seed) and its plot. Plots are .svg and .png (gnuplot), each with its data in a "
      "*_data.txt beside it.");
  cmp->callback([cmp_opts, cmp_sweep, cmp_seeds, cmp_resume] {
    in_one_process("compare", [&] { run_compare(*cmp_opts, *cmp_sweep, *cmp_seeds, *cmp_resume); });
  });

  auto config_preset = std::make_shared<std::string>("openabm-like");
  auto config_radio = std::make_shared<std::string>();
  CLI::App* config = cmd->add_subcommand("config", "Print the full configuration as JSON");
  config->add_option("--preset", *config_preset, kPresetHelp);
  config->add_option("--radio", *config_radio, "Radio model: calibrated (default) or clean");
  config->callback([config_preset, config_radio] {
    auto c = sim::preset(*config_preset);
    if (!c) throw CommandError{"--preset: " + c.error().message};
    if (!config_radio->empty()) {
      if (auto st = sim::apply_radio_preset(*c, *config_radio); !st)
        throw CommandError{"--radio: " + st.error().message};
    }
    std::fputs(sim::config_to_json(*c).c_str(), stdout);
  });
}

}  // namespace

GREENLIGHT_REGISTER_COMMAND(sim, setup_sim);

}  // namespace greenlight::cli

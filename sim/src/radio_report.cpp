#include "greenlight/sim/radio_report.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <tuple>
#include <vector>

namespace greenlight::sim {
namespace {

std::string fmt(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* format, ...) {
  va_list args;
  va_start(args, format);
  char buf[512];
  std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  return buf;
}

// Draws body (which may use multiplot) to SVG and PNG of the given size.
PlotResult draw_twice(const std::filesystem::path& dir, const std::string& stem,
                      const std::string& body, int width, int height) {
  const auto svg = dir / (stem + ".svg");
  const auto png = dir / (stem + ".png");
  std::string script =
      fmt("set terminal svg size %d,%d dynamic enhanced font 'sans,12' background rgb 'white'\n",
          width, height);
  script +=
      "set output " + gnuplot_quote(svg) + "\n" + body + "unset multiplot\nset output\nreset\n";
  script += fmt("set terminal pngcairo size %d,%d enhanced font 'sans,10'\n", width, height);
  script += "set output " + gnuplot_quote(png) + "\n" + body + "unset multiplot\nset output\n";
  return run_plot_script(stem, script, {svg, png});
}

std::string pct(double x) { return fmt("%.1f %%", 100 * x); }
// A share of nothing (no RED notification, no close contact, ...) is undefined: "-".
std::string pct(const Ratio& r) { return r.total == 0 ? "-" : pct(r.value()); }

const RadioTarget* target_at(std::span<const RadioTarget> targets, RadioEnvironment e, double d) {
  for (const auto& t : targets) {
    if (t.environment == e && std::abs(t.distance_m - d) < 1e-9) return &t;
  }
  return nullptr;
}

const AttenuationStats* stats_at(std::span<const AttenuationStats> stats, RadioEnvironment e,
                                 double d) {
  for (const auto& s : stats) {
    if (s.environment == e && std::abs(s.distance_m - d) < 1e-9) return &s;
  }
  return nullptr;
}

struct Pooled {
  double offset = 0;
  double minutes = 0;
  std::array<double, 3> thresholds{};
  std::size_t runs = 0;
  Ratio red_precision;
  Ratio red_recall;
  Ratio any_recall;
  Ratio sar;
  double red = 0;
  double yellow = 0;
  double uploads = 0;
  double infections = 0;
  double baseline_infections = 0;
  double extra_isolation = 0;
};

void add(Ratio& into, const Ratio& r) {
  into.hits += r.hits;
  into.total += r.total;
}

std::vector<Pooled> pool(std::span<const ThresholdPoint> points) {
  std::map<std::pair<double, double>, Pooled> by;
  for (const auto& p : points) {
    Pooled& q = by[{p.offset_db, p.high_threshold_minutes}];
    q.offset = p.offset_db;
    q.minutes = p.high_threshold_minutes;
    q.thresholds = p.thresholds_db;
    ++q.runs;
    add(q.red_precision, p.summary.red_precision);
    add(q.red_recall, p.summary.red_recall);
    add(q.any_recall, p.summary.any_recall);
    add(q.sar, p.summary.notified_infected_by_index);
    q.red += static_cast<double>(p.summary.notifications_red);
    q.yellow += static_cast<double>(p.summary.notifications_yellow);
    q.uploads += static_cast<double>(p.summary.uploads);
    q.infections += static_cast<double>(p.summary.infections);
    q.baseline_infections += static_cast<double>(p.baseline.infections);
    q.extra_isolation += static_cast<double>(p.summary.isolation_person_days) -
                         static_cast<double>(p.baseline.isolation_person_days);
  }
  std::vector<Pooled> out;
  for (auto& [k, q] : by) {
    const auto n = static_cast<double>(q.runs);
    q.red /= n;
    q.yellow /= n;
    q.uploads /= n;
    q.infections /= n;
    q.baseline_infections /= n;
    q.extra_isolation /= n;
    out.push_back(q);
  }
  return out;
}

// Infections averted per 1000 person-days of isolation caused by RED notifications.
std::string per_thousand(const Pooled& q, double days_per_red) {
  const double days = q.red * days_per_red;
  if (days <= 0) return "-";
  return fmt("%.1f", 1000 * (q.baseline_infections - q.infections) / days);
}

}  // namespace

std::string attenuation_profile_csv(std::span<const AttenuationStats> calibrated,
                                    std::span<const AttenuationStats> clean) {
  std::string o =
      "model,environment,distance_m,contacts,mean_db,sd_db,p10_db,p25_db,median_db,p75_db,p90_db,"
      "scans_heard\n";
  auto rows = [&](std::string_view model, std::span<const AttenuationStats> stats) {
    for (const auto& s : stats) {
      o += fmt("%.*s,%.*s,%.2f,%u,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.4f\n",
               static_cast<int>(model.size()), model.data(),
               static_cast<int>(radio_environment_name(s.environment).size()),
               radio_environment_name(s.environment).data(), s.distance_m, s.contacts, s.mean_db,
               s.sd_db, s.p10_db, s.p25_db, s.median_db, s.p75_db, s.p90_db, s.scans_heard);
    }
  };
  rows("calibrated", calibrated);
  rows("clean", clean);
  return o;
}

std::string radio_targets_csv(std::span<const RadioTarget> targets) {
  std::string o = "environment,distance_m,median_db,sd_db,source\n";
  for (const auto& t : targets) {
    std::string source(t.source);
    std::replace(source.begin(), source.end(), '"', '\'');
    o += fmt("%s,%.2f,%.1f,%.1f,", std::string(radio_environment_name(t.environment)).c_str(),
             t.distance_m, t.median_db, t.sd_db);
    o += "\"" + source + "\"\n";
  }
  return o;
}

std::string format_attenuation_profile(std::span<const AttenuationStats> calibrated,
                                       std::span<const AttenuationStats> clean,
                                       std::span<const RadioTarget> targets) {
  std::string o =
      "Per-contact attenuation (dB) by environment and distance: calibrated model (median, "
      "10-90 %, sd), clean model (median, sd), published target (median, sd)\n";
  o += fmt("%-9s %6s | %7s %13s %5s %6s | %7s %5s | %7s %5s\n", "env", "d (m)", "median", "10-90 %",
           "sd", "heard", "clean", "sd", "target", "sd");
  for (const auto& s : calibrated) {
    const auto* c = stats_at(clean, s.environment, s.distance_m);
    const auto* t = target_at(targets, s.environment, s.distance_m);
    o += fmt("%-9s %6.1f | %7.1f %6.1f-%-6.1f %5.1f %5.0f%% | ",
             std::string(radio_environment_name(s.environment)).c_str(), s.distance_m, s.median_db,
             s.p10_db, s.p90_db, s.sd_db, 100 * s.scans_heard);
    o += c != nullptr ? fmt("%7.1f %5.1f | ", c->median_db, c->sd_db) : fmt("%7s %5s | ", "-", "-");
    o += t != nullptr ? fmt("%7.1f %5.1f\n", t->median_db, t->sd_db) : fmt("%7s %5s\n", "-", "-");
  }
  o += "\nTargets:\n";
  std::string_view last;
  for (const auto& t : targets) {
    if (t.source == last) continue;
    last = t.source;
    o += "  " + std::string(radio_environment_name(t.environment)) + ": " + std::string(t.source) +
         "\n";
  }
  return o;
}

PlotResult write_radio_plot(const std::filesystem::path& dir,
                            std::span<const AttenuationStats> calibrated,
                            std::span<const AttenuationStats> clean,
                            std::span<const RadioTarget> targets) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string body =
      "set multiplot layout 1,3 title 'Simulated attenuation against distance, and published "
      "values'\nset grid\nset xlabel 'distance (m)'\nset yrange [20:110]\nset key top left "
      "font ',9'\n";
  for (std::size_t e = 0; e < kRadioEnvironments; ++e) {
    const auto env = static_cast<RadioEnvironment>(e);
    const std::string name(radio_environment_name(env));
    std::string sim_data;
    for (const auto& s : calibrated) {
      if (s.environment != env) continue;
      sim_data += fmt("%.3f %.2f %.2f %.2f %.2f %.2f\n", s.distance_m, s.p10_db, s.p25_db,
                      s.median_db, s.p75_db, s.p90_db);
    }
    std::string clean_data;
    for (const auto& s : clean) {
      if (s.environment == env) clean_data += fmt("%.3f %.2f\n", s.distance_m, s.median_db);
    }
    std::string target_data;
    for (const auto& t : targets) {
      if (t.environment == env) {
        target_data += fmt("%.3f %.2f %.2f\n", t.distance_m, t.median_db, t.sd_db);
      }
    }
    const auto sim_path = dir / ("radio_" + name + "_sim.txt");
    const auto clean_path = dir / ("radio_" + name + "_clean.txt");
    const auto target_path = dir / ("radio_" + name + "_published.txt");
    if (!write_file(sim_path, sim_data) || !write_file(clean_path, clean_data) ||
        !write_file(target_path, target_data)) {
      return {{}, "could not write the radio plot data into " + dir.string()};
    }
    body += "set title '" + name + "'\n";
    body += e == 0 ? "set ylabel 'attenuation (dB)'\n" : "unset ylabel\n";
    body += "plot " + gnuplot_quote(sim_path) +
            " using 1:2:6 with filledcurves fc rgb '#c6dbef' title 'calibrated 10-90 %', " +
            gnuplot_quote(sim_path) +
            " using 1:3:5 with filledcurves fc rgb '#6baed6' title 'calibrated 25-75 %', " +
            gnuplot_quote(sim_path) +
            " using 1:4 with lines lw 2 lc rgb '#08306b' title 'calibrated median', " +
            gnuplot_quote(clean_path) +
            " using 1:2 with lines lw 2 dt 2 lc rgb '#636363' title 'clean median', " +
            gnuplot_quote(target_path) +
            " using 1:2:3 with yerrorbars pt 7 ps 1.2 lc rgb '#cb181d' title 'published (+-sd)'\n";
  }
  return draw_twice(dir, "radio_attenuation", body, 1350, 480);
}

std::string threshold_sweep_csv(std::span<const ThresholdPoint> points) {
  std::string o =
      "offset_db,t0_db,t1_db,t2_db,high_threshold_minutes,seed,uploads,notifications_red,"
      "notifications_yellow,red_precision,red_recall,any_recall,notified_infected_by_index,"
      "infections,infections_without_app,isolation_person_days,"
      "isolation_person_days_without_app\n";
  for (const auto& p : points) {
    const auto& s = p.summary;
    o += fmt(
        "%.1f,%.1f,%.1f,%.1f,%.1f,%llu,%llu,%llu,%llu,%.4f,%.4f,%.4f,%.4f,%llu,%llu,%llu,%llu\n",
        p.offset_db, p.thresholds_db[0], p.thresholds_db[1], p.thresholds_db[2],
        p.high_threshold_minutes, static_cast<unsigned long long>(p.seed),
        static_cast<unsigned long long>(s.uploads),
        static_cast<unsigned long long>(s.notifications_red),
        static_cast<unsigned long long>(s.notifications_yellow), s.red_precision.value(),
        s.red_recall.value(), s.any_recall.value(), s.notified_infected_by_index.value(),
        static_cast<unsigned long long>(s.infections),
        static_cast<unsigned long long>(p.baseline.infections),
        static_cast<unsigned long long>(s.isolation_person_days),
        static_cast<unsigned long long>(p.baseline.isolation_person_days));
  }
  return o;
}

double isolation_days_per_red(const SimConfig& config) {
  if (config.app.red_daily_test_days > 0) return 0;  // daily self-tests instead
  const double q = config.testing.isolation_daily_dropout;
  double n = config.app.red_isolation_days;
  if (config.app.red_release_test_day > 0) {  // a negative test's result ends it
    n = std::min(
        n, static_cast<double>(config.app.red_release_test_day + config.testing.result_delay_days));
  }
  const double expected_days = q > 0 ? (1 - std::pow(1 - q, n)) / q : n;
  return config.app.red_isolation_adherence * expected_days;
}

std::string format_threshold_sweep(std::span<const ThresholdPoint> points, double days_per_red) {
  std::string o = fmt("%-16s %5s %8s %9s %9s %9s %9s %10s %9s %11s %12s\n", "thresholds (dB)",
                      "min", "RED", "RED prec", "RED rec", "any rec", "SAR", "infected", "averted",
                      "isol. +pd", "avert/1000pd");
  for (const auto& q : pool(points)) {
    o += fmt("%4.0f/%4.0f/%4.0f %7.0f %8.0f %9s %9s %9s %9s %10.0f %9.0f %11.0f %12s\n",
             q.thresholds[0], q.thresholds[1], q.thresholds[2], q.minutes, q.red,
             pct(q.red_precision).c_str(), pct(q.red_recall).c_str(), pct(q.any_recall).c_str(),
             pct(q.sar).c_str(), q.infections, q.baseline_infections - q.infections,
             q.extra_isolation, per_thousand(q, days_per_red).c_str());
  }
  o += "\nthresholds: attenuation bucket edges t0/t1/t2 (the window-drop limit moves with t2); "
       "min: weighted minutes for RED;\nRED prec / rec: RED notifications that were true close "
       "contacts (>= 15 min within 2 m) / true close contacts notified RED;\nany rec: notified "
       "RED or YELLOW; SAR: notified people infected by the case they matched; infected and "
       "averted: mean\nover seeds, against the same seed without the app; isol. +pd: extra "
       "person-days of isolation (all causes) against the run\nwithout the app; avert/1000pd: "
       "infections averted per 1000 person-days of isolation caused by RED notifications\n"
       "(RED x " +
       fmt("%.2f", days_per_red) + " person-days each, from the behaviour settings).\n";
  return o;
}

PlotResult write_threshold_sweep_plot(const std::filesystem::path& dir,
                                      std::span<const ThresholdPoint> points, double days_per_red) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const auto pooled = pool(points);
  std::map<double, std::string> by_minutes;
  for (const auto& q : pooled) {
    const double averted = q.baseline_infections - q.infections;
    const double days = q.red * days_per_red;
    const std::string ratio = days > 0 ? fmt("%.4f", 1000 * averted / days) : "?";
    // gnuplot leaves out a point whose share is undefined (NaN).
    const auto share = [](const Ratio& r) {
      return r.total == 0 ? std::string("NaN") : fmt("%.2f", 100 * r.value());
    };
    by_minutes[q.minutes] +=
        fmt("%s %s %.2f %.1f %s\n", share(q.red_recall).c_str(), share(q.red_precision).c_str(),
            q.offset, q.thresholds[0], ratio.c_str());
  }
  const auto data_path = dir / "threshold_sweep_data.txt";
  std::string data;
  std::vector<double> minutes;
  for (const auto& [m, rows] : by_minutes) {
    data += fmt("# minutes %.1f\n", m) + rows + "\n\n";
    minutes.push_back(m);
  }
  if (!write_file(data_path, data)) return {{}, "could not write " + data_path.string()};
  std::string precision_plot = "plot ";
  std::string ratio_plot = "plot ";
  for (std::size_t i = 0; i < minutes.size(); ++i) {
    const std::string sep = i + 1 < minutes.size() ? ", " : "\n";
    precision_plot += gnuplot_quote(data_path) +
                      fmt(" index %zu using 1:2 with linespoints lw 2 pt 7 "
                          "title 'RED at %.0f min'",
                          i, minutes[i]) +
                      sep;
    ratio_plot += gnuplot_quote(data_path) +
                  fmt(" index %zu using 3:5 with linespoints lw 2 pt 7 title 'RED at %.0f min'", i,
                      minutes[i]) +
                  sep;
  }
  std::string body =
      "set datafile missing '?'\nset multiplot layout 1,2 title 'Risk thresholds under the "
      "simulated radio'\nset grid\n"
      "set key bottom left font ',9'\n";
  body +=
      "set title 'RED precision against recall (points: attenuation offsets)'\n"
      "set xlabel 'RED recall of true close contacts (%)'\nset ylabel 'RED precision (%)'\n" +
      precision_plot;
  body +=
      "set title 'Infections averted per 1000 person-days of notification isolation'\n"
      "set xlabel 'attenuation threshold offset (dB)'\nset ylabel 'averted per 1000 "
      "person-days'\nset key top left\n" +
      ratio_plot;
  return draw_twice(dir, "threshold_sweep", body, 1200, 500);
}

}  // namespace greenlight::sim

// A sweep's epidemic curves over seeds (report.h): sweep_daily.csv and sweep_curves.{svg,png},
// the median and the 10-90 % band of each day over the runs of one uptake (and combination
// of the varied settings' values).
#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "greenlight/sim/report.h"
#include "internal/median.h"

namespace greenlight::sim {
namespace {

constexpr std::size_t kSeries = 5;
constexpr std::array<const char*, kSeries> kSeriesNames{"new_infections", "infectious",
                                                        "hospitalised", "deaths", "isolating"};

std::array<std::uint32_t, kSeries> values_of(const SweepDay& d) {
  return {d.new_infections, d.infectious, d.hospitalised, d.deaths, d.isolating};
}

// The curves of one combination of the varied settings' values and one uptake: its runs'
// days, in the points' order.
struct Group {
  std::array<double, kMaxVaried> values{};
  double uptake = 0;
  std::vector<const std::vector<SweepDay>*> runs;
  std::size_t days() const {
    std::size_t n = 0;
    for (const auto* r : runs) n = std::max(n, r->size());
    return n;
  }
  // The runs' values of series k on day d (a run shorter than d has none).
  std::vector<double> on(std::size_t d, std::size_t k) const {
    std::vector<double> v;
    for (const auto* r : runs) {
      if (d < r->size()) v.push_back(values_of((*r)[d])[k]);
    }
    return v;
  }
};

// Groups in the order of their values, then uptake.
std::vector<Group> groups_of(std::span<const SweepPoint> points,
                             std::span<const std::vector<SweepDay>> curves) {
  std::map<std::pair<std::array<double, kMaxVaried>, double>, Group> m;
  for (std::size_t i = 0; i < points.size() && i < curves.size(); ++i) {
    Group& g = m[{points[i].values, points[i].uptake}];
    g.values = points[i].values;
    g.uptake = points[i].uptake;
    g.runs.push_back(&curves[i]);
  }
  std::vector<Group> out;
  for (auto& [key, g] : m) out.push_back(std::move(g));
  return out;
}

std::string title_of(const Group& g, std::span<const std::string> keys) {
  std::string t = strprintf("uptake %g %%", 100 * g.uptake);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    t += strprintf(", %s = %.10g", keys[i].c_str(), g.values[i]);
  }
  return t;
}

}  // namespace

SweepDay sweep_day(const DailyStats& d) {
  return {d.new_infections, d.infectious, d.hospitalised, d.deaths, d.isolating};
}

std::string sweep_daily_csv(std::span<const SweepPoint> points,
                            std::span<const std::vector<SweepDay>> curves,
                            std::span<const std::string> keys) {
  std::string out;
  for (const auto& key : keys) out += key + ",";
  out += "uptake,day,runs";
  for (const char* name : kSeriesNames) {
    out += strprintf(",%s_median,%s_p10,%s_p90", name, name, name);
  }
  out += "\n";
  for (const Group& g : groups_of(points, curves)) {
    for (std::size_t d = 0; d < g.days(); ++d) {
      for (std::size_t i = 0; i < keys.size(); ++i) out += strprintf("%.10g,", g.values[i]);
      out += strprintf("%.4f,%zu,%zu", g.uptake, d, g.on(d, 0).size());
      for (std::size_t k = 0; k < kSeries; ++k) {
        const std::vector<double> v = g.on(d, k);
        out += strprintf(",%.6g,%.6g,%.6g", internal::median(v), internal::quantile(v, 0.1),
                         internal::quantile(v, 0.9));
      }
      out += "\n";
    }
  }
  return out;
}

PlotResult write_sweep_curves(const std::filesystem::path& dir, std::span<const SweepPoint> points,
                              std::span<const std::vector<SweepDay>> curves,
                              std::span<const std::string> keys) {
  const std::vector<Group> groups = groups_of(points, curves);
  if (groups.empty()) return {{}, "no runs: sweep curves skipped"};
  const std::size_t drawn = std::min(groups.size(), kSweepCurves);
  // One block per curve: day, median, 10th and 90th percentile of the new infections.
  std::string data;
  for (std::size_t c = 0; c < drawn; ++c) {
    const Group& g = groups[c];
    for (std::size_t d = 0; d < g.days(); ++d) {
      const std::vector<double> v = g.on(d, 0);
      data += strprintf("%zu %.6g %.6g %.6g\n", d, internal::median(v), internal::quantile(v, 0.1),
                        internal::quantile(v, 0.9));
    }
    data += "\n\n";
  }
  const auto data_path = dir / "sweep_curves_data.txt";
  if (!write_file(data_path, data)) return {{}, "could not write " + data_path.string()};
  std::string body =
      "set title 'New infections a day: median over seeds and 10-90 % band' noenhanced\n"
      "set xlabel 'day'\nset ylabel 'new infections a day'\nset grid\n"
      "set key top right noenhanced\nset yrange [0:*]\nset style fill transparent solid 0.2 "
      "noborder\n";
  body += "plot ";
  for (std::size_t c = 0; c < drawn; ++c) {
    const std::string src = c == 0 ? gnuplot_quote(data_path) : "''";
    std::string title = title_of(groups[c], keys);
    std::replace(title.begin(), title.end(), '\'', ' ');
    body += strprintf(
        "%s index %zu using 1:3:4 with filledcurves lc %zu notitle, '' index %zu "
        "using 1:2 with lines lw 2 lc %zu title '%s'%s",
        src.c_str(), c, c + 1, c, c + 1, title.c_str(), c + 1 < drawn ? ", \\\n     " : "\n");
  }
  PlotResult result = draw_plot(dir, "sweep_curves", body);
  if (result.warning.empty() && drawn < groups.size()) {
    result.warning = strprintf(
        "sweep_curves: the first %zu of %zu curves drawn (all in "
        "sweep_daily.csv)",
        drawn, groups.size());
  }
  return result;
}

}  // namespace greenlight::sim

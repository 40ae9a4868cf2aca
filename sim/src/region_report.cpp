// Outputs of a run with several regions (report.h): regions.csv, the report's "By region"
// table and the regions plot, from the runs' region days (Simulation::region_daily).
#include <algorithm>
#include <string>
#include <vector>

#include "greenlight/sim/report.h"
#include "internal/median.h"

namespace greenlight::sim {
namespace {

// A region over a run: its people, most app users on in a day, ever infected and dead at the
// end, and the peak of its infectious people (the first day of it).
struct RegionRun {
  std::uint32_t people = 0;
  std::uint32_t app_users = 0;
  std::uint32_t infected = 0;
  std::uint32_t deaths = 0;
  std::uint32_t peak = 0;
  std::uint32_t peak_day = 0;
  std::uint32_t locked_days = 0;  // by a regional lockdown
  double infected_share() const { return people > 0 ? 100.0 * infected / people : 0.0; }
};

std::vector<RegionRun> region_runs(std::span<const RegionDay> days) {
  std::vector<RegionRun> out;
  for (const RegionDay& d : days) {
    if (d.region >= out.size()) out.resize(d.region + 1);
    RegionRun& r = out[d.region];
    r.people = d.people();
    r.app_users = std::max(r.app_users, d.app_users);
    r.infected = d.ever_infected;
    r.deaths = d.deaths;
    r.locked_days += d.locked;
    if (d.infectious > r.peak) {
      r.peak = d.infectious;
      r.peak_day = d.day;
    }
  }
  return out;
}

// "lowest 12.3 % (region 4), median 20.1 %, highest 30.2 % (region 0)"
std::string spread(const std::vector<RegionRun>& runs) {
  std::vector<std::pair<double, std::size_t>> shares;
  for (std::size_t r = 0; r < runs.size(); ++r) shares.emplace_back(runs[r].infected_share(), r);
  std::sort(shares.begin(), shares.end());
  std::vector<double> values;
  for (const auto& s : shares) values.push_back(s.first);
  return strprintf("lowest %.1f %% (region %zu), median %.1f %%, highest %.1f %% (region %zu)",
                   shares.front().first, shares.front().second, internal::median(values),
                   shares.back().first, shares.back().second);
}

}  // namespace

std::string regions_csv(std::span<const RegionDay> days) {
  std::string out =
      "day,region,people,susceptible,exposed,infectious,recovered,deaths,ever_infected,"
      "new_infections,isolating,app_users,green,yellow,red,new_hospitalised,hospitalised,"
      "critical,new_deaths,positives,locked\n";
  std::vector<std::uint32_t> before;  // each region's ever_infected the day before
  for (const RegionDay& d : days) {
    if (d.region >= before.size()) before.resize(d.region + 1, 0);
    const std::uint32_t fresh = d.ever_infected - before[d.region];
    before[d.region] = d.ever_infected;
    out += strprintf("%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u\n", d.day,
                     d.region, d.people(), d.susceptible, d.exposed, d.infectious, d.recovered,
                     d.deaths, d.ever_infected, fresh, d.isolating, d.app_users, d.green, d.yellow,
                     d.red, d.new_hospitalised, d.hospitalised, d.critical, d.new_deaths,
                     d.positives, d.locked);
  }
  return out;
}

std::string format_regions(std::span<const RegionDay> app, std::span<const RegionDay> baseline) {
  const std::vector<RegionRun> a = region_runs(app);
  if (a.empty()) return "";
  const std::vector<RegionRun> b = region_runs(baseline);
  const bool base = !b.empty();
  const auto locked = [](const std::vector<RegionRun>& runs) {
    return std::any_of(runs.begin(), runs.end(),
                       [](const RegionRun& r) { return r.locked_days > 0; });
  };
  const bool lockdowns = locked(a) || locked(b);
  const std::array<std::string, 4> heads =
      base ? std::array<std::string, 4>{"infected: with / without app",
                                        "peak infectious (day): with / without",
                                        "deaths: with / without",
                                        "locked down (days): with / without"}
           : std::array<std::string, 4>{"infected", "peak infectious (day)", "deaths",
                                        "locked down (days)"};
  std::string o =
      strprintf("\nBy region    people  app users  %s  %s  %s%s\n", heads[0].c_str(),
                heads[1].c_str(), heads[2].c_str(), lockdowns ? ("  " + heads[3]).c_str() : "");
  const auto width = [&](std::size_t i) { return static_cast<int>(heads[i].size()); };
  const std::size_t rows = std::min<std::size_t>(a.size(), kRegionRows);
  for (std::size_t r = 0; r < rows; ++r) {
    const RegionRun& x = a[r];
    std::string infected = strprintf("%.1f %%", x.infected_share());
    std::string peak = strprintf("%u (%u)", x.peak, x.peak_day);
    std::string deaths = strprintf("%u", x.deaths);
    std::string days = strprintf("%u", x.locked_days);
    if (base && r < b.size()) {
      infected += strprintf(" / %.1f %%", b[r].infected_share());
      peak += strprintf(" / %u (%u)", b[r].peak, b[r].peak_day);
      deaths += strprintf(" / %u", b[r].deaths);
      days += strprintf(" / %u", b[r].locked_days);
    }
    const double users = x.people > 0 ? 100.0 * x.app_users / x.people : 0.0;
    o += strprintf("  %-8zu %8u  %7.1f %%  %*s  %*s  %*s", r, x.people, users, width(0),
                   infected.c_str(), width(1), peak.c_str(), width(2), deaths.c_str());
    o += lockdowns ? strprintf("  %*s\n", width(3), days.c_str()) : "\n";
  }
  if (a.size() > rows) {
    o += strprintf("  ... and %zu more regions (regions.csv)\n", a.size() - rows);
  }
  o += "  infected over regions, with app      " + spread(a) + "\n";
  if (base) o += "                      without app      " + spread(b) + "\n";
  return o;
}

PlotResult write_region_plot(const std::filesystem::path& dir, std::span<const RegionDay> app) {
  const std::vector<RegionRun> runs = region_runs(app);
  if (runs.empty()) return {};
  const std::size_t drawn = std::min<std::size_t>(runs.size(), kRegionRows);
  // With regional lockdowns (lockdown.regional) each drawn region's line is drawn again, thick,
  // on the days the region was locked down.
  const bool locks = std::any_of(app.begin(), app.end(), [&](const RegionDay& d) {
    return d.region < drawn && d.locked != 0;
  });
  // One line per day: the day, then each drawn region's infectious per 100,000 people (with
  // locks followed by the same or NaN, gnuplot's gap, on a day the region was open).
  std::string data;
  std::uint32_t day = 0;
  std::string line;
  for (const RegionDay& d : app) {
    if (d.region == 0) line = strprintf("%u", d.day);
    day = d.day;
    if (d.region < drawn) {
      const double per_100k = d.people() > 0 ? 1e5 * d.infectious / d.people() : 0.0;
      line += strprintf(" %.2f", per_100k);
      if (locks) line += d.locked != 0 ? strprintf(" %.2f", per_100k) : " NaN";
    }
    if (d.region + 1 == runs.size()) data += line + "\n";
  }
  const auto data_path = dir / "regions_data.txt";
  if (!write_file(data_path, data)) return {{}, "could not write " + data_path.string()};
  std::string body = strprintf(
      "set title 'Infectious people per 100,000 by region (with app; %zu of %zu regions%s)'\n"
      "set xlabel 'day'\nset ylabel 'infectious per 100,000'\nset key outside right\n"
      "set grid\nset xrange [0:%u]\nset yrange [0:*]\n",
      drawn, runs.size(), locks ? "; thick: locked down" : "", day);
  const std::string last = std::to_string(drawn - 1);
  if (locks) {
    body += "plot for [i=0:" + last + "] " + gnuplot_quote(data_path) +
            " using 1:(column(2 + 2 * i)) with lines lw 2 lt (i + 1) title sprintf('region %d', "
            "i), for [i=0:" +
            last + "] " + gnuplot_quote(data_path) +
            " using 1:(column(3 + 2 * i)) with lines lw 7 lt (i + 1) notitle\n";
  } else {
    body += "plot for [i=2:" + std::to_string(drawn + 1) + "] " + gnuplot_quote(data_path) +
            " using 1:i with lines lw 2 title sprintf('region %d', i - 2)\n";
  }
  return draw_plot(dir, "regions", body);
}

}  // namespace greenlight::sim

#include "greenlight/sim/fit.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <sstream>

#include "greenlight/sim/experiment.h"

namespace greenlight::sim {

namespace {

// The columns of timeseries.csv, in order.
std::vector<std::string> timeseries_columns() {
  const std::string header = daily_csv({});
  std::vector<std::string> out;
  std::stringstream s(header.substr(0, header.find('\n')));
  std::string name;
  while (std::getline(s, name, ',')) out.push_back(name);
  return out;
}

std::unexpected<Error> line_error(std::size_t line, const std::string& what) {
  return make_error(ErrorCode::kInvalidArgument, strprintf("line %zu: ", line) + what);
}

// The values of `column` of a run's days on the observed days.
std::vector<double> column_on(std::span<const DailyStats> daily, std::size_t column,
                              const Observed& observed) {
  std::vector<double> by_day;
  std::stringstream s(daily_csv(daily));
  std::string row;
  std::getline(s, row);  // header
  while (std::getline(s, row)) {
    std::stringstream fields(row);
    std::string field;
    for (std::size_t i = 0; i <= column && std::getline(fields, field, ','); ++i) {
    }
    by_day.push_back(std::stod(field));
  }
  std::vector<double> out;
  for (const auto& [day, value] : observed.days)
    out.push_back(day < by_day.size() ? by_day[day] : 0.0);
  return out;
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

double Observed::total() const {
  double sum = 0;
  for (const auto& [day, value] : days) sum += value;
  return sum;
}

Result<Observed> parse_observed(std::string_view csv, std::uint32_t run_days) {
  Observed out;
  const std::vector<std::string> columns = timeseries_columns();
  std::size_t line_no = 0;
  bool header = false;
  std::size_t at = 0;
  while (at < csv.size()) {
    const std::size_t end = std::min(csv.find('\n', at), csv.size());
    std::string line(csv.substr(at, end - at));
    at = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    const auto comma = line.find(',');
    if (comma == std::string::npos || line.find(',', comma + 1) != std::string::npos) {
      return line_error(line_no, "expected two comma-separated fields, got '" + line + "'");
    }
    const std::string first = line.substr(0, comma);
    const std::string second = line.substr(comma + 1);
    if (!header) {
      if (first != "day" || second == "day" ||
          std::find(columns.begin(), columns.end(), second) == columns.end()) {
        return line_error(line_no,
                          "expected the header day,COLUMN with COLUMN a column of "
                          "timeseries.csv (e.g. positives, new_hospitalised, new_deaths), got '" +
                              line + "'");
      }
      out.column = second;
      header = true;
      continue;
    }
    std::uint32_t day = 0;
    const auto [day_end, day_ec] = std::from_chars(first.data(), first.data() + first.size(), day);
    if (day_ec != std::errc() || day_end != first.data() + first.size() || first.empty()) {
      return line_error(line_no, "expected a day (a non-negative integer), got '" + first + "'");
    }
    if (day >= run_days) {
      return line_error(line_no,
                        strprintf("day %u is not in the run (run.days %u)", day, run_days));
    }
    if (!out.days.empty() && day <= out.days.back().first) {
      return line_error(line_no,
                        strprintf("day %u does not follow day %u", day, out.days.back().first));
    }
    double value = 0;
    const auto [value_end, value_ec] =
        std::from_chars(second.data(), second.data() + second.size(), value);
    if (value_ec != std::errc() || value_end != second.data() + second.size() ||
        !std::isfinite(value) || value < 0) {
      return line_error(line_no, "expected a non-negative number, got '" + second + "'");
    }
    out.days.emplace_back(day, value);
  }
  if (!header) return make_error(ErrorCode::kInvalidArgument, "no header day,COLUMN");
  if (out.days.empty()) return make_error(ErrorCode::kInvalidArgument, "no observed day");
  return out;
}

double fit_mismatch(std::span<const double> model, const Observed& observed) {
  double distance = 0;
  for (std::size_t i = 0; i < observed.days.size(); ++i)
    distance += std::abs(model[i] - observed.days[i].second);
  const double total = observed.total();
  return total > 0 ? distance / total : distance;
}

Result<std::vector<FitPoint>> run_fit(const SimConfig& base, const std::string& key,
                                      std::span<const double> values,
                                      std::span<const std::uint64_t> seeds,
                                      const Observed& observed,
                                      const std::function<void(const FitPoint&)>& done,
                                      Ranks ranks) {
  if (key == "run.seed") {
    return make_error(ErrorCode::kInvalidArgument, "a fit varies run.seed by its seeds");
  }
  if (values.empty() || seeds.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "a fit needs at least one value and seed");
  }
  const std::vector<std::string> columns = timeseries_columns();
  const auto column = static_cast<std::size_t>(
      std::find(columns.begin(), columns.end(), observed.column) - columns.begin());
  if (column == columns.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      observed.column + " is not a column of timeseries.csv");
  }
  std::vector<SimConfig> configs;
  for (const double v : values) {
    for (const std::uint64_t seed : seeds) {
      SimConfig c = base;
      GL_RETURN_IF_ERROR(apply_override(c, key + "=" + strprintf("%.17g", v)));
      c.run.seed = seed;
      c.run.baseline = false;
      GL_RETURN_IF_ERROR(validate_config(c));  // every rank, before any runs
      if (observed.days.back().first >= c.run.days) {
        return make_error(ErrorCode::kInvalidArgument,
                          strprintf("the observations reach day %u, the run ends before it",
                                    observed.days.back().first));
      }
      configs.push_back(c);
    }
  }
  const auto size = static_cast<std::size_t>(ranks.size());
  const auto rank = static_cast<std::size_t>(ranks.rank());
  const auto stop = [&ranks](const Error& error) -> std::unexpected<Error> {
    if (ranks.size() > 1) ranks.abort(error.message);
    return std::unexpected(error);
  };
  // Each of this rank's points as its mismatch then its model (n values).
  const std::size_t n = observed.days.size();
  std::vector<double> mine;
  for (std::size_t i = rank; i < configs.size(); i += size) {
    auto outcome = run_once(configs[i]);  // whole on this rank
    if (!outcome) return stop(outcome.error());
    FitPoint p{values[i / seeds.size()], configs[i].run.seed, 0,
               column_on(outcome->daily, column, observed)};
    p.mismatch = fit_mismatch(p.model, observed);
    mine.push_back(p.mismatch);
    mine.insert(mine.end(), p.model.begin(), p.model.end());
    if (done) done(p);
  }
  const std::vector<double> gathered = ranks.gather_all<double>(mine);
  std::vector<FitPoint> points(configs.size());
  std::size_t at = 0;
  for (std::size_t r = 0; r < size; ++r) {
    for (std::size_t i = r; i < configs.size(); i += size) {
      FitPoint& p = points[i];
      p.value = values[i / seeds.size()];
      p.seed = configs[i].run.seed;
      p.mismatch = gathered[at];
      p.model.assign(gathered.begin() + static_cast<std::ptrdiff_t>(at + 1),
                     gathered.begin() + static_cast<std::ptrdiff_t>(at + 1 + n));
      at += 1 + n;
    }
  }
  return points;
}

std::vector<FitRank> rank_fit(std::span<const FitPoint> points) {
  std::map<double, std::vector<double>> by_value;
  std::vector<double> order;
  for (const FitPoint& p : points) {
    if (!by_value.contains(p.value)) order.push_back(p.value);
    by_value[p.value].push_back(p.mismatch);
  }
  std::vector<FitRank> out;
  for (const double v : order) {
    const auto& m = by_value[v];
    FitRank r{v, 0, median_of(m), *std::min_element(m.begin(), m.end()),
              *std::max_element(m.begin(), m.end())};
    for (const double x : m) r.mean += x / static_cast<double>(m.size());
    out.push_back(r);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const FitRank& a, const FitRank& b) { return a.mean < b.mean; });
  return out;
}

std::string fit_csv(const std::string& key, std::span<const FitPoint> points,
                    const Observed& observed) {
  std::string out = key + ",seed,mismatch";
  for (const auto& [day, value] : observed.days) out += strprintf(",day_%u", day);
  out += "\nobserved,,";
  for (const auto& [day, value] : observed.days) out += strprintf(",%.6g", value);
  out += "\n";
  for (const FitPoint& p : points) {
    out +=
        strprintf("%.6g,%llu,%.6f", p.value, static_cast<unsigned long long>(p.seed), p.mismatch);
    for (const double m : p.model) out += strprintf(",%.6g", m);
    out += "\n";
  }
  return out;
}

std::string format_fit(const std::string& key, std::span<const FitPoint> points,
                       const Observed& observed) {
  const auto ranked = rank_fit(points);
  std::size_t seeds = 0;
  for (const FitPoint& p : points) {
    if (p.value == points.front().value) ++seeds;
  }
  std::string out = strprintf(
      "Fit of %s to %zu observed days of %s (from day %u to %u, %.6g in all), %zu seed(s) a "
      "value; mismatch = sum |model - observed| / sum observed, 0 is perfect\n",
      key.c_str(), observed.days.size(), observed.column.c_str(), observed.days.front().first,
      observed.days.back().first, observed.total(), seeds);
  out += strprintf("%-12s %10s %10s %21s\n", "value", "mean", "median", "range over seeds");
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    const FitRank& r = ranked[i];
    out += strprintf("%-12.6g %10.4f %10.4f %10.4f - %-8.4f%s\n", r.value, r.mean, r.median, r.min,
                     r.max, i == 0 ? "  best" : "");
  }
  return out;
}

PlotResult write_fit_plot(const std::filesystem::path& dir, const std::string& key,
                          std::span<const FitPoint> points, const Observed& observed) {
  const auto ranked = rank_fit(points);
  if (ranked.empty()) return {};
  // Columns: day, observed, then each value's mean model over its seeds (in ranked order).
  std::string data;
  for (std::size_t d = 0; d < observed.days.size(); ++d) {
    data += strprintf("%u %.6g", observed.days[d].first, observed.days[d].second);
    for (const FitRank& r : ranked) {
      double sum = 0;
      double count = 0;
      for (const FitPoint& p : points) {
        if (p.value != r.value) continue;
        sum += p.model[d];
        count += 1;
      }
      data += strprintf(" %.6g", sum / count);
    }
    data += "\n";
  }
  const auto data_path = dir / "fit_data.txt";
  if (!write_file(data_path, data)) return {{}, "could not write " + data_path.string()};
  const std::string q = gnuplot_quote(data_path);
  std::string body = "set grid\nset key top right\nset xlabel 'day'\nset ylabel '" +
                     observed.column + "' noenhanced\nset title 'Fit of " + key +
                     " (mean over seeds)' noenhanced\nset yrange [0:*]\n";
  body += "plot " + q + " using 1:2 with points pt 7 ps 0.8 lc rgb 'black' title 'observed'";
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    body += ", " + q +
            strprintf(" using 1:%zu with lines lw %d title '%s = %g%s' noenhanced", i + 3,
                      i == 0 ? 3 : 1, key.c_str(), ranked[i].value, i == 0 ? " (best)" : "");
  }
  body += "\n";
  return draw_plot(dir, "fit", body);
}

}  // namespace greenlight::sim

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

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::size_t at = 0;
  for (;;) {
    const std::size_t comma = line.find(',', at);
    out.push_back(line.substr(at, comma - at));
    if (comma == std::string::npos) return out;
    at = comma + 1;
  }
}

std::unexpected<Error> line_error(std::size_t line, const std::string& what) {
  return make_error(ErrorCode::kInvalidArgument, strprintf("line %zu: ", line) + what);
}

// The run's `columns` (indexes into timeseries.csv's) on the observed days, column after
// column.
std::vector<double> columns_on(std::span<const DailyStats> daily,
                               std::span<const std::size_t> columns, const Observed& observed) {
  std::vector<std::vector<std::string>> rows;
  std::stringstream s(daily_csv(daily));
  std::string row;
  std::getline(s, row);  // header
  while (std::getline(s, row)) rows.push_back(split(row));
  std::vector<double> out;
  for (const std::size_t c : columns) {
    for (const std::uint32_t day : observed.days)
      out.push_back(day < rows.size() ? std::stod(rows[day][c]) : 0.0);
  }
  return out;
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// "key = value, key = value" of a combination.
std::string setting(std::span<const std::string> keys, const std::array<double, kMaxVaried>& v) {
  std::string out;
  for (std::size_t i = 0; i < keys.size(); ++i)
    out += (i > 0 ? ", " : "") + keys[i] + strprintf(" = %.10g", v[i]);
  return out;
}

}  // namespace

double Observed::total(std::size_t column) const {
  double sum = 0;
  for (const double v : values[column]) sum += v;
  return sum;
}

Result<Observed> parse_observed(std::string_view csv, std::uint32_t run_days) {
  Observed out;
  // A byte-order mark, as spreadsheet programs write UTF-8, is no part of the header.
  if (csv.starts_with("\xEF\xBB\xBF")) csv.remove_prefix(3);
  const std::vector<std::string> known = timeseries_columns();
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
    const std::vector<std::string> fields = split(line);
    if (!header) {
      bool good = fields.size() >= 2 && fields[0] == "day";
      for (std::size_t i = 1; good && i < fields.size(); ++i) {
        good = fields[i] != "day" &&
               std::find(known.begin(), known.end(), fields[i]) != known.end() &&
               std::find(fields.begin() + 1, fields.begin() + static_cast<std::ptrdiff_t>(i),
                         fields[i]) == fields.begin() + static_cast<std::ptrdiff_t>(i);
      }
      if (!good) {
        return line_error(line_no,
                          "expected the header day,COLUMN[,COLUMN...] with each COLUMN a column "
                          "of timeseries.csv, once (e.g. positives, new_hospitalised, "
                          "new_deaths), got '" +
                              line + "'");
      }
      out.columns.assign(fields.begin() + 1, fields.end());
      out.values.resize(out.columns.size());
      header = true;
      continue;
    }
    if (fields.size() != out.columns.size() + 1) {
      return line_error(
          line_no, strprintf("expected %zu comma-separated fields, got '", out.columns.size() + 1) +
                       line + "'");
    }
    const std::string& first = fields[0];
    std::uint32_t day = 0;
    const auto [day_end, day_ec] = std::from_chars(first.data(), first.data() + first.size(), day);
    if (day_ec != std::errc() || day_end != first.data() + first.size() || first.empty()) {
      return line_error(line_no, "expected a day (a non-negative integer), got '" + first + "'");
    }
    if (day >= run_days) {
      return line_error(line_no,
                        strprintf("day %u is not in the run (run.days %u)", day, run_days));
    }
    if (!out.days.empty() && day <= out.days.back()) {
      return line_error(line_no, strprintf("day %u does not follow day %u", day, out.days.back()));
    }
    for (std::size_t c = 0; c < out.columns.size(); ++c) {
      const std::string& field = fields[c + 1];
      double value = 0;
      const auto [end_value, ec] =
          std::from_chars(field.data(), field.data() + field.size(), value);
      if (ec != std::errc() || end_value != field.data() + field.size() || !std::isfinite(value) ||
          value < 0) {
        return line_error(line_no, "expected a non-negative number, got '" + field + "'");
      }
      out.values[c].push_back(value);
    }
    out.days.push_back(day);
  }
  if (!header) return make_error(ErrorCode::kInvalidArgument, "no header day,COLUMN");
  if (out.days.empty()) return make_error(ErrorCode::kInvalidArgument, "no observed day");
  return out;
}

double fit_mismatch(std::span<const double> model, const Observed& observed) {
  const std::size_t n = observed.days.size();
  double mismatch = 0;
  for (std::size_t c = 0; c < observed.columns.size(); ++c) {
    double distance = 0;
    for (std::size_t i = 0; i < n; ++i)
      distance += std::abs(model[c * n + i] - observed.values[c][i]);
    const double total = observed.total(c);
    mismatch += total > 0 ? distance / total : distance;
  }
  return mismatch;
}

Result<std::vector<FitPoint>> run_fit(const SimConfig& base, std::span<const SweepVary> vary,
                                      std::span<const std::uint64_t> seeds,
                                      const Observed& observed,
                                      const std::function<void(const FitPoint&)>& done, Ranks ranks,
                                      const SweepJournal* journal) {
  if (vary.empty() || vary.size() > kMaxVaried) {
    return make_error(ErrorCode::kInvalidArgument,
                      strprintf("a fit varies 1 to %zu settings", kMaxVaried));
  }
  for (std::size_t i = 0; i < vary.size(); ++i) {
    if (vary[i].key == "run.seed")
      return make_error(ErrorCode::kInvalidArgument, "a fit varies run.seed by its seeds");
  }
  GL_RETURN_IF_ERROR(check_varied(vary, "fit"));
  if (seeds.empty()) return make_error(ErrorCode::kInvalidArgument, "a fit needs a seed");
  const std::vector<std::string> known = timeseries_columns();
  std::vector<std::size_t> columns;
  for (const std::string& name : observed.columns) {
    const auto it = std::find(known.begin(), known.end(), name);
    if (it == known.end())
      return make_error(ErrorCode::kInvalidArgument, name + " is not a column of timeseries.csv");
    columns.push_back(static_cast<std::size_t>(it - known.begin()));
  }
  const auto combinations = varied_combinations(vary);  // x seed
  std::vector<SimConfig> configs;
  std::vector<std::array<double, kMaxVaried>> config_values;
  for (const auto& v : combinations) {
    for (const std::uint64_t seed : seeds) {
      SimConfig c = base;
      for (std::size_t i = 0; i < vary.size(); ++i)
        GL_RETURN_IF_ERROR(apply_override(c, vary[i].key + "=" + strprintf("%.17g", v[i])));
      c.run.seed = seed;
      c.run.baseline = false;
      GL_RETURN_IF_ERROR(validate_config(c));  // every rank, before any runs
      if (observed.days.back() >= c.run.days) {
        return make_error(ErrorCode::kInvalidArgument,
                          strprintf("the observations reach day %u, the run ends before it",
                                    observed.days.back()));
      }
      configs.push_back(c);
      config_values.push_back(v);
    }
  }
  const auto size = static_cast<std::size_t>(ranks.size());
  const auto rank = static_cast<std::size_t>(ranks.rank());
  const auto stop = [&ranks](const Error& error) -> std::unexpected<Error> {
    if (ranks.size() > 1) ranks.abort(error.message);
    return std::unexpected(error);
  };
  // Every rank has opened its journal before any records a run there (see run_sweep).
  if (journal != nullptr) ranks.sum(0);
  // Each of this rank's points as its mismatch, whether it was read back (1) or run (0), then
  // its model.
  const std::size_t n = observed.days.size() * columns.size();
  std::vector<double> mine;
  for (std::size_t i = rank; i < configs.size(); i += size) {
    std::vector<DailyStats> days;
    bool recorded = false;
    if (journal != nullptr) {
      auto found = journal->find_days(configs[i]);
      if (!found) return stop(found.error());
      if (*found) {
        days = std::move(**found);
        recorded = true;
      }
    }
    if (!recorded) {
      auto outcome = run_once(configs[i]);  // whole on this rank
      if (!outcome) return stop(outcome.error());
      days = std::move(outcome->daily);
      if (journal != nullptr) {
        if (auto st = journal->record_days(configs[i], outcome->summary, days); !st)
          return stop(st.error());
      }
    }
    FitPoint p{config_values[i], configs[i].run.seed, 0, columns_on(days, columns, observed),
               recorded};
    p.mismatch = fit_mismatch(p.model, observed);
    mine.push_back(p.mismatch);
    mine.push_back(recorded ? 1.0 : 0.0);
    mine.insert(mine.end(), p.model.begin(), p.model.end());
    if (done) done(p);
  }
  const std::vector<double> gathered = ranks.gather_all<double>(mine);
  std::vector<FitPoint> points(configs.size());
  std::size_t at = 0;
  for (std::size_t r = 0; r < size; ++r) {
    for (std::size_t i = r; i < configs.size(); i += size) {
      FitPoint& p = points[i];
      p.values = config_values[i];
      p.seed = configs[i].run.seed;
      p.mismatch = gathered[at];
      p.from_journal = gathered[at + 1] != 0;
      p.model.assign(gathered.begin() + static_cast<std::ptrdiff_t>(at + 2),
                     gathered.begin() + static_cast<std::ptrdiff_t>(at + 2 + n));
      at += 2 + n;
    }
  }
  return points;
}

std::vector<FitRank> rank_fit(std::span<const FitPoint> points) {
  std::map<std::array<double, kMaxVaried>, std::vector<double>> by_values;
  std::vector<std::array<double, kMaxVaried>> order;
  for (const FitPoint& p : points) {
    if (!by_values.contains(p.values)) order.push_back(p.values);
    by_values[p.values].push_back(p.mismatch);
  }
  std::vector<FitRank> out;
  for (const auto& v : order) {
    const auto& m = by_values[v];
    FitRank r{v, 0, median_of(m), *std::min_element(m.begin(), m.end()),
              *std::max_element(m.begin(), m.end())};
    for (const double x : m) r.mean += x / static_cast<double>(m.size());
    out.push_back(r);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const FitRank& a, const FitRank& b) { return a.mean < b.mean; });
  return out;
}

std::string fit_csv(std::span<const std::string> keys, std::span<const FitPoint> points,
                    const Observed& observed) {
  std::string out;
  for (const std::string& k : keys) out += k + ",";
  out += "seed,mismatch";
  for (const std::string& c : observed.columns) {
    for (const std::uint32_t day : observed.days) out += strprintf(",%s_%u", c.c_str(), day);
  }
  out += "\nobserved,";
  for (std::size_t i = 1; i < keys.size(); ++i) out += ",";
  out += ",";
  for (const auto& column : observed.values) {
    for (const double v : column) out += strprintf(",%.10g", v);
  }
  out += "\n";
  for (const FitPoint& p : points) {
    for (std::size_t i = 0; i < keys.size(); ++i) out += strprintf("%.10g,", p.values[i]);
    out += strprintf("%llu,%.6f", static_cast<unsigned long long>(p.seed), p.mismatch);
    for (const double m : p.model) out += strprintf(",%.6g", m);
    out += "\n";
  }
  return out;
}

std::string format_fit(std::span<const std::string> keys, std::span<const FitPoint> points,
                       const Observed& observed) {
  const auto ranked = rank_fit(points);
  std::size_t seeds = 0;
  for (const FitPoint& p : points) {
    if (p.values == points.front().values) ++seeds;
  }
  std::string names;
  for (std::size_t c = 0; c < observed.columns.size(); ++c) {
    names +=
        (c > 0 ? ", " : "") + observed.columns[c] + strprintf(" (%.10g in all)", observed.total(c));
  }
  std::string out = strprintf(
      "Fit to %zu observed days (from day %u to %u) of %s, %zu seed(s) a combination; mismatch "
      "= sum over the columns of sum |model - observed| / sum observed (undivided for a column "
      "observed 0 on every day), 0 is perfect\n",
      observed.days.size(), observed.days.front(), observed.days.back(), names.c_str(), seeds);
  out += strprintf("%10s %10s %21s  %s\n", "mean", "median", "range over seeds", "setting");
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    const FitRank& r = ranked[i];
    out += strprintf("%10.4f %10.4f %10.4f - %-8.4f  %s%s\n", r.mean, r.median, r.min, r.max,
                     setting(keys, r.values).c_str(), i == 0 ? "  (best)" : "");
  }
  return out;
}

PlotResult write_fit_plots(const std::filesystem::path& dir, std::span<const std::string> keys,
                           std::span<const FitPoint> points, const Observed& observed) {
  auto ranked = rank_fit(points);
  if (ranked.empty()) return {};
  if (ranked.size() > 8) ranked.resize(8);
  const std::size_t n = observed.days.size();
  PlotResult all;
  for (std::size_t c = 0; c < observed.columns.size(); ++c) {
    const std::string& column = observed.columns[c];
    // Columns: day, observed, then each combination's mean model over its seeds (ranked).
    std::string data;
    for (std::size_t d = 0; d < n; ++d) {
      data += strprintf("%u %.6g", observed.days[d], observed.values[c][d]);
      for (const FitRank& r : ranked) {
        double sum = 0;
        double count = 0;
        for (const FitPoint& p : points) {
          if (p.values != r.values) continue;
          sum += p.model[c * n + d];
          count += 1;
        }
        data += strprintf(" %.6g", sum / count);
      }
      data += "\n";
    }
    const auto data_path = dir / ("fit_" + column + "_data.txt");
    if (!write_file(data_path, data)) return {all.files, "could not write " + data_path.string()};
    const std::string q = gnuplot_quote(data_path);
    std::string body = "set grid\nset key top right\nset xlabel 'day'\nset ylabel '" + column +
                       "' noenhanced\nset title 'Fit to observed " + column +
                       " (mean over seeds)' noenhanced\nset yrange [0:*]\n";
    body += "plot " + q + " using 1:2 with points pt 7 ps 0.8 lc rgb 'black' title 'observed'";
    for (std::size_t i = 0; i < ranked.size(); ++i) {
      body +=
          ", " + q +
          strprintf(" using 1:%zu with lines lw %d title '%s%s' noenhanced", i + 3, i == 0 ? 3 : 1,
                    setting(keys, ranked[i].values).c_str(), i == 0 ? " (best)" : "");
    }
    body += "\n";
    const PlotResult one = draw_plot(dir, "fit_" + column, body);
    if (!one.warning.empty()) return {all.files, one.warning};
    all.files.insert(all.files.end(), one.files.begin(), one.files.end());
  }
  return all;
}

}  // namespace greenlight::sim

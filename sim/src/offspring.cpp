// Secondary infections per case and their negative-binomial fit (offspring.h).
#include "greenlight/sim/offspring.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <tuple>
#include <utility>

#include "greenlight/sim/report.h"

namespace greenlight::sim {
namespace {

// The range searched for k; 2 x the drop of the log-likelihood at the 95 % bound (chi-square,
// one degree of freedom).
constexpr double kMinK = 1e-8;
constexpr double kMaxK = 1e7;
constexpr double kChi2Bound = 3.841458820694124;

void add(std::vector<std::uint64_t>& histogram, std::size_t x) {
  if (histogram.size() <= x) histogram.resize(x + 1, 0);
  ++histogram[x];
}

// The cases of a histogram ([x]: cases that infected x people) and their infections.
std::pair<std::uint64_t, std::uint64_t> totals(std::span<const std::uint64_t> cases_by_count) {
  std::uint64_t cases = 0;
  std::uint64_t infections = 0;
  for (std::size_t x = 0; x < cases_by_count.size(); ++x) {
    cases += cases_by_count[x];
    infections += x * cases_by_count[x];
  }
  return {cases, infections};
}

// The negative binomial with mean m and dispersion k for a histogram, through the cases
// with more than j infections (above[j]): the terms of ln Gamma(x + k) - ln Gamma(k) are
// sum_{j < x} ln(k + j).
class Likelihood {
 public:
  explicit Likelihood(std::span<const std::uint64_t> histogram) {
    for (std::size_t x = 0; x < histogram.size(); ++x) {
      n_ += static_cast<double>(histogram[x]);
      s_ += static_cast<double>(x) * static_cast<double>(histogram[x]);
    }
    mean_ = n_ > 0 ? s_ / n_ : 0;
    above_.assign(histogram.size() > 0 ? histogram.size() - 1 : 0, 0);
    double more = n_ - (histogram.empty() ? 0 : static_cast<double>(histogram[0]));
    for (std::size_t j = 0; j < above_.size(); ++j) {
      above_[j] = more;
      more -= static_cast<double>(histogram[j + 1]);
    }
  }
  // d/dk of the log-likelihood at the sample mean (the mean's own estimate).
  double score(double k) const {
    double sum = 0;
    for (std::size_t j = 0; j < above_.size(); ++j) sum += above_[j] / (k + static_cast<double>(j));
    return sum - n_ * std::log1p(mean_ / k);
  }
  // The log-likelihood without the terms that do not depend on k.
  double log_likelihood(double k) const {
    double sum = 0;
    for (std::size_t j = 0; j < above_.size(); ++j) {
      sum += above_[j] * std::log(k + static_cast<double>(j));
    }
    return sum - n_ * k * std::log1p(mean_ / k) + s_ * (std::log(mean_) - std::log(k + mean_));
  }

 private:
  double n_ = 0;
  double s_ = 0;
  double mean_ = 0;
  std::vector<double> above_;
};

// The root of f between lo and hi (f(lo) and f(hi) of opposite signs), by bisection on
// log k.
template <typename F>
double bisect(F f, double lo, double hi) {
  const bool rising = f(lo) < 0;
  double a = std::log(lo);
  double b = std::log(hi);
  for (int i = 0; i < 200 && b - a > 1e-12; ++i) {
    const double mid = (a + b) / 2;
    const double v = f(std::exp(mid));
    if ((v < 0) == rising) {
      a = mid;
    } else {
      b = mid;
    }
  }
  return std::exp((a + b) / 2);
}

// An infection's day of symptom onset (-1: a course without symptoms).
std::int32_t onset_day(const Infection& i) {
  return i.course.symptomatic ? i.day + static_cast<std::int32_t>(i.course.onset_delay_days) : -1;
}

std::string layer_label(std::size_t l) {
  switch (static_cast<Layer>(l)) {
    case Layer::kHousehold:
      return "household";
    case Layer::kSchoolWork:
      return "school/work";
    case Layer::kRandom:
      return "random";
    case Layer::kVenue:
      return "venues";
    case Layer::kHospital:
      return "hospital";
    case Layer::kCareHome:
      return "care homes";
  }
  return "";
}

std::string fit_row(const std::string& label, const OffspringFit& f) {
  std::string k = "-";
  if (f.overdispersed) {
    k = std::isinf(f.k_high) ? strprintf("%.3g [%.3g, inf)", f.k, f.k_low)
                             : strprintf("%.3g [%.3g, %.3g]", f.k, f.k_low, f.k_high);
  } else if (f.infections > 0) {
    k = "none (variance <= R)";
  }
  return strprintf("  %-14s %9llu %7.3f %9.3f  %-24s %6.1f %% %7.1f %%\n", label.c_str(),
                   static_cast<unsigned long long>(f.cases), f.mean, f.variance, k.c_str(),
                   100 * f.zero_share, 100 * f.share_for_80);
}

std::string run_rows(const std::string& name, const Offspring& o) {
  std::string out = fit_row(name, fit_offspring(o.cases_by_count));
  for (std::size_t l = 0; l < kLayers; ++l) {
    const OffspringFit fit = fit_offspring(o.by_layer[l]);
    // Without hospital staff or care homes nobody infects anyone there: no row.
    const auto layer = static_cast<Layer>(l);
    if ((layer == Layer::kHospital || layer == Layer::kCareHome) && fit.infections == 0) continue;
    out += fit_row("  " + layer_label(l), fit);
  }
  // The first four weeks' cases apart only when later complete cohorts exist (otherwise
  // they are every case above, and fewer days than the label says).
  if (o.cohort_days <= kEarlyCohortDays) return out;
  return out + fit_row("  days 0-27", fit_offspring(o.early_cases_by_count));
}

std::string interval_row(const std::string& name, const Offspring& o) {
  const DaysSummary g = summarise_days(o.generation_days);
  const DaysSummary s = summarise_days(o.serial_days);
  double pairs = 0;
  for (const std::uint64_t n : o.by_stage) pairs += static_cast<double>(n);
  const auto share = [&](std::size_t stage) {
    return pairs > 0 ? 100 * static_cast<double>(o.by_stage[stage]) / pairs : 0.0;
  };
  return strprintf(
      "  %-14s %-24s %-32s %.1f %% / %.1f %% / %.1f %%\n", name.c_str(),
      strprintf("%.2f d (sd %.2f)", g.mean, g.sd).c_str(),
      strprintf("%.2f d (sd %.2f; %.1f %% < 0)", s.mean, s.sd, 100 * s.negative_share).c_str(),
      share(Offspring::kPresymptomatic), share(Offspring::kSymptomatic),
      share(Offspring::kAsymptomatic));
}

std::uint64_t at(const std::vector<std::uint64_t>& h, std::size_t x) {
  return x < h.size() ? h[x] : 0;
}

}  // namespace

Offspring count_offspring(const ForEachInfection& for_each_infection, std::uint32_t cohort_days) {
  Offspring out;
  out.cohort_days = cohort_days;
  const auto cohort = static_cast<std::int32_t>(cohort_days);
  // The cases, (person, day) in order, and the people each infected by layer.
  std::vector<std::uint64_t> cases;
  std::vector<std::int32_t> onset;  // per case: its symptom onset's day, -1 without symptoms
  for_each_infection([&](const Infection& i) {
    if (i.day >= 0 && i.day < cohort) {
      cases.push_back(std::uint64_t{i.person} << 32 | static_cast<std::uint32_t>(i.day));
      onset.push_back(onset_day(i));
    }
  });
  std::vector<std::array<std::uint16_t, kLayers>> caused(cases.size(),
                                                         std::array<std::uint16_t, kLayers>{});
  for_each_infection([&](const Infection& i) {
    if (i.infector == kNoPerson || i.infector_day < 0 || i.infector_day >= cohort) return;
    const std::uint64_t key =
        std::uint64_t{i.infector} << 32 | static_cast<std::uint32_t>(i.infector_day);
    const auto it = std::lower_bound(cases.begin(), cases.end(), key);
    if (it == cases.end() || *it != key) return;
    const auto c = static_cast<std::size_t>(it - cases.begin());
    auto& n = caused[c][i.layer % kLayers];
    if (n < UINT16_MAX) ++n;
    ++out.generation_days[i.day - i.infector_day];
    if (onset[c] < 0) {
      ++out.by_stage[Offspring::kAsymptomatic];
    } else {
      ++out.by_stage[i.day < onset[c] ? Offspring::kPresymptomatic : Offspring::kSymptomatic];
      if (i.course.symptomatic) ++out.serial_days[onset_day(i) - onset[c]];
    }
  });
  for (std::size_t c = 0; c < caused.size(); ++c) {
    std::size_t total = 0;
    for (std::size_t l = 0; l < kLayers; ++l) {
      add(out.by_layer[l], caused[c][l]);
      total += caused[c][l];
    }
    add(out.cases_by_count, total);
    // Its day: the key's low half.
    if (static_cast<std::uint32_t>(cases[c]) < kEarlyCohortDays) {
      add(out.early_cases_by_count, total);
    }
  }
  return out;
}

Offspring count_offspring(std::span<const Infection> infections, std::uint32_t cohort_days) {
  return count_offspring(
      [&](const std::function<void(const Infection&)>& f) {
        for (const Infection& i : infections) f(i);
      },
      cohort_days);
}

OffspringFit fit_offspring(std::span<const std::uint64_t> cases_by_count) {
  OffspringFit f;
  std::tie(f.cases, f.infections) = totals(cases_by_count);
  if (f.cases == 0) return f;
  const auto n = static_cast<double>(f.cases);
  f.mean = static_cast<double>(f.infections) / n;
  double squares = 0;
  for (std::size_t x = 0; x < cases_by_count.size(); ++x) {
    const double d = static_cast<double>(x) - f.mean;
    squares += d * d * static_cast<double>(cases_by_count[x]);
  }
  f.variance = f.cases > 1 ? squares / (n - 1) : 0;
  f.zero_share = cases_by_count.empty() ? 0 : static_cast<double>(cases_by_count[0]) / n;
  // The fewest cases, the most infectious first, with 5 x their infections >= 4 x all.
  if (f.infections > 0) {
    std::uint64_t caused = 0;
    std::uint64_t needed = 0;
    for (std::size_t x = cases_by_count.size() - 1; x > 0; --x) {
      const std::uint64_t c = cases_by_count[x];
      if (5 * (caused + x * c) >= 4 * f.infections) {
        const std::uint64_t rest = 4 * f.infections - 5 * caused;  // > 0
        needed += (rest + 5 * x - 1) / (5 * x);
        break;
      }
      caused += x * c;
      needed += c;
    }
    f.share_for_80 = static_cast<double>(needed) / n;
  }
  // Overdispersed when the variance (n denominator) exceeds the mean: then the score falls
  // from +infinity below zero at a finite k.
  if (f.infections == 0 || squares / n <= f.mean) return f;
  const Likelihood lik(cases_by_count);
  double hi = 1;
  while (hi < kMaxK && lik.score(hi) >= 0) hi *= 2;
  if (lik.score(hi) >= 0) return f;
  f.overdispersed = true;
  f.k = bisect([&](double k) { return lik.score(k); }, kMinK, hi);
  const double top = lik.log_likelihood(f.k);
  const auto drop = [&](double k) { return 2 * (top - lik.log_likelihood(k)) - kChi2Bound; };
  f.k_low = drop(kMinK) <= 0 ? 0 : bisect(drop, kMinK, f.k);
  f.k_high = drop(kMaxK) <= 0 ? std::numeric_limits<double>::infinity() : bisect(drop, f.k, kMaxK);
  return f;
}

DaysSummary summarise_days(const std::map<std::int32_t, std::uint64_t>& days) {
  DaysSummary d;
  double sum = 0;
  double negative = 0;
  for (const auto& [day, pairs] : days) {
    d.pairs += pairs;
    sum += static_cast<double>(day) * static_cast<double>(pairs);
    if (day < 0) negative += static_cast<double>(pairs);
  }
  if (d.pairs == 0) return d;
  const auto n = static_cast<double>(d.pairs);
  d.mean = sum / n;
  double squares = 0;
  for (const auto& [day, pairs] : days) {
    squares += (day - d.mean) * (day - d.mean) * static_cast<double>(pairs);
  }
  d.sd = d.pairs > 1 ? std::sqrt(squares / (n - 1)) : 0;
  d.negative_share = negative / n;
  return d;
}

std::string intervals_csv(const Offspring& app, const Offspring* baseline) {
  std::string out = "days,generation_interval,serial_interval";
  if (baseline != nullptr) out += ",generation_interval_without_app,serial_interval_without_app";
  out += "\n";
  std::int32_t first = 0;
  std::int32_t last = -1;
  for (const Offspring* o : {&app, baseline}) {
    if (o == nullptr) continue;
    for (const auto* days : {&o->generation_days, &o->serial_days}) {
      if (days->empty()) continue;
      first = last < first ? days->begin()->first : std::min(first, days->begin()->first);
      last = std::max(last, days->rbegin()->first);
    }
  }
  const auto pairs = [](const std::map<std::int32_t, std::uint64_t>& days, std::int32_t d) {
    const auto it = days.find(d);
    return static_cast<unsigned long long>(it == days.end() ? 0 : it->second);
  };
  for (std::int32_t d = first; d <= last; ++d) {
    out += strprintf("%d", d);
    for (const Offspring* o : {&app, baseline}) {
      if (o == nullptr) continue;
      out += strprintf(",%llu,%llu", pairs(o->generation_days, d), pairs(o->serial_days, d));
    }
    out += "\n";
  }
  return out;
}

std::vector<std::array<double, 2>> offspring_concentration(
    std::span<const std::uint64_t> cases_by_count) {
  const auto [all_cases, all_infections] = totals(cases_by_count);
  std::vector<std::array<double, 2>> curve;
  if (all_infections == 0) return curve;
  curve.push_back({0, 0});
  std::uint64_t cases = 0;
  std::uint64_t caused = 0;
  for (std::size_t x = cases_by_count.size(); x-- > 0;) {
    if (cases_by_count[x] == 0) continue;
    cases += cases_by_count[x];
    caused += x * cases_by_count[x];
    curve.push_back({static_cast<double>(cases) / static_cast<double>(all_cases),
                     static_cast<double>(caused) / static_cast<double>(all_infections)});
  }
  return curve;
}

PlotResult write_offspring_plot(const std::filesystem::path& dir, const Offspring& app,
                                const Offspring* baseline) {
  std::string data;
  std::vector<std::string> series;  // each curve's style and title
  const std::array runs{std::tuple{&app, "with app", "#1b7837"},
                        std::tuple{baseline, "without app", "#b2182b"}};
  for (const auto& [o, name, colour] : runs) {
    if (o == nullptr) continue;
    const auto curve = offspring_concentration(o->cases_by_count);
    if (curve.empty()) continue;
    if (!data.empty()) data += "\n\n";
    for (const auto& [x, y] : curve) data += strprintf("%.6f %.6f\n", x, y);
    const OffspringFit f = fit_offspring(o->cases_by_count);
    series.push_back(strprintf("with lines lw 2 lc rgb '%s' title '%s", colour, name) +
                     (f.overdispersed ? strprintf(" (k %.3g)'", f.k) : " (not overdispersed)'"));
  }
  if (series.empty()) return {{}, "no secondary infections: offspring plot skipped"};
  const auto data_path = dir / "offspring_data.txt";
  if (!write_file(data_path, data)) return {{}, "could not write " + data_path.string()};
  std::string body = strprintf(
      "set title 'Who caused the infections: cases infected on days 0-%u, most infectious "
      "first'\n"
      "set xlabel 'share of the cases'\nset ylabel 'share of the infections they caused'\n"
      "set key bottom right\nset grid\nset xrange [0:1]\nset yrange [0:1]\n",
      app.cohort_days - 1);
  body += "plot ";
  for (std::size_t i = 0; i < series.size(); ++i) {
    body += strprintf("%s using 1:2 index %zu %s, ",
                      i == 0 ? gnuplot_quote(data_path).c_str() : "''", i, series[i].c_str());
  }
  body +=
      "x with lines dt 2 lc rgb '#555555' title 'even spread', 0.8 with lines dt 3 lc rgb "
      "'#555555' title '80 %'\n";
  return draw_plot(dir, "offspring", body);
}

std::string offspring_csv(const Offspring& app, const Offspring* baseline) {
  std::string out = "secondary_infections,cases";
  for (std::size_t l = 0; l < kLayers; ++l) {
    out += "," + std::string(layer_name(static_cast<Layer>(l)));
  }
  out += ",cases_days_0_27";
  if (baseline != nullptr) {
    out += ",cases_without_app";
    for (std::size_t l = 0; l < kLayers; ++l) {
      out += "," + std::string(layer_name(static_cast<Layer>(l))) + "_without_app";
    }
    out += ",cases_days_0_27_without_app";
  }
  out += "\n";
  std::size_t rows = 0;
  for (const Offspring* o : {&app, baseline}) {
    if (o == nullptr) continue;
    rows = std::max(rows, o->cases_by_count.size());
    for (const auto& h : o->by_layer) rows = std::max(rows, h.size());
  }
  for (std::size_t x = 0; x < rows; ++x) {
    out += strprintf("%zu", x);
    for (const Offspring* o : {&app, baseline}) {
      if (o == nullptr) continue;
      out += strprintf(",%llu", static_cast<unsigned long long>(at(o->cases_by_count, x)));
      for (const auto& h : o->by_layer) {
        out += strprintf(",%llu", static_cast<unsigned long long>(at(h, x)));
      }
      out += strprintf(",%llu", static_cast<unsigned long long>(at(o->early_cases_by_count, x)));
    }
    out += "\n";
  }
  return out;
}

std::string format_offspring(const Offspring& app, const Offspring* baseline) {
  if (app.cohort_days == 0) return "";
  std::string o = strprintf(
      "\nSecondary infections per case (cases infected on days 0-%u, no longer infectious; "
      "offspring.csv)\n"
      "  %-14s %9s %7s %9s  %-24s %8s %9s\n",
      app.cohort_days - 1, "", "cases", "R", "variance", "dispersion k [95 %]", "none",
      "80 % from");
  o += run_rows(baseline != nullptr ? "with app" : "all", app);
  if (baseline != nullptr) o += run_rows("without app", *baseline);
  o += "  (k: negative binomial, maximum likelihood; a layer's R, variance and k are of the "
       "infections through it; 80 % from: the fewest cases, most infectious first, that "
       "caused 80 % of the infections)\n";
  o += strprintf("  %-14s %-24s %-32s %s\n", "their infections", "generation interval",
                 "serial interval (both ill)", "by cases presymptomatic / symptomatic / never ill");
  o += interval_row(baseline != nullptr ? "with app" : "all", app);
  if (baseline != nullptr) o += interval_row("without app", *baseline);
  o += "  (days from the case's infection, and from its symptom onset, to the infectee's; "
       "intervals.csv)\n";
  return o;
}

}  // namespace greenlight::sim

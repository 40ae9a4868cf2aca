#include "greenlight/sim/scenario.h"

#include <algorithm>
#include <limits>
#include <map>
#include <utility>

namespace greenlight::sim {
namespace {

using ull = unsigned long long;

ull u(std::uint64_t v) { return static_cast<ull>(v); }

double per_1000(double v, std::uint32_t people) { return people ? 1000.0 * v / people : 0.0; }

// Runs a configuration once per distinct configuration hash.
class RunCache {
 public:
  explicit RunCache(const SweepJournal* journal = nullptr) : journal_(journal) {}
  Result<RunOutcome> run(const SimConfig& c) {
    const std::string hash = config_hash(c);
    if (auto it = done_.find(hash); it != done_.end()) return it->second;
    if (journal_ != nullptr) {
      auto recorded = journal_->find_outcome(c);
      GL_RETURN_IF_ERROR(recorded);
      if (*recorded) {
        RunOutcome r;
        r.summary = (*recorded)->summary;
        r.scenario = (*recorded)->scenario;
        r.privacy.server = (*recorded)->server;
        ++from_journal_;
        done_.emplace(hash, r);
        return r;
      }
    }
    auto r = run_once(c);
    GL_RETURN_IF_ERROR(r);
    if (journal_ != nullptr) {
      GL_RETURN_IF_ERROR(journal_->record_outcome(c, {r->summary, r->scenario, r->privacy.server}));
    }
    done_.emplace(hash, *r);
    return r;
  }
  // Runs read back from the journal so far.
  std::size_t from_journal() const { return from_journal_; }

 private:
  const SweepJournal* journal_;
  std::map<std::string, RunOutcome> done_;
  std::size_t from_journal_ = 0;
};

Result<Comparison> compare_with(RunCache& cache, const SimConfig& base,
                                const std::function<void(std::size_t)>& done) {
  Comparison out;
  // The arms set these themselves (the code covers app.uptake's people; shadow on greenlight's
  // arm): a value given would be overwritten without effect.
  if (base.health_code.enabled || base.health_code.shadow ||
      base.health_code.coverage != HealthCodeConfig{}.coverage) {
    return make_error(ErrorCode::kInvalidArgument,
                      "sim compare sets health_code.enabled, shadow and coverage for each arm "
                      "(the code covers the people app.uptake gives the app: vary app.uptake "
                      "instead); leave them unset");
  }
  const auto configs = comparison_arms(base);
  for (std::size_t i = 0; i < kArms; ++i) {
    GL_RETURN_IF_ERROR(validate_config(configs[i]));
    auto r = cache.run(configs[i]);
    GL_RETURN_IF_ERROR(r);
    out.arms[i].name = kArmNames[i];
    out.arms[i].config = configs[i];
    out.arms[i].outcome = std::move(*r);
    if (done) done(i);
  }
  const auto reference = static_cast<std::int64_t>(out.arms[0].outcome.summary.infections);
  for (auto& a : out.arms) {
    a.averted = reference - static_cast<std::int64_t>(a.outcome.summary.infections);
  }
  return out;
}

// What a server holds, per arm: greenlight's key server, or the health code's central one.
struct Learned {
  std::uint64_t identified = 0;
  std::uint64_t location_person_days = 0;
  std::uint64_t contact_records = 0;
  std::uint64_t venue_visits = 0;
  std::uint64_t test_results = 0;
  std::uint64_t colour_person_days = 0;
  std::uint64_t anonymous_uploads = 0;
  std::uint64_t diagnosis_keys = 0;
  std::uint64_t venue_reports = 0;
};

Learned learned(const ArmResult& a) {
  Learned l;
  const auto& hc = a.outcome.scenario.health_code;
  l.identified = hc.covered_people;
  l.location_person_days = hc.location_person_days;
  l.contact_records = hc.colocation_records;
  l.venue_visits = hc.venue_visits;
  l.test_results = hc.test_results;
  l.colour_person_days = hc.colour_person_days;
  // Tracers beside a health code add the people it does not cover; their cases' results are
  // among the code's (it holds every result).
  const auto& mt = a.outcome.scenario.manual_tracing;
  l.identified += mt.identified_beyond_code;
  l.contact_records += mt.contact_records;
  if (!(a.config.health_code.enabled && !a.config.health_code.shadow)) {
    l.test_results += mt.test_results;
  }
  l.venue_visits += mt.venue_visits;
  const auto& s = a.outcome.privacy.server;
  l.anonymous_uploads = s.uploads;
  l.diagnosis_keys = s.keys;
  l.venue_reports = s.venue_reports;
  return l;
}

// The health code's colours on an arm's epidemic: its own (health-code arm) or its shadow.
const ColourCounts& code_rules(const ArmResult& a) {
  return a.config.health_code.enabled && !a.config.health_code.shadow
             ? a.outcome.scenario.colours
             : a.outcome.scenario.shadow_code;
}

std::string sanitise(const std::string& key) {
  std::string s = key;
  for (char& ch : s) {
    if (ch == '.' || ch == '/' || ch == ' ') ch = '_';
  }
  return s;
}

}  // namespace

std::array<SimConfig, kArms> comparison_arms(const SimConfig& base) {
  std::array<SimConfig, kArms> arms{base, base, base, base};
  for (auto& c : arms) {
    c.run.baseline = false;
    c.health_code.enabled = false;
  }
  for (const std::size_t i : {std::size_t{0}, std::size_t{2}, std::size_t{3}}) {
    SimConfig& c = arms[i];
    c.app.uptake = 0;
    c.app.chaff_per_day = 0;
    c.radio = RadioConfig{};
    c.run.server = ServerMode::kNone;
    c.run.verify_phones = 0;
    c.adversary = AdversaryConfig{};
    c.health_code.coverage = i == 2 ? base.app.uptake : HealthCodeConfig{}.coverage;
  }
  arms[2].health_code.enabled = true;
  arms[2].health_code.shadow = false;
  arms[3].manual_tracing.enabled = true;
  // The health code's rules in shadow mode on greenlight's epidemic: the same people judged
  // by both rules.
  arms[1].health_code.enabled = true;
  arms[1].health_code.shadow = true;
  arms[1].health_code.coverage = base.app.uptake;
  return arms;
}

Result<Comparison> run_comparison(const SimConfig& base,
                                  const std::function<void(std::size_t)>& done) {
  RunCache cache;
  return compare_with(cache, base, done);
}

constexpr std::string_view kComparisonCsvHeader =
    "arm,people,covered,infections,averted,ever_red,ever_yellow,wrongly_red,wrongly_yellow,"
    "wrongly_coloured,red_person_days,yellow_person_days,isolation_person_days,"
    "needless_isolation_person_days,identified,location_person_days,contact_records,"
    "venue_visits,test_results_by_name,colour_person_days,anonymous_uploads,diagnosis_keys,"
    "venue_reports,chaff_per_day,real_flows,chaff_flows,real_share,uploader_auc,"
    "relayed_runs,relay_only_hits,relay_false_warnings,warned_only_by_relay,"
    "code_rules_ever_red,code_rules_wrongly_red,code_rules_wrongly_yellow,"
    "code_rules_wrongly_coloured,hospitalisations,deaths,lockdown_days,region_lockdown_days\n";

std::string comparison_csv(const Comparison& c) {
  std::string out(kComparisonCsvHeader);
  for (const auto& a : c.arms) {
    const auto& s = a.outcome.summary;
    const auto& m = a.outcome.scenario;
    const Learned l = learned(a);
    const std::uint64_t covered = a.name == "greenlight"    ? s.app_users
                                  : a.name == "health-code" ? m.health_code.covered_people
                                                            : 0;
    out += strprintf("%s,%u,%llu,%llu,%lld,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,",
                     std::string(a.name).c_str(), s.people, u(covered), u(s.infections),
                     static_cast<long long>(a.averted), u(m.colours.ever_red),
                     u(m.colours.ever_yellow), u(m.colours.wrongly_red),
                     u(m.colours.wrongly_yellow), u(m.colours.wrongly_coloured),
                     u(m.colours.red_person_days), u(m.colours.yellow_person_days),
                     u(m.isolation_person_days), u(m.needless_isolation_person_days));
    out += strprintf("%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,", u(l.identified),
                     u(l.location_person_days), u(l.contact_records), u(l.venue_visits),
                     u(l.test_results), u(l.colour_person_days), u(l.anonymous_uploads),
                     u(l.diagnosis_keys), u(l.venue_reports));
    // Without an upload (the arms without the app, or no positive app user) the real share
    // and the AUC are undefined: empty cells (they were 0).
    out += strprintf("%.4f,%llu,%llu,", m.chaff.chaff_per_day, u(m.chaff.real_flows),
                     u(m.chaff.chaff_flows));
    out += m.chaff.real_flows > 0
               ? strprintf("%.6f,%.6f,", m.chaff.real_share, m.chaff.uploader_auc)
               : std::string(",,");
    out += strprintf("%llu,%llu,%llu,%llu,", u(m.relay.relayed_runs), u(m.relay.relay_only_hits),
                     u(m.relay.false_warnings), u(m.relay.warned_only_by_relay));
    const ColourCounts& rules = code_rules(a);
    out +=
        strprintf("%llu,%llu,%llu,%llu,%llu,%llu,%u,%llu\n", u(rules.ever_red),
                  u(rules.wrongly_red), u(rules.wrongly_yellow), u(rules.wrongly_coloured),
                  u(s.hospitalisations), u(s.deaths), s.lockdown_days, u(s.region_lockdown_days));
  }
  return out;
}

std::string format_comparison(const Comparison& c) {
  const auto& g = c.arms[1];
  const SimConfig& cfg = g.config;
  std::string o = strprintf(
      "Comparison: %u people, %u days, seed %llu, app uptake = health-code coverage %.0f %%, "
      "radio %s\n",
      cfg.population.people, cfg.run.days, u(cfg.run.seed), 100 * cfg.app.uptake,
      std::string(radio_model_name(cfg.radio.model)).c_str());
  o += policy_lines(cfg) + "\n";
  o += strprintf("%-52s %14s %14s %14s %14s\n", "", "none", "greenlight", "health code",
                 "manual tracing");
  const auto row = [&](const char* label, auto value) {
    o += strprintf("%-52s", label);
    for (const auto& a : c.arms) o += strprintf(" %14lld", static_cast<long long>(value(a)));
    o += "\n";
  };
  const auto& arms = c.arms;
  const std::uint32_t people = arms[0].outcome.summary.people;
  // People, as the report's "infected (ever)"; with reinfection the infections (which the
  // averted count) get a row of their own (the row counted infections under "infected").
  row("infected", [](const ArmResult& a) {
    return a.outcome.summary.infections - a.outcome.summary.reinfections;
  });
  const bool reinfected = std::any_of(c.arms.begin(), c.arms.end(), [](const ArmResult& a) {
    return a.outcome.summary.reinfections > 0;
  });
  if (reinfected) {
    row("infections (reinfections included)",
        [](const ArmResult& a) { return a.outcome.summary.infections; });
  }
  row("infections averted (against none)", [](const ArmResult& a) { return a.averted; });
  row("hospitalised", [](const ArmResult& a) { return a.outcome.summary.hospitalisations; });
  const auto deaths0 = static_cast<std::int64_t>(arms[0].outcome.summary.deaths);
  row("deaths", [](const ArmResult& a) { return a.outcome.summary.deaths; });
  row("deaths averted (against none)", [&](const ArmResult& a) {
    return deaths0 - static_cast<std::int64_t>(a.outcome.summary.deaths);
  });
  // As the report: a regional trigger locks regions, not everyone.
  if (cfg.lockdown.scheduled() || (cfg.lockdown.triggered() && !cfg.lockdown.regional)) {
    row("days everyone was locked down",
        [](const ArmResult& a) { return a.outcome.summary.lockdown_days; });
  }
  if (cfg.lockdown.regional) {
    row("region-days locked down",
        [](const ArmResult& a) { return a.outcome.summary.region_lockdown_days; });
  }
  row("tracers' interviews",
      [](const ArmResult& a) { return a.outcome.summary.manual_interviews; });
  row("tracers' calls (people quarantined)",
      [](const ArmResult& a) { return a.outcome.summary.manual_traced; });
  row("people ever RED", [](const ArmResult& a) { return a.outcome.scenario.colours.ever_red; });
  row("  never infected (wrongly RED)",
      [](const ArmResult& a) { return a.outcome.scenario.colours.wrongly_red; });
  row("people ever YELLOW",
      [](const ArmResult& a) { return a.outcome.scenario.colours.ever_yellow; });
  row("  never infected (wrongly YELLOW)",
      [](const ArmResult& a) { return a.outcome.scenario.colours.wrongly_yellow; });
  row("people wrongly RED or YELLOW",
      [](const ArmResult& a) { return a.outcome.scenario.colours.wrongly_coloured; });
  row("same epidemic, health-code rules: wrongly RED",
      [](const ArmResult& a) { return code_rules(a).wrongly_red; });
  row("same epidemic, health-code rules: wrongly YELLOW",
      [](const ArmResult& a) { return code_rules(a).wrongly_yellow; });
  row("same epidemic, health-code rules: wrongly coloured",
      [](const ArmResult& a) { return code_rules(a).wrongly_coloured; });
  row("RED person-days",
      [](const ArmResult& a) { return a.outcome.scenario.colours.red_person_days; });
  row("YELLOW person-days",
      [](const ArmResult& a) { return a.outcome.scenario.colours.yellow_person_days; });
  row("isolation person-days (all causes)",
      [](const ArmResult& a) { return a.outcome.scenario.isolation_person_days; });
  row("  of people never infected (needless)",
      [](const ArmResult& a) { return a.outcome.scenario.needless_isolation_person_days; });
  const auto needless0 =
      static_cast<std::int64_t>(arms[0].outcome.scenario.needless_isolation_person_days);
  row("  needless, more than none", [&](const ArmResult& a) {
    return static_cast<std::int64_t>(a.outcome.scenario.needless_isolation_person_days) - needless0;
  });
  o += "\nWhat a server could learn\n";
  row("people identified (phone number, name)",
      [](const ArmResult& a) { return learned(a).identified; });
  row("location trails (person-days)",
      [](const ArmResult& a) { return learned(a).location_person_days; });
  row("contact records (pairs met, per day)",
      [](const ArmResult& a) { return learned(a).contact_records; });
  row("venue visits (place codes)", [](const ArmResult& a) { return learned(a).venue_visits; });
  row("test results by name", [](const ArmResult& a) { return learned(a).test_results; });
  row("colours computed centrally (person-days)",
      [](const ArmResult& a) { return learned(a).colour_person_days; });
  row("anonymous positive uploads",
      [](const ArmResult& a) { return learned(a).anonymous_uploads; });
  row("diagnosis keys (one day of one uploader each)",
      [](const ArmResult& a) { return learned(a).diagnosis_keys; });
  row("sealed venue reports", [](const ArmResult& a) { return learned(a).venue_reports; });
  const auto& hc = arms[2].outcome.scenario.health_code;
  o += strprintf(
      "\nHealth-code colourings: %llu cases RED, %llu close contacts RED, %llu secondary "
      "contacts YELLOW, %llu spatiotemporal companions YELLOW.\n",
      u(hc.cases_red), u(hc.close_contacts_red), u(hc.secondary_yellow), u(hc.companions_yellow));
  const auto& ch = g.outcome.scenario.chaff;
  o += strprintf(
      "Greenlight uploads seen by a network observer (chaff %.2f per phone and day): %llu real "
      "and %llu fake flows; a flow is real with probability %s; flows per phone find the "
      "uploaders with AUC %s (0.5 = chance); %.0f request bytes per phone and day.\n",
      ch.chaff_per_day, u(ch.real_flows), u(ch.chaff_flows),
      ch.real_flows > 0 ? strprintf("%.3f", ch.real_share).c_str() : "- (no upload)",
      ch.real_flows > 0 ? strprintf("%.3f", ch.uploader_auc).c_str() : "-", ch.bytes_per_phone_day);
  o += strprintf(
      "Per 1,000 people: averted %.1f (greenlight) / %.1f (health code) / %.1f (manual "
      "tracing); wrongly RED or YELLOW %.1f / %.1f; needless isolation person-days %.1f / %.1f "
      "/ %.1f.\n",
      per_1000(static_cast<double>(arms[1].averted), people),
      per_1000(static_cast<double>(arms[2].averted), people),
      per_1000(static_cast<double>(arms[3].averted), people),
      per_1000(static_cast<double>(arms[1].outcome.scenario.colours.wrongly_coloured), people),
      per_1000(static_cast<double>(arms[2].outcome.scenario.colours.wrongly_coloured), people),
      per_1000(static_cast<double>(arms[1].outcome.scenario.needless_isolation_person_days),
               people),
      per_1000(static_cast<double>(arms[2].outcome.scenario.needless_isolation_person_days),
               people),
      per_1000(static_cast<double>(arms[3].outcome.scenario.needless_isolation_person_days),
               people));
  return o;
}

PlotResult write_comparison_plots(const std::filesystem::path& dir, const Comparison& c) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string epi;
  const std::size_t days = c.arms[0].outcome.daily.size();
  for (std::size_t d = 0; d < days; ++d) {
    epi += strprintf("%zu", d);
    for (const auto& a : c.arms) {
      const auto& daily = a.outcome.daily;
      epi += strprintf(" %u", d < daily.size() ? daily[d].new_infections : 0u);
    }
    epi += "\n";
  }
  const auto epi_path = dir / "compare_epidemic_data.txt";
  if (!write_file(epi_path, epi)) return {{}, "could not write " + epi_path.string()};
  std::string burden;
  for (std::size_t i = 0; i < kArms; ++i) {
    const auto& m = c.arms[i].outcome.scenario;
    burden += strprintf("%zu \"%s\" %llu %llu %.1f\n", i, std::string(c.arms[i].name).c_str(),
                        u(m.colours.wrongly_red), u(m.colours.wrongly_yellow),
                        static_cast<double>(m.needless_isolation_person_days) / 10.0);
  }
  const auto burden_path = dir / "compare_burden_data.txt";
  if (!write_file(burden_path, burden)) return {{}, "could not write " + burden_path.string()};
  const std::string q = gnuplot_quote(epi_path);
  std::string body =
      "set title 'New infections per day, same population and seed'\nset xlabel 'day'\n"
      "set ylabel 'new infections'\nset grid\nset key top right\n";
  body += "plot " + q + " using 1:2 with lines lw 2 lc rgb '#777777' title 'none', " + q +
          " using 1:3 with lines lw 2 lc rgb '#1a9641' title 'greenlight', " + q +
          " using 1:4 with lines lw 2 lc rgb '#d7191c' title 'health code', " + q +
          " using 1:5 with lines lw 2 lc rgb '#2166ac' title 'manual tracing'\n";
  PlotResult all = draw_plot(dir, "compare_epidemic", body);
  const std::string b = gnuplot_quote(burden_path);
  std::string bars =
      "set title 'Burden on people never infected'\nset style data histograms\n"
      "set style histogram clustered gap 1\nset style fill solid 0.8\nset grid ytics\n"
      "set ylabel 'people / (person-days / 10)'\nset key top left\nset yrange [0:*]\n";
  bars += "plot " + b + " using 3:xtic(2) lc rgb '#d7191c' title 'wrongly RED (people)', " + b +
          " using 4 lc rgb '#f1c40f' title 'wrongly YELLOW (people)', " + b +
          " using 5 lc rgb '#2166ac' title 'needless isolation (person-days / 10)'\n";
  const PlotResult r2 = draw_plot(dir, "compare_burden", bars);
  all.files.insert(all.files.end(), r2.files.begin(), r2.files.end());
  if (all.warning.empty()) all.warning = r2.warning;
  return all;
}

Result<std::vector<CompareSweepPoint>> run_compare_sweep(
    const SimConfig& base, const std::string& key, std::span<const double> values,
    std::span<const std::uint64_t> seeds, const std::function<void(const CompareSweepPoint&)>& done,
    const SweepJournal* journal) {
  RunCache cache(journal);
  std::vector<CompareSweepPoint> points;
  for (const double value : values) {
    for (const std::uint64_t seed : seeds) {
      SimConfig c = base;
      c.run.seed = seed;
      GL_RETURN_IF_ERROR(apply_override(c, key + "=" + strprintf("%.17g", value)));
      const std::size_t before = cache.from_journal();
      auto comparison = compare_with(cache, c, {});
      GL_RETURN_IF_ERROR(comparison);
      points.push_back({value, seed, std::move(*comparison), cache.from_journal() - before});
      if (done) done(points.back());
    }
  }
  return points;
}

std::string compare_sweep_csv(const std::string& key, std::span<const CompareSweepPoint> points) {
  std::string out = "key,value,seed," + std::string(kComparisonCsvHeader);
  for (const auto& p : points) {
    const std::string rows = comparison_csv(p.comparison);
    std::size_t at = rows.find('\n') + 1;
    while (at < rows.size()) {
      const std::size_t end = rows.find('\n', at);
      out += key + strprintf(",%.10g,%llu,", p.value, u(p.seed)) + rows.substr(at, end - at + 1);
      at = end + 1;
    }
  }
  return out;
}

namespace {

struct SweepMeans {
  std::size_t runs = 0;
  std::array<double, kArms> infections{};
  std::array<double, kArms> averted{};
  std::array<double, kArms> wrongly_coloured{};
  std::array<double, kArms> needless{};
  std::array<double, kArms> deaths{};
  double real_share = 0;
  double auc = 0;  // over the runs with an upload (auc_runs; NaN without one)
  std::size_t auc_runs = 0;
  double bytes = 0;
  double false_warnings = 0;  // relay (greenlight arm)
  double warned_only = 0;
  double people = 0;  // the population (a sweep may vary it)
};

std::map<double, SweepMeans> means_by_value(std::span<const CompareSweepPoint> points) {
  std::map<double, SweepMeans> m;
  for (const auto& p : points) {
    SweepMeans& s = m[p.value];
    ++s.runs;
    s.people += p.comparison.arms[0].outcome.summary.people;
    for (std::size_t i = 0; i < kArms; ++i) {
      const auto& a = p.comparison.arms[i];
      s.infections[i] += static_cast<double>(a.outcome.summary.infections);
      s.averted[i] += static_cast<double>(a.averted);
      s.wrongly_coloured[i] += static_cast<double>(a.outcome.scenario.colours.wrongly_coloured);
      s.needless[i] += static_cast<double>(a.outcome.scenario.needless_isolation_person_days);
      s.deaths[i] += static_cast<double>(a.outcome.summary.deaths);
    }
    const auto& ch = p.comparison.arms[1].outcome.scenario.chaff;
    s.real_share += ch.real_share;
    if (ch.real_flows > 0) {  // without an upload the AUC is undefined
      s.auc += ch.uploader_auc;
      ++s.auc_runs;
    }
    s.bytes += ch.bytes_per_phone_day;
    const auto& relay = p.comparison.arms[1].outcome.scenario.relay;
    s.false_warnings += static_cast<double>(relay.false_warnings);
    s.warned_only += static_cast<double>(relay.warned_only_by_relay);
  }
  for (auto& [v, s] : m) {
    const auto n = static_cast<double>(s.runs);
    for (std::size_t i = 0; i < kArms; ++i) {
      s.infections[i] /= n;
      s.averted[i] /= n;
      s.wrongly_coloured[i] /= n;
      s.needless[i] /= n;
      s.deaths[i] /= n;
    }
    s.real_share /= n;
    s.auc = s.auc_runs > 0 ? s.auc / static_cast<double>(s.auc_runs)
                           : std::numeric_limits<double>::quiet_NaN();
    s.bytes /= n;
    s.false_warnings /= n;
    s.warned_only /= n;
    s.people /= n;
  }
  return m;
}

}  // namespace

std::string format_compare_sweep(const std::string& key,
                                 std::span<const CompareSweepPoint> points) {
  std::string o = strprintf(
      "%-22s %4s | %8s %8s %8s %8s | %9s %9s %9s | %8s %8s %8s %8s | %9s %9s | %10s %10s %10s | "
      "%6s %6s %8s | %8s %8s\n",
      key.c_str(), "runs", "inf none", "inf GL", "inf HC", "inf MT", "avert GL", "avert HC",
      "avert MT", "dead no", "dead GL", "dead HC", "dead MT", "wrong GL", "wrong HC", "needl. GL",
      "needl. HC", "needl. MT", "real", "AUC", "B/day", "relay FW", "only");
  for (const auto& [value, s] : means_by_value(points)) {
    o += strprintf(
        "%-22.10g %4zu | %8.0f %8.0f %8.0f %8.0f | %9.0f %9.0f %9.0f | %8.1f %8.1f %8.1f %8.1f | "
        "%9.0f %9.0f | %10.0f %10.0f %10.0f | %6.3f %6s %8.0f | %8.1f %8.1f\n",
        value, s.runs, s.infections[0], s.infections[1], s.infections[2], s.infections[3],
        s.averted[1], s.averted[2], s.averted[3], s.deaths[0], s.deaths[1], s.deaths[2],
        s.deaths[3], s.wrongly_coloured[1], s.wrongly_coloured[2], s.needless[1], s.needless[2],
        s.needless[3], s.real_share, s.auc_runs > 0 ? strprintf("%.3f", s.auc).c_str() : "-",
        s.bytes, s.false_warnings, s.warned_only);
  }
  o += "(means over seeds; GL = greenlight, HC = health code, MT = manual tracing; dead = "
       "deaths (no = no app, code or tracers); wrong = people wrongly RED or "
       "YELLOW; needl. = isolation person-days of people never infected; real, AUC, B/day: "
       "greenlight's upload flows as a network observer sees them; relay FW, only: false warnings "
       "caused by the relay adversary, people warned only because of it)\n";
  return o;
}

PlotResult write_compare_sweep_plot(const std::filesystem::path& dir, const std::string& key,
                                    std::span<const CompareSweepPoint> points) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string stem = "compare_" + sanitise(key);
  std::string data;
  for (const auto& [value, s] : means_by_value(points)) {
    const auto people = static_cast<std::uint32_t>(s.people);  // this value's population
    data +=
        strprintf("%.10g %.2f %.2f %.2f %.2f %.2f %.2f %.4f %.4f %.1f %.1f %.1f %.2f %.2f\n", value,
                  per_1000(s.averted[1], people), per_1000(s.averted[2], people),
                  per_1000(s.wrongly_coloured[1], people), per_1000(s.wrongly_coloured[2], people),
                  per_1000(s.needless[1], people), per_1000(s.needless[2], people), s.real_share,
                  s.auc, s.bytes / 1024.0, s.false_warnings, s.warned_only,
                  per_1000(s.averted[3], people), per_1000(s.needless[3], people));
  }
  const auto data_path = dir / (stem + "_data.txt");
  if (!write_file(data_path, data)) return {{}, "could not write " + data_path.string()};
  const std::string q = gnuplot_quote(data_path);
  std::string body = "set grid\nset key below\nset xlabel '" + key + "' noenhanced\n";
  if (key.starts_with("adversary.")) {
    body +=
        "set title 'False warnings caused by the relay adversary (greenlight)'\n"
        "set ylabel 'notifications'\nset yrange [0:*]\n";
    body += "plot " + q +
            " using 1:11 with linespoints lw 2 pt 7 lc rgb '#d7191c' title 'false "
            "warnings caused by relays', " +
            q +
            " using 1:12 with linespoints lw 2 pt 5 lc rgb '#2166ac' title 'people warned only "
            "because of relays'\n";
  } else if (key == "app.chaff_per_day") {
    body +=
        "set title 'What fake uploads hide from a network observer (greenlight)'\n"
        "set ylabel 'probability'\nset yrange [0:1.05]\nset y2label 'request KiB per phone "
        "and day'\nset y2tics\nset ytics nomirror\n";
    body += "plot " + q + " using 1:8 with linespoints lw 2 pt 7 title 'P(flow is real)', " + q +
            " using 1:9 with linespoints lw 2 pt 5 title 'AUC finding uploaders', " + q +
            " using 1:10 axes x1y2 with linespoints lw 2 pt 9 dt 2 title 'KiB/phone/day'\n";
  } else {
    body += "set title 'greenlight, a health code and manual tracing against " + key +
            " (per 1,000 people)' noenhanced\nset ylabel 'people'\nset y2label 'person-days of "
            "needless "
            "isolation'\nset y2tics\nset ytics nomirror\n";
    body +=
        "plot " + q +
        " using 1:2 with linespoints lw 2 pt 7 lc rgb '#1a9641' title 'averted, greenlight', " + q +
        " using 1:3 with linespoints lw 2 pt 7 lc rgb '#d7191c' title 'averted, health code', " +
        q +
        " using 1:4 with linespoints lw 2 pt 5 dt 2 lc rgb '#1a9641' title 'wrongly coloured, "
        "greenlight', " +
        q +
        " using 1:5 with linespoints lw 2 pt 5 dt 2 lc rgb '#d7191c' title 'wrongly coloured, "
        "health code', " +
        q +
        " using 1:6 axes x1y2 with lines lw 1 dt 3 lc rgb '#1a9641' title 'needless isolation, "
        "greenlight', " +
        q +
        " using 1:7 axes x1y2 with lines lw 1 dt 3 lc rgb '#d7191c' title 'needless "
        "isolation, health code', " +
        q +
        " using 1:13 with linespoints lw 2 pt 9 lc rgb '#2166ac' title 'averted, manual "
        "tracing', " +
        q +
        " using 1:14 axes x1y2 with lines lw 1 dt 3 lc rgb '#2166ac' title 'needless isolation, "
        "manual tracing'\n";
  }
  return draw_plot(dir, stem, body);
}

std::string format_relay(const RelayView& r) {
  return strprintf(
      "\nRelay adversary (A2)\n  visits recorded by receivers       %llu\n"
      "  replays stored by victims' phones  %llu (%llu dropped: would cross midnight)\n"
      "  replays to phones that were off    %llu (victim dead or its app not running)\n"
      "  keys matched only through relays   %llu\n"
      "  false warnings caused by relays    %llu\n"
      "  warnings only because of one       %llu (notifications)\n",
      u(r.captured_visits), u(r.relayed_runs), u(r.dropped_runs), u(r.off_runs),
      u(r.relay_only_hits), u(r.false_warnings), u(r.warned_only_by_relay));
}

}  // namespace greenlight::sim

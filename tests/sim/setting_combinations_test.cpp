// Random combinations of settings (a fixed draw from a table of non-default values, after a few
// corners where shares divide by zero): each is either refused with a message naming a setting
// of the draw, or runs to its end with counts that hold together, a report without NaN, and at
// another thread count the same days.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/experiment.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/simulation.h"
#include "sim_test_runs.h"

namespace greenlight::sim {
namespace {

struct Choice {
  std::string_view key;
  std::vector<std::string_view> values;
};

// Values away from the defaults, a few per setting, taken as `--set key=value` takes them.
const std::vector<Choice>& choices() {
  static const std::vector<Choice> table{
      {"app.uptake", {"0", "0.3", "0.9"}},
      {"app.start_day", {"5", "20"}},
      {"app.ramp_days", {"10"}},
      {"app.ramp_launch_share", {"0.4"}},
      {"app.dropout_per_day", {"0.01"}},
      {"app.upload_consent", {"0.3", "1"}},
      {"app.checkin_probability", {"0", "1"}},
      {"app.red_isolation_adherence", {"0", "1"}},
      {"app.red_isolation_days", {"1", "5", "14"}},
      {"app.household_isolation_on_red", {"true"}},
      {"app.red_quarantine_from_exposure", {"true"}},
      {"app.red_daily_test_days", {"3", "7"}},
      {"app.red_daily_test_adherence", {"0", "1"}},
      {"app.red_release_test_day", {"1", "3"}},
      {"app.red_test_probability", {"0", "1"}},
      {"app.upload_delay_days", {"1", "4", "14"}},
      {"app.upload_same_day_share", {"0.5", "1"}},
      {"app.upload_delay_spread_days", {"1", "3"}},
      {"app.symptom_report_share", {"0.3", "1"}},
      {"app.revoke_on_negative", {"true"}},
      {"app.upgrade_on_positive", {"true"}},
      {"app.yellow_test_probability", {"0", "1"}},
      {"app.chaff_per_day", {"0", "2"}},
      {"testing.symptom_isolation", {"0", "1"}},
      {"testing.household_isolation", {"false"}},
      {"testing.order_delay_days", {"0", "3"}},
      {"testing.result_delay_days", {"0", "4"}},
      {"testing.sensitivity", {"1", "0.5"}},
      {"testing.specificity", {"1", "0.9"}},
      {"testing.isolation_days", {"1", "14"}},
      {"testing.isolation_adherence", {"0", "1"}},
      {"testing.isolation_daily_dropout", {"0", "0.2"}},
      {"testing.tests_per_day_per_100k", {"100", "500"}},
      {"testing.max_wait_days", {"0", "10"}},
      {"testing.capacity_by_region", {"true"}},
      {"testing.screening_per_day_per_100k", {"100", "2000"}},
      {"testing.screening_result_delay_days", {"0", "2"}},
      {"disease.initial_infections", {"1", "50"}},
      {"disease.imports_per_day", {"0.5", "3"}},
      {"disease.false_symptom_rate", {"0", "0.01"}},
      {"disease.icu_beds_per_100k", {"40", "100"}},
      {"disease.hospital_beds_per_100k", {"50", "200"}},
      {"disease.seasonality_amplitude", {"0.3"}},
      {"disease.infectiousness_sd", {"1"}},
      {"population.regions", {"2", "5"}},
      {"population.commuter_share", {"0.2"}},
      {"contacts.travel_share", {"0", "0.3"}},
      {"radio.model", {"clean"}},
      {"radio.perfect", {"true"}},
      {"radio.missed_scan_probability", {"0.5"}},
      {"manual_tracing.enabled", {"true"}},
      {"manual_tracing.start_day", {"10"}},
      {"manual_tracing.delay_days", {"0", "3"}},
      {"manual_tracing.workers_per_100k", {"1", "300"}},
      {"manual_tracing.trace_days", {"2", "14"}},
      {"manual_tracing.quarantine_days", {"3", "10"}},
      {"manual_tracing.backward_days", {"3", "7"}},
      {"manual_tracing.quarantine_from_meeting", {"true"}},
      {"manual_tracing.lists_last", {"true"}},
      {"manual_tracing.call_within_days", {"1", "4"}},
      {"manual_tracing.self_notify_after_days", {"1", "3"}},
      {"manual_tracing.self_notify_reach", {"0.5"}},
      {"manual_tracing.daily_test_days", {"5"}},
      {"manual_tracing.daily_test_adherence", {"0.5"}},
      {"manual_tracing.release_test_day", {"2", "7"}},
      {"manual_tracing.guest_lists[0]", {"0.5"}},
      {"manual_tracing.guest_lists[2]", {"1"}},
      {"care_homes.residents_per_100k", {"700", "3000"}},
      {"care_homes.staff_test_every_days", {"3"}},
      {"care_homes.resident_test_every_days", {"7"}},
      {"care_homes.visits_per_week", {"2"}},
      {"care_homes.visits_closed_days", {"14"}},
      {"care_homes.outbreak_testing", {"true"}},
      {"care_homes.outbreak_agency_days", {"3"}},
      {"care_homes.staff_symptom_isolation", {"0", "1"}},
      {"care_homes.staff_units", {"2", "4"}},
      {"care_homes.resident_zoning", {"0.5", "1"}},
      {"care_homes.agency_share", {"0.25"}},
      {"care_homes.agency_pool_homes", {"3"}},
      {"care_homes.app_paused_at_work", {"false"}},
      {"hospital.staff_per_100k", {"300", "1000"}},
      {"hospital.staff_test_every_days", {"3"}},
      {"hospital.app_paused_at_work", {"false"}},
      {"lockdown.start_day", {"10"}},
      {"lockdown.days", {"20"}},
      {"lockdown.repeat_every_days", {"40"}},
      {"lockdown.trigger_incidence", {"50"}},
      {"lockdown.trigger_admissions", {"2"}},
      {"lockdown.min_days", {"7"}},
      {"lockdown.regional", {"true"}},
      {"lockdown.elderly_start_day", {"5"}},
      {"lockdown.elderly_days", {"30"}},
      {"vaccination.people_per_day_per_100k", {"200", "2000"}},
      {"vaccination.start_day", {"5"}},
      {"vaccination.oldest_first", {"false"}},
      {"vaccination.days_to_protect", {"1", "14"}},
      {"vaccination.first_dose_protect_days", {"7"}},
      {"vaccination.waning_half_life_days", {"30"}},
      {"vaccination.booster_after_days", {"60"}},
      {"vaccination.booster_uptake", {"0.5"}},
      {"variant.day", {"10", "30"}},
      {"variant.imports", {"5"}},
      {"variant.vaccine_escape_infection", {"0.5"}},
      {"variant.immunity_escape_infection", {"0.5"}},
      {"immunity.reinfection", {"true"}},
      {"immunity.waning_half_life_days", {"20"}},
      {"health_code.enabled", {"true"}},
      {"health_code.shadow", {"true"}},
      {"adversary.relay_venue_share", {"0.1"}},
      {"risk.high_threshold_minutes", {"5", "60"}},
      {"risk.max_encounter_age_days", {"3"}},
      {"run.probe_all_runs", {"true"}},
  };
  return table;
}

// Settings refused without a base setting (the "needs" refusals of validate_config): a
// drawn one brings its base along unless the draw has that key already, so that such a draw
// runs rather than being refused for it alone.
const std::vector<std::pair<std::string_view, std::vector<std::string_view>>>& bases() {
  static const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> b{
      {"hospital.staff_test_every_days", {"hospital.staff_per_100k=1000"}},
      {"hospital.app_paused_at_work", {"hospital.staff_per_100k=1000"}},
      {"lockdown.min_days", {"lockdown.trigger_incidence=50"}},
      {"lockdown.repeat_every_days", {"lockdown.days=20"}},
      {"vaccination.booster_after_days", {"vaccination.waning_half_life_days=30"}},
      {"testing.capacity_by_region",
       {"population.regions=2", "testing.tests_per_day_per_100k=500"}},
  };
  return b;
}

// One draw: the run's size, seed, server, and its assignments.
struct Draw {
  std::uint32_t people = 0;
  std::uint32_t days = 0;
  std::uint64_t seed = 0;
  bool baseline = false;
  bool server = false;
  std::vector<std::string> assignments;
};

// Integers from the standard's fixed Mersenne twister reduced by `%`, so the draws are the
// same with every standard library.
std::vector<Draw> draws(std::uint64_t seed, std::size_t count) {
  std::mt19937_64 gen(seed);
  const auto below = [&](std::size_t n) { return static_cast<std::size_t>(gen() % n); };
  const auto& table = choices();
  std::vector<Draw> out;
  for (std::size_t i = 0; i < count; ++i) {
    Draw d;
    d.people = below(2) == 0 ? 1500 : 3000;
    d.days = below(2) == 0 ? 30 : 60;
    d.seed = 1 + below(1000);
    d.baseline = below(3) == 0;
    d.server = below(6) == 0;
    std::vector<std::size_t> keys(table.size());
    for (std::size_t k = 0; k < keys.size(); ++k) keys[k] = k;
    const std::size_t n = 3 + below(12);
    for (std::size_t k = 0; k < n; ++k) {  // a partial shuffle: n different settings
      std::swap(keys[k], keys[k + below(keys.size() - k)]);
      const Choice& c = table[keys[k]];
      d.assignments.push_back(std::string(c.key) + "=" +
                              std::string(c.values[below(c.values.size())]));
    }
    const auto has_key = [&](std::string_view key) {
      return std::any_of(d.assignments.begin(), d.assignments.end(),
                         [&](const std::string& a) { return a.substr(0, a.find('=')) == key; });
    };
    for (const auto& [key, needs] : bases()) {
      if (!has_key(key)) continue;
      for (const std::string_view base : needs) {
        if (!has_key(base.substr(0, base.find('=')))) d.assignments.emplace_back(base);
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

// Corners the random draw seldom reaches, where a report's shares divide by zero: nobody
// infected; manual tracing without tracers (no interview) with its backward window, guest
// lists and cases informing their contacts; no tests, no app and the health code.
std::vector<Draw> corners() {
  const auto corner = [](std::vector<std::string> assignments) {
    Draw d;
    d.people = 1500;
    d.days = 30;
    d.seed = 1;
    d.baseline = true;
    d.assignments = std::move(assignments);
    return d;
  };
  return {corner({"disease.initial_infections=0", "disease.imports_per_day=0.001",
                  "manual_tracing.enabled=true", "care_homes.residents_per_100k=1000",
                  "lockdown.trigger_incidence=10", "health_code.enabled=true"}),
          corner({"manual_tracing.enabled=true", "manual_tracing.workers_per_100k=0",
                  "manual_tracing.backward_days=3", "manual_tracing.guest_lists[0]=0.5",
                  "manual_tracing.self_notify_after_days=2"}),
          corner({"testing.tests_per_day_per_100k=0", "app.uptake=0", "health_code.enabled=true"})};
}

// Whether `message` names one of the settings assigned (its key, without an index).
bool names_a_setting(const std::string& message, const std::vector<std::string>& assignments) {
  for (const std::string& a : assignments) {
    const std::string key = a.substr(0, a.find_first_of("=["));
    if (message.find(key) != std::string::npos) return true;
  }
  return false;
}

// The counts of one run's days and summary that hold whatever the settings.
void check_counts(const RunOutcome& r, const SimConfig& c) {
  const RunSummary& s = r.summary;
  REQUIRE(r.daily.size() == c.run.days);
  CHECK(s.people == c.population.people);
  // The colours are the app's, or the health code's for the people it covers when it replaces
  // the app (not in its shadow).
  const bool code = c.health_code.enabled && !c.health_code.shadow;
  const std::uint64_t coloured = code ? r.scenario.health_code.covered_people : s.app_users;
  if (code) CHECK(coloured <= s.people);
  std::uint64_t deaths = 0;
  std::uint64_t infections = 0;  // before the day
  for (const DailyStats& d : r.daily) {
    CAPTURE(d.day);
    CHECK(d.susceptible + d.exposed + d.infectious + d.recovered + d.deaths == s.people);
    CHECK(d.green + d.yellow + d.red <= coloured);
    CHECK(d.isolating <= s.people);
    CHECK(d.critical <= d.hospitalised);
    CHECK(d.positives <= d.tests);
    CHECK(d.venue_notifications <= d.notified_red + d.notified_yellow);
    CHECK(d.app_contacts <= d.contacts);
    std::uint32_t by_layer = 0;
    for (const std::uint32_t n : d.new_infections_by_layer) by_layer += n;
    CHECK(by_layer == d.new_infections);
    // Beyond the day's transmissions and imported cases, the initial cases on day 0 and the
    // second variant's imports on variant.day: at most variant.imports, among that day's
    // variant infections (with those they infect the same day: infectiousness starts on the
    // day of infection), and all of them while enough people are susceptible (without
    // vaccines or reinfection the susceptible compartment is who they can infect).
    REQUIRE(d.cumulative_infections >= infections + d.new_infections + d.imported);
    const std::uint64_t seeded =
        d.cumulative_infections - infections - d.new_infections - d.imported;
    const std::uint64_t initial = d.day == 0 ? c.disease.initial_infections : 0;
    if (c.variant.imports > 0 && d.day == c.variant.day) {
      REQUIRE(seeded >= initial);
      const std::uint64_t variant_seeds = seeded - initial;
      CHECK(variant_seeds <= c.variant.imports);
      CHECK(variant_seeds <= d.variant_infections);
      if (!c.vaccination.enabled() && !c.immunity.reinfection &&
          d.susceptible >= c.variant.imports) {
        CHECK(variant_seeds == c.variant.imports);
      }
    } else {
      CHECK(seeded == initial);
    }
    infections = d.cumulative_infections;
    deaths += d.new_deaths;
    CHECK(d.deaths == deaths);
  }
  CHECK(s.infections == r.daily.back().cumulative_infections);
  CHECK(s.deaths == r.daily.back().deaths);
  RunSummary::AgeOutcome sum;
  for (const auto& row : s.by_age) {
    sum.people += row.people;
    sum.infected += row.infected;
    sum.deaths += row.deaths;
  }
  CHECK(sum.people == s.people);
  CHECK(sum.deaths == s.deaths);
}

TEST_CASE("random combinations of settings are refused by name or run with counts that add up") {
  std::size_t ran = 0;
  std::size_t refused = 0;
  std::size_t index = 0;
  std::vector<Draw> all = corners();
  for (Draw& d : draws(20261207, 64)) all.push_back(std::move(d));
  for (const Draw& d : all) {
    std::string line = "draw " + std::to_string(index++) + ": --people " +
                       std::to_string(d.people) + " --days " + std::to_string(d.days) + " --seed " +
                       std::to_string(d.seed) + (d.server ? " --server inprocess" : "");
    for (const std::string& a : d.assignments) line += " --set " + a;
    INFO(line);
    SimConfig c = small(d.people, d.days, d.seed);
    c.run.baseline = d.baseline;
    if (d.server) c.run.server = ServerMode::kInProcess;
    const Status applied = apply_overrides(c, d.assignments);
    if (!applied) {
      INFO(applied.error().message);
      CHECK(names_a_setting(applied.error().message, d.assignments));
      ++refused;
      continue;
    }
    const auto outcome = run_scenario(c);  // refused when the simulation is set up, or run
    if (!outcome) {
      INFO(outcome.error().message);
      CHECK(names_a_setting(outcome.error().message, d.assignments));
      ++refused;
      continue;
    }
    ++ran;
    check_counts(outcome->app, c);
    if (outcome->baseline) check_counts(*outcome->baseline, c);
    const std::string report = scenario_report(c, *outcome);
    // No NaN and no infinity but the open upper end of an interval, "[1.7, inf)".
    CHECK_FALSE(
        std::regex_search(report, std::regex(R"(\bnan\b|\binf\b(?!\)))", std::regex::icase)));
    if (index % 4 == 0) {  // the same days at another thread count
      SimConfig other = c;
      other.run.threads = 3;
      other.run.baseline = false;
      const auto again = run_once(other);
      REQUIRE(again);
      CHECK(daily_csv(again->daily) == daily_csv(outcome->app.daily));
    }
  }
  // The draw holds both kinds (so each check above ran).
  CHECK(ran >= 30);
  CHECK(refused >= 1);
}

}  // namespace
}  // namespace greenlight::sim

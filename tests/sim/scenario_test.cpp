// `sim compare`: greenlight against a centralised health code on the same population and
// seed (scenario.h). Structure and invariants only; no figure is hard-coded.
#include "greenlight/sim/scenario.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/experiment.h"
#include "greenlight/sim/publisher.h"
#include "sim_test_runs.h"

namespace greenlight::sim {
namespace {

SimConfig small(std::uint64_t seed) {
  SimConfig c;
  c.population.people = 2500;
  c.run.days = 35;
  c.run.seed = seed;
  c.run.threads = 2;
  c.disease.initial_infections = 25;
  return c;
}

const ScenarioMetrics& m(const Comparison& c, std::size_t arm) {
  return c.arms[arm].outcome.scenario;
}

}  // namespace

TEST_CASE("compare runs none, greenlight, a health code and manual tracing on one population") {
  const SimConfig c = small(5);
  auto a = run_comparison(c);
  REQUIRE(a);
  for (std::size_t i = 0; i < kArms; ++i) CHECK(a->arms[i].name == kArmNames[i]);
  const auto& none = a->arms[0];
  const auto& gl = a->arms[1];
  const auto& hc = a->arms[2];
  const auto& mt = a->arms[3];

  {  // the same seed gives the same output
    auto b = run_comparison(c);
    REQUIRE(b);
    CHECK(comparison_csv(*a) == comparison_csv(*b));
    CHECK(format_comparison(*a) == format_comparison(*b));
  }
  {  // no intervention averts nothing and colours nobody
    CHECK(none.averted == 0);
    CHECK(m(*a, 0).colours.ever_coloured == 0);
    CHECK(m(*a, 0).health_code.covered_people == 0);
    CHECK(none.outcome.summary.app_users == 0);
    // Self-isolation still isolates people who were never infected (false symptoms).
    CHECK(m(*a, 0).needless_isolation_person_days <= m(*a, 0).isolation_person_days);
  }
  {  // the health code covers exactly the people who run the app in the greenlight arm
    CHECK(m(*a, 2).health_code.covered_people == gl.outcome.summary.app_users);
    CHECK(hc.outcome.summary.app_users == 0);
    CHECK(gl.config.app.uptake == c.app.uptake);
    CHECK(hc.config.health_code.coverage == c.app.uptake);
    CHECK(gl.config.health_code.shadow);  // the code's rules watch, nobody acts
    CHECK(hc.config.health_code.enabled);
  }
  {  // manual tracing without the app: tracers interview the positives and call whom they name
    CHECK(mt.outcome.summary.app_users == 0);
    CHECK(mt.config.manual_tracing.enabled);
    CHECK_FALSE(mt.config.health_code.enabled);
    CHECK(m(*a, 3).colours.ever_coloured == 0);
    const auto& s = mt.outcome.summary;
    REQUIRE(s.manual_interviews > 0);
    CHECK(s.manual_traced > 0);
    const auto& known = m(*a, 3).manual_tracing;
    CHECK(known.test_results == s.manual_interviews);  // each interviewed case's result
    CHECK(known.contact_records >= s.manual_traced);   // named at interviews, then called
    CHECK(known.identified <= s.manual_interviews + known.contact_records);
    CHECK(known.identified > s.manual_interviews);
    for (const std::size_t i : {std::size_t{0}, std::size_t{1}, std::size_t{2}}) {
      CHECK_FALSE(a->arms[i].config.manual_tracing.enabled);
      CHECK(m(*a, i).manual_tracing.identified == 0);
      CHECK(a->arms[i].outcome.summary.manual_interviews == 0);
    }
    // The tracers' names are what a server could learn in this arm (the table's last column).
    const std::string table = format_comparison(*a);
    const auto line = [&](const std::string& label) {
      const auto at = table.find("\n" + label);
      REQUIRE(at != std::string::npos);
      return table.substr(at + 1, table.find('\n', at + 1) - at - 1);
    };
    CHECK(line("people identified (phone number, name)")
              .ends_with(" " + std::to_string(known.identified)));
    CHECK(line("contact records").ends_with(" " + std::to_string(known.contact_records)));
    CHECK(line("test results by name").ends_with(" " + std::to_string(known.test_results)));
    CHECK(known.venue_visits == 0);  // no guest lists: no venue asked (guest_lists_test.cpp)
    CHECK(line("venue visits (place codes)").ends_with(" 0"));
    const std::string csv = comparison_csv(*a);
    const auto row = csv.substr(csv.find("\nmanual-tracing,") + 1);
    CHECK(row.starts_with("manual-tracing," + std::to_string(s.people) + ",0," +
                          std::to_string(s.infections) + "," + std::to_string(mt.averted) + ","));
  }
  {  // on the same epidemic, the health code's rules wrongly colour at least as many people
    REQUIRE(m(*a, 1).colours.ever_red > 0);  // the epidemic reached the phones
    REQUIRE(m(*a, 2).health_code.close_contacts_red > 0);
    const auto& rules = m(*a, 1).shadow_code;  // the code's rules, nobody acting on them
    CHECK(rules.ever_red >= m(*a, 1).colours.ever_red);
    CHECK(rules.wrongly_red >= m(*a, 1).colours.wrongly_red);
    CHECK(rules.wrongly_coloured >= m(*a, 1).colours.wrongly_coloured);
    CHECK(m(*a, 0).shadow_code.ever_coloured == 0);
    CHECK(m(*a, 2).shadow_code.ever_coloured == 0);  // the code's own colours are the seen ones
  }
  {  // the rules in shadow mode change nothing: the greenlight arm is the plain run
    SimConfig plain = c;
    plain.run.baseline = false;
    auto p = run_once(plain);
    REQUIRE(p);
    CHECK(p->summary.infections == gl.outcome.summary.infections);
    CHECK(p->summary.notifications_red == gl.outcome.summary.notifications_red);
    CHECK(p->scenario.colours.wrongly_coloured == m(*a, 1).colours.wrongly_coloured);
    CHECK(p->scenario.shadow_code.ever_coloured == 0);
  }
  {  // counts are consistent; the phones made people never infected isolate
    REQUIRE(m(*a, 1).needless_isolation_person_days > 0);
    REQUIRE(m(*a, 1).colours.wrongly_red > 0);
    REQUIRE(m(*a, 2).colours.wrongly_yellow > 0);
    for (std::size_t i = 0; i < kArms; ++i) {
      const auto& s = m(*a, i);
      CHECK(s.colours.wrongly_red <= s.colours.ever_red);
      CHECK(s.colours.wrongly_yellow <= s.colours.ever_yellow);
      CHECK(s.colours.ever_coloured <= s.colours.ever_red + s.colours.ever_yellow);
      CHECK(s.colours.wrongly_coloured <= s.colours.ever_coloured);
      CHECK(s.needless_isolation_person_days <= s.isolation_person_days);
      CHECK(s.colours.red_person_days >= s.colours.ever_red);
      // The run's summary (sweep.csv's columns) holds the same judged counts.
      const RunSummary& summary = a->arms[i].outcome.summary;
      CHECK(summary.isolation_person_days == s.isolation_person_days);
      CHECK(summary.needless_isolation_person_days == s.needless_isolation_person_days);
      CHECK(summary.wrongly_red == s.colours.wrongly_red);
      CHECK(summary.wrongly_yellow == s.colours.wrongly_yellow);
      CHECK(a->arms[i].averted ==
            static_cast<std::int64_t>(none.outcome.summary.infections) -
                static_cast<std::int64_t>(a->arms[i].outcome.summary.infections));
    }
    // The central colours replace the phones' in the daily counts: every living covered
    // person has one colour every day (the dead are not counted, as the phones' colours).
    for (const auto& d : hc.outcome.daily) {
      const auto covered = m(*a, 2).health_code.covered_people;
      CHECK(d.green + d.yellow + d.red <= covered);
      CHECK(d.green + d.yellow + d.red + d.deaths >= covered);
    }
  }
  {  // what a server learns
    const auto& central = m(*a, 2).health_code;
    // A trail and a colour for every living covered person, each day: the daily colours.
    std::uint64_t coloured_days = 0;
    for (const auto& d : hc.outcome.daily) coloured_days += d.green + d.yellow + d.red;
    CHECK(central.location_person_days == coloured_days);
    CHECK(central.colour_person_days == coloured_days);
    CHECK(central.location_person_days <= central.covered_people * c.run.days);
    CHECK(central.colocation_records > 0);
    CHECK(central.venue_visits > 0);
    CHECK(central.cases_red > 0);
    // greenlight's server holds anonymous uploads and no person, contact or location.
    CHECK(m(*a, 1).health_code.covered_people == 0);
    CHECK(m(*a, 1).health_code.colocation_records == 0);
    CHECK(gl.outcome.privacy.server.uploads > 0);
    CHECK(hc.outcome.privacy.server.uploads == 0);
  }
}

TEST_CASE("with uptake by age the health code covers exactly the app's users") {
  SimConfig c = small(7);
  c.population.people = 2000;
  c.run.days = 5;
  c.app.uptake_by_age = {0.135, 1.204, 1.46, 1.445, 1.414, 1.294, 1.053, 0.722, 0.482};
  auto a = run_comparison(c);
  REQUIRE(a);
  const auto users = a->arms[1].outcome.summary.app_users;
  CHECK(m(*a, 2).health_code.covered_people == users);
  // The young and the old have fewer phones: fewer users than uniform uptake would give.
  c.app.uptake_by_age.fill(1);
  auto uniform = run_comparison(c);
  REQUIRE(uniform);
  CHECK(users < uniform->arms[1].outcome.summary.app_users);
}

TEST_CASE("compare sweep: chaff hides uploads and changes no infection") {
  SimConfig c = small(3);
  c.population.people = 1500;
  c.run.days = 30;
  const std::vector<double> rates{0, 1};
  const std::vector<std::uint64_t> seeds{3};
  auto points = run_compare_sweep(c, "app.chaff_per_day", rates, seeds);
  REQUIRE(points);
  REQUIRE(points->size() == 2);
  const auto& without = (*points)[0].comparison;
  const auto& with = (*points)[1].comparison;
  for (std::size_t i = 0; i < kArms; ++i) {
    CHECK(without.arms[i].outcome.summary.infections == with.arms[i].outcome.summary.infections);
    CHECK(without.arms[i].outcome.summary.deaths == with.arms[i].outcome.summary.deaths);
  }
  const auto& c0 = m(without, 1).chaff;
  const auto& c1 = m(with, 1).chaff;
  REQUIRE(c0.real_flows > 0);
  CHECK(c0.chaff_flows == 0);
  CHECK(c0.real_share == 1.0);
  CHECK(c0.uploader_auc == 1.0);  // without chaff every flow is an uploader
  CHECK(c1.real_flows == c0.real_flows);
  CHECK(c1.chaff_flows > 10 * c1.real_flows);
  CHECK(c1.real_share < 0.1);
  CHECK(c1.uploader_auc < 0.75);
  CHECK(c1.bytes_per_phone_day > c0.bytes_per_phone_day);
  const std::string csv = compare_sweep_csv("app.chaff_per_day", *points);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 1 + 2 * static_cast<long>(kArms));
  // Each arm's row ends with its hospitalisations, deaths and lockdown days (none here).
  CHECK(csv.substr(0, csv.find('\n'))
            .ends_with(",hospitalisations,deaths,lockdown_days,region_lockdown_days"));
  const auto& none = with.arms[0].outcome.summary;
  const auto at = csv.find("\napp.chaff_per_day,1,3,none,");
  REQUIRE(at != std::string::npos);
  const std::string row = csv.substr(at + 1, csv.find('\n', at + 1) - at - 1);
  CAPTURE(row);
  CHECK(row.ends_with("," + std::to_string(none.hospitalisations) + "," +
                      std::to_string(none.deaths) + ",0,0"));
  // No app, no upload: the real share and the AUC are undefined, empty cells (they were 0).
  CHECK(row.find(",0.0000,0,0,,,") != std::string::npos);
  const auto gl = csv.find("\napp.chaff_per_day,1,3,greenlight,");
  REQUIRE(gl != std::string::npos);
  CHECK(csv.substr(gl, csv.find('\n', gl + 1) - gl).find(",,,") == std::string::npos);
  CHECK_FALSE(format_compare_sweep("app.chaff_per_day", *points).empty());
  // Values keep their digits in the table and the CSV (10000 and 10001 were both "1e+04",
  // 1234567 became 1.23457e+06).
  std::vector<CompareSweepPoint> relabelled(points->begin(), points->end());
  for (auto& p : relabelled) p.value = p.value == 0 ? 10000 : 1234567;
  const std::string table = format_compare_sweep("population.people", relabelled);
  CAPTURE(table);
  CHECK(table.find("\n10000 ") != std::string::npos);
  CHECK(table.find("\n1234567 ") != std::string::npos);
  CHECK(compare_sweep_csv("population.people", relabelled).find("\npopulation.people,1234567,3,") !=
        std::string::npos);
}

TEST_CASE("compare counts a regional lockdown's region-days, not days of everyone's") {
  // Four regions, the cases seeded in the first, a regional trigger on positives.
  SimConfig c = small(2);
  c.population.people = 6000;
  c.population.regions = 4;
  c.disease.seed_region = 0;
  c.disease.initial_infections = 40;
  c.lockdown.trigger_incidence = 100;
  c.lockdown.regional = true;
  auto a = run_comparison(c);
  REQUIRE(a);
  const std::string text = format_comparison(*a);
  CAPTURE(text);
  CHECK(text.find("region-days locked down") != std::string::npos);
  CHECK(text.find("days everyone was locked down") == std::string::npos);
  const std::string csv = comparison_csv(*a);
  std::uint64_t locked = 0;
  for (const auto& arm : a->arms) {
    const RunSummary& s = arm.outcome.summary;
    CHECK(s.lockdown_days == 0);
    locked += s.region_lockdown_days;
    CHECK(csv.find("\n" + std::string(arm.name) + ",") != std::string::npos);
    const auto at = csv.find("\n" + std::string(arm.name) + ",");
    const std::string row = csv.substr(at + 1, csv.find('\n', at + 1) - at - 1);
    CHECK(row.ends_with(",0," + std::to_string(s.region_lockdown_days)));
  }
  CHECK(locked > 0);
  // A national trigger: the days everyone was locked down, no region-days.
  c.lockdown.regional = false;
  auto national = run_comparison(c);
  REQUIRE(national);
  const std::string national_text = format_comparison(*national);
  CHECK(national_text.find("days everyone was locked down") != std::string::npos);
  CHECK(national_text.find("region-days locked down") == std::string::npos);
}

namespace {

// 1,500 people for 30 days, one fake upload a day per phone on average.
SimConfig with_chaff(std::uint64_t seed) {
  SimConfig c = small(seed);
  c.population.people = 1500;
  c.run.days = 30;
  c.run.baseline = false;
  c.app.chaff_per_day = 1;
  return c;
}

}  // namespace

TEST_CASE("before the app's launch no phone sends chaff") {
  SimConfig c = with_chaff(4);
  auto from_start = run_once(c);
  c.app.start_day = 20;
  auto late = run_once(c);
  REQUIRE(from_start);
  REQUIRE(late);
  const auto phones = static_cast<double>(from_start->summary.app_users);
  // One fake flow per phone and day on average: about 30 days' worth from day 0, 10 from 20.
  const auto flows = [](const RunOutcome& r) {
    return static_cast<double>(r.scenario.chaff.chaff_flows + r.scenario.chaff.real_flows);
  };
  CHECK(flows(*from_start) / phones == Approx(30).epsilon(0.1));
  CHECK(flows(*late) / phones == Approx(10).epsilon(0.1));
  // Bytes per phone and day count the days the app ran: about the same rate either way.
  CHECK(late->scenario.chaff.bytes_per_phone_day ==
        Approx(from_start->scenario.chaff.bytes_per_phone_day).epsilon(0.1));
  // Phones starting evenly over days 0-19 (app.ramp_days) run 20.5 days on average.
  c.app.start_day = 0;
  c.app.ramp_days = 20;
  auto ramp = run_once(c);
  REQUIRE(ramp);
  CHECK(flows(*ramp) / phones == Approx(20.5).epsilon(0.1));
  CHECK(ramp->scenario.chaff.bytes_per_phone_day ==
        Approx(from_start->scenario.chaff.bytes_per_phone_day).epsilon(0.1));
  // A central server would have identified the phones that ran the app during the run: every
  // app user from day 0, those started by the end with a ramp, nobody launched after the run.
  CHECK(from_start->privacy.central_people == from_start->summary.app_users);
  CHECK(late->privacy.central_people == late->summary.app_users);
  c.app.ramp_days = 60;  // starts over days 0-59: about half within the 30 days
  auto long_ramp = run_once(c);
  REQUIRE(long_ramp);
  CHECK(static_cast<double>(long_ramp->privacy.central_people) == Approx(phones / 2).epsilon(0.1));
  c.app.ramp_days = 0;
  c.app.start_day = 30;
  auto never = run_once(c);
  REQUIRE(never);
  CHECK(never->privacy.central_people == 0);
}

TEST_CASE("a dead person's phone sends no more chaff") {
  // Everyone infected on day 0 and every course fatal: one fake flow a day on average per
  // phone while its user lives (a real upload replacing a fake), so the flows follow the
  // living phone-days, not the run's days.
  SimConfig c = with_chaff(9);
  c.disease.initial_infections = 1500;
  every_course_fatal(c);
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  const auto infection_day = sim->infection_day();
  const auto courses = sim->courses();
  const Population& pop = sim->population();
  double living_days = 0;
  std::uint32_t dead = 0;
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    if (pop.has_app[p] == 0) continue;
    std::uint32_t t = 0;
    for (; t < c.run.days; ++t) {
      if (infection_day[p] != -1 && t >= static_cast<std::uint32_t>(infection_day[p]) &&
          courses[p].dead(t - static_cast<std::uint32_t>(infection_day[p]))) {
        break;
      }
    }
    living_days += t;
    dead += t < c.run.days ? 1u : 0u;
  }
  REQUIRE(dead > pop.app_users() / 2);
  const ChaffView chaff = sim->scenario_metrics().chaff;
  CHECK(static_cast<double>(chaff.chaff_flows + chaff.real_flows) ==
        Approx(living_days).epsilon(0.05));
}

TEST_CASE("the network observer sees every upload as a flow, also a phone's second") {
  // Every positive app user with symptoms reports them and uploads, and uploads again with
  // its positive test: a phone's second upload is a real flow too (it counted one per
  // phone: 490 real flows for 498 uploads in a review's run).
  SimConfig c = with_chaff(5);
  c.population.people = 6000;
  c.run.days = 60;
  c.app.upload_consent = 1;
  c.app.symptom_report_share = 1;
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  const RunSummary s = sim->summary();
  const ChaffView chaff = sim->scenario_metrics().chaff;
  REQUIRE(s.uploads > 20);
  CHECK(chaff.real_flows == s.uploads);
  // The flows still follow the phone-days (about one a day each, a real one replacing a
  // fake).
  CHECK(static_cast<double>(chaff.chaff_flows + chaff.real_flows) ==
        Approx(static_cast<double>(s.app_users) * c.run.days).epsilon(0.05));
}

TEST_CASE("compare rejects an unknown sweep key") {
  const std::vector<double> values{1};
  const std::vector<std::uint64_t> seeds{1};
  auto points = run_compare_sweep(small(1), "app.no_such_key", values, seeds);
  REQUIRE_FALSE(points);
  CHECK(points.error().message.find("app.no_such_key") != std::string::npos);
}

TEST_CASE("the health code covers the app's users on the app's days") {
  // The phones start over days 0-29 (app.ramp_days): on each day before anyone died the
  // code's arm colours exactly as many people as the phones run the app in greenlight's arm
  // (the same people, on the same days); every person's colour counted in each.
  SimConfig c = small(5);
  c.app.ramp_days = 30;
  c.app.dropout_per_day = 0.01;
  auto a = run_comparison(c);
  REQUIRE(a);
  const auto& gl = a->arms[1].outcome.daily;
  const auto& hc = a->arms[2].outcome.daily;
  std::uint32_t compared = 0;
  for (std::size_t t = 0; t < gl.size() && gl[t].deaths == 0 && hc[t].deaths == 0; ++t) {
    CAPTURE(t);
    CHECK(hc[t].green + hc[t].yellow + hc[t].red == gl[t].green + gl[t].yellow + gl[t].red);
    ++compared;
  }
  REQUIRE(compared > 10);
  CHECK(hc[0].green + hc[0].yellow + hc[0].red < hc[20].green + hc[20].yellow + hc[20].red);
  // Launched after the run: nobody is covered, the code averts nothing and its rules colour
  // nobody on greenlight's epidemic.
  c.app.ramp_days = 0;
  c.app.dropout_per_day = 0;
  c.app.start_day = c.run.days;
  auto late = run_comparison(c);
  REQUIRE(late);
  CHECK(m(*late, 2).health_code.covered_people == 0);
  CHECK(m(*late, 2).health_code.location_person_days == 0);
  CHECK(late->arms[2].averted == 0);
  CHECK(m(*late, 2).colours.ever_coloured == 0);
  CHECK(m(*late, 1).shadow_code.ever_coloured == 0);
  // Launched on day 15 for everyone: the cases are the positive results from day 15 on; an
  // earlier result is known, not a new case (the app would not show it either).
  c.app.uptake = 1;
  c.app.start_day = 15;
  auto launched = run_comparison(c);
  REQUIRE(launched);
  const auto& daily = launched->arms[2].outcome.daily;
  std::uint64_t before = 0;
  std::uint64_t after = 0;
  for (const auto& d : daily) (d.day < 15 ? before : after) += d.positives;
  REQUIRE(before > 0);
  CHECK(m(*launched, 2).health_code.cases_red == after);
}

TEST_CASE("compare refuses health-code settings its arms set themselves") {
  for (const char* setting :
       {"health_code.enabled=true", "health_code.shadow=true", "health_code.coverage=0.3"}) {
    CAPTURE(setting);
    SimConfig c = small(1);
    REQUIRE(apply_override(c, setting));
    auto a = run_comparison(c);
    REQUIRE_FALSE(a);
    CHECK(a.error().message.find("vary app.uptake") != std::string::npos);
  }
  // A sweep over the coverage is refused the same way (it followed app.uptake all the same).
  const std::vector<double> values{0.2, 0.9};
  const std::vector<std::uint64_t> seeds{1};
  auto points = run_compare_sweep(small(1), "health_code.coverage", values, seeds);
  REQUIRE_FALSE(points);
  CHECK(points.error().message.find("health_code.enabled, shadow and coverage") !=
        std::string::npos);
  // The health code's arm acts whatever greenlight's arm watches in shadow mode.
  const auto arms = comparison_arms(small(1));
  CHECK(arms[2].health_code.enabled);
  CHECK_FALSE(arms[2].health_code.shadow);
  CHECK(arms[1].health_code.shadow);
}

TEST_CASE("tracers beside the health code add only the people it does not cover") {
  // Everyone has the app (the code covers everyone) and tracers work in every arm: the
  // code's arm identifies everyone once, and its test results are the code's own (the
  // tracers' cases' results among them).
  SimConfig c = small(6);
  c.app.uptake = 1;
  c.manual_tracing.enabled = true;
  auto a = run_comparison(c);
  REQUIRE(a);
  const auto& hc = m(*a, 2);
  REQUIRE(hc.manual_tracing.identified > 0);
  CHECK(hc.manual_tracing.identified_beyond_code == 0);
  const std::string csv = comparison_csv(*a);
  const auto at = csv.find("\nhealth-code,");
  REQUIRE(at != std::string::npos);
  std::vector<std::string> fields;
  std::string row = csv.substr(at + 1, csv.find('\n', at + 1) - at - 1);
  for (std::size_t from = 0;;) {
    const std::size_t comma = row.find(',', from);
    fields.push_back(row.substr(from, comma - from));
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  // identified (15th), test_results_by_name (19th).
  REQUIRE(fields.size() > 19);
  CHECK(fields[14] == std::to_string(hc.health_code.covered_people));
  CHECK(std::stoull(fields[14]) <= a->arms[2].outcome.summary.people);
  CHECK(fields[18] == std::to_string(hc.health_code.test_results));
  // greenlight's arm: the tracers' people and results are all its server-side knowledge.
  const auto& gl = m(*a, 1);
  CHECK(gl.manual_tracing.identified_beyond_code == gl.manual_tracing.identified);
}

TEST_CASE("a sweep's per-1,000 plot divides each point by its own population") {
  SimConfig c = small(2);
  c.run.days = 25;
  const std::vector<double> sizes{1000, 2000};
  const std::vector<std::uint64_t> seeds{2};
  auto points = run_compare_sweep(c, "population.people", sizes, seeds);
  REQUIRE(points);
  REQUIRE(points->size() == 2);
  const auto dir = std::filesystem::temp_directory_path() / "greenlight-compare-sweep-plot";
  std::filesystem::remove_all(dir);
  write_compare_sweep_plot(dir, "population.people", *points);
  std::ifstream in(dir / "compare_population_people_data.txt");
  REQUIRE(in);
  for (const auto& p : *points) {
    double value = 0, gl = 0, code = 0;
    REQUIRE(in >> value >> gl >> code);
    std::string rest;
    std::getline(in, rest);
    CHECK(value == p.value);
    const double people = p.comparison.arms[0].outcome.summary.people;
    CHECK(people == p.value);
    CHECK(
        code ==
        Approx(1000.0 * static_cast<double>(p.comparison.arms[2].averted) / people).margin(0.006));
    CHECK(
        gl ==
        Approx(1000.0 * static_cast<double>(p.comparison.arms[1].averted) / people).margin(0.006));
  }
  REQUIRE(points->back().comparison.arms[2].averted != 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("with reinfection the health code makes a case of each infection's positive") {
  // Everyone covered, nobody acting on a colour; an infection protects nobody: each positive
  // result (one per infection) turns its person RED as a case, a reinfected person's too.
  SimConfig c = small(8);
  c.run.days = 90;
  c.app.uptake = 1;
  without_immunity(c);
  c.health_code.red_adherence = 0;
  c.health_code.yellow_adherence = 0;
  auto a = run_comparison(c);
  REQUIRE(a);
  const auto& hc = a->arms[2].outcome;
  REQUIRE(hc.summary.reinfections > 0);
  std::uint64_t positives = 0;
  for (const auto& d : hc.daily) positives += d.positives;
  CHECK(hc.scenario.health_code.cases_red == positives);
  // The table's "infected" counts people, as the report's "infected (ever)"; the
  // infections, reinfections included, have their own row.
  const std::string table = format_comparison(*a);
  CAPTURE(table);
  const auto cell = [&](const std::string& label) {
    const auto at = table.find("\n" + label + "  ");
    REQUIRE(at != std::string::npos);
    const std::string line = table.substr(at + 1, table.find('\n', at + 1) - at - 1);
    return line.substr(line.find_first_not_of(' ', label.size()));
  };
  const auto& none = a->arms[0].outcome.summary;
  REQUIRE(none.reinfections > 0);
  CHECK(cell("infected").starts_with(std::to_string(none.infections - none.reinfections) + " "));
  CHECK(cell("infections (reinfections included)")
            .starts_with(std::to_string(none.infections) + " "));
}

}  // namespace greenlight::sim

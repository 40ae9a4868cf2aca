// Uploads on reported symptoms (app.symptom_report_share; HealthPhase::run, UploadPhase): who
// reports on which day, what is uploaded, and what a run does with it.
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/simulation.h"
#include "internal/health_phase.h"
#include "internal/world.h"
#include "sim_test_runs.h"
#include "world_test_support.h"

namespace greenlight::sim::internal {
namespace {

// 3,000 app users, everyone reporting symptoms and consenting, nobody isolating or tested on
// symptoms, every test positive (sensitivity 1, specificity 0), no false symptoms unless
// `false_rate`.
SimConfig reporting(double false_rate) {
  SimConfig c;
  c.population.people = 3000;
  c.app.uptake = 1;
  c.app.upload_consent = 1;
  c.app.symptom_report_share = 1;
  c.disease.initial_infections = 0;
  c.disease.false_symptom_rate = false_rate;
  c.disease.asymptomatic_fraction.fill(0);
  c.testing.symptom_isolation = 0;
  c.testing.sensitivity = 1;
  c.testing.specificity = 0;
  return c;
}

// Each person's upload days over `days` days of the health phase, `before(t)` first.
template <typename Before>
std::map<std::uint32_t, std::vector<std::uint32_t>> upload_days_by_person(HealthPhase& health,
                                                                          std::uint32_t days,
                                                                          Before before) {
  std::map<std::uint32_t, std::vector<std::uint32_t>> out;
  const auto by_day = uploaders_of_days(health, days, before);
  for (std::uint32_t t = 0; t < days; ++t) {
    for (const std::uint32_t p : by_day[t]) out[p].push_back(t);
  }
  return out;
}

}  // namespace

TEST_CASE("a symptom self-report uploads on the onset's day, a positive result then not") {
  // People 0 .. 99 infected on day 1, all with symptoms: each uploads on its onset day. One
  // of them is tested the day after its onset (positive two days later): no second upload
  // then.
  // Person 2000, not infected, tested on day 5: its positive result uploads on day 7.
  const auto world = make_world(reporting(0));
  HealthPhase health(*world);
  const std::uint32_t days = 40;
  std::uint32_t tested = kNoPerson;
  const auto uploads = upload_days_by_person(health, days, [&](std::uint32_t t) {
    if (t == 1) {
      std::vector<InfectionCandidate> infected;
      for (std::uint32_t p = 0; p < 100; ++p) infected.push_back({p, kNoPerson, Layer::kRandom});
      DailyStats st;
      health.apply_infections(infected, 1, st);
    }
    if (t == 5) health.order_test(2000, t);
    if (t >= 2 && tested == kNoPerson) {
      for (std::uint32_t p = 0; p < 100; ++p) {
        if (1u + health.course(p).onset_delay_days == t - 1) {
          tested = p;
          health.order_test(p, t);
          break;
        }
      }
    }
  });
  REQUIRE(tested != kNoPerson);
  std::uint64_t reported = 0;
  for (std::uint32_t p = 0; p < 100; ++p) {
    CAPTURE(p);
    const std::uint32_t onset = 1 + health.course(p).onset_delay_days;
    if (onset >= days) continue;
    ++reported;
    REQUIRE(uploads.count(p) == 1);
    // A positive result (tested in hospital) more than 14 days later uploads again.
    const std::vector<std::uint32_t>& on = uploads.at(p);
    CHECK(on.front() == onset);
    for (std::size_t i = 1; i < on.size(); ++i) CHECK(on[i] > onset + 14);
    CHECK(health.self_report_day(p, onset) == onset);
    CHECK(health.self_report_day(p, onset + 14) == onset);
    CHECK_FALSE(health.self_report_day(p, onset + 15));
  }
  REQUIRE(reported > 50);
  CHECK(health.tested_positive(tested));
  CHECK(uploads.at(tested).size() == 1);
  CHECK(uploads.at(2000) == std::vector<std::uint32_t>{7});
  CHECK_FALSE(health.self_report_day(2000, 7));
  CHECK(uploads.size() == reported + 1);
  CHECK(health.symptom_reports() == reported);
  CHECK(health.symptom_reports_infected() == reported);
}

TEST_CASE("false symptoms are reported too, not again within 14 days") {
  // Nobody infected, false symptoms at 5 % a day: every upload is a report of false symptoms,
  // and a person's reports lie more than 14 days apart.
  const auto world = make_world(reporting(0.05));
  HealthPhase health(*world);
  const auto uploads = upload_days_by_person(health, 60, [](std::uint32_t) {});
  std::uint64_t total = 0;
  bool again = false;
  for (const auto& [p, on] : uploads) {
    total += on.size();
    for (std::size_t i = 1; i < on.size(); ++i) {
      CHECK(on[i] - on[i - 1] > 14);
      again = true;
    }
  }
  CHECK(again);  // some reported twice in 60 days
  CHECK(total > 1000);
  CHECK(health.symptom_reports() == total);
  CHECK(health.symptom_reports_infected() == 0);
  // Without consent nobody reports.
  SimConfig c = reporting(0.05);
  c.app.upload_consent = 0;
  const auto no_consent = make_world(c);
  HealthPhase none(*no_consent);
  CHECK(upload_days_by_person(none, 60, [](std::uint32_t) {}).empty());
  CHECK(none.symptom_reports() == 0);
}

TEST_CASE("a reinfection's positive result uploads though the first infection was reported") {
  // With reinfection: people 0 .. 99 infected on day 1 report on their onset day; each is
  // infected again on the day after its onset and tested that day (positive two days later,
  // within 14 days of the report): the new infection's result uploads.
  SimConfig c = reporting(0);
  c.immunity.reinfection = true;
  c.testing.order_delay_days = 0;
  c.testing.result_delay_days = 2;
  const auto world = make_world(c);
  HealthPhase health(*world);
  std::vector<std::uint32_t> onset(100, 0);
  const auto uploads = upload_days_by_person(health, 40, [&](std::uint32_t t) {
    DailyStats st;
    if (t == 1) {
      std::vector<InfectionCandidate> infected;
      for (std::uint32_t p = 0; p < 100; ++p) infected.push_back({p, kNoPerson, Layer::kRandom});
      health.apply_infections(infected, 1, st);
      for (std::uint32_t p = 0; p < 100; ++p) onset[p] = 1 + health.course(p).onset_delay_days;
    }
    for (std::uint32_t p = 0; p < 100; ++p) {
      if (t != onset[p] + 1) continue;
      health.apply_infections({{p, kNoPerson, Layer::kRandom}}, t, st);
      health.order_test(p, t);
    }
  });
  std::uint32_t twice = 0;
  for (std::uint32_t p = 0; p < 100; ++p) {
    CAPTURE(p);
    const auto it = uploads.find(p);
    REQUIRE(it != uploads.end());
    REQUIRE(it->second.size() >= 2);
    CHECK(it->second[0] == onset[p]);          // the report
    CHECK(it->second[1] == onset[p] + 1 + 2);  // the new infection's result
    ++twice;
  }
  CHECK(twice == 100);
}

TEST_CASE("a self-report's late upload takes any day of the spread, whatever the share") {
  // Half the users report, uploads 3 days after the report give or take 2: each of the five
  // delays takes about a fifth of the reports (the delay's draw is not the report's).
  SimConfig c = reporting(0.05);
  c.app.symptom_report_share = 0.5;
  c.app.upload_delay_days = 3;
  c.app.upload_delay_spread_days = 2;
  const auto world = make_world(c);
  HealthPhase health(*world);
  std::array<std::uint64_t, 6> by_delay{};
  std::uint64_t total = 0;
  for (std::uint32_t t = 0; t < 60; ++t) {
    DailyStats st;
    std::vector<std::uint32_t> uploads;
    health.run(t, st, uploads);
    for (const std::uint32_t p : uploads) {
      const auto reported = health.self_report_day(p, t);  // the report uploaded today
      REQUIRE(reported);
      const std::uint32_t delay = t - *reported;
      REQUIRE(delay >= 1);
      REQUIRE(delay <= 5);
      ++by_delay[delay];
      ++total;
    }
  }
  REQUIRE(total > 1000);
  for (std::uint32_t d = 1; d <= 5; ++d) {
    CAPTURE(d);
    CHECK(static_cast<double>(by_delay[d]) > 0.15 * static_cast<double>(total));
    CHECK(static_cast<double>(by_delay[d]) < 0.25 * static_cast<double>(total));
  }
}

}  // namespace greenlight::sim::internal

namespace greenlight::sim {

TEST_CASE("symptom self-reports in a run: self-report uploads, fewer infections") {
  SimConfig c = small(20000, 90, 3);
  InMemoryPublisher plain;
  const RunSummary results_only = ran(c, plain)->summary();
  c.app.symptom_report_share = 0.5;
  RecordingPublisher publisher;
  const RunSummary s = ran(c, publisher)->summary();
  REQUIRE(s.symptom_reports > 100);
  CHECK(s.symptom_reports_infected > 0);
  CHECK(s.symptom_reports_infected < s.symptom_reports);  // false symptoms too
  std::uint64_t self_reports = 0;
  for (const SimUpload& up : publisher.uploads) {
    if (up.report_type == ReportType::kSelfReport) {
      ++self_reports;
      // The onset is the reported day: after the first key's day, by the day after the last.
      REQUIRE(up.symptom_onset_interval);
      REQUIRE_FALSE(up.keys.empty());
      CHECK(up.symptom_onset_interval->value > up.keys.front().rolling_start_interval_number.value);
      CHECK(up.symptom_onset_interval->value <=
            up.keys.back().rolling_start_interval_number.value + 144);
    } else {
      CHECK(up.report_type == ReportType::kConfirmedTest);
    }
  }
  CHECK(self_reports == s.symptom_reports);
  CHECK(publisher.uploads.size() == s.uploads);
  // Notifying on symptoms beats notifying on a positive result (reference/sim.md, 2.6).
  CHECK(s.infections < results_only.infections);
}

TEST_CASE("the dead report no symptoms: every self-report is a living user's") {
  // Frequent false symptoms and every app user reporting them, nobody acting on a warning
  // and half the infected admitted to hospital: the users who died before a day report
  // nothing that day (a dead person's phone uploads nothing).
  SimConfig c = small(20000, 90, 3);
  c.app.symptom_report_share = 1;
  c.app.red_isolation_adherence = 0;
  c.app.red_test_probability = 0;
  c.app.yellow_test_probability = 0;
  c.disease.false_symptom_rate = 0.05;
  c.disease.hospitalised_fraction.fill(0.5);
  c.testing.symptom_isolation = 0;
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  const auto owners = key_owners(c, sim->population(), c.run.days);
  std::map<std::uint32_t, Course> course;  // of the infected, the last infection's
  std::map<std::uint32_t, std::int32_t> infected_on;
  for (const Infection& i : sim->infections()) {
    course[i.person] = i.course;
    infected_on[i.person] = i.day;
  }
  std::uint64_t deaths = 0;
  for (const auto& [p, k] : course) {
    if (k.dead(c.run.days - static_cast<std::uint32_t>(infected_on[p]))) ++deaths;
  }
  REQUIRE(deaths > 20);
  std::uint64_t reports = 0;
  for (const SimUpload& up : publisher.uploads) {
    if (up.report_type != ReportType::kSelfReport) continue;
    REQUIRE_FALSE(up.keys.empty());
    const auto [p, last_day] = owners.at(key_bytes(up.keys.back()));
    const std::uint32_t day = last_day + 1;  // the upload's (no delay)
    ++reports;
    const auto k = course.find(p);
    if (k == course.end() || infected_on[p] > static_cast<std::int32_t>(day)) continue;
    CAPTURE(p, day);
    CHECK_FALSE(k->second.dead(day - static_cast<std::uint32_t>(infected_on[p])));
  }
  CHECK(reports > 1000);
}

TEST_CASE("symptom self-reports: setting, refusal, round trip, policy line and row") {
  SimConfig c;
  CHECK(c.app.symptom_report_share == 0);
  CHECK(policy_lines(c).find("self-report") == std::string::npos);
  CHECK(
      refusal("app.symptom_report_share=1.5").find("app.symptom_report_share must be in [0, 1]") !=
      std::string::npos);
  REQUIRE(apply_override(c, "app.symptom_report_share=0.3"));
  const auto back = config_from_json(config_to_json(c));
  REQUIRE(back);
  CHECK(back->app.symptom_report_share == 0.3);
  CHECK(policy_lines(c).find("app: 30 % of the app users with symptoms report them and upload "
                             "their keys as a self-report (with consent)\n") != std::string::npos);
  ReportInput in;
  in.config = &c;
  in.app.people = 20000;
  in.app.symptom_reports = 1305;
  in.app.symptom_reports_infected = 410;
  const std::string report = format_report(in);
  CAPTURE(report);
  CHECK(report.find("\n  symptom self-reports / infected      1305 / 410") != std::string::npos);
  c.app.symptom_report_share = 0;
  CHECK(format_report(in).find("symptom self-reports") == std::string::npos);
}

}  // namespace greenlight::sim

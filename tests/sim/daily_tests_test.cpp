// Daily contact testing instead of quarantine (app.red_daily_test_days, HealthPhase::
// test_daily): who takes a self-test on which day, how it is read, and what a run does with it.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/radio_report.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/simulation.h"
#include "internal/health_phase.h"
#include "internal/world.h"
#include "sim_test_runs.h"
#include "world_test_support.h"

namespace greenlight::sim::internal {
namespace {

// 20,000 people, nobody infected, no false symptoms, daily self-tests for 3 days; every test
// of the uninfected negative unless `self_tests_positive` (the screening test's specificity
// 0).
SimConfig daily(bool self_tests_positive) {
  SimConfig c;
  c.population.people = 20000;
  c.app.uptake = 0;
  c.app.red_daily_test_days = 3;
  c.disease.initial_infections = 0;
  c.disease.false_symptom_rate = 0;
  c.testing.specificity = 1;
  c.testing.screening_specificity = self_tests_positive ? 0 : 1;
  return c;
}

}  // namespace

TEST_CASE("a contact testing daily takes a self-test each day of its window, read that day") {
  const auto world = make_world(daily(false));
  HealthPhase health(*world);
  // p0: days 2-4. p1: the same, with an ordinary test ordered on day 1 (sampled on day 2,
  // result on day 3): only day 4's self-test. p2: days 2-4, extended on day 4 to days 4-6.
  const std::uint32_t p0 = 100, p1 = 200, p2 = 300;
  const auto days = run_health_days(health, 8, [&](std::uint32_t t) {
    if (t == 1) health.order_test(p1, 1);
    if (t == 2) {
      for (const std::uint32_t p : {p0, p1, p2}) health.test_daily(p, 2, 3);
    }
    if (t == 4) health.test_daily(p2, 4, 3);
  });
  CHECK(health.self_tests() == 3 + 1 + 5);
  CHECK(health.self_test_positives() == 0);
  // Results by day: a self-test's the day it is taken, p1's ordinary test on day 3.
  const std::vector<std::uint32_t> results{0, 0, 2, 3, 3, 1, 1, 0};
  for (std::uint32_t t = 0; t < days.size(); ++t) {
    CAPTURE(t);
    CHECK(days[t].tests == results[t]);
    CHECK(days[t].positives == 0);
    CHECK(days[t].screening_samples == 0);  // not screening
  }
  for (const std::uint32_t p : {p0, p1, p2}) CHECK(health.positive_day(p) == kNever);
}

TEST_CASE("a positive self-test is a positive result that day and ends the daily tests") {
  SimConfig c = daily(true);
  c.testing.isolation_adherence = 1;
  c.testing.isolation_daily_dropout = 0;
  const auto world = make_world(c);
  HealthPhase health(*world);
  const auto days = run_health_days(health, 6, [&](std::uint32_t t) {
    if (t == 2) health.test_daily(100, 2, 3);
  });
  CHECK(days[2].positives == 1);
  CHECK(health.positive_day(100) == 2);
  // Isolated from the result's day for testing.isolation_days (adherence 1).
  CHECK(health.isolated_until()[100] == 2 + static_cast<std::int32_t>(c.testing.isolation_days));
  CHECK(health.self_tests() == 1);
  CHECK(health.self_test_positives() == 1);
}

TEST_CASE("self-tests are taken outside the test capacity") {
  // 5 tests per 100,000 a day: one test a day for 20,000 people, yet 5 people self-test on
  // each of 2 days and nobody waits.
  SimConfig c = daily(false);
  c.testing.tests_per_day_per_100k = 5;
  const auto world = make_world(c);
  HealthPhase health(*world);
  const auto days = run_health_days(health, 3, [&](std::uint32_t t) {
    if (t == 0) {
      for (std::uint32_t p = 0; p < 5; ++p) health.test_daily(p, 0, 2);
    }
  });
  CHECK(health.self_tests() == 10);
  CHECK(days[0].tests == 5);
  CHECK(days[1].tests == 5);
  for (const DailyStats& d : days) CHECK(d.test_backlog == 0);
}

TEST_CASE("a patient turned away from a ward takes the day's self-test at home") {
  // One ward bed (3,000 people, 34 per 100,000); every infection is a ward course (no
  // intensive care). Patient a holds the bed when patient b is admitted, so b is turned away
  // and stays at home from its admission day: its self-test of that day is taken (positive:
  // the screening test's sensitivity 1 on every day). Before the beds were given ahead of the
  // tests, b counted as in hospital at the self-tests and missed that day's.
  SimConfig c = daily(false);
  c.population.people = 3000;
  c.disease.asymptomatic_fraction.fill(0);
  c.disease.mild_fraction.fill(0);
  c.disease.hospitalised_fraction.fill(1);
  c.disease.critical_fraction.fill(0);
  c.disease.hospital_beds_per_100k = 34;
  c.testing.symptom_isolation = 0;
  c.testing.screening_sensitivity = 1;
  c.testing.sensitive_from_day = 0;
  c.testing.sensitive_to_day = 1000;
  const auto world = make_world(c);
  REQUIRE(per_100k(34, 3000) == 1);
  // The courses of people 50-89 infected on day 0 (each drawn from its own person's stream).
  std::vector<Course> courses;
  {
    HealthPhase scratch(*world);
    DailyStats st;
    std::vector<InfectionCandidate> all;
    for (std::uint32_t p = 50; p < 90; ++p) all.push_back({p, kNoPerson, Layer::kRandom});
    scratch.apply_infections(all, 0, st);
    for (std::uint32_t p = 50; p < 90; ++p) courses.push_back(scratch.course(p));
  }
  // a admitted before b, still in hospital on b's admission day.
  std::uint32_t a = 0, b = 0;
  for (std::uint32_t i = 0; i < courses.size() && b == 0; ++i) {
    for (std::uint32_t j = 0; j < courses.size(); ++j) {
      if (courses[i].admission_day() < courses[j].admission_day() &&
          courses[i].in_hospital(courses[j].admission_day())) {
        a = 50 + i;
        b = 50 + j;
        break;
      }
    }
  }
  REQUIRE(b != 0);
  const std::uint32_t admitted = courses[b - 50].admission_day();
  HealthPhase health(*world);
  const auto days = run_health_days(health, admitted + 2, [&](std::uint32_t t) {
    if (t == 0) {
      DailyStats st;
      health.apply_infections({{a, kNoPerson, Layer::kRandom}, {b, kNoPerson, Layer::kRandom}}, 0,
                              st);
    }
    if (t == admitted) health.test_daily(b, admitted, 1);
  });
  CHECK(days[admitted].hospital_denied == 1);
  CHECK(health.course(b).denied_ward);
  CHECK_FALSE(health.absent(b, admitted));
  CHECK(health.self_tests() == 1);
  CHECK(health.positive_day(b) == static_cast<std::int32_t>(admitted));
}

}  // namespace greenlight::sim::internal

namespace greenlight::sim {
namespace {

// The quarantine run isolated and self-tested nobody but contacts it told (`told_q`: RED
// notifications or calls); the run with 7 days of self-tests isolated nobody, and its
// `told` contacts took more than one self-test each and at most 7, some positive.
void check_tests_replace_quarantine(const RunSummary& quarantine, std::uint64_t told_q,
                                    const RunSummary& s, std::uint64_t told) {
  REQUIRE(told_q > 0);
  CHECK(quarantine.isolation_person_days > 0);
  CHECK(quarantine.self_tests == 0);
  REQUIRE(told > 0);
  CHECK(s.isolation_person_days == 0);
  CHECK(s.self_tests > told);
  CHECK(s.self_tests <= 7 * told);  // at most 7 days a contact told
  CHECK(s.self_test_positives > 0);
  CHECK(s.self_test_positives <= s.positives);
}

}  // namespace

TEST_CASE("daily contact testing in a run: RED contacts self-test instead of quarantining") {
  // Nobody isolates but a RED contact who follows the advice (always).
  SimConfig c = only_contacts_isolate([](SimConfig& x) { x.app.red_isolation_adherence = 1; });
  const RunSummary quarantine = summary_of(c);
  c.app.red_daily_test_days = 7;
  const RunSummary s = summary_of(c);
  check_tests_replace_quarantine(quarantine, quarantine.notifications_red, s, s.notifications_red);
  // The threshold sweep's estimate of isolation per RED: none.
  CHECK(isolation_days_per_red(c) == 0);
  // With its own adherence: nobody follows the advice to self-test, nobody isolates.
  c.app.red_daily_test_adherence = 0;
  const RunSummary nobody = summary_of(c);
  REQUIRE(nobody.notifications_red > 0);
  CHECK(nobody.self_tests == 0);
  CHECK(nobody.isolation_person_days == 0);
}

TEST_CASE("daily contact testing: the setting, its refusals, the policy line and the rows") {
  SimConfig c;
  CHECK(c.app.red_daily_test_days == 0);        // quarantine by default
  CHECK(c.app.red_daily_test_adherence == -1);  // as the quarantine's
  CHECK(refusal("app.red_daily_test_adherence=1.5").find("app.red_daily_test_adherence must be") !=
        std::string::npos);
  CHECK(refusal("app.red_daily_test_adherence=-0.5").find("red_daily_test_adherence") !=
        std::string::npos);
  CHECK(policy_lines(c).find("self-test") == std::string::npos);
  CHECK(refusal("app.red_daily_test_days=15").find("app.red_daily_test_days must be in [0, 14]") !=
        std::string::npos);
  CHECK(refusal("app.red_daily_test_days=-1").find("red_daily_test_days") != std::string::npos);
  REQUIRE(apply_override(c, "app.red_daily_test_days=7"));
  REQUIRE(apply_override(c, "app.red_daily_test_adherence=0.9"));
  const auto back = config_from_json(config_to_json(c));
  REQUIRE(back);
  CHECK(back->app.red_daily_test_days == 7);
  CHECK(back->app.red_daily_test_adherence == 0.9);
  CHECK(policy_lines(c).find("app: a RED contact who follows the advice takes a self-test each "
                             "day for 7 days instead of quarantine (90 % follow it)\n") !=
        std::string::npos);
  c.app.red_daily_test_adherence = -1;
  CHECK(policy_lines(c).find("app: a RED contact who follows the advice takes a self-test each "
                             "day for 7 days instead of quarantine\n") != std::string::npos);
  ReportInput in;
  in.config = &c;
  in.app.people = 20000;
  in.app.self_tests = 4321;
  in.app.self_test_positives = 87;
  const std::string report = format_report(in);
  CAPTURE(report);
  CHECK(report.find("\n  contacts' self-tests / positive      4321 / 87") != std::string::npos);
  c.app.red_daily_test_days = 0;
  CHECK(format_report(in).find("self-tests") == std::string::npos);
  // Manual tracing's called contacts: the setting, its refusal, the policy line and the row.
  CHECK(c.manual_tracing.daily_test_days == 0);
  CHECK(refusal("manual_tracing.daily_test_days=15")
            .find("manual_tracing.daily_test_days must be in [0, 14]") != std::string::npos);
  REQUIRE(apply_override(c, "manual_tracing.enabled=true"));
  CHECK(policy_lines(c).find("; 14 days of quarantine (compliance 0.9)") != std::string::npos);
  REQUIRE(apply_override(c, "manual_tracing.daily_test_days=5"));
  const auto traced = config_from_json(config_to_json(c));
  REQUIRE(traced);
  CHECK(traced->manual_tracing.daily_test_days == 5);
  CHECK(traced->manual_tracing.daily_test_adherence == -1);  // as quarantine_compliance
  CHECK(refusal("manual_tracing.daily_test_adherence=1.5")
            .find("manual_tracing.daily_test_adherence must be -1 (as quarantine_compliance) or "
                  "in [0, 1]") != std::string::npos);
  CHECK(refusal("manual_tracing.daily_test_adherence=-0.5").find("daily_test_adherence") !=
        std::string::npos);
  CHECK(policy_lines(c).find("; a self-test each day for 5 days instead of quarantine (compliance "
                             "0.9), test 0.8\n") != std::string::npos);
  REQUIRE(apply_override(c, "manual_tracing.daily_test_adherence=0.95"));
  const auto adherence = config_from_json(config_to_json(c));
  REQUIRE(adherence);
  CHECK(adherence->manual_tracing.daily_test_adherence == 0.95);
  CHECK(policy_lines(c).find("; a self-test each day for 5 days instead of quarantine (adherence "
                             "0.95), test 0.8\n") != std::string::npos);
  CHECK(format_report(in).find("\n  contacts' self-tests / positive      4321 / 87") !=
        std::string::npos);
}

TEST_CASE("daily contact testing in manual tracing: called contacts self-test instead") {
  // No app; nobody isolates but a called contact who complies (always).
  SimConfig c = only_contacts_isolate([](SimConfig& x) {
    x.app.uptake = 0;
    x.run.baseline = false;
    x.manual_tracing.enabled = true;
    x.manual_tracing.quarantine_compliance = 1;
  });
  const RunSummary quarantine = summary_of(c);
  c.manual_tracing.daily_test_days = 7;
  const RunSummary s = summary_of(c);
  check_tests_replace_quarantine(quarantine, quarantine.manual_traced, s, s.manual_traced);
  {
    // Each called contact takes its 7 self-tests from the day after the call (the day's own
    // were taken before the calls), the run's end permitting: with self-tests that never
    // find an infection and no laboratory test of the called, only the few admitted to
    // hospital (tested there) or dying stop early.
    SimConfig all_negative = c;
    all_negative.testing.screening_sensitivity = 0;
    all_negative.testing.screening_specificity = 1;
    all_negative.manual_tracing.test_probability = 0;
    RecordingPublisher publisher;
    const auto sim = ran(all_negative, publisher);
    std::uint64_t windows = 0;  // the self-test days within the run
    for (const DailyStats& d : sim->daily()) {
      windows += std::uint64_t{d.manual_traced} * std::min(7u, all_negative.run.days - 1 - d.day);
    }
    REQUIRE(windows > 1000);
    const std::uint64_t taken = sim->summary().self_tests;
    CHECK(taken <= windows);
    CHECK(static_cast<double>(taken) >= 0.97 * static_cast<double>(windows));
  }
  // With its own adherence: nobody follows the advice to self-test, nobody isolates.
  c.manual_tracing.daily_test_adherence = 0;
  const RunSummary nobody = summary_of(c);
  REQUIRE(nobody.manual_traced > 0);
  CHECK(nobody.self_tests == 0);
  CHECK(nobody.isolation_person_days == 0);
}

}  // namespace greenlight::sim

// A test to end a contact's quarantine early (app.red_release_test_day,
// manual_tracing.release_test_day; HealthPhase::quarantine): when it is ordered, which
// result ends which quarantine, and what a run does with it; and a RED quarantine counted
// from the exposure (app.red_quarantine_from_exposure).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/radio_report.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/simulation.h"
#include "internal/health_phase.h"
#include "internal/sync_phase.h"
#include "internal/world.h"
#include "sim_test_runs.h"
#include "world_test_support.h"

namespace greenlight::sim::internal {
namespace {

// 20,000 people, nobody infected but by the test, nobody isolating on symptoms or dropping
// out, every test negative (specificity 1, sensitivity 0) unless `positive` (specificity 0).
SimConfig releasing(bool positive) {
  SimConfig c;
  c.population.people = 20000;
  c.app.uptake = 0;
  c.app.red_release_test_day = 3;
  c.disease.initial_infections = 0;
  c.disease.false_symptom_rate = 0;
  c.testing.symptom_isolation = 0;
  c.testing.isolation_daily_dropout = 0;
  c.testing.isolation_adherence = 1;
  c.testing.sensitivity = 0;
  c.testing.specificity = positive ? 0 : 1;
  return c;
}

}  // namespace

TEST_CASE("a negative test from the release day on ends a quarantine, not another isolation") {
  const auto world = make_world(releasing(false));
  HealthPhase health(*world);
  REQUIRE(health.releases_quarantine());
  // Quarantined on day 2 until day 12, the release test's sample counting from day 5 (order
  // delay 1: ordered on day 4). p0: released on day 6. p1: isolating until 14 for another
  // reason: tested, not released. p2: another reason until 9 only: released to day 9. p3: a
  // quarantine without release. p4: an ordinary test sampled on day 5 counts (no release
  // test ordered). p5: an ordinary test sampled on day 3 does not, and its result pending on
  // day 4 delays the release test to day 5. p6: quarantined again on day 3 until 13 with
  // release day 6. p7: infected on day 0, tested negative (sensitivity 0): counted as
  // released while infected.
  const std::uint32_t p0 = 100, p1 = 200, p2 = 300, p3 = 400, p4 = 500, p5 = 600, p6 = 700, p7 = 5;
  DailyStats infection_day;
  const auto days = run_health_days(health, 14, [&](std::uint32_t t) {
    if (t == 0) health.apply_infections({{p7, kNoPerson, Layer::kRandom}}, 0, infection_day);
    if (t == 2) {
      for (const std::uint32_t p : {p0, p1, p2, p4, p5, p6, p7}) health.quarantine(p, 12, 5);
      health.quarantine(p3, 12, 0);
      health.order_test(p5, 2);
    }
    if (t == 3) {
      health.isolate(p1, 14);
      health.isolate(p2, 9);
      health.quarantine(p6, 13, 6);
    }
    if (t == 4) health.order_test(p4, 4);
  });
  CHECK(health.isolated_until()[p0] == 6);
  CHECK(health.isolated_until()[p1] == 14);
  CHECK(health.isolated_until()[p2] == 9);
  CHECK(health.isolated_until()[p3] == 12);
  CHECK(health.isolated_until()[p4] == 6);
  CHECK(health.isolated_until()[p5] == 7);
  CHECK(health.isolated_until()[p6] == 7);
  CHECK(health.isolated_until()[p7] == 6);
  CHECK(health.release_tests() == 6);         // p0, p1, p2, p5, p6, p7
  CHECK(health.quarantines_released() == 6);  // p0, p2, p4, p5, p6, p7
  CHECK(health.released_infected() == 1);     // p7
  // Results by day: p5's first on day 4; p0, p1, p2, p4, p7 on day 6; p5, p6 on day 7;
  // nobody tested again.
  const std::vector<std::uint32_t> results{0, 0, 0, 0, 1, 0, 5, 2, 0, 0, 0, 0, 0, 0};
  for (std::uint32_t t = 0; t < days.size(); ++t) {
    CAPTURE(t);
    CHECK(days[t].tests == results[t]);
    CHECK(days[t].positives == 0);
  }
}

TEST_CASE("a RED quarantine without a release test stands against another's; an ended one not") {
  // With revocation on, a RED's quarantine is withdrawable. p0: a RED's quarantine (no
  // release test) until 12 and a tracer's call until 14 with release day 5: the negative
  // result on day 6 ends the call's quarantine, not the RED's. p1: the call alone: released
  // on day 6. p2: the call released on day 6, then a RED on day 8 until 18, withdrawn on day
  // 9: the released call keeps nothing. p3: a RED on day 2 until 12, withdrawn on day 3,
  // then the call: the withdrawn RED keeps nothing, released on day 6.
  SimConfig c = releasing(false);
  c.app.red_release_test_day = 0;
  c.app.revoke_on_negative = true;
  const auto world = make_world(c);
  HealthPhase health(*world);
  REQUIRE(health.releases_quarantine());
  const std::uint32_t p0 = 100, p1 = 200, p2 = 300, p3 = 400;
  run_health_days(health, 12, [&](std::uint32_t t) {
    if (t == 2) {
      health.quarantine(p0, 12, 0, true);
      for (const std::uint32_t p : {p0, p1, p2}) health.quarantine(p, 14, 5);
      health.quarantine(p3, 12, 0, true);
    }
    if (t == 3) {
      health.withdraw_quarantine(p3, 3);
      health.quarantine(p3, 14, 5);
    }
    if (t == 8) health.quarantine(p2, 18, 0, true);
    if (t == 9) health.withdraw_quarantine(p2, 9);
  });
  CHECK(health.isolated_until()[p0] == 12);
  CHECK(health.isolated_until()[p1] == 6);
  CHECK(health.isolated_until()[p2] == 9);
  CHECK(health.isolated_until()[p3] == 6);
  CHECK(health.quarantines_released() == 4);
  CHECK(health.quarantines_withdrawn() == 2);
}

TEST_CASE("a positive release test is a positive result: isolation, no release") {
  const auto world = make_world(releasing(true));
  HealthPhase health(*world);
  const auto days = run_health_days(health, 10, [&](std::uint32_t t) {
    if (t == 2) health.quarantine(100, 12, 5);
  });
  CHECK(days[6].positives == 1);
  CHECK(health.positive_day(100) == 6);
  CHECK(health.isolated_until()[100] == 6 + 10);  // testing.isolation_days from the result
  CHECK(health.release_tests() == 1);
  CHECK(health.quarantines_released() == 0);
}

TEST_CASE("release tests wait for the test capacity, and a quarantine over takes none") {
  // One test a day (5 per 100,000 of 20,000), three quarantines with the same release day:
  // the samples are taken on days 5, 6 and 7. A quarantine that ends before its release day
  // (person 900) takes no release test.
  SimConfig c = releasing(false);
  c.testing.tests_per_day_per_100k = 5;
  const auto world = make_world(c);
  HealthPhase health(*world);
  run_health_days(health, 12, [&](std::uint32_t t) {
    if (t == 2) {
      for (const std::uint32_t p : {100u, 200u, 300u}) health.quarantine(p, 12, 5);
      health.quarantine(900, 4, 5);
    }
  });
  CHECK(health.isolated_until()[100] == 6);
  CHECK(health.isolated_until()[200] == 7);
  CHECK(health.isolated_until()[300] == 8);
  CHECK(health.isolated_until()[900] == 4);
  CHECK(health.release_tests() == 3);
  CHECK(health.quarantines_released() == 3);
}

namespace {

// A RED notice to person 100 on day 6 for an exposure on day 2, followed always, no test
// ordered with it, with the app's RED quarantine of `days` days (set further by `adjust`);
// then the health phase's days up to `last_day`, and `check(world, health, day stats)`.
template <typename Adjust, typename Check>
void red_notice(std::uint32_t days, std::uint32_t last_day, Adjust&& adjust, Check&& check) {
  SimConfig c = releasing(false);
  c.app.uptake = 1;
  c.app.red_isolation_adherence = 1;
  c.app.red_test_probability = 0;
  c.app.red_isolation_days = days;
  adjust(c);
  const auto world = make_world(c);
  HealthPhase health(*world);
  InMemoryPublisher publisher;
  SyncPhase sync(*world, publisher);
  DailyStats st;
  run_health_days(health, last_day, [&](std::uint32_t t) {
    if (t == 6) sync.notify(100, 6, Colour::kRed, false, 2, health, st);
  });
  check(*world, health, st);
}

}  // namespace

TEST_CASE("a RED notification's quarantine and release test, from the notice or the exposure") {
  // A RED notice on day 6 for exposure on day 2, followed always, no test ordered with it;
  // then the health phase's days. Returns the end of the isolation on day 13.
  const auto isolated_until = [](bool from_exposure, std::uint32_t days, std::uint32_t release) {
    std::int32_t until = -1;
    red_notice(
        days, 14,
        [&](SimConfig& c) {
          c.app.red_release_test_day = release;
          c.app.red_quarantine_from_exposure = from_exposure;
        },
        [&](const World&, const HealthPhase& health, const DailyStats& st) {
          CHECK(st.notified_red == 1);
          until = health.isolated_until()[100];
        });
    return until;
  };
  CHECK(isolated_until(false, 10, 0) == 6 + 10);
  CHECK(isolated_until(true, 10, 0) == 2 + 10);
  CHECK(isolated_until(true, 4, 0) == 0);  // over on day 6: no quarantine
  // Release test on day 5 of the quarantine, result a day after the sample: from the notice
  // its sample is taken on day 11, from the exposure on day 7 (ordered on day 6).
  CHECK(isolated_until(false, 10, 5) == 12);
  CHECK(isolated_until(true, 10, 5) == 8);
  // From the exposure, day 3 (day 5) has passed by the notice: ordered at the next health
  // phase, as day 5's was.
  CHECK(isolated_until(true, 10, 3) == 8);
}

TEST_CASE("a RED phone's household quarantines with it when app.household_isolation_on_red") {
  // The household of person 100 (followed always): quarantined until the notified person's
  // end with the setting, not at all without it (the quarantine of the household was
  // mutated away without a test failing).
  for (const bool household : {false, true}) {
    CAPTURE(household);
    red_notice(
        10, 8, [&](SimConfig& c) { c.app.household_isolation_on_red = household; },
        [&](const World& world, const HealthPhase& health, const DailyStats&) {
          const std::uint32_t h = world.pop.household[100];
          const std::uint32_t first = world.pop.household_start[h];
          const std::uint32_t last = world.pop.household_start[h + 1];
          REQUIRE(last - first > 1);
          CHECK(health.isolated_until()[100] == 6 + 10);
          for (std::uint32_t q = first; q < last; ++q) {
            if (q == 100) continue;
            CAPTURE(q);
            CHECK(health.isolated_until()[q] == (household ? 6 + 10 : 0));
          }
        });
  }
}

}  // namespace greenlight::sim::internal

namespace greenlight::sim {
namespace {

// The quarantine run took no release test; the run with a release test on day 5 took some,
// ended most of the quarantines tested early, some of them of the infected, and isolated
// less.
void check_release_shortens(const RunSummary& quarantine, const RunSummary& s) {
  CHECK(quarantine.release_tests == 0);
  CHECK(quarantine.quarantines_released == 0);
  REQUIRE(s.release_tests > 0);
  CHECK(s.quarantines_released > s.release_tests / 2);
  CHECK(s.quarantines_released <= s.release_tests);
  CHECK(s.released_infected > 0);
  CHECK(s.released_infected < s.quarantines_released);
  CHECK(s.tests > quarantine.tests);
  CHECK(s.isolation_person_days < quarantine.isolation_person_days);
}

}  // namespace

TEST_CASE("a test to end the quarantine in a run: RED contacts released, isolation shorter") {
  // Nobody isolates but a RED contact who follows the advice (always).
  SimConfig c = only_contacts_isolate([](SimConfig& x) { x.app.red_isolation_adherence = 1; });
  const RunSummary quarantine = summary_of(c);
  c.app.red_release_test_day = 5;
  const RunSummary s = summary_of(c);
  check_release_shortens(quarantine, s);
  CHECK(s.release_tests <= s.notifications_red);  // at most one a RED notification
  // The threshold sweep's estimate of isolation per RED: until the result of day 5's test
  // (delay 1), 6 days instead of 10.
  CHECK(isolation_days_per_red(c) == Approx(1 * (1 - std::pow(0.98, 6)) / 0.02));
  c.testing.result_delay_days = 6;  // the result after the quarantine's end: 10 days
  CHECK(isolation_days_per_red(c) == Approx(1 * (1 - std::pow(0.98, 10)) / 0.02));
}

TEST_CASE("a RED quarantine counted from the last day of high-risk exposure") {
  // Nobody isolates but a RED contact who follows the advice (always), for 1 day: counted
  // from the notification that is the day after it; from the exposure (at the latest the day
  // before the sync) it is over before the notification, so nobody isolates, yet the RED
  // contacts' tests are ordered.
  SimConfig c = only_contacts_isolate([](SimConfig& x) {
    x.app.red_isolation_adherence = 1;
    x.app.red_isolation_days = 1;
    x.testing.isolation_daily_dropout = 0;
  });
  const RunSummary from_notification = summary_of(c);
  REQUIRE(from_notification.notifications_red > 0);
  CHECK(from_notification.isolation_person_days > 0);
  c.app.red_quarantine_from_exposure = true;
  const RunSummary none = summary_of(c);
  REQUIRE(none.notifications_red > 0);
  CHECK(none.isolation_person_days == 0);
  CHECK(none.tests > 0);
  // 10 days: shorter from the exposure, but not gone.
  c.app.red_isolation_days = 10;
  const RunSummary shorter = summary_of(c);
  c.app.red_quarantine_from_exposure = false;
  const RunSummary longer = summary_of(c);
  CHECK(shorter.isolation_person_days > 0);
  CHECK(shorter.isolation_person_days < longer.isolation_person_days);
}

TEST_CASE("a test to end the quarantine in manual tracing: called contacts released") {
  // No app; nobody isolates but a called contact who complies (always).
  SimConfig c = only_contacts_isolate([](SimConfig& x) {
    x.app.uptake = 0;
    x.manual_tracing.enabled = true;
    x.manual_tracing.quarantine_compliance = 1;
  });
  const RunSummary quarantine = summary_of(c);
  c.manual_tracing.release_test_day = 5;
  const RunSummary s = summary_of(c);
  check_release_shortens(quarantine, s);
  CHECK(s.release_tests <= s.manual_traced);  // at most one a call
}

TEST_CASE("a test to end the quarantine: settings, refusals, policy lines and the row") {
  SimConfig c;
  CHECK(c.app.red_release_test_day == 0);
  CHECK(c.manual_tracing.release_test_day == 0);
  CHECK_FALSE(c.app.red_quarantine_from_exposure);
  CHECK(policy_lines(c).find("negative test") == std::string::npos);
  CHECK(refusal("app.red_release_test_day=10")
            .find("app.red_release_test_day must be 0 (no test to end the quarantine) or below "
                  "app.red_isolation_days") != std::string::npos);
  CHECK(refusal("manual_tracing.release_test_day=14")
            .find("manual_tracing.release_test_day must be 0 (no test to end the quarantine) or "
                  "below manual_tracing.quarantine_days") != std::string::npos);
  SimConfig both;
  both.app.red_release_test_day = 5;
  both.app.red_daily_test_days = 7;
  const Status daily = validate_config(both);
  REQUIRE_FALSE(daily);
  CHECK(daily.error().message.find("app.red_release_test_day needs a quarantine on RED") !=
        std::string::npos);
  both = SimConfig{};
  both.manual_tracing.release_test_day = 5;
  both.manual_tracing.daily_test_days = 7;
  const Status traced = validate_config(both);
  REQUIRE_FALSE(traced);
  CHECK(traced.error().message.find("manual_tracing.release_test_day needs a quarantine") !=
        std::string::npos);
  REQUIRE(apply_override(c, "app.red_release_test_day=9"));
  REQUIRE(apply_override(c, "app.red_quarantine_from_exposure=true"));
  REQUIRE(apply_override(c, "manual_tracing.enabled=true"));
  REQUIRE(apply_override(c, "manual_tracing.release_test_day=7"));
  const auto back = config_from_json(config_to_json(c));
  REQUIRE(back);
  CHECK(back->app.red_release_test_day == 9);
  CHECK(back->manual_tracing.release_test_day == 7);
  CHECK(back->app.red_quarantine_from_exposure);
  const std::string policy = policy_lines(c);
  CAPTURE(policy);
  CHECK(policy.find("app: a RED contact's quarantine ends early on a negative test taken from "
                    "day 9 of it\n") != std::string::npos);
  CHECK(policy.find("app: a RED contact's 10 days of quarantine count from its last day of "
                    "high-risk exposure\n") != std::string::npos);
  CHECK(policy.find("; 14 days of quarantine, ended early by a negative test taken from day 7 "
                    "of it (compliance 0.9)") != std::string::npos);
  ReportInput in;
  in.config = &c;
  in.app.people = 20000;
  in.app.release_tests = 3120;
  in.app.quarantines_released = 2563;
  in.app.released_infected = 33;
  const std::string report = format_report(in);
  CAPTURE(report);
  CHECK(report.find("\n  release tests / released / infected  3120 / 2563 / 33") !=
        std::string::npos);
  c.app.red_release_test_day = 0;
  CHECK(format_report(in).find("release tests") != std::string::npos);  // tracing's still
  c.manual_tracing.release_test_day = 0;
  CHECK(format_report(in).find("release tests") == std::string::npos);
}

}  // namespace greenlight::sim

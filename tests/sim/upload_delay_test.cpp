// Days from a positive result to the upload (app.upload_delay_days, upload_same_day_share;
// HealthPhase::run): who uploads on which day, and what a run does with it.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
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

// 3,000 app users, nobody infected or isolating on symptoms, every test positive
// (specificity 0), everyone consenting to upload, phones given up at 5 % a day, the uploads
// `delay` days after the result.
SimConfig app_users(std::uint32_t delay) {
  SimConfig c;
  c.population.people = 3000;
  c.app.uptake = 1;
  c.app.upload_consent = 1;
  c.app.dropout_per_day = 0.05;
  c.app.upload_delay_days = delay;
  c.disease.initial_infections = 0;
  c.disease.false_symptom_rate = 0;
  c.testing.symptom_isolation = 0;
  c.testing.specificity = 0;
  return c;
}

// The health phase of `c` alone on days 0 .. days - 1, `before(health, t)` called first each
// day; the uploaders of each day.
struct UploadDays {
  std::unique_ptr<World> world;
  std::unique_ptr<HealthPhase> health;
  std::vector<std::vector<std::uint32_t>> uploaders;
};
template <typename Before>
UploadDays upload_days(const SimConfig& c, std::uint32_t days, Before before) {
  UploadDays out{make_world(c), nullptr, {}};
  out.health = std::make_unique<HealthPhase>(*out.world);
  HealthPhase& health = *out.health;
  out.uploaders = uploaders_of_days(health, days, [&](std::uint32_t t) { before(health, t); });
  return out;
}

// People 0 .. 59 order a test on day 10 (sampled on day 11, the result on day 12); 20 days.
UploadDays uploaders_by_day(std::uint32_t delay) {
  return upload_days(app_users(delay), 20, [](HealthPhase& health, std::uint32_t t) {
    if (t == 10) {
      for (std::uint32_t p = 0; p < 60; ++p) health.order_test(p, t);
    }
  });
}

}  // namespace

TEST_CASE("an upload delay moves the uploads of a result day to a later day") {
  const UploadDays same_day = uploaders_by_day(0);
  const World& world = *same_day.world;
  // Without delay: on the result's day, those whose phone runs the app then.
  std::vector<std::uint32_t> on_result_day;
  for (std::uint32_t p = 0; p < 60; ++p) {
    if (world.app_on(p, 12) && 12 > world.app_start(p)) on_result_day.push_back(p);
  }
  REQUIRE(on_result_day.size() > 20);
  for (std::uint32_t t = 0; t < 20; ++t) {
    CAPTURE(t);
    CHECK(same_day.uploaders[t] == (t == 12 ? on_result_day : std::vector<std::uint32_t>{}));
  }
  // Three days later: only those whose phone still runs the app on day 15, in person order.
  const UploadDays later = uploaders_by_day(3);
  std::vector<std::uint32_t> still_on;
  for (const std::uint32_t p : on_result_day) {
    if (world.app_on(p, 15)) still_on.push_back(p);
  }
  REQUIRE(still_on.size() < on_result_day.size());  // some gave the app up meanwhile
  REQUIRE_FALSE(still_on.empty());
  for (std::uint32_t t = 0; t < 20; ++t) {
    CAPTURE(t);
    CHECK(later.uploaders[t] == (t == 15 ? still_on : std::vector<std::uint32_t>{}));
  }
  // One day: on day 13.
  const UploadDays next_day = uploaders_by_day(1);
  for (std::uint32_t t = 0; t < 20; ++t) {
    CAPTURE(t);
    CHECK(next_day.uploaders[t].empty() == (t != 13));
  }
}

TEST_CASE("the share who upload on the result's day all the same") {
  // Even people 0 .. 118 order a test on day 10 (results on day 12), odd people 1 .. 119 on
  // day 13 (results on day 15); nobody gives the app up; uploads 3 days after the result but
  // for half: on day 15 the late uploads of day 12's results meet day 15's same-day ones.
  SimConfig c = app_users(3);
  c.app.dropout_per_day = 0;
  c.app.upload_same_day_share = 0.5;
  const auto order = [](HealthPhase& health, std::uint32_t t) {
    if (t == 10 || t == 13) {
      for (std::uint32_t p = t == 10 ? 0 : 1; p < 120; p += 2) health.order_test(p, t);
    }
  };
  const UploadDays half = upload_days(c, 20, order);
  const auto& up = half.uploaders;
  const auto parity = [](const std::vector<std::uint32_t>& v, std::uint32_t odd) {
    return std::count_if(v.begin(), v.end(), [&](std::uint32_t p) { return p % 2 == odd; });
  };
  for (std::uint32_t t = 0; t < 20; ++t) {
    CAPTURE(t);
    CHECK(std::is_sorted(up[t].begin(), up[t].end()));
    CHECK(up[t].empty() == (t != 12 && t != 15 && t != 18));
  }
  // Every result uploaded once: the even on day 12 or 15, the odd on day 15 or 18; about half
  // of each on the result's day.
  CHECK(parity(up[12], 1) == 0);
  CHECK(parity(up[18], 0) == 0);
  const auto even = parity(up[12], 0) + parity(up[15], 0);
  const auto odd = parity(up[15], 1) + parity(up[18], 1);
  CHECK(even == 60);
  CHECK(odd == 60);
  CHECK(parity(up[12], 0) > 15);
  CHECK(parity(up[12], 0) < 45);
  CHECK(parity(up[15], 1) > 15);
  CHECK(parity(up[15], 1) < 45);
  // Everyone on the result's day: the uploads of no delay.
  c.app.upload_same_day_share = 1;
  const UploadDays all = upload_days(c, 20, order);
  c.app.upload_delay_days = 0;
  c.app.upload_same_day_share = 0;
  const UploadDays none = upload_days(c, 20, order);
  for (std::uint32_t t = 0; t < 20; ++t) {
    CAPTURE(t);
    CHECK(all.uploaders[t] == none.uploaders[t]);
  }
  CHECK(none.uploaders[12].size() == 60);
}

TEST_CASE("a user who died before the upload day does not upload") {
  // People 0 .. 299 infected on day 0 with courses that all end in death, tested when
  // admitted to hospital; nobody gives the app up. With the uploads 7 days after the result:
  // those of the same-day uploads still alive 7 days later.
  SimConfig c = app_users(0);
  c.app.dropout_per_day = 0;
  c.disease.asymptomatic_fraction.fill(0);
  c.disease.hospitalised_fraction.fill(1);
  c.disease.critical_fraction.fill(1);
  c.disease.fatality_fraction.fill(1);
  const auto infect = [](HealthPhase& health, std::uint32_t t) {
    if (t != 0) return;
    std::vector<InfectionCandidate> infected;
    for (std::uint32_t p = 0; p < 300; ++p) infected.push_back({p, kNoPerson, Layer::kRandom});
    DailyStats st;
    health.apply_infections(infected, 0, st);
  };
  const std::uint32_t days = 60;
  const UploadDays same_day = upload_days(c, days, infect);
  c.app.upload_delay_days = 7;
  const UploadDays delayed = upload_days(c, days, infect);
  std::vector<std::vector<std::uint32_t>> expected(days);
  std::size_t died_meanwhile = 0;
  std::size_t uploads = 0;
  for (std::uint32_t r = 0; r + 7 < days; ++r) {
    for (const std::uint32_t p : same_day.uploaders[r]) {
      ++uploads;
      if (same_day.health->dead(p, r + 7)) {
        ++died_meanwhile;
      } else {
        expected[r + 7].push_back(p);
      }
    }
  }
  REQUIRE(uploads > 100);
  REQUIRE(died_meanwhile > 0);
  REQUIRE(died_meanwhile < uploads);
  for (std::uint32_t t = 0; t < days; ++t) {
    CAPTURE(t);
    CHECK(delayed.uploaders[t] == expected[t]);
  }
}

TEST_CASE("a spread of the upload delay: each late upload on one day of its range") {
  // Even people 0 .. 398 order a test on day 10 (results on day 12), odd ones 1 .. 399 on day
  // 11 (results on day 13); nobody gives the app up.
  SimConfig c = app_users(0);
  c.app.dropout_per_day = 0;
  const auto order = [](HealthPhase& health, std::uint32_t t) {
    if (t == 10 || t == 11) {
      for (std::uint32_t p = t - 10; p < 400; p += 2) health.order_test(p, t);
    }
  };
  const UploadDays same_day = upload_days(c, 25, order);
  std::vector<std::uint32_t> results = same_day.uploaders[12];
  results.insert(results.end(), same_day.uploaders[13].begin(), same_day.uploaders[13].end());
  std::sort(results.begin(), results.end());
  REQUIRE(results.size() > 300);
  // uploaded[t]: the uploads of day t with the delay `delay` and `spread`; every result
  // uploaded exactly once, each day in person order (a day holds two result days' uploads).
  const auto spread_days = [&](std::uint32_t delay, std::uint32_t spread) {
    c.app.upload_delay_days = delay;
    c.app.upload_delay_spread_days = spread;
    const UploadDays late = upload_days(c, 25, order);
    std::vector<std::uint32_t> all;
    for (std::uint32_t t = 0; t < 25; ++t) {
      CAPTURE(t);
      CHECK(std::is_sorted(late.uploaders[t].begin(), late.uploaders[t].end()));
      all.insert(all.end(), late.uploaders[t].begin(), late.uploaders[t].end());
    }
    std::sort(all.begin(), all.end());
    CHECK(all == results);
    return late.uploaders;
  };
  const auto odd = [](const std::vector<std::uint32_t>& day) {
    return static_cast<std::size_t>(
        std::count_if(day.begin(), day.end(), [](std::uint32_t p) { return p % 2 == 1; }));
  };
  // 3 days give or take 2: the even on days 13 .. 17, about a fifth on each, the odd on days
  // 14 .. 18.
  const auto three = spread_days(3, 2);
  for (std::uint32_t t = 0; t < 25; ++t) {
    CAPTURE(t);
    const std::size_t even = three[t].size() - odd(three[t]);
    if (t >= 13 && t <= 17) {
      CHECK(even > results.size() / 20);
      CHECK(even < results.size() * 3 / 20);
    } else {
      CHECK(even == 0);
    }
    CHECK((odd(three[t]) > 0) == (t >= 14 && t <= 18));
  }
  // 2 days give or take 3: from the day after the result (not on it) to 5 days after.
  const auto two = spread_days(2, 3);
  for (std::uint32_t t = 0; t < 25; ++t) {
    CAPTURE(t);
    CHECK((two[t].size() - odd(two[t]) > 0) == (t >= 13 && t <= 17));
    CHECK((odd(two[t]) > 0) == (t >= 14 && t <= 18));
  }
}

}  // namespace greenlight::sim::internal

namespace greenlight::sim {

TEST_CASE("an upload delay in a run: the same epidemic when nobody acts on the app, later") {
  // Nobody acts on a notification (no quarantine, no test), nobody dies or gives the app up:
  // the epidemic is the same with and without the delay, each day's uploads come two days
  // later, and so do the notifications.
  SimConfig c = small(20000, 90, 3);
  c.app.red_isolation_adherence = 0;
  c.app.red_test_probability = 0;
  c.app.yellow_test_probability = 0;
  c.disease.fatality_fraction.fill(0);
  InMemoryPublisher first;
  const auto same_day = ran(c, first);
  c.app.upload_delay_days = 2;
  InMemoryPublisher second;
  const auto delayed = ran(c, second);
  const auto& a = same_day->daily();
  const auto& b = delayed->daily();
  REQUIRE(a.size() == b.size());
  std::uint64_t uploads = 0;
  for (std::size_t t = 0; t < a.size(); ++t) {
    CAPTURE(t);
    CHECK(a[t].new_infections == b[t].new_infections);
    CHECK(a[t].positives == b[t].positives);
    CHECK(b[t].uploads == (t >= 2 ? a[t - 2].uploads : 0));
    uploads += a[t].uploads;
  }
  REQUIRE(uploads > 100);
  const RunSummary s0 = same_day->summary();
  const RunSummary s2 = delayed->summary();
  REQUIRE(s2.notifications_red > 0);
  // The notifications lag: none before two days after the first without the delay, and by
  // each day no more of them so far.
  std::uint64_t so_far_a = 0;
  std::uint64_t so_far_b = 0;
  std::size_t first_a = a.size();
  std::size_t first_b = b.size();
  for (std::size_t t = 0; t < a.size(); ++t) {
    CAPTURE(t);
    so_far_a += a[t].notified_red;
    so_far_b += b[t].notified_red;
    if (so_far_a > 0) first_a = std::min(first_a, t);
    if (so_far_b > 0) first_b = std::min(first_b, t);
    CHECK(so_far_b <= so_far_a);
  }
  CHECK(first_b >= first_a + 2);
  CHECK(s2.notifications_red < s0.notifications_red);
}

TEST_CASE("an upload delay: settings, refusals, round trip and policy line") {
  SimConfig c;
  CHECK(c.app.upload_delay_days == 0);
  CHECK(policy_lines(c).find("uploads") == std::string::npos);
  CHECK(refusal("app.upload_delay_days=15").find("app.upload_delay_days must be in [0, 14]") !=
        std::string::npos);
  REQUIRE(apply_override(c, "app.upload_delay_days=14"));
  const auto back = config_from_json(config_to_json(c));
  REQUIRE(back);
  CHECK(back->app.upload_delay_days == 14);
  CHECK(policy_lines(c).find("app: a positive user who consents uploads 14 days after the "
                             "result\n") != std::string::npos);
  c.app.upload_delay_days = 1;
  CHECK(policy_lines(c).find("app: a positive user who consents uploads 1 day after the "
                             "result\n") != std::string::npos);
  CHECK(c.app.upload_same_day_share == 0);
  CHECK(refusal("app.upload_same_day_share=1.5")
            .find("app.upload_same_day_share must be in [0, 1]") != std::string::npos);
  CHECK(refusal("app.upload_same_day_share=0.4")
            .find("app.upload_same_day_share needs a delay (app.upload_delay_days)") !=
        std::string::npos);
  REQUIRE(apply_override(c, "app.upload_same_day_share=0.4"));
  CHECK(config_from_json(config_to_json(c))->app.upload_same_day_share == 0.4);
  CHECK(policy_lines(c).find("app: a positive user who consents uploads 1 day after the "
                             "result (40 % on the result's day)\n") != std::string::npos);
  // A spread: only with a delay, both at most 14 days together.
  CHECK(c.app.upload_delay_spread_days == 0);
  CHECK(refusal("app.upload_delay_spread_days=2")
            .find("app.upload_delay_spread_days needs a delay (app.upload_delay_days)") !=
        std::string::npos);
  SimConfig far;
  REQUIRE(apply_override(far, "app.upload_delay_days=10"));
  far.app.upload_delay_spread_days = 5;
  const Status too_far = validate_config(far);
  REQUIRE_FALSE(too_far);
  CHECK(too_far.error().message ==
        "app.upload_delay_days + app.upload_delay_spread_days must be at most 14");
  far.app.upload_delay_spread_days = 4;
  CHECK(validate_config(far));
  REQUIRE(apply_override(c, "app.upload_delay_spread_days=3"));
  CHECK(config_from_json(config_to_json(c))->app.upload_delay_spread_days == 3);
  CHECK(policy_lines(c).find("app: a positive user who consents uploads 1 to 4 days after the "
                             "result, each day alike (40 % on the result's day)\n") !=
        std::string::npos);
  c.app.upload_delay_days = 5;
  c.app.upload_delay_spread_days = 2;
  c.app.upload_same_day_share = 0;
  CHECK(policy_lines(c).find("app: a positive user who consents uploads 3 to 7 days after the "
                             "result, each day alike\n") != std::string::npos);
}

}  // namespace greenlight::sim

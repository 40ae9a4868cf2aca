// LockdownPolicy (internal/lockdown_policy.h): the scheduled window, and a lockdown triggered
// by the 7-day incidence of positive tests or admissions and released below release_fraction
// of it (after min_days at the least).
#include <array>
#include <catch2/catch.hpp>
#include <vector>

#include "internal/lockdown_policy.h"

namespace greenlight::sim::internal {
namespace {

// Runs the policy over days with the given daily positives and admissions; 1 = locked down.
std::vector<int> decisions(LockdownPolicy& policy, const std::vector<std::uint32_t>& positives,
                           const std::vector<std::uint32_t>& admissions) {
  std::vector<DailyStats> days;
  std::vector<int> on;
  for (std::uint32_t t = 0; t < positives.size(); ++t) {
    on.push_back(policy.everyone_on(t, days) ? 1 : 0);
    DailyStats d;
    d.day = t;
    d.positives = positives[t];
    d.new_hospitalised = admissions[t];
    days.push_back(d);
  }
  return on;
}

}  // namespace

TEST_CASE("a lockdown starts the day after the 7-day incidence reaches the trigger") {
  LockdownConfig c;
  c.trigger_incidence = 100;  // per 100,000: 20 positives a week among 20,000 people
  c.release_fraction = 0.5;   // released below 10 a week
  LockdownPolicy policy(c, 20000);
  // Positives per day; the decision for day t sees days t-7 .. t-1.
  const std::vector<std::uint32_t> positives{0, 2, 3, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0,
                                             0, 0, 9, 9, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  const std::vector<int> on =
      decisions(policy, positives, std::vector<std::uint32_t>(positives.size(), 0));
  // Days 0-6 sum to 19 (95 per 100,000): no lockdown; day 7 sees days 0-6 = 19; day 8 sees
  // days 1-7 = 20: locked down from day 8. Release below 10 a week: days 4-10 sum to 10,
  // days 5-11 to 6, so day 12 is free again.
  const std::vector<int> expected_start{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0};
  for (std::size_t t = 0; t < expected_start.size(); ++t) {
    CAPTURE(t);
    CHECK(on[t] == expected_start[t]);
  }
  // 27 positives on days 18-20: the week before day 21 holds 27 (135 per 100,000), locked
  // down again from day 21 until the week falls below 10: day 27 sees days 20-26 = 9.
  for (std::size_t t = 12; t < 21; ++t) CHECK(on[t] == 0);
  for (std::size_t t = 21; t < 27; ++t) CHECK(on[t] == 1);
  CHECK(on[27] == 0);
  std::vector<DailyStats> week(7);
  week[3].positives = 4;
  week[5].new_hospitalised = 2;
  CHECK(policy.incidence(week) == 20);  // 4 per 20,000
  CHECK(policy.admissions(week) == 10);
}

TEST_CASE("a lockdown triggered by admissions, and one that lasts a minimum of days") {
  // 10,000 people; 10 admissions a week per 100,000 is 1 a week. Admissions on days 2, 3
  // and 4: the week before day 5 holds 3 (30 per 100,000).
  const std::vector<std::uint32_t> none(20, 0);
  std::vector<std::uint32_t> admitted(20, 0);
  admitted[2] = admitted[3] = admitted[4] = 1;
  LockdownConfig c;
  c.trigger_admissions = 30;
  c.release_fraction = 0.5;  // released below 15 per 100,000: fewer than 2 a week
  LockdownPolicy policy(c, 10000);
  // Day 5 sees days 0-4 = 3: on. Day 10 sees days 3-9 = 2, day 11 days 4-10 = 1: free.
  const std::vector<int> expected{0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  CHECK(decisions(policy, none, admitted) == expected);
  CHECK(policy.admissions(std::vector<DailyStats>(3)) == 0);
  // The same positives as admissions trigger nothing on positives alone at this level.
  LockdownConfig p;
  p.trigger_incidence = 40;
  LockdownPolicy on_positives(p, 10000);
  CHECK(decisions(on_positives, admitted, none) == std::vector<int>(20, 0));
  // With both, either triggers: positives 4 a week (40) from days 12-15.
  LockdownConfig both = c;
  both.trigger_incidence = 40;
  std::vector<std::uint32_t> positive(20, 0);
  positive[12] = positive[13] = positive[14] = positive[15] = 1;
  LockdownPolicy either(both, 10000);
  const auto on = decisions(either, positive, admitted);
  CHECK(on[5] == 1);  // admissions
  CHECK(on[11] == 0);
  CHECK(on[16] == 1);  // positives: days 9-15 hold 4
  // At least 10 days: the admissions lockdown from day 5 lasts to day 14 although the
  // admissions fell below the release on day 11.
  c.min_days = 10;
  LockdownPolicy longer(c, 10000);
  const auto held = decisions(longer, none, admitted);
  for (std::uint32_t t = 5; t < 15; ++t) CHECK(held[t] == 1);
  CHECK(held[15] == 0);
}

TEST_CASE("the scheduled window holds regardless of the trigger") {
  LockdownConfig c;
  c.start_day = 3;
  c.days = 2;
  LockdownPolicy policy(c, 1000);
  std::vector<DailyStats> days(10);
  for (std::uint32_t t = 0; t < 10; ++t) {
    CAPTURE(t);
    CHECK(policy.everyone_on(t, std::span(days).first(t)) == (t == 3 || t == 4));
  }
}

TEST_CASE("a repeated window starts again every repeat_every_days days") {
  LockdownConfig c;
  c.start_day = 3;
  c.days = 2;
  c.repeat_every_days = 5;
  LockdownPolicy policy(c, 1000);
  // Days 3-4, 8-9, 13-14, 18-19.
  const std::vector<int> want{0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0};
  const std::vector<std::uint32_t> none(want.size(), 0);
  CHECK(decisions(policy, none, none) == want);
  // Beside a trigger either locks everyone down.
  c.trigger_incidence = 100;
  LockdownPolicy both(c, 1000);
  std::vector<std::uint32_t> positives(want.size(), 0);
  positives[5] = 1;  // 100 per 100,000 over 7 days: locked from day 6 until day 12 (below 50)
  std::vector<int> either = want;
  for (std::size_t t = 6; t <= 12; ++t) either[t] = 1;
  CHECK(decisions(both, positives, none) == either);
}

TEST_CASE("more windows lock everyone down on their days, beside the first window") {
  LockdownConfig c;
  c.windows = {{2, 3}, {7, 7}, {10, 12}};
  LockdownPolicy series(c, 1000);
  std::vector<int> want{0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0};
  const std::vector<std::uint32_t> none(want.size(), 0);
  CHECK(decisions(series, none, none) == want);
  c.start_day = 5;
  c.days = 2;
  LockdownPolicy with_first(c, 1000);
  want[5] = want[6] = 1;
  CHECK(decisions(with_first, none, none) == want);
}

}  // namespace greenlight::sim::internal

namespace greenlight::sim::internal {

TEST_CASE("a regional lockdown locks each region on its own incidence, not everyone") {
  LockdownConfig c;
  c.trigger_incidence = 100;  // per 100,000: 10 positives a week among a region's 10,000
  c.release_fraction = 0.5;   // released below 5 a week
  c.regional = true;
  c.start_day = 12;  // a scheduled window still locks everyone down
  c.days = 1;
  LockdownPolicy policy(c, 20000);
  LockdownConfig national = c;  // the same triggers for the whole country
  national.regional = false;
  LockdownPolicy country(national, 20000);
  // Three regions of 10,000, 10,000 and 5,000 people (the dead counted: people()).
  const std::array<std::uint32_t, 3> people{10000, 10000, 5000};
  // Positives by day and region: region 0 reaches 10 a week on day 3 (locked from day 4),
  // region 1 never (at most 9 a week), region 2 reaches 5 = 100 per 100,000 on day 6 (locked
  // from day 7, released on day 14 when days 7-13 hold 2 < 2.5).
  const std::vector<std::array<std::uint32_t, 3>> positives{
      {2, 1, 0}, {3, 2, 0}, {2, 2, 0}, {3, 2, 1}, {0, 1, 1}, {0, 1, 0}, {0, 0, 3}, {0, 0, 0},
      {0, 0, 1}, {0, 0, 0}, {0, 0, 0}, {0, 0, 1}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
  std::vector<RegionDay> before;
  std::vector<DailyStats> daily;
  std::vector<std::array<int, 3>> on;
  std::vector<int> everyone;
  std::vector<int> everyone_national;
  for (std::uint32_t t = 0; t < positives.size(); ++t) {
    everyone.push_back(policy.everyone_on(t, daily) ? 1 : 0);
    everyone_national.push_back(country.everyone_on(t, daily) ? 1 : 0);
    const auto regions = policy.regions_on(t, before, 3);
    REQUIRE(regions.size() == 3);
    on.push_back({regions[0], regions[1], regions[2]});
    DailyStats d;
    d.day = t;
    for (std::uint32_t r = 0; r < 3; ++r) {
      RegionDay x;
      x.day = t;
      x.region = r;
      x.susceptible = people[r] - 10;
      x.deaths = 10;
      x.positives = positives[t][r];
      d.positives += x.positives;
      before.push_back(x);
    }
    daily.push_back(d);
  }
  for (std::uint32_t t = 0; t < positives.size(); ++t) {
    CAPTURE(t);
    // Region 0: days 0-3 sum to 10 (locked from day 4); the week before day 9 (days 2-8)
    // holds 5, not below 5, the week before day 10 holds 3: free from day 10.
    CHECK(on[t][0] == (t >= 4 && t < 10 ? 1 : 0));
    CHECK(on[t][1] == 0);
    CHECK(on[t][2] == (t >= 7 && t < 14 ? 1 : 0));
    // A regional lockdown never locks everyone: only the scheduled day 12. The same
    // positives counted for the country (the policy's 20,000 people: 20 a week) lock
    // everyone from day 5 (days 0-4 hold 20) to day 11 (days 4-10 hold 6 < 10).
    CHECK(everyone[t] == (t == 12 ? 1 : 0));
    CHECK(everyone_national[t] == ((t >= 5 && t < 11) || t == 12 ? 1 : 0));
  }
  // Without `regional` the policy answers no region.
  CHECK(country.regions_on(15, before, 3) == std::vector<std::uint8_t>{0, 0, 0});
}

TEST_CASE("a region locks on its admissions too, and at exactly the trigger") {
  // Two regions of 7,600 people. Region 0: 19 positives on day 0, 250 per 100,000 exactly
  // (trigger 250: locked from day 1; released on day 8, when the week before holds none).
  // Region 1: 4 admissions on day 2, 52.6 per 100,000 (trigger 50: locked from day 3,
  // released on day 10, when the week before holds none and 6 days have passed).
  LockdownConfig c;
  c.trigger_incidence = 250;
  c.trigger_admissions = 50;
  c.release_fraction = 0.5;
  c.min_days = 6;
  c.regional = true;
  LockdownPolicy policy(c, 15200);
  std::vector<RegionDay> before;
  std::vector<std::array<int, 2>> on;
  for (std::uint32_t t = 0; t < 14; ++t) {
    const auto regions = policy.regions_on(t, before, 2);
    on.push_back({regions[0], regions[1]});
    for (std::uint32_t r = 0; r < 2; ++r) {
      RegionDay x;
      x.day = t;
      x.region = r;
      x.susceptible = 7600;
      if (r == 0 && t == 0) x.positives = 19;
      if (r == 1 && t == 2) x.new_hospitalised = 4;
      before.push_back(x);
    }
  }
  for (std::uint32_t t = 0; t < 14; ++t) {
    CAPTURE(t);
    // Region 0: locked from day 1; the week before day 8 (days 1-7) holds none, and day 7
    // is the sixth day after day 1.
    CHECK(on[t][0] == (t >= 1 && t < 8 ? 1 : 0));
    // Region 1: locked from day 3 until the week before holds none (day 10: days 3-9).
    CHECK(on[t][1] == (t >= 3 && t < 10 ? 1 : 0));
  }
}

}  // namespace greenlight::sim::internal

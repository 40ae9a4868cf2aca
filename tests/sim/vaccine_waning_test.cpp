// Waning vaccine protection (vaccination.waning_half_life_days, HealthPhase::vaccine_level_on):
// the shares protected on each day since protection, and the same draw read each day.
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/disease.h"
#include "internal/health_phase.h"
#include "internal/world.h"
#include "world_test_support.h"

namespace greenlight::sim::internal {
namespace {

// 20,000 people, nobody infected, every willing person vaccinated on day 0 and protected
// from day 7: efficacies 0.6 / 0.8 / 0.9 (infection / symptoms / severe).
SimConfig campaign(double half_life) {
  SimConfig c;
  c.population.people = 20000;
  c.run.days = 80;
  c.app.uptake = 0;
  c.disease.initial_infections = 0;
  c.disease.false_symptom_rate = 0;
  c.vaccination.people_per_day_per_100k = 100000;
  c.vaccination.days_to_protect = 7;
  c.vaccination.efficacy_infection = 0.6;
  c.vaccination.efficacy_symptoms = 0.8;
  c.vaccination.efficacy_severe = 0.9;
  c.vaccination.waning_half_life_days = half_life;
  return c;
}

// The campaign's first day run (more with run_to).
struct Campaign {
  explicit Campaign(const SimConfig& c)
      : world_ptr(make_world(c)), world(*world_ptr), health(world) {
    run_to(0);
    vaccinated = stats[0].new_vaccinated;
  }
  // Runs the health phase's days up to `last` (their statistics in stats, by day).
  void run_to(std::uint32_t last) {
    for (auto t = static_cast<std::uint32_t>(stats.size()); t <= last; ++t) {
      DailyStats st;
      std::vector<std::uint32_t> uploaders;
      health.run(t, st, uploaders);
      stats.push_back(st);
    }
  }
  std::vector<DailyStats> stats;
  // Shares of the vaccinated at each level on day t (against `variant`).
  std::array<double, 4> shares(std::uint32_t t, std::uint8_t variant = 0) const {
    std::array<double, 4> n{};
    for (std::uint32_t p = 0; p < world.pop.size(); ++p) {
      if (health.vaccination_day()[p] < 0) continue;
      n[static_cast<std::size_t>(health.vaccine_level_on(p, t, variant))] += 1;
    }
    for (double& x : n) x /= vaccinated;
    return n;
  }
  std::unique_ptr<World> world_ptr;
  const World& world;
  HealthPhase health;
  std::uint32_t vaccinated = 0;
};

}  // namespace

TEST_CASE("a waning vaccine protects fewer from infection and symptoms each day, not severe") {
  const Campaign waning(campaign(20));
  REQUIRE(waning.vaccinated > 15000);  // everyone over 9
  // Day t is t - 7 days after protection: the factor 0.5^((t - 7) / 20) on 0.6 and 0.8.
  for (const std::uint32_t t : {7u, 27u, 47u, 77u}) {
    CAPTURE(t);
    const double f = std::exp2(-(static_cast<double>(t) - 7) / 20);
    const auto s = waning.shares(t);
    CHECK(s[3] == Approx(0.6 * f).margin(0.012));            // infection
    CHECK(s[2] == Approx(0.8 * f - 0.6 * f).margin(0.012));  // symptoms, not infection
    CHECK(s[1] == Approx(0.9 - 0.8 * f).margin(0.012));      // severe only
    CHECK(s[0] == Approx(0.1).margin(0.012));                // nothing: 1 - 0.9, always
  }
  // Nothing before protection; each person's protection only falls once it began.
  CHECK(waning.shares(6)[0] == 1);
  for (std::uint32_t p = 0; p < waning.world.pop.size(); ++p) {
    if (waning.health.vaccination_day()[p] < 0) continue;
    for (std::uint32_t t = 10; t < 80; t += 10) {
      CAPTURE(p, t);
      REQUIRE(waning.health.vaccine_level_on(p, t) <= waning.health.vaccine_level_on(p, t - 3));
    }
  }
  // Without waning the levels stay those of the first day, which waning starts from.
  const Campaign lasting(campaign(0));
  for (std::uint32_t p = 0; p < lasting.world.pop.size(); ++p) {
    if (lasting.health.vaccination_day()[p] < 0) continue;
    CAPTURE(p);
    REQUIRE(lasting.health.vaccine_level_on(p, 77) == lasting.health.vaccine_protection()[p]);
    REQUIRE(waning.health.vaccine_level_on(p, 7) == lasting.health.vaccine_protection()[p]);
  }
}

TEST_CASE("vaccine efficacy by age: each age group's shares at each level times its factor") {
  const Campaign plain(campaign(0));
  SimConfig c = campaign(0);
  c.vaccination.efficacy_factor_by_age = {1, 1, 1, 1, 1, 1, 0.5, 0.5, 0};
  const Campaign by_age(c);
  REQUIRE(by_age.vaccinated == plain.vaccinated);  // the same people, the same order
  // Per factor (1, 0.5, 0): the vaccinated at each level on day 7.
  std::array<std::array<double, 4>, 3> n{};
  std::array<double, 3> all{};
  for (std::uint32_t p = 0; p < by_age.world.pop.size(); ++p) {
    if (by_age.health.vaccination_day()[p] < 0) continue;
    const std::uint8_t g = by_age.world.pop.age_group[p];
    const std::size_t k = g < 6 ? 0 : g < 8 ? 1 : 2;
    const VaccineProtection level = by_age.health.vaccine_level_on(p, 7);
    const VaccineProtection before = plain.health.vaccine_level_on(p, 7);
    CAPTURE(p, g);
    // The draw is the person's: factor 1 keeps its level, a lower one never raises it.
    if (k == 0) REQUIRE(level == before);
    REQUIRE(level <= before);
    n[k][static_cast<std::size_t>(level)] += 1;
    all[k] += 1;
  }
  REQUIRE(all[1] > 2000);
  REQUIRE(all[2] > 500);
  // Factor 1: 0.6 / 0.2 / 0.1 / 0.1; factor 0.5: 0.3 / 0.1 / 0.05 / 0.55; factor 0: none.
  const std::array<std::array<double, 4>, 2> expected{
      {{0.1, 0.1, 0.2, 0.6}, {0.55, 0.05, 0.1, 0.3}}};
  for (std::size_t k = 0; k < 2; ++k) {
    for (std::size_t level = 0; level < 4; ++level) {
      CAPTURE(k, level);
      CHECK(n[k][level] / all[k] == Approx(expected[k][level]).margin(k == 0 ? 0.015 : 0.03));
    }
  }
  CHECK(n[2][0] == all[2]);
}

TEST_CASE("a waning vaccine wanes against a variant that escapes it from the escaped level") {
  SimConfig c = campaign(20);
  c.variant.day = 50;
  c.variant.imports = 1;
  c.variant.vaccine_escape_infection = 0.5;
  const Campaign waning(c);
  // Day 27: against the variant 0.3 x 0.5 from infection, 0.8 x 0.5 from symptoms.
  const auto s = waning.shares(27, 1);
  CHECK(s[3] == Approx(0.15).margin(0.012));
  CHECK(s[2] == Approx(0.25).margin(0.012));
  CHECK(s[1] == Approx(0.5).margin(0.012));
  CHECK(waning.shares(27, 0)[3] == Approx(0.3).margin(0.012));
}

TEST_CASE("a booster restores the full protection, which wanes again from then") {
  SimConfig c = campaign(20);
  c.vaccination.booster_after_days = 40;
  c.vaccination.booster_protect_days = 7;
  c.vaccination.booster_uptake = 0.5;
  Campaign boosted(c);
  boosted.run_to(70);
  const auto& days = boosted.stats;
  // Everyone was vaccinated on day 0: the willing half is boosted on day 40, nobody else.
  std::uint32_t count = 0;
  for (std::uint32_t p = 0; p < boosted.world.pop.size(); ++p) {
    const std::int32_t day = boosted.health.booster_day()[p];
    CHECK((day == kNever || day == 40));
    CHECK((day == kNever || boosted.health.vaccination_day()[p] == 0));
    count += day == 40 ? 1u : 0u;
  }
  CHECK(count == Approx(0.5 * boosted.vaccinated).margin(0.02 * boosted.vaccinated));
  CHECK(days[40].new_boosted == count);
  CHECK(days[70].boosted == count);
  // Before the booster protects (day 46) every level is the course's, waned 39 days; from
  // day 47 the boosted are back at the course's first day, and wane again.
  const auto level_shares = [&](std::uint32_t t, bool with_booster) {
    std::array<double, 4> n{};
    double people = 0;
    for (std::uint32_t p = 0; p < boosted.world.pop.size(); ++p) {
      if (boosted.health.vaccination_day()[p] < 0) continue;
      if ((boosted.health.booster_day()[p] == 40) != with_booster) continue;
      n[static_cast<std::size_t>(boosted.health.vaccine_level_on(p, t))] += 1;
      people += 1;
    }
    for (double& x : n) x /= people;
    return n;
  };
  const double waned = std::exp2(-39.0 / 20);
  CHECK(level_shares(46, true)[3] == Approx(0.6 * waned).margin(0.015));
  CHECK(level_shares(47, true)[3] == Approx(0.6).margin(0.015));
  CHECK(level_shares(47, true)[2] == Approx(0.2).margin(0.015));
  CHECK(level_shares(67, true)[3] == Approx(0.3).margin(0.015));
  CHECK(level_shares(67, false)[3] == Approx(0.6 * std::exp2(-60.0 / 20)).margin(0.015));
  // Without boosters nobody is boosted, and the levels are the waned course's.
  const Campaign none(campaign(20));
  CHECK(none.health.booster_day().empty());
}

}  // namespace greenlight::sim::internal

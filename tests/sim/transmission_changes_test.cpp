// Changes of transmission over time (disease.transmission_changes, Covasim's change_beta).
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <span>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "greenlight/sim/simulation.h"
#include "sim_test_runs.h"

namespace greenlight::sim {
namespace {

std::vector<DailyStats> daily(const SimConfig& c) {
  InMemoryPublisher publisher;
  return ran(c, publisher)->daily();
}

// 3,000 people, 60 days, 30 initial cases.
SimConfig base(std::uint64_t seed) {
  SimConfig c = small(3000, 60, seed);
  c.disease.initial_infections = 30;
  return c;
}

std::uint64_t infections_from(std::span<const DailyStats> days, std::uint32_t first) {
  std::uint64_t n = 0;
  for (const auto& d : days.subspan(first)) n += d.new_infections;
  return n;
}

}  // namespace

TEST_CASE("the transmission factor is 1 before the first change and each change's after it") {
  DiseaseConfig d;
  CHECK(d.transmission_factor(0) == 1.0);
  d.transmission_changes = {{10, 0.5}, {20, 2}};
  CHECK(d.transmission_factor(9) == 1.0);
  CHECK(d.transmission_factor(10) == 0.5);
  CHECK(d.transmission_factor(19) == 0.5);
  CHECK(d.transmission_factor(20) == 2.0);
  CHECK(d.transmission_factor(500) == 2.0);
}

TEST_CASE("a change of transmission acts from its day on, and only through the hazard") {
  const SimConfig plain = base(3);
  const auto before = daily(plain);
  // A factor 1 changes nothing.
  SimConfig same = plain;
  same.disease.transmission_changes = {{0, 1}};
  CHECK(daily_csv(daily(same)) == daily_csv(before));
  // No transmission from day 20: the same run until then, no infection after it.
  SimConfig stop = plain;
  stop.disease.transmission_changes = {{20, 0}};
  const auto stopped = daily(stop);
  CHECK(daily_csv(std::span(stopped).first(20)) == daily_csv(std::span(before).first(20)));
  CHECK(infections_from(before, 20) > 100);
  CHECK(infections_from(stopped, 20) == 0);
  // Halved from day 20, back from day 40: fewer infections over days 20-39 in each of three
  // seeds; doubled: more.
  for (const std::uint64_t seed : {3u, 4u, 5u}) {
    CAPTURE(seed);
    const auto normal = daily(base(seed));
    SimConfig half = base(seed);
    half.disease.transmission_changes = {{20, 0.5}, {40, 1}};
    SimConfig twice = base(seed);
    twice.disease.transmission_changes = {{20, 2}};
    const auto halved = daily(half);
    const auto doubled = daily(twice);
    CHECK(daily_csv(std::span(halved).first(20)) == daily_csv(std::span(normal).first(20)));
    CHECK(infections_from(std::span(halved).first(40), 20) <
          infections_from(std::span(normal).first(40), 20));
    CHECK(infections_from(std::span(doubled).first(40), 20) >
          infections_from(std::span(normal).first(40), 20));
  }
}

TEST_CASE("a change of transmission by layer acts on its layers only") {
  DiseaseConfig d;
  CHECK(d.layer_factors(5) == std::array<double, 4>{1, 1, 1, 1});
  d.transmission_changes_by_layer = {{10, 1, 0.5, 0.7, 0.7}, {30, 1, 1, 1, 0}};
  CHECK(d.layer_factors(9) == std::array<double, 4>{1, 1, 1, 1});
  CHECK(d.layer_factors(10) == std::array<double, 4>{1, 0.5, 0.7, 0.7});
  CHECK(d.layer_factors(30) == std::array<double, 4>{1, 1, 1, 0});
  // Only households transmit from day 20: the same run until then, no infection by another
  // layer after it, households still infecting.
  const SimConfig plain = base(3);
  const auto before = daily(plain);
  SimConfig homes = plain;
  homes.disease.transmission_changes_by_layer = {{20, 1, 0, 0, 0}};
  const auto after = daily(homes);
  CHECK(daily_csv(std::span(after).first(20)) == daily_csv(std::span(before).first(20)));
  std::uint64_t household = 0;
  for (std::uint32_t t = 20; t < after.size(); ++t) {
    CAPTURE(t);
    CHECK(after[t].new_infections_by_layer[1] == 0);
    CHECK(after[t].new_infections_by_layer[2] == 0);
    CHECK(after[t].new_infections_by_layer[3] == 0);
    household += after[t].new_infections_by_layer[0];
  }
  CHECK(household > 20);
  // The same factor on every layer is a change of transmission for all: 0.5 from day 15 (a
  // power of two: exact whichever factor of the hazard it multiplies).
  SimConfig all = plain;
  all.disease.transmission_changes = {{15, 0.5}};
  SimConfig each = plain;
  each.disease.transmission_changes_by_layer = {{15, 0.5, 0.5, 0.5, 0.5}};
  CHECK(daily_csv(daily(each)) == daily_csv(daily(all)));
  // All factors 1 change nothing.
  SimConfig ones = plain;
  ones.disease.transmission_changes_by_layer = {{0, 1, 1, 1, 1}};
  CHECK(daily_csv(daily(ones)) == daily_csv(before));
}

TEST_CASE("changes of transmission are read, written, checked and reported") {
  SimConfig c;
  CHECK(c.disease.transmission_changes.empty());
  REQUIRE(apply_override(c, "disease.transmission_changes=[[60,0.7],[120,1]]"));
  auto back = config_from_json(config_to_json(c));
  REQUIRE(back);
  CHECK(back->disease.transmission_changes == c.disease.transmission_changes);
  CHECK(policy_lines(c).find(
            "transmission: the per-contact hazard x0.7 from day 60, x1 from day 120\n") !=
        std::string::npos);
  for (const char* bad :
       {"disease.transmission_changes=[[60,0.7],[60,1]]", "disease.transmission_changes=[[5.5,1]]",
        "disease.transmission_changes=[[10,-1]]", "disease.transmission_changes=[[2001,1]]",
        "disease.transmission_changes=[[10,11]]"}) {
    CAPTURE(bad);
    SimConfig d;
    const Status st = apply_override(d, bad);
    REQUIRE_FALSE(st);
    CHECK(st.error().message.find("disease.transmission_changes: each change is [day, factor]") !=
          std::string::npos);
  }
  SimConfig d;
  CHECK_FALSE(apply_override(d, "disease.transmission_changes=[[10]]"));  // not a pair
  REQUIRE(apply_override(c, "disease.transmission_changes_by_layer=[[30,1,0.5,0.7,0.7]]"));
  back = config_from_json(config_to_json(c));
  REQUIRE(back);
  CHECK(back->disease.transmission_changes_by_layer == c.disease.transmission_changes_by_layer);
  CHECK(policy_lines(c).find("transmission by layer (household / school and work / random / "
                             "venues): x1 / x0.5 / x0.7 / x0.7 from day 30\n") !=
        std::string::npos);
  for (const char* bad : {"disease.transmission_changes_by_layer=[[30,1,0.5,0.7]]",
                          "disease.transmission_changes_by_layer=[[30,1,0.5,0.7,-1]]",
                          "disease.transmission_changes_by_layer=[[30,1,1,1,1],[20,1,1,1,1]]"}) {
    CAPTURE(bad);
    SimConfig e;
    CHECK_FALSE(apply_override(e, bad));
  }
}

}  // namespace greenlight::sim

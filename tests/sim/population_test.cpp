#include "greenlight/sim/population.h"

#include <array>
#include <catch2/catch.hpp>

namespace greenlight::sim {

TEST_CASE("population: reproducible from the seed, households contiguous, links symmetric") {
  SimConfig c;
  c.population.people = 4000;
  c.app.uptake = 0.6;
  const Population a = generate_population(c);
  const Population b = generate_population(c);
  REQUIRE(a.size() == 4000);
  CHECK(a.age_group == b.age_group);
  CHECK(a.links == b.links);
  CHECK(a.has_app == b.has_app);
  for (std::uint32_t h = 0; h < a.households(); ++h) {
    REQUIRE(a.household_start[h] < a.household_start[h + 1]);
    for (std::uint32_t p = a.household_start[h]; p < a.household_start[h + 1]; ++p) {
      CHECK(a.household[p] == h);
    }
  }
  const double mean_household = static_cast<double>(a.size()) / a.households();
  CHECK(mean_household > 2.0);
  CHECK(mean_household < 2.8);
  std::size_t asymmetric = 0;
  for (std::uint32_t p = 0; p < a.size(); ++p) {
    for (auto q : a.links_of(p)) {
      const auto back = a.links_of(q);
      if (std::find(back.begin(), back.end(), p) == back.end()) ++asymmetric;
    }
  }
  CHECK(asymmetric == 0);
  // Each person's later links come first (the daily contacts stop at the first earlier one).
  std::size_t out_of_order = 0;
  for (std::uint32_t p = 0; p < a.size(); ++p) {
    bool earlier = false;
    for (auto q : a.links_of(p)) {
      if (q < p) earlier = true;
      if (q > p && earlier) ++out_of_order;
    }
  }
  CHECK(out_of_order == 0);
  const double uptake = static_cast<double>(a.app_users()) / a.size();
  CHECK(uptake == Approx(0.6).margin(0.03));
  c.run.seed = 2;
  CHECK(generate_population(c).age_group != a.age_group);
}

TEST_CASE("population: app uptake by age scales each group's share, capped at everyone") {
  SimConfig c;
  c.population.people = 30000;
  c.app.uptake = 0.5;
  const Population uniform = generate_population(c);
  c.app.uptake_by_age = {0, 0.5, 1, 1.5, 2, 2, 2, 2, 2};
  const Population by_age = generate_population(c);
  CHECK(by_age.age_group == uniform.age_group);  // the people are the same
  std::array<std::uint32_t, kAgeGroups> people{};
  std::array<std::uint32_t, kAgeGroups> users{};
  for (std::uint32_t p = 0; p < by_age.size(); ++p) {
    ++people[by_age.age_group[p]];
    users[by_age.age_group[p]] += by_age.has_app[p];
    // Each person's draw is the same: a higher probability never takes the app away.
    if (c.app.uptake_by_age[by_age.age_group[p]] >= 1 && uniform.has_app[p] != 0) {
      CHECK(by_age.has_app[p] != 0);
    }
  }
  const std::array<double, kAgeGroups> expected{0, 0.25, 0.5, 0.75, 1, 1, 1, 1, 1};
  for (std::size_t g = 0; g < kAgeGroups; ++g) {
    CAPTURE(g, people[g], users[g]);
    REQUIRE(people[g] > 1000);
    CHECK(static_cast<double>(users[g]) / people[g] == Approx(expected[g]).margin(0.03));
  }
  CHECK(app_probability(c.app, 0.5, 4, 0) == 1.0);
  CHECK(app_probability(c.app, 0.2, 3, 0) == Approx(0.3));
}

TEST_CASE("population: venues of each kind exist") {
  SimConfig c;
  c.population.people = 500;
  const Population p = generate_population(c);
  for (std::size_t k = 0; k < 3; ++k) CHECK(p.venue_kind_start[k + 1] > p.venue_kind_start[k]);
  CHECK(p.venue_kind.size() == p.venue_kind_start[3]);
}

}  // namespace greenlight::sim

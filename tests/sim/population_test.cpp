#include "greenlight/sim/population.h"

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

TEST_CASE("population: venues of each kind exist") {
  SimConfig c;
  c.population.people = 500;
  const Population p = generate_population(c);
  for (std::size_t k = 0; k < 3; ++k) CHECK(p.venue_kind_start[k + 1] > p.venue_kind_start[k]);
  CHECK(p.venue_kind.size() == p.venue_kind_start[3]);
}

}  // namespace greenlight::sim

// The model's contact matrix by age group (report.h contacts_by_age, docs/simulation.md
// "Contacts by age"): reciprocal, households as the population's, school links among
// children only, OpenABM's means of links and random encounters.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <string>

#include "greenlight/sim/experiment.h"
#include "greenlight/sim/population.h"
#include "greenlight/sim/report.h"

namespace greenlight::sim {

TEST_CASE("contacts by age: reciprocal, households as built, links and encounters as set") {
  SimConfig c;
  c.population.people = 30000;
  const Population pop = generate_population(c);
  const ContactsByAge m = contacts_by_age(c, pop);
  std::array<std::uint32_t, kAgeGroups> people{};
  for (const auto g : pop.age_group) ++people[g];
  CHECK(m.people == people);
  const auto row = [&](Layer l, std::size_t i) {
    double sum = 0;
    for (const double x : m.per_person[static_cast<std::size_t>(l)][i]) sum += x;
    return sum;
  };
  // Every contact counts for both people: group i's contacts with j equal j's with i.
  for (std::size_t l = 0; l < kLayers; ++l) {
    for (std::size_t i = 0; i < kAgeGroups; ++i) {
      for (std::size_t j = 0; j < kAgeGroups; ++j) {
        CAPTURE(l, i, j);
        CHECK(m.per_person[l][i][j] * people[i] ==
              Approx(m.per_person[l][j][i] * people[j]).epsilon(1e-12));
      }
    }
  }
  // Households: everyone meets all the others at home every day, so group i's household
  // contacts are its people's mean household size less one.
  for (std::size_t i = 0; i < kAgeGroups; ++i) {
    double others = 0;
    for (std::uint32_t p = 0; p < pop.size(); ++p) {
      if (pop.age_group[p] != i) continue;
      const std::uint32_t h = pop.household[p];
      others += pop.household_start[h + 1] - pop.household_start[h] - 1;
    }
    CAPTURE(i);
    CHECK(row(Layer::kHousehold, i) == Approx(others / people[i]).epsilon(1e-12));
  }
  // Children's links are their schools': with children only, about 10 links each met half
  // the days; the elderly meet about half of their 3 (OpenABM's 10 / 7 / 3 and 0.5).
  for (std::size_t i = 0; i < 2; ++i) {
    for (std::size_t j = 2; j < kAgeGroups; ++j) {
      CHECK(m.per_person[static_cast<std::size_t>(Layer::kSchoolWork)][i][j] == 0);
    }
    CHECK(row(Layer::kSchoolWork, i) == Approx(5).margin(0.3));
  }
  CHECK(row(Layer::kSchoolWork, 8) == Approx(1.5).margin(0.2));
  // Random encounters: OpenABM's means 2 / 4 / 3 a day for children, adults and elderly.
  CHECK(row(Layer::kRandom, 0) == Approx(2).margin(0.15));
  CHECK(row(Layer::kRandom, 4) == Approx(4).margin(0.25));
  CHECK(row(Layer::kRandom, 8) == Approx(3).margin(0.25));

  const std::string csv = contacts_by_age_csv(m);
  CHECK(csv.rfind("layer,age_group,contact_age_group,contacts_per_person_day\n", 0) == 0);
  // The community layers: a typical day has no patients in hospital, and care homes are
  // their own (none here).
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 1 + (kLayers - 2) * kAgeGroups * kAgeGroups);
  CHECK(csv.find("\nhospital,") == std::string::npos);
  CHECK(csv.find("\ncare_home,") == std::string::npos);
  CHECK(csv.find("\nschool_work,0-9,80+,0\n") != std::string::npos);
  const std::string table = format_contacts_by_age(m);
  CHECK(table.find("\n  80+ ") != std::string::npos);
}

TEST_CASE("contacts by age: sim run's scenario brings the run's matrix, other runs none") {
  SimConfig c;
  c.population.people = 2000;
  c.run.days = 3;
  c.run.baseline = false;
  const auto scenario = run_scenario(c);
  REQUIRE(scenario);
  REQUIRE(scenario->app.contacts_by_age);
  CHECK(scenario->app.contacts_by_age->per_person ==
        contacts_by_age(c, generate_population(c)).per_person);
  const auto once = run_once(c);
  REQUIRE(once);
  CHECK_FALSE(once->contacts_by_age);
}

}  // namespace greenlight::sim

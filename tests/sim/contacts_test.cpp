// The contact generator's lockdown (internal/contacts.h Distancing): who is distanced meets
// fewer links, random encounters and venues; nobody else's contacts change.
#include "internal/contacts.h"

#include <array>
#include <catch2/catch.hpp>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "greenlight/sim/population.h"

namespace greenlight::sim::internal {
namespace {

struct Day {
  std::vector<Contact> contacts;
  std::vector<Visit> visits;  // by person
};

Day generate_day(const SimConfig& c, const Population& pop, std::uint32_t day,
                 const Distancing& distancing) {
  ContactGenerator generator(c, pop);
  const std::vector<std::uint8_t> everyone_meets(pop.size(), kMeetsAll);
  generator.prepare_day(day, everyone_meets, 0, 2, nullptr, distancing);
  Day out;
  for (std::uint32_t shard = 0; shard < kShards; ++shard) {
    generator.generate(shard, [&](const Contact& x) { out.contacts.push_back(x); });
  }
  for (const auto& part : generator.visits_by_person()) {
    out.visits.insert(out.visits.end(), part.begin(), part.end());
  }
  return out;
}

bool same(const Contact& x, const Contact& y) {
  return std::tie(x.a, x.b, x.start_minute, x.minutes, x.distance_m, x.layer) ==
         std::tie(y.a, y.b, y.start_minute, y.minutes, y.distance_m, y.layer);
}

std::vector<Contact> of_layer(const Day& d, Layer layer) {
  std::vector<Contact> out;
  for (const auto& x : d.contacts) {
    if (x.layer == layer) out.push_back(x);
  }
  return out;
}

}  // namespace

TEST_CASE("a lockdown of everyone thins links, random encounters and venue visits") {
  SimConfig c;
  c.population.people = 20000;
  const Population pop = generate_population(c);
  const Day before = generate_day(c, pop, 3, {});
  const std::vector<std::uint8_t> all(pop.size(), 1);
  // No distancing (an empty span) draws the same day as the call without one, and factors of
  // 1 change no contact either.
  const Day none = generate_day(c, pop, 3, Distancing{});
  const Day ones = generate_day(c, pop, 3, Distancing{all, 1, 1, 1});
  REQUIRE(none.contacts.size() == before.contacts.size());
  REQUIRE(ones.contacts.size() == before.contacts.size());
  for (std::size_t i = 0; i < before.contacts.size(); ++i) {
    CHECK(same(none.contacts[i], before.contacts[i]));
    CHECK(same(ones.contacts[i], before.contacts[i]));
  }

  const Day locked = generate_day(c, pop, 3, Distancing{all, 0.22, 0.22, 0.22});
  // Households meet as before, contact for contact.
  const auto home_before = of_layer(before, Layer::kHousehold);
  const auto home_locked = of_layer(locked, Layer::kHousehold);
  REQUIRE(home_locked.size() == home_before.size());
  for (std::size_t i = 0; i < home_before.size(); ++i) {
    CHECK(same(home_locked[i], home_before[i]));
  }
  // Links, random encounters and visits fall to about 0.22 of their number.
  const auto ratio = [&](Layer layer) {
    return static_cast<double>(of_layer(locked, layer).size()) /
           static_cast<double>(of_layer(before, layer).size());
  };
  REQUIRE(of_layer(before, Layer::kSchoolWork).size() > 20000);
  REQUIRE(of_layer(before, Layer::kRandom).size() > 20000);
  CHECK(ratio(Layer::kSchoolWork) == Approx(0.22).margin(0.02));
  CHECK(ratio(Layer::kRandom) == Approx(0.22).margin(0.02));
  REQUIRE(before.visits.size() > 3000);
  CHECK(static_cast<double>(locked.visits.size()) / static_cast<double>(before.visits.size()) ==
        Approx(0.22).margin(0.03));
  // Fewer visitors meet fewer people at a venue (fewer of them overlap in time).
  CHECK(ratio(Layer::kVenue) > 0);
  CHECK(ratio(Layer::kVenue) < 0.22);
  // Factors of 0: only households.
  const Day closed = generate_day(c, pop, 3, Distancing{all, 0, 0, 0});
  CHECK(closed.contacts.size() == home_before.size());
  CHECK(closed.visits.empty());
}

TEST_CASE("shielding the elderly thins their contacts only") {
  SimConfig c;
  c.population.people = 20000;
  const Population pop = generate_population(c);
  std::vector<std::uint8_t> elderly(pop.size(), 0);
  for (std::uint32_t p = 0; p < pop.size(); ++p) elderly[p] = pop.age_group[p] >= 7 ? 1 : 0;
  const Day before = generate_day(c, pop, 5, {});
  const Day shielded = generate_day(c, pop, 5, Distancing{elderly, 0.2, 0.2, 0.2});
  const auto old = [&](std::uint32_t p) { return elderly[p] != 0; };

  // Links between two people under 70 are met as often as before (not the same ones: the
  // links' stream also draws the times of the met links); links with one of the elderly fall
  // to about 0.2.
  const auto links = [&](const Day& d) {
    std::array<double, 2> n{};  // both under 70, one 70+
    for (const auto& x : of_layer(d, Layer::kSchoolWork)) ++n[old(x.a) || old(x.b) ? 1 : 0];
    return n;
  };
  const auto l_before = links(before);
  const auto l_shielded = links(shielded);
  REQUIRE(l_before[0] > 20000);
  REQUIRE(l_before[1] > 2000);
  CHECK(l_shielded[0] / l_before[0] == Approx(1).margin(0.02));
  CHECK(l_shielded[1] / l_before[1] == Approx(0.2).margin(0.03));

  // Random encounters: the elderly have about 0.2 of theirs, the others as many as before
  // (their partners change: fewer elderly stubs are shuffled in).
  const auto encounters = [&](const Day& d) {
    std::array<double, 2> n{};  // under 70, 70+
    for (const auto& x : of_layer(d, Layer::kRandom)) {
      ++n[old(x.a) ? 1 : 0];
      ++n[old(x.b) ? 1 : 0];
    }
    return n;
  };
  const auto r_before = encounters(before);
  const auto r_shielded = encounters(shielded);
  REQUIRE(r_before[1] > 3000);
  CHECK(r_shielded[1] / r_before[1] == Approx(0.2).margin(0.03));
  CHECK(r_shielded[0] / r_before[0] == Approx(1).margin(0.01));

  // Venue visits: the same for the people under 70 (their own streams), fewer for the elderly.
  std::map<std::uint32_t, std::vector<std::uint32_t>> young_visits_before;
  std::map<std::uint32_t, std::vector<std::uint32_t>> young_visits_shielded;
  double old_visits_before = 0;
  double old_visits_shielded = 0;
  for (const auto& v : before.visits) {
    if (old(v.person)) {
      ++old_visits_before;
    } else {
      young_visits_before[v.person].push_back(v.venue);
    }
  }
  for (const auto& v : shielded.visits) {
    if (old(v.person)) {
      ++old_visits_shielded;
    } else {
      young_visits_shielded[v.person].push_back(v.venue);
    }
  }
  CHECK(young_visits_shielded == young_visits_before);
  REQUIRE(old_visits_before > 400);
  CHECK(old_visits_shielded / old_visits_before == Approx(0.2).margin(0.06));
}

}  // namespace greenlight::sim::internal

namespace greenlight::sim::internal {

TEST_CASE("closed schools: no school link is met, every other contact is the open day's") {
  SimConfig c;
  c.population.people = 20000;
  const Population pop = generate_population(c);
  const Day open = generate_day(c, pop, 6, {});
  Distancing schools_shut;
  schools_shut.schools_closed = true;
  const Day closed = generate_day(c, pop, 6, schools_shut);
  const auto school = [&](const Contact& x) {
    return x.layer == Layer::kSchoolWork &&
           pop.network[x.a] == static_cast<std::uint8_t>(Network::kSchool);
  };
  std::vector<Contact> kept;
  std::size_t school_links = 0;
  for (const auto& x : open.contacts) {
    if (school(x)) {
      ++school_links;
    } else {
      kept.push_back(x);
    }
  }
  REQUIRE(school_links > 5000);
  // The closed day is the open day without its school links, contact for contact.
  REQUIRE(closed.contacts.size() == kept.size());
  for (std::size_t i = 0; i < kept.size(); ++i) CHECK(same(closed.contacts[i], kept[i]));
  CHECK(closed.visits.size() == open.visits.size());
  // With everyone locked down too, the school links stay shut and the rest thin out.
  const std::vector<std::uint8_t> all(pop.size(), 1);
  const Day both = generate_day(c, pop, 6, Distancing{all, 0.22, 0.22, 0.22, true});
  for (const auto& x : both.contacts) CHECK_FALSE(school(x));
}

}  // namespace greenlight::sim::internal

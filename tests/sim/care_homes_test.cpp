// Care homes (config.care_homes, docs/simulation.md "Care homes"): the residents and their
// homes, the staff, the homes' contacts (internal/contacts.h), the infections they bring,
// the summary's figures and the report's section.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/population.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "internal/contacts.h"
#include "sim_test_runs.h"
#include "world_test_support.h"

namespace greenlight::sim {
namespace {

using internal::Contact;
using internal::ContactGenerator;
using internal::kAbsent;
using internal::kAtHome;
using internal::kInCareHome;
using internal::kInCareHomeIsolating;
using internal::kMeetsAll;

SimConfig with_homes(std::uint32_t people, double per_100k) {
  SimConfig c;
  c.population.people = people;
  c.care_homes.residents_per_100k = per_100k;
  return c;
}

// Every contact of one day with this state of the people (and this distancing).
std::vector<Contact> one_day(const SimConfig& c, const Population& pop,
                             const std::vector<std::uint8_t>& state,
                             const internal::Distancing& distancing = {}) {
  return internal::contacts_of_day(
      c, pop, state, [](ContactGenerator& g) { g.prepare_care_homes(); }, distancing);
}

// Whether p is on a care home's staff.
bool is_care_staff(const Population& pop, std::uint32_t p) {
  return std::find(pop.care_staff.begin(), pop.care_staff.end(), p) != pop.care_staff.end();
}

// A visit: a care-home contact of a resident with someone neither resident nor staff.
bool is_visit(const Population& pop, const Contact& x) {
  return x.layer == Layer::kCareHome && pop.is_resident(x.a) != pop.is_resident(x.b) &&
         !is_care_staff(pop, x.a) && !is_care_staff(pop, x.b);
}

// A resident's unit of 4: its index i of its home's n residents, i x 4 / n.
std::uint32_t unit_of_4(const Population& pop, std::uint32_t resident) {
  const auto residents = pop.home_residents(pop.home_of(resident));
  const auto i = static_cast<std::uint32_t>(
      std::lower_bound(residents.begin(), residents.end(), resident) - residents.begin());
  return i * 4 / static_cast<std::uint32_t>(residents.size());
}

// The state of a day on which nobody isolates and every resident is in its home.
std::vector<std::uint8_t> everyone_in(const Population& pop) {
  std::vector<std::uint8_t> state(pop.size(), kMeetsAll);
  for (const std::uint32_t p : pop.care_residents) state[p] = kInCareHome;
  return state;
}

// A small epidemic in which many residents live in homes and catch it readily.
SimConfig care_run(bool paused, double factor = 1) {
  SimConfig c = small(20000, 90, 3);
  c.disease.initial_infections = 40;
  c.app.uptake = 1;
  c.app.uptake_by_age.fill(1);
  c.app.upload_consent = 1;
  c.care_homes.residents_per_100k = 2000;
  c.care_homes.transmission_factor = factor;
  c.care_homes.app_paused_at_work = paused;
  return c;
}

}  // namespace

TEST_CASE("care homes: the oldest per region, each a household of its own, homes and staff") {
  SimConfig c = with_homes(30000, 1000);
  c.population.regions = 3;
  c.population.region_weights = {0.5, 0.3, 0.2};
  c.hospital.staff_per_100k = 300;
  const Population pop = generate_population(c);
  SimConfig none = c;
  none.care_homes.residents_per_100k = 0;
  const Population plain = generate_population(none);
  REQUIRE(plain.care_residents.empty());
  CHECK(plain.care_homes() == 0);
  REQUIRE(pop.size() == plain.size());
  CHECK(pop.region_start == plain.region_start);
  CHECK(std::is_sorted(pop.care_residents.begin(), pop.care_residents.end()));
  // Per region round(1,000 x people / 100,000), all 70+, the 80+ first.
  std::size_t counted = 0;
  for (std::uint32_t r = 0; r < 3; ++r) {
    CAPTURE(r);
    const std::uint32_t first = pop.region_start[r];
    const std::uint32_t end = pop.region_start[r + 1];
    std::uint32_t residents = 0;
    std::uint32_t young = 0;  // 70-79
    std::uint32_t old_outside = 0;
    for (std::uint32_t p = first; p < end; ++p) {
      if (pop.is_resident(p)) {
        ++residents;
        CHECK(pop.age_group[p] >= 7);
        young += pop.age_group[p] == 7 ? 1u : 0u;
      } else if (pop.age_group[p] == 8) {
        ++old_outside;
      }
    }
    CHECK(residents == std::llround(1000.0 * (end - first) / 1e5));
    if (young > 0) CHECK(old_outside == 0);
    counted += residents;
  }
  CHECK(counted == pop.care_residents.size());
  // Each of plain's households: the same ages; its residents moved to its end, each a
  // household of its own, the others one household.
  for (std::uint32_t h = 0; h < plain.households(); ++h) {
    const std::uint32_t a = plain.household_start[h];
    const std::uint32_t b = plain.household_start[h + 1];
    std::multiset<std::uint8_t> before(plain.age_group.begin() + a, plain.age_group.begin() + b);
    std::multiset<std::uint8_t> after(pop.age_group.begin() + a, pop.age_group.begin() + b);
    CHECK(before == after);
    bool seen_resident = false;
    for (std::uint32_t p = a; p < b; ++p) {
      const std::uint32_t hh = pop.household[p];
      if (pop.is_resident(p)) {
        seen_resident = true;
        CHECK(pop.household_start[hh] == p);
        CHECK(pop.household_start[hh + 1] == p + 1);
      } else {
        CHECK_FALSE(seen_resident);
        CHECK(pop.household_start[hh] == a);
      }
    }
  }
  // Homes of 32 (a region's last one smaller), in one region each; no elderly group for
  // residents.
  REQUIRE(pop.care_home_start.front() == 0);
  REQUIRE(pop.care_home_start.back() == pop.care_residents.size());
  std::uint32_t region = 0;
  for (std::uint32_t h = 0; h < pop.care_homes(); ++h) {
    CAPTURE(h);
    const auto residents = pop.home_residents(h);
    REQUIRE(residents.data() == pop.care_residents.data() + pop.care_home_start[h]);
    const std::uint32_t first = residents.front();
    const std::uint32_t last = residents.back();
    const auto size = static_cast<std::uint32_t>(residents.size());
    CHECK(size == pop.care_home_start[h + 1] - pop.care_home_start[h]);
    CHECK(pop.region_of(first) == pop.region_of(last));
    const bool region_last =
        h + 1 == pop.care_homes() ||
        pop.region_of(pop.care_residents[pop.care_home_start[h + 1]]) != pop.region_of(first);
    CHECK(size >= 1);
    if (region_last) {
      CHECK(size <= 32);
    } else {
      CHECK(size == 32);
    }
    CHECK(pop.region_of(first) >= region);
    region = pop.region_of(first);
    CHECK(pop.home_of(first) == h);
    CHECK(pop.home_of(last) == h);
    // round(1.5 x residents) staff: working people of the home's region, not hospital staff,
    // ascending, nobody twice.
    const auto own = pop.home_staff(h);
    CHECK(own.data() == pop.care_staff.data() + pop.care_staff_start[h]);
    CHECK(own.size() == pop.care_staff_start[h + 1] - pop.care_staff_start[h]);
    CHECK(own.size() == std::llround(1.5 * size));
    CHECK(std::is_sorted(own.begin(), own.end()));
    for (const std::uint32_t m : own) {
      CHECK(pop.network[m] == static_cast<std::uint8_t>(Network::kWork));
      CHECK(pop.region_of(m) == region);
      CHECK_FALSE(pop.is_staff(m));
    }
  }
  std::set<std::uint32_t> staff(pop.care_staff.begin(), pop.care_staff.end());
  CHECK(staff.size() == pop.care_staff.size());
  for (const std::uint32_t p : pop.care_residents) {
    CHECK(pop.network[p] == static_cast<std::uint8_t>(Network::kNone));
    CHECK(pop.links_of(p).empty());
  }
  CHECK(pop.care_homes() > 5);
}

TEST_CASE("residents meet their home only: other residents, and their staff at work") {
  SimConfig c = with_homes(20000, 2000);
  c.care_homes.resident_contacts = 6;
  c.care_homes.staff_contacts = 3;
  const Population pop = generate_population(c);
  REQUIRE(pop.care_homes() > 10);
  std::vector<std::uint8_t> state = everyone_in(pop);
  // Home 0: its first resident isolates in its room, its second is in hospital, its first
  // member of staff is at home.
  const std::uint32_t isolating = pop.care_residents[0];
  const std::uint32_t away = pop.care_residents[1];
  const std::uint32_t off_duty = pop.care_staff[0];
  state[isolating] = kInCareHomeIsolating;
  state[away] = kAbsent;
  state[off_duty] = kAtHome;
  const std::vector<Contact> day = one_day(c, pop, state);
  std::map<std::uint32_t, std::uint32_t> resident_pairs;  // per resident
  std::map<std::uint32_t, std::uint32_t> carers;          // staff contacts per resident
  std::uint64_t pairs = 0;
  for (const Contact& x : day) {
    const bool ra = pop.is_resident(x.a);
    const bool rb = pop.is_resident(x.b);
    if (x.layer != Layer::kCareHome) {
      // Nobody meets a resident outside the home.
      CHECK_FALSE(ra);
      CHECK_FALSE(rb);
      continue;
    }
    CAPTURE(x.a, x.b);
    CHECK((ra || rb));
    CHECK(x.a != x.b);
    CHECK(x.a != away);
    CHECK(x.b != away);
    if (ra && rb) {
      CHECK(x.staff_at_work == 0);
      CHECK(pop.home_of(x.a) == pop.home_of(x.b));
      CHECK(x.a != isolating);
      CHECK(x.b != isolating);
      ++resident_pairs[x.a];
      ++resident_pairs[x.b];
      ++pairs;
    } else {
      CHECK(x.staff_at_work == 1);
      const std::uint32_t resident = ra ? x.a : x.b;
      const std::uint32_t carer = ra ? x.b : x.a;
      const std::uint32_t h = pop.home_of(resident);
      const auto own = pop.home_staff(h);
      CHECK(std::binary_search(own.begin(), own.end(), carer));
      CHECK(carer != off_duty);
      ++carers[resident];
    }
    CHECK(x.minutes >= 1);
    CHECK(x.start_minute >= 8 * 60);
  }
  // Every resident there meets exactly 3 of its staff, the one isolating too.
  CHECK(carers.size() == pop.care_residents.size() - 1);
  for (const auto& [resident, n] : carers) CHECK(n == 3);
  CHECK(carers[isolating] == 3);
  // Other residents: 6 a day on average (Poisson(3) proposed by each side, less the draws
  // of itself, 1 in 32).
  const double mixing = static_cast<double>(pop.care_residents.size() - 2);
  const double mean = 2.0 * static_cast<double>(pairs) / mixing;
  CAPTURE(mean, pairs);
  CHECK(std::abs(mean - 6 * (1 - 1.0 / 32)) < 0.25);
  // Nobody of a resident's former household meets it (each is a household of its own).
  for (const std::uint32_t p : pop.care_residents) {
    CHECK(pop.household_start[pop.household[p] + 1] - pop.household_start[pop.household[p]] == 1);
  }
}

// The pool of home h (care_pool_start).
std::uint32_t pool_of_home(const Population& pop, std::uint32_t h) {
  const auto it = std::upper_bound(pop.care_pool_start.begin(), pop.care_pool_start.end(), h);
  return static_cast<std::uint32_t>(it - pop.care_pool_start.begin()) - 1;
}

TEST_CASE("agency staff: a share of each home's positions, pools of homes, their workers") {
  SimConfig c = with_homes(30000, 1000);
  c.population.regions = 3;
  c.population.region_weights = {0.5, 0.3, 0.2};
  c.hospital.staff_per_100k = 300;
  c.care_homes.agency_share = 0.25;
  c.care_homes.agency_pool_homes = 2;
  const Population pop = generate_population(c);
  REQUIRE(pop.care_homes() > 5);
  REQUIRE(pop.care_agency_slots.size() == pop.care_homes());
  // Each home: round(1.5 x residents) positions, round(0.25 x positions) of them the agency's.
  std::uint32_t slots = 0;
  for (std::uint32_t h = 0; h < pop.care_homes(); ++h) {
    CAPTURE(h);
    const auto size = static_cast<double>(pop.home_residents(h).size());
    const auto positions = static_cast<std::uint32_t>(std::llround(1.5 * size));
    CHECK(pop.care_agency_slots[h] == std::llround(0.25 * positions));
    CHECK(pop.home_staff(h).size() == positions - pop.care_agency_slots[h]);
    slots += pop.care_agency_slots[h];
  }
  CHECK(slots > 0);
  // Pools: runs of 2 homes of one region (a region's last may have 1), covering every home.
  REQUIRE(pop.care_pool_start.front() == 0);
  REQUIRE(pop.care_pool_start.back() == pop.care_homes());
  REQUIRE(pop.care_agency_start.size() == pop.care_pool_start.size());
  const auto region_of_home = [&](std::uint32_t h) {
    return pop.region_of(pop.home_residents(h).front());
  };
  std::set<std::uint32_t> everyone(pop.care_staff.begin(), pop.care_staff.end());
  for (std::uint32_t k = 0; k < pop.care_pools(); ++k) {
    CAPTURE(k);
    const std::uint32_t h0 = pop.care_pool_start[k];
    const std::uint32_t h1 = pop.care_pool_start[k + 1];
    CHECK(h1 > h0);
    CHECK(h1 - h0 <= 2);
    const std::uint32_t region = region_of_home(h0);
    CHECK(region_of_home(h1 - 1) == region);
    if (h1 - h0 == 1 && h1 < pop.care_homes()) CHECK(region_of_home(h1) != region);
    // As many workers as the pool's positions: working people of its region, neither
    // hospital staff nor a home's own staff, ascending, nobody twice.
    std::uint32_t wanted = 0;
    for (std::uint32_t h = h0; h < h1; ++h) wanted += pop.care_agency_slots[h];
    const auto workers = pop.pool_agency(k);
    CHECK(workers.data() == pop.care_agency.data() + pop.care_agency_start[k]);
    CHECK(workers.size() == pop.care_agency_start[k + 1] - pop.care_agency_start[k]);
    CHECK(workers.size() == wanted);
    CHECK(std::is_sorted(workers.begin(), workers.end()));
    for (const std::uint32_t m : workers) {
      CHECK(pop.network[m] == static_cast<std::uint8_t>(Network::kWork));
      CHECK(pop.region_of(m) == region);
      CHECK_FALSE(pop.is_staff(m));
      CHECK(everyone.insert(m).second);
    }
  }
  CHECK(pop.care_agency.size() == slots);
  // 0 homes a pool: one pool per region.
  c.care_homes.agency_pool_homes = 0;
  const Population regional = generate_population(c);
  CHECK(regional.care_pools() == 3);
  CHECK(regional.care_agency.size() == slots);
  CHECK(regional.care_staff == pop.care_staff);
  // Without agency staff: no pools, and each home's own staff fill all its positions.
  c.care_homes.agency_share = 0;
  const Population own = generate_population(c);
  CHECK(own.care_pools() == 0);
  CHECK(own.care_agency.empty());
  CHECK(own.care_agency_slots.empty());
  CHECK(own.care_staff.size() == pop.care_staff.size() + slots);
}

TEST_CASE("agency staff: each day each worker at work fills a position of its pool, drawn anew") {
  SimConfig c = with_homes(20000, 2000);
  c.care_homes.agency_share = 0.3;
  c.care_homes.agency_pool_homes = 3;
  const Population pop = generate_population(c);
  REQUIRE(pop.care_pools() > 2);
  std::vector<std::uint8_t> state = everyone_in(pop);
  // The first agency worker and a home's first member of staff stay at home.
  const std::uint32_t away = pop.care_agency[0];
  const std::uint32_t off_duty = pop.care_staff[0];
  state[away] = kAtHome;
  state[off_duty] = kAtHome;
  const auto days_at = [&](const SimConfig& cfg, const Population& people) {
    // Per agency worker, its home of each of 10 days (none: UINT32_MAX).
    std::map<std::uint32_t, std::vector<std::uint32_t>> homes;
    ContactGenerator g(cfg, people);
    for (std::uint32_t t = 0; t < 10; ++t) {
      g.prepare_day(t, state, 0, 2);
      g.prepare_care_homes();
      for (const std::uint32_t w : people.care_agency) homes[w].push_back(UINT32_MAX);
      // The day's shifts as whole-home testing reads them: (home, worker), in that order.
      std::vector<std::pair<std::uint32_t, std::uint32_t>> shifts;
      for (std::uint32_t h = 0; h < people.care_homes(); ++h) {
        CAPTURE(t, h);
        const auto duty = g.on_duty(h);
        // Its own staff at work first, then at most its positions' agency workers, of its
        // pool, ascending.
        std::vector<std::uint32_t> own;
        for (const std::uint32_t m : people.home_staff(h)) {
          if (m != off_duty) own.push_back(m);
        }
        REQUIRE(duty.size() >= own.size());
        CHECK(std::equal(own.begin(), own.end(), duty.begin()));
        const auto agency = duty.subspan(own.size());
        CHECK(agency.size() <= people.care_agency_slots[h]);
        CHECK(std::is_sorted(agency.begin(), agency.end()));
        const std::uint32_t k = pool_of_home(people, h);
        for (const std::uint32_t w : agency) {
          const auto pool = people.pool_agency(k);
          CHECK(std::binary_search(pool.begin(), pool.end(), w));
          REQUIRE(homes.contains(w));
          CHECK(homes[w].back() == UINT32_MAX);  // one home a day
          homes[w].back() = h;
          shifts.emplace_back(h, w);
        }
      }
      CHECK(g.agency_shifts() == shifts);
    }
    return homes;
  };
  const auto homes = days_at(c, pop);
  {
    // With staff units (a home's positions spread over them) the shifts still name homes.
    SimConfig units = c;
    units.care_homes.staff_units = 3;
    ContactGenerator g(units, pop);
    g.prepare_day(2, state, 0, 2);
    g.prepare_care_homes();
    const std::set<std::uint32_t> agency(pop.care_agency.begin(), pop.care_agency.end());
    std::vector<std::pair<std::uint32_t, std::uint32_t>> shifts;
    for (std::uint32_t h = 0; h < pop.care_homes(); ++h) {
      for (const std::uint32_t w : g.on_duty(h)) {
        if (agency.contains(w)) shifts.emplace_back(h, w);
      }
    }
    std::sort(shifts.begin(), shifts.end());
    CHECK(shifts.size() == pop.care_agency.size() - 1);  // all but the one at home
    CHECK(g.agency_shifts() == shifts);
  }
  std::size_t moved = 0;
  for (const auto& [w, days] : homes) {
    CAPTURE(w);
    const std::set<std::uint32_t> distinct(days.begin(), days.end());
    if (w == away) {
      // At home: in no home.
      CHECK(distinct == std::set<std::uint32_t>{UINT32_MAX});
      continue;
    }
    // Every other worker at work every day (every position of a pool has a worker).
    CHECK_FALSE(distinct.contains(UINT32_MAX));
    moved += distinct.size() > 1 ? 1u : 0u;
  }
  CHECK(moved > homes.size() / 2);
  // The residents' staff contacts: their home's staff at work, agency workers among them.
  std::vector<std::vector<std::uint32_t>> duty(pop.care_homes());
  const std::vector<Contact> day = one_day(c, pop, state);
  ContactGenerator g(c, pop);
  g.prepare_day(4, state, 0, 2);
  g.prepare_care_homes();
  for (std::uint32_t h = 0; h < pop.care_homes(); ++h) {
    duty[h].assign(g.on_duty(h).begin(), g.on_duty(h).end());
  }
  const std::set<std::uint32_t> agency(pop.care_agency.begin(), pop.care_agency.end());
  std::size_t with_agency = 0;
  for (const Contact& x : day) {
    if (x.layer != Layer::kCareHome || (pop.is_resident(x.a) && pop.is_resident(x.b))) continue;
    const std::uint32_t resident = pop.is_resident(x.a) ? x.a : x.b;
    const std::uint32_t carer = resident == x.a ? x.b : x.a;
    const auto& d = duty[pop.home_of(resident)];
    CHECK(std::find(d.begin(), d.end(), carer) != d.end());
    CHECK(x.staff_at_work == 1);
    with_agency += agency.contains(carer) ? 1u : 0u;
  }
  CHECK(with_agency > 100);
  // Pools of one home: each worker at the same home every day.
  c.care_homes.agency_pool_homes = 1;
  const Population single = generate_population(c);
  REQUIRE(single.care_pools() == single.care_homes());
  for (const auto& [w, days] : days_at(c, single)) {
    if (w == away) continue;
    CHECK(std::set<std::uint32_t>(days.begin(), days.end()).size() == 1);
  }
}

TEST_CASE("staff in units: a resident meets the staff of its unit, the home's when none works") {
  SimConfig c = with_homes(20000, 2000);
  c.care_homes.staff_units = 4;
  c.care_homes.agency_share = 0.25;
  c.care_homes.staff_contacts = 8;
  const Population pop = generate_population(c);
  const std::set<std::uint32_t> agency(pop.care_agency.begin(), pop.care_agency.end());
  // One day: each unit's staff at work, and each resident's 8 staff contacts from its unit's
  // (from the home's when nobody of its unit works); the units of home 0's unit 0.
  const auto check_day = [&](const std::vector<std::uint8_t>& state) {
    std::vector<std::vector<std::uint32_t>> unit_duty;  // per home x 4 + unit
    std::vector<std::vector<std::uint32_t>> home_duty;
    const std::vector<Contact> day =
        internal::contacts_of_day(c, pop, state, [&](ContactGenerator& g) {
          g.prepare_care_homes();
          for (std::uint32_t h = 0; h < pop.care_homes(); ++h) {
            home_duty.emplace_back(g.on_duty(h).begin(), g.on_duty(h).end());
            for (std::uint32_t u = 0; u < 4; ++u) {
              unit_duty.emplace_back(g.on_duty(h, u).begin(), g.on_duty(h, u).end());
            }
          }
        });
    for (std::uint32_t h = 0; h < pop.care_homes(); ++h) {
      CAPTURE(h);
      // A unit's own staff: the home's whose index i of n has i x 4 / n == the unit; at most
      // a quarter of the home's agency positions, rounded up.
      const auto own = pop.home_staff(h);
      const auto n = static_cast<std::uint32_t>(own.size());
      std::size_t total = 0;
      for (std::uint32_t u = 0; u < 4; ++u) {
        std::uint32_t sent = 0;
        for (const std::uint32_t m : unit_duty[h * 4 + u]) {
          if (agency.contains(m)) {
            ++sent;
            continue;
          }
          const auto it = std::find(own.begin(), own.end(), m);
          REQUIRE(it != own.end());
          CHECK(static_cast<std::uint32_t>(it - own.begin()) * 4 / n == u);
        }
        CHECK(sent <= (pop.care_agency_slots[h] + 3) / 4);
        total += unit_duty[h * 4 + u].size();
      }
      CHECK(total == home_duty[h].size());
    }
    std::map<std::uint32_t, std::uint32_t> carers;
    for (const Contact& x : day) {
      if (x.layer != Layer::kCareHome || pop.is_resident(x.a) == pop.is_resident(x.b)) continue;
      const std::uint32_t resident = pop.is_resident(x.a) ? x.a : x.b;
      const std::uint32_t carer = resident == x.a ? x.b : x.a;
      const std::uint32_t h = pop.home_of(resident);
      const auto& unit = unit_duty[h * 4 + unit_of_4(pop, resident)];
      const auto& from = unit.empty() ? home_duty[h] : unit;
      CAPTURE(resident, carer, h);
      CHECK(std::find(from.begin(), from.end(), carer) != from.end());
      ++carers[resident];
    }
    CHECK(carers.size() == pop.care_residents.size());
    for (const auto& [resident, n] : carers) CHECK(n == 8);
    // Residents still meet the residents of the other units.
    std::size_t across = 0;
    for (const Contact& x : day) {
      if (x.layer == Layer::kCareHome && pop.is_resident(x.a) && pop.is_resident(x.b)) {
        across += unit_of_4(pop, x.a) != unit_of_4(pop, x.b) ? 1u : 0u;
      }
    }
    CHECK(across > 100);
    return unit_duty[0];
  };
  std::vector<std::uint8_t> state = everyone_in(pop);
  // Home 0's unit 0: its own staff all at home, its agency workers at work.
  const auto own0 = pop.home_staff(0);
  const auto n0 = static_cast<std::uint32_t>(own0.size());
  REQUIRE(n0 >= 8);
  for (std::uint32_t j = 0; j * 4 / n0 == 0; ++j) state[own0[j]] = kAtHome;
  const auto with_agency = check_day(state);
  CHECK_FALSE(with_agency.empty());
  for (const std::uint32_t m : with_agency) CHECK(agency.contains(m));
  // And every agency worker at home: nobody of unit 0 works, its residents meet the home's.
  for (const std::uint32_t w : pop.care_agency) state[w] = kAtHome;
  CHECK(check_day(state).empty());
}

TEST_CASE("zoned residents: a share of their contacts with residents stays in their unit") {
  SimConfig c = with_homes(20000, 2000);
  c.care_homes.staff_units = 4;
  c.care_homes.resident_contacts = 8;
  const Population pop = generate_population(c);
  // Resident pairs of one day (everyone in; a few isolating in their rooms): within one unit,
  // and in all; every pair in one home, none with an isolating resident.
  std::vector<std::uint8_t> state = everyone_in(pop);
  for (std::size_t i = 0; i < pop.care_residents.size(); i += 10) {
    state[pop.care_residents[i]] = kInCareHomeIsolating;
  }
  const auto pairs = [&](const SimConfig& config) {
    std::pair<std::size_t, std::size_t> within_all{0, 0};
    for (const Contact& x : one_day(config, pop, state)) {
      if (x.layer != Layer::kCareHome || !pop.is_resident(x.a) || !pop.is_resident(x.b)) continue;
      CAPTURE(x.a, x.b);
      CHECK(pop.home_of(x.a) == pop.home_of(x.b));
      CHECK(state[x.a] == kInCareHome);
      CHECK(state[x.b] == kInCareHome);
      within_all.first += unit_of_4(pop, x.a) == unit_of_4(pop, x.b) ? 1u : 0u;
      ++within_all.second;
    }
    return within_all;
  };
  const auto [within_none, all_none] = pairs(c);
  c.care_homes.resident_zoning = 1;
  const auto [within_full, all_full] = pairs(c);
  c.care_homes.resident_zoning = 0.5;
  const auto [within_half, all_half] = pairs(c);
  // 360 mixing residents with 4 proposals each: about 1,400 pairs (a draw of itself is none:
  // 1 in 29 home-wide, about 1 in 7 within a unit of 7 or 8).
  CAPTURE(within_none, all_none, within_full, all_full, within_half, all_half);
  CHECK(all_none > 1200);
  CHECK(all_full > 1100);
  CHECK(all_half > 1100);
  // Zoned: every pair within a unit. Unzoned: about a quarter (a resident's unit is 7 or 8 of
  // the home's 29 mixing residents); half zoned: about 0.5 + 0.5 x 0.22.
  CHECK(within_full == all_full);
  const double none_share = static_cast<double>(within_none) / static_cast<double>(all_none);
  const double half_share = static_cast<double>(within_half) / static_cast<double>(all_half);
  CHECK(none_share > 0.17);
  CHECK(none_share < 0.29);
  CHECK(half_share > 0.53);
  CHECK(half_share < 0.67);
  // Zoning draws nothing for staff contacts: the same staff pairs with and without it.
  const auto staff_pairs = [&](const SimConfig& config) {
    std::size_t n = 0;
    for (const Contact& x : one_day(config, pop, state)) {
      n += x.layer == Layer::kCareHome && pop.is_resident(x.a) != pop.is_resident(x.b) ? 1u : 0u;
    }
    return n;
  };
  CHECK(staff_pairs(c) == pop.care_residents.size() * c.care_homes.staff_contacts);
  // And each resident's carers are its unit's (every member of staff works today): the
  // home's own staff index i of n is in unit i x 4 / n.
  std::size_t carers_checked = 0;
  for (const Contact& x : one_day(c, pop, state)) {
    if (x.layer != Layer::kCareHome || pop.is_resident(x.a) == pop.is_resident(x.b)) continue;
    const std::uint32_t resident = pop.is_resident(x.a) ? x.a : x.b;
    const std::uint32_t carer = resident == x.a ? x.b : x.a;
    const auto own = pop.home_staff(pop.home_of(resident));
    const auto it = std::find(own.begin(), own.end(), carer);
    REQUIRE(it != own.end());
    CAPTURE(resident, carer);
    CHECK(static_cast<std::uint32_t>(it - own.begin()) * 4 / own.size() ==
          unit_of_4(pop, resident));
    ++carers_checked;
  }
  CHECK(carers_checked == pop.care_residents.size() * c.care_homes.staff_contacts);
  // One unit: the home is the zone, the day's contacts unchanged contact for contact.
  c.care_homes.staff_units = 1;
  c.care_homes.resident_zoning = 1;
  SimConfig unzoned = c;
  unzoned.care_homes.resident_zoning = 0;
  const auto zoned_day = one_day(c, pop, state);
  const auto plain_day = one_day(unzoned, pop, state);
  REQUIRE(zoned_day.size() == plain_day.size());
  for (std::size_t i = 0; i < zoned_day.size(); ++i) {
    CHECK(zoned_day[i].a == plain_day[i].a);
    CHECK(zoned_day[i].b == plain_day[i].b);
    CHECK(zoned_day[i].start_minute == plain_day[i].start_minute);
  }
}

TEST_CASE("zoned residents in a run: a resident catches it from another resident of its unit") {
  SimConfig c = care_run(true, 2);
  c.care_homes.staff_units = 4;
  c.care_homes.resident_zoning = 1;
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  const Population& pop = sim->population();
  std::uint32_t by_residents = 0;
  for (const Infection& i : sim->infections()) {
    if (i.infector == kNoPerson || !pop.is_resident(i.person) || !pop.is_resident(i.infector)) {
      continue;
    }
    CAPTURE(i.person, i.infector);
    CHECK(pop.home_of(i.person) == pop.home_of(i.infector));
    CHECK(unit_of_4(pop, i.person) == unit_of_4(pop, i.infector));
    ++by_residents;
  }
  CHECK(by_residents > 5);
  CHECK(sim->summary().residents_infected_by_residents == by_residents);
  // Unzoned, some residents catch it from another unit's.
  c.care_homes.resident_zoning = 0;
  RecordingPublisher unzoned_publisher;
  const auto unzoned = ran(c, unzoned_publisher);
  std::uint32_t across = 0;
  for (const Infection& i : unzoned->infections()) {
    if (i.infector != kNoPerson && pop.is_resident(i.person) && pop.is_resident(i.infector)) {
      across += unit_of_4(pop, i.person) != unit_of_4(pop, i.infector) ? 1u : 0u;
    }
  }
  CHECK(across > 5);
}

TEST_CASE("each resident's family: the members of the household it left who stayed") {
  SimConfig c = with_homes(30000, 1000);
  const Population pop = generate_population(c);
  SimConfig none = c;
  none.care_homes.residents_per_100k = 0;
  const Population plain = generate_population(none);
  REQUIRE(pop.care_family.size() == pop.care_residents.size());
  std::size_t with_family = 0;
  for (std::size_t i = 0; i < pop.care_residents.size(); ++i) {
    const std::uint32_t p = pop.care_residents[i];
    const auto [first, end] = pop.care_family[i];
    CAPTURE(p, first, end);
    CHECK(pop.family_of(p) == pop.care_family[i]);
    // The household p was born into (plain's): its first members stayed, the rest are
    // residents.
    const std::uint32_t h = plain.household[p];
    const std::uint32_t a = plain.household_start[h];
    const std::uint32_t b = plain.household_start[h + 1];
    CHECK(first == a);
    CHECK(end <= p);
    for (std::uint32_t q = a; q < b; ++q) CHECK(pop.is_resident(q) == (q >= end));
    if (first < end) {
      ++with_family;
      CHECK(pop.household[first] == pop.household[end - 1]);
      CHECK(pop.household_start[pop.household[first] + 1] == end);
    }
  }
  CHECK(with_family > pop.care_residents.size() / 4);
  CHECK(with_family < pop.care_residents.size());
}

TEST_CASE("visits: a family member meeting everyone visits a resident there, on its own draws") {
  SimConfig c = with_homes(20000, 2000);
  const Population pop = generate_population(c);
  std::vector<std::uint8_t> state = everyone_in(pop);
  const std::vector<Contact> without = one_day(c, pop, state);
  for (const Contact& x : without) CHECK_FALSE(is_visit(pop, x));
  // A visit every day: every resident there with a family member meeting everyone, but the
  // resident isolating in its room, the one in hospital and the one whose family isolates.
  c.care_homes.visits_per_week = 7;
  std::vector<std::uint32_t> family_of_one;
  for (std::size_t i = 0; i < pop.care_residents.size() && family_of_one.size() < 3; ++i) {
    const auto [first, end] = pop.care_family[i];
    if (end - first == 1) family_of_one.push_back(pop.care_residents[i]);
  }
  REQUIRE(family_of_one.size() == 3);
  const std::uint32_t isolating = family_of_one[0];
  const std::uint32_t away = family_of_one[1];
  const std::uint32_t family_at_home = family_of_one[2];
  state[isolating] = kInCareHomeIsolating;
  state[away] = kAbsent;
  state[pop.family_of(family_at_home).first] = kAtHome;
  const std::vector<Contact> day = one_day(c, pop, state);
  std::map<std::uint32_t, std::uint32_t> visits;
  std::vector<Contact> others;
  for (const Contact& x : day) {
    if (!is_visit(pop, x)) {
      others.push_back(x);
      continue;
    }
    const std::uint32_t resident = pop.is_resident(x.a) ? x.a : x.b;
    const std::uint32_t visitor = pop.is_resident(x.a) ? x.b : x.a;
    const auto [first, end] = pop.family_of(resident);
    CAPTURE(resident, visitor, first, end);
    CHECK(visitor >= first);
    CHECK(visitor < end);
    CHECK(x.staff_at_work == 0);
    ++visits[resident];
  }
  for (std::size_t i = 0; i < pop.care_residents.size(); ++i) {
    const std::uint32_t p = pop.care_residents[i];
    const bool has_family = pop.care_family[i].first < pop.care_family[i].second;
    const bool visited = has_family && p != isolating && p != away && p != family_at_home;
    CAPTURE(p);
    CHECK(visits[p] == (visited ? 1u : 0u));
  }
  // The home's other contacts are the day's without visits, draw for draw.
  std::vector<Contact> before;
  const std::vector<Contact> plain_day = one_day(with_homes(20000, 2000), pop, state);
  for (const Contact& x : plain_day) before.push_back(x);
  REQUIRE(others.size() == before.size());
  for (std::size_t k = 0; k < others.size(); ++k) {
    CHECK(others[k].a == before[k].a);
    CHECK(others[k].b == before[k].b);
    CHECK(others[k].minutes == before[k].minutes);
  }
  // A home closed to visitors has none; the others have theirs.
  std::vector<std::uint8_t> closed(pop.care_homes(), 0);
  closed[0] = 1;
  std::size_t open_visits = 0;
  for (const Contact& x : internal::contacts_of_day(
           c, pop, state, [&](ContactGenerator& g) { g.prepare_care_homes(closed); })) {
    if (!is_visit(pop, x)) continue;
    CHECK(pop.home_of(pop.is_resident(x.a) ? x.a : x.b) != 0);
    ++open_visits;
  }
  std::size_t expected_open = 0;
  for (const auto& [p, n] : visits) expected_open += pop.home_of(p) != 0 ? n : 0;
  CHECK(expected_open > 200);
  CHECK(open_visits == expected_open);
  // Nobody visits in a lockdown that distances everyone.
  const std::vector<std::uint8_t> all(pop.size(), 1);
  const internal::Distancing lockdown{all, 0.5, 0.5, 0.5, false};
  for (const Contact& x : one_day(c, pop, state, lockdown)) CHECK_FALSE(is_visit(pop, x));
  // Two visits a week: each resident with family visited with probability 2/7.
  c.care_homes.visits_per_week = 2;
  const std::vector<std::uint8_t> in = everyone_in(pop);
  std::size_t residents_with_family = 0;
  for (const auto& [first, end] : pop.care_family) {
    if (first < end) ++residents_with_family;
  }
  std::size_t n = 0;
  for (const Contact& x : one_day(c, pop, in))
    if (is_visit(pop, x)) ++n;
  const double expected = 2.0 / 7 * static_cast<double>(residents_with_family);
  CAPTURE(n, expected);
  CHECK(std::abs(static_cast<double>(n) - expected) < 4 * std::sqrt(expected));
}

TEST_CASE("visits: residents infected by their visitors, visitors by their residents") {
  SimConfig c = care_run(true, 5);
  c.care_homes.visits_per_week = 7;
  // Residents meet each other and their visitors, no staff (a contact in a home as
  // infectious as five at work): every infection in a home not by a resident is a visit's.
  c.care_homes.staff_contacts = 0;
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  const Population& pop = sim->population();
  const auto in_home = static_cast<std::uint8_t>(Layer::kCareHome);
  const auto family = [&](std::uint32_t resident, std::uint32_t q) {
    const auto [first, end] = pop.family_of(resident);
    return q >= first && q < end;
  };
  std::uint32_t by_visitors = 0;
  std::uint32_t visitors = 0;
  const auto infector = sim->infector();
  const auto layer = sim->infection_layer();
  const auto day = sim->infection_day();
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    if (day[p] < 0 || layer[p] != in_home || infector[p] == kNoPerson) continue;
    const std::uint32_t i = infector[p];
    CAPTURE(p, i);
    if (pop.is_resident(p) && !pop.is_resident(i)) {
      // A resident's visitor is of its family.
      CHECK(family(p, i));
      ++by_visitors;
    }
    if (!pop.is_resident(p)) {
      REQUIRE(pop.is_resident(i));
      CHECK(family(i, p));
      CHECK_FALSE(is_care_staff(pop, p));
      ++visitors;
    }
  }
  const RunSummary s = sim->summary();
  INFO("residents infected " << s.residents_infected << ", by visitors " << by_visitors
                             << ", visitors infected " << visitors);
  CHECK(by_visitors > 5);
  CHECK(visitors > 20);
  CHECK(s.residents_infected_by_visitors == by_visitors);
  CHECK(s.visitors_infected_by_residents == visitors);
  // Without visits nobody else meets a resident.
  c.care_homes.visits_per_week = 0;
  RecordingPublisher publisher2;
  const RunSummary q = ran(c, publisher2)->summary();
  CHECK(q.residents_infected_by_visitors == 0);
  CHECK(q.visitors_infected_by_residents == 0);
}

TEST_CASE("visits stopped by a case: none in a home for 14 days after a positive result") {
  SimConfig c = care_run(true, 5);
  c.care_homes.visits_per_week = 7;
  c.care_homes.staff_contacts = 0;
  // Home h closed on day t: a resident or a member of its own staff had a positive result on
  // one of the 14 days before.
  const auto closed = [](const Population& pop, std::span<const std::int32_t> positive,
                         std::uint32_t h, std::int32_t t) {
    const auto recent = [&](std::uint32_t p) {
      return positive[p] >= 0 && positive[p] < t && t - positive[p] <= 14;
    };
    const auto residents = pop.home_residents(h);
    const auto staff = pop.home_staff(h);
    return std::any_of(residents.begin(), residents.end(), recent) ||
           std::any_of(staff.begin(), staff.end(), recent);
  };
  // Infections between a resident and a visitor on a day its home would be closed.
  const auto visit_infections_when_closed = [&](const Simulation& sim) {
    const Population& pop = sim.population();
    const auto infector = sim.infector();
    const auto layer = sim.infection_layer();
    const auto day = sim.infection_day();
    std::uint32_t n = 0;
    for (std::uint32_t p = 0; p < pop.size(); ++p) {
      if (day[p] < 0 || layer[p] != static_cast<std::uint8_t>(Layer::kCareHome) ||
          infector[p] == kNoPerson || pop.is_resident(p) == pop.is_resident(infector[p])) {
        continue;  // not between a resident and a visitor (no staff contacts here)
      }
      const std::uint32_t resident = pop.is_resident(p) ? p : infector[p];
      n += closed(pop, sim.positive_day(), pop.home_of(resident), day[p]) ? 1u : 0u;
    }
    return n;
  };
  RecordingPublisher open_publisher;
  const auto open = ran(c, open_publisher);
  CHECK(open->summary().care_home_days_closed == 0);
  CHECK(visit_infections_when_closed(*open) > 0);
  c.care_homes.visits_closed_days = 14;
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  const Population& pop = sim->population();
  CHECK(visit_infections_when_closed(*sim) == 0);
  const RunSummary s = sim->summary();
  CHECK(s.residents_infected_by_visitors + s.visitors_infected_by_residents > 5);
  std::uint64_t home_days = 0;
  for (std::int32_t t = 0; t < 90; ++t) {
    for (std::uint32_t h = 0; h < pop.care_homes(); ++h) {
      home_days += closed(pop, sim->positive_day(), h, t) ? 1u : 0u;
    }
  }
  CHECK(home_days > 100);
  CHECK(s.care_home_days_closed == home_days);
}

TEST_CASE("frail residents die at home; nobody else does") {
  // Every symptomatic resident who stays out of hospital dies at home.
  SimConfig c = care_run(true, 1);
  c.care_homes.death_in_home = 1;
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  const Population& pop = sim->population();
  std::uint32_t at_home = 0;
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    const std::int32_t d = sim->infection_day()[p];
    if (d < 0) continue;
    const Course& course = sim->courses()[p];
    if (!pop.is_resident(p)) {
      CHECK(course.severity != Severity::kDiesAtHome);
      continue;
    }
    if (course.symptomatic && !course.admitted()) {
      CAPTURE(p);
      CHECK(course.severity == Severity::kDiesAtHome);
      at_home += course.dead(static_cast<std::uint32_t>(89 - d)) ? 1u : 0u;
    }
  }
  CHECK(at_home > 20);
  const RunSummary frail = sim->summary();
  c.care_homes.death_in_home = 0;
  RecordingPublisher other;
  const RunSummary sturdy = ran(c, other)->summary();
  CAPTURE(frail.resident_deaths, sturdy.resident_deaths);
  CHECK(frail.resident_deaths > sturdy.resident_deaths + 20);
}

TEST_CASE("care homes: infections in the home, counted day by day and in the summary") {
  const SimConfig c = care_run(true, 1);
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  const Population& pop = sim->population();
  REQUIRE(pop.care_residents.size() == 400);
  const auto in_home = static_cast<std::uint8_t>(Layer::kCareHome);
  std::uint32_t by_staff = 0;
  std::uint32_t by_residents = 0;
  std::uint32_t staff_by_residents = 0;
  std::uint32_t layer_infections = 0;
  for (const Infection& i : sim->infections()) {
    if (pop.is_resident(i.person) && i.infector != kNoPerson) {
      // A resident catches it in its home only.
      CHECK(i.layer == in_home);
    }
    if (i.layer != in_home) continue;
    ++layer_infections;
    CAPTURE(i.person, i.infector);
    const bool victim_resident = pop.is_resident(i.person);
    const std::uint32_t resident = victim_resident ? i.person : i.infector;
    const std::uint32_t other = victim_resident ? i.infector : i.person;
    REQUIRE(pop.is_resident(resident));
    const std::uint32_t h = pop.home_of(resident);
    if (pop.is_resident(other)) {
      CHECK(pop.home_of(other) == h);
      by_residents += victim_resident ? 1u : 0u;
    } else {
      const auto own = pop.home_staff(h);
      CHECK(std::binary_search(own.begin(), own.end(), other));
      by_staff += victim_resident ? 1u : 0u;
      staff_by_residents += victim_resident ? 0u : 1u;
    }
  }
  CHECK(by_staff > 5);
  CHECK(by_residents > 5);
  CHECK(staff_by_residents > 5);
  // The summary counted again.
  const RunSummary s = sim->summary();
  CHECK(s.care_homes == pop.care_homes());
  CHECK(s.residents == 400);
  CHECK(s.care_staff == pop.care_staff.size());
  std::uint32_t infected = 0;
  std::uint32_t homes = 0;
  std::uint32_t died = 0;
  for (std::uint32_t h = 0; h < pop.care_homes(); ++h) {
    bool any = false;
    for (const std::uint32_t p : pop.home_residents(h)) {
      const std::int32_t d = sim->infection_day()[p];
      if (d < 0) continue;
      any = true;
      ++infected;
      died += sim->courses()[p].dead(static_cast<std::uint32_t>(89 - d)) ? 1u : 0u;
    }
    homes += any ? 1u : 0u;
  }
  CHECK(s.residents_infected == infected);
  CHECK(s.residents_infected_by_staff == by_staff);
  CHECK(s.residents_infected_by_residents == by_residents);
  CHECK(s.care_homes_with_cases == homes);
  CHECK(s.resident_deaths == died);
  std::uint32_t staff_infected = 0;
  for (const std::uint32_t m : pop.care_staff) staff_infected += sim->infection_day()[m] >= 0;
  CHECK(s.care_staff_infected == staff_infected);
  CHECK(s.care_staff_infected_by_residents == staff_by_residents);
  // Without visits, nobody but residents and staff is infected in a home, or infects there.
  REQUIRE(staff_by_residents > 0);
  CHECK(s.visitors_infected_by_residents == 0);
  CHECK(s.residents_infected_by_visitors == 0);
  // Day by day: the home's infections, the residents' infections and deaths.
  std::uint64_t layer_days = 0;
  std::uint64_t resident_days = 0;
  std::uint64_t death_days = 0;
  for (const DailyStats& d : sim->daily()) {
    layer_days += d.new_infections_by_layer[in_home];
    resident_days += d.new_resident_infections;
    death_days += d.new_resident_deaths;
  }
  CHECK(layer_days == layer_infections);
  CHECK(resident_days == by_staff + by_residents);
  CHECK(death_days == died);
  CHECK(is_care_staff(pop, pop.care_staff.back()));
  // With transmission_factor 0 nobody catches it in a home.
  RecordingPublisher other;
  const auto harmless = ran(care_run(true, 0), other);
  const RunSummary q = harmless->summary();
  CHECK(q.residents_infected_by_staff + q.residents_infected_by_residents == 0);
  CHECK(q.care_staff_infected_by_residents == 0);
  for (const DailyStats& d : harmless->daily()) CHECK(d.new_infections_by_layer[in_home] == 0);
}

TEST_CASE("care homes: imported cases and a variant's imports never reach a resident") {
  // Residents meet nobody outside their home: no import lands on one. Every resident's
  // infection is then an initial case (day 0) or passed on in the home, and those after day
  // 0 are the time series' resident infections.
  SimConfig c = care_run(true);
  c.care_homes.residents_per_100k = 10000;  // 2,000 of the 20,000 people
  c.disease.imports_per_day = 20;
  c.variant.day = 10;
  c.variant.imports = 200;
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  const Population& pop = sim->population();
  std::uint64_t imported = 0;
  std::uint64_t residents_after_day_0 = 0;
  for (const Infection& i : sim->infections()) {
    if (i.infector == kNoPerson && i.day > 0) ++imported;
    if (!pop.is_resident(i.person)) continue;
    CAPTURE(i.person, i.day);
    CHECK((i.day == 0 || i.infector != kNoPerson));
    if (i.day > 0) {
      ++residents_after_day_0;
      CHECK(i.layer == static_cast<std::uint8_t>(Layer::kCareHome));
    }
  }
  CHECK(imported > 1000);  // 20 a day and the variant's 200
  std::uint64_t resident_days = 0;
  for (const DailyStats& d : sim->daily()) resident_days += d.new_resident_infections;
  CHECK(resident_days == residents_after_day_0);
}

TEST_CASE("care homes with reinfection: the summary counts every infection in a home") {
  // Nobody protected by an infection: residents and staff infected again in their home.
  SimConfig c = care_run(true, 2);
  c.run.days = 120;
  c.care_homes.residents_per_100k = 3000;
  c.care_homes.visits_per_week = 2;
  without_immunity(c);
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  const Population& pop = sim->population();
  const RunSummary s = sim->summary();
  const auto in_home = static_cast<std::uint8_t>(Layer::kCareHome);
  std::uint64_t residents_in_home = 0;  // every infection of a resident in its home
  std::uint64_t staff_by_residents = 0;
  std::uint64_t latest = 0;  // of them the latest of each person (the summary before)
  std::set<std::uint32_t> residents;
  for (const Infection& i : sim->infections()) {
    if (i.layer != in_home || i.infector == kNoPerson) continue;
    if (pop.is_resident(i.person)) {
      ++residents_in_home;
      if (sim->infection_day()[i.person] == i.day) ++latest;
      residents.insert(i.person);
    } else if (is_care_staff(pop, i.person) && pop.is_resident(i.infector)) {
      ++staff_by_residents;
    }
  }
  REQUIRE(residents_in_home > latest);  // some residents infected in their home twice
  CHECK(s.residents_infected_by_staff + s.residents_infected_by_residents +
            s.residents_infected_by_visitors ==
        residents_in_home);
  CHECK(s.care_staff_infected_by_residents == staff_by_residents);
  CHECK(s.residents_infected <= s.residents);
  CHECK(s.residents_infected >= residents.size());
  std::uint64_t resident_days = 0;
  for (const DailyStats& d : sim->daily()) resident_days += d.new_resident_infections;
  CHECK(resident_days == residents_in_home);
  // The plot's axis reaches the infections when they outnumber the residents.
  CHECK(infections_axis_top(s.residents, sim->daily(), {}, &DailyStats::new_resident_infections) ==
        std::max<std::uint64_t>(s.residents, resident_days));
  std::vector<DailyStats> two(2);
  two[0].new_resident_infections = 3;
  two[1].new_resident_infections = 4;
  std::vector<DailyStats> one(1);
  one[0].new_resident_infections = 9;
  CHECK(infections_axis_top(5, two, {}, &DailyStats::new_resident_infections) == 7);
  CHECK(infections_axis_top(5, two, one, &DailyStats::new_resident_infections) == 9);
  CHECK(infections_axis_top(10, two, one, &DailyStats::new_resident_infections) == 10);
}

TEST_CASE("agency staff: infections they carry between homes, counted in the summary") {
  SimConfig c = care_run(true, 1);
  c.care_homes.agency_share = 0.3;
  RecordingPublisher publisher;
  const auto sim = ran(c, publisher);
  const Population& pop = sim->population();
  REQUIRE(pop.care_pools() == 1);
  const std::set<std::uint32_t> agency(pop.care_agency.begin(), pop.care_agency.end());
  const auto in_home = static_cast<std::uint8_t>(Layer::kCareHome);
  std::map<std::uint32_t, const Infection*> infection;  // each person's (none is reinfected)
  for (const Infection& i : sim->infections()) {
    REQUIRE(!infection.contains(i.person));
    infection[i.person] = &i;
  }
  std::uint32_t by_agency = 0;
  std::uint32_t from_other_homes = 0;
  std::uint32_t agency_by_residents = 0;
  std::set<std::uint32_t> agency_homes;  // homes where agency staff infected a resident
  std::uint32_t by_staff = 0;            // the homes' own staff and agency staff
  const std::set<std::uint32_t> own(pop.care_staff.begin(), pop.care_staff.end());
  for (const Infection& i : sim->infections()) {
    if (i.layer != in_home) continue;
    if (pop.is_resident(i.person) && (own.contains(i.infector) || agency.contains(i.infector))) {
      ++by_staff;
    }
    const bool victim_resident = pop.is_resident(i.person);
    const std::uint32_t other = victim_resident ? i.infector : i.person;
    if (!agency.contains(other)) continue;
    CAPTURE(i.person, i.infector);
    // An agency worker infects or is infected by residents only.
    REQUIRE(pop.is_resident(victim_resident ? i.person : i.infector));
    if (!victim_resident) {
      ++agency_by_residents;
      continue;
    }
    ++by_agency;
    agency_homes.insert(pop.home_of(i.person));
    // Carried from another home: the worker caught it from a resident of another home.
    const Infection& caught = *infection.at(i.infector);
    if (caught.layer == in_home) {
      REQUIRE(pop.is_resident(caught.infector));
      CHECK(caught.day < i.day);
      from_other_homes += pop.home_of(caught.infector) != pop.home_of(i.person) ? 1u : 0u;
    }
  }
  CHECK(by_agency > 5);
  CHECK(from_other_homes > 0);
  CHECK(agency_by_residents > 5);
  CHECK(agency_homes.size() > 3);
  const RunSummary s = sim->summary();
  CHECK(s.care_agency_staff == pop.care_agency.size());
  CHECK(s.residents_infected_by_agency == by_agency);
  CHECK(s.residents_infected_by_agency_from_other_homes == from_other_homes);
  CHECK(s.care_agency_infected_by_residents == agency_by_residents);
  std::uint32_t agency_infected = 0;
  for (const std::uint32_t w : pop.care_agency) agency_infected += infection.contains(w) ? 1u : 0u;
  CHECK(s.care_agency_infected == agency_infected);
  // Staff: the homes' own and agency staff; agency staff are no visitors.
  CHECK(s.residents_infected_by_staff == by_staff);
  CHECK(by_staff >= by_agency + 5);
  CHECK(s.residents_infected_by_visitors == 0);
  CHECK(s.visitors_infected_by_residents == 0);
  // Without agency staff, none of it.
  c.care_homes.agency_share = 0;
  RecordingPublisher other;
  const RunSummary none = ran(c, other)->summary();
  CHECK(none.care_agency_staff == 0);
  CHECK(none.residents_infected_by_agency == 0);
  CHECK(none.care_agency_infected == 0);
}

TEST_CASE("care staff phones paused at work record no resident; residents record each other") {
  // Exposure hits from residents' keys: residents meet their home only, so a staff phone's
  // hit of a resident's key is of the home's care, a resident's of another resident.
  struct Hits {
    std::uint64_t staff = 0;
    std::uint64_t residents = 0;
  };
  const auto hits = [](bool paused) {
    RecordingPublisher publisher;
    const auto sim = ran(care_run(paused), publisher);
    const Population& pop = sim->population();
    std::set<std::uint32_t> staff(pop.care_staff.begin(), pop.care_staff.end());
    Hits n;
    for (const ExposureHit& h : sim->exposure_hits()) {
      if (h.owner == kNoPerson || !pop.is_resident(h.owner)) continue;
      if (staff.contains(h.phone)) ++n.staff;
      if (pop.is_resident(h.phone)) ++n.residents;
    }
    return n;
  };
  const Hits paused = hits(true);
  const Hits recording = hits(false);
  CHECK(paused.staff == 0);
  CHECK(paused.residents > 20);
  CHECK(recording.staff > 20);
}

TEST_CASE("care staff with symptoms isolate with their own share (sick pay), on the same draw") {
  // No app, no staff testing: a member of staff tests only when it isolates with symptoms or
  // is admitted to hospital.
  SimConfig c = care_run(true, 1);
  c.app.uptake = 0;
  c.care_homes.agency_share = 0.25;
  c.testing.symptom_isolation = 0.8;
  const auto staff_positives = [](const Simulation& sim, bool only_admitted) {
    const Population& pop = sim.population();
    std::uint32_t n = 0;
    for (const auto& group : {pop.care_staff, pop.care_agency}) {
      for (const std::uint32_t m : group) {
        const std::int32_t positive = sim.positive_day()[m];
        if (positive < 0) continue;
        ++n;
        if (only_admitted) {
          CAPTURE(m);
          CHECK(sim.courses()[m].admitted());
        }
      }
    }
    return n;
  };
  RecordingPublisher as_everyone_publisher;
  const auto as_everyone = ran(c, as_everyone_publisher);
  CHECK(staff_positives(*as_everyone, false) > 20);
  // The share set to everyone's: the same run, draw for draw.
  c.care_homes.staff_symptom_isolation = 0.8;
  RecordingPublisher same_publisher;
  const auto same = ran(c, same_publisher);
  CHECK(daily_csv(same->daily()) == daily_csv(as_everyone->daily()));
  // None: no member of staff isolates or tests for symptoms; others still do.
  c.care_homes.staff_symptom_isolation = 0;
  RecordingPublisher none_publisher;
  const auto none = ran(c, none_publisher);
  staff_positives(*none, true);
  std::uint32_t others = 0;
  for (std::uint32_t p = 0; p < none->population().size(); ++p) {
    others += none->positive_day()[p] >= 0 && !none->courses()[p].admitted() ? 1u : 0u;
  }
  CHECK(others > 100);
}

TEST_CASE("care staff tested regularly: each member at work on its own days") {
  // The 300 staff of 10 homes but the 20 sent home test every 4 days.
  SimConfig c = with_homes(20000, 1000);
  c.care_homes.staff_test_every_days = 4;
  const auto run = internal::staff_testing_days(
      c, [](const Population& pop) { return std::span<const std::uint32_t>(pop.care_staff); }, 20,
      24);
  REQUIRE(run.staff == 300);
  for (std::uint32_t t = 0; t < 24; ++t) {
    CAPTURE(t);
    CHECK(run.days[t].screening_samples > 40);  // about a quarter of the 280 each day
    CHECK(run.days[t].positives == 0);
    if (t >= 3) {
      std::uint32_t four = 0;
      for (std::uint32_t k = t - 3; k <= t; ++k) four += run.days[k].screening_samples;
      CHECK(four == 280);
    }
  }
  // Agency staff too: 20 of the homes' 225 own staff and of the agency's 75 sent home.
  c.care_homes.agency_share = 0.25;
  const auto own = internal::staff_testing_days(
      c, [](const Population& pop) { return std::span<const std::uint32_t>(pop.care_staff); }, 20,
      4);
  const auto agency = internal::staff_testing_days(
      c, [](const Population& pop) { return std::span<const std::uint32_t>(pop.care_agency); }, 20,
      4);
  REQUIRE(own.staff == 225);
  REQUIRE(agency.staff == 75);
  const auto samples = [](const auto& days) {
    std::uint32_t n = 0;
    for (const DailyStats& d : days) n += d.screening_samples;
    return n;
  };
  CHECK(samples(own.days) == 225 - 20 + 75);
  CHECK(samples(agency.days) == 225 + 75 - 20);
}

TEST_CASE("care-home residents tested regularly: each on its own days, isolating or not") {
  // The 200 residents test every 28 days, the 20 isolating in their rooms too; the
  // staff not at all.
  SimConfig c = with_homes(20000, 1000);
  c.care_homes.resident_test_every_days = 28;
  const auto residents = [](const Population& pop) {
    return std::span<const std::uint32_t>(pop.care_residents);
  };
  const auto run = internal::staff_testing_days(c, residents, 20, 56);
  REQUIRE(run.staff == 200);
  std::uint32_t first = 0;
  std::uint32_t second = 0;
  for (std::uint32_t t = 0; t < 56; ++t) {
    CAPTURE(t);
    CHECK(run.days[t].positives == 0);
    (t < 28 ? first : second) += run.days[t].screening_samples;
  }
  CHECK(first == 200);  // each once in 28 days, 7.1 a day on average
  CHECK(second == 200);
  // Every 2 days: half of them a day, about.
  c.care_homes.resident_test_every_days = 2;
  const auto often = internal::staff_testing_days(c, residents, 20, 2);
  CHECK(often.days[0].screening_samples + often.days[1].screening_samples == 200);
  CHECK(often.days[0].screening_samples > 70);
  CHECK(often.days[1].screening_samples > 70);
  // Not at all by default.
  c.care_homes.resident_test_every_days = 0;
  const auto none = internal::staff_testing_days(c, residents, 20, 4);
  for (const DailyStats& d : none.days) CHECK(d.screening_samples == 0);
}

TEST_CASE("the care plot's data: residents infected and died so far, with and without the app") {
  std::vector<DailyStats> app(3);
  std::vector<DailyStats> base(2);
  for (std::uint32_t t = 0; t < 3; ++t) {
    app[t].day = t;
    app[t].new_resident_infections = t + 1;
    app[t].new_resident_deaths = t;
  }
  base[0].new_resident_infections = 4;
  base[1].new_resident_infections = 2;
  base[1].new_resident_deaths = 3;
  CHECK(care_plot_data(app, base) == "0 1 0 4 0\n1 3 1 6 3\n2 6 3 NaN NaN\n");
  CHECK(care_plot_data(app, {}) == "0 1 0 NaN NaN\n1 3 1 NaN NaN\n2 6 3 NaN NaN\n");
  // Without residents, no plot and no warning.
  const PlotResult none = write_care_plot("/nonexistent/dir", 0, app, base);
  CHECK(none.files.empty());
  CHECK(none.warning.empty());
}

TEST_CASE("care-home settings: defaults, refusals, round trip and the report's section") {
  const SimConfig d;
  CHECK_FALSE(d.care_homes.enabled());
  CHECK(d.care_homes.residents_per_home == 32);
  CHECK(d.care_homes.staff_per_resident == 1.5);
  CHECK(d.care_homes.resident_contacts == 4);
  CHECK(d.care_homes.staff_contacts == 6);
  CHECK(d.care_homes.transmission_factor == 0.25);
  CHECK(d.care_homes.app_paused_at_work);
  CHECK(d.care_homes.staff_test_every_days == 0);
  CHECK(d.care_homes.death_in_home == 0.25);
  CHECK(refusal("care_homes.death_in_home=1.5").find("death_in_home") != std::string::npos);
  CHECK(refusal("care_homes.residents_per_100k=-1").find("residents_per_100k") !=
        std::string::npos);
  CHECK(refusal("care_homes.residents_per_home=0").find("residents_per_home") != std::string::npos);
  CHECK(refusal("care_homes.staff_per_resident=11").find("staff_per_resident") !=
        std::string::npos);
  CHECK(refusal("care_homes.resident_contacts=101").find("resident_contacts") != std::string::npos);
  CHECK(refusal("care_homes.staff_contacts=101").find("staff_contacts") != std::string::npos);
  CHECK(refusal("care_homes.transmission_factor=-0.1").find("transmission_factor") !=
        std::string::npos);
  CHECK(refusal("care_homes.staff_test_every_days=61").find("staff_test_every_days") !=
        std::string::npos);
  CHECK(d.care_homes.resident_test_every_days == 0);
  CHECK(refusal("care_homes.resident_test_every_days=61") ==
        "care_homes.resident_test_every_days must be in [0, 60] (0: no regular testing of "
        "residents)");
  CHECK(d.care_homes.visits_per_week == 0);
  CHECK(refusal("care_homes.visits_per_week=7.5").find("visits_per_week") != std::string::npos);
  CHECK(refusal("care_homes.visits_per_week=-1").find("visits_per_week") != std::string::npos);
  CHECK(d.care_homes.visits_closed_days == 0);
  CHECK(refusal("care_homes.visits_closed_days=61").find("visits_closed_days") !=
        std::string::npos);
  CHECK(d.care_homes.staff_symptom_isolation == -1);
  CHECK(refusal("care_homes.staff_symptom_isolation=1.5").find("staff_symptom_isolation") !=
        std::string::npos);
  CHECK(refusal("care_homes.staff_symptom_isolation=-0.5").find("staff_symptom_isolation") !=
        std::string::npos);
  CHECK(d.care_homes.staff_units == 1);
  CHECK(refusal("care_homes.staff_units=0").find("staff_units") != std::string::npos);
  CHECK(refusal("care_homes.staff_units=65").find("staff_units") != std::string::npos);
  CHECK(d.care_homes.resident_zoning == 0);
  CHECK(refusal("care_homes.resident_zoning=1.5").find("resident_zoning") != std::string::npos);
  CHECK(refusal("care_homes.resident_zoning=-0.5").find("resident_zoning") != std::string::npos);
  CHECK(d.care_homes.agency_share == 0);
  CHECK(d.care_homes.agency_pool_homes == 0);
  CHECK(refusal("care_homes.agency_share=1.1").find("agency_share") != std::string::npos);
  CHECK(refusal("care_homes.agency_share=-0.1").find("agency_share") != std::string::npos);
  CHECK(refusal("care_homes.agency_pool_homes=100001").find("agency_pool_homes") !=
        std::string::npos);
  SimConfig c;
  REQUIRE(apply_override(c, "care_homes.residents_per_100k=700"));
  REQUIRE(apply_override(c, "care_homes.app_paused_at_work=false"));
  REQUIRE(apply_override(c, "care_homes.agency_share=0.2"));
  REQUIRE(apply_override(c, "care_homes.visits_closed_days=14"));
  REQUIRE(apply_override(c, "care_homes.staff_symptom_isolation=0.3"));
  REQUIRE(apply_override(c, "care_homes.staff_units=6"));
  REQUIRE(apply_override(c, "care_homes.resident_zoning=0.75"));
  REQUIRE(apply_override(c, "care_homes.agency_pool_homes=4"));
  CHECK_FALSE(c.care_homes.outbreak_testing);  // off by default
  CHECK(refusal("care_homes.outbreak_testing=2").find("outbreak_testing") != std::string::npos);
  REQUIRE(apply_override(c, "care_homes.outbreak_testing=true"));
  REQUIRE(apply_override(c, "care_homes.resident_test_every_days=28"));
  CHECK(c.care_homes.outbreak_agency_days == 0);  // agency workers not in the rounds
  CHECK(refusal("care_homes.outbreak_agency_days=15").find("outbreak_agency_days") !=
        std::string::npos);
  REQUIRE(apply_override(c, "care_homes.outbreak_agency_days=7"));
  const auto back = config_from_json(config_to_json(c), SimConfig{});
  REQUIRE(back);
  CHECK(back->care_homes.residents_per_100k == 700);
  CHECK_FALSE(back->care_homes.app_paused_at_work);
  CHECK(back->care_homes.agency_share == 0.2);
  CHECK(back->care_homes.agency_pool_homes == 4);
  CHECK(back->care_homes.visits_closed_days == 14);
  CHECK(back->care_homes.staff_symptom_isolation == 0.3);
  CHECK(back->care_homes.staff_units == 6);
  CHECK(back->care_homes.resident_zoning == 0.75);
  CHECK(back->care_homes.outbreak_testing);
  CHECK(back->care_homes.resident_test_every_days == 28);
  CHECK(back->care_homes.outbreak_agency_days == 7);
  c.care_homes.outbreak_agency_days = 0;
  c.care_homes.resident_test_every_days = 0;
  c.care_homes.outbreak_testing = false;
  c.care_homes.staff_units = 1;
  c.care_homes.resident_zoning = 0;
  c.care_homes.staff_symptom_isolation = -1;
  c.care_homes.visits_closed_days = 0;

  RunSummary a;
  a.care_homes = 3;
  a.residents = 90;
  a.care_staff = 135;
  a.residents_infected = 45;
  a.residents_infected_by_staff = 10;
  a.residents_infected_by_residents = 30;
  a.care_homes_with_cases = 2;
  a.resident_deaths = 9;
  a.deaths = 36;
  a.care_staff_infected = 27;
  a.care_staff_infected_by_residents = 8;
  RunSummary b = a;
  b.residents_infected = 60;
  b.deaths = 90;
  const std::string o = format_care_homes(c.care_homes, a, &b);
  CHECK(o.find("Care homes (3 homes, 90 residents, 135 staff; staff's phones recording at work)") !=
        std::string::npos);
  CHECK(o.find("45 (50.0 %)") != std::string::npos);
  CHECK(o.find("60 (66.7 %)") != std::string::npos);
  CHECK(o.find("10 / 30") != std::string::npos);
  CHECK(o.find("2 (66.7 %)") != std::string::npos);
  CHECK(o.find("9 (25.0 %)") != std::string::npos);
  CHECK(o.find("9 (10.0 %)") != std::string::npos);
  CHECK(o.find("27 (20.0 %)") != std::string::npos);
  CHECK(format_care_homes(c.care_homes, RunSummary{}, nullptr).empty());
  CHECK(o.find("visit") == std::string::npos);
  c.care_homes.visits_per_week = 2;
  a.residents_infected_by_visitors = 4;
  a.visitors_infected_by_residents = 6;
  const std::string v = format_care_homes(c.care_homes, a, &b);
  CAPTURE(v);
  CHECK(v.find("staff's phones recording at work; 2 visits a week)") != std::string::npos);
  CHECK(v.find("\n    by a visitor                         4 ") != std::string::npos);
  CHECK(v.find("\n  visitors infected by a resident        6 ") != std::string::npos);
  CHECK(v.find("agency") == std::string::npos);
  CHECK(v.find("closed") == std::string::npos);
  // Agency staff: the header and their rows.
  a.care_agency_staff = 40;
  a.residents_infected_by_agency = 7;
  a.residents_infected_by_agency_from_other_homes = 2;
  a.care_agency_infected = 10;
  a.care_agency_infected_by_residents = 3;
  const std::string g = format_care_homes(c.care_homes, a, &b);
  CAPTURE(g);
  CHECK(g.find("135 staff and 40 agency staff in pools of 4 homes; staff's phones") !=
        std::string::npos);
  CHECK(g.find("\n        by agency / from another home    7 / 2 ") != std::string::npos);
  CHECK(g.find("\n  agency staff infected                  10 (25.0 %) ") != std::string::npos);
  CHECK(g.find("\n    by a resident                        3 ") != std::string::npos);
  c.care_homes.agency_pool_homes = 0;
  CHECK(format_care_homes(c.care_homes, a, &b).find("40 agency staff, a pool per region") !=
        std::string::npos);
  // Visits stopped by a case: the policy and the closed home-days.
  c.care_homes.visits_closed_days = 14;
  a.care_home_days_closed = 123;
  const std::string shut = format_care_homes(c.care_homes, a, &b);
  CAPTURE(shut);
  CHECK(shut.find("2 visits a week, none for 14 days after a case)") != std::string::npos);
  CHECK(shut.find("\n  home-days closed to visitors           123 ") != std::string::npos);
  CHECK(shut.find("isolate") == std::string::npos);
  CHECK(shut.find("units") == std::string::npos);
  c.care_homes.staff_units = 4;
  CHECK(format_care_homes(c.care_homes, a, &b).find("recording at work; staff in 4 units; ") !=
        std::string::npos);
  c.care_homes.resident_zoning = 0.8;
  CHECK(format_care_homes(c.care_homes, a, &b)
            .find("staff in 4 units, residents zoned (80 % of their contacts in the unit); 2 "
                  "visits") != std::string::npos);
  // Zoning without units changes nothing and is not named.
  c.care_homes.staff_units = 1;
  CHECK(format_care_homes(c.care_homes, a, &b).find("zoned") == std::string::npos);
  c.care_homes.resident_zoning = 0;
  c.care_homes.staff_symptom_isolation = 0.4;
  CHECK(format_care_homes(c.care_homes, a, &b)
            .find("recording at work; 40 % of staff with symptoms isolate; 2 visits a week") !=
        std::string::npos);
  // Whole-home testing after a case: the policy and its rounds, samples and positives.
  CHECK(format_care_homes(c.care_homes, a, &b).find("whole-home") == std::string::npos);
  c.care_homes.outbreak_testing = true;
  a.care_outbreak_rounds = 12;
  a.care_outbreak_samples = 640;
  a.care_outbreak_positives = 31;
  const std::string rounds = format_care_homes(c.care_homes, a, &b);
  CAPTURE(rounds);
  CHECK(rounds.find("recording at work; every resident and member of staff tested after a case "
                    "(at most every 7 days); 40 %") != std::string::npos);
  CHECK(rounds.find("\n  whole-home test rounds / samples       12 / 640 ") != std::string::npos);
  CHECK(rounds.find("\n    positive results                     31 ") != std::string::npos);
  CHECK(rounds.find("agency workers") == std::string::npos);
  // With agency staff and outbreak_agency_days: named in the policy, their samples a row.
  c.care_homes.outbreak_agency_days = 7;
  const std::uint32_t agency_staff = a.care_agency_staff;
  a.care_agency_staff = 0;  // none: not named
  CHECK(format_care_homes(c.care_homes, a, &b).find("agency workers") == std::string::npos);
  a.care_agency_staff = 20;
  a.care_outbreak_agency_samples = 85;
  const std::string agency = format_care_homes(c.care_homes, a, &b);
  CAPTURE(agency);
  CHECK(agency.find("(at most every 7 days), agency workers of the last 7 days too; 40 %") !=
        std::string::npos);
  CHECK(agency.find("\n    samples of agency workers            85 ") != std::string::npos);
  c.care_homes.outbreak_agency_days = 0;
  a.care_agency_staff = agency_staff;
  c.care_homes.staff_test_every_days = 7;
  c.care_homes.resident_test_every_days = 28;
  CHECK(format_care_homes(c.care_homes, a, &b)
            .find("recording at work; staff tested every 7 days; residents tested every 28 days; "
                  "every resident") != std::string::npos);
}

}  // namespace greenlight::sim

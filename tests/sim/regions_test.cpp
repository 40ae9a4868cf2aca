// Regions (population.regions, docs/simulation.md "Regions"): whole households in blocks,
// networks, random encounters and venue visits inside a region but for commuters and
// travellers, uptake by region, the first cases in one region, and each region's day.
#include <stdlib.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "greenlight/sim/population.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "internal/contacts.h"
#include "sim_test_runs.h"

namespace greenlight::sim {
namespace {

// The share of links of `network` (its lower end's network) whose two people live in
// different regions, and how many links were counted.
std::pair<double, std::size_t> crossing_links(const Population& pop, Network network) {
  std::size_t links = 0;
  std::size_t crossing = 0;
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    if (pop.network[p] != static_cast<std::uint8_t>(network)) continue;
    for (const std::uint32_t q : pop.links_of(p)) {
      if (q <= p) break;
      ++links;
      if (pop.region_of(p) != pop.region_of(q)) ++crossing;
    }
  }
  return {links ? static_cast<double>(crossing) / static_cast<double>(links) : 0.0, links};
}

}  // namespace

TEST_CASE("regions: blocks of whole households, sized by the weights") {
  SimConfig c;
  c.population.people = 20000;
  const Population one = generate_population(c);
  CHECK(one.regions() == 1);
  CHECK(one.region_start == std::vector<std::uint32_t>{0, 20000});

  c.population.regions = 4;
  const Population four = generate_population(c);
  REQUIRE(four.regions() == 4);
  CHECK(four.region_start.front() == 0);
  CHECK(four.region_start.back() == 20000);
  for (std::uint32_t r = 0; r < 4; ++r) {
    const std::uint32_t first = four.region_start[r];
    const std::uint32_t size = four.region_start[r + 1] - first;
    CHECK(size >= 5000 - 6);
    CHECK(size <= 5000 + 6);
    // A region starts with a household.
    if (first > 0) CHECK(four.household[first] != four.household[first - 1]);
    CHECK(four.region_of(first) == r);
    CHECK(four.region_of(four.region_start[r + 1] - 1) == r);
  }

  c.population.region_weights = {1, 3, 0.5, 0.5};
  const Population weighted = generate_population(c);
  const auto size = [&](std::uint32_t r) {
    return weighted.region_start[r + 1] - weighted.region_start[r];
  };
  CHECK(size(0) == Approx(4000).margin(6));
  CHECK(size(1) == Approx(12000).margin(6));
  CHECK(size(2) == Approx(2000).margin(6));
  CHECK(size(3) == Approx(2000).margin(6));

  // Each kind's venues are split over the regions, in order, by their people.
  for (const VenueKind kind : {VenueKind::kShop, VenueKind::kRestaurant, VenueKind::kEvent}) {
    const auto k = static_cast<std::size_t>(kind);
    std::uint32_t next = weighted.venue_kind_start[k];
    for (std::uint32_t r = 0; r < 4; ++r) {
      const auto [v0, v1] = weighted.region_venues(kind, r);
      CHECK(v0 == next);
      CHECK(v1 >= v0);
      next = v1;
    }
    CHECK(next == weighted.venue_kind_start[k + 1]);
  }
  const auto [s0, s1] = weighted.region_venues(VenueKind::kShop, 1);
  CHECK(s1 - s0 == 48);  // 12,000 of 20,000 people: 48 of the 80 shops
}

TEST_CASE("regions: schools and elderly groups inside a region, workplaces but for commuters") {
  SimConfig c;
  c.population.people = 20000;
  c.population.regions = 4;
  c.population.commuter_share = 0;
  const Population home = generate_population(c);
  for (const Network n : {Network::kSchool, Network::kWork, Network::kElderly}) {
    const auto [share, links] = crossing_links(home, n);
    CHECK(links > 1000);
    CHECK(share == 0);
  }
  // 30 % commute, uniformly to the 3 other regions: a workplace holds 70 % of its own
  // region's workers and 10 % of each other's, so two colleagues live in different regions
  // with probability 1 - (0.7^2 + 3 x 0.1^2) = 0.48.
  c.population.commuter_share = 0.3;
  const Population commuting = generate_population(c);
  CHECK(crossing_links(commuting, Network::kSchool).first == 0);
  CHECK(crossing_links(commuting, Network::kElderly).first == 0);
  const auto [work, links] = crossing_links(commuting, Network::kWork);
  REQUIRE(links > 20000);
  CHECK(work == Approx(0.48).margin(0.03));
  // With one region there is nowhere to commute: the share changes no link.
  SimConfig single;
  single.population.people = 20000;
  const Population one = generate_population(single);
  single.population.commuter_share = 0.9;
  CHECK(generate_population(single).links == one.links);
}

TEST_CASE("regions: app uptake by region scales each region's share") {
  SimConfig c;
  c.population.people = 40000;
  c.population.regions = 4;
  c.app.uptake = 0.4;
  c.app.uptake_by_region = {2, 0.5, 1, 0};
  const Population pop = generate_population(c);
  const std::array<double, 4> expected{0.8, 0.2, 0.4, 0};
  for (std::uint32_t r = 0; r < 4; ++r) {
    const auto first = pop.has_app.begin() + pop.region_start[r];
    const auto last = pop.has_app.begin() + pop.region_start[r + 1];
    const double share =
        static_cast<double>(std::count(first, last, 1)) / static_cast<double>(last - first);
    CHECK(share == Approx(expected[r]).margin(0.02));
  }
}

namespace {

struct RegionMix {
  double random_crossing = 0;  // random encounters between two regions
  double visits_away = 0;      // visits to a venue outside the visitor's region
  std::size_t random = 0;
  std::size_t visits = 0;
};

// The day's random encounters by the two people's regions (pairs[a][b], a <= b) and the
// visits by the visitor's region and the venue's (visits[home][at]).
struct RegionFlows {
  std::vector<std::vector<double>> pairs;
  std::vector<std::vector<double>> visits;
};

RegionFlows region_flows(const SimConfig& c, const Population& pop) {
  using internal::ContactGenerator;
  ContactGenerator generator(c, pop);
  const std::vector<std::uint8_t> everyone(pop.size(), internal::kMeetsAll);
  generator.prepare_day(4, everyone, 0, 2);
  const std::uint32_t n = pop.regions();
  const std::vector<std::vector<double>> zero(n, std::vector<double>(n, 0));
  RegionFlows f{zero, zero};
  for (std::uint32_t shard = 0; shard < internal::kShards; ++shard) {
    generator.generate(shard, [&](const internal::Contact& x) {
      if (x.layer != Layer::kRandom) return;
      const std::uint32_t ra = pop.region_of(x.a);
      const std::uint32_t rb = pop.region_of(x.b);
      ++f.pairs[std::min(ra, rb)][std::max(ra, rb)];
    });
  }
  for (const auto& v : generator.visits()) {
    std::uint32_t at = n;
    for (std::uint32_t r = 0; r < n; ++r) {
      for (const VenueKind kind : {VenueKind::kShop, VenueKind::kRestaurant, VenueKind::kEvent}) {
        const auto [v0, v1] = pop.region_venues(kind, r);
        if (v.venue >= v0 && v.venue < v1) at = r;
      }
    }
    REQUIRE(at < n);
    ++f.visits[pop.region_of(v.person)][at];
  }
  return f;
}

RegionMix region_mix(const SimConfig& c, const Population& pop) {
  const RegionFlows f = region_flows(c, pop);
  RegionMix m;
  double crossing = 0;
  double away = 0;
  for (std::uint32_t a = 0; a < pop.regions(); ++a) {
    for (std::uint32_t b = 0; b < pop.regions(); ++b) {
      m.random += static_cast<std::size_t>(f.pairs[a][b]);
      m.visits += static_cast<std::size_t>(f.visits[a][b]);
      if (a == b) continue;
      crossing += f.pairs[a][b];
      away += f.visits[a][b];
    }
  }
  m.random_crossing = crossing / static_cast<double>(m.random);
  m.visits_away = away / static_cast<double>(m.visits);
  return m;
}

}  // namespace

TEST_CASE("regions: random encounters and venue visits stay in the region but for travellers") {
  SimConfig c;
  c.population.people = 40000;
  c.population.regions = 4;
  c.contacts.travel_share = 0;
  const Population pop = generate_population(c);
  const RegionMix home = region_mix(c, pop);
  REQUIRE(home.random > 40000);
  REQUIRE(home.visits > 5000);
  CHECK(home.random_crossing == 0);
  CHECK(home.visits_away == 0);
  // A fifth of the stubs and visits go anywhere: 3 in 4 of those land in another region.
  c.contacts.travel_share = 0.2;
  const RegionMix travel = region_mix(c, pop);
  CHECK(travel.random_crossing == Approx(0.15).margin(0.015));
  CHECK(travel.visits_away == Approx(0.15).margin(0.02));
  // About as many encounters as without regions (a pool of odd size loses one stub).
  SimConfig single = c;
  single.population.regions = 1;
  const RegionMix one = region_mix(single, generate_population(single));
  CHECK(static_cast<double>(travel.random) ==
        Approx(static_cast<double>(one.random)).epsilon(0.02));
  CHECK(one.random_crossing == 0);  // one region: nothing to cross
}

TEST_CASE("regions: a commuting matrix says where each region's commuters work") {
  SimConfig c;
  c.population.people = 20000;
  c.population.regions = 4;
  c.population.commuter_share = 1;  // the matrix decides for every worker
  // Region 0's workers work in 0 or 1 alike; the others at home.
  c.population.commuting_matrix = {{1, 1, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
  const Population pop = generate_population(c);
  std::vector<std::vector<std::size_t>> links(4, std::vector<std::size_t>(4, 0));
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    if (pop.network[p] != static_cast<std::uint8_t>(Network::kWork)) continue;
    for (const std::uint32_t q : pop.links_of(p)) {
      if (q <= p) break;
      const std::uint32_t rp = pop.region_of(p);
      const std::uint32_t rq = pop.region_of(q);
      ++links[std::min(rp, rq)][std::max(rp, rq)];
    }
  }
  // Only regions 0 and 1 share workplaces.
  for (std::uint32_t a = 0; a < 4; ++a) {
    for (std::uint32_t b = a + 1; b < 4; ++b) {
      CAPTURE(a, b);
      if (a != 0 || b != 1) CHECK(links[a][b] == 0);
    }
  }
  // Region 1's workplaces hold its 1.0 W workers and region 0's 0.5 W: two colleagues there
  // live in different regions with probability 2 x 1/3 x 2/3 = 4/9; those workplaces hold
  // 1.5 of the 4 W workers, so 1.5 / 4 x 4/9 = 1/6 of all work links cross.
  std::size_t total = 0;
  for (const auto& row : links) total = std::accumulate(row.begin(), row.end(), total);
  REQUIRE(total > 20000);
  CHECK(static_cast<double>(links[0][1]) / static_cast<double>(total) ==
        Approx(1.0 / 6).margin(0.025));
  // Nobody commutes (share 0): the matrix changes no link; a matrix of the diagonal keeps
  // every worker at home like no commuting.
  c.population.commuter_share = 0;
  SimConfig none = c;
  none.population.commuting_matrix.clear();
  const Population home = generate_population(none);
  CHECK(generate_population(c).links == home.links);
  CHECK(crossing_links(home, Network::kWork).first == 0);
  c.population.commuter_share = 1;
  c.population.commuting_matrix = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
  CHECK(crossing_links(generate_population(c), Network::kWork).first == 0);
}

TEST_CASE("regions: a travel matrix sends travellers' encounters and visits to its regions") {
  SimConfig c;
  c.population.people = 40000;
  c.population.regions = 4;
  c.contacts.travel_share = 0.4;
  // Region 0's travellers all go to 1; region 1's half to 0, half stay; region 2's stay;
  // region 3's a quarter to 2.
  c.contacts.travel_matrix = {{0, 1, 0, 0}, {1, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 1, 3}};
  const Population pop = generate_population(c);
  const RegionFlows f = region_flows(c, pop);
  // Encounters: pools 0 and 1 hold regions 0 and 1's stubs, pools 2 and 3 regions 2 and 3's.
  CHECK(f.pairs[0][2] + f.pairs[0][3] + f.pairs[1][2] + f.pairs[1][3] == 0);
  CHECK(f.pairs[2][3] > 0);
  // A region-0 stub: 60 % in pool 0 (0.6 S of region 0's, 0.2 S of region 1's: a quarter
  // from 1), 40 % in pool 1 (0.4 S of region 0's, 0.8 S of region 1's: two thirds from 1):
  // its partner is from region 1 with probability 0.6 / 4 + 0.4 x 2/3 = 0.4167.
  const double from_0 = 2 * f.pairs[0][0] + f.pairs[0][1];
  REQUIRE(from_0 > 10000);
  CHECK(f.pairs[0][1] / from_0 == Approx(0.4167).margin(0.03));
  // Visits: a region's travelling visits (40 %) go where its row says.
  const auto share = [&](std::uint32_t home, std::uint32_t at) {
    const auto& row = f.visits[home];
    return row[at] / std::accumulate(row.begin(), row.end(), 0.0);
  };
  CHECK(share(0, 1) == Approx(0.4).margin(0.03));
  CHECK(share(1, 0) == Approx(0.2).margin(0.03));
  CHECK(share(2, 2) == 1);
  CHECK(share(3, 2) == Approx(0.1).margin(0.02));
  CHECK(f.visits[0][2] + f.visits[0][3] + f.visits[1][2] + f.visits[1][3] + f.visits[3][0] +
            f.visits[3][1] ==
        0);
}

TEST_CASE("regions: flows are a matrix's sparse form: the same links, encounters and visits") {
  SimConfig dense;
  dense.population.people = 20000;
  dense.population.regions = 4;
  dense.population.commuter_share = 0.5;
  dense.contacts.travel_share = 0.4;
  dense.population.commuting_matrix = {{1, 2, 0, 0}, {0, 1, 0, 3}, {1, 1, 1, 1}, {0, 0, 4, 1}};
  dense.contacts.travel_matrix = {{0, 1, 0, 0}, {1, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 1, 3}};
  // The same weights as [from, to, weight], in another order, with a zero given.
  SimConfig sparse = dense;
  sparse.population.commuting_matrix.clear();
  sparse.contacts.travel_matrix.clear();
  sparse.population.commuting_flows = {{3, 3, 1}, {0, 1, 2}, {2, 3, 1}, {1, 3, 3},
                                       {2, 0, 1}, {0, 0, 1}, {1, 1, 1}, {2, 2, 1},
                                       {3, 2, 4}, {2, 1, 1}, {1, 2, 0}};
  sparse.contacts.travel_flows = {{3, 2, 1}, {1, 0, 1}, {0, 1, 1}, {2, 2, 1}, {1, 1, 1}, {3, 3, 3}};
  REQUIRE(validate_config(dense));
  REQUIRE(validate_config(sparse));
  const Population a = generate_population(dense);
  const Population b = generate_population(sparse);
  CHECK(a.links == b.links);
  CHECK(crossing_links(a, Network::kWork).first > 0.1);
  const RegionFlows fa = region_flows(dense, a);
  const RegionFlows fb = region_flows(sparse, b);
  CHECK(fa.pairs == fb.pairs);
  CHECK(fa.visits == fb.visits);
  CHECK(fa.pairs[0][1] > 0);
  CHECK(policy_lines(sparse).find("commute by commuting_flows, 40 % of random encounters and "
                                  "venue visits by travel_flows") != std::string::npos);
}

TEST_CASE("regions: flows for more regions than a dense matrix may have") {
  // 1,500 regions in a chain: each region's commuters work at home or in the next region.
  const std::uint32_t n = kMaxMatrixRegions + 500;
  SimConfig c;
  c.population.people = 100 * n;
  c.population.regions = n;
  c.population.commuter_share = 1;
  for (std::uint32_t r = 0; r < n; ++r) {
    const auto d = static_cast<double>(r);
    c.population.commuting_flows.push_back({d, d, 1});
    if (r + 1 < n) c.population.commuting_flows.push_back({d, d + 1, 1});
  }
  REQUIRE(validate_config(c));
  const Population pop = generate_population(c);
  REQUIRE(pop.regions() == n);
  std::size_t links = 0;
  std::size_t next = 0;
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    if (pop.network[p] != static_cast<std::uint8_t>(Network::kWork)) continue;
    for (const std::uint32_t q : pop.links_of(p)) {
      if (q <= p) break;
      ++links;
      const std::uint32_t rp = pop.region_of(p);
      const std::uint32_t rq = pop.region_of(q);
      // Colleagues live in the same region or in neighbours (one works next door).
      CHECK(std::max(rp, rq) - std::min(rp, rq) <= 1);
      if (rp != rq) ++next;
    }
  }
  REQUIRE(links > 50000);
  // A workplace of region r holds its own half (0.5 W) and region r-1's half: two colleagues
  // live in different regions with probability 1/2 (the first region's workplaces aside).
  CHECK(static_cast<double>(next) / static_cast<double>(links) == Approx(0.5).margin(0.05));
}

TEST_CASE("regions: first cases in the seed region; the regions' days add up to the day's") {
  SimConfig c = small(8000, 40, 11);
  c.population.regions = 4;
  c.disease.seed_region = 2;
  c.disease.initial_infections = 20;
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  const Population& pop = sim->population();
  std::size_t initial = 0;
  for (const Infection& i : sim->infections()) {
    if (i.infector != kNoPerson) continue;
    ++initial;
    CHECK(pop.region_of(i.person) == 2);
  }
  CHECK(initial == 20);

  const auto& daily = sim->daily();
  const auto& regions = sim->region_daily();
  REQUIRE(regions.size() == daily.size() * 4);
  std::uint64_t spread = 0;  // infections outside region 2 by the end
  for (std::size_t d = 0; d < daily.size(); ++d) {
    const DailyStats& st = daily[d];
    // Each count of a region's day and the day's own.
    using RegionCount = std::uint32_t RegionDay::*;
    using DayCount = std::uint32_t DailyStats::*;
    const std::array<std::pair<RegionCount, DayCount>, 14> counts{{
        {&RegionDay::susceptible, &DailyStats::susceptible},
        {&RegionDay::exposed, &DailyStats::exposed},
        {&RegionDay::infectious, &DailyStats::infectious},
        {&RegionDay::recovered, &DailyStats::recovered},
        {&RegionDay::deaths, &DailyStats::deaths},
        {&RegionDay::isolating, &DailyStats::isolating},
        {&RegionDay::green, &DailyStats::green},
        {&RegionDay::yellow, &DailyStats::yellow},
        {&RegionDay::red, &DailyStats::red},
        {&RegionDay::new_hospitalised, &DailyStats::new_hospitalised},
        {&RegionDay::hospitalised, &DailyStats::hospitalised},
        {&RegionDay::critical, &DailyStats::critical},
        {&RegionDay::new_deaths, &DailyStats::new_deaths},
        {&RegionDay::positives, &DailyStats::positives},
    }};
    std::array<std::uint32_t, counts.size()> sum{};
    std::uint32_t app_users = 0;
    std::uint32_t ever = 0;
    std::uint32_t people = 0;
    for (std::uint32_t r = 0; r < 4; ++r) {
      const RegionDay& x = regions[d * 4 + r];
      REQUIRE(x.day == d);
      REQUIRE(x.region == r);
      CHECK(x.people() == pop.region_start[r + 1] - pop.region_start[r]);
      people += x.people();
      for (std::size_t k = 0; k < counts.size(); ++k) sum[k] += x.*counts[k].first;
      app_users += x.app_users;
      ever += x.ever_infected;
      if (d + 1 == daily.size() && r != 2) spread += x.ever_infected;
    }
    CHECK(people == 8000);
    for (std::size_t k = 0; k < counts.size(); ++k) {
      CAPTURE(k);
      CHECK(sum[k] == st.*counts[k].second);
    }
    CHECK(app_users == st.green + st.yellow + st.red);
    CHECK(ever == st.cumulative_infections);  // no reinfection: everyone infected once
  }
  CHECK(daily.back().cumulative_infections > 200);
  CHECK(spread > 0);  // the epidemic left its region

  // regions.csv: a line per day and region, new infections adding up to the infected.
  const std::string csv = regions_csv(regions);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == static_cast<long>(regions.size() + 1));
  REQUIRE(csv.rfind("day,region,people,susceptible,exposed,infectious,recovered,deaths,"
                    "ever_infected,new_infections,",
                    0) == 0);
  std::uint64_t fresh = 0;
  std::size_t at = csv.find('\n') + 1;
  while (at < csv.size()) {
    std::size_t field = at;
    for (int i = 0; i < 9; ++i) field = csv.find(',', field) + 1;
    fresh += std::stoul(csv.substr(field, csv.find(',', field) - field));
    at = csv.find('\n', at) + 1;
  }
  CHECK(fresh == daily.back().cumulative_infections);
  // The report's table: a row per region, and the spread of the infected share.
  const std::string table = format_regions(regions, {});
  CHECK(table.find("By region") != std::string::npos);
  CHECK(table.find("\n  3 ") != std::string::npos);
  CHECK(table.find("infected over regions, with app") != std::string::npos);

  // One region: no region days.
  SimConfig one = small(3000, 5, 11);
  InMemoryPublisher other;
  CHECK(ran(one, other)->region_daily().empty());
}

TEST_CASE("regions: with reinfection the regions' positives add up to the day's") {
  // Short protection and screening with false positives: some people's positive result
  // comes on the day they are infected again (which clears their positive day).
  SimConfig c = small(20000, 120, 4);
  c.population.regions = 3;
  c.disease.initial_infections = 40;
  c.immunity.reinfection = true;
  c.immunity.efficacy_infection = 0.2;
  c.immunity.waning_half_life_days = 20;
  c.testing.screening_per_day_per_100k = 3000;
  c.testing.specificity = 0.95;
  c.testing.screening_specificity = 0.95;
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  REQUIRE(sim->summary().reinfections > 100);
  const auto& daily = sim->daily();
  const auto& regions = sim->region_daily();
  REQUIRE(regions.size() == daily.size() * 3);
  std::uint64_t positives = 0;
  for (std::size_t d = 0; d < daily.size(); ++d) {
    CAPTURE(d);
    std::uint32_t sum = 0;
    for (std::uint32_t r = 0; r < 3; ++r) sum += regions[d * 3 + r].positives;
    CHECK(sum == daily[d].positives);
    positives += sum;
  }
  CHECK(positives > 1000);
}

TEST_CASE("regions: each region's lockdown follows its own admissions, for a minimum") {
  // Four regions, the cases in the first, a regional trigger on admissions with a minimum:
  // each region's `locked`, recomputed from its own rows of regions.csv (the 7 days before,
  // per 100,000 of its people), locks and is released.
  SimConfig c = small(12000, 90, 2);
  c.population.regions = 4;
  c.disease.seed_region = 0;
  c.disease.initial_infections = 40;
  c.disease.hospitalised_fraction.fill(0.5);
  c.lockdown.trigger_admissions = 60;  // 1.8 admissions a week among a region's 3,000
  c.lockdown.release_fraction = 0.4;
  c.lockdown.min_days = 10;
  c.lockdown.regional = true;
  InMemoryPublisher publisher;
  const auto sim = ran(c, publisher);
  const auto& regions = sim->region_daily();
  const std::size_t days = sim->daily().size();
  REQUIRE(regions.size() == days * 4);
  std::uint32_t starts = 0;
  std::uint32_t releases = 0;
  for (std::uint32_t r = 0; r < 4; ++r) {
    bool on = false;
    std::uint32_t since = 0;
    for (std::uint32_t t = 0; t < days; ++t) {
      std::uint64_t week = 0;
      for (std::uint32_t d = t >= 7 ? t - 7 : 0; d < t; ++d) {
        week += regions[d * 4 + r].new_hospitalised;
      }
      const double admissions = static_cast<double>(week) * 1e5 / regions[r].people();
      if (!on && admissions >= 60) {
        on = true;
        since = t;
        ++starts;
      } else if (on && admissions < 24 && t - since >= 10) {
        on = false;
        ++releases;
      }
      CAPTURE(r, t, week);
      CHECK(regions[t * 4 + r].locked == (on ? 1u : 0u));
    }
  }
  CHECK(starts >= 2);
  CHECK(releases >= 1);
  for (const DailyStats& d : sim->daily()) CHECK(d.lockdown == 0);  // never everyone
}

TEST_CASE("regions: the report's spread of the infected share over the regions") {
  // Four regions of 100 people, 10 / 30 / 20 / 40 ever infected on the last day: the median
  // of an even count is the mean of the middle two. Five regions (60 more): the middle one.
  std::vector<RegionDay> days;
  const std::array<std::uint32_t, 5> infected{10, 30, 20, 40, 60};
  for (std::uint32_t r = 0; r < 4; ++r) {
    days.push_back({.day = 0, .region = r, .susceptible = 100});
  }
  for (std::uint32_t r = 0; r < 4; ++r) {
    days.push_back({.day = 1,
                    .region = r,
                    .susceptible = 100 - infected[r],
                    .recovered = infected[r],
                    .ever_infected = infected[r]});
  }
  CHECK(format_regions(days, {}).find("lowest 10.0 % (region 0), median 25.0 %, highest 40.0 % "
                                      "(region 3)") != std::string::npos);
  days.push_back({.day = 1, .region = 4, .susceptible = 40, .recovered = 60, .ever_infected = 60});
  CHECK(format_regions(days, {}).find("lowest 10.0 % (region 0), median 30.0 %, highest 60.0 % "
                                      "(region 4)") != std::string::npos);
}

TEST_CASE("regions: a regional lockdown distances the locked region's people only") {
  SimConfig c = small(8000, 40, 5);
  c.population.regions = 4;
  c.disease.seed_region = 2;
  c.disease.initial_infections = 40;
  const SimConfig open_config = c;
  c.lockdown.regional = true;
  c.lockdown.trigger_incidence = 50;    // one positive a week among a region's 2,000
  c.lockdown.min_days = 100;            // once locked, for the rest of the run
  c.lockdown.household_multiplier = 0;  // a locked region's households infect nobody
  InMemoryPublisher p1;
  InMemoryPublisher p2;
  const auto locked = ran(c, p1);
  const auto open = ran(open_config, p2);
  const auto& days = locked->daily();
  const auto& regions = locked->region_daily();
  // The first day a region is locked down: the first cases' region's.
  std::uint32_t first = 0;
  while (first < days.size() && days[first].regions_locked == 0) ++first;
  REQUIRE(first > 0);
  REQUIRE(first < days.size());
  CHECK(regions[first * 4 + 2].locked == 1);
  std::uint64_t region_days = 0;
  for (std::uint32_t t = 0; t < days.size(); ++t) {
    std::uint32_t count = 0;
    for (std::uint32_t r = 0; r < 4; ++r) count += regions[t * 4 + r].locked;
    CHECK(days[t].regions_locked == count);
    CHECK(days[t].lockdown == 0);                          // nobody locked everyone down
    if (t > first) CHECK(regions[t * 4 + 2].locked == 1);  // min_days
    region_days += count;
  }
  CHECK(locked->summary().region_lockdown_days == region_days);  // sweep.csv's column
  // The same days until then; on it the locked region's people meet fewer people (its share
  // of the country's contacts outside households, times 1 - 0.22 of them).
  CHECK(days[first - 1].contacts == open->daily()[first - 1].contacts);
  const double fewer = 1.0 - static_cast<double>(days[first].contacts) /
                                 static_cast<double>(open->daily()[first].contacts);
  CHECK(fewer > 0.02);
  CHECK(fewer < 0.25 * static_cast<double>(days[first].regions_locked));
  // From the first day on nobody in region 2 is infected at home (its households x0);
  // without the lockdown some are.
  const Population& pop = locked->population();
  const auto at_home = [&](const Simulation& sim) {
    std::size_t n = 0;
    for (const Infection& i : sim.infections()) {
      if (i.infector != kNoPerson && i.layer == static_cast<std::uint8_t>(Layer::kHousehold) &&
          i.day >= static_cast<std::int32_t>(first) && pop.region_of(i.person) == 2) {
        ++n;
      }
    }
    return n;
  };
  CHECK(at_home(*locked) == 0);
  CHECK(at_home(*open) > 5);

  // The regions plot's data: per day each region's infectious per 100,000, then the same on
  // the days it was locked down (the thick line) and NaN (a gap) on the others.
  std::string folder =
      (std::filesystem::temp_directory_path() / "greenlight-regions-XXXXXX").string();
  REQUIRE(::mkdtemp(folder.data()) != nullptr);
  const PlotResult plot = write_region_plot(folder, regions);
  std::ifstream in(std::filesystem::path(folder) / "regions_data.txt");
  std::string line;
  std::uint32_t t = 0;
  std::uint32_t locked_cells = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> f{std::istream_iterator<std::string>(fields), {}};
    REQUIRE(f.size() == 1 + 2 * 4);
    CHECK(f[0] == std::to_string(t));
    for (std::uint32_t r = 0; r < 4; ++r) {
      CAPTURE(t, r);
      if (regions[t * 4 + r].locked != 0) {
        CHECK(f[2 + 2 * r] == f[1 + 2 * r]);
        ++locked_cells;
      } else {
        CHECK(f[2 + 2 * r] == "NaN");
      }
    }
    ++t;
  }
  CHECK(t == days.size());
  CHECK(locked_cells == region_days);
  if (plot.warning.empty())
    CHECK(std::filesystem::exists(std::filesystem::path(folder) / "regions.svg"));
  // Without regional lockdowns one column per region.
  const PlotResult open_plot = write_region_plot(folder, open->region_daily());
  CHECK(open_plot.files.size() == plot.files.size());
  std::ifstream open_in(std::filesystem::path(folder) / "regions_data.txt");
  REQUIRE(std::getline(open_in, line));
  std::istringstream fields(line);
  CHECK(std::vector<std::string>{std::istream_iterator<std::string>(fields), {}}.size() == 5);
  std::filesystem::remove_all(folder);
}

}  // namespace greenlight::sim

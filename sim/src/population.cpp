#include "greenlight/sim/population.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "internal/region_choice.h"
#include "internal/rng.h"

namespace greenlight::sim {
namespace {

using internal::Rng;
using internal::stream_key;

std::size_t draw_index(Rng& rng, std::span<const double> weights) {
  double total = 0;
  for (double w : weights) total += w;
  double x = rng.uniform() * total;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (x < weights[i]) return i;
    x -= weights[i];
  }
  return weights.size() - 1;
}

// Moves k items drawn at random to the front of c (a partial Fisher-Yates shuffle).
void partial_shuffle(std::span<std::uint32_t> c, std::size_t k, Rng& rng) {
  const auto size = static_cast<std::uint32_t>(c.size());
  for (std::uint32_t i = 0; i < k; ++i) std::swap(c[i], c[i + rng.below(size - i)]);
}

// Care-home residents (config.care_homes): per region, round(residents_per_100k x its
// people / 100,000), the oldest age group first (80+, then 70-79), drawn within a group from
// the region's own stream. Each household's residents move to its end (their ages swap with
// the others': nothing but ages and households is drawn yet) and each becomes a household of
// its own; region boundaries stay household boundaries. Then the region's residents, in
// person order, are cut into homes of residents_per_home.
void place_care_residents(const CareHomeConfig& ch, std::uint64_t seed, Population& pop) {
  const std::uint32_t n = pop.size();
  std::vector<std::uint8_t> chosen(n, 0);
  std::vector<std::uint32_t> group;
  for (std::uint32_t r = 0; r + 1 < pop.region_start.size(); ++r) {
    const std::uint32_t first = pop.region_start[r];
    const std::uint32_t end = pop.region_start[r + 1];
    auto wanted =
        static_cast<std::size_t>(std::llround(ch.residents_per_100k * (end - first) / 1e5));
    Rng draw(stream_key(seed, internal::kPurposeCareResidents, r));
    for (int g = static_cast<int>(kAgeGroups) - 1; g >= 7 && wanted > 0; --g) {
      group.clear();
      for (std::uint32_t p = first; p < end; ++p) {
        if (pop.age_group[p] == g) group.push_back(p);
      }
      const std::size_t take = std::min(wanted, group.size());
      partial_shuffle(group, take, draw);
      for (std::size_t i = 0; i < take; ++i) chosen[group[i]] = 1;
      wanted -= take;
    }
  }
  std::vector<std::uint32_t> starts;
  starts.reserve(pop.household_start.size());
  std::vector<std::uint8_t> ages;
  for (std::uint32_t h = 0; h < pop.households(); ++h) {
    const std::uint32_t a = pop.household_start[h];
    const std::uint32_t b = pop.household_start[h + 1];
    ages.clear();
    for (std::uint32_t p = a; p < b; ++p) {
      if (chosen[p] == 0) ages.push_back(pop.age_group[p]);
    }
    const auto stay = static_cast<std::uint32_t>(ages.size());
    for (std::uint32_t p = a; p < b; ++p) {
      if (chosen[p] != 0) ages.push_back(pop.age_group[p]);
    }
    std::copy(ages.begin(), ages.end(), pop.age_group.begin() + a);
    if (stay > 0) starts.push_back(a);
    for (std::uint32_t p = a + stay; p < b; ++p) {
      starts.push_back(p);
      pop.care_residents.push_back(p);
      pop.care_family.emplace_back(a, a + stay);
    }
  }
  starts.push_back(n);
  pop.household_start = std::move(starts);
  for (std::uint32_t h = 0; h < pop.households(); ++h) {
    std::fill(pop.household.begin() + pop.household_start[h],
              pop.household.begin() + pop.household_start[h + 1], h);
  }
  pop.care_home_start.assign(1, 0);
  const auto residents = static_cast<std::uint32_t>(pop.care_residents.size());
  std::uint32_t i = 0;
  for (std::uint32_t r = 0; r + 1 < pop.region_start.size(); ++r) {
    while (i < residents && pop.care_residents[i] < pop.region_start[r + 1]) {
      i = std::min(i + ch.residents_per_home, residents);
      while (i > 0 && pop.care_residents[i - 1] >= pop.region_start[r + 1]) --i;
      pop.care_home_start.push_back(i);
    }
  }
}

// Moves `wanted` (at most the candidates left after `used`) of the candidates drawn with
// `draw` to the end of `out`, ascending; returns how many it took.
std::size_t take_drawn(std::vector<std::uint32_t>& candidates, std::size_t used, std::size_t wanted,
                       Rng& draw, std::vector<std::uint32_t>& out) {
  wanted = std::min(wanted, candidates.size() - used);
  const std::span<std::uint32_t> rest(candidates.data() + used, candidates.size() - used);
  partial_shuffle(rest, wanted, draw);
  std::sort(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(wanted));
  out.insert(out.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(wanted));
  return wanted;
}

// Each home's staff: round(staff_per_resident x its residents) positions, of which
// round(agency_share x positions) are agency positions; the others are filled by working
// people of its region who are not hospital staff, drawn from the region's own stream (at
// most the region's candidates), ascending within a home. With agency positions, each of
// the region's pools (runs of agency_pool_homes homes, or all of them) then gets as many
// workers as its homes have agency positions, drawn from the region's candidates left on a
// stream of their own (so that the homes' own staff are drawn as without agency staff when
// agency_share is 0).
void draw_care_staff(const CareHomeConfig& ch, std::uint64_t seed, Population& pop) {
  pop.care_staff_start.assign(1, 0);
  const bool agency = ch.agency_share > 0;
  if (agency) {
    pop.care_pool_start.assign(1, 0);
    pop.care_agency_start.assign(1, 0);
  }
  std::vector<std::uint32_t> candidates;
  std::uint32_t home = 0;
  for (std::uint32_t r = 0; r + 1 < pop.region_start.size(); ++r) {
    candidates.clear();
    for (std::uint32_t p = pop.region_start[r]; p < pop.region_start[r + 1]; ++p) {
      if (pop.network[p] == static_cast<std::uint8_t>(Network::kWork) && !pop.is_staff(p)) {
        candidates.push_back(p);
      }
    }
    Rng draw(stream_key(seed, internal::kPurposeCareStaff, r));
    std::size_t used = 0;
    const std::uint32_t first_home = home;
    for (; home < pop.care_homes() &&
           pop.care_residents[pop.care_home_start[home]] < pop.region_start[r + 1];
         ++home) {
      const std::uint32_t residents = pop.care_home_start[home + 1] - pop.care_home_start[home];
      const auto positions =
          static_cast<std::uint32_t>(std::llround(ch.staff_per_resident * residents));
      const auto slots = static_cast<std::uint32_t>(std::llround(ch.agency_share * positions));
      if (agency) pop.care_agency_slots.push_back(slots);
      used += take_drawn(candidates, used, positions - slots, draw, pop.care_staff);
      pop.care_staff_start.push_back(static_cast<std::uint32_t>(pop.care_staff.size()));
    }
    if (!agency) continue;
    Rng agency_draw(stream_key(seed, internal::kPurposeCareAgency, r));
    const std::uint32_t per_pool =
        ch.agency_pool_homes > 0 ? ch.agency_pool_homes : home - first_home;
    for (std::uint32_t h0 = first_home; h0 < home; h0 += per_pool) {
      const std::uint32_t h1 = std::min(home, h0 + per_pool);
      std::size_t wanted = 0;
      for (std::uint32_t h = h0; h < h1; ++h) wanted += pop.care_agency_slots[h];
      used += take_drawn(candidates, used, wanted, agency_draw, pop.care_agency);
      pop.care_pool_start.push_back(h1);
      pop.care_agency_start.push_back(static_cast<std::uint32_t>(pop.care_agency.size()));
    }
  }
}

std::uint8_t draw_adult_group(Rng& rng, const AgeTable& weights) {
  const std::span<const double> adult(weights.data() + 2, kAgeGroups - 2);
  return static_cast<std::uint8_t>(2 + draw_index(rng, adult));
}

// Adds a small-world network over members (Watts-Strogatz: a ring lattice with mean degree
// `degree`, each forward link rewired to a random member with probability 0.1).
void add_small_world(std::span<const std::uint32_t> members, double degree, Rng& rng,
                     std::vector<std::pair<std::uint32_t, std::uint32_t>>& edges) {
  const auto n = static_cast<std::uint32_t>(members.size());
  if (n < 2 || degree <= 0) return;
  if (static_cast<double>(n) <= degree + 1) {
    for (std::uint32_t i = 0; i < n; ++i) {
      for (std::uint32_t j = i + 1; j < n; ++j) edges.emplace_back(members[i], members[j]);
    }
    return;
  }
  const double half = degree / 2;
  const auto whole = static_cast<std::uint32_t>(half);
  const double extra = half - whole;
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t forward = whole + (rng.bernoulli(extra) ? 1u : 0u);
    for (std::uint32_t s = 1; s <= forward; ++s) {
      std::uint32_t j = (i + s) % n;
      if (rng.bernoulli(0.1)) {
        j = rng.below(n);
        if (j == i) continue;
      }
      edges.emplace_back(members[i], members[j]);
    }
  }
}

template <typename T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (std::size_t i = v.size(); i > 1; --i) {
    const std::size_t j = rng.below(static_cast<std::uint32_t>(i));
    std::swap(v[i - 1], v[j]);
  }
}

// Region boundaries at whole households: region r starts at the first household that starts
// at or after the share of the people the weights before r give (validate_config keeps every
// region's share above a household).
std::vector<std::uint32_t> region_boundaries(const PopulationConfig& pc,
                                             std::span<const std::uint32_t> household_start) {
  const std::uint32_t n = household_start.back();
  const std::uint32_t regions = pc.regions;
  std::vector<double> weights = pc.region_weights;
  if (weights.empty()) weights.assign(regions, 1.0);
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<std::uint32_t> start{0};
  double before = 0;
  for (std::uint32_t r = 1; r < regions; ++r) {
    before += weights[r - 1];
    const auto target = static_cast<std::uint32_t>(std::llround(n * (before / total)));
    const auto h = std::lower_bound(household_start.begin(), household_start.end(), target);
    start.push_back(std::max(*h, start.back() + 1));
  }
  start.push_back(n);
  return start;
}

}  // namespace

std::uint32_t Population::region_of(std::uint32_t p) const {
  const auto it = std::upper_bound(region_start.begin(), region_start.end(), p);
  return static_cast<std::uint32_t>(it - region_start.begin()) - 1;
}

std::uint32_t Population::home_of(std::uint32_t p) const {
  const auto at = static_cast<std::uint32_t>(
      std::lower_bound(care_residents.begin(), care_residents.end(), p) - care_residents.begin());
  const auto it = std::upper_bound(care_home_start.begin(), care_home_start.end(), at);
  return static_cast<std::uint32_t>(it - care_home_start.begin()) - 1;
}

std::pair<std::uint32_t, std::uint32_t> Population::region_venues(VenueKind kind,
                                                                  std::uint32_t r) const {
  const auto k = static_cast<std::size_t>(kind);
  const std::uint64_t count = venue_kind_start[k + 1] - venue_kind_start[k];
  const std::uint64_t n = size();
  return {venue_kind_start[k] + static_cast<std::uint32_t>(count * region_start[r] / n),
          venue_kind_start[k] + static_cast<std::uint32_t>(count * region_start[r + 1] / n)};
}

std::uint32_t Population::app_users() const {
  return static_cast<std::uint32_t>(std::count(has_app.begin(), has_app.end(), 1));
}

std::size_t Population::memory_bytes() const {
  return age_group.size() * (1 + 4 + 1 + 1 + 1) + household_start.size() * 4 +
         link_start.size() * 4 + links.size() * 4 + venue_kind.size() + region_start.size() * 4 +
         (staff.size() + staff_start.size() + care_residents.size() + care_home_start.size() +
          care_staff.size() + care_staff_start.size() + care_agency_slots.size() +
          care_pool_start.size() + care_agency.size() + care_agency_start.size()) *
             4;
}

double app_probability(const AppConfig& app, double share, std::uint8_t age_group,
                       std::uint32_t region) {
  const double by_region = app.uptake_by_region.empty() ? 1.0 : app.uptake_by_region[region];
  return std::min(1.0, share * by_region * app.uptake_by_age[age_group]);
}

Population generate_population(const SimConfig& config) {
  const auto& pc = config.population;
  const auto& cc = config.contacts;
  const std::uint64_t seed = config.run.seed;
  const std::uint32_t n = pc.people;
  Population pop;
  pop.age_group.reserve(n);
  pop.household.reserve(n);

  // Households, numbered in order; people are numbered household by household.
  Rng hh_rng(stream_key(seed, internal::kPurposePopulation));
  while (pop.age_group.size() < n) {
    const auto remaining = static_cast<std::uint32_t>(n - pop.age_group.size());
    auto size = static_cast<std::uint32_t>(1 + draw_index(hh_rng, pc.household_size_weights));
    size = std::min(size, remaining);
    const auto h = static_cast<std::uint32_t>(pop.household_start.size());
    pop.household_start.push_back(static_cast<std::uint32_t>(pop.age_group.size()));
    const std::uint8_t head = draw_adult_group(hh_rng, pc.adult_age_weights);
    std::vector<std::uint8_t> ages{head};
    if (size >= 2) {
      // A couple of similar age, or (one in five, for heads under 60) a parent and child.
      if (head <= 5 && hh_rng.bernoulli(0.2)) {
        ages.push_back(static_cast<std::uint8_t>(hh_rng.bernoulli(0.5) ? 0 : 1));
      } else {
        int partner = head + static_cast<int>(hh_rng.below(3)) - 1;
        partner = std::clamp(partner, 2, static_cast<int>(kAgeGroups) - 1);
        ages.push_back(static_cast<std::uint8_t>(partner));
      }
    }
    while (ages.size() < size) {
      ages.push_back(static_cast<std::uint8_t>(hh_rng.bernoulli(0.55) ? 0 : 1));
    }
    for (auto a : ages) {
      pop.age_group.push_back(a);
      pop.household.push_back(h);
    }
  }
  pop.household_start.push_back(n);
  pop.region_start = region_boundaries(pc, pop.household_start);
  const std::uint32_t regions = pop.regions();
  if (config.care_homes.enabled()) place_care_residents(config.care_homes, seed, pop);

  // Recurring networks: schools (0-19), workplaces (employed 20-69), elderly groups (70+),
  // each formed inside a region (children, elderly, and the workers who work there: their
  // own region's but for the commuters).
  pop.network.assign(n, static_cast<std::uint8_t>(Network::kNone));
  std::vector<std::vector<std::uint32_t>> children(regions);
  std::vector<std::vector<std::uint32_t>> workers(regions);
  std::vector<std::vector<std::uint32_t>> elderly(regions);
  Rng work_rng(stream_key(seed, internal::kPurposeWorkplaces));
  Rng commute_rng(stream_key(seed, internal::kPurposeCommuters));
  const internal::RegionChoice commuting(pc.commuting_matrix, pc.commuting_flows, regions);
  std::uint32_t region = 0;
  for (std::uint32_t p = 0; p < n; ++p) {
    while (p >= pop.region_start[region + 1]) ++region;
    const auto g = pop.age_group[p];
    if (g <= 1) {
      children[region].push_back(p);
      pop.network[p] = static_cast<std::uint8_t>(Network::kSchool);
    } else if (g <= 6) {
      if (work_rng.bernoulli(pc.employment_rate)) {
        std::uint32_t at = region;
        if (regions > 1 && commute_rng.bernoulli(pc.commuter_share)) {
          at = commuting.empty() ? (region + 1 + commute_rng.below(regions - 1)) % regions
                                 : commuting.draw(region, commute_rng.uniform());
        }
        workers[at].push_back(p);
        pop.network[p] = static_cast<std::uint8_t>(Network::kWork);
      }
    } else if (pop.care_residents.empty() || !pop.is_resident(p)) {
      // Care-home residents meet no elderly group (config.care_homes).
      elderly[region].push_back(p);
      pop.network[p] = static_cast<std::uint8_t>(Network::kElderly);
    }
  }
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
  Rng link_rng(stream_key(seed, internal::kPurposeLinks));
  Rng school_rng(stream_key(seed, internal::kPurposeSchools));
  // Workplace sizes are log-normal (sigma 1) with the configured mean, at least 2.
  const double mu = std::log(pc.mean_workplace_size) - 0.5;
  for (std::uint32_t r = 0; r < regions; ++r) {
    auto& kids = children[r];
    shuffle(kids, school_rng);
    for (std::size_t i = 0; i < kids.size(); i += pc.school_size) {
      const std::size_t len = std::min<std::size_t>(pc.school_size, kids.size() - i);
      add_small_world({kids.data() + i, len}, cc.school_links, link_rng, edges);
    }
  }
  for (std::uint32_t r = 0; r < regions; ++r) {
    auto& staff = workers[r];
    shuffle(staff, work_rng);
    std::size_t i = 0;
    while (i < staff.size()) {
      const double draw = std::exp(mu + work_rng.normal());
      const auto size = std::max<std::size_t>(2, static_cast<std::size_t>(std::lround(draw)));
      const std::size_t len = std::min(size, staff.size() - i);
      add_small_world({staff.data() + i, len}, cc.work_links, link_rng, edges);
      i += len;
    }
  }
  for (std::uint32_t r = 0; r < regions; ++r) {
    auto& old = elderly[r];
    shuffle(old, link_rng);
    for (std::size_t i = 0; i < old.size(); i += pc.elderly_group_size) {
      const std::size_t len = std::min<std::size_t>(pc.elderly_group_size, old.size() - i);
      add_small_world({old.data() + i, len}, cc.elderly_links, link_rng, edges);
    }
  }
  // CSR, both directions.
  pop.link_start.assign(n + 1, 0);
  for (const auto& [a, b] : edges) {
    ++pop.link_start[a + 1];
    ++pop.link_start[b + 1];
  }
  std::partial_sum(pop.link_start.begin(), pop.link_start.end(), pop.link_start.begin());
  pop.links.resize(pop.link_start[n]);
  {
    std::vector<std::uint32_t> fill(pop.link_start.begin(), pop.link_start.end() - 1);
    for (const auto& [a, b] : edges) {
      pop.links[fill[a]++] = b;
      pop.links[fill[b]++] = a;
    }
  }
  // Each person's later links (b > p) first, in edge order: the daily contacts walk only
  // those (each link once, from its lower end) and stop at the first earlier one.
  for (std::uint32_t p = 0; p < n; ++p) {
    std::stable_partition(pop.links.begin() + pop.link_start[p],
                          pop.links.begin() + pop.link_start[p + 1],
                          [p](std::uint32_t b) { return b > p; });
  }

  // Random encounters per day, fixed per person (OpenABM): negative binomial, mean = sd.
  pop.random_per_day.resize(n);
  pop.has_app.resize(n);
  region = 0;
  for (std::uint32_t p = 0; p < n; ++p) {
    while (p >= pop.region_start[region + 1]) ++region;
    Rng r(stream_key(seed, internal::kPurposeRandomCounts, p));
    const auto g = pop.age_group[p];
    const double mean = g <= 1   ? cc.random_mean_child
                        : g <= 6 ? cc.random_mean_adult
                                 : cc.random_mean_elderly;
    pop.random_per_day[p] =
        static_cast<std::uint8_t>(std::min<std::uint32_t>(60, r.negative_binomial(mean, mean)));
    Rng app(stream_key(seed, internal::kPurposeAppUsers, p));
    pop.has_app[p] =
        app.bernoulli(app_probability(config.app, config.app.uptake, g, region)) ? 1 : 0;
  }

  // Hospital staff: per region, per_100k of its people (at most its workers), drawn among its
  // working people (a partial shuffle from the region's own stream), in ascending order.
  if (config.hospital.staff_per_100k > 0) {
    pop.staff_start.assign(1, 0);
    std::vector<std::uint32_t> candidates;
    for (std::uint32_t r = 0; r + 1 < pop.region_start.size(); ++r) {
      candidates.clear();
      for (std::uint32_t p = pop.region_start[r]; p < pop.region_start[r + 1]; ++p) {
        if (pop.network[p] == static_cast<std::uint8_t>(Network::kWork)) candidates.push_back(p);
      }
      const auto wanted = static_cast<std::uint32_t>(std::min<std::uint64_t>(
          candidates.size(), static_cast<std::uint64_t>(std::llround(
                                 config.hospital.staff_per_100k *
                                 (pop.region_start[r + 1] - pop.region_start[r]) / 1e5))));
      Rng draw(stream_key(seed, internal::kPurposeStaff, r));
      partial_shuffle(candidates, wanted, draw);
      std::sort(candidates.begin(), candidates.begin() + wanted);
      pop.staff.insert(pop.staff.end(), candidates.begin(), candidates.begin() + wanted);
      pop.staff_start.push_back(static_cast<std::uint32_t>(pop.staff.size()));
    }
  }

  if (config.care_homes.enabled()) draw_care_staff(config.care_homes, seed, pop);

  // Venues, grouped by kind.
  const auto count = [&](double per_1000) {
    return std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(n * per_1000 / 1000)));
  };
  const std::uint32_t shops = count(pc.shops_per_1000);
  const std::uint32_t restaurants = count(pc.restaurants_per_1000);
  const std::uint32_t events = count(pc.event_venues_per_1000);
  pop.venue_kind_start = {0, shops, shops + restaurants, shops + restaurants + events};
  pop.venue_kind.reserve(pop.venue_kind_start[3]);
  pop.venue_kind.insert(pop.venue_kind.end(), shops, VenueKind::kShop);
  pop.venue_kind.insert(pop.venue_kind.end(), restaurants, VenueKind::kRestaurant);
  pop.venue_kind.insert(pop.venue_kind.end(), events, VenueKind::kEvent);
  return pop;
}

}  // namespace greenlight::sim

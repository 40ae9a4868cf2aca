// The synthetic population: people with ages, households, recurring networks (schools,
// workplaces, groups of elderly people), venues, random-encounter counts and app users,
// generated from one seed.
//
// Layout: struct of arrays indexed by 32-bit person ids. People are numbered household by
// household, so a household's members are one contiguous id range (data locality for the
// daily household contacts). Recurring links are stored once per direction in CSR form.
// Generation is deterministic in (config, seed) and single-threaded.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "greenlight/sim/config.h"

namespace greenlight::sim {

inline constexpr std::uint32_t kNoPerson = 0xffffffffu;

enum class Network : std::uint8_t { kNone = 0, kSchool = 1, kWork = 2, kElderly = 3 };
enum class VenueKind : std::uint8_t { kShop = 0, kRestaurant = 1, kEvent = 2 };

struct Population {
  // Per person.
  std::vector<std::uint8_t> age_group;       // 0..8 (decades, 80+ last)
  std::vector<std::uint32_t> household;      // household id
  std::vector<std::uint8_t> network;         // Network
  std::vector<std::uint8_t> random_per_day;  // daily random encounters (fixed per person)
  std::vector<std::uint8_t> has_app;         // 1 if the person runs the app
  // Household h has the people [household_start[h], household_start[h + 1]).
  std::vector<std::uint32_t> household_start;
  // Recurring links of person p: links[link_start[p] .. link_start[p + 1]), the links to
  // later people (q > p) first, each part in the order the links were made.
  std::vector<std::uint32_t> link_start;
  std::vector<std::uint32_t> links;
  // Venues: kinds, and the first venue of each kind (venues are grouped by kind).
  std::vector<VenueKind> venue_kind;
  std::array<std::uint32_t, 4> venue_kind_start{};
  // Region r has the people [region_start[r], region_start[r + 1]) (whole households);
  // {0, size()} with one region. Its venues of a kind are region_venues().
  std::vector<std::uint32_t> region_start;
  // Hospital staff (config.hospital): person ids in ascending order; region r's staff are
  // staff[staff_start[r] .. staff_start[r + 1]). Empty without hospital.staff_per_100k.
  std::vector<std::uint32_t> staff;
  std::vector<std::uint32_t> staff_start;
  // Care homes (config.care_homes): residents in ascending order, each a household of its own;
  // home h's residents are care_residents[care_home_start[h] .. care_home_start[h + 1]) and
  // its staff care_staff[care_staff_start[h] .. care_staff_start[h + 1]) (ascending within a
  // home). Homes are numbered region by region. Empty without care_homes.residents_per_100k.
  std::vector<std::uint32_t> care_residents;
  std::vector<std::uint32_t> care_home_start;
  std::vector<std::uint32_t> care_staff;
  std::vector<std::uint32_t> care_staff_start;
  // Agency staff (care_homes.agency_share > 0; empty otherwise): home h has
  // care_agency_slots[h] agency positions; pool k has the homes [care_pool_start[k],
  // care_pool_start[k + 1]) (a region's homes, or runs of agency_pool_homes of them) and the
  // workers care_agency[care_agency_start[k] .. care_agency_start[k + 1]) (ascending within a
  // pool), as many as its homes' positions (fewer if the region runs out of working people).
  std::vector<std::uint32_t> care_agency_slots;
  std::vector<std::uint32_t> care_pool_start;
  std::vector<std::uint32_t> care_agency;
  std::vector<std::uint32_t> care_agency_start;
  // Each resident's family, aligned with care_residents: the people [first, end) of the
  // household it left who stayed there (first == end: none stayed).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> care_family;

  std::uint32_t size() const { return static_cast<std::uint32_t>(age_group.size()); }
  std::uint32_t households() const {
    return static_cast<std::uint32_t>(household_start.size() - 1);
  }
  std::uint32_t app_users() const;
  std::uint32_t regions() const { return static_cast<std::uint32_t>(region_start.size() - 1); }
  std::uint32_t region_of(std::uint32_t p) const;
  // The venues of `kind` in region r: [first, end), the kind's venues split over the regions
  // in proportion to their people (empty when the kind has fewer venues than regions).
  std::pair<std::uint32_t, std::uint32_t> region_venues(VenueKind kind, std::uint32_t r) const;
  bool is_staff(std::uint32_t p) const { return std::binary_search(staff.begin(), staff.end(), p); }
  std::uint32_t care_homes() const {
    return care_home_start.empty() ? 0 : static_cast<std::uint32_t>(care_home_start.size() - 1);
  }
  std::uint32_t care_pools() const {
    return care_pool_start.empty() ? 0 : static_cast<std::uint32_t>(care_pool_start.size() - 1);
  }
  // Home h's residents and its own staff; pool k's agency workers (each ascending).
  std::span<const std::uint32_t> home_residents(std::uint32_t h) const {
    return range_of(care_residents, care_home_start, h);
  }
  std::span<const std::uint32_t> home_staff(std::uint32_t h) const {
    return range_of(care_staff, care_staff_start, h);
  }
  std::span<const std::uint32_t> pool_agency(std::uint32_t k) const {
    return range_of(care_agency, care_agency_start, k);
  }
  bool is_resident(std::uint32_t p) const {
    return std::binary_search(care_residents.begin(), care_residents.end(), p);
  }
  // The home of resident p (is_resident(p)).
  std::uint32_t home_of(std::uint32_t p) const;
  // The family of resident p (is_resident(p)): care_family's range.
  std::pair<std::uint32_t, std::uint32_t> family_of(std::uint32_t p) const {
    const auto it = std::lower_bound(care_residents.begin(), care_residents.end(), p);
    return care_family[static_cast<std::size_t>(it - care_residents.begin())];
  }
  std::span<const std::uint32_t> links_of(std::uint32_t p) const {
    return {links.data() + link_start[p], links.data() + link_start[p + 1]};
  }
  // Bytes held by the arrays (for the memory report).
  std::size_t memory_bytes() const;

 private:
  // Part k of a CSR pair: values[start[k] .. start[k + 1]).
  static std::span<const std::uint32_t> range_of(const std::vector<std::uint32_t>& values,
                                                 const std::vector<std::uint32_t>& start,
                                                 std::uint32_t k) {
    return {values.data() + start[k], values.data() + start[k + 1]};
  }
};

// The probability that a person of age_group in `region` runs the app when `share` of the
// population does: min(1, share x app.uptake_by_region[region] x app.uptake_by_age[age_group])
// (uptake_by_region empty: 1). The health code's coverage uses the same (sim compare: it
// covers exactly the app's users).
double app_probability(const AppConfig& app, double share, std::uint8_t age_group,
                       std::uint32_t region);

// Builds the population for config.population, config.contacts (link counts and random
// encounters) and config.app.uptake, from config.run.seed.

Population generate_population(const SimConfig& config);

}  // namespace greenlight::sim

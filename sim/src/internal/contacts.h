// Daily contact generation (six layers) split into kShards fixed shards.
//
// Shard s owns slice s of the households, of the people (for recurring links and the
// patients in hospital), of the day's random-encounter pairs, of the venues and of the care
// homes. Each shard draws
// from its own streams (seed, purpose, day, shard, salt), so a shard's contacts, and their order,
// do not depend on which thread generates them. prepare_day() runs once per day on one thread;
// after it, generate() may run for different shards concurrently.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/population.h"
#include "greenlight/sim/simulation.h"
#include "internal/parallel.h"
#include "internal/region_choice.h"
#include "internal/rng.h"

namespace greenlight::sim::internal {

inline constexpr std::uint32_t kShards = 64;
inline constexpr std::uint32_t kMinutesPerDay = 1440;

// A person's day for the contact generator (prepare_day's `isolating`, one byte per person).
inline constexpr std::uint8_t kMeetsAll = 0;
inline constexpr std::uint8_t kAtHome = 1;  // isolating: meets the household only
inline constexpr std::uint8_t kAbsent = 2;  // in hospital or dead: meets nobody
// A care-home resident in its home (config.care_homes): meets the home's residents and staff
// only; isolating, it stays in its room and meets the home's staff only.
inline constexpr std::uint8_t kInCareHome = 3;
inline constexpr std::uint8_t kInCareHomeIsolating = 4;

struct Contact {
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  std::uint16_t start_minute = 0;
  std::uint16_t minutes = 0;
  float distance_m = 0;
  Layer layer = Layer::kHousehold;
  // 1: one side is a member of staff at work caring for the other (a patient in hospital, a
  // care-home resident), whose phone may be paused there.
  std::uint8_t staff_at_work = 0;
};

// A patient in hospital today (the hospital layer's contacts).
struct Patient {
  std::uint32_t person = 0;
  bool intensive_care = false;
};

// Two people who met (manual tracing's recalled contacts).
struct MetPair {
  std::uint32_t a = 0;
  std::uint32_t b = 0;
};

struct Visit {
  std::uint32_t person = 0;
  std::uint32_t venue = 0;
  std::uint16_t arrival = 0;  // minute of the day
  std::uint16_t minutes = 0;
};

// [begin, end) of slice `shard` of `n` items.
inline std::pair<std::uint32_t, std::uint32_t> shard_range(std::uint32_t n, std::uint32_t shard) {
  const auto begin = static_cast<std::uint32_t>(static_cast<std::uint64_t>(n) * shard / kShards);
  const auto end =
      static_cast<std::uint32_t>(static_cast<std::uint64_t>(n) * (shard + 1) / kShards);
  return {begin, end};
}

// Over several MPI ranks, the people whose venue visits this rank draws and how every rank's
// visits reach every rank (gathered in rank order, which is person order).
struct VisitShare {
  std::uint32_t first_person = 0;
  std::uint32_t end_person = 0;
  std::function<std::vector<Visit>(std::span<const Visit>)> gather;
};

// A day's distancing (a lockdown, LockdownConfig): people with distanced[p] != 0 meet their
// school and work links with `links` times the usual daily fraction (a link, when either of
// its two people is distanced), have `random` times their random encounters (rounded at
// random, per person and day) and visit venues with `venues` times the usual probability.
// Empty `distanced`: nobody is distanced, and the day's draws are those without a lockdown.
struct Distancing {
  std::span<const std::uint8_t> distanced;
  double links = 1;
  double random = 1;
  double venues = 1;
  bool schools_closed = false;  // no school link is met (lockdown.schools_closed)
};

class ContactGenerator {
 public:
  ContactGenerator(const SimConfig& config, const Population& population)
      : config_(config),
        pop_(population),
        seed_(config.run.seed),
        travel_(config.contacts.travel_matrix, config.contacts.travel_flows,
                config.population.regions),
        distance_(gamma_table(config.contacts.distance_shape, config.contacts.distance_scale)),
        household_distance_(gamma_table(config.contacts.household_distance_shape,
                                        config.contacts.household_distance_scale)),
        // Random encounters: Pareto(shape) x scale minutes, capped at 4 hours.
        random_minutes_(QuantileTable::from_quantile([&](double u) {
          const auto& cc = config.contacts;
          return std::clamp(cc.random_duration_scale_minutes *
                                std::pow(1.0 - u, -1.0 / cc.random_duration_pareto_shape),
                            1.0, 240.0);
        })),
        // min(cap, base + exponential(mean)) minutes, in whole minutes (WholeMinutes).
        link_minutes_(config.contacts.link_minutes_min, config.contacts.link_minutes_mean, 8 * 60),
        shop_minutes_(5, 15, 90),
        restaurant_minutes_(45, 30, 150) {}

  // People with isolating[p] == kAtHome meet only their household today, people with
  // kAbsent nobody (their household's draws are taken all the same). With `share` (several
  // ranks) this rank draws the visits of its people only and gathers everyone's: the same
  // day as one process.
  void prepare_day(std::uint32_t day, std::span<const std::uint8_t> isolating, std::uint64_t salt,
                   std::uint32_t threads, const VisitShare* share = nullptr,
                   const Distancing& distancing = {}) {
    day_ = day;
    salt_ = salt;
    isolating_ = isolating;
    distancing_ = distancing;
    const std::uint32_t n = pop_.size();
    const auto& cc = config_.contacts;
    // Random encounters: one stub per wanted encounter, shuffled and paired.
    // (Filled by shards of people in parallel, at offsets counted first: person order.)
    std::array<std::size_t, kShards + 1> stub_start{};
    parallel_for(threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
      const auto [p0, p1] = shard_range(n, shard);
      std::size_t count = 0;
      for (std::uint32_t p = p0; p < p1; ++p) {
        if (isolating[p] == kMeetsAll) count += random_count(p);
      }
      stub_start[shard + 1] = count;
    });
    for (std::uint32_t k = 0; k < kShards; ++k) stub_start[k + 1] += stub_start[k];
    stubs_.resize(stub_start[kShards]);
    const std::uint32_t regions = pop_.regions();
    // With several regions, each stub's pool: its person's region, or (travel_share of
    // them) the whole country's, pool `regions`, or with a travel matrix the pool of the
    // region drawn from the person's region's row.
    stub_pool_.resize(regions > 1 ? stubs_.size() : 0);
    parallel_for(threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
      const auto [p0, p1] = shard_range(n, shard);
      auto out = stubs_.begin() + static_cast<std::ptrdiff_t>(stub_start[shard]);
      std::uint32_t region = regions > 1 ? pop_.region_of(p0) : 0;
      for (std::uint32_t p = p0; p < p1; ++p) {
        if (isolating[p] != kMeetsAll) continue;
        const std::uint32_t count = random_count(p);
        if (regions > 1) {
          while (p >= pop_.region_start[region + 1]) ++region;
          Rng travel(stream_key(seed_, kPurposeTravel, day, p, salt));
          const std::size_t at = static_cast<std::size_t>(out - stubs_.begin());
          for (std::uint32_t i = 0; i < count; ++i) {
            std::uint32_t pool = region;
            if (travel.bernoulli(cc.travel_share)) {
              pool = travel_.empty() ? regions : travel_.draw(region, travel.uniform());
            }
            stub_pool_[at + i] = static_cast<std::uint16_t>(pool);
          }
        }
        out = std::fill_n(out, count, p);
      }
    });
    if (regions == 1) {
      Rng shuffle_rng(stream_key(seed_, kPurposeRandomShuffle, day, 0, salt));
      shuffle_stubs(stubs_, shuffle_rng);
    } else {
      pair_in_pools(regions, day, salt);
    }
    // Venue visits, by person shard (concatenated in shard order = person order), then
    // grouped by venue and sorted by arrival.
    const auto& vs = pop_.venue_kind_start;
    const std::array<double, 3> prob{cc.shop_visit_probability, cc.restaurant_visit_probability,
                                     cc.event_visit_probability};
    shard_visits_.resize(kShards);
    const std::uint32_t draw0 = share != nullptr ? share->first_person : 0;
    const std::uint32_t draw1 = share != nullptr ? share->end_person : n;
    parallel_for(threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
      auto& out = shard_visits_[shard];
      out.clear();
      const auto [p0, p1] = clamp_range(shard_range(n, shard), draw0, draw1);
      std::uint32_t region = regions > 1 && p0 < p1 ? pop_.region_of(p0) : 0;
      for (std::uint32_t p = p0; p < p1; ++p) {
        if (isolating[p] != kMeetsAll) continue;
        Rng r(stream_key(seed_, kPurposeVisits, day, p, salt));
        const double factor = distanced(p) ? distancing_.venues : 1.0;
        while (regions > 1 && p >= pop_.region_start[region + 1]) ++region;
        for (std::uint32_t kind = 0; kind < 3; ++kind) {
          if (!r.bernoulli(prob[kind] * factor)) continue;
          // A venue of the kind anywhere, or (with regions, but for travellers) in p's region
          // when it has one; with a travel matrix a traveller's is in the region drawn from
          // the row of p's region.
          std::uint32_t first = vs[kind];
          std::uint32_t count = vs[kind + 1] - vs[kind];
          std::uint32_t at = regions;  // anywhere
          if (regions > 1) {
            at = region;
            if (r.bernoulli(cc.travel_share)) {
              at = travel_.empty() ? regions : travel_.draw(region, r.uniform());
            }
          }
          if (at < regions) {
            const auto [v0, v1] = pop_.region_venues(static_cast<VenueKind>(kind), at);
            if (v1 > v0) {
              first = v0;
              count = v1 - v0;
            }
          }
          Visit v{p, first + r.below(count), 0, 0};
          if (kind == 0) {
            v.arrival = static_cast<std::uint16_t>(9 * 60 + r.below(10 * 60));
            v.minutes = shop_minutes_.sample(r);
          } else if (kind == 1) {
            v.arrival = static_cast<std::uint16_t>(r.bernoulli(0.5) ? 12 * 60 + r.below(90)
                                                                    : 18 * 60 + 30 + r.below(120));
            v.minutes = restaurant_minutes_.sample(r);
          } else {
            v.arrival = static_cast<std::uint16_t>(19 * 60 + r.below(30));
            v.minutes = static_cast<std::uint16_t>(120 + r.below(60));
          }
          out.push_back(v);
        }
      }
    });
    patients_ = {};
    home_present_start_.clear();
    visits_.clear();
    for (const auto& part : shard_visits_) visits_.insert(visits_.end(), part.begin(), part.end());
    if (share != nullptr) {
      // Everyone's visits, in person order, split again by person shard.
      visits_ = share->gather(visits_);
      auto from = visits_.begin();
      for (std::uint32_t shard = 0; shard < kShards; ++shard) {
        const std::uint32_t end = shard_range(n, shard).second;
        const auto to = std::lower_bound(
            from, visits_.end(), end, [](const Visit& v, std::uint32_t p) { return v.person < p; });
        shard_visits_[shard].assign(from, to);
        from = to;
      }
    }
    const std::uint32_t venues = static_cast<std::uint32_t>(pop_.venue_kind.size());
    venue_start_.assign(venues + 1, 0);
    for (const auto& v : visits_) ++venue_start_[v.venue + 1];
    for (std::uint32_t i = 0; i < venues; ++i) venue_start_[i + 1] += venue_start_[i];
    std::vector<Visit> grouped(visits_.size());
    std::vector<std::uint32_t> fill(venue_start_.begin(), venue_start_.end() - 1);
    for (const auto& v : visits_) grouped[fill[v.venue]++] = v;
    visits_ = std::move(grouped);
    parallel_for(threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
      const auto [v0, v1] = shard_range(venues, shard);
      for (std::uint32_t i = v0; i < v1; ++i) {
        std::stable_sort(visits_.begin() + venue_start_[i], visits_.begin() + venue_start_[i + 1],
                         [](const Visit& x, const Visit& y) { return x.arrival < y.arrival; });
      }
    });
  }

  // After prepare_day: today's patients in hospital (in person order) and the staff at work
  // today (Population::staff not isolating, in hospital or dead), by region; each pool's
  // (a region's staff, or the country's for the patients of regions without staff at work)
  // share of its patients' contacts that max_staff_contacts allows.
  void prepare_hospital(std::span<const Patient> patients) {
    patients_ = patients;
    working_staff_.clear();
    working_start_.assign(1, 0);
    if (patients.empty()) return;
    for (std::uint32_t r = 0; r + 1 < pop_.staff_start.size(); ++r) {
      for (std::uint32_t i = pop_.staff_start[r]; i < pop_.staff_start[r + 1]; ++i) {
        if (isolating_[pop_.staff[i]] == kMeetsAll) working_staff_.push_back(pop_.staff[i]);
      }
      working_start_.push_back(static_cast<std::uint32_t>(working_staff_.size()));
    }
    const auto regions = static_cast<std::uint32_t>(working_start_.size() - 1);
    std::vector<double> wanted(regions + 1, 0.0);
    for (const Patient& x : patients) wanted[pool_of(x.person)] += contacts_of(x);
    pool_share_.assign(regions + 1, 1.0);
    for (std::uint32_t k = 0; k <= regions; ++k) {
      const double at_work = k < regions ? working_start_[k + 1] - working_start_[k]
                                         : static_cast<double>(working_staff_.size());
      const double allowed = at_work * config_.hospital.max_staff_contacts;
      if (wanted[k] > allowed) pool_share_[k] = allowed / wanted[k];
    }
  }

  // After prepare_day, with care homes: each home's residents there today (kInCareHome,
  // then those isolating in their rooms, each in person order) and its staff at work today
  // (not isolating, in hospital or dead), unit by unit (care_homes.staff_units; one unit
  // without cohorting): the unit's own staff in person order, then the agency workers sent
  // to it today (send_agency_staff), in person order. `closed` (empty, or one per home): the
  // homes that take no visits today.
  void prepare_care_homes(std::span<const std::uint8_t> closed = {}) {
    const std::uint32_t homes = pop_.care_homes();
    units_ = std::max<std::uint32_t>(1, config_.care_homes.staff_units);
    home_closed_.assign(closed.begin(), closed.end());
    home_present_.clear();
    home_present_start_.assign(1, 0);
    home_mixing_.assign(homes, 0);
    on_duty_.clear();
    on_duty_start_.assign(1, 0);
    send_agency_staff();
    auto sent = agency_sent_.begin();
    for (std::uint32_t h = 0; h < homes; ++h) {
      for (const std::uint8_t state : {kInCareHome, kInCareHomeIsolating}) {
        for (const std::uint32_t p : pop_.home_residents(h)) {
          if (isolating_[p] == state) home_present_.push_back(p);
        }
        if (state == kInCareHome) {
          home_mixing_[h] =
              static_cast<std::uint32_t>(home_present_.size()) - home_present_start_.back();
        }
      }
      home_present_start_.push_back(static_cast<std::uint32_t>(home_present_.size()));
      const auto own = pop_.home_staff(h);
      const auto staff = static_cast<std::uint32_t>(own.size());
      std::uint32_t j = 0;
      for (std::uint32_t u = 0; u < units_; ++u) {
        for (; j < staff && unit_of(j, staff) == u; ++j) {
          if (isolating_[own[j]] == kMeetsAll) on_duty_.push_back(own[j]);
        }
        for (; sent != agency_sent_.end() && sent->first == h * units_ + u; ++sent) {
          on_duty_.push_back(sent->second);
        }
        on_duty_start_.push_back(static_cast<std::uint32_t>(on_duty_.size()));
      }
    }
  }

  // The unit of the i-th of n (resident or member of staff of a home, in person order).
  std::uint32_t unit_of(std::uint32_t i, std::uint32_t n) const {
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(i) * units_ / n);
  }
  // The unit of resident p of a home whose residents are `residents`.
  std::uint32_t resident_unit(std::span<const std::uint32_t> residents, std::uint32_t p) const {
    const auto it = std::lower_bound(residents.begin(), residents.end(), p);
    return unit_of(static_cast<std::uint32_t>(it - residents.begin()),
                   static_cast<std::uint32_t>(residents.size()));
  }

  // The agency workers at work today (not isolating, in hospital or dead), each sent to a
  // position of its pool's homes: per pool, its positions (home by home; a home's k-th in
  // unit k mod staff_units) are shuffled on the day's stream of the pool and its workers at
  // work take them in person order. agency_sent_: (home x staff_units + unit, worker),
  // ordered by unit, then worker.
  void send_agency_staff() {
    agency_sent_.clear();
    for (std::uint32_t k = 0; k < pop_.care_pools(); ++k) {
      agency_slots_.clear();
      for (std::uint32_t h = pop_.care_pool_start[k]; h < pop_.care_pool_start[k + 1]; ++h) {
        for (std::uint32_t slot = 0; slot < pop_.care_agency_slots[h]; ++slot) {
          agency_slots_.push_back(h * units_ + slot % units_);
        }
      }
      Rng r = stream(kPurposeAgencyShifts, k);
      shuffle_stubs(agency_slots_, r);
      std::size_t slot = 0;
      for (const std::uint32_t worker : pop_.pool_agency(k)) {
        if (isolating_[worker] != kMeetsAll) continue;
        agency_sent_.emplace_back(agency_slots_[slot++], worker);
      }
    }
    std::sort(agency_sent_.begin(), agency_sent_.end());
  }

  // After prepare_care_homes: the agency workers sent to a home today as (home, worker),
  // ordered by home, then worker.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> agency_shifts() const {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> shifts;
    shifts.reserve(agency_sent_.size());
    for (const auto& [slot, worker] : agency_sent_) shifts.emplace_back(slot / units_, worker);
    std::sort(shifts.begin(), shifts.end());
    return shifts;
  }

  // After prepare_care_homes: home h's staff at work today, unit by unit, each unit's own
  // staff then its agency workers; or only unit u's.
  std::span<const std::uint32_t> on_duty(std::uint32_t h) const {
    const std::uint32_t a = on_duty_start_[h * units_];
    return {on_duty_.data() + a, on_duty_start_[(h + 1) * units_] - a};
  }
  std::span<const std::uint32_t> on_duty(std::uint32_t h, std::uint32_t u) const {
    const std::uint32_t a = on_duty_start_[h * units_ + u];
    return {on_duty_.data() + a, on_duty_start_[h * units_ + u + 1] - a};
  }

  // Visits of the prepared day, grouped by venue and sorted by arrival.
  std::span<const Visit> visits() const { return visits_; }
  // The same visits by person shard (kShards parts), in person order and, for one person,
  // in venue order (one visit per venue kind, kinds in venue-number order).
  std::span<const std::vector<Visit>> visits_by_person() const { return shard_visits_; }

  template <typename Sink>
  void generate(std::uint32_t shard, Sink&& sink) const {
    households(shard, sink);
    links(shard, sink);
    random(shard, sink);
    venues(shard, sink);
    hospital(shard, sink);
    care_homes(shard, sink);
  }

 private:
  Rng stream(std::uint64_t purpose, std::uint32_t shard) const {
    return Rng(stream_key(seed_, purpose, day_, shard, salt_));
  }
  float distance(Rng& r) const { return static_cast<float>(distance_.sample(r)); }

  // Fisher-Yates: swap k exchanges stub n-1-k with stub below(n-k). The draws are taken in
  // that order, kAhead swaps early, so that each swap's random partner is prefetched.
  static void shuffle_stubs(std::span<std::uint32_t> stubs, Rng& rng) {
    const std::size_t size = stubs.size();
    if (size <= 1) return;
    constexpr std::size_t kAhead = 16;
    std::array<std::uint32_t, kAhead> partner{};
    const auto draw = [&](std::size_t k) {
      const std::uint32_t j = rng.below(static_cast<std::uint32_t>(size - k));
      __builtin_prefetch(&stubs[j]);
      partner[k % kAhead] = j;
    };
    for (std::size_t k = 0; k < std::min(kAhead, size - 1); ++k) draw(k);
    for (std::size_t k = 0; k + 1 < size; ++k) {
      const std::uint32_t j = partner[k % kAhead];
      if (k + kAhead + 1 < size) draw(k + kAhead);
      std::swap(stubs[size - 1 - k], stubs[j]);
    }
  }

  // With several regions: the stubs grouped by pool (stub_pool_; pools in order, each in
  // person order), each pool shuffled with its own stream and cut to an even length (an odd
  // pool's last stub meets nobody), so that every pair is made inside one pool.
  void pair_in_pools(std::uint32_t regions, std::uint32_t day, std::uint64_t salt) {
    std::vector<std::size_t> start(regions + 2, 0);
    for (const std::uint16_t pool : stub_pool_) ++start[pool + 1];
    for (std::uint32_t k = 0; k <= regions; ++k) start[k + 1] += start[k];
    std::vector<std::uint32_t> grouped(stubs_.size());
    std::vector<std::size_t> fill(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < stubs_.size(); ++i) grouped[fill[stub_pool_[i]]++] = stubs_[i];
    stubs_.clear();
    for (std::uint32_t k = 0; k <= regions; ++k) {
      const std::span<std::uint32_t> pool(grouped.data() + start[k], start[k + 1] - start[k]);
      Rng rng(stream_key(seed_, kPurposeRandomShuffle, day, k + 1, salt));
      shuffle_stubs(pool, rng);
      const auto paired = pool.first(pool.size() / 2 * 2);
      stubs_.insert(stubs_.end(), paired.begin(), paired.end());
    }
  }
  bool distanced(std::uint32_t p) const {
    return !distancing_.distanced.empty() && distancing_.distanced[p] != 0;
  }
  // Person p's random encounters today: the fixed daily number, times the distancing factor
  // when p is distanced (rounded up with probability the fraction, OpenABM's round_random).
  std::uint32_t random_count(std::uint32_t p) const {
    const std::uint32_t base = pop_.random_per_day[p];
    if (!distanced(p)) return base;
    const double scaled = base * distancing_.random;
    const auto whole = static_cast<std::uint32_t>(scaled);
    Rng r(stream_key(seed_, kPurposeDistancing, day_, p, salt_));
    return whole + (r.uniform() < scaled - whole ? 1 : 0);
  }

  template <typename Sink>
  void households(std::uint32_t shard, Sink& sink) const {
    const auto [h0, h1] = shard_range(pop_.households(), shard);
    Rng r = stream(kPurposeHouseholdContacts, shard);
    const auto& cc = config_.contacts;
    for (std::uint32_t h = h0; h < h1; ++h) {
      const std::uint32_t first = pop_.household_start[h];
      const std::uint32_t last = pop_.household_start[h + 1];
      for (std::uint32_t a = first; a < last; ++a) {
        for (std::uint32_t b = a + 1; b < last; ++b) {
          Contact c{a, b, 0, 0, 0, Layer::kHousehold};
          c.start_minute = static_cast<std::uint16_t>(17 * 60 + r.below(120));
          const double hours = cc.household_hours_min +
                               r.uniform() * (cc.household_hours_max - cc.household_hours_min);
          c.minutes = static_cast<std::uint16_t>(
              std::min<double>(hours * 60, kMinutesPerDay - 1 - c.start_minute));
          c.distance_m = static_cast<float>(household_distance_.sample(r));
          if (isolating_[a] == kAbsent || isolating_[b] == kAbsent) continue;
          sink(c);
        }
      }
    }
  }

  template <typename Sink>
  void links(std::uint32_t shard, Sink& sink) const {
    const auto [p0, p1] = shard_range(pop_.size(), shard);
    Rng r = stream(kPurposeLinkContacts, shard);
    const auto& cc = config_.contacts;
    for (std::uint32_t a = p0; a < p1; ++a) {
      if (isolating_[a] != kMeetsAll) continue;
      for (const std::uint32_t b : pop_.links_of(a)) {
        if (b <= a) break;  // later links come first (Population::links)
        if (isolating_[b] != kMeetsAll) continue;
        const double factor = distanced(a) || distanced(b) ? distancing_.links : 1.0;
        if (!r.bernoulli(cc.daily_link_fraction * factor)) continue;
        Contact c{a, b, 0, 0, 0, Layer::kSchoolWork};
        c.start_minute = static_cast<std::uint16_t>(8 * 60 + r.below(8 * 60));
        c.minutes = link_minutes_.sample(r);
        c.distance_m = distance(r);
        // A closed school's link takes its draws all the same: the other links' contacts
        // are those of a day with the schools open.
        if (distancing_.schools_closed && pop_.network[a] == kSchoolNetwork) continue;
        sink(c);
      }
    }
  }

  template <typename Sink>
  void random(std::uint32_t shard, Sink& sink) const {
    const auto pairs = static_cast<std::uint32_t>(stubs_.size() / 2);
    const auto [i0, i1] = shard_range(pairs, shard);
    Rng r = stream(kPurposeRandomContacts, shard);
    for (std::uint32_t i = i0; i < i1; ++i) {
      const std::uint32_t a = stubs_[2 * i];
      const std::uint32_t b = stubs_[2 * i + 1];
      if (a == b) continue;
      Contact c{std::min(a, b), std::max(a, b), 0, 0, 0, Layer::kRandom};
      c.start_minute = static_cast<std::uint16_t>(7 * 60 + r.below(15 * 60));
      c.minutes = static_cast<std::uint16_t>(random_minutes_.sample(r));
      c.distance_m = distance(r);
      sink(c);
    }
  }

  template <typename Sink>
  void venues(std::uint32_t shard, Sink& sink) const {
    const auto [v0, v1] = shard_range(static_cast<std::uint32_t>(pop_.venue_kind.size()), shard);
    Rng r = stream(kPurposeVenueContacts, shard);
    const auto& cc = config_.contacts;
    const std::array<double, 3> per_visit{cc.shop_contacts, cc.restaurant_contacts,
                                          cc.event_contacts};
    constexpr std::uint32_t kWindow = 8;
    for (std::uint32_t v = v0; v < v1; ++v) {
      const std::uint32_t first = venue_start_[v];
      const std::uint32_t n = venue_start_[v + 1] - first;
      if (n < 2) continue;
      const double mean = per_visit[static_cast<std::size_t>(pop_.venue_kind[v])];
      for (std::uint32_t i = 0; i < n; ++i) {
        const Visit& x = visits_[first + i];
        const std::uint32_t k = r.poisson(mean / 2);  // each contact is proposed by either side
        for (std::uint32_t m = 0; m < k; ++m) {
          const std::uint32_t lo = i >= kWindow ? i - kWindow : 0;
          const std::uint32_t hi = std::min(n - 1, i + kWindow);
          const std::uint32_t j = lo + r.below(hi - lo + 1);
          if (j == i) continue;
          const Visit& y = visits_[first + j];
          if (x.person == y.person) continue;
          const int start = std::max(x.arrival, y.arrival);
          const int end = std::min(x.arrival + x.minutes, y.arrival + y.minutes);
          if (end <= start) continue;
          Contact c{
              std::min(x.person, y.person), std::max(x.person, y.person), 0, 0, 0, Layer::kVenue};
          const double share = 0.2 + 0.8 * r.uniform();
          c.start_minute = static_cast<std::uint16_t>(start);
          c.minutes = static_cast<std::uint16_t>(std::max(1.0, (end - start) * share));
          c.minutes = static_cast<std::uint16_t>(
              std::min<int>(c.minutes, static_cast<int>(kMinutesPerDay) - 1 - start));
          c.distance_m = distance(r);
          sink(c);
        }
      }
    }
  }

  // Each patient of the shard's people meets ward_contacts (intensive care: icu_contacts)
  // staff at work of its region (none there: of the country), drawn with replacement.
  template <typename Sink>
  void hospital(std::uint32_t shard, Sink& sink) const {
    if (patients_.empty() || working_staff_.empty()) return;
    const auto [p0, p1] = shard_range(pop_.size(), shard);
    auto it = std::lower_bound(patients_.begin(), patients_.end(), p0,
                               [](const Patient& x, std::uint32_t p) { return x.person < p; });
    Rng r = stream(kPurposeHospitalContacts, shard);
    const auto regions = static_cast<std::uint32_t>(working_start_.size() - 1);
    for (; it != patients_.end() && it->person < p1; ++it) {
      const std::uint32_t patient = it->person;
      const std::uint32_t pool = pool_of(patient);
      const std::uint32_t first = pool < regions ? working_start_[pool] : 0;
      const std::uint32_t count = pool < regions
                                      ? working_start_[pool + 1] - first
                                      : static_cast<std::uint32_t>(working_staff_.size());
      std::uint32_t k = contacts_of(*it);
      if (pool_share_[pool] < 1) {
        const double scaled = k * pool_share_[pool];
        k = static_cast<std::uint32_t>(scaled);
        if (r.uniform() < scaled - k) ++k;
      }
      for (std::uint32_t m = 0; m < k; ++m) {
        const std::uint32_t carer = working_staff_[first + r.below(count)];
        sink(care_contact(patient, carer, Layer::kHospital, 1, r));
      }
    }
  }

  // The shard's care homes: each resident there and not isolating proposes Poisson(
  // resident_contacts / 2) contacts with the home's other such residents (with zoning, each
  // with probability resident_zoning with such a resident of its unit), then each resident
  // there meets staff_contacts of the home's staff at work, drawn with replacement; with
  // visits, each resident there and not isolating is visited (a stream of its own, so that
  // visits change no other draw).
  template <typename Sink>
  void care_homes(std::uint32_t shard, Sink& sink) const {
    if (home_present_start_.size() < 2) return;
    const auto [h0, h1] = shard_range(pop_.care_homes(), shard);
    Rng r = stream(kPurposeCareContacts, shard);
    const auto& ch = config_.care_homes;
    if (ch.visits_per_week > 0) care_visits(shard, sink);
    const bool zoned = ch.resident_zoning > 0 && units_ > 1;
    std::vector<std::uint32_t> zone_of;     // per mixing resident: its unit
    std::vector<std::uint32_t> zone_start;  // per unit: its first mixing resident
    for (std::uint32_t h = h0; h < h1; ++h) {
      const std::uint32_t* present = home_present_.data() + home_present_start_[h];
      const std::uint32_t there = home_present_start_[h + 1] - home_present_start_[h];
      const std::uint32_t mixing = home_mixing_[h];
      const auto residents = pop_.home_residents(h);
      // The mixing residents are in person order, so each unit's are contiguous.
      if (zoned) {
        zone_of.resize(mixing);
        zone_start.assign(units_ + 1, mixing);
        for (std::uint32_t i = mixing; i-- > 0;) {
          zone_of[i] = resident_unit(residents, present[i]);
          zone_start[zone_of[i]] = i;
        }
        for (std::uint32_t u = units_; u-- > 0;) {
          zone_start[u] = std::min(zone_start[u], zone_start[u + 1]);
        }
      }
      for (std::uint32_t i = 0; i < mixing && mixing > 1; ++i) {
        const std::uint32_t k = r.poisson(ch.resident_contacts / 2);
        for (std::uint32_t m = 0; m < k; ++m) {
          std::uint32_t j = 0;
          if (zoned && r.bernoulli(ch.resident_zoning)) {
            const std::uint32_t first = zone_start[zone_of[i]];
            j = first + r.below(zone_start[zone_of[i] + 1] - first);
          } else {
            j = r.below(mixing);
          }
          if (j == i) continue;
          sink(care_contact(present[i], present[j], Layer::kCareHome, 0, r));
        }
      }
      const std::span<const std::uint32_t> home_duty = on_duty(h);
      if (home_duty.empty()) continue;
      for (std::uint32_t i = 0; i < there; ++i) {
        // With units, the resident's unit's staff at work (the home's when none is).
        // (The mixing residents' units are known when zoned.)
        std::span<const std::uint32_t> duty = home_duty;
        if (units_ > 1) {
          const auto unit =
              on_duty(h, zoned && i < mixing ? zone_of[i] : resident_unit(residents, present[i]));
          if (!unit.empty()) duty = unit;
        }
        const auto staff = static_cast<std::uint32_t>(duty.size());
        for (std::uint32_t m = 0; m < ch.staff_contacts; ++m) {
          sink(care_contact(present[i], duty[r.below(staff)], Layer::kCareHome, 1, r));
        }
      }
    }
  }

  // Each resident of the shard's homes there and not isolating is visited with probability
  // visits_per_week / 7 by a member of its family drawn at random, if that member meets
  // everyone today and is not distanced; a home closed today has no visits.
  template <typename Sink>
  void care_visits(std::uint32_t shard, Sink& sink) const {
    const auto [h0, h1] = shard_range(pop_.care_homes(), shard);
    Rng r = stream(kPurposeCareVisits, shard);
    const double p = config_.care_homes.visits_per_week / 7;
    for (std::uint32_t h = h0; h < h1; ++h) {
      if (!home_closed_.empty() && home_closed_[h] != 0) continue;
      const std::uint32_t* present = home_present_.data() + home_present_start_[h];
      for (std::uint32_t i = 0; i < home_mixing_[h]; ++i) {
        if (!r.bernoulli(p)) continue;
        const auto [first, end] = pop_.family_of(present[i]);
        if (first == end) continue;
        const std::uint32_t visitor = first + r.below(end - first);
        if (isolating_[visitor] != kMeetsAll || distanced(visitor)) continue;
        sink(care_contact(present[i], visitor, Layer::kCareHome, 0, r));
      }
    }
  }

  // A contact at a place of care (hospital, care home): in the day's 08:00-22:00, a
  // workplace contact's minutes and distance.
  Contact care_contact(std::uint32_t x, std::uint32_t y, Layer layer, std::uint8_t staff_at_work,
                       Rng& r) const {
    Contact c{std::min(x, y), std::max(x, y), 0, 0, 0, layer, staff_at_work};
    c.start_minute = static_cast<std::uint16_t>(8 * 60 + r.below(14 * 60));
    c.minutes = link_minutes_.sample(r);
    c.minutes = static_cast<std::uint16_t>(
        std::min<int>(c.minutes, static_cast<int>(kMinutesPerDay) - 1 - c.start_minute));
    c.distance_m = distance(r);
    return c;
  }

  std::uint32_t contacts_of(const Patient& x) const {
    return x.intensive_care ? config_.hospital.icu_contacts : config_.hospital.ward_contacts;
  }
  // The staff pool of a patient: its region's, or (`regions`) the country's when nobody of
  // its region's staff is at work.
  std::uint32_t pool_of(std::uint32_t patient) const {
    const auto regions = static_cast<std::uint32_t>(working_start_.size() - 1);
    const std::uint32_t region = regions > 1 ? pop_.region_of(patient) : 0;
    return working_start_[region + 1] > working_start_[region] ? region : regions;
  }

  const SimConfig& config_;
  const Population& pop_;
  std::uint64_t seed_;
  static constexpr auto kSchoolNetwork = static_cast<std::uint8_t>(Network::kSchool);
  RegionChoice travel_;  // contacts.travel_matrix or _flows (empty: travellers go anywhere)
  QuantileTable distance_;
  QuantileTable household_distance_;
  QuantileTable random_minutes_;
  WholeMinutes link_minutes_;
  WholeMinutes shop_minutes_;
  WholeMinutes restaurant_minutes_;
  std::uint32_t day_ = 0;
  std::uint64_t salt_ = 0;
  std::span<const std::uint8_t> isolating_;
  Distancing distancing_;
  std::vector<std::uint32_t> stubs_;
  std::vector<std::uint16_t> stub_pool_;  // with several regions: each stub's pool
  std::vector<Visit> visits_;
  std::vector<std::vector<Visit>> shard_visits_;
  std::vector<std::uint32_t> venue_start_;
  std::span<const Patient> patients_;
  std::vector<std::uint32_t> working_staff_;  // by region: working_start_
  std::vector<std::uint32_t> working_start_;
  std::vector<double> pool_share_;  // per pool: the share of its patients' contacts met
  // prepare_care_homes(): per home, the residents there (home_present_start_; the first
  // home_mixing_ not isolating) and the staff at work (on_duty_start_).
  std::vector<std::uint32_t> home_present_;
  std::vector<std::uint32_t> home_present_start_;
  std::vector<std::uint32_t> home_mixing_;
  std::vector<std::uint32_t> on_duty_;
  std::vector<std::uint32_t> on_duty_start_;
  std::vector<std::uint8_t> home_closed_;  // per home (or empty): no visits today
  std::uint32_t units_ = 1;                // care_homes.staff_units
  // send_agency_staff(): a pool's positions (their homes), and the day's (home, worker).
  std::vector<std::uint32_t> agency_slots_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> agency_sent_;
};

}  // namespace greenlight::sim::internal

#include "internal/statistics.h"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <functional>
#include <iterator>
#include <numeric>
#include <optional>
#include <string>

#include "internal/contacts.h"
#include "internal/median.h"
#include "internal/parallel.h"

namespace greenlight::sim::internal {

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void PhaseTimes::Clock::lap(Phase phase) {
  const auto now = std::chrono::steady_clock::now();
  const double cpu_now = process_cpu_seconds();
  times_.wall_[phase] += std::chrono::duration<double>(now - last_).count();
  times_.cpu_[phase] += cpu_now - last_cpu_;
  last_ = now;
  last_cpu_ = cpu_now;
}

std::vector<PhaseTime> PhaseTimes::seconds() const {
  std::vector<PhaseTime> out;
  for (std::size_t i = 0; i < kPhases; ++i) {
    out.push_back({std::string(kPhaseNames[i]), wall_[i], cpu_[i]});
  }
  return out;
}

Colour phone_colour(const HealthPhase& health, const SyncPhase& sync, std::uint32_t p,
                    std::uint32_t day) {
  if (health.own_red_until(p) > static_cast<std::int32_t>(day)) return Colour::kRed;
  return sync.exposure_colour(p, day);
}

void finish_day(const World& world, const HealthPhase& health, const SyncPhase& sync,
                std::uint32_t t, DailyStats& st, std::vector<RegionDay>* regions) {
  const auto day = static_cast<std::int32_t>(t);
  const auto inf_days = static_cast<std::int32_t>(world.config.disease.infectious_days);
  const auto infection_day = health.infection_day();
  const auto isolated_until = health.isolated_until();
  const bool reinfection = health.reinfecting();
  // Counts per shard of the population, in parallel, then summed (integers: exact). Over
  // several ranks each counts the people it owns and the ranks sum the counts.
  enum : std::size_t {
    kS,
    kE,
    kI,
    kR,
    kIso,
    kGreen,
    kYellow,
    kRed,
    kAdmitted,
    kHospital,
    kCritical,
    kNewDeaths,
    kDead,
    kPositives,
    kEver,
    kAppOn,
    kResidentDeaths,
    kCounts
  };
  using Counts = std::array<std::uint32_t, kCounts>;
  std::vector<Counts> counts(kShards);
  // With regions, each shard's counts of the regions it meets (person ranges both: a shard
  // meets a few consecutive regions), as (region, counts) in region order.
  const Population& pop = world.pop;
  std::vector<std::vector<std::pair<std::uint32_t, Counts>>> by_region(regions != nullptr ? kShards
                                                                                          : 0);
  parallel_for(world.threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
    const auto [p0, p1] =
        clamp_range(shard_range(world.pop.size(), shard), world.own_begin, world.own_end);
    Counts c{};  // local: shards' counters share cache lines
    Counts before{};
    std::uint32_t region = regions != nullptr && p0 < p1 ? pop.region_of(p0) : 0;
    // Closes the current region's part of the shard: what was counted since `before`.
    const auto close_region = [&] {
      Counts part;
      for (std::size_t k = 0; k < kCounts; ++k) part[k] = c[k] - before[k];
      by_region[shard].emplace_back(region, part);
      before = c;
    };
    for (std::uint32_t p = p0; p < p1; ++p) {
      if (regions != nullptr && p >= pop.region_start[region + 1]) {
        close_region();
        while (p >= pop.region_start[region + 1]) ++region;
      }
      const std::int32_t d = infection_day[p];
      bool dead = false;
      const Course* course = d != kNever ? &health.course(p) : nullptr;
      if (course != nullptr && course->severity != Severity::kNone) {
        const auto k = static_cast<std::uint32_t>(day - d);
        dead = course->dead(k);
        if (course->admitted_on(k)) ++c[kAdmitted];
        if (course->in_hospital(k)) ++c[kHospital];
        if (course->in_critical_care(k)) ++c[kCritical];
        if (dead && k == course->end_day) {
          ++c[kNewDeaths];
          if (!pop.care_residents.empty() && pop.is_resident(p)) ++c[kResidentDeaths];
        }
        if (dead) ++c[kDead];
      }
      if (regions != nullptr) {  // counts of the regions only
        if (d != kNever) ++c[kEver];
        if (health.positive_on(p, day)) ++c[kPositives];
      }
      if (dead) {
        continue;  // in no compartment but the dead; the phone is off
      } else if (d == kNever) {
        ++c[kS];
      } else if (day - d < 2) {
        ++c[kE];
      } else if (day - d < inf_days) {
        ++c[kI];
      } else if (reinfection && health.immunity_level_on(p, t) != VaccineProtection::kInfection) {
        ++c[kS];  // recovered, no longer protected from the first variant by the infection
      } else {
        ++c[kR];
      }
      if (isolated_until[p] > day) ++c[kIso];
      if (!world.app_on(p, t)) continue;
      ++c[kAppOn];
      switch (phone_colour(health, sync, p, t)) {
        case Colour::kGreen:
          ++c[kGreen];
          break;
        case Colour::kYellow:
          ++c[kYellow];
          break;
        case Colour::kRed:
          ++c[kRed];
          break;
      }
    }
    if (regions != nullptr && p0 < p1) close_region();
    counts[shard] = c;
  });
  if (regions != nullptr) {
    // Every region's counts, summed over shards and ranks.
    const std::uint32_t r_count = pop.regions();
    std::vector<std::uint64_t> sums(std::size_t{r_count} * kCounts, 0);
    for (const auto& parts : by_region) {
      for (const auto& [r, part] : parts) {
        for (std::size_t k = 0; k < kCounts; ++k) sums[r * kCounts + k] += part[k];
      }
    }
    world.ranks.sum(sums);
    for (std::uint32_t r = 0; r < r_count; ++r) {
      const auto at = [&](std::size_t k) {
        return static_cast<std::uint32_t>(sums[std::size_t{r} * kCounts + k]);
      };
      RegionDay rd;
      rd.day = t;
      rd.region = r;
      rd.susceptible = at(kS);
      rd.exposed = at(kE);
      rd.infectious = at(kI);
      rd.recovered = at(kR);
      rd.deaths = at(kDead);
      rd.ever_infected = at(kEver);
      rd.isolating = at(kIso);
      rd.app_users = at(kAppOn);
      rd.green = at(kGreen);
      rd.yellow = at(kYellow);
      rd.red = at(kRed);
      rd.new_hospitalised = at(kAdmitted);
      rd.hospitalised = at(kHospital);
      rd.critical = at(kCritical);
      rd.new_deaths = at(kNewDeaths);
      rd.positives = at(kPositives);
      regions->push_back(rd);
    }
  }
  std::array<std::uint64_t, kCounts> total{};
  for (const auto& c : counts) {
    for (std::size_t k = 0; k < kCounts; ++k) total[k] += c[k];
  }
  world.ranks.sum(total);
  st.susceptible += static_cast<std::uint32_t>(total[kS]);
  st.exposed += static_cast<std::uint32_t>(total[kE]);
  st.infectious += static_cast<std::uint32_t>(total[kI]);
  st.recovered += static_cast<std::uint32_t>(total[kR]);
  st.isolating += static_cast<std::uint32_t>(total[kIso]);
  st.green += static_cast<std::uint32_t>(total[kGreen]);
  st.yellow += static_cast<std::uint32_t>(total[kYellow]);
  st.red += static_cast<std::uint32_t>(total[kRed]);
  st.new_hospitalised += static_cast<std::uint32_t>(total[kAdmitted]);
  st.hospitalised += static_cast<std::uint32_t>(total[kHospital]);
  st.critical += static_cast<std::uint32_t>(total[kCritical]);
  st.new_deaths += static_cast<std::uint32_t>(total[kNewDeaths]);
  st.deaths += static_cast<std::uint32_t>(total[kDead]);
  st.new_resident_deaths += static_cast<std::uint32_t>(total[kResidentDeaths]);
  st.cumulative_infections = health.cumulative_infections();
}

namespace {

// The cohorts of days [0, this) whose infectiousness ended before the run did.
std::uint32_t complete_cohorts(const World& world, std::uint32_t days) {
  const std::uint32_t infectious_days = world.config.disease.infectious_days;
  return days > infectious_days ? days - infectious_days : 0;
}

}  // namespace

Reproduction reproduction(const World& world, const HealthPhase& health, std::uint32_t days) {
  // Every rank holds every person's infection day and infector.
  Reproduction out;
  out.cohorts.assign(days, Cohort{});
  out.complete = complete_cohorts(world, days);
  if (days == 0) return out;
  health.for_each_infection([&](const Infection& i) {
    ++out.cohorts[static_cast<std::uint32_t>(i.day)].infected;
    if (i.infector != kNoPerson)
      ++out.cohorts[static_cast<std::uint32_t>(i.infector_day)].secondary;
  });
  return out;
}

Offspring offspring(const World& world, const HealthPhase& health, std::uint32_t days) {
  return count_offspring(
      [&](const std::function<void(const Infection&)>& f) { health.for_each_infection(f); },
      complete_cohorts(world, days));
}

void summarise_staff(const Population& pop, const HealthPhase& health, std::uint32_t days,
                     RunSummary& s) {
  if (pop.staff.empty()) return;
  // One pass over the infections (each person's in day order): the infections the staff
  // caused and those of the staff by a patient, every infection counted (with reinfection
  // a person's earlier ones too); the people of [0] the staff and [1] the other workers ever
  // infected, and their person-days susceptible to a first infection.
  std::array<std::uint64_t, 2> infected{};
  std::array<std::uint64_t, 2> person_days{};
  std::array<std::uint64_t, 2> people{};
  const auto work = static_cast<std::uint8_t>(Network::kWork);
  const auto group = [&](std::uint32_t p) -> std::size_t { return pop.is_staff(p) ? 0 : 1; };
  std::uint32_t last = kNoPerson;  // the person of the previous infection
  health.for_each_infection([&](const Infection& i) {
    if (i.infector != kNoPerson && pop.is_staff(i.infector)) ++s.staff_onward_infections;
    const std::uint32_t p = i.person;
    if (pop.network[p] != work) return;
    const std::size_t g = group(p);
    if (g == 0 && i.layer == static_cast<std::uint8_t>(Layer::kHospital)) {
      ++s.staff_infected_by_patients;
    }
    if (p == last) return;  // not p's first infection
    last = p;
    ++infected[g];
    person_days[g] += static_cast<std::uint64_t>(i.day);
  });
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    if (pop.network[p] != work) continue;
    ++people[group(p)];
  }
  person_days[0] += (people[0] - infected[0]) * days;
  person_days[1] += (people[1] - infected[1]) * days;
  const auto rate = [&](std::size_t g) {
    return person_days[g] > 0
               ? 1000.0 * static_cast<double>(infected[g]) / static_cast<double>(person_days[g])
               : 0.0;
  };
  s.staff = static_cast<std::uint32_t>(people[0]);
  s.staff_infected = static_cast<std::uint32_t>(infected[0]);
  s.other_workers = static_cast<std::uint32_t>(people[1]);
  s.other_workers_infected = static_cast<std::uint32_t>(infected[1]);
  s.staff_rate = rate(0);
  s.other_workers_rate = rate(1);
}

void summarise_care_homes(const Population& pop, const HealthPhase& health, std::uint32_t days,
                          RunSummary& s) {
  if (pop.care_homes() == 0) return;
  s.care_homes = pop.care_homes();
  s.residents = static_cast<std::uint32_t>(pop.care_residents.size());
  s.care_staff = static_cast<std::uint32_t>(pop.care_staff.size());
  s.care_agency_staff = static_cast<std::uint32_t>(pop.care_agency.size());
  // 1: resident, 2: member of a home's staff, 3: agency worker.
  std::vector<std::uint8_t> role(pop.size(), 0);
  for (const std::uint32_t p : pop.care_residents) role[p] = 1;
  for (const std::uint32_t p : pop.care_staff) role[p] = 2;
  for (const std::uint32_t p : pop.care_agency) role[p] = 3;
  const auto infection_day = health.infection_day();
  // The people: residents, homes and staff with an infection; residents dead of their
  // latest.
  for (std::uint32_t h = 0; h < pop.care_homes(); ++h) {
    bool cases = false;
    for (const std::uint32_t p : pop.home_residents(h)) {
      if (infection_day[p] == kNever) continue;
      cases = true;
      ++s.residents_infected;
      const Course& course = health.course(p);
      if (days > 0 && course.dead(static_cast<std::uint32_t>(static_cast<std::int32_t>(days - 1) -
                                                             infection_day[p]))) {
        ++s.resident_deaths;
      }
    }
    if (cases) ++s.care_homes_with_cases;
  }
  for (const std::uint32_t p : pop.care_staff) s.care_staff_infected += infection_day[p] != kNever;
  for (const std::uint32_t p : pop.care_agency) {
    s.care_agency_infected += infection_day[p] != kNever;
  }
  // Who infected whom in a home: every infection (with reinfection a person's earlier ones
  // too), an agency worker's source through its infection of the time.
  const auto in_home = static_cast<std::uint8_t>(Layer::kCareHome);
  const auto caught_from_resident_of_another_home = [&](const Infection& i) {
    bool other_home = false;
    health.for_each_infection_of(i.infector, [&](const Infection& j) {
      if (j.day != i.infector_day) return true;
      other_home = j.layer == in_home && j.infector != kNoPerson && role[j.infector] == 1 &&
                   pop.home_of(j.infector) != pop.home_of(i.person);
      return false;
    });
    return other_home;
  };
  health.for_each_infection([&](const Infection& i) {
    if (i.layer != in_home || i.infector == kNoPerson) return;
    const std::uint8_t by = role[i.infector];
    switch (role[i.person]) {
      case 1:  // a resident
        if (by >= 2) ++s.residents_infected_by_staff;
        if (by == 1) ++s.residents_infected_by_residents;
        if (by == 0) ++s.residents_infected_by_visitors;
        if (by == 3) {
          ++s.residents_infected_by_agency;
          // Carried from another home: the worker caught it there from a resident.
          if (caught_from_resident_of_another_home(i)) {
            ++s.residents_infected_by_agency_from_other_homes;
          }
        }
        break;
      case 2:
        if (by == 1) ++s.care_staff_infected_by_residents;
        break;
      case 3:
        if (by == 1) ++s.care_agency_infected_by_residents;
        break;
      default:  // a visitor
        if (by == 1) ++s.visitors_infected_by_residents;
        break;
    }
  });
}

RunSummary summarise(const World& world, double beta, std::uint32_t days,
                     std::span<const DailyStats> daily, const HealthPhase& health,
                     const SyncPhase& sync) {
  const Population& pop = world.pop;
  RunSummary s;
  s.people = pop.size();
  s.app_users = pop.app_users();
  s.days = days;
  s.beta = beta;
  s.infections = health.cumulative_infections();
  for (const auto& d : daily) {
    if (d.infectious > s.peak_infectious) {
      s.peak_infectious = d.infectious;
      s.peak_day = d.day;
    }
    s.tests += d.tests;
    s.positives += d.positives;
    s.uploads += d.uploads;
    s.notifications_red += d.notified_red;
    s.notifications_yellow += d.notified_yellow;
    s.venue_notifications += d.venue_notifications;
    s.isolation_person_days += d.isolating;
    s.hospitalisations += d.new_hospitalised;
    s.peak_hospitalised = std::max(s.peak_hospitalised, d.hospitalised);
    s.peak_critical = std::max(s.peak_critical, d.critical);
    s.deaths = d.deaths;
    s.active_at_end = d.exposed + d.infectious;
    s.icu_denied += d.icu_denied;
    s.hospital_denied += d.hospital_denied;
    s.vaccinated = d.vaccinated;
    s.peak_test_backlog = std::max(s.peak_test_backlog, d.test_backlog);
    s.tests_given_up += d.tests_given_up;
    s.variant_infections += d.variant_infections;
    s.breakthrough_infections += d.breakthrough_infections;
    s.boosted = d.boosted;
    s.reinfections += d.reinfections;
    s.screening_samples += d.screening_samples;
    s.lockdown_days += d.lockdown;
    s.region_lockdown_days += d.regions_locked;
    s.imported += d.imported;
    s.app_running_at_end = d.green + d.yellow + d.red;
    s.manual_interviews += d.manual_interviews;
    s.manual_traced += d.manual_traced;
    s.peak_interview_backlog = std::max(s.peak_interview_backlog, d.interview_backlog);
    s.staff_absent_days += d.staff_absent;
    s.peak_staff_absent = std::max(s.peak_staff_absent, d.staff_absent);
  }
  summarise_staff(pop, health, days, s);
  summarise_care_homes(pop, health, days, s);
  if (s.uploads > 0) {
    s.notifications_per_upload = static_cast<double>(s.notifications_red + s.notifications_yellow) /
                                 static_cast<double>(s.uploads);
  }
  // Owners each phone matched, as sorted (phone, owner) pairs (8 bytes each: at 10 M people
  // a node-based map of them was larger than the population).
  const auto pair_of = [](std::uint32_t hi, std::uint32_t lo) {
    return (static_cast<std::uint64_t>(hi) << 32) | lo;
  };
  // Each rank holds the ground truth of its own phones (exposure hits, notifications, first
  // days; every phone in one process): each judges its own phones and the infections of its
  // own people, and the ranks add up the counts and gather the delays.
  // A key reached a phone in time when the phone still counted its day (a window of an
  // older day counts for nothing: no exposure hit).
  const std::uint32_t counted_days = world.config.app.risk.max_encounter_age_days;
  std::vector<std::uint64_t> matched;
  matched.reserve(sync.exposure_hits().size());
  for (const auto& h : sync.exposure_hits()) {
    if (h.owner != kNoPerson && h.windows > 0) matched.push_back(pair_of(h.phone, h.owner));
  }
  std::sort(matched.begin(), matched.end());
  auto matched_owner = [&](std::uint32_t phone, std::uint32_t who) {
    return std::binary_search(matched.begin(), matched.end(), pair_of(phone, who));
  };
  // Infected app users whose infector's key for the day of infection reached the phones
  // while the phone still counted that day (both phones running the app that day): the
  // (infector, day) keys asked about, with the sync day of their last fetch. The fetched keys
  // are kept on their owner's rank: each rank sends its questions there (sorted by owner, so
  // grouped by rank), the owner's rank reads its fetched keys once, in fetch order, and sends
  // the answers back to the asking rank.
  struct Fetch {
    std::uint64_t owner_day;
    std::uint32_t sync_day;
    std::uint32_t asker;  // the asking rank
  };
  constexpr std::uint32_t kNotFetched = 0xffffffffu;
  const auto me = static_cast<std::uint32_t>(world.ranks.rank());
  std::vector<Fetch> asked;
  health.for_each_infection([&](const Infection& i) {
    if (i.infector == kNoPerson || !world.owns(i.person)) return;
    const auto d = static_cast<std::uint32_t>(i.day);
    if (!world.app_on(i.person, d) || !world.app_on(i.infector, d)) return;
    asked.push_back({pair_of(i.infector, d), kNotFetched, me});
  });
  const auto by_key = [](const Fetch& a, const Fetch& b) { return a.owner_day < b.owner_day; };
  const auto sort_unique = [&](std::vector<Fetch>& v) {
    std::sort(v.begin(), v.end(), by_key);
    v.erase(std::unique(v.begin(), v.end(),
                        [](const Fetch& a, const Fetch& b) { return a.owner_day == b.owner_day; }),
            v.end());
  };
  sort_unique(asked);
  const auto ranks = static_cast<std::size_t>(world.ranks.size());
  std::vector<std::size_t> per_rank(ranks, 0);
  for (const Fetch& f : asked) {
    const auto owner = static_cast<std::uint32_t>(f.owner_day >> 32);
    ++per_rank[static_cast<std::size_t>(world.owner(owner))];
  }
  std::vector<Fetch> questions;
  world.ranks.exchange<Fetch>(asked, per_rank, questions);
  // One answer per question (several ranks may ask the same key).
  std::stable_sort(questions.begin(), questions.end(), by_key);
  for (const auto& f : sync.fetched()) {
    const std::uint64_t key = pair_of(f.owner, f.day);
    auto it = std::lower_bound(questions.begin(), questions.end(), Fetch{key, 0, 0}, by_key);
    for (; it != questions.end() && it->owner_day == key; ++it) it->sync_day = f.sync_day;
  }
  std::stable_sort(questions.begin(), questions.end(),
                   [](const Fetch& a, const Fetch& b) { return a.asker < b.asker; });
  std::fill(per_rank.begin(), per_rank.end(), 0);
  for (const Fetch& f : questions) ++per_rank[f.asker];
  world.ranks.exchange<Fetch>(questions, per_rank, asked);
  sort_unique(asked);
  auto fetched_on = [&](std::uint32_t owner, std::uint32_t day) -> std::optional<std::uint32_t> {
    const Fetch key{pair_of(owner, day), 0, 0};
    const auto it = std::lower_bound(asked.begin(), asked.end(), key, by_key);
    if (it == asked.end() || it->owner_day != key.owner_day || it->sync_day == kNotFetched) {
      return std::nullopt;
    }
    return it->sync_day;
  };
  const auto infection_day = health.infection_day();
  // Only when the first four weeks' cohorts are complete (a shorter run's would be fewer
  // days than the report's label says).
  const Reproduction rep = reproduction(world, health, days);
  s.early_r = rep.complete >= kEarlyCohortDays ? rep.r(0, kEarlyCohortDays - 1) : 0;
  const OffspringFit fit = fit_offspring(offspring(world, health, days).cases_by_count);
  s.dispersion_k = fit.overdispersed ? fit.k : 0;
  s.share_for_80 = fit.share_for_80;
  // Outcomes by age on the last day run (every rank holds every person's courses).
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    auto& row = s.by_age[pop.age_group[p]];
    ++row.people;
    if (infection_day[p] == kNever) continue;
    ++row.infected;
  }
  health.for_each_infection([&](const Infection& i) {
    if (days == 0) return;
    auto& row = s.by_age[pop.age_group[i.person]];
    const auto k = static_cast<std::uint32_t>(static_cast<std::int32_t>(days - 1) - i.day);
    if (i.course.admitted_by(k)) ++row.admitted;
    if (i.course.dead(k)) ++row.deaths;
  });
  // p's infection on or before `day` (the latest such), if any.
  const auto infection_by = [&](std::uint32_t p, std::int32_t day) {
    std::optional<Infection> found;
    health.for_each_infection_of(p, [&](const Infection& i) {
      if (i.day > day) return true;
      found = i;
      return false;
    });
    return found;
  };
  // Whether one of p's infections was by an owner of a key p matched.
  const auto infected_by_matched = [&](std::uint32_t p) {
    bool found = false;
    health.for_each_infection_of(p, [&](const Infection& i) {
      found = i.infector != kNoPerson && matched_owner(p, i.infector);
      return !found;
    });
    return found;
  };
  // This rank's counts, added up over the ranks below.
  std::array<Ratio*, 7> ratios{
      &s.red_precision,   &s.yellow_precision, &s.notified_infected_by_index,
      &s.red_recall,      &s.any_recall,       &s.infected_contacts_notified,
      &s.infectors_warned};
  std::vector<double> delays;
  for (const auto& n : sync.notifications()) {
    const std::int32_t close_day = sync.true_close_day(n.phone);
    const bool close = close_day != kNever && close_day <= static_cast<std::int32_t>(n.day);
    if (n.colour == Colour::kRed) {
      ++s.red_precision.total;
      if (close) ++s.red_precision.hits;
    } else if (!n.venue) {
      ++s.yellow_precision.total;
      if (close) ++s.yellow_precision.hits;
    }
    if (!n.venue) {
      ++s.notified_infected_by_index.total;
      if (infected_by_matched(n.phone)) ++s.notified_infected_by_index.hits;
    }
    if (const auto i = infection_by(n.phone, static_cast<std::int32_t>(n.day))) {
      delays.push_back(static_cast<double>(static_cast<std::int32_t>(n.day) - i->day));
    }
  }
  for (std::uint32_t p = world.own_begin; p < world.own_end; ++p) {
    if (sync.true_close_day(p) == kNever) continue;
    ++s.red_recall.total;
    ++s.any_recall.total;
    if (sync.first_red_day(p) != kNever) ++s.red_recall.hits;
    if (sync.first_any_day(p) != kNever) ++s.any_recall.hits;
  }
  health.for_each_infection([&](const Infection& i) {
    if (i.infector == kNoPerson || !world.owns(i.person)) return;
    const auto d = static_cast<std::uint32_t>(i.day);
    if (!world.app_on(i.person, d) || !world.app_on(i.infector, d)) return;
    const auto synced = fetched_on(i.infector, d);
    if (!synced || *synced - d > counted_days) return;
    ++s.infected_contacts_notified.total;
    if (matched_owner(i.person, i.infector)) ++s.infected_contacts_notified.hits;
  });
  // Infectors warned: the uploaders are counted on their own rank (their fetched keys), the
  // warned infectors on the infector's (its phone's exposure hits).
  {
    std::vector<std::uint64_t> keys;  // (uploader, day of infection)
    for (const auto& f : sync.fetched()) {
      const std::uint32_t u = f.owner;
      if (infection_day[u] != static_cast<std::int32_t>(f.day)) continue;
      const std::uint32_t i = health.infector()[u];
      if (i == kNoPerson || f.sync_day - f.day > counted_days) continue;
      if (!world.app_on(u, f.day) || !world.app_on(i, f.day)) continue;
      keys.push_back(pair_of(u, f.day));
    }
    std::sort(keys.begin(), keys.end());
    s.infectors_warned.total =
        static_cast<std::uint64_t>(std::unique(keys.begin(), keys.end()) - keys.begin());
    keys.clear();
    for (const auto& h : sync.exposure_hits()) {
      if (h.owner == kNoPerson || h.windows == 0 || health.infector()[h.owner] != h.phone ||
          infection_day[h.owner] != static_cast<std::int32_t>(h.exposure_day)) {
        continue;
      }
      keys.push_back(pair_of(h.owner, h.exposure_day));
    }
    std::sort(keys.begin(), keys.end());
    s.infectors_warned.hits =
        static_cast<std::uint64_t>(std::unique(keys.begin(), keys.end()) - keys.begin());
  }
  std::array<std::uint64_t, 2 * ratios.size()> counts{};
  for (std::size_t k = 0; k < ratios.size(); ++k) {
    counts[2 * k] = ratios[k]->hits;
    counts[2 * k + 1] = ratios[k]->total;
  }
  world.ranks.sum(counts);
  for (std::size_t k = 0; k < ratios.size(); ++k) {
    ratios[k]->hits = counts[2 * k];
    ratios[k]->total = counts[2 * k + 1];
  }
  delays = world.ranks.gather_all<double>(delays);
  s.median_days_infection_to_notification = median(delays);
  if (!delays.empty()) {
    s.mean_days_infection_to_notification =
        std::accumulate(delays.begin(), delays.end(), 0.0) / static_cast<double>(delays.size());
  }
  const VerifyCounters& v = sync.verify_counters();
  s.verified_phones = v.phones;
  s.verified_windows = v.windows;
  s.verify_mismatches = v.mismatches;
  s.verify_colour_mismatches = v.colour_mismatches;
  s.verified_not_green = v.not_green;
  s.verify_client_evictions = v.client_evictions;
  s.verify_client_rejected = v.client_rejected;
  return s;
}

PrivacyView privacy_view(const World& world, const KeyPublisher& publisher,
                         std::span<const DailyStats> daily, const UploadPhase& uploads) {
  PrivacyView v;
  v.server = publisher.holdings();
  for (const auto& d : daily) {
    v.positive_uploaders += d.uploads;
    v.central_contact_pairs += d.app_contacts;
    v.central_contact_records += 2 * d.app_contacts;
    v.central_check_ins += d.check_ins;
    v.central_test_results += d.tests;
  }
  // The venues the server holds a report of, also those of the last day's uploads, which
  // no sync fetched (the phones' fetched warnings left them out).
  v.warned_venues = uploads.reported_venues();
  // The app users whose phone ran the app on some day of the run (a later launch or start
  // identifies nobody).
  for (std::uint32_t p = 0; p < world.pop.size(); ++p) {
    if (world.pop.has_app[p] != 0 && world.app_start(p) < world.config.run.days) {
      ++v.central_people;
    }
  }
  // Phone number + peer + time + duration + attenuation per contact record; phone + venue
  // + times per check-in; phone + date + result per test.
  v.central_bytes = v.central_contact_records * 24 + v.central_check_ins * 20 +
                    v.central_test_results * 16 + v.central_people * 32;
  return v;
}

}  // namespace greenlight::sim::internal

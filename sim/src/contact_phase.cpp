#include "internal/contact_phase.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include "internal/parallel.h"

namespace greenlight::sim::internal {
namespace {

// Salt of the contact streams of the calibration day (never a simulated day's).
constexpr std::uint64_t kCalibrationSalt = 0xca1;

// The first age group the elderly lockdown shields: 70-79 (and 80+), OpenABM's elderly.
constexpr std::uint8_t kElderlyAgeGroup = 7;

}  // namespace

ContactPhase::ContactPhase(const World& world)
    : w_(world),
      generator_(world.config, world.pop),
      contact_state_(world.pop.size()),
      isolating_today_(world.pop.size(), 0),
      shard_patients_(world.pop.staff.empty() ? 0 : kShards),
      tallies_(kShards),
      runs_(kShards),
      checkins_(kRetentionDays + 1) {
  const auto [s0, s1] = split_range(kShards, static_cast<std::uint32_t>(w_.ranks.rank()),
                                    static_cast<std::uint32_t>(w_.ranks.size()));
  shard_begin_ = s0;
  shard_end_ = s1;
  if (w_.ranks.size() > 1) {
    visit_share_.first_person = w_.own_begin;
    visit_share_.end_person = w_.own_end;
    visit_share_.gather = [this](std::span<const Visit> mine) {
      return w_.ranks.gather_all<Visit>(mine);
    };
  }
}

const VisitShare* ContactPhase::visit_share() const {
  return w_.ranks.size() > 1 ? &visit_share_ : nullptr;
}

void ContactPhase::calibrate() {
  // Nobody isolates; care-home residents are in their homes.
  std::vector<std::uint8_t> nobody(w_.pop.size(), kMeetsAll);
  for (const std::uint32_t p : w_.pop.care_residents) nobody[p] = kInCareHome;
  generator_.prepare_day(0, nobody, kCalibrationSalt, w_.threads, visit_share());
  if (w_.pop.care_homes() > 0) generator_.prepare_care_homes();
  std::vector<double> sums(kShards, 0.0);
  const double hh = w_.config.disease.household_weight;
  const double care = w_.config.care_homes.transmission_factor;
  parallel_for(w_.threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
    double s = 0;
    generator_.generate(shard, [&](const Contact& c) {
      s += w_.disease.dose(c.distance_m, c.minutes) * (c.layer == Layer::kHousehold  ? hh
                                                       : c.layer == Layer::kCareHome ? care
                                                                                     : 1.0);
    });
    sums[shard] = s;
  });
  const double total = std::accumulate(sums.begin(), sums.end(), 0.0);
  const double per_person = 2 * total / w_.pop.size();
  beta_ = per_person > 0 ? w_.config.disease.infectious_rate / per_person : 0;
}

const DayCheckIns* ContactPhase::checkins(std::uint32_t day) const {
  const DayCheckIns& ring = checkins_[day % checkins_.size()];
  return ring.day == day ? &ring : nullptr;
}

void ContactPhase::record_checkins(std::uint32_t t, DailyStats& st) {
  // App users scan the venue's QR code (decoded once per venue). Check-ins are kept in
  // person order, and one person's in venue order: the order of the visits by person shard.
  // Each visit's draw is its own stream: drawn in parallel, taken in that order. Over several
  // ranks each rank draws and keeps the check-ins of its own people (the phones that hold
  // them): the sync matches them there and the uploads gather their uploaders'.
  DayCheckIns& ci = checkins_[t % checkins_.size()];
  ci.day = t;
  ci.check_ins.clear();
  const auto parts = generator_.visits_by_person();
  std::vector<std::size_t> part_start(parts.size() + 1, 0);
  for (std::size_t k = 0; k < parts.size(); ++k) {
    part_start[k + 1] = part_start[k] + parts[k].size();
  }
  checkin_drawn_.resize(part_start.back());
  parallel_for(
      w_.threads, static_cast<std::uint32_t>(parts.size()),
      [&](std::uint32_t shard, std::uint32_t) {
        std::uint8_t* drawn = checkin_drawn_.data() + part_start[shard];
        for (const Visit& v : parts[shard]) {
          *drawn++ = w_.owns(v.person) && w_.app_on(v.person, t) &&
                             Rng(stream_key(w_.seed, kPurposeVisits, t, v.person, 0x1000 + v.venue))
                                 .bernoulli(w_.config.app.checkin_probability)
                         ? 1
                         : 0;
        }
      });
  const std::uint8_t* drawn = checkin_drawn_.data();
  for (const auto& part : parts) {
    for (const Visit& v : part) {
      if (*drawn++ == 0) continue;
      const auto start = static_cast<std::uint16_t>(v.arrival / 5);
      const auto end = std::min<std::uint32_t>(kScansPerDay, (v.arrival + v.minutes + 4u) / 5);
      ci.check_ins.push_back({v.person, v.venue, start,
                              static_cast<std::uint16_t>(std::max<std::uint32_t>(1, end - start))});
    }
  }
  st.check_ins = w_.ranks.sum(ci.check_ins.size());
}

void ContactPhase::close_homes(std::uint32_t t, const HealthPhase& health) {
  const auto& ch = w_.config.care_homes;
  if (ch.visits_per_week <= 0 || ch.visits_closed_days == 0) return;
  const auto day = static_cast<std::int32_t>(t);
  const auto closes = [&](std::uint32_t p) {
    const std::int32_t d = health.positive_day(p);
    return d != kNever && d < day && day - d <= static_cast<std::int32_t>(ch.visits_closed_days);
  };
  const Population& pop = w_.pop;
  closed_homes_.assign(pop.care_homes(), 0);
  for (std::uint32_t h = 0; h < pop.care_homes(); ++h) {
    const auto residents = pop.home_residents(h);
    const auto staff = pop.home_staff(h);
    if (std::any_of(residents.begin(), residents.end(), closes) ||
        std::any_of(staff.begin(), staff.end(), closes)) {
      closed_homes_[h] = 1;
      ++closed_home_days_;
    }
  }
}

void ContactPhase::run(std::uint32_t t, const HealthPhase& health, const RadioPhase& radio,
                       DailyStats& st, std::span<const std::uint8_t> locked_regions) {
  const std::uint32_t n = w_.pop.size();
  const auto day = static_cast<std::int32_t>(t);
  const auto infection_day = health.infection_day();
  const auto isolated_until = health.isolated_until();
  // Without a ramp or dropouts every app user runs the app from the launch day on.
  const bool per_phone = w_.app_days_per_phone();
  const bool launched = t >= w_.config.app.start_day;
  const bool vaccinating = health.vaccinating();
  const bool variants = !health.variant().empty();
  const bool escape = health.escapes_vaccine();
  const bool reinfection = health.reinfecting();
  const bool staffed = !shard_patients_.empty();
  const auto& residents = w_.pop.care_residents;
  parallel_for(w_.threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
    const auto [p0, p1] = shard_range(n, shard);
    if (staffed) shard_patients_[shard].clear();
    auto resident = std::lower_bound(residents.begin(), residents.end(), p0);
    for (std::uint32_t p = p0; p < p1; ++p) {
      const bool isolated = isolated_until[p] > day;
      isolating_today_[p] = isolated ? kAtHome : kMeetsAll;
      if (resident != residents.end() && *resident == p) {
        isolating_today_[p] = isolated ? kInCareHomeIsolating : kInCareHome;
        ++resident;
      }
      float inf = 0;
      if (infection_day[p] != kNever) {
        if (health.absent(p, t)) {
          isolating_today_[p] = kAbsent;
          const auto k = static_cast<std::uint32_t>(day - infection_day[p]);
          const Course& course = health.course(p);
          if (staffed && course.in_hospital(k)) {
            shard_patients_[shard].push_back({p, course.in_critical_care(k)});
          }
        }
        inf = static_cast<float>(
            w_.disease.infectiousness(static_cast<std::uint32_t>(day - infection_day[p])) *
            static_cast<double>(health.course(p).infectiousness_factor) *
            (variants ? health.variant_factor(p) : 1.0));
      }
      // A vaccine that protects from the first variant may not from the second (escape).
      std::uint8_t susceptible = 0;
      if (infection_day[p] == kNever) {
        if (!(vaccinating && health.vaccine_immune(p, t))) {
          susceptible = kAnyVariant;
        } else if (escape && !health.vaccine_immune(p, t, 1)) {
          susceptible = 2;
        }
      } else if (reinfection) {
        // Recovered, no longer protected from a variant by the infection nor a vaccine.
        if (health.susceptible(p, t, 0)) susceptible = 1;
        if (variants && health.susceptible(p, t, 1)) susceptible |= 2;
      }
      const auto variant_bit =
          static_cast<std::uint8_t>(variants && inf > 0 ? 1u << health.variant()[p] : 1u);
      contact_state_[p] = {inf, susceptible,
                           per_phone  ? static_cast<std::uint8_t>(w_.app_on(p, t) ? 1 : 0)
                           : launched ? w_.pop.has_app[p]
                                      : std::uint8_t{0},
                           w_.pop.age_group[p], variant_bit};
    }
  });
  const bool locked_down = st.lockdown != 0;
  const bool regional =
      std::find(locked_regions.begin(), locked_regions.end(), 1) != locked_regions.end();
  const Distancing distancing =
      distancing_on(t, locked_down, regional ? locked_regions : std::span<const std::uint8_t>{});
  generator_.prepare_day(t, isolating_today_, 0, w_.threads, visit_share(), distancing);
  if (staffed) {
    patients_.clear();
    for (const auto& part : shard_patients_)
      patients_.insert(patients_.end(), part.begin(), part.end());
    generator_.prepare_hospital(patients_);
    st.staff_absent = static_cast<std::uint32_t>(
        std::count_if(w_.pop.staff.begin(), w_.pop.staff.end(),
                      [&](std::uint32_t s) { return isolating_today_[s] != kMeetsAll; }));
  }
  if (w_.pop.care_homes() > 0) {
    close_homes(t, health);
    generator_.prepare_care_homes(closed_homes_);
  }
  record_checkins(t, st);

  const auto& lockdown = w_.config.lockdown;
  const double hh =
      w_.config.disease.household_weight * (locked_down ? lockdown.household_multiplier : 1.0);
  for (std::uint32_t shard = 0; shard < kShards; ++shard) {
    for (auto& part : runs_[shard]) part.clear();
    tallies_[shard].infections.clear();
    tallies_[shard].contacts = 0;
    tallies_[shard].app_contacts = 0;
    tallies_[shard].met.clear();
    tallies_[shard].recalled.clear();
  }
  const bool recording = record_met_ || record_recalled_;
  // The changes over time, and the season of the day's noon.
  const double beta = beta_ * w_.config.disease.transmission_factor(t) *
                      w_.config.disease.seasonal_factor(w_.midnight(t) + kDaySeconds / 2);
  // Per layer (1 unless disease.transmission_changes_by_layer says otherwise), the household's
  // weight included.
  std::array<double, kLayers> layer{};
  const std::array<double, 4> community = w_.config.disease.layer_factors(t);
  std::copy(community.begin(), community.end(), layer.begin());
  layer[static_cast<std::size_t>(Layer::kHousehold)] *= hh;
  layer[static_cast<std::size_t>(Layer::kHospital)] = w_.config.hospital.transmission_factor;
  layer[static_cast<std::size_t>(Layer::kCareHome)] = w_.config.care_homes.transmission_factor;
  // Per layer: the phones of staff caring there are paused at work (hospital, care homes).
  std::array<bool, kLayers> paused_at_work{};
  paused_at_work[static_cast<std::size_t>(Layer::kHospital)] =
      w_.config.hospital.app_paused_at_work;
  paused_at_work[static_cast<std::size_t>(Layer::kCareHome)] =
      w_.config.care_homes.app_paused_at_work;
  // A locked region's households (not when everyone is locked down: hh has it).
  const double locked_household = regional && !locked_down ? lockdown.household_multiplier : 1.0;
  parallel_for(w_.threads, shard_end_ - shard_begin_, [&](std::uint32_t task, std::uint32_t) {
    const std::uint32_t shard = shard_begin_ + task;
    ShardTally& out = tallies_[shard];
    StagedRuns& runs = runs_[shard];
    Rng trng(stream_key(w_.seed, kPurposeTransmission, t, shard));
    Rng rrng(stream_key(w_.seed, kPurposeRadio, t, shard));
    Rng mrng(stream_key(w_.seed, kPurposeRecall, t, shard));
    auto process = [&](const Contact& c) {
      ++out.contacts;
      if (recording) record(c, out, mrng);
      const ContactState a = contact_state_[c.a];
      const ContactState b = contact_state_[c.b];
      if (a.infectiousness > 0 || b.infectiousness > 0) {
        double dose =
            w_.disease.dose(c.distance_m, c.minutes) * layer[static_cast<std::size_t>(c.layer)];
        if (c.layer == Layer::kHousehold && distanced_.size() > c.a &&
            distanced_[c.a] == kRegionLocked) {
          dose *= locked_household;
        }
        if (a.infectiousness > 0 && (b.susceptible & a.variant_bit) != 0) {
          const double h = beta * static_cast<double>(a.infectiousness) *
                           w_.disease.susceptibility(b.age_group) * dose;
          if (trng.uniform() < 1 - std::exp(-h)) out.infections.push_back({c.b, c.a, c.layer});
        }
        if (b.infectiousness > 0 && (a.susceptible & b.variant_bit) != 0) {
          const double h = beta * static_cast<double>(b.infectiousness) *
                           w_.disease.susceptibility(a.age_group) * dose;
          if (trng.uniform() < 1 - std::exp(-h)) out.infections.push_back({c.a, c.b, c.layer});
        }
      }
      if (a.app == 0 || b.app == 0) return;
      if (c.staff_at_work != 0 && paused_at_work[static_cast<std::size_t>(c.layer)]) return;
      ++out.app_contacts;
      radio.stage(c, rrng, runs);
    };
    // Contacts are processed in generation order, kAhead behind, so that the two people's
    // states are prefetched (random accesses into a large array).
    constexpr std::uint32_t kAhead = 16;
    std::array<Contact, kAhead> ring;
    std::uint32_t head = 0;
    std::uint32_t held = 0;
    generator_.generate(shard, [&](const Contact& c) {
      __builtin_prefetch(&contact_state_[c.a]);
      __builtin_prefetch(&contact_state_[c.b]);
      if (held == kAhead) {
        process(ring[head]);
        ring[head] = c;
        head = (head + 1) % kAhead;
      } else {
        ring[(head + held++) % kAhead] = c;
      }
    });
    for (std::uint32_t i = 0; i < held; ++i) process(ring[(head + i) % kAhead]);
  });
  std::array<std::uint64_t, 2> counts{};
  std::vector<InfectionCandidate> mine;
  for (const auto& o : tallies_) {
    counts[0] += o.contacts;
    counts[1] += o.app_contacts;
    mine.insert(mine.end(), o.infections.begin(), o.infections.end());
  }
  // Ranks hold ascending blocks of shards: rank order is shard order.
  w_.ranks.sum(counts);
  st.contacts = counts[0];
  st.app_contacts = counts[1];
  candidates_ = w_.ranks.gather_all<InfectionCandidate>(mine);
  if (record_recalled_) {
    std::vector<MetPair> recalled;
    for (const auto& o : tallies_)
      recalled.insert(recalled.end(), o.recalled.begin(), o.recalled.end());
    recalled_ = w_.ranks.gather_all<MetPair>(recalled);
  }
  route_runs(radio);
}

void ContactPhase::record(const Contact& c, ShardTally& out, Rng& recall_rng) const {
  if (record_met_) out.met.emplace_back(c.a, c.b);
  if (record_recalled_) {
    // Care in protective equipment in hospital is no contact for the tracers
    // (config.hospital); a care home's contacts are recalled as school and work ones.
    const auto& traceable = w_.config.manual_tracing.traceable_fraction;
    const double f = c.layer == Layer::kHospital ? 0.0
                     : c.layer == Layer::kCareHome
                         ? traceable[static_cast<std::size_t>(Layer::kSchoolWork)]
                         : traceable[static_cast<std::size_t>(c.layer)];
    if (f >= 1 || (f > 0 && recall_rng.uniform() < f)) out.recalled.push_back({c.a, c.b});
  }
}

Distancing ContactPhase::distancing_on(std::uint32_t t, bool everyone,
                                       std::span<const std::uint8_t> locked_regions) {
  const auto& lockdown = w_.config.lockdown;
  const bool elderly = lockdown.elderly_on(t);
  const bool schools_closed = lockdown.schools_closed_on(t);
  if (!everyone && !elderly && locked_regions.empty()) {
    distanced_.clear();
    Distancing open;
    open.schools_closed = schools_closed;
    return open;
  }
  const std::uint32_t n = w_.pop.size();
  distanced_.resize(n);
  parallel_for(w_.threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
    const auto [p0, p1] = shard_range(n, shard);
    std::uint32_t region = locked_regions.empty() || p0 >= p1 ? 0 : w_.pop.region_of(p0);
    for (std::uint32_t p = p0; p < p1; ++p) {
      std::uint8_t d = everyone || (elderly && w_.pop.age_group[p] >= kElderlyAgeGroup) ? 1 : 0;
      if (!everyone && !locked_regions.empty()) {
        while (p >= w_.pop.region_start[region + 1]) ++region;
        if (locked_regions[region] != 0) d = kRegionLocked;
      }
      distanced_[p] = d;
    }
  });
  return {distanced_, lockdown.school_work_multiplier, lockdown.random_multiplier,
          lockdown.venue_multiplier, schools_closed};
}

void ContactPhase::route_runs(const RadioPhase& radio) {
  if (w_.ranks.size() == 1) return;
  const int self = w_.ranks.rank();
  // The rank of every broadcaster of a part, or -1 when the part straddles a rank boundary
  // (then per run).
  std::array<int, kRunParts> part_rank{};
  for (std::uint32_t k = 0; k < kRunParts; ++k) {
    const auto [lo, hi] = radio.part_range(k);
    part_rank[k] = lo >= hi ? self : (w_.owner(lo) == w_.owner(hi - 1) ? w_.owner(lo) : -1);
  }
  const auto rank_of = [&](std::uint32_t k, const StagedRun& r) {
    return part_rank[k] >= 0 ? part_rank[k] : w_.owner(r.broadcaster);
  };
  // The runs of other ranks' broadcasters go to the outbox, grouped by destination rank
  // (counted first), in shard and part order; the runs of this rank's broadcasters stay
  // where they are, in their order.
  std::vector<std::size_t> counts(static_cast<std::size_t>(w_.ranks.size()), 0);
  for (std::uint32_t shard = shard_begin_; shard < shard_end_; ++shard) {
    for (std::uint32_t k = 0; k < kRunParts; ++k) {
      const auto& part = runs_[shard][k];
      runs_staged_ += part.size();
      if (part_rank[k] == self) continue;
      if (part_rank[k] >= 0) {
        counts[static_cast<std::size_t>(part_rank[k])] += part.size();
      } else {
        for (const auto& r : part) {
          const int to = rank_of(k, r);
          if (to != self) ++counts[static_cast<std::size_t>(to)];
        }
      }
    }
  }
  std::vector<std::size_t> fill(counts.size(), 0);
  for (std::size_t k = 1; k < counts.size(); ++k) fill[k] = fill[k - 1] + counts[k - 1];
  outbox_.resize(fill.back() + counts.back());
  for (std::uint32_t shard = shard_begin_; shard < shard_end_; ++shard) {
    for (std::uint32_t k = 0; k < kRunParts; ++k) {
      if (part_rank[k] == self) continue;
      auto& part = runs_[shard][k];
      if (part_rank[k] >= 0) {
        auto& out = fill[static_cast<std::size_t>(part_rank[k])];
        for (const auto& r : part) outbox_[out++] = {shard, r};
        part.clear();
        continue;
      }
      // Kept runs move down in order; the others go out in order.
      std::size_t kept = 0;
      for (const auto& r : part) {
        const int to = rank_of(k, r);
        if (to == self) {
          part[kept++] = r;
        } else {
          outbox_[fill[static_cast<std::size_t>(to)]++] = {shard, r};
        }
      }
      part.resize(kept);
    }
  }
  runs_sent_ += outbox_.size();
  w_.ranks.exchange<RoutedRun>(outbox_, counts, inbox_);
  // Received in rank order, each shard (another rank's) from the one rank that generated it,
  // in its order.
  for (const auto& r : inbox_) runs_[r.shard][radio.part_of(r.run.broadcaster)].push_back(r.run);
}

}  // namespace greenlight::sim::internal

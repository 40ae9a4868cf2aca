#include "greenlight/sim/simulation.h"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "greenlight/crypto/random.h"
#include "greenlight/crypto/venue_crypto.h"
#include "greenlight/sim/client_matcher.h"
#include "greenlight/sim/disease.h"
#include "greenlight/sim/encounter_store.h"
#include "greenlight/sim/phone_keys.h"
#include "greenlight/sim/radio.h"
#include "greenlight/sim/venues.h"
#include "internal/contacts.h"
#include "internal/parallel.h"
#include "internal/rng.h"

namespace greenlight::sim {
namespace {

using internal::kShards;
using internal::Rng;
using internal::stream_key;

constexpr std::int32_t kNever = -1;
constexpr std::uint32_t kRetentionDays = 14;
constexpr std::int64_t kDaySeconds = 86400;
// A true close contact: at least this long within this distance of an uploaded case.
constexpr std::uint32_t kCloseMinutes = 15;
constexpr std::uint32_t kCloseDistanceDm = 20;
// Salt of the contact streams of the calibration day (never a simulated day's).
constexpr std::uint64_t kCalibrationSalt = 0xca1;

struct TekBytesHash {
  std::size_t operator()(const ByteArray<16>& k) const {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | k[static_cast<std::size_t>(i)];
    return static_cast<std::size_t>(v);
  }
};

struct StagedRun {
  std::uint32_t broadcaster;
  std::uint32_t listener;
  std::uint32_t meta;
};

// Staged runs are partitioned by broadcaster range, so that the daily merge runs in
// parallel with each task touching one slice of the log.
constexpr std::uint32_t kRunParts = 64;

// What a contact needs to know about a person, refreshed daily (one cache line load).
struct ContactState {
  float infectiousness = 0;  // today's, 0 when not infectious
  std::uint8_t susceptible = 0;
  std::uint8_t app = 0;
  std::uint8_t age_group = 0;
  std::uint8_t unused = 0;
};

struct InfectionCandidate {
  std::uint32_t victim;
  std::uint32_t infector;
  Layer layer;
};

struct ShardOut {
  std::array<std::vector<StagedRun>, kRunParts> runs;
  std::vector<InfectionCandidate> infections;
  std::uint64_t contacts = 0;
  std::uint64_t app_contacts = 0;
};

struct CloseRecord {
  std::uint32_t phone;
  std::uint32_t peer;
  std::uint32_t day;
  std::uint32_t minutes;
  friend auto operator<=>(const CloseRecord&, const CloseRecord&) = default;
};

struct ProbeOut {
  std::vector<RunHit> hits;
  std::vector<CloseRecord> close;
};

enum Phase : std::size_t {
  kPhaseSync,
  kPhaseHealth,
  kPhaseUploads,
  kPhaseContacts,
  kPhaseStore,
  kPhaseRpis,
  kPhaseInfections,
  kPhaseStats,
  kPhases
};
constexpr std::array<std::string_view, kPhases> kPhaseNames{
    "sync+match", "health",      "uploads",    "contacts",
    "store runs", "derive RPIs", "infections", "statistics"};

// CPU time of the whole process (all threads), in seconds.
double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Adds the wall-clock and process CPU time since construction (or the last lap) to a phase.
class PhaseClock {
 public:
  PhaseClock(std::array<double, kPhases>& wall, std::array<double, kPhases>& cpu)
      : wall_(wall), cpu_(cpu) {}
  void lap(Phase phase) {
    const auto now = std::chrono::steady_clock::now();
    const double cpu_now = process_cpu_seconds();
    wall_[phase] += std::chrono::duration<double>(now - last_).count();
    cpu_[phase] += cpu_now - last_cpu_;
    last_ = now;
    last_cpu_ = cpu_now;
  }

 private:
  std::array<double, kPhases>& wall_;
  std::array<double, kPhases>& cpu_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  double last_cpu_ = process_cpu_seconds();
};

struct Notification {
  std::uint32_t phone = 0;
  std::uint32_t day = 0;
  Colour colour = Colour::kGreen;
  bool venue = false;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

}  // namespace

std::string_view layer_name(Layer layer) {
  switch (layer) {
    case Layer::kHousehold:
      return "household";
    case Layer::kSchoolWork:
      return "school_work";
    case Layer::kRandom:
      return "random";
    case Layer::kVenue:
      return "venue";
  }
  return "household";
}

struct Simulation::Impl {
  Impl(const SimConfig& c, KeyPublisher& p, Population population, VenueDirectory directory)
      : config(c),
        publisher(p),
        pop(std::move(population)),
        radio(c.radio, c.run.seed),
        disease(c.disease),
        scorer(c.app.risk),
        schedule(c.run.seed, c.run.start_unix_seconds),
        venues(std::move(directory)),
        generator(config, pop),
        store(pop.size(), kRetentionDays),
        checkins(kRetentionDays + 1),
        seed(c.run.seed),
        threads(c.run.threads) {
    const std::uint32_t n = pop.size();
    infection_day.assign(n, kNever);
    infector.assign(n, kNoPerson);
    infection_layer.assign(n, 0);
    course.assign(n, Course{});
    isolated_until.assign(n, 0);
    test_sample_day.assign(n, kNever);
    test_result_day.assign(n, kNever);
    test_positive.assign(n, 0);
    positive_day.assign(n, kNever);
    own_red_until.assign(n, 0);
    red_until.assign(n, 0);
    yellow_until.assign(n, 0);
    true_close_day.assign(n, kNever);
    first_red_day.assign(n, kNever);
    first_any_day.assign(n, kNever);
    isolating_today.assign(n, 0);
    contact_state.assign(n, ContactState{});
    while ((static_cast<std::uint64_t>(n - 1) >> part_shift) >= kRunParts) ++part_shift;
    sample_day_of_result.assign(n, 0);
    shard_out.resize(kShards);
    expanders.resize(std::max<std::uint32_t>(1, threads));
    for (auto& e : expanders) e = std::make_unique<GaenExpander>();
  }

  // --- setup -------------------------------------------------------------------------

  void calibrate() {
    const std::vector<std::uint8_t> nobody(pop.size(), 0);
    generator.prepare_day(0, nobody, kCalibrationSalt, threads);
    std::vector<double> sums(kShards, 0.0);
    const double hh = config.disease.household_weight;
    internal::parallel_for(threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
      double s = 0;
      generator.generate(shard, [&](const internal::Contact& c) {
        s += disease.dose(c.distance_m, c.minutes) * (c.layer == Layer::kHousehold ? hh : 1.0);
      });
      sums[shard] = s;
    });
    const double total = std::accumulate(sums.begin(), sums.end(), 0.0);
    const double per_person = 2 * total / pop.size();
    beta = per_person > 0 ? config.disease.infectious_rate / per_person : 0;
  }

  void seed_infections() {
    Rng r(stream_key(seed, internal::kPurposeSeedInfections));
    std::uint32_t placed = 0;
    while (placed < config.disease.initial_infections) {
      const std::uint32_t p = r.below(pop.size());
      if (infection_day[p] != kNever) continue;
      infect(p, kNoPerson, Layer::kHousehold, 0);
      ++placed;
    }
    cumulative = placed;
  }

  void infect(std::uint32_t p, std::uint32_t by, Layer layer, std::uint32_t day) {
    infection_day[p] = static_cast<std::int32_t>(day);
    infector[p] = by;
    infection_layer[p] = static_cast<std::uint8_t>(layer);
    course[p] =
        disease.sample_course(pop.age_group[p], stream_key(seed, internal::kPurposeProgression, p));
  }

  // --- helpers -----------------------------------------------------------------------

  Rng decision(std::uint64_t purpose, std::uint32_t p, std::uint32_t day,
               std::uint64_t what) const {
    return Rng(stream_key(seed, purpose, p, day, what));
  }

  void isolate(std::uint32_t p, std::int32_t until) {
    isolated_until[p] = std::max(isolated_until[p], until);
  }

  void order_test(std::uint32_t p, std::uint32_t day) {
    if (positive_day[p] != kNever || test_sample_day[p] != kNever || test_result_day[p] != kNever) {
      return;
    }
    test_sample_day[p] = static_cast<std::int32_t>(day + config.testing.order_delay_days);
  }

  Colour exposure_colour(std::uint32_t p, std::uint32_t day) const {
    const auto t = static_cast<std::int32_t>(day);
    if (red_until[p] > t) return Colour::kRed;
    if (yellow_until[p] > t) return Colour::kYellow;
    return Colour::kGreen;
  }

  Colour colour(std::uint32_t p, std::uint32_t day) const {
    if (own_red_until[p] > static_cast<std::int32_t>(day)) return Colour::kRed;
    return exposure_colour(p, day);
  }

  // --- 06:00 sync ----------------------------------------------------------------------

  Status sync(std::uint32_t t, std::int64_t now, DailyStats& st) {
    auto batch = publisher.fetch_new(now);
    GL_RETURN_IF_ERROR(batch);
    st.keys_fetched = static_cast<std::uint32_t>(batch->keys.size());
    st.venue_reports_fetched = static_cast<std::uint32_t>(batch->venue_warnings.size());
    if (t == 0) return ok();
    const std::uint32_t first_day = t > kRetentionDays ? t - kRetentionDays : 0;
    const std::uint32_t last_day = t - 1;
    const auto& keys = batch->keys;

    // Ground truth: who uploaded each key (padding keys have no owner).
    std::vector<std::uint32_t> owner(keys.size(), kNoPerson);
    std::map<std::uint32_t, std::vector<std::uint64_t>> published_bits;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      auto it = uploaded_keys.find(keys[i].key_data.array());
      if (it == uploaded_keys.end()) continue;
      owner[i] = it->second.first;
      const std::uint32_t d = it->second.second;
      // A key is published once; its owner is not needed after this sync.
      uploaded_keys.erase(it);
      fetched.push_back({owner[i], d, t});
      fetched_person_day[(static_cast<std::uint64_t>(owner[i]) << 32) | d] = t;
      if (d >= first_day && d <= last_day) {
        auto& bits = published_bits[d];
        if (bits.empty()) bits.assign((pop.size() + 63) / 64, 0);
        bits[owner[i] / 64] |= 1ULL << (owner[i] % 64);
      }
    }

    SharedRpiTable table;
    if (!keys.empty()) table.build(keys, schedule, first_day, last_day, *expanders[0]);
    const std::vector<std::uint32_t> table_days = table.days();

    // Every phone probes the shared table with its runs of each day that has new keys.
    std::vector<ProbeOut> probe(kShards);
    if (!table_days.empty()) {
      internal::parallel_for(threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
        const auto [p0, p1] = internal::shard_range(pop.size(), shard);
        ProbeOut& out = probe[shard];
        for (const std::uint32_t d : table_days) {
          const DayEncounters* day = store.find(d);
          const SharedRpiTable::DayTable* rpis = table.day(d);
          if (day == nullptr || rpis == nullptr) continue;
          const auto bits_it = published_bits.find(d);
          const std::uint64_t* bits =
              bits_it == published_bits.end() ? nullptr : bits_it->second.data();
          // Runs are grouped by broadcaster p; each run is one listener's stored run. The
          // probe reads only the RPI prefixes (the filter rejects almost every run).
          const std::uint64_t* prefix = day->rpi_prefix.data();
          const std::uint32_t r_end = day->offsets[p1];
          std::uint32_t p = p0;
          for (std::uint32_t r = day->offsets[p0]; r < r_end; ++r) {
            if (r + 16 < r_end) __builtin_prefetch(rpis->filter_word(prefix[r + 16]));
            const auto e = rpis->find(prefix[r]);
            if (!e) continue;
            while (day->offsets[p + 1] <= r) ++p;
            const std::int64_t seen = RunMeta::start_scan(day->meta[r]) / kScansPerInterval;
            const std::int64_t drift = seen - e->interval_offset;
            if (drift >= -static_cast<std::int64_t>(kMatchingClockDriftIntervals) &&
                drift <= static_cast<std::int64_t>(kMatchingClockDriftIntervals)) {
              out.hits.push_back({day->listener[r], d, r, e->key_index, p});
            }
          }
          // Ground truth: runs of uploaded cases at close range.
          if (bits != nullptr) {
            for (std::uint32_t b = p0; b < p1; ++b) {
              if ((bits[b / 64] >> (b % 64) & 1) == 0) continue;
              for (std::uint32_t r = day->offsets[b]; r < day->offsets[b + 1]; ++r) {
                const std::uint32_t meta = day->meta[r];
                if (RunMeta::distance_dm(meta) <= kCloseDistanceDm) {
                  out.close.push_back(
                      {day->listener[r], b, d, RunMeta::scans(meta) * (kScanSeconds / 60)});
                }
              }
            }
          }
        }
      });
    }
    std::vector<RunHit> hits;
    std::vector<CloseRecord> close;
    for (auto& o : probe) {
      hits.insert(hits.end(), o.hits.begin(), o.hits.end());
      close.insert(close.end(), o.close.begin(), o.close.end());
    }
    std::sort(hits.begin(), hits.end());
    std::sort(close.begin(), close.end());
    // True close contacts: >= 15 minutes within 2 m of an uploaded case on one day.
    for (std::size_t i = 0; i < close.size();) {
      std::size_t j = i;
      std::uint32_t minutes = 0;
      while (j < close.size() && close[j].phone == close[i].phone &&
             close[j].peer == close[i].peer && close[j].day == close[i].day) {
        minutes += close[j].minutes;
        ++j;
      }
      if (minutes >= kCloseMinutes && true_close_day[close[i].phone] == kNever) {
        true_close_day[close[i].phone] = static_cast<std::int32_t>(t);
      }
      i = j;
    }

    // Per phone: windows, scores, colour.
    struct Update {
      std::uint32_t phone;
      std::int32_t red_until;
      std::int32_t yellow_until;
      bool venue;
    };
    std::vector<Update> updates;
    std::map<std::uint32_t, std::vector<ExposureWindow>> shared_windows;
    const auto& risk = config.app.risk;
    // The client's rules decide which days still count, their level and how long the colour
    // lasts; the simulator only keeps per-day sums across syncs.
    const client::RiskConfig& client_risk = scorer.client_config();
    const std::int64_t start = schedule.start_unix_seconds();
    const auto unix_day = [&](std::uint32_t d) {
      return start + static_cast<std::int64_t>(d) * kDaySeconds;
    };
    const auto sim_day = [&](std::int64_t unix_seconds) {
      return static_cast<std::int32_t>((unix_seconds - start) / kDaySeconds);
    };
    const std::int64_t oldest_day = client::oldest_counted_day(now, client_risk);
    for (std::size_t i = 0; i < hits.size();) {
      std::size_t j = i;
      while (j < hits.size() && hits[j].phone == hits[i].phone) ++j;
      const std::uint32_t p = hits[i].phone;
      auto windows = windows_from_hits({hits.data() + i, j - i}, store, keys, radio, seed);
      Update u{p, 0, 0, false};
      std::map<std::pair<std::uint32_t, std::uint32_t>, ExposureHit> per_key_day;
      std::set<std::uint32_t> days_touched;
      for (const auto& w : windows) {
        const WindowScore s = scorer.score(w);
        auto& h = per_key_day[{w.key_index, w.day}];
        h.phone = p;
        h.owner = owner[w.key_index];
        h.exposure_day = w.day;
        h.sync_day = t;
        if (!s.counted) continue;
        h.normalized_minutes += s.normalized_minutes;
        ++h.windows;
        if (unix_day(w.day) < oldest_day) continue;
        day_scores[(static_cast<std::uint64_t>(p) << 32) | w.day] += s.normalized_minutes;
        days_touched.insert(w.day);
      }
      for (auto& [kd, h] : per_key_day) exposure_hits.push_back(h);
      for (const std::uint32_t d : days_touched) {
        const double sum = day_scores[(static_cast<std::uint64_t>(p) << 32) | d];
        switch (scorer.day_level(sum)) {
          case client::RiskLevel::kHigh:
            u.red_until = std::max(
                u.red_until, sim_day(client::rule_valid_until(client::ColourRule::kHighRiskExposure,
                                                              unix_day(d), client_risk)));
            break;
          case client::RiskLevel::kLow:
            u.yellow_until =
                std::max(u.yellow_until,
                         sim_day(client::rule_valid_until(client::ColourRule::kLowRiskExposure,
                                                          unix_day(d), client_risk)));
            break;
          case client::RiskLevel::kNone:
            break;
        }
      }
      if (u.red_until > 0 || u.yellow_until > 0) updates.push_back(u);
      if (config.run.verify_phones > 0) shared_windows[p] = std::move(windows);
      i = j;
    }

    // Venue warnings: each warning is checked once as every phone that checked in at the
    // venue checks it (the health authority's signature with the pinned key, the owner's
    // with the poster's owner key: check_venue_warning), then phones compare it with their
    // check-ins.
    std::unordered_map<std::uint32_t, std::vector<VenueReportRecord>> warnings;
    const std::vector<EcdsaP256PublicKey> authority = publisher.authority_keys();
    for (const auto& warning : batch->venue_warnings) {
      const auto v = venues.find(warning.location_tag);
      if (!v) continue;
      const VenueWarningCheck check = check_venue_warning(
          venues.location_id(*v), venues.owner_public_key(*v), authority, warning);
      if (check.verdict != VenueWarningVerdict::kAccepted) continue;
      warnings[*v].push_back(check.record);
      warned_venues.insert(*v);
    }
    if (!warnings.empty()) {
      for (std::uint32_t d = first_day; d <= last_day; ++d) {
        const DayCheckIns& ring = checkins[d % checkins.size()];
        if (ring.day != d) continue;
        if (t - d > risk.venue_warning_days) continue;
        const std::uint32_t base = schedule.day_interval(d).value;
        for (const auto& c : ring.check_ins) {
          auto it = warnings.find(c.venue);
          if (it == warnings.end()) continue;
          const std::uint32_t in = base + c.start_scan / kScansPerInterval;
          const std::uint32_t out =
              base + (c.start_scan + c.scans + kScansPerInterval - 1) / kScansPerInterval;
          for (const auto& w : it->second) {
            if (w.start_interval.value < out && in < w.end_interval().value) {
              updates.push_back(
                  {c.person, 0, static_cast<std::int32_t>(d + risk.venue_warning_days + 1), true});
              break;
            }
          }
        }
      }
    }

    // Apply: a notification when a phone's exposure colour rises.
    std::sort(updates.begin(), updates.end(),
              [](const Update& a, const Update& b) { return a.phone < b.phone; });
    for (std::size_t i = 0; i < updates.size();) {
      const std::uint32_t p = updates[i].phone;
      const Colour before = exposure_colour(p, t);
      bool venue_only = true;
      std::size_t j = i;
      while (j < updates.size() && updates[j].phone == p) {
        red_until[p] = std::max(red_until[p], updates[j].red_until);
        yellow_until[p] = std::max(yellow_until[p], updates[j].yellow_until);
        if (!updates[j].venue) venue_only = false;
        ++j;
      }
      const Colour after = exposure_colour(p, t);
      if (after > before) notify(p, t, after, venue_only, st);
      i = j;
    }

    if (config.run.verify_phones > 0 && !keys.empty()) {
      auto v = verify(t, first_day, last_day, keys, shared_windows);
      GL_RETURN_IF_ERROR(v);
    }
    return ok();
  }

  void notify(std::uint32_t p, std::uint32_t t, Colour c, bool venue, DailyStats& st) {
    notifications.push_back({p, t, c, venue});
    if (c == Colour::kRed) {
      ++st.notified_red;
      if (first_red_day[p] == kNever) first_red_day[p] = static_cast<std::int32_t>(t);
    } else {
      ++st.notified_yellow;
    }
    if (venue) ++st.venue_notifications;
    if (first_any_day[p] == kNever) first_any_day[p] = static_cast<std::int32_t>(t);
    if (positive_day[p] != kNever) return;
    const auto& app = config.app;
    if (c == Colour::kRed) {
      const auto until = static_cast<std::int32_t>(t + app.red_isolation_days);
      if (decision(internal::kPurposeBehaviour, p, t, 10).bernoulli(app.red_isolation_adherence)) {
        isolate(p, until);
      }
      if (app.household_isolation_on_red) {
        const std::uint32_t h = pop.household[p];
        for (std::uint32_t q = pop.household_start[h]; q < pop.household_start[h + 1]; ++q) {
          if (q != p && decision(internal::kPurposeBehaviour, q, t, 13)
                            .bernoulli(app.red_isolation_adherence)) {
            isolate(q, until);
          }
        }
      }
      if (decision(internal::kPurposeBehaviour, p, t, 11).bernoulli(app.red_test_probability)) {
        order_test(p, t);
      }
    } else if (decision(internal::kPurposeBehaviour, p, t, 12)
                   .bernoulli(app.yellow_test_probability)) {
      order_test(p, t);
    }
  }

  Status verify(std::uint32_t t, std::uint32_t first_day, std::uint32_t last_day,
                std::span<const TemporaryExposureKey> keys,
                const std::map<std::uint32_t, std::vector<ExposureWindow>>& shared) {
    // Half the sample from phones the shared path matched, half uniformly from app users.
    std::vector<std::uint32_t> sample;
    const std::uint32_t want = config.run.verify_phones;
    for (const auto& [p, w] : shared) {
      if (sample.size() >= want / 2 + want % 2) break;
      sample.push_back(p);
    }
    Rng r(stream_key(seed, internal::kPurposeVerify, t));
    for (std::uint32_t tries = 0; sample.size() < want && tries < want * 20; ++tries) {
      const std::uint32_t p = r.below(pop.size());
      if (pop.has_app[p] == 0) continue;
      if (std::find(sample.begin(), sample.end(), p) != sample.end()) continue;
      sample.push_back(p);
    }
    // Each sampled phone's log goes through the client library: its encounter log, matcher,
    // exposure windows, risk scoring and colour rule, against this sync's keys.
    ClientPhoneMatcher matcher(schedule.start_unix_seconds(), config.app.risk);
    const std::int64_t now = schedule.start_unix_seconds() + t * kDaySeconds + 6 * 3600;
    for (const std::uint32_t p : sample) {
      const auto sightings =
          phone_sightings(p, store, first_day, last_day, schedule, radio, seed, *expanders[0]);
      auto client_windows = matcher.match(sightings, keys, now);
      GL_RETURN_IF_ERROR(client_windows);
      const auto it = shared.find(p);
      const std::vector<ExposureWindow> none;
      const auto& mine = it == shared.end() ? none : it->second;
      ++verified_phones;
      verified_windows += client_windows->size();
      if (*client_windows != mine) ++verify_mismatches;
      if (matcher.colour() != colour_of_windows(mine, scorer, schedule.start_unix_seconds(), now)) {
        ++verify_colour_mismatches;
      }
      if (matcher.colour() != Colour::kGreen) ++verified_not_green;
      const auto& log = matcher.log_stats();
      verify_client_evictions +=
          static_cast<std::uint64_t>(log.evicted_pending + log.evicted_confirmed +
                                     log.evicted_one_off + log.dropped_sightings);
      verify_client_rejected += matcher.sightings_rejected();
    }
    return ok();
  }

  // --- 09:00 health events, 12:00 uploads -------------------------------------------------

  void health(std::uint32_t t, DailyStats& st, std::vector<std::uint32_t>& uploaders) {
    const auto& tc = config.testing;
    const auto day = static_cast<std::int32_t>(t);
    for (std::uint32_t p = 0; p < pop.size(); ++p) {
      if (isolated_until[p] > day && tc.isolation_daily_dropout > 0 &&
          decision(internal::kPurposeBehaviour, p, t, 1).bernoulli(tc.isolation_daily_dropout)) {
        isolated_until[p] = day;
      }
      const bool infected = infection_day[p] != kNever;
      const bool onset =
          infected && course[p].symptomatic && day == infection_day[p] + course[p].onset_delay_days;
      if (onset) ++st.new_symptomatic;
      const bool false_symptoms = !onset && config.disease.false_symptom_rate > 0 &&
                                  decision(internal::kPurposeFalseSymptoms, p, t, 0)
                                      .bernoulli(config.disease.false_symptom_rate);
      if ((onset || false_symptoms) && positive_day[p] == kNever && tc.symptom_isolation > 0 &&
          decision(internal::kPurposeBehaviour, p, t, 2).bernoulli(tc.symptom_isolation)) {
        const auto until = day + static_cast<std::int32_t>(tc.symptom_isolation_days);
        isolate(p, until);
        if (tc.household_isolation) {
          const std::uint32_t h = pop.household[p];
          for (std::uint32_t q = pop.household_start[h]; q < pop.household_start[h + 1]; ++q) {
            isolate(q, until);
          }
        }
        order_test(p, t);
      }
      if (test_sample_day[p] == day) {
        test_sample_day[p] = kNever;
        Rng r = decision(internal::kPurposeTesting, p, t, 0);
        bool positive = false;
        if (infected) {
          const auto since = static_cast<std::uint32_t>(day - infection_day[p]);
          const bool sensitive = since >= tc.sensitive_from_day && since <= tc.sensitive_to_day;
          positive = sensitive ? r.bernoulli(tc.sensitivity) : r.bernoulli(1 - tc.specificity);
        } else {
          positive = r.bernoulli(1 - tc.specificity);
        }
        test_positive[p] = positive ? 1 : 0;
        test_result_day[p] = day + static_cast<std::int32_t>(tc.result_delay_days);
        sample_day_of_result[p] = t;
      }
      if (test_result_day[p] == day) {
        test_result_day[p] = kNever;
        ++st.tests;
        if (test_positive[p] != 0 && positive_day[p] == kNever)
          positive_result(p, t, st, uploaders);
      }
    }
  }

  void positive_result(std::uint32_t p, std::uint32_t t, DailyStats& st,
                       std::vector<std::uint32_t>& uploaders) {
    const auto& tc = config.testing;
    const auto day = static_cast<std::int32_t>(t);
    positive_day[p] = day;
    ++st.positives;
    const auto until = day + static_cast<std::int32_t>(tc.isolation_days);
    if (decision(internal::kPurposeBehaviour, p, t, 3).bernoulli(tc.isolation_adherence)) {
      isolate(p, until);
    }
    if (tc.household_isolation) {
      const std::uint32_t h = pop.household[p];
      for (std::uint32_t q = pop.household_start[h]; q < pop.household_start[h + 1]; ++q) {
        if (q != p &&
            decision(internal::kPurposeBehaviour, q, t, 4).bernoulli(tc.isolation_adherence)) {
          isolate(q, until);
        }
      }
    }
    if (pop.has_app[p] == 0) return;
    own_red_until[p] = until;
    if (decision(internal::kPurposeUpload, p, t, 0).bernoulli(config.app.upload_consent)) {
      uploaders.push_back(p);
    }
  }

  Status uploads(std::uint32_t t, std::int64_t now, const std::vector<std::uint32_t>& uploaders,
                 DailyStats& st) {
    for (const std::uint32_t p : uploaders) {
      if (t == 0) continue;
      SimUpload up;
      up.report_type = ReportType::kConfirmedTest;
      // The health authority records the symptom onset, or the test date without symptoms.
      const std::uint32_t sample = sample_day_of_result[p];
      std::uint32_t onset = sample;
      if (infection_day[p] != kNever && course[p].symptomatic) {
        const auto o = static_cast<std::uint32_t>(infection_day[p] + course[p].onset_delay_days);
        if (o <= t) onset = o;
      }
      up.symptom_onset_interval = schedule.day_interval(onset);
      const std::uint32_t first = t > kRetentionDays ? t - kRetentionDays : 0;
      SeededRandom sealing(stream_key(seed, internal::kPurposeUpload, p, t, 1));
      for (std::uint32_t d = first; d < t; ++d) {
        TemporaryExposureKey k = schedule.key(p, d);
        uploaded_keys[k.key_data.array()] = {p, d};
        up.keys.push_back(std::move(k));
        // Check-ins of infectious days (by the same days-since-onset rule as the keys).
        const auto dsos = static_cast<std::int32_t>(d) - static_cast<std::int32_t>(onset);
        const client::Infectiousness inf = scorer.infectiousness(dsos);
        if (inf == client::Infectiousness::kNone) continue;
        const DayCheckIns& ring = checkins[d % checkins.size()];
        if (ring.day != d) continue;
        auto lo = std::lower_bound(ring.check_ins.begin(), ring.check_ins.end(), p,
                                   [](const CheckIn& c, std::uint32_t q) { return c.person < q; });
        for (; lo != ring.check_ins.end() && lo->person == p; ++lo) {
          VenueReportRecord rec;
          rec.start_interval = {schedule.day_interval(d).value +
                                lo->start_scan / kScansPerInterval};
          const std::uint32_t end_scan =
              std::min<std::uint32_t>(kScansPerDay, lo->start_scan + lo->scans);
          rec.duration_intervals =
              std::max<std::uint32_t>(1, (end_scan + kScansPerInterval - 1) / kScansPerInterval -
                                             lo->start_scan / kScansPerInterval);
          rec.risk_level = inf == client::Infectiousness::kHigh ? 8 : 7;
          auto sealed = seal_venue_report(venues.location_id(lo->venue), rec, sealing);
          GL_RETURN_IF_ERROR(sealed);
          up.venue_reports.push_back(*sealed);
          // The venue's owner, asked by the health authority, releases this stay.
          auto released = venues.release(lo->venue, *sealed, sealing);
          GL_RETURN_IF_ERROR(released);
          up.venue_warnings.push_back(*released);
        }
      }
      // One venue's warnings together: its owner releases them in one request.
      std::stable_sort(up.venue_warnings.begin(), up.venue_warnings.end(),
                       [](const SealedVenueWarning& a, const SealedVenueWarning& b) {
                         return a.location_tag < b.location_tag;
                       });
      auto s = publisher.publish(up, now);
      GL_RETURN_IF_ERROR(s);
      ++st.uploads;
    }
    return ok();
  }

  // --- contacts ------------------------------------------------------------------------------

  void contacts(std::uint32_t t, DailyStats& st, PhaseClock& clock) {
    const std::uint32_t n = pop.size();
    const auto day = static_cast<std::int32_t>(t);
    for (std::uint32_t p = 0; p < n; ++p) {
      isolating_today[p] = isolated_until[p] > day ? 1 : 0;
      float inf = 0;
      if (infection_day[p] != kNever) {
        inf = static_cast<float>(
            disease.infectiousness(static_cast<std::uint32_t>(day - infection_day[p])) *
            static_cast<double>(course[p].infectiousness_factor));
      }
      contact_state[p] = {inf, static_cast<std::uint8_t>(infection_day[p] == kNever ? 1 : 0),
                          pop.has_app[p], pop.age_group[p], 0};
    }
    generator.prepare_day(t, isolating_today, 0, threads);

    // Check-ins: app users scan the venue's QR code (decoded once per venue).
    DayCheckIns& ci = checkins[t % checkins.size()];
    ci.day = t;
    ci.check_ins.clear();
    for (const auto& v : generator.visits()) {
      if (pop.has_app[v.person] == 0) continue;
      if (!Rng(stream_key(seed, internal::kPurposeVisits, t, v.person, 0x1000 + v.venue))
               .bernoulli(config.app.checkin_probability)) {
        continue;
      }
      const auto start = static_cast<std::uint16_t>(v.arrival / 5);
      const auto end = std::min<std::uint32_t>(kScansPerDay, (v.arrival + v.minutes + 4u) / 5);
      ci.check_ins.push_back({v.person, v.venue, start,
                              static_cast<std::uint16_t>(std::max<std::uint32_t>(1, end - start))});
    }
    std::stable_sort(ci.check_ins.begin(), ci.check_ins.end(),
                     [](const CheckIn& a, const CheckIn& b) { return a.person < b.person; });
    st.check_ins = ci.check_ins.size();

    const double hh = config.disease.household_weight;
    internal::parallel_for(threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
      ShardOut& out = shard_out[shard];
      for (auto& part : out.runs) part.clear();
      out.infections.clear();
      out.contacts = 0;
      out.app_contacts = 0;
      Rng trng(stream_key(seed, internal::kPurposeTransmission, t, shard));
      Rng rrng(stream_key(seed, internal::kPurposeRadio, t, shard));
      auto process = [&](const internal::Contact& c) {
        ++out.contacts;
        const ContactState a = contact_state[c.a];
        const ContactState b = contact_state[c.b];
        if (a.infectiousness > 0 || b.infectiousness > 0) {
          const double dose =
              disease.dose(c.distance_m, c.minutes) * (c.layer == Layer::kHousehold ? hh : 1.0);
          if (a.infectiousness > 0 && b.susceptible != 0) {
            const double h = beta * static_cast<double>(a.infectiousness) *
                             disease.susceptibility(b.age_group) * dose;
            if (trng.uniform() < 1 - std::exp(-h)) out.infections.push_back({c.b, c.a, c.layer});
          }
          if (b.infectiousness > 0 && a.susceptible != 0) {
            const double h = beta * static_cast<double>(b.infectiousness) *
                             disease.susceptibility(a.age_group) * dose;
            if (trng.uniform() < 1 - std::exp(-h)) out.infections.push_back({c.a, c.b, c.layer});
          }
        }
        if (a.app == 0 || b.app == 0) return;
        ++out.app_contacts;
        stage_runs(c, rrng, out);
      };
      // Contacts are processed in generation order, kAhead behind, so that the two people's
      // states are prefetched (random accesses into a large array).
      constexpr std::uint32_t kAhead = 16;
      std::array<internal::Contact, kAhead> ring;
      std::uint32_t head = 0;
      std::uint32_t held = 0;
      generator.generate(shard, [&](const internal::Contact& c) {
        __builtin_prefetch(&contact_state[c.a]);
        __builtin_prefetch(&contact_state[c.b]);
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

    clock.lap(kPhaseContacts);
    // Merge the shards' runs into today's log, grouped by broadcasting phone. Part k of
    // every shard holds the broadcasters of slice k, so the parts merge independently;
    // within a broadcaster, runs keep shard order.
    DayEncounters& bucket = store.begin_day(t);
    std::array<std::size_t, kRunParts + 1> part_start{};
    for (const auto& o : shard_out) {
      st.contacts += o.contacts;
      st.app_contacts += o.app_contacts;
      for (std::uint32_t k = 0; k < kRunParts; ++k) part_start[k + 1] += o.runs[k].size();
    }
    for (std::uint32_t k = 0; k < kRunParts; ++k) part_start[k + 1] += part_start[k];
    const std::size_t total = part_start[kRunParts];
    bucket.rpi_prefix.resize(total);
    bucket.listener.resize(total);
    bucket.meta.resize(total);
    internal::parallel_for(threads, kRunParts, [&](std::uint32_t k, std::uint32_t) {
      const auto [lo, hi] = part_range(k);
      std::vector<std::uint32_t> fill(hi - lo + 1, 0);
      for (const auto& o : shard_out) {
        for (const auto& r : o.runs[k]) ++fill[r.broadcaster - lo + 1];
      }
      fill[0] = static_cast<std::uint32_t>(part_start[k]);
      for (std::uint32_t i = 0; i < hi - lo; ++i) fill[i + 1] += fill[i];
      std::copy(fill.begin(), fill.end() - 1, bucket.offsets.begin() + lo);
      for (const auto& o : shard_out) {
        for (const auto& r : o.runs[k]) {
          const std::uint32_t at = fill[r.broadcaster - lo]++;
          bucket.listener[at] = r.listener;
          bucket.meta[at] = r.meta;
        }
      }
    });
    bucket.offsets[n] = static_cast<std::uint32_t>(total);
    st.runs_stored = total;
    clock.lap(kPhaseStore);
    derive_rpis(t, bucket);
    peak_store_bytes = std::max(peak_store_bytes, store.memory_bytes());
    clock.lap(kPhaseRpis);

    // Infections: a person infected by several contacts today keeps the first in shard order.
    std::vector<InfectionCandidate> all;
    for (const auto& o : shard_out) all.insert(all.end(), o.infections.begin(), o.infections.end());
    std::stable_sort(all.begin(), all.end(),
                     [](const auto& a, const auto& b) { return a.victim < b.victim; });
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (i > 0 && all[i].victim == all[i - 1].victim) continue;
      infect(all[i].victim, all[i].infector, all[i].layer, t);
      ++st.new_infections;
      ++st.new_infections_by_layer[static_cast<std::size_t>(all[i].layer)];
    }
    cumulative += st.new_infections;
    clock.lap(kPhaseInfections);
  }

  // Merge part k holds the broadcasters [k << part_shift, (k + 1) << part_shift).
  std::pair<std::uint32_t, std::uint32_t> part_range(std::uint32_t k) const {
    const std::uint64_t lo = static_cast<std::uint64_t>(k) << part_shift;
    const std::uint64_t hi = static_cast<std::uint64_t>(k + 1) << part_shift;
    return {static_cast<std::uint32_t>(std::min<std::uint64_t>(lo, pop.size())),
            static_cast<std::uint32_t>(std::min<std::uint64_t>(hi, pop.size()))};
  }

  void stage_runs(const internal::Contact& c, Rng& noise, ShardOut& out) const {
    // Phones scan every 5 minutes; the scans that fall inside the contact hear it.
    const std::uint32_t m0 = c.start_minute;
    const std::uint32_t end = m0 + c.minutes;
    std::uint32_t first = (m0 + 4) / 5;
    const std::uint32_t stop = std::min<std::uint32_t>(kScansPerDay, (end + 4) / 5);
    std::uint32_t scans = stop > first ? stop - first : 0;
    if (scans == 0) {
      if (!radio.perfect()) return;
      first = std::min(m0 / 5, kScansPerDay - 1);
      scans = 1;
    }
    scans = std::min<std::uint32_t>(scans, 255);
    const auto dist_dm = static_cast<std::uint32_t>(std::min(127L, std::lround(c.distance_m * 10)));
    const std::uint64_t key_ab = noise.next();
    const std::uint64_t key_ba = noise.next();
    const ContactAttenuation att =
        radio.contact(c.distance_m, static_cast<RadioSetting>(c.layer), c.a, c.b, key_ab, key_ba);
    const std::uint8_t att_ab = att.heard_by_a_db;
    const std::uint8_t att_ba = att.heard_by_b_db;
    // a hears b's RPIs (a run broadcast by b) and b hears a's.
    out.runs[c.b >> part_shift].push_back({c.b, c.a, RunMeta::pack(first, dist_dm, scans, att_ab)});
    out.runs[c.a >> part_shift].push_back({c.a, c.b, RunMeta::pack(first, dist_dm, scans, att_ba)});
  }

  // Every phone derives today's RPIK from its TEK; the runs in which it was heard
  // (contiguous: the log is grouped by broadcaster) get its real RPIs for their intervals,
  // expanded with one key schedule per phone.
  void derive_rpis(std::uint32_t t, DayEncounters& bucket) {
    const std::uint32_t n = pop.size();
    const std::uint32_t chunks = (n + kTekChunk - 1) / kTekChunk;
    const EnIntervalNumber base = schedule.day_interval(t);
    internal::parallel_for(threads, kShards, [&](std::uint32_t shard, std::uint32_t worker) {
      GaenExpander& ex = *expanders[worker];
      const auto [c0, c1] = internal::shard_range(chunks, shard);
      std::array<Tek, kTekChunk> teks;
      std::array<Rpi, kTekRollingPeriod> rpis;
      for (std::uint32_t c = c0; c < c1; ++c) {
        const std::uint32_t first = c * kTekChunk;
        const std::uint32_t last = std::min(n, first + kTekChunk);
        bool any = false;
        for (std::uint32_t p = first; p < last && !any; ++p) any = pop.has_app[p] != 0;
        if (!any) continue;
        schedule.chunk(first, t, teks);
        for (std::uint32_t p = first; p < last; ++p) {
          if (pop.has_app[p] == 0) continue;
          const Rpik rpik = ex.rpik(teks[p - first]);
          const std::uint32_t r0 = bucket.offsets[p];
          const std::uint32_t r1 = bucket.offsets[p + 1];
          if (r0 == r1) continue;
          std::uint32_t lo = kTekRollingPeriod;
          std::uint32_t hi = 0;
          for (std::uint32_t r = r0; r < r1; ++r) {
            const std::uint32_t iv = RunMeta::start_scan(bucket.meta[r]) / kScansPerInterval;
            lo = std::min(lo, iv);
            hi = std::max(hi, iv);
          }
          ex.expand_rpis_from_rpik(rpik, {base.value + lo},
                                   std::span<Rpi>(rpis.data(), hi - lo + 1));
          for (std::uint32_t r = r0; r < r1; ++r) {
            const std::uint32_t iv = RunMeta::start_scan(bucket.meta[r]) / kScansPerInterval;
            bucket.rpi_prefix[r] = rpi_prefix(rpis[iv - lo]);
          }
        }
      }
    });
  }

  // --- statistics ------------------------------------------------------------------------

  void finish(std::uint32_t t, DailyStats& st) {
    const auto day = static_cast<std::int32_t>(t);
    const auto inf_days = static_cast<std::int32_t>(config.disease.infectious_days);
    for (std::uint32_t p = 0; p < pop.size(); ++p) {
      const std::int32_t d = infection_day[p];
      if (d == kNever) {
        ++st.susceptible;
      } else if (day - d < 2) {
        ++st.exposed;
      } else if (day - d < inf_days) {
        ++st.infectious;
      } else {
        ++st.recovered;
      }
      if (isolated_until[p] > day) ++st.isolating;
      if (pop.has_app[p] == 0) continue;
      switch (colour(p, t)) {
        case Colour::kGreen:
          ++st.green;
          break;
        case Colour::kYellow:
          ++st.yellow;
          break;
        case Colour::kRed:
          ++st.red;
          break;
      }
    }
    st.cumulative_infections = cumulative;
  }

  Status step() {
    const std::uint32_t t = current_day;
    DailyStats st;
    st.day = t;
    const std::int64_t midnight = config.run.start_unix_seconds + t * kDaySeconds;
    PhaseClock clock(phase_sums, phase_cpu);
    GL_RETURN_IF_ERROR(sync(t, midnight + 6 * 3600, st));
    clock.lap(kPhaseSync);
    std::vector<std::uint32_t> uploaders;
    health(t, st, uploaders);
    clock.lap(kPhaseHealth);
    GL_RETURN_IF_ERROR(uploads(t, midnight + 12 * 3600, uploaders, st));
    clock.lap(kPhaseUploads);
    contacts(t, st, clock);
    finish(t, st);
    clock.lap(kPhaseStats);
    daily.push_back(st);
    ++current_day;
    return ok();
  }

  RunSummary summary() const;
  PrivacyView privacy() const;

  SimConfig config;
  KeyPublisher& publisher;
  Population pop;
  RadioModel radio;
  DiseaseModel disease;
  RiskScorer scorer;
  TekSchedule schedule;
  VenueDirectory venues;
  internal::ContactGenerator generator;
  EncounterStore store;
  std::vector<DayCheckIns> checkins;
  std::uint64_t seed;
  std::uint32_t threads;
  std::uint32_t current_day = 0;
  double beta = 0;

  std::vector<std::int32_t> infection_day;
  std::vector<std::uint32_t> infector;
  std::vector<std::uint8_t> infection_layer;
  std::vector<Course> course;
  std::vector<std::int32_t> isolated_until;
  std::vector<std::int32_t> test_sample_day;
  std::vector<std::int32_t> test_result_day;
  std::vector<std::uint8_t> test_positive;
  std::vector<std::int32_t> positive_day;
  std::vector<std::int32_t> own_red_until;
  std::vector<std::int32_t> red_until;
  std::vector<std::int32_t> yellow_until;
  std::vector<std::int32_t> true_close_day;
  std::vector<std::int32_t> first_red_day;
  std::vector<std::int32_t> first_any_day;
  std::vector<std::uint8_t> isolating_today;
  std::vector<ContactState> contact_state;
  std::uint32_t part_shift = 0;
  std::vector<std::uint32_t> sample_day_of_result;

  std::vector<ShardOut> shard_out;
  std::vector<std::unique_ptr<GaenExpander>> expanders;
  std::unordered_map<std::uint64_t, double> day_scores;
  std::vector<ExposureHit> exposure_hits;
  std::vector<Notification> notifications;
  std::unordered_map<ByteArray<16>, std::pair<std::uint32_t, std::uint32_t>, TekBytesHash>
      uploaded_keys;
  std::vector<FetchedKey> fetched;
  std::unordered_map<std::uint64_t, std::uint32_t> fetched_person_day;
  std::unordered_set<std::uint32_t> warned_venues;
  std::vector<DailyStats> daily;
  std::uint64_t cumulative = 0;
  std::uint64_t verified_phones = 0;
  std::uint64_t verified_windows = 0;
  std::uint64_t verify_mismatches = 0;
  std::uint64_t verify_colour_mismatches = 0;
  std::uint64_t verified_not_green = 0;
  std::uint64_t verify_client_evictions = 0;
  std::uint64_t verify_client_rejected = 0;
  std::size_t peak_store_bytes = 0;
  std::array<double, kPhases> phase_sums{};
  std::array<double, kPhases> phase_cpu{};
};

RunSummary Simulation::Impl::summary() const {
  RunSummary s;
  s.people = pop.size();
  s.app_users = pop.app_users();
  s.days = current_day;
  s.beta = beta;
  s.infections = cumulative;
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
  }
  if (s.uploads > 0) {
    s.notifications_per_upload = static_cast<double>(s.notifications_red + s.notifications_yellow) /
                                 static_cast<double>(s.uploads);
  }
  // Owners each phone matched (sorted hits per phone).
  std::multimap<std::uint32_t, std::uint32_t> matched;
  for (const auto& h : exposure_hits) {
    if (h.owner != kNoPerson && h.windows > 0) matched.emplace(h.phone, h.owner);
  }
  auto matched_owner = [&](std::uint32_t phone, std::uint32_t who) {
    auto [a, b] = matched.equal_range(phone);
    for (auto it = a; it != b; ++it) {
      if (it->second == who) return true;
    }
    return false;
  };
  std::vector<double> delays;
  for (const auto& n : notifications) {
    const bool close = true_close_day[n.phone] != kNever &&
                       true_close_day[n.phone] <= static_cast<std::int32_t>(n.day);
    if (n.colour == Colour::kRed) {
      ++s.red_precision.total;
      if (close) ++s.red_precision.hits;
    } else if (!n.venue) {
      ++s.yellow_precision.total;
      if (close) ++s.yellow_precision.hits;
    }
    if (!n.venue) {
      ++s.notified_infected_by_index.total;
      const std::uint32_t by = infector[n.phone];
      if (by != kNoPerson && matched_owner(n.phone, by)) ++s.notified_infected_by_index.hits;
    }
    if (infection_day[n.phone] != kNever &&
        infection_day[n.phone] <= static_cast<std::int32_t>(n.day)) {
      delays.push_back(
          static_cast<double>(static_cast<std::int32_t>(n.day) - infection_day[n.phone]));
    }
  }
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    if (true_close_day[p] == kNever) continue;
    ++s.red_recall.total;
    ++s.any_recall.total;
    if (first_red_day[p] != kNever) ++s.red_recall.hits;
    if (first_any_day[p] != kNever) ++s.any_recall.hits;
  }
  // Infected app users whose infector's key for the day of infection reached the phones
  // while the phone still kept that day.
  for (std::uint32_t p = 0; p < pop.size(); ++p) {
    if (pop.has_app[p] == 0 || infection_day[p] == kNever || infector[p] == kNoPerson) continue;
    if (pop.has_app[infector[p]] == 0) continue;
    const auto d = static_cast<std::uint32_t>(infection_day[p]);
    auto it = fetched_person_day.find((static_cast<std::uint64_t>(infector[p]) << 32) | d);
    if (it == fetched_person_day.end() || it->second - d > kRetentionDays) continue;
    ++s.infected_contacts_notified.total;
    if (matched_owner(p, infector[p])) ++s.infected_contacts_notified.hits;
  }
  s.median_days_infection_to_notification = median(delays);
  if (!delays.empty()) {
    s.mean_days_infection_to_notification =
        std::accumulate(delays.begin(), delays.end(), 0.0) / static_cast<double>(delays.size());
  }
  s.verified_phones = verified_phones;
  s.verified_windows = verified_windows;
  s.verify_mismatches = verify_mismatches;
  s.verify_colour_mismatches = verify_colour_mismatches;
  s.verified_not_green = verified_not_green;
  s.verify_client_evictions = verify_client_evictions;
  s.verify_client_rejected = verify_client_rejected;
  return s;
}

PrivacyView Simulation::Impl::privacy() const {
  PrivacyView v;
  v.server = publisher.holdings();
  for (const auto& d : daily) {
    v.positive_uploaders += d.uploads;
    v.central_contact_pairs += d.app_contacts;
    v.central_contact_records += 2 * d.app_contacts;
    v.central_check_ins += d.check_ins;
    v.central_test_results += d.tests;
  }
  v.warned_venues = warned_venues.size();
  v.central_people = pop.app_users();
  // Phone number + peer + time + duration + attenuation per contact record; phone + venue
  // + times per check-in; phone + date + result per test.
  v.central_bytes = v.central_contact_records * 24 + v.central_check_ins * 20 +
                    v.central_test_results * 16 + v.central_people * 32;
  return v;
}

Simulation::Simulation(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Simulation::~Simulation() = default;

Result<std::unique_ptr<Simulation>> Simulation::create(const SimConfig& config,
                                                       KeyPublisher& publisher) {
  GL_RETURN_IF_ERROR(validate_config(config));
  Population pop = generate_population(config);
  auto venues = VenueDirectory::create(pop, config.run.seed);
  GL_RETURN_IF_ERROR(venues);
  auto impl = std::make_unique<Impl>(config, publisher, std::move(pop), std::move(*venues));
  impl->calibrate();
  impl->seed_infections();
  return std::unique_ptr<Simulation>(new Simulation(std::move(impl)));
}

Status Simulation::step() { return impl_->step(); }

Status Simulation::run(const ProgressFn& progress) {
  while (impl_->current_day < impl_->config.run.days) {
    GL_RETURN_IF_ERROR(impl_->step());
    if (progress) progress({impl_->current_day, impl_->config.run.days, &impl_->daily.back()});
  }
  return ok();
}

std::uint32_t Simulation::days_done() const { return impl_->current_day; }
const SimConfig& Simulation::config() const { return impl_->config; }
const Population& Simulation::population() const { return impl_->pop; }
const std::vector<DailyStats>& Simulation::daily() const { return impl_->daily; }
RunSummary Simulation::summary() const { return impl_->summary(); }
PrivacyView Simulation::privacy() const { return impl_->privacy(); }
std::span<const std::int32_t> Simulation::infection_day() const { return impl_->infection_day; }
std::span<const std::uint32_t> Simulation::infector() const { return impl_->infector; }
std::span<const ExposureHit> Simulation::exposure_hits() const { return impl_->exposure_hits; }
std::span<const Simulation::FetchedKey> Simulation::fetched_keys() const { return impl_->fetched; }
std::size_t Simulation::encounter_store_bytes() const { return impl_->peak_store_bytes; }

std::vector<PhaseTime> Simulation::phase_seconds() const {
  std::vector<PhaseTime> out;
  for (std::size_t i = 0; i < kPhases; ++i) {
    out.push_back({std::string(kPhaseNames[i]), impl_->phase_sums[i], impl_->phase_cpu[i]});
  }
  return out;
}

}  // namespace greenlight::sim

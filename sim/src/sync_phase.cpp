#include "internal/sync_phase.h"

#include <algorithm>
#include <array>
#include <optional>

#include "greenlight/sim/client_matcher.h"
#include "greenlight/sim/venues.h"
#include "internal/parallel.h"

namespace greenlight::sim::internal {
namespace {

// A true close contact: at least this long within this distance of an uploaded case.
constexpr std::uint32_t kCloseMinutes = 15;
constexpr std::uint32_t kCloseDistanceDm = 20;

std::uint64_t person_day(std::uint32_t p, std::uint32_t day) {
  return (static_cast<std::uint64_t>(p) << 32) | day;
}

}  // namespace

SyncPhase::SyncPhase(const World& world, KeyPublisher& publisher)
    : w_(world), publisher_(publisher) {
  // Per phone this rank owns (own_index).
  const std::uint32_t own = w_.own_end - w_.own_begin;
  red_until_.assign(own, 0);
  yellow_until_.assign(own, 0);
  true_close_day_.assign(own, kNever);
  first_red_day_.assign(own, kNever);
  first_any_day_.assign(own, kNever);
  if (w_.config.app.revoke_on_negative || w_.config.app.upgrade_on_positive) {
    venue_yellow_until_.assign(own, 0);
  }
}

Colour SyncPhase::exposure_colour(std::uint32_t p, std::uint32_t day) const {
  const auto t = static_cast<std::int32_t>(day);
  if (red_until_[own_index(p)] > t) return Colour::kRed;
  if (yellow_until_[own_index(p)] > t) return Colour::kYellow;
  return Colour::kGreen;
}

Status SyncPhase::run(std::uint32_t t, std::int64_t now, const Phases& phases, DailyStats& st) {
  auto batch = publisher_.fetch_new(now);
  GL_RETURN_IF_ERROR(batch);
  st.keys_fetched = static_cast<std::uint32_t>(batch->keys.size());
  st.venue_reports_fetched = static_cast<std::uint32_t>(batch->venue_warnings.size());
  if (t == 0) return ok();
  const std::uint32_t first_day = t > kRetentionDays ? t - kRetentionDays : 0;
  const std::uint32_t last_day = t - 1;
  const auto& keys = batch->keys;

  PublishedBits published;
  const std::vector<std::uint32_t> owner =
      attribute(keys, t, first_day, last_day, phases.uploads, published);

  SharedRpiTable table;
  if (!keys.empty()) {
    // Days whose every key has a known uploader are built tags-only (probe()).
    std::vector<std::uint8_t> owned;
    if (!w_.config.run.probe_all_runs) {
      owned.resize(keys.size());
      for (std::size_t i = 0; i < keys.size(); ++i) owned[i] = owner[i] != kNoPerson ? 1 : 0;
    }
    GL_RETURN_IF_ERROR(
        table.build(keys, w_.schedule, first_day, last_day, phases.radio.expanders(), owned));
  }
  std::vector<RunHit> hits;
  std::vector<CloseRecord> close;
  probe(table, keys, owner, published, phases.radio.store(), hits, close);
  // Over several ranks each rank probed the runs of the broadcasters it owns; a hit goes to
  // the rank that owns the listening phone, which scores its phones (in the order of one
  // store: RunHit) and matches their check-ins with the venue warnings, and the colour
  // phones' notifications are gathered, so that every rank takes the same decisions (apply()
  // takes them by phone).
  route_to_phones(hits);
  std::sort(hits.begin(), hits.end());
  mark_close_contacts(close, t);

  std::vector<Update> updates;
  SharedWindows shared;
  score(hits, keys, owner, t, now, phases.radio, updates, shared);
  match_venues(batch->venue_warnings, t, first_day, last_day, phases.contacts, phases.uploads,
               updates);
  apply(updates, t, phases.health, st);
  if (!batch->revised_keys.empty()) {
    GL_RETURN_IF_ERROR(revise(batch->revised_keys, t, now, first_day, last_day, phases, st));
  }

  if (w_.config.run.verify_phones > 0 && !keys.empty()) {
    return verify(t, first_day, last_day, keys, shared, phases.radio, phases.expander);
  }
  return ok();
}

std::vector<std::uint32_t> SyncPhase::attribute(std::span<const TemporaryExposureKey> keys,
                                                std::uint32_t t, std::uint32_t first_day,
                                                std::uint32_t last_day, UploadPhase& uploads,
                                                PublishedBits& published) {
  std::vector<std::uint32_t> owner(keys.size(), kNoPerson);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto who = uploads.take_owner(keys[i].key_data.array());
    if (!who) continue;
    owner[i] = who->person;
    const std::uint32_t d = who->day;
    if (w_.owns(owner[i])) fetched_.push_back({owner[i], d, t});
    if (d >= first_day && d <= last_day) {
      auto& bits = published[d];
      if (bits.empty()) bits.assign((w_.pop.size() + 63) / 64, 0);
      bits[owner[i] / 64] |= 1ULL << (owner[i] % 64);
    }
  }
  return owner;
}

void SyncPhase::probe(const SharedRpiTable& table, std::span<const TemporaryExposureKey> keys,
                      std::span<const std::uint32_t> owner, const PublishedBits& published,
                      const EncounterStore& store, std::vector<RunHit>& hits,
                      std::vector<CloseRecord>& close) const {
  struct ProbeOut {
    std::vector<RunHit> hits;
    std::vector<CloseRecord> close;
  };
  // A run heard on day d from broadcaster b carries an RPI of b's TEK of day d, so only a
  // published key equal to that TEK can match it (an RPI of another key is equal with
  // probability 2^-128, the same argument as the TEK comparison below). When every key of a
  // day has a known uploader (the simulation's ground truth of who uploaded what; the
  // in-memory publisher adds no keys of its own), the day is probed with the runs of those
  // uploaders only, each against its own key's tags (the day's table is tags-only): the same
  // hits as probing every run, at the cost of the runs that can match. A day with any other
  // key (the server's export padding, a key nobody here uploaded), or every day with
  // run.probe_all_runs, has a lookup table and is probed with every run.
  struct Target {
    std::uint32_t uploader;
    std::uint32_t key;       // index into keys
    std::uint32_t position;  // index into the day table's key_indices()
    bool operator<(const Target& o) const {
      return uploader != o.uploader ? uploader < o.uploader : key < o.key;
    }
  };
  struct DayPlan {
    std::uint32_t day;
    bool all_runs;
    std::vector<Target> targets;  // sorted
  };
  std::vector<DayPlan> plans;
  for (const std::uint32_t d : table.days()) {
    const SharedRpiTable::DayTable& day_table = *table.day(d);
    DayPlan plan{d, !day_table.tags_only(), {}};
    if (!plan.all_runs) {
      const auto indices = day_table.key_indices();
      for (std::uint32_t k = 0; k < indices.size(); ++k) {
        plan.targets.push_back({owner[indices[k]], indices[k], k});
      }
      std::sort(plan.targets.begin(), plan.targets.end());
    }
    plans.push_back(std::move(plan));
  }
  if (plans.empty()) return;
  std::vector<ProbeOut> probes(kShards);
  parallel_for(w_.threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
    // The store holds the runs of this rank's broadcasters only.
    const auto [p0, p1] =
        clamp_range(shard_range(w_.pop.size(), shard), store.first_phone(), store.end_phone());
    if (p0 == p1) return;
    ProbeOut& out = probes[shard];
    // The TEK of one broadcaster on one day, derived when a tag of its finds a candidate.
    Tek broadcaster_tek;
    std::uint64_t tek_of = ~std::uint64_t{0};  // (day << 32) | broadcaster
    for (const DayPlan& plan : plans) {
      const std::uint32_t d = plan.day;
      const DayEncounters* day = store.find(d);
      const SharedRpiTable::DayTable* rpis = table.day(d);
      if (day == nullptr || rpis == nullptr) continue;
      const auto bits_it = published.find(d);
      const std::uint64_t* bits = bits_it == published.end() ? nullptr : bits_it->second.data();
      // Each run is one listener's stored run. The probe reads only the RPI tags (the filter
      // rejects almost every run). A published RPI with the run's tag is a candidate; it is
      // the RPI the phone heard when it is the same key's RPI (16-byte TEK comparison: an
      // RPI is AES under the key's RPIK of its interval, so another key gives another RPI
      // but with probability 2^-128) within +-2 h of the observation. For an ordinary run
      // the heard interval is the observed one, so this decides exactly as comparing the 16
      // bytes; only a replayed run heard more than 2 h late could be taken if its key had a
      // second RPI with the same tag in the window (about 25 / 2^32 per replayed run).
      const std::uint32_t* tag = day->rpi_tag.data();
      // Run r of broadcaster p, filter word already known to pass.
      const auto candidate = [&](std::uint32_t r, std::uint32_t p, std::uint64_t h) {
        const std::int64_t seen = RunMeta::start_scan(day->meta[r]) / kScansPerInterval;
        rpis->for_each(tag[r], h, [&](const SharedRpiTable::Entry& e) {
          const std::int64_t drift = seen - e.interval_offset;
          if (drift < -static_cast<std::int64_t>(kMatchingClockDriftIntervals) ||
              drift > static_cast<std::int64_t>(kMatchingClockDriftIntervals)) {
            return false;
          }
          // Runs are grouped by broadcaster: one derivation serves its candidates.
          const std::uint64_t key_of = (static_cast<std::uint64_t>(d) << 32) | p;
          if (tek_of != key_of) {
            broadcaster_tek = w_.schedule.tek(p, d);
            tek_of = key_of;
          }
          if (keys[e.key_index].key_data != broadcaster_tek) return false;
          out.hits.push_back({day->listener(r), d, p, r, e.key_index, day->meta[r]});
          return true;
        });
      };
      if (plan.all_runs) {
        const std::uint32_t r_begin = day->runs_begin(p0);
        const std::uint32_t r_end = day->runs_begin(p1);
        // Each run's spread tag is computed once, kAhead runs ahead, and its filter word
        // prefetched.
        constexpr std::uint32_t kAhead = 16;
        std::array<std::uint64_t, kAhead> ahead{};
        for (std::uint32_t i = 0; i < kAhead && r_begin + i < r_end; ++i) {
          ahead[i] = SharedRpiTable::DayTable::spread(tag[r_begin + i]);
          __builtin_prefetch(rpis->filter_word(ahead[i]));
        }
        std::uint32_t p = p0;
        for (std::uint32_t r = r_begin; r < r_end; ++r) {
          std::uint64_t& slot = ahead[(r - r_begin) % kAhead];
          const std::uint64_t h = slot;
          if (r + kAhead < r_end) {
            slot = SharedRpiTable::DayTable::spread(tag[r + kAhead]);
            __builtin_prefetch(rpis->filter_word(slot));
          }
          if (!rpis->may_contain(h)) continue;
          while (day->runs_begin(p + 1) <= r) ++p;
          candidate(r, p, h);
        }
      } else {
        // The uploader's published key is its TEK of day d (it uploaded exactly that key).
        const auto first =
            std::lower_bound(plan.targets.begin(), plan.targets.end(), Target{p0, 0, 0});
        const std::uint32_t day_start = w_.schedule.day_interval(d).value;
        for (auto it = first; it != plan.targets.end() && it->uploader < p1; ++it) {
          // A run of p can only be heard from p's key (the TEK argument above), so it is
          // compared with that key's tags within +-2 h of the observation, which is what the
          // lookup table's candidates would decide.
          const std::uint32_t p = it->uploader;
          const std::span<const std::uint32_t> tags = rpis->key_tags(it->position);
          const auto offset = static_cast<std::int64_t>(
              keys[it->key].rolling_start_interval_number.value - day_start);
          const auto size = static_cast<std::int64_t>(tags.size());
          const std::uint32_t r_end = day->runs_begin(p + 1);
          for (std::uint32_t r = day->runs_begin(p); r < r_end; ++r) {
            const std::int64_t seen = RunMeta::start_scan(day->meta[r]) / kScansPerInterval;
            const std::int64_t drift = kMatchingClockDriftIntervals;
            const std::int64_t lo = std::max<std::int64_t>(0, seen - drift - offset);
            const std::int64_t hi = std::min<std::int64_t>(size - 1, seen + drift - offset);
            for (std::int64_t j = lo; j <= hi; ++j) {
              if (tags[static_cast<std::size_t>(j)] == tag[r]) {
                out.hits.push_back({day->listener(r), d, p, r, it->key, day->meta[r]});
                break;
              }
            }
          }
        }
      }
      // Ground truth: runs of uploaded cases at close range.
      if (bits != nullptr) {
        for (std::uint32_t b = p0; b < p1; ++b) {
          if ((bits[b / 64] >> (b % 64) & 1) == 0) continue;
          const std::uint32_t r_end = day->runs_begin(b + 1);
          for (std::uint32_t r = day->runs_begin(b); r < r_end; ++r) {
            const std::uint32_t meta = day->meta[r];
            if (RunMeta::distance_dm(meta) <= kCloseDistanceDm) {
              out.close.push_back(
                  {day->listener(r), b, d, RunMeta::scans(meta) * (kScanSeconds / 60)});
            }
          }
        }
      }
    }
  });
  for (auto& o : probes) {
    hits.insert(hits.end(), o.hits.begin(), o.hits.end());
    close.insert(close.end(), o.close.begin(), o.close.end());
  }
  std::sort(close.begin(), close.end());  // hits are sorted in run() after the ranks' gather
}

void SyncPhase::mark_close_contacts(std::span<const CloseRecord> close, std::uint32_t t) {
  // All records of one (phone, peer, day) are on the rank that owns the peer (their
  // broadcaster), so each rank finds its part of the phones and the ranks exchange them.
  std::vector<std::uint32_t> marked;
  for (std::size_t i = 0; i < close.size();) {
    std::size_t j = i;
    std::uint32_t minutes = 0;
    while (j < close.size() && close[j].phone == close[i].phone && close[j].peer == close[i].peer &&
           close[j].day == close[i].day) {
      minutes += close[j].minutes;
      ++j;
    }
    if (minutes >= kCloseMinutes) marked.push_back(close[i].phone);
    i = j;
  }
  for (const std::uint32_t p : w_.ranks.gather_all<std::uint32_t>(marked)) {
    if (!w_.owns(p)) continue;
    std::int32_t& day = true_close_day_[own_index(p)];
    if (day == kNever) day = static_cast<std::int32_t>(t);
  }
}

void SyncPhase::route_to_phones(std::vector<RunHit>& hits) const {
  if (w_.ranks.size() == 1) return;
  // Grouped by the listening phone's rank, each group in the probe's order.
  std::vector<std::size_t> counts(static_cast<std::size_t>(w_.ranks.size()), 0);
  std::vector<std::size_t> to(hits.size());
  for (std::size_t i = 0; i < hits.size(); ++i) {
    to[i] = static_cast<std::size_t>(w_.owner(hits[i].phone));
    ++counts[to[i]];
  }
  std::vector<std::size_t> fill(counts.size(), 0);
  for (std::size_t k = 1; k < counts.size(); ++k) fill[k] = fill[k - 1] + counts[k - 1];
  std::vector<RunHit> outbox(hits.size());
  for (std::size_t i = 0; i < hits.size(); ++i) outbox[fill[to[i]]++] = hits[i];
  w_.ranks.exchange<RunHit>(outbox, counts, hits);
}

void SyncPhase::score(std::span<const RunHit> hits, std::span<const TemporaryExposureKey> keys,
                      std::span<const std::uint32_t> owner, std::uint32_t t, std::int64_t now,
                      const RadioPhase& radio, std::vector<Update>& updates,
                      SharedWindows& shared) {
  // The client's rules decide which days still count, their level and how long the colour
  // lasts; the simulator only keeps per-day sums across syncs.
  const RiskScorer& scorer = w_.scorer;
  const std::int64_t oldest_day = client::oldest_counted_day(now, scorer.client_config());
  // Phones are scored in kShards shards of the population, in parallel: a shard reads and
  // writes only its own phones' day sums, and its outputs are appended in shard order, so
  // the result is that of one pass in phone order.
  struct ScoreOut {
    std::vector<Update> updates;
    std::vector<ExposureHit> exposure_hits;
    SharedWindows shared;
  };
  std::vector<ScoreOut> outs(kShards);
  parallel_for(w_.threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
    auto& day_scores = day_scores_[shard];
    // Day sums of days that no longer count are never read again.
    std::erase_if(day_scores, [&](const auto& e) {
      return unix_day(static_cast<std::uint32_t>(e.first & 0xffffffffu)) < oldest_day;
    });
    const auto [p0, p1] = shard_range(w_.pop.size(), shard);
    const auto by_phone = [](const RunHit& h, std::uint32_t p) { return h.phone < p; };
    const std::size_t begin = static_cast<std::size_t>(
        std::lower_bound(hits.begin(), hits.end(), p0, by_phone) - hits.begin());
    const std::size_t end = static_cast<std::size_t>(
        std::lower_bound(hits.begin(), hits.end(), p1, by_phone) - hits.begin());
    ScoreOut& out = outs[shard];
    std::vector<std::uint32_t> days_touched;
    for (std::size_t i = begin; i < end;) {
      std::size_t j = i;
      while (j < end && hits[j].phone == hits[i].phone) ++j;
      const std::uint32_t p = hits[i].phone;
      if (!w_.app_on(p, t)) {  // the phone gave the app up (app.dropout_per_day): no records
        i = j;
        continue;
      }
      auto windows = windows_from_hits(hits.subspan(i, j - i), keys, radio.model(), w_.seed);
      Update u{p, 0, 0, false};
      // Windows come sorted by key and first scan, so by (key, day): one ExposureHit per
      // (key, day) with counted windows, added when the next pair starts (and at the end).
      days_touched.clear();
      std::optional<std::pair<std::uint32_t, std::uint32_t>> key_day;
      ExposureHit h;
      const auto flush = [&] {
        if (key_day && h.owner != kNoPerson) out.exposure_hits.push_back(h);
      };
      for (const auto& win : windows) {
        const WindowScore s = scorer.score(win);
        // A window of a day the phone no longer counts is no exposure (nor a hit).
        if (!s.counted || unix_day(win.day) < oldest_day) continue;
        const std::pair<std::uint32_t, std::uint32_t> kd{win.key_index, win.day};
        if (key_day != kd) {
          flush();
          key_day = kd;
          h = ExposureHit{};
          h.phone = p;
          h.owner = owner[win.key_index];
          h.exposure_day = static_cast<std::uint16_t>(win.day);
          h.sync_day = static_cast<std::uint16_t>(t);
        }
        if (h.windows < 0xffff) ++h.windows;
        day_scores[person_day(p, win.day)] += s.normalized_minutes;
        days_touched.push_back(win.day);
      }
      flush();
      std::sort(days_touched.begin(), days_touched.end());
      days_touched.erase(std::unique(days_touched.begin(), days_touched.end()), days_touched.end());
      for (const std::uint32_t d : days_touched) raise_by_day(d, day_scores[person_day(p, d)], u);
      if (u.red_until > 0 || u.yellow_until > 0) out.updates.push_back(u);
      if (w_.config.run.verify_phones > 0) out.shared[p] = std::move(windows);
      i = j;
    }
  });
  for (auto& out : outs) {
    updates.insert(updates.end(), out.updates.begin(), out.updates.end());
    exposure_hits_.insert(exposure_hits_.end(), out.exposure_hits.begin(), out.exposure_hits.end());
    shared.merge(out.shared);
  }
}

std::int64_t SyncPhase::unix_day(std::uint32_t d) const {
  return w_.schedule.start_unix_seconds() + static_cast<std::int64_t>(d) * kDaySeconds;
}

std::int32_t SyncPhase::rule_until_day(client::ColourRule rule, std::uint32_t d) const {
  const std::int64_t until = client::rule_valid_until(rule, unix_day(d), w_.scorer.client_config());
  return static_cast<std::int32_t>((until - w_.schedule.start_unix_seconds()) / kDaySeconds);
}

void SyncPhase::raise_by_day(std::uint32_t d, double sum, Update& u) const {
  const auto valid_until = [&](client::ColourRule rule) { return rule_until_day(rule, d); };
  switch (w_.scorer.day_level(sum)) {
    case client::RiskLevel::kHigh:
      u.red_until = std::max(u.red_until, valid_until(client::ColourRule::kHighRiskExposure));
      u.red_day = std::max(u.red_day, static_cast<std::int32_t>(d));
      break;
    case client::RiskLevel::kLow:
      u.yellow_until = std::max(u.yellow_until, valid_until(client::ColourRule::kLowRiskExposure));
      break;
    case client::RiskLevel::kNone:
      break;
  }
}

Status SyncPhase::revise(std::span<const TemporaryExposureKey> revised, std::uint32_t t,
                         std::int64_t now, std::uint32_t first_day, std::uint32_t last_day,
                         const Phases& phases, DailyStats& st) {
  // The keys as they were published (the phones scored those) and as revised (revoked: no
  // window counts), with their uploaders; a key the simulation did not upload (none with the
  // in-memory publisher) is left out.
  std::vector<TemporaryExposureKey> before;
  std::vector<TemporaryExposureKey> after;
  std::vector<std::uint32_t> owner;
  for (const auto& k : revised) {
    auto r = phases.uploads.take_revised(k.key_data.array());
    if (!r) continue;
    after.push_back(r->published);
    after.back().report_type = k.report_type;
    after.back().days_since_onset_of_symptoms = k.days_since_onset_of_symptoms;
    before.push_back(std::move(r->published));
    owner.push_back(r->owner.person);
  }
  if (before.empty()) return ok();
  // Matched as new keys are (every key has its uploader: tags-only days, probed with the
  // uploaders' runs only), on the phones' ranks.
  SharedRpiTable table;
  std::vector<std::uint8_t> owned;
  if (!w_.config.run.probe_all_runs) owned.assign(before.size(), 1);
  GL_RETURN_IF_ERROR(
      table.build(before, w_.schedule, first_day, last_day, phases.radio.expanders(), owned));
  std::vector<RunHit> hits;
  std::vector<CloseRecord> close;
  probe(table, before, owner, PublishedBits{}, phases.radio.store(), hits, close);
  route_to_phones(hits);
  std::sort(hits.begin(), hits.end());
  // Per phone: the windows' scores as published off its day sums (a sum left at about zero
  // goes), the revised windows' on, then its exposure colour from the days that still count.
  const RiskScorer& scorer = w_.scorer;
  const std::int64_t oldest_day = client::oldest_counted_day(now, scorer.client_config());
  struct Change {
    std::uint32_t phone;
    Colour colour;  // the colour after
    bool fell;      // RED fell away (otherwise the colour rose)
    std::int32_t red_day;
  };
  std::vector<std::vector<Change>> changes(kShards);
  parallel_for(w_.threads, kShards, [&](std::uint32_t shard, std::uint32_t) {
    auto& day_scores = day_scores_[shard];
    const auto [p0, p1] = shard_range(w_.pop.size(), shard);
    const auto by_phone = [](const RunHit& h, std::uint32_t p) { return h.phone < p; };
    auto i = static_cast<std::size_t>(std::lower_bound(hits.begin(), hits.end(), p0, by_phone) -
                                      hits.begin());
    const auto end = static_cast<std::size_t>(
        std::lower_bound(hits.begin(), hits.end(), p1, by_phone) - hits.begin());
    while (i < end) {
      std::size_t j = i;
      while (j < end && hits[j].phone == hits[i].phone) ++j;
      const std::uint32_t p = hits[i].phone;
      const std::span<const RunHit> mine = std::span(hits).subspan(i, j - i);
      i = j;
      bool changed = false;
      for (const auto& win : windows_from_hits(mine, before, phases.radio.model(), w_.seed)) {
        const WindowScore s = scorer.score(win);
        if (!s.counted || unix_day(win.day) < oldest_day) continue;
        const auto it = day_scores.find(person_day(p, win.day));
        if (it == day_scores.end()) continue;
        it->second -= s.normalized_minutes;
        if (it->second < 1e-9) day_scores.erase(it);
        changed = true;
      }
      for (const auto& win : windows_from_hits(mine, after, phases.radio.model(), w_.seed)) {
        const WindowScore s = scorer.score(win);
        if (!s.counted || unix_day(win.day) < oldest_day) continue;
        day_scores[person_day(p, win.day)] += s.normalized_minutes;
        changed = true;
      }
      if (!changed || !w_.app_on(p, t) || phases.health.dead(p, t)) continue;
      Update u{p, 0, 0, false};
      for (std::uint32_t d = first_day; d <= last_day; ++d) {
        if (unix_day(d) < oldest_day) continue;
        const auto it = day_scores.find(person_day(p, d));
        if (it != day_scores.end()) raise_by_day(d, it->second, u);
      }
      const Colour was = exposure_colour(p, t);
      red_until_[own_index(p)] = u.red_until;
      yellow_until_[own_index(p)] = std::max(u.yellow_until, venue_yellow_until_[own_index(p)]);
      const Colour now_colour = exposure_colour(p, t);
      if (now_colour > was || (was == Colour::kRed && now_colour != Colour::kRed)) {
        changes[shard].push_back({p, now_colour, now_colour < was, u.red_day});
      }
    }
  });
  std::vector<Change> mine;
  for (const auto& c : changes) mine.insert(mine.end(), c.begin(), c.end());
  // Every rank acts on every change (in phone order), as on notifications: a rise notifies
  // the user, a RED that fell away is withdrawn, and one that fell to YELLOW (another
  // exposure's, which the RED hid) tells the user YELLOW.
  for (const Change& c : w_.ranks.gather_all<Change>(mine)) {
    if (c.fell) {
      ++st.red_withdrawn;
      phases.health.withdraw_quarantine(c.phone, t);
    }
    // A phone that shows its user's own positive test shows nothing new (as in apply()).
    const bool own_red = phases.health.own_red_until(c.phone) > static_cast<std::int32_t>(t);
    if ((!c.fell || c.colour == Colour::kYellow) && !own_red) {
      notify(c.phone, t, c.colour, false, c.red_day, phases.health, st);
      if (c.fell && w_.owns(c.phone)) notifications_.back().withdrawn = true;
    }
  }
  return ok();
}

void SyncPhase::match_venues(const std::vector<SealedVenueWarning>& published, std::uint32_t t,
                             std::uint32_t first_day, std::uint32_t last_day,
                             const ContactPhase& contacts, const UploadPhase& uploads,
                             std::vector<Update>& updates) {
  // Each warning is checked once as every phone that checked in at the venue checks it (the
  // health authority's signature with the pinned key, the owner's with the poster's owner
  // key: check_venue_warning), then phones compare it with their check-ins.
  // The checks are independent: in parallel, then taken in publication order. Over several
  // ranks each rank checks a contiguous block of the warnings and the accepted ones are
  // gathered in rank order, which is publication order.
  struct Accepted {
    std::uint32_t venue;
    VenueReportRecord record;
  };
  std::unordered_map<std::uint32_t, std::vector<VenueReportRecord>> warnings;
  const std::vector<EcdsaP256PublicKey> authority = publisher_.authority_keys();
  const auto [w0, w1] = split_range(static_cast<std::uint32_t>(published.size()),
                                    static_cast<std::uint32_t>(w_.ranks.rank()),
                                    static_cast<std::uint32_t>(w_.ranks.size()));
  std::vector<std::optional<Accepted>> checked(w1 - w0);
  parallel_for(w_.threads, w1 - w0, [&](std::uint32_t i, std::uint32_t) {
    const SealedVenueWarning& warning = published[w0 + i];
    const auto v = w_.venues.find(warning.location_tag);
    if (!v) return;
    const VenueWarningCheck check = check_venue_warning(
        w_.venues.location_id(*v), w_.venues.owner_public_key(*v), authority, warning);
    if (check.verdict == VenueWarningVerdict::kAccepted) checked[i] = Accepted{*v, check.record};
  });
  std::vector<Accepted> mine;
  for (const auto& c : checked) {
    if (c) mine.push_back(*c);
  }
  for (const auto& a : w_.ranks.gather_all<Accepted>(mine)) {
    warnings[a.venue].push_back(a.record);
  }
  if (warnings.empty()) return;
  // Most check-ins are at venues without a warning: a bit per venue turns them away before
  // the map lookup.
  std::vector<std::uint64_t> warned((w_.pop.venue_kind.size() + 63) / 64, 0);
  for (const auto& [venue, list] : warnings) warned[venue / 64] |= std::uint64_t{1} << (venue % 64);
  for (std::uint32_t d = first_day; d <= last_day; ++d) {
    const DayCheckIns* ring = contacts.checkins(d);
    if (ring == nullptr) continue;
    // A warned visit keeps the phone YELLOW as the client's colour rule says (kVenueWarning:
    // colour.low_risk_days full days after the visit's day); one over already is skipped.
    const std::int32_t yellow_until = rule_until_day(client::ColourRule::kVenueWarning, d);
    if (yellow_until <= static_cast<std::int32_t>(t)) continue;
    const std::uint32_t base = w_.schedule.day_interval(d).value;
    for (const auto& c : ring->check_ins) {
      if ((warned[c.venue / 64] >> (c.venue % 64) & 1) == 0) continue;
      auto it = warnings.find(c.venue);
      if (it == warnings.end()) continue;
      // The phone's own report of this day's visits (a symptom self-report too, which shows
      // no own RED): the user knows; another case's warning there tells a case nothing.
      if (uploads.reported_checkins(c.person, d)) continue;
      const std::uint32_t in = base + c.start_scan / kScansPerInterval;
      const std::uint32_t out =
          base + (c.start_scan + c.scans + kScansPerInterval - 1) / kScansPerInterval;
      for (const auto& warn : it->second) {
        if (warn.start_interval.value < out && in < warn.end_interval().value) {
          updates.push_back({c.person, 0, yellow_until, true});
          break;
        }
      }
    }
  }
}

void SyncPhase::apply(std::vector<Update>& updates, std::uint32_t t, HealthPhase& health,
                      DailyStats& st) {
  // The updates are of this rank's phones: each rank keeps its phones' colours, and the
  // notifications (a rise of a phone's colour) are gathered in rank order, which is phone
  // order, so every rank acts on the same ones in the same order.
  struct Notice {
    std::uint32_t phone;
    Colour colour;
    bool venue_only;
    std::int32_t red_day;
  };
  std::vector<Notice> notices;
  std::sort(updates.begin(), updates.end(),
            [](const Update& a, const Update& b) { return a.phone < b.phone; });
  for (std::size_t i = 0; i < updates.size();) {
    const std::uint32_t p = updates[i].phone;
    // A dead person's phone is off, and one that gave the app up runs no app (its check-ins
    // are gone with it): no colour, no notification.
    if (health.dead(p, t) || !w_.app_on(p, t)) {
      while (i < updates.size() && updates[i].phone == p) ++i;
      continue;
    }
    const Colour before = exposure_colour(p, t);
    bool venue_only = true;
    std::int32_t red_day = -1;
    std::size_t j = i;
    std::int32_t& red_until = red_until_[own_index(p)];
    std::int32_t& yellow_until = yellow_until_[own_index(p)];
    while (j < updates.size() && updates[j].phone == p) {
      red_until = std::max(red_until, updates[j].red_until);
      yellow_until = std::max(yellow_until, updates[j].yellow_until);
      if (updates[j].venue && !venue_yellow_until_.empty()) {
        std::int32_t& venue = venue_yellow_until_[own_index(p)];
        venue = std::max(venue, updates[j].yellow_until);
      }
      if (!updates[j].venue) venue_only = false;
      red_day = std::max(red_day, updates[j].red_day);
      ++j;
    }
    const Colour after = exposure_colour(p, t);
    // A phone that shows its user's own positive test (RED) shows nothing new: no
    // notification (a case's own visits, warned by its own upload, among them).
    const bool own_red = health.own_red_until(p) > static_cast<std::int32_t>(t);
    if (after > before && !own_red) notices.push_back({p, after, venue_only, red_day});
    i = j;
  }
  for (const Notice& n : w_.ranks.gather_all<Notice>(notices)) {
    notify(n.phone, t, n.colour, n.venue_only, n.red_day, health, st);
  }
}

void SyncPhase::notify(std::uint32_t p, std::uint32_t t, Colour c, bool venue, std::int32_t red_day,
                       HealthPhase& health, DailyStats& st) {
  // Every rank counts every phone's notification and acts on it; the ground truth is kept on
  // the phone's rank.
  if (c == Colour::kRed) {
    ++st.notified_red;
  } else {
    ++st.notified_yellow;
  }
  if (venue) ++st.venue_notifications;
  if (w_.owns(p)) {
    notifications_.push_back({p, t, c, venue});
    const auto day = static_cast<std::int32_t>(t);
    if (c == Colour::kRed && first_red_day_[own_index(p)] == kNever) {
      first_red_day_[own_index(p)] = day;
    }
    if (first_any_day_[own_index(p)] == kNever) first_any_day_[own_index(p)] = day;
  }
  if (health.exempt_as_positive(p)) return;
  const auto& app = w_.config.app;
  if (c == Colour::kRed) {
    // The quarantine counts from the notification, or from the last day of high-risk
    // exposure (then it may be over before the notification: no quarantine).
    const std::int32_t start =
        app.red_quarantine_from_exposure && red_day >= 0 ? red_day : static_cast<std::int32_t>(t);
    const std::int32_t until = start + static_cast<std::int32_t>(app.red_isolation_days);
    // Daily self-tests instead of quarantine, with their own adherence if set.
    const bool daily = app.red_daily_test_days > 0;
    const double follows = daily && app.red_daily_test_adherence >= 0 ? app.red_daily_test_adherence
                                                                      : app.red_isolation_adherence;
    if (w_.decision(kPurposeBehaviour, p, t, 10).bernoulli(follows)) {
      if (daily) {
        health.test_daily(p, t, app.red_daily_test_days);
      } else {
        const std::uint32_t release = app.red_release_test_day;
        if (until > static_cast<std::int32_t>(t)) {
          health.quarantine(p, until, release > 0 ? static_cast<std::uint32_t>(start) + release : 0,
                            app.revoke_on_negative);
        }
      }
    }
    if (app.household_isolation_on_red) {
      const std::uint32_t h = w_.pop.household[p];
      for (std::uint32_t q = w_.pop.household_start[h]; q < w_.pop.household_start[h + 1]; ++q) {
        if (q != p &&
            w_.decision(kPurposeBehaviour, q, t, 13).bernoulli(app.red_isolation_adherence)) {
          health.isolate(q, until);
        }
      }
    }
    if (w_.decision(kPurposeBehaviour, p, t, 11).bernoulli(app.red_test_probability)) {
      health.order_test(p, t);
    }
  } else if (w_.decision(kPurposeBehaviour, p, t, 12).bernoulli(app.yellow_test_probability)) {
    health.order_test(p, t);
  }
}

Status SyncPhase::verify(std::uint32_t t, std::uint32_t first_day, std::uint32_t last_day,
                         std::span<const TemporaryExposureKey> keys, const SharedWindows& shared,
                         const RadioPhase& radio, GaenExpander& expander) {
  // Half the sample from phones the shared path matched, half uniformly from app users.
  // Over several ranks each rank scored its own phones: the first matched phones of every
  // rank, in rank order, are the first matched phones of all.
  std::vector<std::uint32_t> sample;
  const std::uint32_t want = w_.config.run.verify_phones;
  const std::uint32_t matched_wanted = want / 2 + want % 2;
  for (const auto& [p, win] : shared) {
    if (sample.size() >= matched_wanted) break;
    sample.push_back(p);
  }
  sample = w_.ranks.gather_all<std::uint32_t>(sample);
  if (sample.size() > matched_wanted) sample.resize(matched_wanted);
  Rng r(stream_key(w_.seed, kPurposeVerify, t));
  for (std::uint32_t tries = 0; sample.size() < want && tries < want * 20; ++tries) {
    const std::uint32_t p = r.below(w_.pop.size());
    if (!w_.app_on(p, t)) continue;
    if (std::find(sample.begin(), sample.end(), p) != sample.end()) continue;
    sample.push_back(p);
  }
  // Each sampled phone's log goes through the client library: its encounter log, matcher,
  // exposure windows, risk scoring and colour rule, against this sync's keys. Over several
  // ranks each rank re-creates the sightings of the runs it stores (its broadcasters), the
  // ranks exchange them (rank order keeps each scan time's sightings in broadcaster order,
  // as in one store), and the rank that owns a sampled phone (and scored it) matches it.
  struct SampledSighting {
    std::uint32_t sample;
    Sighting sighting;
  };
  std::vector<SampledSighting> mine;
  for (std::uint32_t i = 0; i < sample.size(); ++i) {
    for (const auto& s : phone_sightings(sample[i], radio.store(), first_day, last_day, w_.schedule,
                                         radio.model(), w_.seed, expander)) {
      mine.push_back({i, s});
    }
  }
  const std::vector<SampledSighting> all = w_.ranks.gather_all<SampledSighting>(mine);
  const std::int64_t start = w_.schedule.start_unix_seconds();
  ClientPhoneMatcher matcher(start, w_.config.app.risk);
  const std::int64_t now = start + t * kDaySeconds + 6 * 3600;
  VerifyCounters day;
  std::vector<Sighting> sightings;
  for (std::uint32_t i = 0; i < sample.size(); ++i) {
    const std::uint32_t p = sample[i];
    if (!w_.owns(p)) continue;
    sightings.clear();
    for (const auto& s : all) {
      if (s.sample == i) sightings.push_back(s.sighting);
    }
    auto client_windows = matcher.match(sightings, keys, now);
    GL_RETURN_IF_ERROR(client_windows);
    const auto it = shared.find(p);
    const std::vector<ExposureWindow> none;
    const auto& windows = it == shared.end() ? none : it->second;
    ++day.phones;
    day.windows += client_windows->size();
    if (*client_windows != windows) ++day.mismatches;
    if (matcher.colour() != colour_of_windows(windows, w_.scorer, start, now)) {
      ++day.colour_mismatches;
    }
    if (matcher.colour() != Colour::kGreen) ++day.not_green;
    const auto& log = matcher.log_stats();
    day.client_evictions += static_cast<std::uint64_t>(log.evicted_pending + log.evicted_confirmed +
                                                       log.evicted_one_off + log.dropped_sightings);
    day.client_rejected += matcher.sightings_rejected();
  }
  std::array<std::uint64_t, 7> counts{
      day.phones,    day.windows,          day.mismatches,     day.colour_mismatches,
      day.not_green, day.client_evictions, day.client_rejected};
  w_.ranks.sum(counts);
  verify_.phones += counts[0];
  verify_.windows += counts[1];
  verify_.mismatches += counts[2];
  verify_.colour_mismatches += counts[3];
  verify_.not_green += counts[4];
  verify_.client_evictions += counts[5];
  verify_.client_rejected += counts[6];
  return ok();
}

}  // namespace greenlight::sim::internal

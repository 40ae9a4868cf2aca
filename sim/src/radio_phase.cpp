#include "internal/radio_phase.h"

#include <algorithm>
#include <cmath>

#include "internal/parallel.h"

namespace greenlight::sim::internal {

RadioPhase::RadioPhase(const World& world)
    : w_(world),
      radio_(world.config.radio, world.seed),
      store_(world.pop.size(), kRetentionDays, world.own_begin, world.own_end) {
  const std::uint32_t n = w_.pop.size();
  while ((static_cast<std::uint64_t>(n - 1) >> part_shift_) >= kRunParts) ++part_shift_;
  expanders_.resize(std::max<std::uint32_t>(1, w_.threads));
  for (auto& e : expanders_) e = std::make_unique<GaenExpander>();
}

std::pair<std::uint32_t, std::uint32_t> RadioPhase::part_range(std::uint32_t k) const {
  const std::uint64_t lo = static_cast<std::uint64_t>(k) << part_shift_;
  const std::uint64_t hi = static_cast<std::uint64_t>(k + 1) << part_shift_;
  return {static_cast<std::uint32_t>(std::min<std::uint64_t>(lo, w_.pop.size())),
          static_cast<std::uint32_t>(std::min<std::uint64_t>(hi, w_.pop.size()))};
}

void RadioPhase::stage(const Contact& c, Rng& noise, StagedRuns& out) const {
  // Phones scan every 5 minutes; the scans that fall inside the contact hear it.
  const std::uint32_t m0 = c.start_minute;
  const std::uint32_t end = m0 + c.minutes;
  std::uint32_t first = (m0 + 4) / 5;
  const std::uint32_t stop = std::min<std::uint32_t>(kScansPerDay, (end + 4) / 5);
  std::uint32_t scans = stop > first ? stop - first : 0;
  if (scans == 0) {
    if (!radio_.perfect()) return;
    first = std::min(m0 / 5, kScansPerDay - 1);
    scans = 1;
  }
  scans = std::min<std::uint32_t>(scans, 255);
  const auto dist_dm = static_cast<std::uint32_t>(std::min(127L, std::lround(c.distance_m * 10)));
  const std::uint64_t key_ab = noise.next();
  const std::uint64_t key_ba = noise.next();
  // A ward or a care home is indoors like a workplace (the radio has no setting of its own
  // for them).
  const RadioSetting setting = c.layer == Layer::kHospital || c.layer == Layer::kCareHome
                                   ? RadioSetting::kSchoolWork
                                   : static_cast<RadioSetting>(c.layer);
  const ContactAttenuation att = radio_.contact(c.distance_m, setting, c.a, c.b, key_ab, key_ba);
  const std::uint8_t att_ab = att.heard_by_a_db;
  const std::uint8_t att_ba = att.heard_by_b_db;
  out[c.b >> part_shift_].push_back({c.b, c.a, RunMeta::pack(first, dist_dm, scans, att_ab)});
  out[c.a >> part_shift_].push_back({c.a, c.b, RunMeta::pack(first, dist_dm, scans, att_ba)});
}

std::uint64_t RadioPhase::store_day(std::uint32_t t, std::span<const StagedRuns> shards) {
  // Part k of every shard holds the broadcasters of slice k, so the parts merge
  // independently; within a broadcaster, runs keep shard order. The shards hold only the
  // runs of the broadcasters this rank owns (ContactPhase::route_runs), and the day's
  // offsets cover only those.
  DayEncounters& bucket = store_.begin_day(t);
  const std::uint32_t own0 = bucket.first_phone;
  const std::uint32_t own1 = bucket.end_phone();
  today_ = &bucket;
  std::array<std::size_t, kRunParts + 1> part_start{};
  for (const auto& o : shards) {
    for (std::uint32_t k = 0; k < kRunParts; ++k) part_start[k + 1] += o[k].size();
  }
  for (std::uint32_t k = 0; k < kRunParts; ++k) part_start[k + 1] += part_start[k];
  const std::size_t total = part_start[kRunParts];
  bucket.resize_runs(total);
  parallel_for(w_.threads, kRunParts, [&](std::uint32_t k, std::uint32_t) {
    const auto [part_lo, part_hi] = part_range(k);
    const std::uint32_t lo = std::max(part_lo, own0);
    const std::uint32_t hi = std::min(part_hi, own1);
    if (lo >= hi) return;  // no broadcaster of this rank: no runs
    std::vector<std::uint32_t> fill(hi - lo + 1, 0);
    for (const auto& o : shards) {
      for (const auto& r : o[k]) ++fill[r.broadcaster - lo + 1];
    }
    fill[0] = static_cast<std::uint32_t>(part_start[k]);
    for (std::uint32_t i = 0; i < hi - lo; ++i) fill[i + 1] += fill[i];
    std::copy(fill.begin(), fill.end() - 1, bucket.offsets.begin() + (lo - own0));
    for (const auto& o : shards) {
      for (const auto& r : o[k]) {
        const std::uint32_t at = fill[r.broadcaster - lo]++;
        bucket.set_listener(at, r.listener);
        bucket.meta[at] = r.meta;
      }
    }
  });
  bucket.offsets.back() = static_cast<std::uint32_t>(total);
  return total;
}

void RadioPhase::derive_rpis(std::uint32_t t) {
  if (today_ == nullptr) return;
  // Every phone derives today's RPIK from its TEK; the runs in which it was heard
  // (contiguous: the log is grouped by broadcaster) get its real RPIs for their intervals,
  // expanded with one key schedule per phone.
  DayEncounters& bucket = *today_;
  // The chunks of kTekChunk phones (TekSchedule::chunk) that hold phones of this rank.
  const std::uint32_t own0 = bucket.first_phone;
  const std::uint32_t own1 = bucket.end_phone();
  const std::uint32_t chunk0 = own0 / kTekChunk;
  const std::uint32_t chunks = (own1 + kTekChunk - 1) / kTekChunk - chunk0;
  const EnIntervalNumber base = w_.schedule.day_interval(t);
  parallel_for(w_.threads, kShards, [&](std::uint32_t shard, std::uint32_t worker) {
    GaenExpander& ex = *expanders_[worker];
    const auto [s0, s1] = shard_range(chunks, shard);
    const std::uint32_t c0 = chunk0 + s0;
    const std::uint32_t c1 = chunk0 + s1;
    std::array<Tek, kTekChunk> teks;
    std::array<Rpi, kTekRollingPeriod> rpis;
    std::array<EnIntervalNumber, kTekRollingPeriod> intervals;
    // Interval of the day -> its index in intervals/rpis, or kNoSlot.
    constexpr std::uint8_t kNoSlot = 0xff;
    std::array<std::uint8_t, kTekRollingPeriod> slot;
    slot.fill(kNoSlot);
    for (std::uint32_t c = c0; c < c1; ++c) {
      const std::uint32_t chunk_first = c * kTekChunk;
      const std::uint32_t first = std::max(own0, chunk_first);
      const std::uint32_t last = std::min(own1, chunk_first + kTekChunk);
      // Chunks without a phone heard today need no TEK.
      if (bucket.runs_begin(first) == bucket.runs_begin(last)) continue;
      w_.schedule.chunk(chunk_first, t, teks);
      for (std::uint32_t p = first; p < last; ++p) {
        const std::uint32_t r0 = bucket.runs_begin(p);
        const std::uint32_t r1 = bucket.runs_begin(p + 1);
        if (r0 == r1) continue;  // nobody heard p today: no RPI needed
        if (w_.pop.has_app[p] == 0) {
          // Only app users broadcast (runs are staged for pairs of app users); the run
          // arrays are not zero-filled, so a tag is written for every run all the same.
          std::fill(bucket.rpi_tag.begin() + r0, bucket.rpi_tag.begin() + r1, 0u);
          continue;
        }
        const Rpik rpik = ex.rpik(teks[p - chunk_first]);
        // The RPIs of the distinct intervals in which p was heard (a phone is heard in a
        // few of its 144 intervals), each derived once, all in one AES call.
        std::uint32_t count = 0;
        for (std::uint32_t r = r0; r < r1; ++r) {
          const std::uint32_t iv = RunMeta::start_scan(bucket.meta[r]) / kScansPerInterval;
          if (slot[iv] == kNoSlot) {
            slot[iv] = static_cast<std::uint8_t>(count);
            intervals[count++] = {base.value + iv};
          }
        }
        ex.rpis_at(rpik, std::span(intervals.data(), count), std::span(rpis.data(), count));
        for (std::uint32_t r = r0; r < r1; ++r) {
          const std::uint32_t iv = RunMeta::start_scan(bucket.meta[r]) / kScansPerInterval;
          bucket.rpi_tag[r] = rpi_tag(rpis[slot[iv]]);
        }
        for (std::uint32_t i = 0; i < count; ++i) slot[intervals[i].value - base.value] = kNoSlot;
      }
    }
  });
  peak_store_bytes_ = std::max(peak_store_bytes_, store_.memory_bytes());
}

}  // namespace greenlight::sim::internal

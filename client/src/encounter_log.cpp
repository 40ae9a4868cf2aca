#include "greenlight/client/encounter_log.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace greenlight::client {
namespace {

// Packed sighting: u16 offset from first_seen (s), i16 RSSI sum, u8 count, i8 max RSSI,
// little-endian.
constexpr std::size_t kPackedSightingSize = 6;

struct PackedSighting {
  std::uint16_t offset = 0;
  std::int16_t rssi_sum = 0;
  std::uint8_t count = 0;
  std::int8_t max_rssi = 0;
};

void append_packed(Bytes& out, const PackedSighting& s) {
  const auto sum = static_cast<std::uint16_t>(s.rssi_sum);
  out.push_back(static_cast<std::uint8_t>(s.offset & 0xffU));
  out.push_back(static_cast<std::uint8_t>(s.offset >> 8));
  out.push_back(static_cast<std::uint8_t>(sum & 0xffU));
  out.push_back(static_cast<std::uint8_t>(sum >> 8));
  out.push_back(s.count);
  out.push_back(static_cast<std::uint8_t>(s.max_rssi));
}

std::vector<PackedSighting> unpack(ByteSpan blob) {
  std::vector<PackedSighting> out;
  out.reserve(blob.size() / kPackedSightingSize);
  for (std::size_t i = 0; i + kPackedSightingSize <= blob.size(); i += kPackedSightingSize) {
    PackedSighting s;
    s.offset = static_cast<std::uint16_t>(blob[i] | (blob[i + 1] << 8));
    s.rssi_sum =
        static_cast<std::int16_t>(static_cast<std::uint16_t>(blob[i + 2] | (blob[i + 3] << 8)));
    s.count = blob[i + 4];
    s.max_rssi = static_cast<std::int8_t>(blob[i + 5]);
    out.push_back(s);
  }
  return out;
}

Bytes pack(const std::vector<PackedSighting>& sightings) {
  Bytes out;
  out.reserve(sightings.size() * kPackedSightingSize);
  for (const PackedSighting& s : sightings) append_packed(out, s);
  return out;
}

// The observations of one RPI in one scan.
struct Heard {
  Rpi rpi{};
  Aem aem{};
  std::int32_t rssi_sum = 0;
  std::uint8_t count = 0;
  std::int8_t max_rssi = std::numeric_limits<std::int8_t>::min();
};

// Adds add_count observations (RSSI sum add_sum) to a sighting. The count saturates at 255;
// past that only a proportional share is added, which keeps the mean.
void add_rssi(std::int32_t& sum, std::uint8_t& count, std::int8_t& max_rssi, std::int32_t add_sum,
              std::uint32_t add_count, std::int8_t add_max) {
  const std::uint32_t room = std::numeric_limits<std::uint8_t>::max() - count;
  const std::uint32_t taken = std::min(room, add_count);
  if (taken == add_count) {
    sum += add_sum;
  } else if (add_count > 0) {
    sum += add_sum * static_cast<std::int32_t>(taken) / static_cast<std::int32_t>(add_count);
  }
  count = static_cast<std::uint8_t>(count + taken);
  max_rssi = std::max(max_rssi, add_max);
}

std::vector<Heard> aggregate(std::span<const Observation> observations) {
  std::vector<Observation> sorted(observations.begin(), observations.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const Observation& a, const Observation& b) { return a.rpi < b.rpi; });
  std::vector<Heard> heard;
  for (const Observation& o : sorted) {
    if (heard.empty() || heard.back().rpi != o.rpi) {
      Heard h;
      h.rpi = o.rpi;
      h.aem = o.aem;
      heard.push_back(h);
    }
    Heard& h = heard.back();
    add_rssi(h.rssi_sum, h.count, h.max_rssi, o.rssi_dbm, 1, o.rssi_dbm);
  }
  return heard;
}

std::int64_t bucket_of(std::int64_t t) {
  return static_cast<std::int64_t>(interval_from_unix_seconds(t).value);
}

}  // namespace

std::size_t EncounterLogLimits::max_rows(std::int64_t retention_seconds) const {
  const auto buckets =
      static_cast<std::size_t>(std::max<std::int64_t>(retention_seconds, 0) / kIntervalSeconds) + 2;
  return 2 * max_pending + buckets * (max_confirmed_per_interval + max_one_off_per_interval);
}

EncounterLog::EncounterLog(Database& db, EncounterLogLimits limits) : db_(db), limits_(limits) {}

Status EncounterLog::record_scan(std::int64_t scan_time, std::span<const Observation> heard) {
  auto tx = Transaction::begin(db_);
  GL_RETURN_IF_ERROR(tx);
  auto st = db_.cached("INSERT OR IGNORE INTO scan(time) VALUES (?1)");
  GL_RETURN_IF_ERROR(st);
  (*st)->bind(1, scan_time);
  GL_RETURN_IF_ERROR((*st)->run());
  GL_RETURN_IF_ERROR(record_in_scan(scan_time, heard));
  return tx->commit();
}

Status EncounterLog::record_observation(std::int64_t t, const Observation& observation) {
  auto tx = Transaction::begin(db_);
  GL_RETURN_IF_ERROR(tx);
  std::int64_t scan_time = t;
  {
    auto st = db_.cached("SELECT time FROM scan WHERE time <= ?1 ORDER BY time DESC LIMIT 1");
    GL_RETURN_IF_ERROR(st);
    (*st)->bind(1, t);
    auto row = (*st)->step();
    GL_RETURN_IF_ERROR(row);
    if (*row && t - (*st)->column_int64(0) <= limits_.scan_merge_seconds) {
      scan_time = (*st)->column_int64(0);
    }
  }
  if (scan_time == t) {
    auto st = db_.cached("INSERT OR IGNORE INTO scan(time) VALUES (?1)");
    GL_RETURN_IF_ERROR(st);
    (*st)->bind(1, scan_time);
    GL_RETURN_IF_ERROR((*st)->run());
  }
  GL_RETURN_IF_ERROR(record_in_scan(scan_time, std::span<const Observation>(&observation, 1)));
  return tx->commit();
}

Status EncounterLog::record_in_scan(std::int64_t scan_time, std::span<const Observation> heard) {
  std::vector<Heard> distinct = aggregate(heard);
  if (distinct.size() > limits_.max_observations_per_scan) {
    const auto keep = static_cast<std::ptrdiff_t>(limits_.max_observations_per_scan);
    std::nth_element(distinct.begin(), distinct.begin() + keep, distinct.end(),
                     [](const Heard& a, const Heard& b) { return a.max_rssi > b.max_rssi; });
    counters_.dropped_sightings += static_cast<std::int64_t>(distinct.size()) - keep;
    distinct.resize(limits_.max_observations_per_scan);
  }

  auto select = db_.cached("SELECT bucket, first_seen, scans FROM encounter WHERE rpi = ?1");
  GL_RETURN_IF_ERROR(select);
  auto insert = db_.cached(
      "INSERT INTO encounter(rpi, bucket, first_seen, last_seen, aem, scan_count, max_rssi, "
      "scans) VALUES (?1, ?2, ?3, ?3, ?4, 1, ?5, ?6)");
  GL_RETURN_IF_ERROR(insert);
  auto update = db_.cached(
      "UPDATE encounter SET last_seen = ?2, scan_count = ?3, max_rssi = ?4, scans = ?5 "
      "WHERE rpi = ?1");
  GL_RETURN_IF_ERROR(update);

  std::vector<std::int64_t> buckets;
  for (const Heard& h : distinct) {
    (*select)->bind(1, ByteSpan(h.rpi));
    auto row = (*select)->step();
    GL_RETURN_IF_ERROR(row);
    if (!*row) {
      (*select)->reset();
      PackedSighting s;
      s.rssi_sum = static_cast<std::int16_t>(h.rssi_sum);
      s.count = h.count;
      s.max_rssi = h.max_rssi;
      Bytes blob;
      append_packed(blob, s);
      const std::int64_t bucket = bucket_of(scan_time);
      (*insert)
          ->bind(1, ByteSpan(h.rpi))
          .bind(2, bucket)
          .bind(3, scan_time)
          .bind(4, ByteSpan(h.aem))
          .bind(5, static_cast<std::int64_t>(h.max_rssi))
          .bind(6, blob);
      GL_RETURN_IF_ERROR((*insert)->run());
      buckets.push_back(bucket);
      continue;
    }
    const std::int64_t bucket = (*select)->column_int64(0);
    const std::int64_t first_seen = (*select)->column_int64(1);
    std::vector<PackedSighting> sightings = unpack((*select)->column_blob(2));
    (*select)->reset();

    const std::int64_t offset = scan_time - first_seen;
    if (offset < 0 || offset > limits_.max_rpi_span_seconds ||
        offset > std::numeric_limits<std::uint16_t>::max() || sightings.empty() ||
        offset < sightings.back().offset) {
      ++counters_.dropped_sightings;
      continue;
    }
    if (offset == sightings.back().offset) {
      PackedSighting& last = sightings.back();
      std::int32_t sum = last.rssi_sum;
      add_rssi(sum, last.count, last.max_rssi, h.rssi_sum, h.count, h.max_rssi);
      last.rssi_sum = static_cast<std::int16_t>(sum);
    } else if (sightings.size() >= limits_.max_scans_per_rpi) {
      ++counters_.dropped_sightings;
      continue;
    } else {
      PackedSighting s;
      s.offset = static_cast<std::uint16_t>(offset);
      s.rssi_sum = static_cast<std::int16_t>(h.rssi_sum);
      s.count = h.count;
      s.max_rssi = h.max_rssi;
      sightings.push_back(s);
    }
    std::int8_t max_rssi = std::numeric_limits<std::int8_t>::min();
    for (const PackedSighting& s : sightings) max_rssi = std::max(max_rssi, s.max_rssi);
    (*update)
        ->bind(1, ByteSpan(h.rpi))
        .bind(2, first_seen + sightings.back().offset)
        .bind(3, static_cast<std::int64_t>(sightings.size()))
        .bind(4, static_cast<std::int64_t>(max_rssi))
        .bind(5, pack(sightings));
    GL_RETURN_IF_ERROR((*update)->run());
    buckets.push_back(bucket);
  }
  return enforce_caps(scan_time, buckets);
}

Status EncounterLog::enforce_caps(std::int64_t scan_time, std::span<const std::int64_t> touched) {
  std::vector<std::int64_t> buckets(touched.begin(), touched.end());
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());

  // Confirmed cap per touched bucket.
  {
    auto st = db_.cached(
        "DELETE FROM encounter WHERE rpi IN (SELECT rpi FROM encounter "
        "WHERE bucket = ?1 AND scan_count >= 2 "
        "ORDER BY scan_count DESC, max_rssi DESC, first_seen ASC LIMIT -1 OFFSET ?2)");
    GL_RETURN_IF_ERROR(st);
    for (std::int64_t bucket : buckets) {
      (*st)->bind(1, bucket).bind(2, static_cast<std::int64_t>(limits_.max_confirmed_per_interval));
      GL_RETURN_IF_ERROR((*st)->run());
      counters_.evicted_confirmed += db_.changes();
    }
  }

  // Pending cap: keep the newest max_pending RPIs seen once within pending_seconds.
  const std::int64_t pending_since = scan_time - limits_.pending_seconds;
  {
    auto st = db_.cached(
        "DELETE FROM encounter WHERE rpi IN (SELECT rpi FROM encounter "
        "WHERE bucket >= ?1 AND scan_count = 1 AND first_seen > ?2 "
        "ORDER BY first_seen DESC, max_rssi DESC LIMIT -1 OFFSET ?3)");
    GL_RETURN_IF_ERROR(st);
    (*st)
        ->bind(1, bucket_of(pending_since))
        .bind(2, pending_since)
        .bind(3, static_cast<std::int64_t>(limits_.max_pending));
    GL_RETURN_IF_ERROR((*st)->run());
    counters_.evicted_pending += db_.changes();
  }

  // One-off cap for buckets whose pending time is over (and for late writes into
  // buckets already settled).
  auto settle = db_.cached(
      "DELETE FROM encounter WHERE rpi IN (SELECT rpi FROM ("
      "SELECT rpi, row_number() OVER (PARTITION BY bucket "
      "ORDER BY max_rssi DESC, first_seen ASC) AS rank FROM encounter "
      "WHERE bucket BETWEEN ?1 AND ?2 AND scan_count = 1) WHERE rank > ?3)");
  GL_RETURN_IF_ERROR(settle);
  const auto settle_range = [&](std::int64_t lo, std::int64_t hi) -> Status {
    (*settle)->bind(1, lo).bind(2, hi).bind(
        3, static_cast<std::int64_t>(limits_.max_one_off_per_interval));
    GL_RETURN_IF_ERROR((*settle)->run());
    counters_.evicted_one_off += db_.changes();
    return ok();
  };
  for (std::int64_t bucket : buckets) {
    if (bucket <= settled_through_) {
      GL_RETURN_IF_ERROR(settle_range(bucket, bucket));
    }
  }
  // A bucket is settled once even its last second is older than pending_seconds.
  const std::int64_t settle_hi = bucket_of(pending_since) - 1;
  if (settle_hi > settled_through_) {
    GL_RETURN_IF_ERROR(settle_range(settled_through_ + 1, settle_hi));
    settled_through_ = settle_hi;
  }
  return ok();
}

Result<EncounterSnapshot> EncounterLog::snapshot(std::uint64_t hash_seed) {
  std::vector<EncounterRecord> records;
  {
    auto st = db_.cached("SELECT rpi, aem, first_seen, scans FROM encounter");
    GL_RETURN_IF_ERROR(st);
    for (;;) {
      auto row = (*st)->step();
      GL_RETURN_IF_ERROR(row);
      if (!*row) break;
      const ByteSpan rpi = (*st)->column_blob(0);
      const ByteSpan aem = (*st)->column_blob(1);
      if (rpi.size() != Rpi{}.size() || aem.size() != Aem{}.size()) {
        return make_error(ErrorCode::kInternal,
                          "encounter row with rpi of " + std::to_string(rpi.size()) +
                              " bytes and aem of " + std::to_string(aem.size()) + " bytes");
      }
      EncounterRecord record;
      std::copy(rpi.begin(), rpi.end(), record.rpi.begin());
      std::copy(aem.begin(), aem.end(), record.aem.begin());
      const std::int64_t first_seen = (*st)->column_int64(2);
      for (const PackedSighting& p : unpack((*st)->column_blob(3))) {
        record.sightings.push_back(
            ScanSighting{first_seen + p.offset, p.rssi_sum, p.count, p.max_rssi});
      }
      records.push_back(std::move(record));
    }
  }
  std::vector<std::int64_t> scans;
  {
    auto st = db_.cached("SELECT time FROM scan ORDER BY time");
    GL_RETURN_IF_ERROR(st);
    for (;;) {
      auto row = (*st)->step();
      GL_RETURN_IF_ERROR(row);
      if (!*row) break;
      scans.push_back((*st)->column_int64(0));
    }
  }
  return EncounterSnapshot(std::move(records), std::move(scans), hash_seed);
}

Result<EncounterStats> EncounterLog::stats() {
  EncounterStats stats = counters_;
  {
    auto st = db_.cached(
        "SELECT count(*), coalesce(sum(scan_count = 1), 0), coalesce(sum(scan_count >= 2), 0) "
        "FROM encounter");
    GL_RETURN_IF_ERROR(st);
    auto row = (*st)->step();
    GL_RETURN_IF_ERROR(row);
    stats.rpis = (*st)->column_int64(0);
    stats.pending = (*st)->column_int64(1);
    stats.confirmed = (*st)->column_int64(2);
  }
  {
    auto st = db_.cached("SELECT count(*) FROM scan");
    GL_RETURN_IF_ERROR(st);
    auto row = (*st)->step();
    GL_RETURN_IF_ERROR(row);
    stats.scans = (*st)->column_int64(0);
  }
  return stats;
}

Status EncounterLog::delete_older_than(std::int64_t cutoff) {
  auto tx = Transaction::begin(db_);
  GL_RETURN_IF_ERROR(tx);
  {
    auto st = db_.cached("DELETE FROM encounter WHERE bucket <= ?1 AND first_seen < ?2");
    GL_RETURN_IF_ERROR(st);
    (*st)->bind(1, bucket_of(cutoff)).bind(2, cutoff);
    GL_RETURN_IF_ERROR((*st)->run());
  }
  {
    auto st = db_.cached("DELETE FROM scan WHERE time < ?1");
    GL_RETURN_IF_ERROR(st);
    (*st)->bind(1, cutoff);
    GL_RETURN_IF_ERROR((*st)->run());
  }
  return tx->commit();
}

}  // namespace greenlight::client

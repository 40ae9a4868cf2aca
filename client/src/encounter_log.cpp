#include "greenlight/client/encounter_log.h"

#include <algorithm>
#include <limits>
#include <map>
#include <vector>

#include "internal/device_rows.h"

namespace greenlight::client {
namespace {

using rows::kPackedSightingSize;
using Tag = ByteArray<kLookupTagSize>;

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

// The plaintext cipher's rows are decoded in place (the simulator's in-memory logs).
Result<rows::EncounterPayload> open_encounter(const StoreCipher& cipher, ByteSpan tag,
                                              ByteSpan sealed) {
  if (!cipher.encrypted()) return rows::decode_encounter(sealed);
  auto opened = cipher.open(rows::kEncounter, tag, sealed);
  GL_RETURN_IF_ERROR(opened);
  return rows::decode_encounter(opened->span());
}

Result<std::int64_t> open_scan_time(const StoreCipher& cipher, ByteSpan sealed) {
  auto opened = cipher.open(rows::kScan, {}, sealed);
  GL_RETURN_IF_ERROR(opened);
  if (opened->size() != 8) {
    return make_error(ErrorCode::kInternal,
                      "scan row must hold 8 bytes, got " + std::to_string(opened->size()));
  }
  return rows::read_be64(opened->span());
}

std::int64_t bucket_of(std::int64_t t) {
  return static_cast<std::int64_t>(interval_from_unix_seconds(t).value);
}

Result<std::int64_t> total_changes(Database& db) {
  auto st = db.cached("SELECT total_changes()");
  GL_RETURN_IF_ERROR(st);
  auto row = (*st)->step();
  GL_RETURN_IF_ERROR(row);
  return (*st)->column_int64(0);
}

Result<Tag> tag_of(ByteSpan bytes) {
  Tag tag{};
  if (bytes.size() != tag.size()) {
    return make_error(ErrorCode::kInternal,
                      "encounter tag must be 16 bytes, got " + std::to_string(bytes.size()));
  }
  std::copy(bytes.begin(), bytes.end(), tag.begin());
  return tag;
}

}  // namespace

// What the flood policy and retention rank and delete by, for every row and scan; all of it
// is sealed on disk.
struct EncounterLog::Index {
  struct Row {
    std::int64_t bucket = 0;
    std::int64_t first_seen = 0;
    std::int64_t scan_count = 0;
    std::int8_t max_rssi = 0;
  };
  // An ordered map: in the plaintext store the tag is the RPI itself, which a sender chooses.
  std::map<Tag, Row> rows;
  std::map<std::int64_t, std::vector<Tag>> buckets;
  std::map<std::int64_t, std::int64_t> scans;  // scan time -> row id

  void put(const Tag& tag, const Row& row) {
    auto [it, inserted] = rows.insert_or_assign(tag, row);
    (void)it;
    if (inserted) buckets[row.bucket].push_back(tag);
  }
  void erase(const Tag& tag) {
    auto it = rows.find(tag);
    if (it == rows.end()) return;
    auto bucket = buckets.find(it->second.bucket);
    if (bucket != buckets.end()) {
      std::erase(bucket->second, tag);
      if (bucket->second.empty()) buckets.erase(bucket);
    }
    rows.erase(it);
  }
  // The rows of the buckets in [lo, hi] that keep pred.
  template <typename Pred>
  std::vector<std::pair<Tag, Row>> select(std::int64_t lo, std::int64_t hi, Pred pred) const {
    std::vector<std::pair<Tag, Row>> out;
    for (auto it = buckets.lower_bound(lo); it != buckets.end() && it->first <= hi; ++it) {
      for (const Tag& tag : it->second) {
        const Row& row = rows.at(tag);
        if (pred(row)) out.emplace_back(tag, row);
      }
    }
    return out;
  }
};

namespace {

// Sorts candidates by rank (best first, ties by tag so the outcome is deterministic) and
// returns the tags beyond the first keep.
template <typename Row, typename Better>
std::vector<Tag> beyond(std::vector<std::pair<Tag, Row>> candidates, std::size_t keep,
                        Better better) {
  std::vector<Tag> out;
  if (candidates.size() <= keep) return out;
  std::sort(candidates.begin(), candidates.end(), [&](const auto& a, const auto& b) {
    if (better(a.second, b.second)) return true;
    if (better(b.second, a.second)) return false;
    return a.first < b.first;
  });
  for (std::size_t i = keep; i < candidates.size(); ++i) out.push_back(candidates[i].first);
  return out;
}

}  // namespace

std::size_t EncounterLogLimits::max_rows(std::int64_t retention_seconds) const {
  const auto buckets =
      static_cast<std::size_t>(std::max<std::int64_t>(retention_seconds, 0) / kIntervalSeconds) + 2;
  return 2 * max_pending + buckets * (max_confirmed_per_interval + max_one_off_per_interval);
}

EncounterLog::EncounterLog(Database& db, EncounterLogLimits limits) : db_(db), limits_(limits) {}

EncounterLog::~EncounterLog() = default;

void EncounterLog::invalidate() noexcept {
  index_.reset();
  index_changes_ = -1;
}

Result<EncounterLog::Index*> EncounterLog::index() {
  auto changes = total_changes(db_);
  GL_RETURN_IF_ERROR(changes);
  if (index_ && *changes == index_changes_) return index_.get();
  invalidate();
  auto built = std::make_unique<Index>();
  const StoreCipher& cipher = db_.cipher();
  {
    auto st = db_.cached("SELECT tag, sealed FROM encounter");
    GL_RETURN_IF_ERROR(st);
    for (;;) {
      auto row = (*st)->step();
      GL_RETURN_IF_ERROR(row);
      if (!*row) break;
      GL_ASSIGN_OR_RETURN(const Tag tag, tag_of((*st)->column_blob(0)));
      GL_ASSIGN_OR_RETURN(auto payload, open_encounter(cipher, tag, (*st)->column_blob(1)));
      Index::Row meta;
      meta.first_seen = payload.first_seen;
      meta.bucket = bucket_of(payload.first_seen);
      meta.max_rssi = std::numeric_limits<std::int8_t>::min();
      for (const PackedSighting& p : unpack(payload.scans)) {
        ++meta.scan_count;
        meta.max_rssi = std::max(meta.max_rssi, p.max_rssi);
      }
      built->put(tag, meta);
    }
  }
  {
    auto st = db_.cached("SELECT id, sealed FROM scan");
    GL_RETURN_IF_ERROR(st);
    for (;;) {
      auto row = (*st)->step();
      GL_RETURN_IF_ERROR(row);
      if (!*row) break;
      GL_ASSIGN_OR_RETURN(const std::int64_t time, open_scan_time(cipher, (*st)->column_blob(1)));
      built->scans.emplace(time, (*st)->column_int64(0));
    }
  }
  index_ = std::move(built);
  index_changes_ = *changes;
  return index_.get();
}

Status EncounterLog::after_write(Status written) {
  if (!written) {
    invalidate();
    return written;
  }
  auto changes = total_changes(db_);
  if (!changes) {
    invalidate();
    return std::unexpected(changes.error());
  }
  index_changes_ = *changes;
  return ok();
}

Status EncounterLog::insert_scan(Index& index, std::int64_t scan_time) {
  if (index.scans.contains(scan_time)) return ok();
  GL_ASSIGN_OR_RETURN(auto sealed, db_.cipher().seal(rows::kScan, {}, rows::be64(scan_time)));
  auto st = db_.cached("INSERT INTO scan(sealed) VALUES (?1)");
  GL_RETURN_IF_ERROR(st);
  (*st)->bind(1, ByteSpan(sealed));
  GL_RETURN_IF_ERROR((*st)->run());
  index.scans.emplace(scan_time, db_.last_insert_rowid());
  return ok();
}

Status EncounterLog::record_scan(std::int64_t scan_time, std::span<const Observation> heard) {
  return after_write([&]() -> Status {
    GL_ASSIGN_OR_RETURN(Index * ix, index());
    auto tx = Transaction::begin(db_);
    GL_RETURN_IF_ERROR(tx);
    GL_RETURN_IF_ERROR(insert_scan(*ix, scan_time));
    GL_RETURN_IF_ERROR(record_in_scan(*ix, scan_time, heard));
    return tx->commit();
  }());
}

Status EncounterLog::record_observation(std::int64_t t, const Observation& observation) {
  return after_write([&]() -> Status {
    GL_ASSIGN_OR_RETURN(Index * ix, index());
    auto tx = Transaction::begin(db_);
    GL_RETURN_IF_ERROR(tx);
    std::int64_t scan_time = t;
    auto latest = ix->scans.upper_bound(t);
    if (latest != ix->scans.begin()) {
      --latest;
      if (t - latest->first <= limits_.scan_merge_seconds) scan_time = latest->first;
    }
    GL_RETURN_IF_ERROR(insert_scan(*ix, scan_time));
    GL_RETURN_IF_ERROR(
        record_in_scan(*ix, scan_time, std::span<const Observation>(&observation, 1)));
    return tx->commit();
  }());
}

Status EncounterLog::record_in_scan(Index& ix, std::int64_t scan_time,
                                    std::span<const Observation> heard) {
  std::vector<Heard> distinct = aggregate(heard);
  if (distinct.size() > limits_.max_observations_per_scan) {
    const auto keep = static_cast<std::ptrdiff_t>(limits_.max_observations_per_scan);
    std::nth_element(distinct.begin(), distinct.begin() + keep, distinct.end(),
                     [](const Heard& a, const Heard& b) { return a.max_rssi > b.max_rssi; });
    counters_.dropped_sightings += static_cast<std::int64_t>(distinct.size()) - keep;
    distinct.resize(limits_.max_observations_per_scan);
  }

  // Rows are found by the RPI's keyed lookup tag; everything else is sealed.
  auto select = db_.cached("SELECT sealed FROM encounter WHERE tag = ?1");
  GL_RETURN_IF_ERROR(select);
  auto insert = db_.cached("INSERT INTO encounter(tag, sealed) VALUES (?1, ?2)");
  GL_RETURN_IF_ERROR(insert);
  auto update = db_.cached("UPDATE encounter SET sealed = ?2 WHERE tag = ?1");
  GL_RETURN_IF_ERROR(update);
  const StoreCipher& cipher = db_.cipher();

  std::vector<std::int64_t> buckets;
  for (const Heard& h : distinct) {
    GL_ASSIGN_OR_RETURN(const Tag tag, tag_of(cipher.lookup_tag(rows::kEncounter, h.rpi)));
    auto known = ix.rows.find(tag);
    if (known == ix.rows.end()) {
      PackedSighting s;
      s.rssi_sum = static_cast<std::int16_t>(h.rssi_sum);
      s.count = h.count;
      s.max_rssi = h.max_rssi;
      Bytes blob;
      append_packed(blob, s);
      auto sealed =
          cipher.seal(rows::kEncounter, tag, rows::encode_encounter(h.rpi, h.aem, scan_time, blob));
      GL_RETURN_IF_ERROR(sealed);
      (*insert)->bind(1, ByteSpan(tag)).bind(2, ByteSpan(*sealed));
      GL_RETURN_IF_ERROR((*insert)->run());
      const std::int64_t bucket = bucket_of(scan_time);
      ix.put(tag, Index::Row{bucket, scan_time, 1, h.max_rssi});
      buckets.push_back(bucket);
      continue;
    }
    (*select)->bind(1, ByteSpan(tag));
    auto row = (*select)->step();
    GL_RETURN_IF_ERROR(row);
    if (!*row) {
      (*select)->reset();
      return make_error(ErrorCode::kInternal, "an indexed encounter row is missing");
    }
    auto payload = open_encounter(cipher, tag, (*select)->column_blob(0));
    (*select)->reset();
    GL_RETURN_IF_ERROR(payload);
    std::vector<PackedSighting> sightings = unpack(payload->scans);
    const std::int64_t first_seen = payload->first_seen;

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
    // The AEM of the first sighting stays, as in the clear store.
    auto sealed = cipher.seal(
        rows::kEncounter, tag,
        rows::encode_encounter(payload->rpi, payload->aem, first_seen, pack(sightings)));
    GL_RETURN_IF_ERROR(sealed);
    (*update)->bind(1, ByteSpan(tag)).bind(2, ByteSpan(*sealed));
    GL_RETURN_IF_ERROR((*update)->run());
    known->second.scan_count = static_cast<std::int64_t>(sightings.size());
    known->second.max_rssi = max_rssi;
    buckets.push_back(known->second.bucket);
  }
  return enforce_caps(ix, scan_time, buckets);
}

Status EncounterLog::evict(Index& ix, std::span<const Tag> tags, std::int64_t& counter) {
  auto st = db_.cached("DELETE FROM encounter WHERE tag = ?1");
  GL_RETURN_IF_ERROR(st);
  for (const Tag& tag : tags) {
    (*st)->bind(1, ByteSpan(tag));
    GL_RETURN_IF_ERROR((*st)->run());
    ix.erase(tag);
  }
  counter += static_cast<std::int64_t>(tags.size());
  return ok();
}

Status EncounterLog::enforce_caps(Index& ix, std::int64_t scan_time,
                                  std::span<const std::int64_t> touched) {
  using Row = Index::Row;
  std::vector<std::int64_t> buckets(touched.begin(), touched.end());
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());

  // Confirmed cap per touched bucket: rank = (scans desc, strongest RSSI desc, first seen asc).
  for (std::int64_t bucket : buckets) {
    const auto evicted =
        beyond(ix.select(bucket, bucket, [](const Row& r) { return r.scan_count >= 2; }),
               limits_.max_confirmed_per_interval, [](const Row& a, const Row& b) {
                 if (a.scan_count != b.scan_count) return a.scan_count > b.scan_count;
                 if (a.max_rssi != b.max_rssi) return a.max_rssi > b.max_rssi;
                 return a.first_seen < b.first_seen;
               });
    GL_RETURN_IF_ERROR(evict(ix, evicted, counters_.evicted_confirmed));
  }

  // Pending cap: keep the newest max_pending RPIs seen once within pending_seconds.
  const std::int64_t pending_since = scan_time - limits_.pending_seconds;
  {
    const auto evicted = beyond(
        ix.select(bucket_of(pending_since), std::numeric_limits<std::int64_t>::max(),
                  [&](const Row& r) { return r.scan_count == 1 && r.first_seen > pending_since; }),
        limits_.max_pending, [](const Row& a, const Row& b) {
          if (a.first_seen != b.first_seen) return a.first_seen > b.first_seen;
          return a.max_rssi > b.max_rssi;
        });
    GL_RETURN_IF_ERROR(evict(ix, evicted, counters_.evicted_pending));
  }

  // One-off cap for buckets whose pending time is over (and for late writes into
  // buckets already settled): rank = (strongest RSSI desc, first seen asc) per bucket.
  const auto settle_range = [&](std::int64_t lo, std::int64_t hi) -> Status {
    std::vector<std::int64_t> in_range;
    for (auto it = ix.buckets.lower_bound(lo); it != ix.buckets.end() && it->first <= hi; ++it) {
      in_range.push_back(it->first);
    }
    for (std::int64_t bucket : in_range) {
      const auto evicted =
          beyond(ix.select(bucket, bucket, [](const Row& r) { return r.scan_count == 1; }),
                 limits_.max_one_off_per_interval, [](const Row& a, const Row& b) {
                   if (a.max_rssi != b.max_rssi) return a.max_rssi > b.max_rssi;
                   return a.first_seen < b.first_seen;
                 });
      GL_RETURN_IF_ERROR(evict(ix, evicted, counters_.evicted_one_off));
    }
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
  const StoreCipher& cipher = db_.cipher();
  std::vector<EncounterRecord> records;
  {
    auto st = db_.cached("SELECT tag, sealed FROM encounter");
    GL_RETURN_IF_ERROR(st);
    for (;;) {
      auto row = (*st)->step();
      GL_RETURN_IF_ERROR(row);
      if (!*row) break;
      auto payload = open_encounter(cipher, (*st)->column_blob(0), (*st)->column_blob(1));
      GL_RETURN_IF_ERROR(payload);
      EncounterRecord record;
      record.rpi = payload->rpi;
      record.aem = payload->aem;
      for (const PackedSighting& p : unpack(payload->scans)) {
        record.sightings.push_back(
            ScanSighting{payload->first_seen + p.offset, p.rssi_sum, p.count, p.max_rssi});
      }
      records.push_back(std::move(record));
    }
  }
  std::vector<std::int64_t> scans;
  {
    auto st = db_.cached("SELECT sealed FROM scan");
    GL_RETURN_IF_ERROR(st);
    for (;;) {
      auto row = (*st)->step();
      GL_RETURN_IF_ERROR(row);
      if (!*row) break;
      GL_ASSIGN_OR_RETURN(const std::int64_t time, open_scan_time(cipher, (*st)->column_blob(0)));
      scans.push_back(time);
    }
  }
  std::sort(scans.begin(), scans.end());
  return EncounterSnapshot(std::move(records), std::move(scans), hash_seed);
}

Result<EncounterStats> EncounterLog::stats() {
  GL_ASSIGN_OR_RETURN(Index * ix, index());
  EncounterStats stats = counters_;
  stats.rpis = static_cast<std::int64_t>(ix->rows.size());
  for (const auto& [tag, row] : ix->rows) {
    if (row.scan_count == 1) ++stats.pending;
    if (row.scan_count >= 2) ++stats.confirmed;
  }
  stats.scans = static_cast<std::int64_t>(ix->scans.size());
  return stats;
}

Status EncounterLog::delete_older_than(std::int64_t cutoff) {
  // The caller may roll back an enclosing transaction: the index is rebuilt next time.
  Status deleted = [&]() -> Status {
    GL_ASSIGN_OR_RETURN(Index * ix, index());
    auto tx = Transaction::begin(db_);
    GL_RETURN_IF_ERROR(tx);
    std::vector<Tag> old;
    for (const auto& [tag, row] : ix->rows) {
      if (row.first_seen < cutoff) old.push_back(tag);
    }
    std::int64_t count = 0;
    GL_RETURN_IF_ERROR(evict(*ix, old, count));
    auto st = db_.cached("DELETE FROM scan WHERE id = ?1");
    GL_RETURN_IF_ERROR(st);
    for (auto it = ix->scans.begin(); it != ix->scans.end() && it->first < cutoff;) {
      (*st)->bind(1, it->second);
      GL_RETURN_IF_ERROR((*st)->run());
      it = ix->scans.erase(it);
    }
    return tx->commit();
  }();
  invalidate();
  return deleted;
}

}  // namespace greenlight::client

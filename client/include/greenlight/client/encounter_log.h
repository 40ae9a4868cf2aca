// The encounter log: the RPIs this phone heard, stored in the device database (tables
// encounter and scan). reference/gaen.md section 4a, reference/security.md A8 and A29.
//
// Storage model. One row per RPI: its keyed lookup tag and one sealed value holding the RPI,
// its AEM, its first sighting's time and its per-scan sightings (scan time offset, RSSI sum
// and count, strongest RSSI), padded so that the row size does not tell the number of
// sightings. Observations of the same RPI within one scan are aggregated into one sighting.
// Every scan this phone makes is recorded (also empty ones), sealed, so that matching knows
// the time since the previous scan. Observation times are the receiver's own clock, never
// anything the sender claims. Nothing about when or how strongly an RPI was heard is in the
// clear (docs/client.md "Encrypted device store").
//
// The flood policy and retention therefore run in C++ over an in-memory index of the rows
// (tag, bucket, first seen, number of scans, strongest RSSI) and of the scan times, built by
// opening every row once and kept up to date by this log's own writes. It is rebuilt when
// anything else changed the database since this log's last write (SQLite's total_changes()
// moved), after retention and after a failed write, so a rolled-back transaction or a second
// writer never leaves it stale. Memory: one map node per row (at most max_rows()).
//
// Flood policy (A8: a flood of random RPIs must neither evict real contacts nor grow the
// database without bound). Each RPI belongs to the 10-minute interval of its first sighting
// (its "bucket"), and:
// 1. Pending: an RPI seen in only one scan is "pending" for pending_seconds (15 min, about
//    three scans). At most max_pending pending RPIs exist at any time; beyond that the
//    oldest pending ones are evicted first. A real contact is therefore remembered until the
//    next scans as long as fewer than max_pending new RPIs arrive in between (a physical
//    scan of a few seconds cannot deliver more; an attacker who can is jamming, which is
//    inherent and shows up in stats().evicted_pending).
// 2. Confirmed: an RPI seen in two or more scans is "confirmed". At most
//    max_confirmed_per_interval confirmed RPIs are kept per bucket; the lowest ranked are
//    evicted, rank = (scans desc, strongest RSSI desc, first seen asc). Long and close
//    contacts therefore beat one-off sightings and weak signals.
// 3. One-off: when a pending RPI's time is over without a second scan, it competes for
//    max_one_off_per_interval places in its bucket by strongest RSSI; the rest are deleted.
// 4. Per RPI at most max_scans_per_rpi sightings are stored, and sightings more than
//    max_rpi_span_seconds (4 h) after its first sighting are dropped: an RPI is advertised
//    for one 10-20 minute slot and can only match within +-2 h of its interval.
// 5. At most max_observations_per_scan distinct RPIs are accepted per scan (the strongest).
// Worst case the log holds max_rows(retention) rows of at most kMaxRowBytes each (see
// docs/client.md for the resulting bound on the database size).
//
// Retention (A29): delete_older_than() removes every RPI first seen, and every scan made,
// before the cutoff; the Client then checkpoints the WAL (TRUNCATE) so the bytes are gone
// from all files.
//
// Not thread-safe: one owner serialises calls (Client does).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "greenlight/client/database.h"
#include "greenlight/client/encounter_snapshot.h"
#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/result.h"

namespace greenlight::client {

// One received advertisement. rssi_dbm is the calibrated RSSI (measured + the device's
// RSSI correction), the quantity GAEN subtracts from the TX power.
struct Observation {
  Rpi rpi{};
  Aem aem{};
  std::int8_t rssi_dbm = 0;
};

struct EncounterLogLimits {
  std::size_t max_pending = 4096;
  std::int64_t pending_seconds = 15 * 60;
  std::size_t max_confirmed_per_interval = 96;
  std::size_t max_one_off_per_interval = 24;
  std::size_t max_scans_per_rpi = 8;
  std::int64_t max_rpi_span_seconds = 4 * 3600;
  std::size_t max_observations_per_scan = 4096;
  // Single observations closer than this to the previous scan belong to that scan.
  std::int64_t scan_merge_seconds = 60;

  // Upper bound on the number of encounter rows for a log spanning retention_seconds.
  std::size_t max_rows(std::int64_t retention_seconds) const;
};

// Generous upper bound of one encounter row on disk, B-tree and index overhead included,
// for the default max_scans_per_rpi.
inline constexpr std::size_t kMaxRowBytes = 256;

struct EncounterStats {
  std::int64_t rpis = 0;       // rows
  std::int64_t pending = 0;    // rows seen in one scan (pending or one-off)
  std::int64_t confirmed = 0;  // rows seen in two or more scans
  std::int64_t scans = 0;
  // Counters since this EncounterLog was created:
  std::int64_t evicted_pending = 0;    // pending RPIs pushed out by newer ones (flood sign)
  std::int64_t evicted_confirmed = 0;  // confirmed RPIs over the per-interval cap
  std::int64_t evicted_one_off = 0;    // one-off RPIs over the per-interval cap
  std::int64_t dropped_sightings = 0;  // per-RPI caps, span, out-of-order times
};

class EncounterLog {
 public:
  // db must outlive the log.
  explicit EncounterLog(Database& db, EncounterLogLimits limits = {});
  ~EncounterLog();
  EncounterLog(const EncounterLog&) = delete;
  EncounterLog& operator=(const EncounterLog&) = delete;

  // Records one scan made at scan_time with everything it heard (possibly nothing), in one
  // transaction, and applies the flood policy.
  [[nodiscard]] Status record_scan(std::int64_t scan_time, std::span<const Observation> heard);
  // Records a single observation at time t: it joins the latest scan if that scan is at most
  // scan_merge_seconds older, otherwise it starts a new scan at t.
  [[nodiscard]] Status record_observation(std::int64_t t, const Observation& observation);

  // Reads the whole log into memory for matching (hash_seed: see EncounterSnapshot).
  [[nodiscard]] Result<EncounterSnapshot> snapshot(std::uint64_t hash_seed);
  [[nodiscard]] Result<EncounterStats> stats();
  // Deletes RPIs first seen before cutoff and scans made before cutoff.
  [[nodiscard]] Status delete_older_than(std::int64_t cutoff);

  const EncounterLogLimits& limits() const { return limits_; }
  // Drops the in-memory index; the next call rebuilds it from the database (after the store
  // key was rotated, the lookup tags changed).
  void invalidate() noexcept;

 private:
  struct Index;
  // The index, rebuilt when missing or stale.
  [[nodiscard]] Result<Index*> index();
  // Keeps the index in step after a write: rebuilt next time if the write failed.
  [[nodiscard]] Status after_write(Status written);
  [[nodiscard]] Status insert_scan(Index& index, std::int64_t scan_time);
  [[nodiscard]] Status evict(Index& index, std::span<const ByteArray<16>> tags,
                             std::int64_t& counter);
  [[nodiscard]] Status record_in_scan(Index& index, std::int64_t scan_time,
                                      std::span<const Observation> heard);
  [[nodiscard]] Status enforce_caps(Index& index, std::int64_t scan_time,
                                    std::span<const std::int64_t> buckets);

  Database& db_;
  EncounterLogLimits limits_;
  std::int64_t settled_through_ = -1;  // buckets <= this had their one-off cap applied
  EncounterStats counters_;
  std::unique_ptr<Index> index_;
  std::int64_t index_changes_ = -1;  // total_changes() when the index was last in step
};

}  // namespace greenlight::client

// An immutable in-memory copy of the encounter log, built once per sync so that matching
// looks every expanded RPI up in a hash table instead of querying SQLite per RPI.
//
// Each record is one RPI heard by this phone with its AEM and its per-scan sightings (scan
// time, RSSI sum and count, strongest RSSI). scan_times lists every scan this phone made
// (also scans that heard nothing), which gives "seconds since last scan".
//
// Lookups first test a small Bloom filter on the RPI's first 8 bytes (expanded RPIs are
// AES outputs, so about 99 % of the misses are answered by one word test), then probe a hash table
// keyed with a random seed (pass one from a RandomSource) so that a flood of crafted RPIs cannot
// force collisions and slow matching down. The simulator may build snapshots directly from its own
// compact contact records. Immutable after construction, so safe to share between threads.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "greenlight/crypto/gaen.h"

namespace greenlight::client {

// The observations of one RPI during one scan, aggregated.
struct ScanSighting {
  std::int64_t scan_time = 0;  // unix seconds, receiver's clock
  std::int32_t rssi_sum = 0;   // sum of calibrated RSSI (dBm) over count observations
  std::uint8_t count = 0;      // >= 1
  std::int8_t max_rssi = 0;    // strongest calibrated RSSI (dBm) in the scan
  double mean_rssi() const {
    return count == 0 ? 0.0 : static_cast<double>(rssi_sum) / static_cast<double>(count);
  }
};

struct EncounterRecord {
  Rpi rpi{};
  Aem aem{};
  std::vector<ScanSighting> sightings;  // by scan time, ascending
};

class EncounterSnapshot {
 public:
  EncounterSnapshot() = default;
  EncounterSnapshot(std::vector<EncounterRecord> records, std::vector<std::int64_t> scan_times,
                    std::uint64_t hash_seed);

  // nullptr when this phone never heard rpi.
  // Inline: almost every lookup during matching is a miss that the bit filter answers.
  const EncounterRecord* find(const Rpi& rpi) const noexcept {
    std::uint64_t lo = 0;
    std::memcpy(&lo, rpi.data(), sizeof lo);
    if (filter_.empty()) return nullptr;
    const std::uint64_t mask = filter_mask(lo);
    if ((filter_[lo >> filter_shift_] & mask) != mask) return nullptr;
    return find_in_table(rpi, lo);
  }
  // Looks up every RPI of rpis and appends (index in rpis, record) for each one heard.
  // The fast path of matching: one filter pass without branches, then table probes for
  // the few candidates.
  void find_all(std::span<const Rpi> rpis,
                std::vector<std::pair<std::uint32_t, const EncounterRecord*>>& hits) const;
  // The latest scan strictly before t, if any.
  std::optional<std::int64_t> previous_scan(std::int64_t t) const noexcept;

  std::span<const EncounterRecord> records() const { return records_; }
  std::span<const std::int64_t> scan_times() const { return scan_times_; }
  bool empty() const { return records_.empty(); }
  // Earliest and latest sighting times (0 when empty).
  std::int64_t earliest_sighting() const { return earliest_; }
  std::int64_t latest_sighting() const { return latest_; }

 private:
  struct Slot {
    std::uint64_t tag = 0;    // first 8 bytes of the RPI
    std::uint32_t index = 0;  // record index + 1; 0 = empty
  };
  // Two bits of one 64-bit filter word per RPI (a blocked Bloom filter with k = 2).
  static std::uint64_t filter_mask(std::uint64_t lo) noexcept {
    return (std::uint64_t{1} << (lo & 63U)) | (std::uint64_t{1} << ((lo >> 6) & 63U));
  }
  std::size_t slot_of(std::uint64_t lo, std::uint64_t hi) const noexcept {
    const std::uint64_t h = ((lo + k0_) * m0_) ^ ((hi + k1_) * m1_);
    return static_cast<std::size_t>(h >> shift_);
  }
  const EncounterRecord* find_in_table(const Rpi& rpi, std::uint64_t lo) const noexcept;

  std::vector<EncounterRecord> records_;
  std::vector<std::int64_t> scan_times_;
  std::vector<Slot> slots_;
  unsigned shift_ = 64;
  // Filter words selected by the top bits of the RPI's first 8 bytes, at least 16 bits per
  // record: a miss costs one word test in an array that usually fits the L1 cache.
  std::vector<std::uint64_t> filter_;
  unsigned filter_shift_ = 64;
  std::uint64_t k0_ = 0, k1_ = 0, m0_ = 1, m1_ = 1;
  std::int64_t earliest_ = 0;
  std::int64_t latest_ = 0;
};

}  // namespace greenlight::client

// Matching: expands diagnosis keys into their RPIs and looks them up in an
// EncounterSnapshot, then turns the accepted sightings into exposure windows
// (spec/protocol.md "Proximity identifiers", reference/gaen.md sections 1 and 4a,
// reference/security.md A1 and A3).
//
// Rules:
// - Keys that are revoked, have a rolling_period outside 1..144, are still valid at `now`
//   (their interval range has not ended; such keys are never legitimately published, A3),
//   or ended before the retention period are skipped without expansion; so are keys whose
//   validity +-2 h does not overlap the snapshot's sightings.
// - A sighting of RPI_j at time t (receiver's clock) is accepted only when
//   |t - 600 * j| <= kMatchingClockDriftIntervals * 600 s (2 h; security.md A1). This is a
//   little stricter than GAEN's interval rule [j - 12, j + 12], which accepts up to 2 h 10 min
//   after the start of j.
// - The AEM is decrypted with the key's AEMK; a TX power outside [-50, +20] dBm rejects all
//   sightings of that RPI (GAEN's rule).
// - attenuation = max(tx_power - rssi, 0). A scan's typical attenuation is tx_power minus the
//   scan's mean RSSI (the mean of per-observation attenuations unless an RSSI exceeded the
//   TX power), rounded; its min attenuation comes from the strongest RSSI.
// - Sightings of one key in the same scan form one scan instance; a window starts at a scan
//   instance and takes the following ones that are less than 30 min after its start.
//
// Speed: one GaenExpander call per key (HKDF + one multi-block AES call) and one hash-table
// probe per RPI; bench/match_bench.cpp measures it. Not thread-safe (one Matcher per
// thread; several Matchers may share one snapshot).
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "greenlight/client/encounter_snapshot.h"
#include "greenlight/client/exposure_window.h"
#include "greenlight/crypto/gaen.h"

namespace greenlight::client {

struct MatchOptions {
  std::int64_t now = 0;  // unix seconds
  std::int64_t retention_seconds = 14 * 86400;
  std::int64_t clock_drift_seconds =
      static_cast<std::int64_t>(kMatchingClockDriftIntervals) * kIntervalSeconds;
  std::int32_t min_tx_power_dbm = -50;
  std::int32_t max_tx_power_dbm = 20;
  std::int64_t max_window_seconds = 30 * 60;
  std::int32_t max_seconds_since_last_scan = 300;
  std::int32_t unknown_seconds_since_last_scan = 120;
};

struct KeyExposure {
  KeyTag tag{};
  std::vector<ExposureWindow> windows;
};

struct MatchResult {
  std::size_t keys_expanded = 0;
  std::size_t keys_skipped = 0;
  std::size_t keys_matched = 0;
  std::size_t sightings_outside_time_window = 0;  // replays (A1, A3)
  std::size_t sightings_bad_tx_power = 0;
  std::vector<KeyExposure> exposures;
};

class Matcher {
 public:
  // snapshot must outlive the matcher.
  explicit Matcher(const EncounterSnapshot& snapshot, MatchOptions options = {});
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Matches every key; results accumulate into result.
  void match(std::span<const TemporaryExposureKey> keys, MatchResult& result);
  MatchResult match(std::span<const TemporaryExposureKey> keys);

  // For callers that already expanded the key (the simulator shares one expansion of every
  // published key): rpis[i] must be RPI_{rolling_start + i}. Applies the same rules.
  void match_expanded(const TemporaryExposureKey& key, std::span<const Rpi> rpis,
                      MatchResult& result);

  // Whether match() would expand the key (the skip rules above).
  bool eligible(const TemporaryExposureKey& key) const;

 private:
  void collect(const TemporaryExposureKey& key, std::span<const Rpi> rpis, MatchResult& result);

  const EncounterSnapshot& snapshot_;
  MatchOptions options_;
  GaenExpander expander_;
  std::vector<Rpi> rpis_;
  std::vector<std::pair<std::uint32_t, const EncounterRecord*>> hits_;
};

// Builds the windows of one key from its matched records (hits: offset i from the key's
// rolling start and the record of RPI_{start+i}). Exposed for tests and the simulator.
std::vector<ExposureWindow> build_exposure_windows(
    const TemporaryExposureKey& key, const Aemk& aemk,
    std::span<const std::pair<std::uint32_t, const EncounterRecord*>> hits,
    const EncounterSnapshot& snapshot, const MatchOptions& options, MatchResult& counters);

}  // namespace greenlight::client

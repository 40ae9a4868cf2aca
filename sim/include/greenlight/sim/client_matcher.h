// The per-phone path through the real client library (greenlight::client).
//
// ClientPhoneMatcher gives one simulated phone's sightings to a fresh client: a private
// in-memory device database (client::Database ":memory:"), the client's EncounterLog with
// its default flood limits, one record_scan() per scan time (every detected scan of every
// contact, with the full RPI, the AEM and the calibrated RSSI = -attenuation at TX power
// 0 dBm), and, before each scan that heard something, the phone's empty scan one scan
// period earlier when it is not already logged (so the client knows the time since the
// previous scan: the simulated phone scans every 5 minutes). Then the client's snapshot,
// Matcher (all its rules: +-2 h, TX power range, retention, key validity) and exposure
// windows; its windows are converted to the simulator's ExposureWindow (key_index by the
// client's key tag, scan index from the scan time) so that they can be compared with the
// shared path. The client's risk scoring (score_windows) and colour rule (decide_colour)
// give the phone's colour from the same windows.
//
// Slow on purpose (SQLite and one key expansion per key per phone): for samples only
// (tests, run.verify_phones). Not thread-safe; one matcher per thread.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "greenlight/client/encounter_log.h"
#include "greenlight/client/risk.h"
#include "greenlight/crypto/result.h"
#include "greenlight/sim/config.h"
#include "greenlight/sim/matching.h"
#include "greenlight/sim/risk.h"

namespace greenlight::sim {

// The exposure colour of one phone from the simulator's windows of one match at `now`: the
// client's scoring of each window (RiskScorer), its per-day levels and decide_colour().
// start_unix_seconds is 00:00 UTC of simulation day 0.
Colour colour_of_windows(std::span<const ExposureWindow> windows, const RiskScorer& scorer,
                         std::int64_t start_unix_seconds, std::int64_t now);

class ClientPhoneMatcher final : public PhoneMatcher {
 public:
  // start_unix_seconds: 00:00 UTC of simulation day 0.
  ClientPhoneMatcher(std::int64_t start_unix_seconds, const RiskConfig& risk);

  [[nodiscard]] Result<std::vector<ExposureWindow>> match(
      std::span<const Sighting> sightings, std::span<const TemporaryExposureKey> keys,
      std::int64_t now) override;

  // After a successful match(): the client's colour for those windows at `now`
  // (score_windows + decide_colour, no own test, no venue warning), the encounter log's
  // statistics (evictions and dropped sightings show where the client's flood limits cut
  // what the simulator produced) and the matcher's counters.
  Colour colour() const { return colour_; }
  const client::EncounterStats& log_stats() const { return log_stats_; }
  std::size_t sightings_rejected() const { return rejected_; }

 private:
  std::int64_t start_;
  client::RiskConfig risk_;
  Colour colour_ = Colour::kGreen;
  client::EncounterStats log_stats_;
  std::size_t rejected_ = 0;
};

}  // namespace greenlight::sim

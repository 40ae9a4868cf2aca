// The phone's client core: one object per device database, tying together identifier
// rotation, the encounter log, export sync and matching, risk scoring and the colour.
// This is the C++ API a mobile app (or the simulator) embeds; greenlight.h wraps it in C.
//
// Guarantees:
// - Every operation that changes the database runs in one transaction: it is applied
//   completely or not at all, and a committed change survives a crash.
// - Exports are accepted only when signed by a pinned key (wire::read_export_zip) and only
//   once (SHA-256 of the zip recorded; a replay gives kAlreadyExists).
// - Retention: run_retention() deletes own keys, encounters, scans, exposure windows and
//   export records older than retention_seconds (14 days), then truncates the WAL so the
//   bytes are gone from the files. It runs at open and after every sync; apps call it at
//   least daily.
// - Nothing here sends anything: the colour and the encounter log stay on the phone.
//
// Time comes from the injected Clock and randomness from the injected RandomSource (both
// must outlive the Client). Not thread-safe: callers serialise calls (the C API does).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/client/clock.h"
#include "greenlight/client/colour.h"
#include "greenlight/client/database.h"
#include "greenlight/client/encounter_log.h"
#include "greenlight/client/exposure_store.h"
#include "greenlight/client/http_fetcher.h"
#include "greenlight/client/identifiers.h"
#include "greenlight/client/matcher.h"
#include "greenlight/client/risk.h"
#include "greenlight/client/sync.h"
#include "greenlight/crypto/random.h"
#include "greenlight/wire/export_file.h"

namespace greenlight::client {

// Default calibrated TX power advertised in the AEM metadata (dBm).
inline constexpr std::int8_t kDefaultTxPowerDbm = -10;

struct ClientConfig {
  BluetoothMetadata metadata{0x40, kDefaultTxPowerDbm};
  EncounterLogLimits encounter_limits;
  RiskConfig risk;
  // Export signing keys the phone trusts (pinned in the app).
  std::vector<wire::TrustedSigningKey> trusted_keys;
  wire::ExportReadLimits export_limits;
  std::int64_t retention_seconds = 14 * kSecondsPerDay;
  // Matching rules; now and retention_seconds are filled in by the Client.
  MatchOptions match;
};

class Client {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Client>> open(const std::string& db_path,
                                                            ClientConfig config, const Clock& clock,
                                                            RandomSource& random);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Identifiers.
  [[nodiscard]] Result<Advertisement> advertisement();
  [[nodiscard]] Result<std::vector<TemporaryExposureKey>> keys_for_upload(
      SameDayRelease release = SameDayRelease::kNo);

  // Encounter log (times are the clock's now).
  [[nodiscard]] Status record_scan(std::span<const Observation> heard);
  [[nodiscard]] Status record_observation(const Observation& observation);
  [[nodiscard]] Result<EncounterStats> encounter_stats();

  // Exports. process_export() verifies, refuses replays (kAlreadyExists), matches and
  // stores; source is recorded as the export's path (may be empty).
  [[nodiscard]] Result<SyncReport> process_export(ByteSpan zip, std::string_view source = {});
  // Fetches <base_url>/v1/exports/index.txt and every listed export not yet processed.
  // Fails only when the index cannot be fetched or parsed; per-export failures are counted
  // in the report.
  [[nodiscard]] Result<SyncReport> sync(HttpFetcher& fetcher, std::string_view base_url);

  // Own test result.
  [[nodiscard]] Status set_positive_test(std::int64_t test_time);
  [[nodiscard]] Status clear_positive_test();

  // Risk and colour at the clock's now. venue_warnings are matches from the venue check-in
  // feature (YELLOW); the colour never leaves the phone.
  [[nodiscard]] Result<std::vector<ExposureWindow>> exposure_windows();
  [[nodiscard]] Result<RiskSummary> risk();
  [[nodiscard]] Result<ColourDecision> colour(
      std::span<const VenueWarningMatch> venue_warnings = {});

  [[nodiscard]] Status run_retention();

  [[nodiscard]] Status set_risk_config(const RiskConfig& risk);
  void add_trusted_key(wire::TrustedSigningKey key);
  const ClientConfig& config() const { return config_; }
  const Clock& clock() const { return clock_; }

  // For features built on the same database (venue check-ins) and for tests.
  Database& database() { return db_; }
  EncounterLog& encounter_log() { return encounter_log_; }
  IdentifierManager& identifiers() { return identifiers_; }
  ExposureStore& exposure_store() { return store_; }

 private:
  Client(Database db, ClientConfig config, const Clock& clock, RandomSource& random);
  [[nodiscard]] Status process_one(ByteSpan zip, std::string_view source,
                                   std::optional<EncounterSnapshot>& snapshot, SyncReport& report);

  Database db_;
  ClientConfig config_;
  const Clock& clock_;
  RandomSource& random_;
  IdentifierManager identifiers_;
  EncounterLog encounter_log_;
  ExposureStore store_;
};

}  // namespace greenlight::client

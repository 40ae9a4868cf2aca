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
// - Transparency log (ClientConfig::log, docs/transparency.md "Client checks"): when a log
//   is configured it is required. sync() first verifies the log's latest checkpoint
//   (signature, witnesses, append-only extension of the stored tree) and then uses an
//   export only if a verified leaf commits to the zip's SHA-256; anything else is refused
//   (not matched, the colour unchanged) and kept as evidence. The monitor's state (frontier,
//   checkpoints, covered content, evidence) is persisted in the device database after
//   every change.
// - Matching budget (reference/security.md A18): at most
//   ClientConfig::max_matching_runs_per_day matching runs per UTC day, counted in the
//   database so a restart does not reset them. A run is one process_export() call, or one
//   sync() that finds at least one new export; over the budget both fail with
//   kResourceExhausted before touching the network or the matcher. A caller cannot probe
//   the matcher with a stream of crafted batches.
// - Nothing here sends anything: the colour and the encounter log stay on the phone.
//
// Time comes from the injected Clock and randomness from the injected RandomSource (both
// must outlive the Client). Not thread-safe: callers serialise calls (the C API does).
#pragma once

#include <cstdint>
#include <functional>
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
#include "greenlight/client/feed_source.h"
#include "greenlight/client/http_fetcher.h"
#include "greenlight/client/identifiers.h"
#include "greenlight/client/log_monitor.h"
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
  // Matching runs allowed per UTC day (see "Matching budget" above). 24 lets an app sync
  // hourly; the GAEN framework allowed 6 to 20 calls of provideDiagnosisKeys a day.
  std::uint32_t max_matching_runs_per_day = 24;
  std::int64_t retention_seconds = 14 * kSecondsPerDay;
  // Matching rules; now and retention_seconds are filled in by the Client.
  MatchOptions match;
  // The transparency log: its origin, verifier key and witness policy (pinned in the app).
  // Set: the log is required (see the guarantees above). Unset: no log checks.
  std::optional<LogMonitorConfig> log;
  // The device store key from the platform keystore (database.h "Encryption at rest"): set,
  // the database is encrypted at rest (a plaintext one is encrypted in place at open); unset,
  // it is stored in the clear (tests, desktop tools). Open() takes it out of the config, so
  // config() never shows it.
  std::optional<StoreKey> store_key;
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
  // stores; source is recorded as the export's path (may be empty). With a log configured,
  // the export must be covered by a leaf the monitor has verified already (no network
  // here); otherwise kFailedPrecondition and evidence.
  [[nodiscard]] Result<SyncReport> process_export(ByteSpan zip, std::string_view source = {});
  // sync(): with a log configured, first syncs the log (<base_url>/v1/log/...) and records
  // the outcome in the report; then fetches <base_url>/v1/exports/index.txt and every listed
  // export not yet processed, each used only if logged (one extra log sync is allowed per
  // call, for exports newer than the checkpoint). If the log did not verify, exports that
  // the last verified state does not cover are skipped without evidence and retried next
  // time. Fails only when the index cannot be fetched or parsed or the database fails;
  // per-export failures are counted in the report.
  [[nodiscard]] Result<SyncReport> sync(HttpFetcher& fetcher, std::string_view base_url);
  // sync() over the feeds the phone chose (docs/federation.md "Phones"): e.g. the own feed
  // and the federated regions of its server (region_sources()), or other servers' feeds.
  // base_url is the phone's own server: its log is checked first, exactly as above, and
  // every file of every source must be signed by a pinned key and (with a log) covered by
  // that log. One matching run for the whole call, taken at the first new file; processed
  // files are remembered by path (the URL for a source on another server) and by the SHA-256
  // of the zip and of export.bin, across sources. A source whose listing cannot be fetched or
  // parsed is counted in sources_failed with an error line and the others are synced; the
  // call fails only when no source could be listed (or the database fails).
  [[nodiscard]] Result<SyncReport> sync(HttpFetcher& fetcher, std::string_view base_url,
                                        std::span<const FeedSource> sources);

  // Transparency log. log_monitor(): the verified state and the evidence, nullptr without a
  // configured log. sync_log(): brings the monitor up to the server's latest checkpoint and
  // persists it. require_logged(): ok without a configured log or when a verified leaf of
  // this kind covers sha256; else, with resync, syncs the log once and checks again; still
  // uncovered: kFailedPrecondition and kUnloggedContent evidence (persisted).
  // compare_log_checkpoint(): checks a checkpoint seen elsewhere (another phone, a witness)
  // against the verified one, fetching proofs from base_url; a fork becomes evidence.
  // require_log(): configures the log after open (as ClientConfig::log would) and loads
  // its stored state; once set, it cannot be removed.
  [[nodiscard]] Status require_log(LogMonitorConfig config);
  const LogMonitor* log_monitor() const { return log_ ? &*log_ : nullptr; }
  [[nodiscard]] Result<LogSyncReport> sync_log(HttpFetcher& fetcher, std::string_view base_url);
  [[nodiscard]] Status require_logged(LogLeafKind kind, const Sha256Digest& sha256,
                                      LogFetcher* resync = nullptr);
  [[nodiscard]] Status compare_log_checkpoint(std::string_view note, HttpFetcher& fetcher,
                                              std::string_view base_url);
  // Whether a verified leaf of this kind covers sha256 (true without a configured log).
  bool log_covers(LogLeafKind kind, const Sha256Digest& sha256) const;

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

  // Store key rotation (docs/client.md "Encrypted device store"): re-seals every row and
  // re-tags every lookup of the device database under new_key (with a fresh salt) and
  // replaces the key check, in ONE transaction; interrupted at any point (kill -9), the file
  // opens with exactly one of the old and the new key, never with neither. Afterwards the old
  // key fails with kAuthentication, the old bytes are scrubbed from the file and the WAL, and
  // this Client goes on under new_key (it reopens its connection). A plaintext store gets
  // encrypted. An in-memory database (":memory:") cannot be reopened: kFailedPrecondition.
  // The app stores new_key in its keystore before calling and drops the old one after
  // success; after a crash it tries both. observer: test hook as
  // DatabaseOptions::migration_observer. Objects built on this Client (Uploader,
  // VenueCheckins) stay valid.
  [[nodiscard]] Status rotate_store_key(const StoreKey& new_key,
                                        const std::function<void(std::int64_t)>& observer = {});

  [[nodiscard]] Status set_risk_config(const RiskConfig& risk);
  void add_trusted_key(wire::TrustedSigningKey key);
  const ClientConfig& config() const { return config_; }
  const Clock& clock() const { return clock_; }
  RandomSource& random() { return random_; }

  // For features built on the same database (venue check-ins) and for tests.
  Database& database() { return db_; }
  EncounterLog& encounter_log() { return encounter_log_; }
  IdentifierManager& identifiers() { return identifiers_; }
  ExposureStore& exposure_store() { return store_; }

 private:
  // How one sync may use the log: resync is the fetcher for one more log sync (cleared
  // once used, nullptr: none); verified says whether the log verified during this sync
  // (only then is uncovered content evidence).
  struct LogGate {
    LogFetcher* resync = nullptr;
    bool verified = false;
  };

  Client(Database db, ClientConfig config, const Clock& clock, RandomSource& random);
  // The part the two sync() overloads share: budget check, log sync, then feeds(consumer).
  using FeedRunner = std::function<Result<FeedSyncCounts>(FeedConsumer&)>;
  [[nodiscard]] Result<SyncReport> sync_with(HttpFetcher& fetcher, std::string_view base_url,
                                             const FeedRunner& feeds);
  [[nodiscard]] Status process_one(ByteSpan zip, std::string_view source,
                                   std::optional<EncounterSnapshot>& snapshot, SyncReport& report,
                                   LogGate& gate);
  [[nodiscard]] Status load_log_state();
  [[nodiscard]] Status save_log_state();
  // Whether a matching run is left today (UTC), and taking one (kResourceExhausted when
  // none is left).
  [[nodiscard]] Status check_matching_budget();
  [[nodiscard]] Status take_matching_run();

  Database db_;
  ClientConfig config_;
  const Clock& clock_;
  RandomSource& random_;
  IdentifierManager identifiers_;
  EncounterLog encounter_log_;
  ExposureStore store_;
  std::optional<LogMonitor> log_;
};

}  // namespace greenlight::client

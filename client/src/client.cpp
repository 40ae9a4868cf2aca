#include "greenlight/client/client.h"

#include <algorithm>
#include <utility>

#include "greenlight/client/feed_sync.h"
#include "internal/store_migration.h"

namespace greenlight::client {
namespace {

// The monitor's state lives in the device database, one row, replaced after every change.
constexpr std::string_view kLogStateSchema = R"sql(
CREATE TABLE IF NOT EXISTS log_monitor_state(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  state BLOB NOT NULL);
)sql";

// Matching runs per UTC day (A18): one row per day, older rows deleted when a run is taken.
constexpr std::string_view kMatchingBudgetSchema = R"sql(
CREATE TABLE IF NOT EXISTS matching_budget(
  day INTEGER PRIMARY KEY,
  runs INTEGER NOT NULL);
)sql";

std::string trimmed_base(std::string_view base_url) {
  std::string base(base_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

// A consumer that remembers paths under a prefix (the source's base URL for a source on
// another server) and otherwise passes everything on.
class RememberedAs final : public FeedConsumer {
 public:
  RememberedAs(FeedConsumer& inner, std::string prefix)
      : inner_(inner), prefix_(std::move(prefix)) {}
  Result<bool> known(std::string_view path) override { return inner_.known(key(path)); }
  Status consume(ByteSpan file, std::string_view path) override {
    return inner_.consume(file, key(path));
  }

 private:
  std::string key(std::string_view path) const { return prefix_ + std::string(path); }
  FeedConsumer& inner_;
  std::string prefix_;
};

}  // namespace

Result<std::unique_ptr<Client>> Client::open(const std::string& db_path, ClientConfig config,
                                             const Clock& clock, RandomSource& random) {
  GL_RETURN_IF_ERROR(validate(config.risk));
  if (config.retention_seconds <= 0) {
    return make_error(ErrorCode::kInvalidArgument, "retention_seconds must be positive, got " +
                                                       std::to_string(config.retention_seconds));
  }
  DatabaseOptions options;
  options.store_key = std::exchange(config.store_key, std::nullopt);
  auto db = Database::open(db_path, options);
  GL_RETURN_IF_ERROR(db);
  GL_RETURN_IF_ERROR(db->exec(kMatchingBudgetSchema));
  std::unique_ptr<Client> client(new Client(std::move(*db), std::move(config), clock, random));
  GL_RETURN_IF_ERROR(client->load_log_state());
  GL_RETURN_IF_ERROR(client->run_retention());
  return client;
}

Client::Client(Database db, ClientConfig config, const Clock& clock, RandomSource& random)
    : db_(std::move(db)),
      config_(std::move(config)),
      clock_(clock),
      random_(random),
      identifiers_(db_, random_, config_.metadata),
      encounter_log_(db_, config_.encounter_limits),
      store_(db_) {}

Client::~Client() = default;

Result<Advertisement> Client::advertisement() { return identifiers_.advertisement(clock_.now()); }

Result<std::vector<TemporaryExposureKey>> Client::keys_for_upload(SameDayRelease release) {
  return identifiers_.keys_for_upload(clock_.now(), release, config_.retention_seconds);
}

Status Client::record_scan(std::span<const Observation> heard) {
  return encounter_log_.record_scan(clock_.now(), heard);
}

Status Client::record_observation(const Observation& observation) {
  return encounter_log_.record_observation(clock_.now(), observation);
}

Result<EncounterStats> Client::encounter_stats() { return encounter_log_.stats(); }

Status Client::load_log_state() {
  if (!config_.log) return ok();
  GL_RETURN_IF_ERROR(db_.exec(kLogStateSchema));
  auto stmt = db_.cached("SELECT state FROM log_monitor_state WHERE id = 1");
  GL_RETURN_IF_ERROR(stmt);
  auto row = (*stmt)->step();
  GL_RETURN_IF_ERROR(row);
  if (!*row) {
    log_.emplace(*config_.log);
    return ok();
  }
  const ByteSpan blob = (*stmt)->column_blob(0);
  auto restored = LogMonitor::restore(*config_.log, blob);
  if (!restored) {
    return make_error(restored.error().code,
                      "stored transparency-log state: " + restored.error().message);
  }
  log_.emplace(std::move(*restored));
  return ok();
}

Status Client::require_log(LogMonitorConfig config) {
  std::optional<LogMonitorConfig> previous = std::move(config_.log);
  std::optional<LogMonitor> previous_monitor = std::move(log_);
  config_.log = std::move(config);
  log_.reset();
  if (auto s = load_log_state(); !s) {
    config_.log = std::move(previous);
    log_ = std::move(previous_monitor);
    return s;
  }
  return ok();
}

Status Client::save_log_state() {
  if (!log_) return ok();
  auto stmt = db_.cached("INSERT OR REPLACE INTO log_monitor_state(id, state) VALUES(1, ?)");
  GL_RETURN_IF_ERROR(stmt);
  const Bytes state = log_->state();
  (*stmt)->bind(1, ByteSpan(state));
  return (*stmt)->run();
}

bool Client::log_covers(LogLeafKind kind, const Sha256Digest& sha256) const {
  if (!log_) return true;
  const auto& covered = log_->covered();
  return std::any_of(covered.begin(), covered.end(),
                     [&](const CoveredContent& c) { return c.kind == kind && c.sha256 == sha256; });
}

Result<LogSyncReport> Client::sync_log(HttpFetcher& fetcher, std::string_view base_url) {
  if (!log_) return make_error(ErrorCode::kFailedPrecondition, "no transparency log configured");
  HttpLogFetcher log_fetcher(fetcher, trimmed_base(base_url));
  auto report = log_->sync(log_fetcher);
  // Evidence is kept even when the sync is refused.
  GL_RETURN_IF_ERROR(save_log_state());
  return report;
}

Status Client::require_logged(LogLeafKind kind, const Sha256Digest& sha256, LogFetcher* resync) {
  if (!log_) return ok();
  auto s = log_->require_logged(kind, sha256, resync);
  GL_RETURN_IF_ERROR(save_log_state());
  return s;
}

Status Client::compare_log_checkpoint(std::string_view note, HttpFetcher& fetcher,
                                      std::string_view base_url) {
  if (!log_) return make_error(ErrorCode::kFailedPrecondition, "no transparency log configured");
  HttpLogFetcher log_fetcher(fetcher, trimmed_base(base_url));
  auto s = log_->compare(note, log_fetcher);
  GL_RETURN_IF_ERROR(save_log_state());
  return s;
}

Status Client::process_one(ByteSpan zip, std::string_view source,
                           std::optional<EncounterSnapshot>& snapshot, SyncReport& report,
                           LogGate& gate) {
  auto verified = wire::read_export_zip(zip, config_.trusted_keys, config_.export_limits);
  GL_RETURN_IF_ERROR(verified);
  const std::int64_t now = clock_.now();

  // The same export.bin re-signed or re-zipped (another server's copy, a republication)
  // counts as processed too: both hashes are remembered.
  GL_ASSIGN_OR_RETURN(auto contents, wire::read_export_zip_unverified(zip, config_.export_limits));
  const Sha256Digest bin_sha256 = sha256(ByteSpan(contents.export_bin));
  GL_ASSIGN_OR_RETURN(bool processed, store_.is_processed(verified->zip_sha256));
  if (!processed) {
    GL_ASSIGN_OR_RETURN(processed, store_.is_processed(bin_sha256));
  }
  if (processed) {
    ++report.exports_already_processed;
    // Remember the path too, so the sync does not fetch it again.
    if (!source.empty()) {
      auto known = store_.is_path_processed(source);
      GL_RETURN_IF_ERROR(known);
      if (!*known) {
        GL_RETURN_IF_ERROR(store_.mark_processed(verified->zip_sha256, source, now));
      }
    }
    return make_error(ErrorCode::kAlreadyExists, "export already processed");
  }

  // Log before use: only a signed export that a verified leaf commits to is matched.
  if (log_ && !log_covers(LogLeafKind::kExportBatch, verified->zip_sha256)) {
    if (!gate.verified) {
      return make_error(ErrorCode::kUnavailable,
                        "export " + to_hex(verified->zip_sha256) +
                            " is not covered by the last verified transparency-log checkpoint "
                            "and the log did not verify now: not used, retried next sync");
    }
    const std::size_t evidence_before = log_->evidence().size();
    LogFetcher* resync = std::exchange(gate.resync, nullptr);
    auto logged = require_logged(LogLeafKind::kExportBatch, verified->zip_sha256, resync);
    report.new_evidence += log_->evidence().size() - evidence_before;
    report.log_size = log_->size();
    if (!logged) {
      ++report.exports_unlogged;
      return logged;
    }
  }

  if (!snapshot) {
    auto built = encounter_log_.snapshot(random_.next_u64());
    GL_RETURN_IF_ERROR(built);
    snapshot.emplace(std::move(*built));
  }
  MatchOptions options = config_.match;
  options.now = now;
  options.retention_seconds = config_.retention_seconds;
  Matcher matcher(*snapshot, options);
  MatchResult result;
  matcher.match(verified->batch.keys, result);
  std::vector<KeyTag> revoked;
  for (const TemporaryExposureKey& key : verified->batch.revised_keys) {
    if (key.report_type == ReportType::kRevoked) {
      revoked.push_back(key_tag(key.key_data));
    } else {
      matcher.match(std::span<const TemporaryExposureKey>(&key, 1), result);
    }
  }

  auto tx = Transaction::begin(db_);
  GL_RETURN_IF_ERROR(tx);
  for (const KeyTag& tag : revoked) {
    GL_RETURN_IF_ERROR(store_.delete_windows(tag));
  }
  std::size_t windows = 0;
  for (const KeyExposure& exposure : result.exposures) {
    GL_RETURN_IF_ERROR(store_.replace_windows(exposure.tag, exposure.windows, now));
    windows += exposure.windows.size();
  }
  GL_RETURN_IF_ERROR(store_.mark_processed(verified->zip_sha256, source, now));
  GL_RETURN_IF_ERROR(store_.mark_processed(bin_sha256, source, now));
  GL_RETURN_IF_ERROR(tx->commit());

  ++report.exports_processed;
  report.keys_in_exports += verified->batch.keys.size() + verified->batch.revised_keys.size();
  report.keys_expanded += result.keys_expanded;
  report.keys_matched += result.keys_matched;
  report.windows_stored += windows;
  report.sightings_rejected += result.sightings_outside_time_window + result.sightings_bad_tx_power;
  return ok();
}

Status Client::check_matching_budget() {
  GL_ASSIGN_OR_RETURN(auto stmt, db_.cached("SELECT runs FROM matching_budget WHERE day = ?"));
  stmt->bind(1, utc_day_start(clock_.now()));
  GL_ASSIGN_OR_RETURN(const bool found, stmt->step());
  const std::int64_t runs = found ? stmt->column_int64(0) : 0;
  stmt->reset();
  if (runs >= static_cast<std::int64_t>(config_.max_matching_runs_per_day)) {
    return make_error(ErrorCode::kResourceExhausted,
                      "the matcher already ran " + std::to_string(runs) +
                          " times today, the limit per UTC day; the next run is possible after "
                          "00:00 UTC");
  }
  return ok();
}

Status Client::take_matching_run() {
  const std::int64_t today = utc_day_start(clock_.now());
  GL_RETURN_IF_ERROR(check_matching_budget());
  GL_ASSIGN_OR_RETURN(auto tx, Transaction::begin(db_));
  GL_RETURN_IF_ERROR(db_.exec("DELETE FROM matching_budget WHERE day <> " + std::to_string(today)));
  GL_ASSIGN_OR_RETURN(auto stmt, db_.cached("INSERT INTO matching_budget(day, runs) VALUES(?, 1) "
                                            "ON CONFLICT(day) DO UPDATE SET runs = runs + 1"));
  stmt->bind(1, today);
  GL_RETURN_IF_ERROR(stmt->run());
  return tx.commit();
}

Result<SyncReport> Client::process_export(ByteSpan zip, std::string_view source) {
  GL_RETURN_IF_ERROR(take_matching_run());
  SyncReport report;
  report.log_required = log_.has_value();
  report.log_size = log_ ? log_->size() : 0;
  std::optional<EncounterSnapshot> snapshot;
  // Only what the monitor verified before may be used; uncovered content is evidence.
  LogGate gate{nullptr, true};
  GL_RETURN_IF_ERROR(process_one(zip, source, snapshot, report, gate));
  return report;
}

Result<SyncReport> Client::sync(HttpFetcher& fetcher, std::string_view base_url) {
  return sync_with(fetcher, base_url, [&](FeedConsumer& consumer) {
    return sync_feed(fetcher, trimmed_base(base_url), wire::Feed::kExports, consumer);
  });
}

Result<SyncReport> Client::sync(HttpFetcher& fetcher, std::string_view base_url,
                                std::span<const FeedSource> sources) {
  if (sources.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "sync needs at least one feed source, got none");
  }
  const std::string home = trimmed_base(base_url);
  std::size_t sources_failed = 0;
  auto synced = sync_with(fetcher, base_url, [&](FeedConsumer& consumer) -> Result<FeedSyncCounts> {
    FeedSyncCounts total;
    const std::int64_t today = utc_day_start(clock_.now());
    for (const FeedSource& source : sources) {
      auto paths = list_source(fetcher, source, today);
      if (!paths) {
        ++sources_failed;
        total.errors.push_back(
            (source.layout == FeedLayoutKind::kCwa ? source.base_url : source.index_url) + ": " +
            paths.error().message);
        continue;
      }
      // Paths of the own server are remembered as sync() remembers them; paths of another
      // server by their URL, so two servers' "US/1.zip" stay apart.
      const std::string base = trimmed_base(source.base_url);
      RememberedAs remembered(consumer, base == home ? std::string() : base + "/");
      GL_ASSIGN_OR_RETURN(FeedSyncCounts counts, sync_paths(fetcher, base, *paths, remembered));
      total.processed += counts.processed;
      total.already_processed += counts.already_processed;
      total.failed += counts.failed;
      total.unlogged += counts.unlogged;
      for (std::string& e : counts.errors) total.errors.push_back(std::move(e));
    }
    if (sources_failed == sources.size()) {
      return make_error(ErrorCode::kUnavailable,
                        "no feed source could be listed; first: " + total.errors.front());
    }
    return total;
  });
  GL_RETURN_IF_ERROR(synced);
  synced->sources_failed = sources_failed;
  return synced;
}

Result<SyncReport> Client::sync_with(HttpFetcher& fetcher, std::string_view base_url,
                                     const FeedRunner& feeds) {
  // Refused before any request when today's runs are used up; the run itself is taken when
  // the first new export arrives, so a sync that finds nothing new costs nothing.
  GL_RETURN_IF_ERROR(check_matching_budget());
  const std::string base = trimmed_base(base_url);
  SyncReport report;
  HttpLogFetcher log_fetcher(fetcher, base);
  LogGate gate;
  if (log_) {
    report.log_required = true;
    const std::size_t evidence_before = log_->evidence().size();
    auto synced = log_->sync(log_fetcher);
    GL_RETURN_IF_ERROR(save_log_state());
    report.new_evidence += log_->evidence().size() - evidence_before;
    if (synced) {
      gate = LogGate{&log_fetcher, true};
    } else {
      report.log_error = synced.error().message;
    }
    report.log_verified = synced.has_value();
    report.log_size = log_->size();
  }

  // The shared feed pipeline; process_one verifies, checks the log, matches and remembers.
  class ExportConsumer final : public FeedConsumer {
   public:
    ExportConsumer(Client& client, SyncReport& report, LogGate& gate)
        : client_(client), report_(report), gate_(gate) {}
    Result<bool> known(std::string_view path) override {
      return client_.store_.is_path_processed(path);
    }
    Status consume(ByteSpan file, std::string_view path) override {
      if (!run_taken_) {
        GL_RETURN_IF_ERROR(client_.take_matching_run());
        run_taken_ = true;
      }
      return client_.process_one(file, path, snapshot_, report_, gate_);
    }

   private:
    Client& client_;
    SyncReport& report_;
    LogGate& gate_;
    std::optional<EncounterSnapshot> snapshot_;
    bool run_taken_ = false;
  };
  ExportConsumer consumer(*this, report, gate);
  auto counts = feeds(consumer);
  GL_RETURN_IF_ERROR(counts);
  report.exports_failed += counts->failed;
  for (std::string& e : counts->errors) report.errors.push_back(std::move(e));
  GL_RETURN_IF_ERROR(run_retention());
  return report;
}

Status Client::set_positive_test(std::int64_t test_time) {
  return store_.set_positive_test(test_time);
}

Status Client::clear_positive_test() { return store_.clear_positive_test(); }

Result<std::vector<ExposureWindow>> Client::exposure_windows() { return store_.windows(); }

Result<RiskSummary> Client::risk() {
  auto windows = store_.windows();
  GL_RETURN_IF_ERROR(windows);
  return score_windows(*windows, config_.risk, clock_.now());
}

Result<ColourDecision> Client::colour(std::span<const VenueWarningMatch> venue_warnings) {
  const std::int64_t now = clock_.now();
  auto windows = store_.windows();
  GL_RETURN_IF_ERROR(windows);
  const RiskSummary summary = score_windows(*windows, config_.risk, now);
  auto test = store_.positive_test();
  GL_RETURN_IF_ERROR(test);
  ColourInputs inputs;
  inputs.own_positive_test_time = *test;
  inputs.exposure_days = summary.days;
  inputs.venue_warnings = venue_warnings;
  return decide_colour(inputs, config_.risk, now);
}

Status Client::run_retention() {
  const std::int64_t now = clock_.now();
  const std::int64_t cutoff = now - config_.retention_seconds;
  const std::int64_t isolation_start =
      now - static_cast<std::int64_t>(config_.risk.colour.isolation_days) * kSecondsPerDay;
  {
    auto tx = Transaction::begin(db_);
    GL_RETURN_IF_ERROR(tx);
    GL_RETURN_IF_ERROR(identifiers_.delete_older_than(cutoff));
    GL_RETURN_IF_ERROR(encounter_log_.delete_older_than(cutoff));
    GL_RETURN_IF_ERROR(store_.delete_older_than(cutoff, isolation_start));
    GL_RETURN_IF_ERROR(tx->commit());
  }
  return db_.checkpoint_truncate();
}

Status Client::rotate_store_key(const StoreKey& new_key,
                                const std::function<void(std::int64_t)>& observer) {
  const std::string path = db_.path();
  if (path.empty() || path == ":memory:" || path.starts_with("file::memory:")) {
    return make_error(ErrorCode::kFailedPrecondition,
                      "an in-memory device database has no store key to rotate");
  }
  GL_RETURN_IF_ERROR(rotate_device_store(db_, new_key, observer));
  // The rows are now under new_key; this connection's cipher is the old one, so the
  // database is reopened under the new key (which also checks that it opens).
  encounter_log_.invalidate();
  DatabaseOptions options;
  options.store_key = new_key;
  auto reopened = Database::open(path, options);
  if (!reopened) {
    return make_error(reopened.error().code,
                      "the store key was rotated, but reopening the database under the new key "
                      "failed (open it again with the new key): " +
                          reopened.error().message);
  }
  db_ = std::move(*reopened);
  return ok();
}

Status Client::set_risk_config(const RiskConfig& risk) {
  GL_RETURN_IF_ERROR(validate(risk));
  config_.risk = risk;
  return ok();
}

void Client::add_trusted_key(wire::TrustedSigningKey key) {
  config_.trusted_keys.push_back(std::move(key));
}

}  // namespace greenlight::client

#include "greenlight/client/venue_checkins.h"

#include <string>
#include <utility>

namespace greenlight::client {

Result<std::unique_ptr<VenueCheckins>> VenueCheckins::open(Client& client,
                                                           const CheckinStoreKey& store_key,
                                                           RandomSource& rng, CheckinConfig config,
                                                           VenueMatchOptions match) {
  auto store = CheckinStore::open(client.database(), store_key, client.clock(), rng, config);
  GL_RETURN_IF_ERROR(store);
  match.retention_seconds = config.retention_seconds;
  return std::unique_ptr<VenueCheckins>(new VenueCheckins(client, std::move(*store), rng, match));
}

// Built per call so that keys pinned on the Client later are honoured.
VenueWarnings VenueCheckins::matcher() {
  return VenueWarnings(store_, client_.clock(), client_.config().trusted_keys, match_);
}

Result<wire::ScannedVenue> VenueCheckins::scan(std::string_view url) {
  return scan_venue(url, client_.clock().now());
}

// With a transparency log configured, a batch is used only if a leaf the Client's monitor
// verified commits to it (Client::require_logged; evidence when not).
Result<VenueSyncReport> VenueCheckins::process_batch(ByteSpan file, std::string_view source) {
  VenueWarnings warnings = matcher();
  if (client_.log_monitor() != nullptr) {
    warnings.set_content_gate([this](const Sha256Digest& sha256) {
      return client_.require_logged(LogLeafKind::kVenueWarningBatch, sha256);
    });
  }
  return warnings.process_batch(file, source);
}

// With a log: syncs it first; if it verified, uncovered batches are refused with evidence
// (after one more log sync for batches newer than the checkpoint); if it did not, batches
// the last verified state does not cover are skipped and retried next sync.
Result<VenueSyncReport> VenueCheckins::sync(HttpFetcher& fetcher, std::string_view base_url) {
  VenueWarnings warnings = matcher();
  if (client_.log_monitor() == nullptr) return warnings.sync(fetcher, base_url);
  std::string base(base_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  HttpLogFetcher log_fetcher(fetcher, base);
  auto synced = client_.sync_log(fetcher, base);
  const bool verified = synced.has_value();
  LogFetcher* resync = verified ? &log_fetcher : nullptr;
  warnings.set_content_gate([&](const Sha256Digest& sha256) -> Status {
    if (client_.log_covers(LogLeafKind::kVenueWarningBatch, sha256)) return ok();
    if (!verified) {
      return make_error(ErrorCode::kUnavailable,
                        "venue batch " + to_hex(sha256) +
                            " is not covered by the last verified transparency-log checkpoint "
                            "and the log did not verify now: not used, retried next sync");
    }
    return client_.require_logged(LogLeafKind::kVenueWarningBatch, sha256,
                                  std::exchange(resync, nullptr));
  });
  auto report = warnings.sync(fetcher, base);
  if (report && !verified) report->log_error = synced.error().message;
  return report;
}

Result<std::vector<VenueWarningMatch>> VenueCheckins::warnings() { return matcher().matches(); }

Result<ColourDecision> VenueCheckins::colour() {
  auto matches = warnings();
  GL_RETURN_IF_ERROR(matches);
  return client_.colour(*matches);
}

Result<std::vector<SealedVenueReport>> VenueCheckins::reports_for_upload(
    std::int64_t from, const VenueUploadOptions& options) {
  auto visits = store_.visits();
  GL_RETURN_IF_ERROR(visits);
  return venue_reports_for_upload(*visits, from, client_.clock().now(), rng_, options);
}

Status VenueCheckins::run_retention() {
  const std::int64_t now = client_.clock().now();
  {
    auto tx = Transaction::begin(client_.database());
    GL_RETURN_IF_ERROR(tx);
    auto deleted = store_.delete_expired(now);
    GL_RETURN_IF_ERROR(deleted);
    GL_RETURN_IF_ERROR(matcher().delete_expired(now));
    GL_RETURN_IF_ERROR(tx->commit());
  }
  return client_.database().checkpoint_truncate();
}

}  // namespace greenlight::client

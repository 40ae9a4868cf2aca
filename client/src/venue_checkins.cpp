#include "greenlight/client/venue_checkins.h"

#include <utility>

namespace greenlight::client {

Result<std::unique_ptr<VenueCheckins>> VenueCheckins::open(Client& client,
                                                           const CheckinStoreKey& store_key,
                                                           RandomSource& rng, CheckinConfig config,
                                                           VenueMatchOptions match) {
  auto store = CheckinStore::open(client.database(), store_key, client.clock(), rng, config);
  if (!store) return std::unexpected(store.error());
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

Result<VenueSyncReport> VenueCheckins::process_batch(ByteSpan file, std::string_view source) {
  return matcher().process_batch(file, source);
}

Result<VenueSyncReport> VenueCheckins::sync(HttpFetcher& fetcher, std::string_view base_url) {
  return matcher().sync(fetcher, base_url);
}

Result<std::vector<VenueWarningMatch>> VenueCheckins::warnings() { return matcher().matches(); }

Result<ColourDecision> VenueCheckins::colour() {
  auto matches = warnings();
  if (!matches) return std::unexpected(matches.error());
  return client_.colour(*matches);
}

Result<std::vector<SealedVenueReport>> VenueCheckins::reports_for_upload(
    std::int64_t from, const VenueUploadOptions& options) {
  auto visits = store_.visits();
  if (!visits) return std::unexpected(visits.error());
  return venue_reports_for_upload(*visits, from, client_.clock().now(), rng_, options);
}

Status VenueCheckins::run_retention() {
  const std::int64_t now = client_.clock().now();
  {
    auto tx = Transaction::begin(client_.database());
    if (!tx) return std::unexpected(tx.error());
    auto deleted = store_.delete_expired(now);
    if (!deleted) return std::unexpected(deleted.error());
    if (auto s = matcher().delete_expired(now); !s) return s;
    if (auto s = tx->commit(); !s) return s;
  }
  return client_.database().checkpoint_truncate();
}

}  // namespace greenlight::client

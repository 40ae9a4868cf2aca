// Venue warnings on the server (docs/venues.md, docs/api.md "Venue warnings"). A warning
// that phones accept needs the venue owner and the health authority (docs/venues.md
// "Two-party warnings"); this ServerModule is where the two meet:
// - "venue_reports" of POST /v1/publish (positive users, purpose "keys"): at most
//   max_reports_per_upload strings, base64 of one 76-byte protected report each. They are
//   NOT published: they wait in venue_pending (tag, report, arrival floored to the hour),
//   unreadable here, until the venue's owner releases them or owner_wait_seconds pass
//   (policy kRequire), or they are not stored at all (policy kHostOnly). Stored with the
//   keys in one transaction, or not at all;
// - POST /v1/venue-pending (venue hosts, certificate purpose "venue_host"): body
//   {"certificate", "hmac_key" (base64, 16..64 bytes), "location_tag" (base64, 32 bytes)};
//   the certificate's tekmac must equal wire::venue_host_mac(hmac_key, location_tag); answers
//   {"venue_reports": [...]}, the pending reports of that one tag (at most
//   max_pending_returned). The certificate is verified, not used up;
// - POST /v1/venue-warning (venue hosts, the same certificate): body {"certificate",
//   "hmac_key", "venue_warnings" (base64 of 140-byte owner-sealed warnings, all of one tag,
//   1..max_host_reports), "resolve_pending" (bool, default false), "chaff", "padding"}; the
//   tekmac must bind the tag; the certificate id is single use. Each warning gets the
//   health authority's signature (crypto authorize_venue_warning with
//   VenueWarningConfig::authority_key, the key phones pin for venue warnings) and is stored
//   for publication; with resolve_pending the pending reports of the tag are
//   deleted in the same transaction. The server cannot check the owner's signature (it is
//   encrypted); phones do. Chaff requests do the same work and store nothing;
// - after every export run (ServerContext::add_export_job) and on publish_now(), publishes
//   the authorised warnings as signed batches (wire::write_venue_warning_file, signed by the
//   export signers) under v1/venues/, listed in v1/venues/index.txt, through
//   StaticSite::publish (kind "venue_warnings": the transparency log appends a leaf before
//   the file is served). The first run also publishes v1/venues/policy.txt, the owner
//   policy, as a VENUE_OWNER_POLICY leaf (kind "venue_owner_policy");
// - deletes published warnings, batch files and pending reports older than the retention
//   cutoff, and pending reports older than owner_wait_seconds (retention job).
//
// No setting publishes a visitor's report without its owner: a server (or health authority)
// that did so anyway would produce warnings that every phone rejects and keeps as evidence.
//
// Thread-safe: handlers may run concurrently; publish_now() runs are serialised.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/crypto/ecdsa.h"
#include "greenlight/server/server.h"

namespace greenlight::server {

// What happens to positive visitors' reports whose venue owner does not take part.
enum class VenueOwnerPolicy {
  kRequire,   // "require": pending until the owner releases them or owner_wait_seconds pass
  kHostOnly,  // "host-only": not stored at all; only host-initiated warnings exist
};
std::string_view venue_owner_policy_name(VenueOwnerPolicy policy);
[[nodiscard]] Result<VenueOwnerPolicy> parse_venue_owner_policy(std::string_view name);

struct VenueWarningConfig {
  std::string directory = "v1/venues/";
  std::string index_path = "v1/venues/index.txt";
  std::string policy_path = "v1/venues/policy.txt";
  std::size_t max_reports_per_upload = 512;
  // A host warning covers at most 15 days split at midnight; a release can carry a report
  // per positive visitor's stay.
  std::size_t max_host_reports = 512;
  std::size_t max_pending_returned = 4096;
  std::size_t max_reports_per_file = 50000;
  std::int64_t arrival_granularity_seconds = 3600;
  VenueOwnerPolicy owner_policy = VenueOwnerPolicy::kRequire;
  std::int64_t owner_wait_seconds = 14 * 86400;
  // The health authority's key for venue-warning authorisations (phones pin its public
  // half; `greenlight server run` uses the certificate key unless told otherwise). Required.
  std::optional<EcdsaP256PrivateKey> authority_key;
};

struct VenueBatchFile {
  std::string path;
  std::int64_t window_start = 0;
  std::int64_t window_end = 0;
  std::int64_t created_at = 0;
  std::int64_t report_count = 0;
  std::string sha256_hex;
};

class VenueWarningModule final : public ServerModule {
 public:
  explicit VenueWarningModule(VenueWarningConfig config = {});

  [[nodiscard]] Status attach(ServerContext& context) override;

  // Publishes every stored report not yet published (nullopt when there is none).
  [[nodiscard]] Result<std::optional<std::vector<VenueBatchFile>>> publish_now();
  [[nodiscard]] Result<std::vector<VenueBatchFile>> batch_files();
  // Serves what another instance on the same database published: loads batch files this
  // instance has not cached and refreshes the in-memory index. Registered as a site refresh
  // job; returns whether anything changed.
  [[nodiscard]] Result<bool> sync_published();
  // Visitor reports waiting for their venue's owner.
  [[nodiscard]] Result<std::int64_t> pending_reports();
  // Authorised warnings not yet published.
  [[nodiscard]] Result<std::int64_t> unpublished_warnings();
  // The text of v1/venues/policy.txt.
  std::string policy_text() const;

 private:
  [[nodiscard]] Status rebuild_index();
  [[nodiscard]] Status delete_expired(std::int64_t now, std::int64_t cutoff);
  [[nodiscard]] Status publish_policy();
  HttpResponse handle_host_warning(const HttpRequest& request);
  HttpResponse handle_pending(const HttpRequest& request);

  VenueWarningConfig config_;
  ServerContext* context_ = nullptr;
  std::mutex publish_mutex_;
  bool policy_published_ = false;
};

}  // namespace greenlight::server

// Venue warnings on the phone (docs/venues.md "Matching"): fetch the published
// venue-warning batches, verify them, find reports whose location_tag is one of the
// user's check-ins, decrypt them with that venue's location_id, and check the time overlap
// with the user's own visit. Matches feed the colour rule (colour.h, kVenueWarning ->
// YELLOW) as VenueWarningMatch{day, overlap_minutes}: a day and a duration, never a place.
//
// Rules:
// - A batch is used only if a signature by a pinned key verifies over its bytes
//   (wire::read_venue_warning_file) and its SHA-256 was not processed before (replays give
//   kAlreadyExists and change nothing).
// - A warning counts only if it passes the two-party check (check_venue_warning): a
//   signature by one of the pinned health-authority keys (VenueMatchOptions::authority_keys)
//   over the sealed warning, and inside it the venue owner's signature under the owner key
//   of the visit's own payload. A warning for one of the user's venues that fails is kept
//   as evidence (CheckinStore::add_warning_evidence) and never changes the colour; warnings
//   for legacy (version 1) payloads, which have no owner key, always fail.
// - A warning matches a visit when the tags are equal, it passes that check, its window
//   [start, start + duration) (10-minute intervals) overlaps
//   [arrival, departure) by at least min_overlap_seconds (touching intervals do not
//   overlap), and the report's window lies within [now - retention, now + max_future].
// - The match's day is 00:00 UTC of the start of the overlap; overlap_minutes is rounded up.
//   Several reports for one visit and day keep the longest overlap.
// - Nothing is sent: matching is local, the only network traffic is the download of the
//   batches, identical for every phone.
//
// `<base>/v1/venues/index.txt` lists one batch path per line (e.g.
// "v1/venues/1764000000-1764003600-00001.bin"), oldest first, relative to the server root.
//
// Not thread-safe: one owner serialises calls.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/client/checkin_store.h"
#include "greenlight/client/clock.h"
#include "greenlight/client/colour.h"
#include "greenlight/client/http_fetcher.h"
#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/venue_crypto.h"
#include "greenlight/wire/export_file.h"
#include "greenlight/wire/published_layout.h"
#include "greenlight/wire/venue_warning.h"

namespace greenlight::client {

using wire::kVenueIndexPath;  // the shared contract (wire/published_layout.h)

struct VenueMatchOptions {
  std::int64_t min_overlap_seconds = 60;
  std::int64_t retention_seconds = 14 * kSecondsPerDay;
  // Reports that start later than now + this are ignored (clock skew allowance).
  std::int64_t max_future_seconds = 2 * 3600;
  // The health authority's pinned keys (the ES256 key that signs upload certificates).
  // Without one, no warning is accepted.
  std::vector<EcdsaP256PublicKey> authority_keys;
};

struct VenueReportMatch {
  std::int64_t checkin_id = 0;
  VenueWarningMatch warning;
  std::uint8_t risk_level = 0;
};

// Seconds of overlap of [a_start, a_end) and [b_start, b_end); 0 when they only touch or
// are disjoint.
std::int64_t overlap_seconds(std::int64_t a_start, std::int64_t a_end, std::int64_t b_start,
                             std::int64_t b_end);

// A warning for one of the visits' venues that failed the two-party check.
struct VenueWarningRejection {
  std::int64_t checkin_id = 0;
  VenueWarningVerdict verdict = VenueWarningVerdict::kNoAuthority;
  SealedVenueWarning warning;
};

struct VenueMatchResult {
  std::vector<VenueReportMatch> matches;
  std::vector<VenueWarningRejection> rejections;
};

// Pure matching of published warnings against visits at now (options.authority_keys).
VenueMatchResult match_venue_warnings(std::span<const SealedVenueWarning> warnings,
                                      std::span<const VenueVisit> visits, std::int64_t now,
                                      const VenueMatchOptions& options);

// Splits the index into paths (LF or CRLF; blank lines ignored). Paths are relative, made
// of [A-Za-z0-9._/-], without "..", at most 256 characters, ending in ".bin".
[[nodiscard]] Result<std::vector<std::string>> parse_venue_index(std::string_view text);

struct VenueSyncReport {
  std::size_t batches_processed = 0;
  std::size_t batches_already_processed = 0;
  std::size_t batches_failed = 0;
  std::size_t reports_seen = 0;
  std::size_t new_matches = 0;
  // Warnings for the user's venues that failed the owner or health-authority check (each
  // kept as evidence, colour unchanged).
  std::size_t warnings_rejected = 0;
  std::vector<std::string> errors;  // one line per failed batch
  // Transparency log (VenueCheckins with ClientConfig::log): verified batches refused
  // because no verified leaf covers them (also counted in batches_failed), and why the log
  // did not verify during this sync (empty when it did or when no log is configured).
  std::size_t batches_unlogged = 0;
  std::string log_error;
};

// Decides whether a verified batch may be used (the transparency log's require_logged):
// ok to use; kFailedPrecondition: not logged, refused; any other error: not usable now.
using VenueContentGate = std::function<Status(const Sha256Digest& file_sha256)>;

class VenueWarnings {
 public:
  // store and clock must outlive this object. trusted: the pinned signing keys (the same
  // keys as for exports, ClientConfig::trusted_keys).
  VenueWarnings(CheckinStore& store, const Clock& clock,
                std::vector<wire::TrustedSigningKey> trusted, VenueMatchOptions options = {},
                wire::VenueWarningReadLimits limits = {});

  void add_trusted_key(wire::TrustedSigningKey key);
  // Called for every verified batch before it is matched; a failure refuses the batch.
  void set_content_gate(VenueContentGate gate) { gate_ = std::move(gate); }

  // Verifies, refuses replays (kAlreadyExists), matches and stores, in one transaction.
  [[nodiscard]] Result<VenueSyncReport> process_batch(ByteSpan file, std::string_view source = {});
  // Fetches <base_url>/v1/venues/index.txt and every listed batch not processed yet. Fails
  // only when the index cannot be fetched or parsed.
  [[nodiscard]] Result<VenueSyncReport> sync(HttpFetcher& fetcher, std::string_view base_url);

  // Evidence of rejected warnings (CheckinStore::warning_evidence).
  [[nodiscard]] Result<std::vector<VenueWarningEvidence>> evidence() {
    return store_.warning_evidence();
  }
  // Stored matches whose visit still exists, for Client::colour().
  [[nodiscard]] Result<std::vector<VenueWarningMatch>> matches();
  // Deletes processed-batch records and matches older than the retention period.
  [[nodiscard]] Status delete_expired(std::int64_t now);

 private:
  CheckinStore& store_;
  const Clock& clock_;
  std::vector<wire::TrustedSigningKey> trusted_;
  VenueMatchOptions options_;
  wire::VenueWarningReadLimits limits_;
  VenueContentGate gate_;
};

}  // namespace greenlight::client

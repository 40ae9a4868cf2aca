// Venue check-ins on the phone (spec/protocol.md "Venue check-ins", docs/venues.md).
//
// Scanning (scan_venue) parses the QR URL with the strict parser and checks the code's
// validity window, so the app can show the venue's name before anything is stored.
// check_in stores the visit; check_out ends it; without a check-out the visit ends at
// arrival + the venue's default_checkin_minutes (automatic check-out), and checking in
// somewhere else ends an open visit at the new arrival. Nothing here, nor anything else in
// the check-in path, makes a network request.
//
// Storage (table venue_checkin of the device database): each visit is one row
//   id (random 53-bit), expires_at (unix seconds), sealed
// where sealed = nonce (12) || AES-256-GCM(store key, record, AAD = "GL-CHECKIN-V1" ||
// BE64(id)). The record holds the raw venue payload, arrival, departure and a flag, and is
// zero-padded to a fixed size, so rows of different venues have the same length. The store
// key (32 bytes) comes from the app's keystore through the API and is never written to the
// database. A database snapshot without the key shows how many check-ins there are and
// when each row expires (day granularity), nothing about the venues (A25).
//
// Retention: delete_expired() deletes rows whose departure is older than retention_seconds
// (14 days); expires_at is rounded down to a UTC midnight, so it reveals no time of day and
// a row never outlives the retention period. Rows that do not decrypt under the key (a wrong or
// rotated key, tampering) make list() fail with the generic authentication error and are never
// silently skipped.
//
// Not thread-safe: one owner serialises calls (the Client / C API lock).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "greenlight/client/clock.h"
#include "greenlight/client/database.h"
#include "greenlight/crypto/aead.h"
#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/random.h"
#include "greenlight/crypto/result.h"
#include "greenlight/crypto/secret_bytes.h"
#include "greenlight/crypto/venue_crypto.h"
#include "greenlight/wire/venue.h"

namespace greenlight::client {

inline constexpr std::size_t kCheckinStoreKeySize = 32;
using CheckinStoreKey = SecretArray<kCheckinStoreKeySize>;

struct CheckinConfig {
  std::int64_t retention_seconds = 14 * kSecondsPerDay;
  // A visit never lasts longer than this (check-out times are clamped).
  std::int64_t max_stay_seconds = kSecondsPerDay;
};

// One visit as shown to the user. venue holds the name and address: show them only on
// the phone.
struct CheckIn {
  std::int64_t id = 0;
  wire::VenuePayload venue;
  std::int64_t arrival = 0;
  std::int64_t departure = 0;  // actual (checked_out) or automatic check-out time
  bool checked_out = false;
};

// A visit with the venue's identity, for matching and uploads.
struct VenueVisit {
  std::int64_t checkin_id = 0;
  VenueLocationId location_id;
  VenueLocationTag location_tag{};
  // From the payload: set for version-2 venues, nullopt for legacy (version 1) posters,
  // whose warnings are never accepted.
  std::optional<VenueOwnerPublicKey> owner_public_key;
  std::int64_t arrival = 0;
  std::int64_t departure = 0;
};

// A published warning for one of the user's venues that failed the two-party check
// (crypto/venue_crypto.h check_venue_warning): kept, sealed under the store key like the
// check-ins, as the user's proof that the server published it (docs/venues.md "Two-party
// warnings").
struct VenueWarningEvidence {
  std::int64_t id = 0;
  std::int64_t detected_at = 0;
  std::int64_t checkin_id = 0;
  VenueWarningVerdict verdict = VenueWarningVerdict::kNoAuthority;
  Sha256Digest batch_sha256{};  // the signed, logged file that carried it
  SealedVenueWarning warning;
};

// Parses a scanned URL and checks the validity window at now. No storage, no network.
[[nodiscard]] Result<wire::ScannedVenue> scan_venue(std::string_view url, std::int64_t now);

class CheckinStore {
 public:
  // Creates the tables if needed. db, clock and rng must outlive the store.
  [[nodiscard]] static Result<CheckinStore> open(Database& db, const CheckinStoreKey& key,
                                                 const Clock& clock, RandomSource& rng,
                                                 CheckinConfig config = {});

  // Checks in now (the code must be valid now). Ends an open visit elsewhere at now.
  // Returns the id.
  [[nodiscard]] Result<std::int64_t> check_in(const wire::ScannedVenue& venue);
  // Explicit times (simulator, tests, a manual entry): arrival <= now, departure (default
  // arrival + default minutes) in (arrival, arrival + max_stay]. Ends no other visit.
  [[nodiscard]] Result<std::int64_t> check_in_at(const wire::ScannedVenue& venue,
                                                 std::int64_t arrival,
                                                 std::optional<std::int64_t> departure = {});
  // Ends the visit now (or at departure), clamped to (arrival, arrival + max_stay].
  [[nodiscard]] Status check_out(std::int64_t id, std::optional<std::int64_t> departure = {});
  // Newest arrival first.
  [[nodiscard]] Result<std::vector<CheckIn>> list();
  [[nodiscard]] Result<std::vector<VenueVisit>> visits();
  // Deletes one visit (kNotFound if absent).
  [[nodiscard]] Status remove(std::int64_t id);
  // Deletes visits whose expires_at (the UTC midnight at or before departure +
  // retention_seconds) is not after now, warning matches of deleted visits and expired
  // evidence; returns how many visits were deleted.
  [[nodiscard]] Result<std::int64_t> delete_expired(std::int64_t now);

  // Evidence of rejected warnings (table venue_warning_evidence: random id, expiry day,
  // sealed record), deleted by delete_expired after the retention period. Returns the id.
  [[nodiscard]] Result<std::int64_t> add_warning_evidence(const VenueWarningEvidence& evidence);
  // Oldest id first; rows that do not decrypt fail with the generic authentication error.
  [[nodiscard]] Result<std::vector<VenueWarningEvidence>> warning_evidence();

  const CheckinConfig& config() const { return config_; }
  Database& database() { return *db_; }

 private:
  struct Record;
  CheckinStore(Database& db, const CheckinStoreKey& key, const Clock& clock, RandomSource& rng,
               CheckinConfig config)
      : db_(&db), key_(key.array()), clock_(&clock), rng_(&rng), config_(config) {}
  [[nodiscard]] Result<std::vector<Record>> load_all();
  [[nodiscard]] Result<Record> load(std::int64_t id);
  [[nodiscard]] Status store(const Record& record, bool insert);
  [[nodiscard]] Result<std::int64_t> insert_new(const wire::ScannedVenue& venue,
                                                std::int64_t arrival, std::int64_t departure);

  Database* db_;
  AeadKey key_;
  const Clock* clock_;
  RandomSource* rng_;
  CheckinConfig config_;
};

}  // namespace greenlight::client

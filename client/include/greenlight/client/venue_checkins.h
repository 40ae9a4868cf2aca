// The venue check-in feature of one phone, on top of a Client (docs/venues.md): the
// encrypted check-in store, the warning matcher and the upload helpers over the Client's
// database, clock and pinned keys, and the colour with venue warnings included.
//
//   auto venues = VenueCheckins::open(client, store_key_from_keystore, rng);
//   auto venue = (*venues)->scan(url);            // show venue->payload.description
//   auto id = (*venues)->store().check_in(*venue);
//   (*venues)->sync(fetcher, base_url);           // download + match warnings
//   auto colour = (*venues)->colour();            // YELLOW on an overlapping warning
//
// Scanning and checking in make no network request; sync() only downloads what every phone
// downloads. Not thread-safe: one owner serialises calls (the C API lock). The Client and
// the RandomSource must outlive this object.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "greenlight/client/checkin_store.h"
#include "greenlight/client/client.h"
#include "greenlight/client/venue_matcher.h"
#include "greenlight/client/venue_upload.h"

namespace greenlight::client {

class VenueCheckins {
 public:
  [[nodiscard]] static Result<std::unique_ptr<VenueCheckins>> open(Client& client,
                                                                   const CheckinStoreKey& store_key,
                                                                   RandomSource& rng,
                                                                   CheckinConfig config = {},
                                                                   VenueMatchOptions match = {});

  CheckinStore& store() { return store_; }

  // Parses and checks the validity at the clock's now; stores nothing.
  [[nodiscard]] Result<wire::ScannedVenue> scan(std::string_view url);

  // The health authority's key for venue warnings (VenueMatchOptions::authority_keys).
  void pin_authority_key(EcdsaP256PublicKey key) {
    match_.authority_keys.push_back(std::move(key));
  }
  // Warnings that failed the owner or authority check (CheckinStore::warning_evidence).
  [[nodiscard]] Result<std::vector<VenueWarningEvidence>> warning_evidence() {
    return store_.warning_evidence();
  }

  // Batches are verified with the Client's pinned keys (ClientConfig::trusted_keys), each
  // warning with the pinned authority keys and the venue owner's key.
  [[nodiscard]] Result<VenueSyncReport> process_batch(ByteSpan file, std::string_view source = {});
  [[nodiscard]] Result<VenueSyncReport> sync(HttpFetcher& fetcher, std::string_view base_url);
  [[nodiscard]] Result<std::vector<VenueWarningMatch>> warnings();

  // Client::colour() with the stored venue warnings.
  [[nodiscard]] Result<ColourDecision> colour();

  // The "venue_reports" of a positive user's upload: visits that ended after from, sealed,
  // padded and shuffled (venue_upload.h).
  [[nodiscard]] Result<std::vector<SealedVenueReport>> reports_for_upload(
      std::int64_t from, const VenueUploadOptions& options = {});

  // Deletes expired check-ins, matches and batch records, then truncates the WAL so the
  // bytes are gone from the files.
  [[nodiscard]] Status run_retention();

 private:
  VenueCheckins(Client& client, CheckinStore store, RandomSource& rng, VenueMatchOptions match)
      : client_(client), store_(std::move(store)), rng_(rng), match_(match) {}
  VenueWarnings matcher();

  Client& client_;
  CheckinStore store_;
  RandomSource& rng_;
  VenueMatchOptions match_;
};

}  // namespace greenlight::client

// Venues with real QR payloads (greenlight::wire VenuePayload, spec/protocol.md "Venue
// check-ins"): each venue of the population gets a payload with a 32-byte seed drawn from
// the run's SeededRandom, its canonical bytes, QR URL, location_id and location_tag.
//
// Every phone that scans a venue's poster decodes the same URL to the same ScannedVenue,
// so the decoding is done once per venue (shared work) and a phone's check-in refers to
// the venue by index. The tag -> venue lookup is likewise what every phone computes for its
// own check-ins, done once. Each venue is version 2 (docs/venues.md "Two-party warnings"):
// its owner key comes from the same seeded stream, and release() is what the venue's owner
// does when the health authority asks: open a positive visitor's report with the payload
// and re-seal it as an owner-signed warning (as client::release_visitor_reports). Immutable
// after creation; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "greenlight/crypto/ed25519.h"
#include "greenlight/crypto/random.h"
#include "greenlight/crypto/result.h"
#include "greenlight/crypto/venue_crypto.h"
#include "greenlight/sim/population.h"

namespace greenlight::sim {

class VenueDirectory {
 public:
  [[nodiscard]] static Result<VenueDirectory> create(const Population& population,
                                                     std::uint64_t seed);

  std::uint32_t size() const { return static_cast<std::uint32_t>(urls_.size()); }
  const std::string& url(std::uint32_t venue) const { return urls_[venue]; }
  const VenueLocationId& location_id(std::uint32_t venue) const { return ids_[venue]; }
  const VenueLocationTag& location_tag(std::uint32_t venue) const { return tags_[venue]; }
  const std::optional<VenueOwnerPublicKey>& owner_public_key(std::uint32_t venue) const {
    return owner_public_keys_[venue];
  }
  // The owner of venue releases one pending report of a positive visitor (kAuthentication
  // when the report is not one of this venue's).
  [[nodiscard]] Result<SealedVenueWarning> release(std::uint32_t venue,
                                                   const SealedVenueReport& pending,
                                                   RandomSource& rng) const;
  std::optional<std::uint32_t> find(const VenueLocationTag& tag) const;

 private:
  std::vector<std::string> urls_;
  std::vector<VenueLocationId> ids_;
  std::vector<VenueLocationTag> tags_;
  std::vector<std::optional<VenueOwnerPublicKey>> owner_public_keys_;
  std::vector<Ed25519PrivateKey> owners_;
  std::unordered_map<std::string, std::uint32_t> by_tag_;
};

}  // namespace greenlight::sim

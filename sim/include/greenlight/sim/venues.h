// Venues with real QR payloads (greenlight::wire VenuePayload, spec/protocol.md "Venue
// check-ins"): each venue of the population gets a payload with a 32-byte seed drawn from
// the run's SeededRandom, its canonical bytes, QR URL, location_id and location_tag.
//
// Every phone that scans a venue's poster decodes the same URL to the same ScannedVenue,
// so the decoding is done once per venue (shared work) and a phone's check-in refers to
// the venue by index. The tag -> venue lookup is likewise what every phone computes for its
// own check-ins, done once. Immutable after creation; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

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
  std::optional<std::uint32_t> find(const VenueLocationTag& tag) const;

 private:
  std::vector<std::string> urls_;
  std::vector<VenueLocationId> ids_;
  std::vector<VenueLocationTag> tags_;
  std::unordered_map<std::string, std::uint32_t> by_tag_;
};

}  // namespace greenlight::sim

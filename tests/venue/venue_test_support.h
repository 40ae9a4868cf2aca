// Test helpers for the venue suites: venues made from a seeded RNG, and a scratch directory.
#pragma once

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "greenlight/crypto/random.h"
#include "greenlight/wire/venue.h"

namespace greenlight::test {

// A version-2 venue and its owner's secret (what `greenlight venue create` writes).
struct OwnedVenue {
  wire::ScannedVenue venue;
  wire::VenueOwnerSeed owner_seed;
  Ed25519PrivateKey owner() const {
    auto key = wire::venue_owner_key(owner_seed);
    REQUIRE(key);
    return *key;
  }
};

inline wire::VenueInfo venue_info(const std::string& name, std::uint32_t minutes) {
  wire::VenueInfo info;
  info.description = name;
  info.address = name + " Street 1";
  info.type = wire::VenueType::kFoodService;
  info.default_checkin_minutes = minutes;
  return info;
}

inline OwnedVenue make_owned_venue(const std::string& name, RandomSource& rng,
                                   std::uint32_t minutes = 60) {
  auto created = wire::new_venue(venue_info(name, minutes), rng);
  REQUIRE(created);
  auto raw = wire::encode_venue_payload(created->payload);
  REQUIRE(raw);
  auto venue = wire::scan_venue_payload(*raw);
  REQUIRE(venue);
  return OwnedVenue{std::move(*venue), created->owner_seed};
}

inline wire::ScannedVenue make_venue(const std::string& name, RandomSource& rng,
                                     std::uint32_t minutes = 60) {
  return make_owned_venue(name, rng, minutes).venue;
}

// A version-1 (legacy) venue: no owner key.
inline wire::ScannedVenue make_legacy_venue(const std::string& name, RandomSource& rng,
                                            std::uint32_t minutes = 60) {
  const wire::VenueInfo info = venue_info(name, minutes);
  wire::VenuePayload payload;
  payload.version = wire::kVenuePayloadLegacyVersion;
  payload.description = info.description;
  payload.address = info.address;
  payload.type = info.type;
  payload.default_checkin_minutes = info.default_checkin_minutes;
  rng.fill(payload.seed.mutable_span());
  auto raw = wire::encode_venue_payload(payload);
  REQUIRE(raw);
  auto venue = wire::scan_venue_payload(*raw);
  REQUIRE(venue);
  return std::move(*venue);
}

inline std::string url_of(const wire::ScannedVenue& venue) {
  auto url = wire::venue_url(wire::kDefaultVenueBaseUrl, venue.raw_payload.span());
  REQUIRE(url);
  return *url;
}

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "greenlight-venue-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace greenlight::test

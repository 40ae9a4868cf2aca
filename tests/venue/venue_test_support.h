// Test helpers for the venue suites: venues made from a seeded RNG, and a scratch directory.
#pragma once

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "greenlight/crypto/random.h"
#include "greenlight/wire/venue.h"

namespace greenlight::test {

inline wire::ScannedVenue make_venue(const std::string& name, RandomSource& rng,
                                     std::uint32_t minutes = 60) {
  wire::VenueInfo info;
  info.description = name;
  info.address = name + " Street 1";
  info.type = wire::VenueType::kFoodService;
  info.default_checkin_minutes = minutes;
  auto payload = wire::new_venue_payload(info, rng);
  REQUIRE(payload);
  auto raw = wire::encode_venue_payload(*payload);
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

// A venue host's warning (docs/venues.md "Host warning"), as `greenlight venue warn` sends
// it: with a verification code of purpose "venue_host" from the health authority, the host
// proves knowledge of the venue's payload by deriving location_id itself and sealing
// reports for the window [from, until) (split at midnight):
//
//   POST /v1/verify {code}                     -> token
//   POST /v1/certificate {token, tekmac}       -> certificate, tekmac = wire::venue_host_mac
//   POST /v1/venue-warning {certificate, hmac_key, venue_reports}
//
// The server sees the tag, nonces and ciphertexts only. Not thread-safe per call object.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "greenlight/crypto/random.h"
#include "greenlight/crypto/result.h"
#include "greenlight/wire/venue.h"

namespace greenlight::venue_tools {

struct HostWarningRequest {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  bool tls = false;
  std::filesystem::path ca_file;  // with tls; empty = the system store
  std::string code;
  std::int64_t from = 0;  // UTC seconds
  std::int64_t until = 0;
  std::uint8_t risk_level = 8;
};

// Returns the number of reports the server accepted.
[[nodiscard]] Result<std::size_t> send_host_warning(const wire::ScannedVenue& venue,
                                                    const HostWarningRequest& request,
                                                    std::int64_t now, RandomSource& rng);

}  // namespace greenlight::venue_tools

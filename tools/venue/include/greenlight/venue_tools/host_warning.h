// The venue host's side of two-party warnings (docs/venues.md "Host tools"). Both commands
// need the owner key from venue.secret and a verification code of purpose "venue_host"
// from the health authority:
//
//   POST /v1/verify {code}                          -> token
//   POST /v1/certificate {token, tekmac}            -> certificate,
//                                                      tekmac = wire::venue_host_mac(k, tag)
// warn (`greenlight venue warn`): owner-signed warnings for [from, until), split at midnight,
//   POST /v1/venue-warning {certificate, hmac_key = k, venue_warnings}
// release (`greenlight venue release`): the positive visitors' reports pending for this
//   venue, decrypted here with the payload and re-sealed as owner-signed warnings for the
//   same windows,
//   POST /v1/venue-pending {certificate, hmac_key, location_tag} -> venue_reports
//   POST /v1/venue-warning {certificate, hmac_key, venue_warnings, resolve_pending = true}
//
// The server sees the tag, nonces and ciphertexts only; it adds the health authority's
// signature. Not thread-safe per call object.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "greenlight/crypto/random.h"
#include "greenlight/crypto/result.h"
#include "greenlight/venue_tools/poster.h"
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

// Returns the number of warnings the server accepted. from/until/risk_level are used.
[[nodiscard]] Result<std::size_t> send_host_warning(const VenueSecret& secret,
                                                    const HostWarningRequest& request,
                                                    std::int64_t now, RandomSource& rng);

struct ReleaseResult {
  std::size_t pending = 0;                  // reports the server held for this venue's tag
  std::size_t unreadable = 0;               // of those, reports that did not open (not released)
  std::vector<VenueReportRecord> released;  // the windows released, as warnings
};

// Releases every readable pending report (from/until/risk_level of request are unused).
// Nothing is posted when no report is pending.
[[nodiscard]] Result<ReleaseResult> release_pending_reports(const VenueSecret& secret,
                                                            const HostWarningRequest& request,
                                                            RandomSource& rng);

}  // namespace greenlight::venue_tools

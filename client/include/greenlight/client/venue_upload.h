// The venue part of an upload (docs/venues.md "Uploads"):
//
// - A positive user: every visit that ended after `from` (the start of the contagious
//   period) becomes protected reports: the visit is widened to whole 10-minute intervals,
//   split at 00:00 UTC (a report covers at most one day), and sealed for its venue
//   (crypto/venue_crypto.h). Fake reports (random bytes of the same sizes) pad the list to
//   padded_count (or the next multiple of it), and the list is shuffled, so the server
//   learns neither how many places the user visited nor which reports are real. They are
//   sent inside the same authorised upload as the keys ("venue_reports").
// - A chaff upload carries padded_count fake reports: the same count and sizes as a real
//   upload of a light user.
// - A venue host warns every guest of a time window: owner-signed warnings for [start, end)
//   at its own venue (location_id from the payload, the owner key from venue.secret), split
//   at midnight, no padding (host_warnings).
// - A venue owner releases the pending reports of positive visitors: each report that opens
//   under the venue's location_id becomes an owner-signed warning for the same window
//   (release_visitor_reports). Reports of other venues or fakes do not open and are skipped.
// In both cases the health authority's signature is added by the server after it checked
// the authority's certificate (docs/venues.md "Two-party warnings").
//
// Pure functions (randomness injected); thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "greenlight/client/checkin_store.h"
#include "greenlight/crypto/random.h"
#include "greenlight/crypto/result.h"
#include "greenlight/crypto/venue_crypto.h"

namespace greenlight::client {

struct VenueUploadOptions {
  // 14 days x 8 reports a day covers almost everybody with one size.
  std::size_t padded_count = 112;
  std::uint8_t risk_level = 5;
};

// [start interval, end interval) per UTC day: the visit widened to whole intervals and
// split at midnight. Empty when departure <= arrival.
std::vector<VenueReportRecord> split_visit(std::int64_t arrival, std::int64_t departure,
                                           std::uint8_t risk_level);

[[nodiscard]] Result<std::vector<SealedVenueReport>> venue_reports_for_upload(
    std::span<const VenueVisit> visits, std::int64_t from, std::int64_t now, RandomSource& rng,
    const VenueUploadOptions& options = {});

std::vector<SealedVenueReport> venue_chaff_reports(RandomSource& rng,
                                                   const VenueUploadOptions& options = {});

inline constexpr std::int64_t kMaxHostWarningSeconds = 14 * 86400;

// start < end <= now, end - start <= kMaxHostWarningSeconds, risk level 1..8.
[[nodiscard]] Result<std::vector<SealedVenueWarning>> host_warnings(
    const VenueLocationId& location_id, const Ed25519PrivateKey& owner, std::int64_t start,
    std::int64_t end, std::int64_t now, std::uint8_t risk_level, RandomSource& rng);

struct VenueRelease {
  std::vector<VenueReportRecord> records;  // what the owner releases, for display
  std::vector<SealedVenueWarning> warnings;
  std::size_t unreadable = 0;  // pending reports that did not open for this venue
};

[[nodiscard]] Result<VenueRelease> release_visitor_reports(
    const VenueLocationId& location_id, const Ed25519PrivateKey& owner,
    std::span<const SealedVenueReport> pending, RandomSource& rng);

}  // namespace greenlight::client

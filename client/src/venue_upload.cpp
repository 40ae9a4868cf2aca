#include "greenlight/client/venue_upload.h"

#include <algorithm>
#include <string>

#include "greenlight/client/clock.h"
#include "greenlight/wire/venue_warning.h"

namespace greenlight::client {

std::vector<VenueReportRecord> split_visit(std::int64_t arrival, std::int64_t departure,
                                           std::uint8_t risk_level) {
  std::vector<VenueReportRecord> out;
  if (departure <= arrival || arrival < 0) return out;
  std::uint32_t start = interval_from_unix_seconds(arrival).value;
  // Round the end up: a visit that ends at 12:03 covers the interval 12:00-12:10.
  const auto end =
      static_cast<std::uint32_t>((departure + kIntervalSeconds - 1) / kIntervalSeconds);
  while (start < end) {
    const std::uint32_t day_end = day_start({start}).value + kTekRollingPeriod;
    const std::uint32_t stop = std::min(end, day_end);
    out.push_back(VenueReportRecord{{start}, stop - start, risk_level});
    start = stop;
  }
  return out;
}

Result<std::vector<SealedVenueReport>> venue_reports_for_upload(std::span<const VenueVisit> visits,
                                                                std::int64_t from, std::int64_t now,
                                                                RandomSource& rng,
                                                                const VenueUploadOptions& options) {
  if (options.padded_count == 0 || options.padded_count > wire::kMaxVenueReportsPerUpload) {
    return make_error(ErrorCode::kInvalidArgument,
                      "padded_count must be 1.." + std::to_string(wire::kMaxVenueReportsPerUpload));
  }
  std::vector<SealedVenueReport> out;
  for (const auto& visit : visits) {
    if (visit.departure <= from || visit.arrival > now) continue;
    // Only the part of the stay that has happened and lies in the contagious period.
    const std::int64_t arrival = std::max(visit.arrival, from);
    const std::int64_t departure = std::min(visit.departure, now);
    for (const auto& record : split_visit(arrival, departure, options.risk_level)) {
      auto sealed = seal_venue_report(visit.location_id, record, rng);
      GL_RETURN_IF_ERROR(sealed);
      out.push_back(*sealed);
    }
  }
  const std::size_t target =
      std::max<std::size_t>(1, (out.size() + options.padded_count - 1) / options.padded_count) *
      options.padded_count;
  if (target > wire::kMaxVenueReportsPerUpload) {
    return make_error(ErrorCode::kResourceExhausted,
                      std::to_string(out.size()) + " venue reports exceed the upload cap of " +
                          std::to_string(wire::kMaxVenueReportsPerUpload));
  }
  while (out.size() < target) out.push_back(make_fake_venue_report(rng));
  // Fisher-Yates with the injected RNG: real and fake reports end up anywhere.
  for (std::size_t i = out.size(); i > 1; --i) {
    std::swap(out[i - 1], out[static_cast<std::size_t>(rng.uniform(i))]);
  }
  return out;
}

std::vector<SealedVenueReport> venue_chaff_reports(RandomSource& rng,
                                                   const VenueUploadOptions& options) {
  std::vector<SealedVenueReport> out;
  out.reserve(options.padded_count);
  for (std::size_t i = 0; i < options.padded_count; ++i) out.push_back(make_fake_venue_report(rng));
  return out;
}

Result<std::vector<SealedVenueWarning>> host_warnings(const VenueLocationId& location_id,
                                                      const Ed25519PrivateKey& owner,
                                                      std::int64_t start, std::int64_t end,
                                                      std::int64_t now, std::uint8_t risk_level,
                                                      RandomSource& rng) {
  if (start < 0 || end <= start || end > now || end - start > kMaxHostWarningSeconds) {
    return make_error(ErrorCode::kInvalidArgument,
                      "a host warning window must end in the past and last at most 14 days, got [" +
                          std::to_string(start) + ", " + std::to_string(end) + ")");
  }
  std::vector<SealedVenueWarning> out;
  for (const auto& record : split_visit(start, end, risk_level)) {
    auto sealed =
        seal_venue_warning(location_id, record, VenueWarningOrigin::kHostWarning, owner, rng);
    GL_RETURN_IF_ERROR(sealed);
    out.push_back(*sealed);
  }
  return out;
}

Result<VenueRelease> release_visitor_reports(const VenueLocationId& location_id,
                                             const Ed25519PrivateKey& owner,
                                             std::span<const SealedVenueReport> pending,
                                             RandomSource& rng) {
  VenueRelease out;
  for (const auto& report : pending) {
    auto record = open_venue_report(location_id, report);
    if (!record) {
      ++out.unreadable;
      continue;
    }
    auto sealed =
        seal_venue_warning(location_id, *record, VenueWarningOrigin::kVisitorRelease, owner, rng);
    GL_RETURN_IF_ERROR(sealed);
    out.records.push_back(*record);
    out.warnings.push_back(*sealed);
  }
  return out;
}

}  // namespace greenlight::client

// Venue check-in cryptography (spec/protocol.md "Venue check-ins", docs/venues.md).
//
//   location_id  = SHA-256("GL-VENUE-ID" || raw VenuePayload bytes)
//   location_tag = SHA-256(location_id)
//   report_key   = HKDF-SHA256(IKM = location_id, salt = empty, info = "GL-VENUE-REPORT", 32)
//   report       = location_tag || nonce (12 random bytes) ||
//                  AES-256-GCM(report_key, nonce, record (16 bytes), AAD = location_tag)
//
// Security properties:
// - Only someone who holds the raw payload (a visitor who scanned the QR code, or the
//   venue) can compute location_id, hence read or produce a report for the venue. The
//   server and the network see location_tag, which is a one-way function of location_id.
// - Entry binding: any change to the payload bytes changes location_id, the tag and the
//   key, so a report for the genuine venue never opens under a mutated payload.
// - The AAD binds each ciphertext to its tag: moving a ciphertext under another tag fails.
// - Every report and every fake report has the same size (32-byte ciphertext).
//
// Pure functions; thread-safe. The record layout is fixed here so that the plaintext has
// one encoding and a constant length.
#pragma once

#include <cstddef>
#include <cstdint>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/random.h"
#include "greenlight/crypto/result.h"
#include "greenlight/crypto/secret_bytes.h"

namespace greenlight {

inline constexpr std::size_t kVenueLocationIdSize = 32;
inline constexpr std::size_t kVenueLocationTagSize = 32;
inline constexpr std::size_t kVenueReportNonceSize = 12;
inline constexpr std::size_t kVenueReportRecordSize = 16;
inline constexpr std::size_t kVenueReportCiphertextSize = 32;  // record + GCM tag
inline constexpr std::uint8_t kVenueReportRecordVersion = 1;
// A report covers at most one UTC day (check-ins are split at midnight).
inline constexpr std::uint32_t kVenueReportMaxDurationIntervals = 144;
inline constexpr std::uint8_t kVenueReportMinRiskLevel = 1;
inline constexpr std::uint8_t kVenueReportMaxRiskLevel = 8;

// Knowing location_id is knowing the venue: it is kept in a wiping type.
using VenueLocationId = SecretArray<kVenueLocationIdSize>;
using VenueLocationTag = ByteArray<kVenueLocationTagSize>;

VenueLocationId venue_location_id(ByteSpan raw_payload);
VenueLocationTag venue_location_tag(const VenueLocationId& location_id);
SecretArray<32> venue_report_key(const VenueLocationId& location_id);

// What a report says about one stay (or a host's warning window) at one venue.
struct VenueReportRecord {
  EnIntervalNumber start_interval;
  std::uint32_t duration_intervals = 0;  // 1..kVenueReportMaxDurationIntervals
  std::uint8_t risk_level = 0;           // kVenueReportMinRiskLevel..kVenueReportMaxRiskLevel

  EnIntervalNumber end_interval() const { return {start_interval.value + duration_intervals}; }
  friend bool operator==(const VenueReportRecord&, const VenueReportRecord&) = default;
};

// The fixed 16-byte plaintext (see proto/venue.proto). encode validates the ranges;
// decode rejects another version, out-of-range fields and non-zero padding.
[[nodiscard]] Result<ByteArray<kVenueReportRecordSize>> encode_venue_report_record(
    const VenueReportRecord& record);
[[nodiscard]] Result<VenueReportRecord> decode_venue_report_record(ByteSpan bytes);

struct SealedVenueReport {
  VenueLocationTag location_tag{};
  ByteArray<kVenueReportNonceSize> nonce{};
  ByteArray<kVenueReportCiphertextSize> ciphertext{};
  friend bool operator==(const SealedVenueReport&, const SealedVenueReport&) = default;
};

// Seals record for the venue with a fresh random nonce from rng.
[[nodiscard]] Result<SealedVenueReport> seal_venue_report(const VenueLocationId& location_id,
                                                          const VenueReportRecord& record,
                                                          RandomSource& rng);
// Opens a report with the venue's location_id. Fails with the generic authentication
// error when the tag is not this venue's, the ciphertext was tampered with or moved to
// another tag, or the record inside is malformed.
[[nodiscard]] Result<VenueReportRecord> open_venue_report(const VenueLocationId& location_id,
                                                          const SealedVenueReport& report);

// A fake report: random tag, nonce and ciphertext of exactly the sizes of a real one, so
// that the server cannot tell it apart (plausible deniability; it matches no venue).
SealedVenueReport make_fake_venue_report(RandomSource& rng);

}  // namespace greenlight

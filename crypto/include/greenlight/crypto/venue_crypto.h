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
// Two-party warnings (docs/venues.md "Two-party warnings"): what phones accept as a venue
// warning is a SealedVenueWarning, which needs both
// - the venue owner: the 80-byte warning record under the AEAD is the 16-byte record (version
//   2, origin in byte 8) followed by owner_signature = Ed25519(owner key, "GL-VENUE-OWNER-V2"
//   || location_tag || the 16 record bytes); the owner's public key is in the QR payload
//   (version 2), its private half only in the host's venue.secret;
// - the health authority: authority_signature = ECDSA P-256 (raw r || s) over
//   "GL-VENUE-HA-V2" || location_tag || nonce || ciphertext, checked against the phone's
//   pinned authority keys.
// The poster (payload) gives neither signature: a holder of the poster plus one of the two
// keys produces a warning that check_venue_warning rejects.
//
// Pure functions; thread-safe. The record layout is fixed here so that the plaintext has
// one encoding and a constant length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "greenlight/crypto/aead.h"
#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/ed25519.h"
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

inline constexpr std::size_t kVenueOwnerPublicKeySize = 32;
inline constexpr std::size_t kVenueOwnerSignatureSize = 64;
inline constexpr std::uint8_t kVenueWarningRecordVersion = 2;
inline constexpr std::size_t kVenueWarningRecordSize = kVenueReportRecordSize + 64;  // 80
inline constexpr std::size_t kVenueWarningCiphertextSize = kVenueWarningRecordSize + 16;
inline constexpr std::size_t kVenueAuthoritySignatureSize = 64;

// Knowing location_id is knowing the venue: it is kept in a wiping type.
using VenueLocationId = SecretArray<kVenueLocationIdSize>;
using VenueLocationTag = ByteArray<kVenueLocationTagSize>;

VenueLocationId venue_location_id(ByteSpan raw_payload);
VenueLocationTag venue_location_tag(const VenueLocationId& location_id);
AeadKey venue_report_key(const VenueLocationId& location_id);

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

// --- two-party warnings -------------------------------------------------------------------

using VenueOwnerPublicKey = ByteArray<kVenueOwnerPublicKeySize>;

// Why the owner signed: a warning the host started (`greenlight venue warn`) or the
// release of a positive visitor's pending report (`greenlight venue release`).
enum class VenueWarningOrigin : std::uint8_t {
  kHostWarning = 1,
  kVisitorRelease = 2,
};

struct SealedVenueWarning {
  VenueLocationTag location_tag{};
  ByteArray<kVenueReportNonceSize> nonce{};
  ByteArray<kVenueWarningCiphertextSize> ciphertext{};
  ByteArray<kVenueAuthoritySignatureSize> authority_signature{};  // zero until authorised
  friend bool operator==(const SealedVenueWarning&, const SealedVenueWarning&) = default;
};

// The venue owner's part: seals record for the venue with the owner's signature inside.
// authority_signature stays zero.
[[nodiscard]] Result<SealedVenueWarning> seal_venue_warning(const VenueLocationId& location_id,
                                                            const VenueReportRecord& record,
                                                            VenueWarningOrigin origin,
                                                            const Ed25519PrivateKey& owner,
                                                            RandomSource& rng);

// "GL-VENUE-HA-V2" || tag || nonce || ciphertext: what the health authority signs.
Bytes venue_warning_authority_message(const SealedVenueWarning& warning);
// The health authority's part: sets authority_signature.
[[nodiscard]] Status authorize_venue_warning(SealedVenueWarning& warning,
                                             const EcdsaP256PrivateKey& authority);

// The phone's verdict on a warning whose tag is one of its visits' tags.
enum class VenueWarningVerdict : std::uint8_t {
  kAccepted = 0,
  kNotThisVenue = 1,       // tag differs from the visit's (not evidence)
  kNoAuthority = 2,        // no pinned authority key verifies authority_signature
  kUndecryptable = 3,      // the ciphertext does not open or the record is malformed
  kLegacyVenue = 4,        // the visit's payload is version 1: it has no owner key
  kBadOwnerSignature = 5,  // the owner's signature does not verify
};
std::string_view venue_warning_verdict_name(VenueWarningVerdict verdict);

struct VenueWarningCheck {
  VenueWarningVerdict verdict = VenueWarningVerdict::kNotThisVenue;
  VenueReportRecord record;  // valid when accepted
  VenueWarningOrigin origin = VenueWarningOrigin::kHostWarning;
};

// Checks, in this order: the tag, the authority signature (any of authority_keys), the
// AEAD under the venue's key, the record, then the owner's signature with owner_public_key
// (nullopt: a legacy payload, never accepted). Constant-time tag comparison.
VenueWarningCheck check_venue_warning(const VenueLocationId& location_id,
                                      const std::optional<VenueOwnerPublicKey>& owner_public_key,
                                      std::span<const EcdsaP256PublicKey> authority_keys,
                                      const SealedVenueWarning& warning);

}  // namespace greenlight

// Venue QR payloads (spec/protocol.md "Venue check-ins", docs/venues.md).
//
// A venue QR code is a URL whose fragment is base64url (RFC 4648 section 5, no padding) of
// the VenuePayload protobuf bytes (proto/venue.proto). The raw payload bytes are the
// venue's identity: location_id = SHA-256("GL-VENUE-ID" || raw bytes). To make that
// identity unique, parsing is strict and never re-encodes:
// - the payload is at most kMaxVenuePayloadBytes bytes;
// - it parses as VenuePayload with no unknown fields, and the deterministic re-encoding of
//   the parsed message equals the input byte for byte (no reordered or repeated fields, no
//   explicit default values, no overlong varints);
// - version is kVenuePayloadVersion (2), with an owner_public_key of exactly 32 bytes that is
//   a valid Ed25519 point, or kVenuePayloadLegacyVersion (1) without one; seed is exactly 32
//   bytes; description is 1..100 and
//   address 0..100 characters of valid UTF-8 without control or bidirectional-override
//   characters; venue_type is known; default_checkin_minutes is 1..1440; a validity window
//   with both ends set has valid_from < valid_until.
// The same checks run before encoding, so every payload this library writes is one that
// it reads back. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/random.h"
#include "greenlight/crypto/result.h"
#include "greenlight/crypto/secret_bytes.h"
#include "greenlight/crypto/venue_crypto.h"

namespace greenlight::wire {

// Version 2 carries the owner's public key: warnings for it need the owner and the health
// authority. Version 1 posters (no owner key) still scan and check in, but no warning for
// them is ever accepted (docs/venues.md "Old posters").
inline constexpr std::uint32_t kVenuePayloadVersion = 2;
inline constexpr std::uint32_t kVenuePayloadLegacyVersion = 1;
inline constexpr std::size_t kMaxVenuePayloadBytes = 1024;
inline constexpr std::size_t kMaxVenueUrlBytes = 2048;
inline constexpr std::size_t kMaxVenueDescriptionChars = 100;
inline constexpr std::size_t kMaxVenueAddressChars = 100;
inline constexpr std::size_t kVenueSeedSize = 32;
inline constexpr std::uint32_t kMaxDefaultCheckinMinutes = 1440;
inline constexpr std::string_view kDefaultVenueBaseUrl = "https://greenlight.example/v1/venue";

enum class VenueType : std::uint32_t {
  kOther = 0,
  kRetail = 1,
  kFoodService = 2,
  kWorkplace = 3,
  kEducation = 4,
  kPublicBuilding = 5,
  kCulturalEvent = 6,
  kClubActivity = 7,
  kPrivateEvent = 8,
  kWorshipService = 9,
  kHealthCare = 10,
  kTransport = 11,
};
inline constexpr std::uint32_t kMaxVenueType = 11;

// "other", "retail", "food_service", "workplace", "education", "public_building",
// "cultural_event", "club_activity", "private_event", "worship_service", "health_care",
// "transport".
std::string_view venue_type_name(VenueType type);
[[nodiscard]] Result<VenueType> venue_type_from_name(std::string_view name);

// The domain twin of proto VenuePayload.
struct VenuePayload {
  std::uint32_t version = kVenuePayloadVersion;
  std::string description;
  std::string address;
  VenueType type = VenueType::kOther;
  std::uint32_t default_checkin_minutes = 60;
  SecretArray<kVenueSeedSize> seed;
  std::uint64_t valid_from = 0;   // UTC seconds; 0 = no lower bound
  std::uint64_t valid_until = 0;  // UTC seconds; 0 = no upper bound
  // Set exactly for version 2.
  std::optional<VenueOwnerPublicKey> owner_public_key;
};

// The public, user-editable part of a payload (what `greenlight venue create` takes).
struct VenueInfo {
  std::string description;
  std::string address;
  VenueType type = VenueType::kOther;
  std::uint32_t default_checkin_minutes = 60;
  std::uint64_t valid_from = 0;
  std::uint64_t valid_until = 0;
};

// The venue owner's secret: the Ed25519 seed whose public key is in the payload. Kept by the
// host (venue.secret, mode 0600), never printed on the poster. Losing it means a new poster.
using VenueOwnerSeed = SecretArray<32>;

struct NewVenue {
  VenuePayload payload;
  VenueOwnerSeed owner_seed;
};

// A new version-2 payload for info: a 32-byte seed and the owner's Ed25519 key, both from
// rng (SystemRandom in production). Validates info with the parser's rules.
[[nodiscard]] Result<NewVenue> new_venue(const VenueInfo& info, RandomSource& rng);
// The owner's signing key from its seed.
[[nodiscard]] Result<Ed25519PrivateKey> venue_owner_key(const VenueOwnerSeed& seed);

// Validation shared by encoding and decoding.
[[nodiscard]] Status validate_venue_payload(const VenuePayload& payload);
// Canonical bytes of a valid payload.
[[nodiscard]] Result<Bytes> encode_venue_payload(const VenuePayload& payload);
// Strict parser (see the header comment).
[[nodiscard]] Result<VenuePayload> decode_venue_payload(ByteSpan raw);

// A decoded QR code with everything the phone needs. raw_payload is kept because it is
// the venue's identity (and what a host needs to warn).
struct ScannedVenue {
  VenuePayload payload;
  SecretBytes raw_payload;
  VenueLocationId location_id;
  VenueLocationTag location_tag{};
};

[[nodiscard]] Result<ScannedVenue> scan_venue_payload(ByteSpan raw);

// base_url + "#" + base64url(raw_payload). base_url must be an http(s) URL without a
// fragment; the payload must decode.
[[nodiscard]] Result<std::string> venue_url(std::string_view base_url, ByteSpan raw_payload);
// Accepts "http(s)://...#<base64url>" of at most kMaxVenueUrlBytes bytes whose fragment is a
// canonical base64url encoding of a valid payload; anything else is rejected.
[[nodiscard]] Result<ScannedVenue> parse_venue_url(std::string_view url);

// kFailedPrecondition when unix_seconds lies outside [valid_from, valid_until).
[[nodiscard]] Status check_venue_validity(const VenuePayload& payload, std::int64_t unix_seconds);

}  // namespace greenlight::wire

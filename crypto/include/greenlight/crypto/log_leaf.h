// The leaves of the greenlight transparency log (spec/protocol.md "Transparency log",
// reference/security.md section 2.1) and their one canonical binary encoding. A leaf holds
// only hashes, counts and windows, never content, so the log can outlive the 14-day
// retention of the content it describes. The Merkle leaf hash is
// merkle_leaf_hash(encode_log_leaf(leaf)).
//
// Encoding (all integers big-endian, strings as u8 length + bytes of printable ASCII
// 0x20..0x7E, at most kMaxLeafStringBytes), documented in docs/transparency.md:
//   u8 format version (1) | u8 kind | fields of the kind:
//   1 EXPORT_BATCH         zip_sha256[32] | window_start u64 | window_end u64 | key_count u32 |
//                          region str
//   2 VENUE_WARNING_BATCH  file_sha256[32] | window_start u64 | window_end u64 |
//                          report_count u32
//   3 RISK_CONFIG          config_sha256[32] | version u64
//   4 SIGNING_KEY_CHANGE   spki_sha256[32] | purpose u8 | key_id str | key_version str
//   5 VENUE_OWNER_POLICY   policy_sha256[32] | policy str | owner_wait_seconds u64
// Windows are UTC seconds, [start, end) with start <= end. decode_log_leaf accepts exactly the
// bytes encode_log_leaf produces (no trailing bytes, no unknown kind or purpose), so
// encode(decode(b)) == b for every accepted b.
// Thread-safety: pure functions over values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/merkle.h"
#include "greenlight/crypto/result.h"

namespace greenlight {

inline constexpr std::uint8_t kLogLeafFormatVersion = 1;
inline constexpr std::size_t kMaxLeafStringBytes = 64;

enum class LogLeafKind : std::uint8_t {
  kExportBatch = 1,
  kVenueWarningBatch = 2,
  kRiskConfig = 3,
  kSigningKeyChange = 4,
  kVenueOwnerPolicy = 5,
};

enum class SigningKeyPurpose : std::uint8_t {
  kExportSigning = 1,               // ECDSA P-256 key that signs export.sig
  kHealthAuthorityCertificate = 2,  // ES256 key that signs upload certificates
  kLogCheckpoint = 3,               // Ed25519 key that signs checkpoints
  kWitness = 4,                     // a witness's Ed25519 key
  kVenueWarning = 5,                // key that signs venue-warning batches
};

struct ExportBatchLeaf {
  Sha256Digest zip_sha256{};  // SHA-256 of the whole export zip as served
  std::uint64_t window_start = 0;
  std::uint64_t window_end = 0;
  std::uint32_t key_count = 0;
  std::string region;
  friend bool operator==(const ExportBatchLeaf&, const ExportBatchLeaf&) = default;
};

struct VenueWarningBatchLeaf {
  Sha256Digest file_sha256{};  // SHA-256 of the venue-warning file as served
  std::uint64_t window_start = 0;
  std::uint64_t window_end = 0;
  std::uint32_t report_count = 0;
  friend bool operator==(const VenueWarningBatchLeaf&, const VenueWarningBatchLeaf&) = default;
};

struct RiskConfigLeaf {
  Sha256Digest config_sha256{};  // SHA-256 of the signed risk configuration as served
  std::uint64_t version = 0;
  friend bool operator==(const RiskConfigLeaf&, const RiskConfigLeaf&) = default;
};

struct SigningKeyChangeLeaf {
  Sha256Digest spki_sha256{};  // SHA-256 of the DER SubjectPublicKeyInfo (or raw Ed25519 key)
  SigningKeyPurpose purpose = SigningKeyPurpose::kExportSigning;
  std::string key_id;       // e.g. the GAEN verification_key_id "310"
  std::string key_version;  // e.g. "v1"
  friend bool operator==(const SigningKeyChangeLeaf&, const SigningKeyChangeLeaf&) = default;
};

// The server's setting for positive visitors' venue reports whose venue owner does not take
// part (docs/venues.md "When the owner cannot be reached"): policy "require" or
// "host-only", how long pending reports wait, and the hash of the served policy file.
struct VenueOwnerPolicyLeaf {
  Sha256Digest policy_sha256{};
  std::string policy;
  std::uint64_t owner_wait_seconds = 0;
  friend bool operator==(const VenueOwnerPolicyLeaf&, const VenueOwnerPolicyLeaf&) = default;
};

using LogLeaf = std::variant<ExportBatchLeaf, VenueWarningBatchLeaf, RiskConfigLeaf,
                             SigningKeyChangeLeaf, VenueOwnerPolicyLeaf>;

LogLeafKind log_leaf_kind(const LogLeaf& leaf);
std::string_view log_leaf_kind_name(LogLeafKind kind);  // "EXPORT_BATCH", ...
std::string_view signing_key_purpose_name(SigningKeyPurpose purpose);
// The SHA-256 the leaf commits to (zip, file, config or SPKI).
const Sha256Digest& log_leaf_content_sha256(const LogLeaf& leaf);

// kInvalidArgument for a window with start > end or a string that is too long or not
// printable ASCII.
[[nodiscard]] Result<Bytes> encode_log_leaf(const LogLeaf& leaf);
[[nodiscard]] Result<LogLeaf> decode_log_leaf(ByteSpan encoded);

// merkle_leaf_hash(encoded).
MerkleHash log_leaf_hash(ByteSpan encoded);

// One human-readable line, e.g.
// "EXPORT_BATCH sha256=ab12... window=[1764000000,1764007200) keys=42 region=DE".
std::string describe_log_leaf(const LogLeaf& leaf);

}  // namespace greenlight

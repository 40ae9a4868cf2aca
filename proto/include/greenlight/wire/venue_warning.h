// Venue-warning batches and the venue part of an upload (proto/venue.proto,
// docs/venues.md "Published batches").
//
// File layout: the 16-byte header "GL Venue v2" (space padded) followed by a
// SignedVenueWarningBatch protobuf {batch bytes, signatures}. Each signature is ECDSA P-256
// over SHA-256 of the exact batch bytes (DER), keyed by (key id, key version) as in
// export.sig. Reading checks the size cap and the header, parses the two-field container
// (no unknown fields, at most max_signatures signatures), verifies a signature under a
// trusted key over the batch bytes *before* the batch is parsed, then checks every
// warning's field sizes (32-byte tag, 12-byte nonce, 96-byte ciphertext, 64-byte authority
// signature) and the count. The batch signature says only that the server published the
// file; whether a phone acts on a warning is decided per warning by check_venue_warning
// (owner and health authority, crypto/venue_crypto.h). Writing is deterministic for a given batch
// and signer (except for the ECDSA nonce). Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/result.h"
#include "greenlight/crypto/venue_crypto.h"
#include "greenlight/wire/export_file.h"

namespace greenlight::wire {

inline constexpr char kVenueWarningHeader[] = "GL Venue v2     ";  // 16 bytes
inline constexpr std::size_t kVenueWarningHeaderSize = 16;

struct VenueWarningBatch {
  std::uint64_t start_timestamp = 0;  // UTC seconds
  std::uint64_t end_timestamp = 0;
  std::string region;
  std::uint32_t batch_num = 1;
  std::vector<SealedVenueWarning> warnings;  // authorised by the health authority
};

struct VenueWarningReadLimits {
  std::size_t max_file_bytes = 16u << 20;
  std::size_t max_reports = 50000;
  std::size_t max_signatures = 8;
};

struct VerifiedVenueWarnings {
  VenueWarningBatch batch;
  Sha256Digest file_sha256{};  // hash of the whole file, as logged in the transparency log
  SignatureInfo signed_by;
};

// Signs the batch with every signer and returns the file bytes. At least one signer.
[[nodiscard]] Result<Bytes> write_venue_warning_file(const VenueWarningBatch& batch,
                                                     const std::vector<ExportSigner>& signers);

// Succeeds when a signature verifies under a trusted key whose id and version match.
// Signature failures give the generic authentication error.
[[nodiscard]] Result<VerifiedVenueWarnings> read_venue_warning_file(
    ByteSpan file, const std::vector<TrustedSigningKey>& trusted,
    const VenueWarningReadLimits& limits = {});

// The venue part of an upload: proto VenueReportUpload bytes. Decoding rejects unknown
// fields, wrong field sizes and more than max_reports reports.
inline constexpr std::size_t kMaxVenueReportsPerUpload = 512;
[[nodiscard]] Result<Bytes> encode_venue_report_upload(std::span<const SealedVenueReport> reports);
[[nodiscard]] Result<std::vector<SealedVenueReport>> decode_venue_report_upload(
    ByteSpan bytes, std::size_t max_reports = kMaxVenueReportsPerUpload);

// One report in a JSON upload ("venue_reports": [...], docs/api.md): base64 (standard
// alphabet, padded) of location_tag || nonce || ciphertext (76 bytes -> 104 characters).
inline constexpr std::size_t kVenueReportWireSize =
    kVenueLocationTagSize + kVenueReportNonceSize + kVenueReportCiphertextSize;
ByteArray<kVenueReportWireSize> venue_report_to_bytes(const SealedVenueReport& report);
[[nodiscard]] Result<SealedVenueReport> venue_report_from_bytes(ByteSpan bytes);
std::string venue_report_to_base64(const SealedVenueReport& report);
[[nodiscard]] Result<SealedVenueReport> venue_report_from_base64(std::string_view text);

// What a venue host's certificate binds (docs/venues.md "Host tools"): the tekmac of a
// host's submission is HMAC-SHA256(hmac_key, "GL-VENUE-HOST-V2" || location_tag), so the
// certificate covers one venue. The content of each warning is bound by the owner's
// signature inside it, which the server cannot read and phones check.
Sha256Digest venue_host_mac(ByteSpan hmac_key, const VenueLocationTag& location_tag);

// A warning as a host submits it: tag || nonce || ciphertext (140 bytes); as the server
// stores and publishes it, followed by the authority signature (204 bytes). In JSON:
// base64 (standard alphabet, padded) of the 140 bytes (188 characters).
inline constexpr std::size_t kVenueWarningWireSize =
    kVenueLocationTagSize + kVenueReportNonceSize + kVenueWarningCiphertextSize;
ByteArray<kVenueWarningWireSize> venue_warning_to_bytes(const SealedVenueWarning& warning);
Bytes venue_warning_to_stored_bytes(const SealedVenueWarning& warning);
// 140 bytes (authority_signature zero) or 204 bytes.
[[nodiscard]] Result<SealedVenueWarning> venue_warning_from_bytes(ByteSpan bytes);
std::string venue_warning_to_base64(const SealedVenueWarning& warning);
[[nodiscard]] Result<SealedVenueWarning> venue_warning_from_base64(std::string_view text);

}  // namespace greenlight::wire

// The GAEN key export file (reference/gaen.md section 3): a zip holding exactly
// export.bin ("EK Export v1" 16-byte header + TemporaryExposureKeyExport protobuf) and
// export.sig (TEKSignatureList; ECDSA P-256 over SHA-256 of the whole export.bin, DER).
//
// Writing: the export.bin bytes depend only on the batch (keys are written in the order
// given; the server sorts and pads them) and follow the reference server's field conventions,
// so its 135-byte example is reproduced byte for byte. The zip has fixed timestamps; only the
// ECDSA signatures (randomized) differ between two writes. Keys are range-checked before
// writing (rolling_period 1..144, rsin 0..2^31-1, TRL 0..8, report_type 0..5, DSOS -14..14).
//
// Reading, in this order: zip size cap; exactly the entries export.bin and export.sig (extra,
// missing and duplicate names rejected); per-entry caps checked on the zip header sizes before
// inflating and again on the bytes actually inflated (a lying header cannot make a bomb);
// stored or deflated only; the 16-byte header; the signature over the exact export.bin bytes
// with a trusted key matched by verification_key_id + verification_key_version (ECDSA
// P-256/SHA-256 only); only then the protobuf, and each key: key_data 16 bytes,
// rolling_period 1..144, rsin >= 0, report_type 0..5, DSOS -14..14 when present (TRL is
// deprecated and not range-checked on read). Errors name the field and what arrived
// ("keys[3].key_data must be 16 bytes, got 15"); every signature failure, unknown signing
// key included, is the generic authentication_failed(); caps give kResourceExhausted.
//
// Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/result.h"

namespace greenlight::wire {

inline constexpr char kEcdsaP256Sha256Oid[] = "1.2.840.10045.4.3.2";
// The fixed 16-byte prefix of export.bin: "EK Export v1" right-padded with spaces.
inline constexpr std::string_view kExportBinHeader = "EK Export v1    ";
inline constexpr std::string_view kExportBinEntryName = "export.bin";
inline constexpr std::string_view kExportSigEntryName = "export.sig";

struct SignatureInfo {
  std::string verification_key_version;  // e.g. "v1"
  std::string verification_key_id;       // e.g. "310"
  std::string signature_algorithm = kEcdsaP256Sha256Oid;
};

struct ExportBatch {
  std::uint64_t start_timestamp = 0;  // UTC seconds
  std::uint64_t end_timestamp = 0;
  std::string region;
  std::int32_t batch_num = 1;
  std::int32_t batch_size = 1;
  std::vector<SignatureInfo> signature_infos;
  std::vector<TemporaryExposureKey> keys;
  std::vector<TemporaryExposureKey> revised_keys;
};

struct ExportSigner {
  SignatureInfo info;
  EcdsaP256PrivateKey private_key;
};

// A public key the reader trusts, looked up by "<key_id>-<key_version>" as Android does.
struct TrustedSigningKey {
  std::string verification_key_id;
  std::string verification_key_version;
  EcdsaP256PublicKey public_key;
};

struct ExportReadLimits {
  std::size_t max_zip_bytes = 64u << 20;
  std::size_t max_export_bin_bytes = 64u << 20;
  std::size_t max_export_sig_bytes = 64u << 10;
};

struct VerifiedExport {
  ExportBatch batch;
  Sha256Digest zip_sha256{};  // hash of the whole zip, as logged in the transparency log
  SignatureInfo signed_by;    // the trusted key whose signature verified
};

// export.bin bytes: header + protobuf (proto2, the field conventions of the reference
// server: rolling_period omitted when 144, rolling_start omitted when 0, TRL always set).
[[nodiscard]] Result<Bytes> encode_export_bin(const ExportBatch& batch);
[[nodiscard]] Result<ExportBatch> decode_export_bin(ByteSpan export_bin);

// Signs export.bin with every signer (signature_infos of the batch should list them in
// the same order) and returns the zip bytes.
[[nodiscard]] Result<Bytes> write_export_zip(const ExportBatch& batch,
                                             const std::vector<ExportSigner>& signers);

// Verifies and parses. Succeeds when at least one signature in export.sig verifies under a
// trusted key whose id/version match its SignatureInfo.
[[nodiscard]] Result<VerifiedExport> read_export_zip(ByteSpan zip,
                                                     const std::vector<TrustedSigningKey>& trusted,
                                                     const ExportReadLimits& limits = {});

// For `greenlight export inspect` without a key: parses without verifying. Applies the same
// structural checks and limits. The returned signatures are the raw TEKSignature entries.
struct UnverifiedExport {
  ExportBatch batch;
  Bytes export_bin;
  std::vector<std::pair<SignatureInfo, Bytes>> signatures;
};
[[nodiscard]] Result<UnverifiedExport> read_export_zip_unverified(
    ByteSpan zip, const ExportReadLimits& limits = {});

// The TEKSignature entries of export.sig, with the zip's structural checks and limits, without
// parsing export.bin: what a verifier needs to pick keys before anything unauthenticated is
// parsed (`greenlight export inspect --public-key`).
[[nodiscard]] Result<std::vector<struct ExportSignature>> read_export_signatures(
    ByteSpan zip, const ExportReadLimits& limits = {});

// --- Lower-level pieces (used by the functions above; public for tests and tools). ---

// One TEKSignature entry of export.sig.
struct ExportSignature {
  SignatureInfo info;
  std::int32_t batch_num = 1;
  std::int32_t batch_size = 1;
  Bytes signature;  // DER ECDSA over SHA-256(export.bin)
};

// export.sig bytes (TEKSignatureList), entries in the order given. Deterministic: the
// same signatures always give the same bytes.
[[nodiscard]] Result<Bytes> encode_signature_list(const std::vector<ExportSignature>& signatures);
[[nodiscard]] Result<std::vector<ExportSignature>> decode_signature_list(ByteSpan export_sig);

// The zip container: export.bin then export.sig, deflate, fixed timestamps (1980-01-01),
// so equal inputs give equal zip bytes.
[[nodiscard]] Result<Bytes> make_export_zip(ByteSpan export_bin, ByteSpan export_sig);

// Sorts keys by key_data bytes (the order the reference server publishes, which hides the
// order of submission).
void sort_keys_by_key_data(std::vector<TemporaryExposureKey>& keys);

}  // namespace greenlight::wire

#include "greenlight/crypto/venue_crypto.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "greenlight/crypto/aead.h"
#include "greenlight/crypto/hash.h"

namespace greenlight {
namespace {

constexpr std::string_view kVenueIdLabel = "GL-VENUE-ID";
constexpr std::string_view kVenueReportInfo = "GL-VENUE-REPORT";
constexpr std::string_view kOwnerLabel = "GL-VENUE-OWNER-V2";
constexpr std::string_view kAuthorityLabel = "GL-VENUE-HA-V2";

Bytes owner_message(const VenueLocationTag& tag, ByteSpan record16) {
  Bytes m(kOwnerLabel.begin(), kOwnerLabel.end());
  m.insert(m.end(), tag.begin(), tag.end());
  m.insert(m.end(), record16.begin(), record16.end());
  return m;
}

}  // namespace

VenueLocationId venue_location_id(ByteSpan raw_payload) {
  Sha256 hasher;
  hasher.update(as_bytes(kVenueIdLabel));
  hasher.update(raw_payload);
  Sha256Digest digest = hasher.finish();
  VenueLocationId id(digest);
  secure_wipe(digest.data(), digest.size());
  return id;
}

VenueLocationTag venue_location_tag(const VenueLocationId& location_id) {
  return sha256(location_id.span());
}

AeadKey venue_report_key(const VenueLocationId& location_id) {
  auto okm = hkdf_sha256(location_id.span(), {}, as_bytes(kVenueReportInfo), kAeadKeySize);
  // Only a length above 255 * 32 can make HKDF fail; 32 is a constant.
  if (!okm) std::abort();
  auto key = AeadKey::from_bytes(okm->span());
  if (!key) std::abort();
  return *key;
}

Result<ByteArray<kVenueReportRecordSize>> encode_venue_report_record(
    const VenueReportRecord& record) {
  if (record.duration_intervals < 1 ||
      record.duration_intervals > kVenueReportMaxDurationIntervals) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue report duration must be 1.." +
                          std::to_string(kVenueReportMaxDurationIntervals) + " intervals, got " +
                          std::to_string(record.duration_intervals));
  }
  if (record.risk_level < kVenueReportMinRiskLevel ||
      record.risk_level > kVenueReportMaxRiskLevel) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue report risk level must be " +
                          std::to_string(kVenueReportMinRiskLevel) + ".." +
                          std::to_string(kVenueReportMaxRiskLevel) + ", got " +
                          std::to_string(record.risk_level));
  }
  ByteArray<kVenueReportRecordSize> out{};
  out[0] = kVenueReportRecordVersion;
  const std::uint32_t start = record.start_interval.value;
  out[1] = static_cast<std::uint8_t>(start >> 24);
  out[2] = static_cast<std::uint8_t>(start >> 16);
  out[3] = static_cast<std::uint8_t>(start >> 8);
  out[4] = static_cast<std::uint8_t>(start);
  out[5] = static_cast<std::uint8_t>(record.duration_intervals >> 8);
  out[6] = static_cast<std::uint8_t>(record.duration_intervals);
  out[7] = record.risk_level;
  return out;
}

Result<VenueReportRecord> decode_venue_report_record(ByteSpan bytes) {
  if (bytes.size() != kVenueReportRecordSize) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue report record must be " + std::to_string(kVenueReportRecordSize) +
                          " bytes, got " + std::to_string(bytes.size()));
  }
  if (bytes[0] != kVenueReportRecordVersion) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue report record version must be 1, got " + std::to_string(bytes[0]));
  }
  for (std::size_t i = 8; i < kVenueReportRecordSize; ++i) {
    if (bytes[i] != 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        "venue report record padding byte " + std::to_string(i) + " is not zero");
    }
  }
  VenueReportRecord record;
  record.start_interval.value = (std::uint32_t{bytes[1]} << 24) | (std::uint32_t{bytes[2]} << 16) |
                                (std::uint32_t{bytes[3]} << 8) | std::uint32_t{bytes[4]};
  record.duration_intervals = (std::uint32_t{bytes[5]} << 8) | std::uint32_t{bytes[6]};
  record.risk_level = bytes[7];
  // Re-encoding applies the same range checks as encoding.
  auto check = encode_venue_report_record(record);
  GL_RETURN_IF_ERROR(check);
  return record;
}

Result<SealedVenueReport> seal_venue_report(const VenueLocationId& location_id,
                                            const VenueReportRecord& record, RandomSource& rng) {
  auto plaintext = encode_venue_report_record(record);
  GL_RETURN_IF_ERROR(plaintext);
  SealedVenueReport report;
  report.location_tag = venue_location_tag(location_id);
  rng.fill(report.nonce);
  const AeadKey key = venue_report_key(location_id);
  auto sealed = key.seal(report.nonce, *plaintext, report.location_tag);
  secure_wipe(plaintext->data(), plaintext->size());
  GL_RETURN_IF_ERROR(sealed);
  if (sealed->size() != kVenueReportCiphertextSize) {
    return make_error(ErrorCode::kInternal, "AEAD produced " + std::to_string(sealed->size()) +
                                                " bytes, expected " +
                                                std::to_string(kVenueReportCiphertextSize));
  }
  for (std::size_t i = 0; i < kVenueReportCiphertextSize; ++i) report.ciphertext[i] = (*sealed)[i];
  return report;
}

Result<VenueReportRecord> open_venue_report(const VenueLocationId& location_id,
                                            const SealedVenueReport& report) {
  const VenueLocationTag tag = venue_location_tag(location_id);
  if (!constant_time_equal(tag, report.location_tag)) return authentication_failed();
  const AeadKey key = venue_report_key(location_id);
  auto plaintext = key.open(report.nonce, report.ciphertext, report.location_tag);
  if (!plaintext) return authentication_failed();
  auto record = decode_venue_report_record(plaintext->span());
  // A record that authenticates but does not decode was made by a holder of the key with a
  // broken or foreign encoder; to the caller it is the same as a report that does not open.
  if (!record) return authentication_failed();
  return *record;
}

SealedVenueReport make_fake_venue_report(RandomSource& rng) {
  SealedVenueReport report;
  rng.fill(report.location_tag);
  rng.fill(report.nonce);
  rng.fill(report.ciphertext);
  return report;
}

Result<SealedVenueWarning> seal_venue_warning(const VenueLocationId& location_id,
                                              const VenueReportRecord& record,
                                              VenueWarningOrigin origin,
                                              const Ed25519PrivateKey& owner, RandomSource& rng) {
  if (origin != VenueWarningOrigin::kHostWarning && origin != VenueWarningOrigin::kVisitorRelease) {
    return make_error(ErrorCode::kInvalidArgument, "venue warning origin must be 1 or 2");
  }
  auto base = encode_venue_report_record(record);
  GL_RETURN_IF_ERROR(base);
  ByteArray<kVenueWarningRecordSize> plaintext{};
  std::copy(base->begin(), base->end(), plaintext.begin());
  plaintext[0] = kVenueWarningRecordVersion;
  plaintext[8] = static_cast<std::uint8_t>(origin);
  SealedVenueWarning warning;
  warning.location_tag = venue_location_tag(location_id);
  auto signature = owner.sign(
      owner_message(warning.location_tag, ByteSpan(plaintext.data(), kVenueReportRecordSize)));
  GL_RETURN_IF_ERROR(signature);
  std::copy(signature->begin(), signature->end(), plaintext.begin() + kVenueReportRecordSize);
  rng.fill(warning.nonce);
  const AeadKey key = venue_report_key(location_id);
  auto sealed = key.seal(warning.nonce, plaintext, warning.location_tag);
  secure_wipe(plaintext.data(), plaintext.size());
  GL_RETURN_IF_ERROR(sealed);
  if (sealed->size() != kVenueWarningCiphertextSize) {
    return make_error(ErrorCode::kInternal, "AEAD produced " + std::to_string(sealed->size()) +
                                                " bytes, expected " +
                                                std::to_string(kVenueWarningCiphertextSize));
  }
  std::copy(sealed->begin(), sealed->end(), warning.ciphertext.begin());
  return warning;
}

Bytes venue_warning_authority_message(const SealedVenueWarning& warning) {
  Bytes m(kAuthorityLabel.begin(), kAuthorityLabel.end());
  m.insert(m.end(), warning.location_tag.begin(), warning.location_tag.end());
  m.insert(m.end(), warning.nonce.begin(), warning.nonce.end());
  m.insert(m.end(), warning.ciphertext.begin(), warning.ciphertext.end());
  return m;
}

Status authorize_venue_warning(SealedVenueWarning& warning, const EcdsaP256PrivateKey& authority) {
  auto signature = authority.sign_raw(venue_warning_authority_message(warning));
  GL_RETURN_IF_ERROR(signature);
  if (signature->size() != kVenueAuthoritySignatureSize) {
    return make_error(ErrorCode::kInternal, "raw ECDSA signature is not 64 bytes");
  }
  std::copy(signature->begin(), signature->end(), warning.authority_signature.begin());
  return ok();
}

std::string_view venue_warning_verdict_name(VenueWarningVerdict verdict) {
  switch (verdict) {
    case VenueWarningVerdict::kAccepted:
      return "accepted";
    case VenueWarningVerdict::kNotThisVenue:
      return "not_this_venue";
    case VenueWarningVerdict::kNoAuthority:
      return "no_health_authority_signature";
    case VenueWarningVerdict::kUndecryptable:
      return "undecryptable";
    case VenueWarningVerdict::kLegacyVenue:
      return "legacy_venue_without_owner_key";
    case VenueWarningVerdict::kBadOwnerSignature:
      return "no_owner_signature";
  }
  return "unknown";
}

VenueWarningCheck check_venue_warning(const VenueLocationId& location_id,
                                      const std::optional<VenueOwnerPublicKey>& owner_public_key,
                                      std::span<const EcdsaP256PublicKey> authority_keys,
                                      const SealedVenueWarning& warning) {
  VenueWarningCheck check;
  const VenueLocationTag tag = venue_location_tag(location_id);
  if (!constant_time_equal(tag, warning.location_tag)) return check;
  const Bytes authority_message = venue_warning_authority_message(warning);
  bool authorised = false;
  for (const auto& key : authority_keys) {
    if (key.verify_raw(authority_message, warning.authority_signature)) {
      authorised = true;
      break;
    }
  }
  if (!authorised) {
    check.verdict = VenueWarningVerdict::kNoAuthority;
    return check;
  }
  const AeadKey key = venue_report_key(location_id);
  auto plaintext = key.open(warning.nonce, warning.ciphertext, warning.location_tag);
  check.verdict = VenueWarningVerdict::kUndecryptable;
  if (!plaintext) return check;
  const ByteSpan bytes = plaintext->span();
  if (bytes.size() != kVenueWarningRecordSize || bytes[0] != kVenueWarningRecordVersion) {
    return check;
  }
  const std::uint8_t origin = bytes[8];
  if (origin != static_cast<std::uint8_t>(VenueWarningOrigin::kHostWarning) &&
      origin != static_cast<std::uint8_t>(VenueWarningOrigin::kVisitorRelease)) {
    return check;
  }
  // The base record decoder checks ranges and zero padding: version 1 and origin 0 there.
  ByteArray<kVenueReportRecordSize> base{};
  std::copy(bytes.begin(), bytes.begin() + kVenueReportRecordSize, base.begin());
  base[0] = kVenueReportRecordVersion;
  base[8] = 0;
  auto record = decode_venue_report_record(base);
  if (!record) return check;
  if (!owner_public_key) {
    check.verdict = VenueWarningVerdict::kLegacyVenue;
    return check;
  }
  check.verdict = VenueWarningVerdict::kBadOwnerSignature;
  auto owner = Ed25519PublicKey::from_raw(*owner_public_key);
  if (!owner) return check;
  if (!owner->verify(owner_message(warning.location_tag, bytes.first(kVenueReportRecordSize)),
                     bytes.subspan(kVenueReportRecordSize))) {
    return check;
  }
  check.verdict = VenueWarningVerdict::kAccepted;
  check.record = *record;
  check.origin = static_cast<VenueWarningOrigin>(origin);
  return check;
}

}  // namespace greenlight

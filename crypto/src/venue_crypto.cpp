#include "greenlight/crypto/venue_crypto.h"

#include <cstdlib>
#include <string>

#include "greenlight/crypto/aead.h"
#include "greenlight/crypto/hash.h"

namespace greenlight {
namespace {

constexpr std::string_view kVenueIdLabel = "GL-VENUE-ID";
constexpr std::string_view kVenueReportInfo = "GL-VENUE-REPORT";

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

SecretArray<32> venue_report_key(const VenueLocationId& location_id) {
  auto okm = hkdf_sha256(location_id.span(), {}, as_bytes(kVenueReportInfo), 32);
  // Only a length above 255 * 32 can make HKDF fail; 32 is a constant.
  if (!okm) std::abort();
  return SecretArray<32>(okm->span());
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
  if (!check) return std::unexpected(check.error());
  return record;
}

Result<SealedVenueReport> seal_venue_report(const VenueLocationId& location_id,
                                            const VenueReportRecord& record, RandomSource& rng) {
  auto plaintext = encode_venue_report_record(record);
  if (!plaintext) return std::unexpected(plaintext.error());
  SealedVenueReport report;
  report.location_tag = venue_location_tag(location_id);
  rng.fill(report.nonce);
  const SecretArray<32> key = venue_report_key(location_id);
  auto sealed = aead_seal(key.span(), report.nonce, *plaintext, report.location_tag);
  secure_wipe(plaintext->data(), plaintext->size());
  if (!sealed) return std::unexpected(sealed.error());
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
  const SecretArray<32> key = venue_report_key(location_id);
  auto plaintext = aead_open(key.span(), report.nonce, report.ciphertext, report.location_tag);
  if (!plaintext) return authentication_failed();
  SecretBytes wiped(*plaintext);
  secure_wipe(plaintext->data(), plaintext->size());
  auto record = decode_venue_report_record(wiped.span());
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

}  // namespace greenlight

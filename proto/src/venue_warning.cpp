#include "greenlight/wire/venue_warning.h"

#include <google/protobuf/unknown_field_set.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "greenlight/proto/venue.pb.h"

namespace greenlight::wire {
namespace {

// Unknown fields survive parsing and re-encoding in proto3; a strict reader rejects them.
bool has_no_unknown_fields(const google::protobuf::Message& msg) {
  return msg.GetReflection()->GetUnknownFields(msg).empty();
}

template <std::size_t N>
Status copy_fixed(std::string_view field, const std::string& in, ByteArray<N>& out,
                  std::size_t index) {
  if (in.size() != N) {
    return make_error(ErrorCode::kInvalidArgument,
                      "report " + std::to_string(index) + ": " + std::string(field) + " must be " +
                          std::to_string(N) + " bytes, got " + std::to_string(in.size()));
  }
  std::memcpy(out.data(), in.data(), N);
  return ok();
}

void to_proto(const SealedVenueReport& report, proto::ProtectedReport& msg) {
  msg.set_location_tag(report.location_tag.data(), report.location_tag.size());
  msg.set_nonce(report.nonce.data(), report.nonce.size());
  msg.set_ciphertext(report.ciphertext.data(), report.ciphertext.size());
}

Result<SealedVenueReport> from_proto(const proto::ProtectedReport& msg, std::size_t index) {
  if (!has_no_unknown_fields(msg)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "report " + std::to_string(index) + " has unknown fields");
  }
  SealedVenueReport report;
  GL_RETURN_IF_ERROR(copy_fixed("location_tag", msg.location_tag(), report.location_tag, index));
  GL_RETURN_IF_ERROR(copy_fixed("nonce", msg.nonce(), report.nonce, index));
  GL_RETURN_IF_ERROR(copy_fixed("ciphertext", msg.ciphertext(), report.ciphertext, index));
  if (!msg.authority_signature().empty()) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "report " + std::to_string(index) + ": a visitor report carries no authority_signature");
  }
  return report;
}

void warning_to_proto(const SealedVenueWarning& warning, proto::ProtectedReport& msg) {
  msg.set_location_tag(warning.location_tag.data(), warning.location_tag.size());
  msg.set_nonce(warning.nonce.data(), warning.nonce.size());
  msg.set_ciphertext(warning.ciphertext.data(), warning.ciphertext.size());
  msg.set_authority_signature(warning.authority_signature.data(),
                              warning.authority_signature.size());
}

Result<SealedVenueWarning> warning_from_proto(const proto::ProtectedReport& msg,
                                              std::size_t index) {
  if (!has_no_unknown_fields(msg)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "warning " + std::to_string(index) + " has unknown fields");
  }
  SealedVenueWarning w;
  GL_RETURN_IF_ERROR(copy_fixed("location_tag", msg.location_tag(), w.location_tag, index));
  GL_RETURN_IF_ERROR(copy_fixed("nonce", msg.nonce(), w.nonce, index));
  GL_RETURN_IF_ERROR(copy_fixed("ciphertext", msg.ciphertext(), w.ciphertext, index));
  GL_RETURN_IF_ERROR(
      copy_fixed("authority_signature", msg.authority_signature(), w.authority_signature, index));
  return w;
}

Bytes serialize(const google::protobuf::MessageLite& msg) {
  std::string out;
  msg.SerializeToString(&out);
  return Bytes(out.begin(), out.end());
}

const TrustedSigningKey* find_trusted(const std::vector<TrustedSigningKey>& trusted,
                                      const proto::VenueBatchSignature& sig) {
  for (const auto& key : trusted) {
    if (key.verification_key_id == sig.verification_key_id() &&
        key.verification_key_version == sig.verification_key_version()) {
      return &key;
    }
  }
  return nullptr;
}

}  // namespace

Result<Bytes> write_venue_warning_file(const VenueWarningBatch& batch,
                                       const std::vector<ExportSigner>& signers) {
  if (signers.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "a venue warning batch needs a signer");
  }
  if (batch.start_timestamp > batch.end_timestamp) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue batch start " + std::to_string(batch.start_timestamp) +
                          " is after its end " + std::to_string(batch.end_timestamp));
  }
  proto::VenueWarningBatch msg;
  msg.set_start_timestamp(batch.start_timestamp);
  msg.set_end_timestamp(batch.end_timestamp);
  msg.set_region(batch.region);
  msg.set_batch_num(batch.batch_num);
  msg.mutable_reports()->Reserve(static_cast<int>(batch.warnings.size()));
  for (const auto& warning : batch.warnings) warning_to_proto(warning, *msg.add_reports());
  const Bytes batch_bytes = serialize(msg);

  proto::SignedVenueWarningBatch signed_msg;
  signed_msg.set_batch(batch_bytes.data(), batch_bytes.size());
  for (const auto& signer : signers) {
    auto signature = signer.private_key.sign(batch_bytes);
    GL_RETURN_IF_ERROR(signature);
    auto* sig = signed_msg.add_signatures();
    sig->set_verification_key_id(signer.info.verification_key_id);
    sig->set_verification_key_version(signer.info.verification_key_version);
    sig->set_signature(signature->data(), signature->size());
  }
  Bytes out(kVenueWarningHeader, kVenueWarningHeader + kVenueWarningHeaderSize);
  const Bytes body = serialize(signed_msg);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Result<VerifiedVenueWarnings> read_venue_warning_file(ByteSpan file,
                                                      const std::vector<TrustedSigningKey>& trusted,
                                                      const VenueWarningReadLimits& limits) {
  if (file.size() > limits.max_file_bytes) {
    return make_error(ErrorCode::kResourceExhausted, "venue warning file must be at most " +
                                                         std::to_string(limits.max_file_bytes) +
                                                         " bytes, got " +
                                                         std::to_string(file.size()));
  }
  if (file.size() < kVenueWarningHeaderSize ||
      std::memcmp(file.data(), kVenueWarningHeader, kVenueWarningHeaderSize) != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue warning file must start with the header \"GL Venue v2\"");
  }
  const ByteSpan body = file.subspan(kVenueWarningHeaderSize);
  proto::SignedVenueWarningBatch signed_msg;
  if (!signed_msg.ParseFromArray(body.data(), static_cast<int>(body.size())) ||
      !has_no_unknown_fields(signed_msg)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue warning file body is not a SignedVenueWarningBatch");
  }
  if (static_cast<std::size_t>(signed_msg.signatures_size()) > limits.max_signatures) {
    return make_error(ErrorCode::kResourceExhausted,
                      "venue warning file has " + std::to_string(signed_msg.signatures_size()) +
                          " signatures, at most " + std::to_string(limits.max_signatures) +
                          " allowed");
  }
  const ByteSpan batch_bytes = as_bytes(signed_msg.batch());
  const TrustedSigningKey* verified_by = nullptr;
  for (const auto& sig : signed_msg.signatures()) {
    const TrustedSigningKey* key = find_trusted(trusted, sig);
    if (key == nullptr) continue;
    if (key->public_key.verify(batch_bytes, as_bytes(sig.signature()))) {
      verified_by = key;
      break;
    }
  }
  if (verified_by == nullptr) return authentication_failed();

  proto::VenueWarningBatch msg;
  if (!msg.ParseFromArray(batch_bytes.data(), static_cast<int>(batch_bytes.size())) ||
      !has_no_unknown_fields(msg)) {
    return make_error(ErrorCode::kInvalidArgument, "signed venue batch is not a VenueWarningBatch");
  }
  if (static_cast<std::size_t>(msg.reports_size()) > limits.max_reports) {
    return make_error(ErrorCode::kResourceExhausted,
                      "venue batch has " + std::to_string(msg.reports_size()) +
                          " reports, at most " + std::to_string(limits.max_reports) + " allowed");
  }
  VerifiedVenueWarnings out;
  out.batch.start_timestamp = msg.start_timestamp();
  out.batch.end_timestamp = msg.end_timestamp();
  out.batch.region = msg.region();
  out.batch.batch_num = msg.batch_num();
  out.batch.warnings.reserve(static_cast<std::size_t>(msg.reports_size()));
  for (int i = 0; i < msg.reports_size(); ++i) {
    auto warning = warning_from_proto(msg.reports(i), static_cast<std::size_t>(i));
    GL_RETURN_IF_ERROR(warning);
    out.batch.warnings.push_back(*warning);
  }
  out.file_sha256 = sha256(file);
  out.signed_by.verification_key_id = verified_by->verification_key_id;
  out.signed_by.verification_key_version = verified_by->verification_key_version;
  return out;
}

Result<Bytes> encode_venue_report_upload(std::span<const SealedVenueReport> reports) {
  if (reports.size() > kMaxVenueReportsPerUpload) {
    return make_error(ErrorCode::kResourceExhausted,
                      "an upload carries at most " + std::to_string(kMaxVenueReportsPerUpload) +
                          " venue reports, got " + std::to_string(reports.size()));
  }
  proto::VenueReportUpload msg;
  for (const auto& report : reports) to_proto(report, *msg.add_reports());
  return serialize(msg);
}

Result<std::vector<SealedVenueReport>> decode_venue_report_upload(ByteSpan bytes,
                                                                  std::size_t max_reports) {
  // Each report is 3 length-delimited fields inside one: 2 + 34 + 14 + 34 = 84 bytes.
  constexpr std::size_t kEncodedReportBytes = 2 + 34 + 14 + 34;
  if (bytes.size() > max_reports * kEncodedReportBytes) {
    return make_error(ErrorCode::kResourceExhausted,
                      "venue report upload of " + std::to_string(bytes.size()) +
                          " bytes exceeds the cap of " + std::to_string(max_reports) + " reports");
  }
  proto::VenueReportUpload msg;
  if (!msg.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
      !has_no_unknown_fields(msg)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "venue report upload is not a VenueReportUpload protobuf");
  }
  if (static_cast<std::size_t>(msg.reports_size()) > max_reports) {
    return make_error(ErrorCode::kResourceExhausted,
                      "venue report upload has " + std::to_string(msg.reports_size()) +
                          " reports, at most " + std::to_string(max_reports) + " allowed");
  }
  std::vector<SealedVenueReport> out;
  out.reserve(static_cast<std::size_t>(msg.reports_size()));
  for (int i = 0; i < msg.reports_size(); ++i) {
    auto report = from_proto(msg.reports(i), static_cast<std::size_t>(i));
    GL_RETURN_IF_ERROR(report);
    out.push_back(*report);
  }
  return out;
}

ByteArray<kVenueReportWireSize> venue_report_to_bytes(const SealedVenueReport& report) {
  ByteArray<kVenueReportWireSize> out{};
  auto it = std::copy(report.location_tag.begin(), report.location_tag.end(), out.begin());
  it = std::copy(report.nonce.begin(), report.nonce.end(), it);
  std::copy(report.ciphertext.begin(), report.ciphertext.end(), it);
  return out;
}

Result<SealedVenueReport> venue_report_from_bytes(ByteSpan bytes) {
  if (bytes.size() != kVenueReportWireSize) {
    return make_error(ErrorCode::kInvalidArgument,
                      "a venue report must be " + std::to_string(kVenueReportWireSize) +
                          " bytes, got " + std::to_string(bytes.size()));
  }
  SealedVenueReport report;
  std::size_t at = 0;
  std::memcpy(report.location_tag.data(), bytes.data() + at, report.location_tag.size());
  at += report.location_tag.size();
  std::memcpy(report.nonce.data(), bytes.data() + at, report.nonce.size());
  at += report.nonce.size();
  std::memcpy(report.ciphertext.data(), bytes.data() + at, report.ciphertext.size());
  return report;
}

std::string venue_report_to_base64(const SealedVenueReport& report) {
  return base64_encode(venue_report_to_bytes(report));
}

Result<SealedVenueReport> venue_report_from_base64(std::string_view text) {
  constexpr std::size_t kChars = (kVenueReportWireSize + 2) / 3 * 4;
  if (text.size() != kChars) {
    return make_error(ErrorCode::kInvalidArgument,
                      "a venue report must be " + std::to_string(kChars) +
                          " base64 characters, got " + std::to_string(text.size()));
  }
  auto bytes = base64_decode(text);
  GL_RETURN_IF_ERROR(bytes);
  return venue_report_from_bytes(*bytes);
}

Sha256Digest venue_host_mac(ByteSpan hmac_key, const VenueLocationTag& location_tag) {
  constexpr std::string_view kLabel = "GL-VENUE-HOST-V2";
  Bytes message(kLabel.begin(), kLabel.end());
  message.insert(message.end(), location_tag.begin(), location_tag.end());
  return hmac_sha256(hmac_key, message);
}

ByteArray<kVenueWarningWireSize> venue_warning_to_bytes(const SealedVenueWarning& warning) {
  ByteArray<kVenueWarningWireSize> out{};
  auto it = std::copy(warning.location_tag.begin(), warning.location_tag.end(), out.begin());
  it = std::copy(warning.nonce.begin(), warning.nonce.end(), it);
  std::copy(warning.ciphertext.begin(), warning.ciphertext.end(), it);
  return out;
}

Result<SealedVenueWarning> venue_warning_from_bytes(ByteSpan bytes) {
  if (bytes.size() != kVenueWarningWireSize &&
      bytes.size() != kVenueWarningWireSize + kVenueAuthoritySignatureSize) {
    return make_error(ErrorCode::kInvalidArgument,
                      "a venue warning must be " + std::to_string(kVenueWarningWireSize) + " or " +
                          std::to_string(kVenueWarningWireSize + kVenueAuthoritySignatureSize) +
                          " bytes, got " + std::to_string(bytes.size()));
  }
  SealedVenueWarning w;
  std::size_t at = 0;
  std::memcpy(w.location_tag.data(), bytes.data() + at, w.location_tag.size());
  at += w.location_tag.size();
  std::memcpy(w.nonce.data(), bytes.data() + at, w.nonce.size());
  at += w.nonce.size();
  std::memcpy(w.ciphertext.data(), bytes.data() + at, w.ciphertext.size());
  at += w.ciphertext.size();
  if (bytes.size() > at) {
    std::memcpy(w.authority_signature.data(), bytes.data() + at, w.authority_signature.size());
  }
  return w;
}

Bytes venue_warning_to_stored_bytes(const SealedVenueWarning& warning) {
  const auto base = venue_warning_to_bytes(warning);
  Bytes out(base.begin(), base.end());
  out.insert(out.end(), warning.authority_signature.begin(), warning.authority_signature.end());
  return out;
}

std::string venue_warning_to_base64(const SealedVenueWarning& warning) {
  return base64_encode(venue_warning_to_bytes(warning));
}

Result<SealedVenueWarning> venue_warning_from_base64(std::string_view text) {
  constexpr std::size_t kChars = (kVenueWarningWireSize + 2) / 3 * 4;
  if (text.size() != kChars) {
    return make_error(ErrorCode::kInvalidArgument,
                      "a venue warning must be " + std::to_string(kChars) +
                          " base64 characters, got " + std::to_string(text.size()));
  }
  auto bytes = base64_decode(text);
  GL_RETURN_IF_ERROR(bytes);
  return venue_warning_from_bytes(*bytes);
}

}  // namespace greenlight::wire

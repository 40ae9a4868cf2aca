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
  if (auto s = copy_fixed("location_tag", msg.location_tag(), report.location_tag, index); !s) {
    return std::unexpected(s.error());
  }
  if (auto s = copy_fixed("nonce", msg.nonce(), report.nonce, index); !s) {
    return std::unexpected(s.error());
  }
  if (auto s = copy_fixed("ciphertext", msg.ciphertext(), report.ciphertext, index); !s) {
    return std::unexpected(s.error());
  }
  return report;
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
  msg.mutable_reports()->Reserve(static_cast<int>(batch.reports.size()));
  for (const auto& report : batch.reports) to_proto(report, *msg.add_reports());
  const Bytes batch_bytes = serialize(msg);

  proto::SignedVenueWarningBatch signed_msg;
  signed_msg.set_batch(batch_bytes.data(), batch_bytes.size());
  for (const auto& signer : signers) {
    auto signature = signer.private_key.sign(batch_bytes);
    if (!signature) return std::unexpected(signature.error());
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
                      "venue warning file must start with the header \"GL Venue v1\"");
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
  out.batch.reports.reserve(static_cast<std::size_t>(msg.reports_size()));
  for (int i = 0; i < msg.reports_size(); ++i) {
    auto report = from_proto(msg.reports(i), static_cast<std::size_t>(i));
    if (!report) return std::unexpected(report.error());
    out.batch.reports.push_back(*report);
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
    if (!report) return std::unexpected(report.error());
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
  if (!bytes) return std::unexpected(bytes.error());
  return venue_report_from_bytes(*bytes);
}

Sha256Digest venue_host_mac(ByteSpan hmac_key, std::span<const SealedVenueReport> reports) {
  std::vector<ByteArray<kVenueReportWireSize>> forms;
  forms.reserve(reports.size());
  for (const auto& r : reports) forms.push_back(venue_report_to_bytes(r));
  std::sort(forms.begin(), forms.end());
  constexpr std::string_view kLabel = "GL-VENUE-HOST-V1";
  Bytes message(kLabel.begin(), kLabel.end());
  for (const auto& f : forms) message.insert(message.end(), f.begin(), f.end());
  return hmac_sha256(hmac_key, message);
}

}  // namespace greenlight::wire

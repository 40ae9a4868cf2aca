#include "greenlight/crypto/log_leaf.h"

#include <algorithm>

namespace greenlight {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
// C++20 deduces this aggregate's arguments; clang 16 does not implement that yet.
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

class Writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u32(std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
      out_.push_back(static_cast<std::uint8_t>(v >> shift));
  }
  void u64(std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8)
      out_.push_back(static_cast<std::uint8_t>(v >> shift));
  }
  void digest(const Sha256Digest& d) { out_.insert(out_.end(), d.begin(), d.end()); }
  void str(std::string_view s) {
    u8(static_cast<std::uint8_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
  }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

class Reader {
 public:
  explicit Reader(ByteSpan in) : in_(in) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }
  std::size_t position() const { return pos_; }

  std::uint8_t u8() { return static_cast<std::uint8_t>(uint(1)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(uint(4)); }
  std::uint64_t u64() { return uint(8); }
  Sha256Digest digest() {
    Sha256Digest d{};
    if (!take(32)) return d;
    std::copy_n(in_.begin() + static_cast<std::ptrdiff_t>(pos_ - 32), 32, d.begin());
    return d;
  }
  std::string str() {
    const std::size_t len = u8();
    if (!take(len)) return {};
    return std::string(as_string_view(in_.subspan(pos_ - len, len)));
  }

 private:
  bool take(std::size_t n) {
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return false;
    }
    pos_ += n;
    return true;
  }
  std::uint64_t uint(std::size_t n) {
    if (!take(n)) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = pos_ - n; i < pos_; ++i) v = (v << 8) | in_[i];
    return v;
  }

  ByteSpan in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

Status check_string(std::string_view s, std::string_view field) {
  if (s.size() > kMaxLeafStringBytes) {
    return make_error(ErrorCode::kInvalidArgument, std::string(field) + " must be at most " +
                                                       std::to_string(kMaxLeafStringBytes) +
                                                       " bytes, got " + std::to_string(s.size()));
  }
  if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7E; })) {
    return make_error(ErrorCode::kInvalidArgument, std::string(field) + " must be printable ASCII");
  }
  return ok();
}

Status check_window(std::uint64_t start, std::uint64_t end) {
  if (start > end) {
    return make_error(ErrorCode::kInvalidArgument, "window start " + std::to_string(start) +
                                                       " is after its end " + std::to_string(end));
  }
  return ok();
}

bool is_known_purpose(std::uint8_t v) { return v >= 1 && v <= 5; }

Status validate(const LogLeaf& leaf) {
  return std::visit(Overloaded{
                        [](const ExportBatchLeaf& l) -> Status {
                          GL_RETURN_IF_ERROR(check_window(l.window_start, l.window_end));
                          return check_string(l.region, "region");
                        },
                        [](const VenueWarningBatchLeaf& l) -> Status {
                          return check_window(l.window_start, l.window_end);
                        },
                        [](const RiskConfigLeaf&) -> Status { return ok(); },
                        [](const SigningKeyChangeLeaf& l) -> Status {
                          if (!is_known_purpose(static_cast<std::uint8_t>(l.purpose))) {
                            return make_error(ErrorCode::kInvalidArgument,
                                              "unknown signing-key purpose");
                          }
                          GL_RETURN_IF_ERROR(check_string(l.key_id, "key id"));
                          return check_string(l.key_version, "key version");
                        },
                        [](const VenueOwnerPolicyLeaf& l) -> Status {
                          return check_string(l.policy, "venue owner policy");
                        },
                    },
                    leaf);
}

}  // namespace

LogLeafKind log_leaf_kind(const LogLeaf& leaf) {
  return std::visit(
      Overloaded{
          [](const ExportBatchLeaf&) { return LogLeafKind::kExportBatch; },
          [](const VenueWarningBatchLeaf&) { return LogLeafKind::kVenueWarningBatch; },
          [](const RiskConfigLeaf&) { return LogLeafKind::kRiskConfig; },
          [](const SigningKeyChangeLeaf&) { return LogLeafKind::kSigningKeyChange; },
          [](const VenueOwnerPolicyLeaf&) { return LogLeafKind::kVenueOwnerPolicy; },
      },
      leaf);
}

std::string_view log_leaf_kind_name(LogLeafKind kind) {
  switch (kind) {
    case LogLeafKind::kExportBatch:
      return "EXPORT_BATCH";
    case LogLeafKind::kVenueWarningBatch:
      return "VENUE_WARNING_BATCH";
    case LogLeafKind::kRiskConfig:
      return "RISK_CONFIG";
    case LogLeafKind::kSigningKeyChange:
      return "SIGNING_KEY_CHANGE";
    case LogLeafKind::kVenueOwnerPolicy:
      return "VENUE_OWNER_POLICY";
  }
  return "UNKNOWN";
}

std::string_view signing_key_purpose_name(SigningKeyPurpose purpose) {
  switch (purpose) {
    case SigningKeyPurpose::kExportSigning:
      return "export-signing";
    case SigningKeyPurpose::kHealthAuthorityCertificate:
      return "ha-certificate";
    case SigningKeyPurpose::kLogCheckpoint:
      return "log-checkpoint";
    case SigningKeyPurpose::kWitness:
      return "witness";
    case SigningKeyPurpose::kVenueWarning:
      return "venue-warning";
  }
  return "unknown";
}

const Sha256Digest& log_leaf_content_sha256(const LogLeaf& leaf) {
  return std::visit(
      Overloaded{
          [](const ExportBatchLeaf& l) -> const Sha256Digest& { return l.zip_sha256; },
          [](const VenueWarningBatchLeaf& l) -> const Sha256Digest& { return l.file_sha256; },
          [](const RiskConfigLeaf& l) -> const Sha256Digest& { return l.config_sha256; },
          [](const SigningKeyChangeLeaf& l) -> const Sha256Digest& { return l.spki_sha256; },
          [](const VenueOwnerPolicyLeaf& l) -> const Sha256Digest& { return l.policy_sha256; },
      },
      leaf);
}

Result<Bytes> encode_log_leaf(const LogLeaf& leaf) {
  GL_RETURN_IF_ERROR(validate(leaf));
  Writer w;
  w.u8(kLogLeafFormatVersion);
  w.u8(static_cast<std::uint8_t>(log_leaf_kind(leaf)));
  std::visit(Overloaded{
                 [&](const ExportBatchLeaf& l) {
                   w.digest(l.zip_sha256);
                   w.u64(l.window_start);
                   w.u64(l.window_end);
                   w.u32(l.key_count);
                   w.str(l.region);
                 },
                 [&](const VenueWarningBatchLeaf& l) {
                   w.digest(l.file_sha256);
                   w.u64(l.window_start);
                   w.u64(l.window_end);
                   w.u32(l.report_count);
                 },
                 [&](const RiskConfigLeaf& l) {
                   w.digest(l.config_sha256);
                   w.u64(l.version);
                 },
                 [&](const SigningKeyChangeLeaf& l) {
                   w.digest(l.spki_sha256);
                   w.u8(static_cast<std::uint8_t>(l.purpose));
                   w.str(l.key_id);
                   w.str(l.key_version);
                 },
                 [&](const VenueOwnerPolicyLeaf& l) {
                   w.digest(l.policy_sha256);
                   w.str(l.policy);
                   w.u64(l.owner_wait_seconds);
                 },
             },
             leaf);
  return w.take();
}

Result<LogLeaf> decode_log_leaf(ByteSpan encoded) {
  Reader r(encoded);
  const std::uint8_t version = r.u8();
  const std::uint8_t kind = r.u8();
  if (!r.ok()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "log leaf needs at least 2 bytes, got " + std::to_string(encoded.size()));
  }
  if (version != kLogLeafFormatVersion) {
    return make_error(ErrorCode::kInvalidArgument,
                      "log leaf format version must be 1, got " + std::to_string(version));
  }
  LogLeaf leaf;
  switch (kind) {
    case static_cast<std::uint8_t>(LogLeafKind::kExportBatch): {
      ExportBatchLeaf l;
      l.zip_sha256 = r.digest();
      l.window_start = r.u64();
      l.window_end = r.u64();
      l.key_count = r.u32();
      l.region = r.str();
      leaf = std::move(l);
      break;
    }
    case static_cast<std::uint8_t>(LogLeafKind::kVenueWarningBatch): {
      VenueWarningBatchLeaf l;
      l.file_sha256 = r.digest();
      l.window_start = r.u64();
      l.window_end = r.u64();
      l.report_count = r.u32();
      leaf = l;
      break;
    }
    case static_cast<std::uint8_t>(LogLeafKind::kRiskConfig): {
      RiskConfigLeaf l;
      l.config_sha256 = r.digest();
      l.version = r.u64();
      leaf = l;
      break;
    }
    case static_cast<std::uint8_t>(LogLeafKind::kSigningKeyChange): {
      SigningKeyChangeLeaf l;
      l.spki_sha256 = r.digest();
      const std::uint8_t purpose = r.u8();
      if (r.ok() && !is_known_purpose(purpose)) {
        return make_error(ErrorCode::kInvalidArgument,
                          "unknown signing-key purpose " + std::to_string(purpose));
      }
      l.purpose = static_cast<SigningKeyPurpose>(purpose);
      l.key_id = r.str();
      l.key_version = r.str();
      leaf = std::move(l);
      break;
    }
    case static_cast<std::uint8_t>(LogLeafKind::kVenueOwnerPolicy): {
      VenueOwnerPolicyLeaf l;
      l.policy_sha256 = r.digest();
      l.policy = r.str();
      l.owner_wait_seconds = r.u64();
      leaf = std::move(l);
      break;
    }
    default:
      return make_error(ErrorCode::kInvalidArgument,
                        "unknown log leaf kind " + std::to_string(kind));
  }
  if (!r.ok()) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(log_leaf_kind_name(static_cast<LogLeafKind>(kind))) +
                          " leaf is truncated (" + std::to_string(encoded.size()) + " bytes)");
  }
  if (!r.at_end()) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(log_leaf_kind_name(static_cast<LogLeafKind>(kind))) +
                          " leaf has " + std::to_string(encoded.size() - r.position()) +
                          " trailing bytes");
  }
  GL_RETURN_IF_ERROR(validate(leaf));
  return leaf;
}

MerkleHash log_leaf_hash(ByteSpan encoded) { return merkle_leaf_hash(encoded); }

std::string describe_log_leaf(const LogLeaf& leaf) {
  const auto window = [](std::uint64_t s, std::uint64_t e) {
    return " window=[" + std::to_string(s) + "," + std::to_string(e) + ")";
  };
  std::string out(log_leaf_kind_name(log_leaf_kind(leaf)));
  out += " sha256=" + to_hex(log_leaf_content_sha256(leaf));
  std::visit(Overloaded{
                 [&](const ExportBatchLeaf& l) {
                   out += window(l.window_start, l.window_end) +
                          " keys=" + std::to_string(l.key_count) + " region=" + l.region;
                 },
                 [&](const VenueWarningBatchLeaf& l) {
                   out += window(l.window_start, l.window_end) +
                          " reports=" + std::to_string(l.report_count);
                 },
                 [&](const RiskConfigLeaf& l) { out += " version=" + std::to_string(l.version); },
                 [&](const SigningKeyChangeLeaf& l) {
                   out += " purpose=" + std::string(signing_key_purpose_name(l.purpose)) +
                          " key_id=" + l.key_id + " key_version=" + l.key_version;
                 },
                 [&](const VenueOwnerPolicyLeaf& l) {
                   out += " policy=" + l.policy +
                          " owner_wait_seconds=" + std::to_string(l.owner_wait_seconds);
                 },
             },
             leaf);
  return out;
}

}  // namespace greenlight

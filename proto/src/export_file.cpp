// GAEN key export file <-> domain types (export_file.h, reference/gaen.md section 3).
#include "greenlight/wire/export_file.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/unknown_field_set.h>
#include <zip.h>

#include <algorithm>
#include <array>
#include <climits>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "greenlight/proto/export.pb.h"

namespace greenlight::wire {
namespace {

namespace pb = ::greenlight::proto;

constexpr std::int32_t kMinRollingPeriod = 1;
constexpr std::int32_t kMaxRollingPeriod = static_cast<std::int32_t>(kTekRollingPeriod);
constexpr std::int32_t kMaxTransmissionRiskLevel = 8;
constexpr std::int32_t kMaxDaysSinceOnset = 14;
constexpr std::int32_t kMaxReportType = static_cast<std::int32_t>(ReportType::kRevoked);
constexpr int kKeyReportTypeField = 5;
// Field numbers of TemporaryExposureKey that we read; an unknown field carrying one of them
// means the sender used a wrong wire type or (for report_type) an out-of-range enum value,
// which protobuf would otherwise drop silently.
constexpr std::array<int, 6> kKeyFieldsRead = {1, 2, 3, 4, 5, 6};
constexpr std::array<int, 8> kExportFieldsRead = {1, 2, 3, 4, 5, 6, 7, 8};
// MS-DOS date 1980-01-01 (the zip epoch) and time 00:00:00, so a zip does not depend on
// the clock of the machine that wrote it.
constexpr zip_uint16_t kZipDosDate = (1 << 5) | 1;
constexpr zip_uint16_t kZipDosTime = 0;
constexpr std::size_t kReadChunk = 64u << 10;
constexpr std::size_t kMaxReserve = 1u << 20;

std::unexpected<Error> invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

std::string indexed(std::string_view list, std::size_t index) {
  return std::string(list) + "[" + std::to_string(index) + "]";
}

// A zip entry name as it may appear in an error message: printable ASCII, bounded length.
std::string printable(std::string_view name) {
  constexpr std::size_t kMaxShown = 64;
  std::string out = "\"";
  for (std::size_t i = 0; i < name.size() && i < kMaxShown; ++i) {
    const char c = name[i];
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (name.size() > kMaxShown) out += "...";
  out += "\"";
  return out;
}

// Deterministic serialization (appended to out). No maps are involved, so protobuf emits the
// fields in field-number order, as the reference server's encoder does.
Status append_serialized(const google::protobuf::MessageLite& message, Bytes& out) {
  const std::size_t size = message.ByteSizeLong();
  if (size > static_cast<std::size_t>(INT_MAX)) {
    return make_error(ErrorCode::kResourceExhausted, "protobuf message must be below 2 GiB, got " +
                                                         std::to_string(size) + " bytes");
  }
  const std::size_t offset = out.size();
  out.resize(offset + size);
  google::protobuf::io::ArrayOutputStream array(out.data() + offset, static_cast<int>(size));
  google::protobuf::io::CodedOutputStream coded(&array);
  coded.SetSerializationDeterministic(true);
  message.SerializeWithCachedSizes(&coded);
  coded.Trim();
  if (coded.HadError() || static_cast<std::size_t>(coded.ByteCount()) != size) {
    return make_error(ErrorCode::kInternal, "protobuf serialization wrote an unexpected size");
  }
  return ok();
}

bool parse_message(ByteSpan bytes, google::protobuf::MessageLite& message) {
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) return false;
  return message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

// Rejects unknown fields whose number is one we read: see kKeyFieldsRead. enum_field names
// the closed-enum field (report_type) whose out-of-range values end up there.
Status check_known_fields_intact(const google::protobuf::Message& message,
                                 std::span<const int> fields_read, int enum_field,
                                 const std::string& where) {
  const auto& unknown = message.GetReflection()->GetUnknownFields(message);
  for (int i = 0; i < unknown.field_count(); ++i) {
    const auto& field = unknown.field(i);
    if (std::ranges::find(fields_read, field.number()) == fields_read.end()) continue;
    if (field.number() == enum_field &&
        field.type() == google::protobuf::UnknownField::TYPE_VARINT) {
      return invalid(where + ".report_type must be 0.." + std::to_string(kMaxReportType) +
                     ", got " + std::to_string(static_cast<std::int64_t>(field.varint())));
    }
    return invalid(where + ": field " + std::to_string(field.number()) +
                   " has the wrong protobuf wire type");
  }
  return ok();
}

Status check_range(std::int64_t value, std::int64_t low, std::int64_t high,
                   const std::string& what) {
  if (value < low || value > high) {
    return invalid(what + " must be " + std::to_string(low) + ".." + std::to_string(high) +
                   ", got " + std::to_string(value));
  }
  return ok();
}

// The checks a key must pass before we write it (a superset of what reading checks, so
// every file we write reads back).
Status validate_key_for_write(const TemporaryExposureKey& key, const std::string& where) {
  GL_RETURN_IF_ERROR(check_range(key.rolling_period, kMinRollingPeriod, kMaxRollingPeriod,
                                 where + ".rolling_period"));
  GL_RETURN_IF_ERROR(check_range(key.rolling_start_interval_number.value, 0, INT32_MAX,
                                 where + ".rolling_start_interval_number"));
  GL_RETURN_IF_ERROR(check_range(key.transmission_risk_level, 0, kMaxTransmissionRiskLevel,
                                 where + ".transmission_risk_level"));
  GL_RETURN_IF_ERROR(check_range(static_cast<std::int32_t>(key.report_type), 0, kMaxReportType,
                                 where + ".report_type"));
  if (key.days_since_onset_of_symptoms) {
    return check_range(*key.days_since_onset_of_symptoms, -kMaxDaysSinceOnset, kMaxDaysSinceOnset,
                       where + ".days_since_onset_of_symptoms");
  }
  return ok();
}

// transmission_risk_level is [deprecated = true] in the GAEN schema, yet deployed readers
// still expect it, so it is read and written here (and only here).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
void set_trl(pb::TemporaryExposureKey& key, std::int32_t trl) {
  key.set_transmission_risk_level(trl);
}
std::int32_t get_trl(const pb::TemporaryExposureKey& key) { return key.transmission_risk_level(); }
#pragma GCC diagnostic pop

// Field conventions of the reference server (exportfile.go): TRL always written,
// rolling_start omitted when 0, rolling_period omitted when 144, report_type omitted when
// UNKNOWN, days_since_onset written only when known.
void key_to_proto(const TemporaryExposureKey& key, pb::TemporaryExposureKey& out) {
  out.set_key_data(std::string(as_string_view(key.key_data.span())));
  set_trl(out, key.transmission_risk_level);
  if (key.rolling_start_interval_number.value != 0) {
    out.set_rolling_start_interval_number(
        static_cast<std::int32_t>(key.rolling_start_interval_number.value));
  }
  if (key.rolling_period != kTekRollingPeriod) {
    out.set_rolling_period(static_cast<std::int32_t>(key.rolling_period));
  }
  if (key.report_type != ReportType::kUnknown) {
    out.set_report_type(static_cast<pb::TemporaryExposureKey_ReportType>(key.report_type));
  }
  if (key.days_since_onset_of_symptoms) {
    out.set_days_since_onset_of_symptoms(*key.days_since_onset_of_symptoms);
  }
}

Result<TemporaryExposureKey> key_from_proto(const pb::TemporaryExposureKey& in,
                                            const std::string& where) {
  GL_RETURN_IF_ERROR(check_known_fields_intact(in, kKeyFieldsRead, kKeyReportTypeField, where));
  if (in.key_data().size() != Tek::size()) {
    return invalid(where + ".key_data must be " + std::to_string(Tek::size()) + " bytes, got " +
                   std::to_string(in.key_data().size()));
  }
  // rolling_period defaults to 144 when absent ([default = 144] in the proto).
  GL_RETURN_IF_ERROR(check_range(in.rolling_period(), kMinRollingPeriod, kMaxRollingPeriod,
                                 where + ".rolling_period"));
  GL_RETURN_IF_ERROR(check_range(in.rolling_start_interval_number(), 0, INT32_MAX,
                                 where + ".rolling_start_interval_number"));
  TemporaryExposureKey key;
  GL_ASSIGN_OR_RETURN(key.key_data, Tek::from_span(as_bytes(in.key_data())));
  key.rolling_start_interval_number = {
      static_cast<std::uint32_t>(in.rolling_start_interval_number())};
  key.rolling_period = static_cast<std::uint32_t>(in.rolling_period());
  // Not range-checked on read: TRL is deprecated and older files use values beyond 0..8.
  key.transmission_risk_level = get_trl(in);
  key.report_type = static_cast<ReportType>(in.report_type());
  if (in.has_days_since_onset_of_symptoms()) {
    GL_RETURN_IF_ERROR(check_range(in.days_since_onset_of_symptoms(), -kMaxDaysSinceOnset,
                                   kMaxDaysSinceOnset, where + ".days_since_onset_of_symptoms"));
    key.days_since_onset_of_symptoms = in.days_since_onset_of_symptoms();
  }
  return key;
}

void info_to_proto(const SignatureInfo& info, pb::SignatureInfo& out) {
  out.set_verification_key_version(info.verification_key_version);
  out.set_verification_key_id(info.verification_key_id);
  out.set_signature_algorithm(info.signature_algorithm);
}

SignatureInfo info_from_proto(const pb::SignatureInfo& in) {
  return {in.verification_key_version(), in.verification_key_id(), in.signature_algorithm()};
}

Status check_header(ByteSpan export_bin) {
  const ByteSpan expected = as_bytes(kExportBinHeader);
  if (export_bin.size() < expected.size() ||
      !std::equal(expected.begin(), expected.end(), export_bin.begin())) {
    return invalid("export.bin must start with the 16-byte header \"EK Export v1    \", got hex " +
                   to_hex(export_bin.first(std::min(export_bin.size(), expected.size()))));
  }
  return ok();
}

struct ZipErrorHolder {
  ZipErrorHolder() { zip_error_init(&error); }
  ~ZipErrorHolder() { zip_error_fini(&error); }
  ZipErrorHolder(const ZipErrorHolder&) = delete;
  ZipErrorHolder& operator=(const ZipErrorHolder&) = delete;
  zip_error_t error;
};
struct ZipArchiveDeleter {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
struct ZipSourceDeleter {
  void operator()(zip_source_t* source) const { zip_source_free(source); }
};
struct ZipFileDeleter {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};
using ZipArchive = std::unique_ptr<zip_t, ZipArchiveDeleter>;
using ZipSource = std::unique_ptr<zip_source_t, ZipSourceDeleter>;
using ZipFile = std::unique_ptr<zip_file_t, ZipFileDeleter>;

// Reads one entry, refusing to inflate more than cap bytes whatever the headers claim.
Result<Bytes> read_entry(zip_t* archive, zip_uint64_t index, std::string_view name,
                         std::size_t cap) {
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(archive, index, 0, &stat) != 0 || (stat.valid & ZIP_STAT_SIZE) == 0) {
    return invalid(std::string(name) + ": zip entry has no readable size");
  }
  if (stat.size > cap) {
    return make_error(ErrorCode::kResourceExhausted,
                      std::string(name) + " must be at most " + std::to_string(cap) +
                          " bytes, its zip header says " + std::to_string(stat.size));
  }
  if ((stat.valid & ZIP_STAT_ENCRYPTION_METHOD) != 0 && stat.encryption_method != ZIP_EM_NONE) {
    return invalid(std::string(name) + " must not be encrypted");
  }
  if ((stat.valid & ZIP_STAT_COMP_METHOD) != 0 && stat.comp_method != ZIP_CM_STORE &&
      stat.comp_method != ZIP_CM_DEFLATE) {
    return invalid(std::string(name) + " must be stored or deflated, got compression method " +
                   std::to_string(stat.comp_method));
  }
  ZipFile file(zip_fopen_index(archive, index, 0));
  if (!file) {
    return invalid(std::string(name) + " cannot be opened: " + zip_strerror(archive));
  }
  Bytes out;
  out.reserve(std::min(static_cast<std::size_t>(stat.size), kMaxReserve));
  std::array<std::uint8_t, kReadChunk> chunk;
  for (;;) {
    const zip_int64_t n = zip_fread(file.get(), chunk.data(), chunk.size());
    if (n < 0) {
      return invalid(std::string(name) + " is corrupt: " + zip_file_strerror(file.get()));
    }
    if (n == 0) break;
    const auto got = static_cast<std::size_t>(n);
    if (got > cap - out.size()) {
      return make_error(ErrorCode::kResourceExhausted, std::string(name) + " must be at most " +
                                                           std::to_string(cap) +
                                                           " bytes, it inflates to more");
    }
    out.insert(out.end(), chunk.begin(), chunk.begin() + n);
  }
  if (out.size() != stat.size) {
    return invalid(std::string(name) + ": zip header says " + std::to_string(stat.size) +
                   " bytes, got " + std::to_string(out.size()));
  }
  return out;
}

struct ExportEntries {
  Bytes export_bin;
  Bytes export_sig;
};

Result<ExportEntries> read_entries(ByteSpan zip, const ExportReadLimits& limits) {
  if (zip.size() > limits.max_zip_bytes) {
    return make_error(ErrorCode::kResourceExhausted,
                      "zip must be at most " + std::to_string(limits.max_zip_bytes) +
                          " bytes, got " + std::to_string(zip.size()));
  }
  ZipErrorHolder error;
  ZipSource source(zip_source_buffer_create(zip.data(), zip.size(), 0, &error.error));
  if (!source) return make_error(ErrorCode::kInternal, "cannot create a zip source");
  ZipArchive archive(zip_open_from_source(source.get(), ZIP_RDONLY | ZIP_CHECKCONS, &error.error));
  if (!archive) {
    if (zip_error_code_zip(&error.error) == ZIP_ER_EXISTS) {
      return invalid(
          "zip must hold each of export.bin and export.sig once, found a duplicate name");
    }
    return invalid(std::string("not a valid zip archive: ") + zip_error_strerror(&error.error));
  }
  source.release();  // owned by the archive from here on

  std::optional<zip_uint64_t> bin_index;
  std::optional<zip_uint64_t> sig_index;
  const zip_int64_t count = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    const auto index = static_cast<zip_uint64_t>(i);
    const char* raw_name = zip_get_name(archive.get(), index, ZIP_FL_ENC_RAW);
    if (raw_name == nullptr) return invalid("zip entry " + std::to_string(i) + " has no name");
    const std::string_view name(raw_name);
    std::optional<zip_uint64_t>* slot = name == kExportBinEntryName   ? &bin_index
                                        : name == kExportSigEntryName ? &sig_index
                                                                      : nullptr;
    if (slot == nullptr) {
      return invalid("zip must hold only export.bin and export.sig, found " + printable(name));
    }
    if (slot->has_value()) {
      return invalid("zip must hold " + std::string(name) + " once, found it twice");
    }
    *slot = index;
  }
  if (!bin_index) return invalid("zip must hold export.bin, it is missing");
  if (!sig_index) return invalid("zip must hold export.sig, it is missing");

  auto bin =
      read_entry(archive.get(), *bin_index, kExportBinEntryName, limits.max_export_bin_bytes);
  GL_RETURN_IF_ERROR(bin);
  auto sig =
      read_entry(archive.get(), *sig_index, kExportSigEntryName, limits.max_export_sig_bytes);
  GL_RETURN_IF_ERROR(sig);
  return ExportEntries{std::move(*bin), std::move(*sig)};
}

Result<SignatureInfo> verify_signatures(ByteSpan export_bin,
                                        const std::vector<ExportSignature>& signatures,
                                        const std::vector<TrustedSigningKey>& trusted) {
  for (const auto& signature : signatures) {
    if (signature.info.signature_algorithm != kEcdsaP256Sha256Oid) continue;
    for (const auto& key : trusted) {
      if (key.verification_key_id != signature.info.verification_key_id ||
          key.verification_key_version != signature.info.verification_key_version) {
        continue;
      }
      if (key.public_key.verify(export_bin, signature.signature)) return signature.info;
    }
  }
  return authentication_failed();
}

Status add_zip_entry(zip_t* archive, std::string_view name, ByteSpan data) {
  zip_source_t* source = zip_source_buffer(archive, data.data(), data.size(), 0);
  if (source == nullptr) {
    return make_error(ErrorCode::kInternal, std::string("zip: ") + zip_strerror(archive));
  }
  const zip_int64_t index = zip_file_add(archive, std::string(name).c_str(), source, 0);
  if (index < 0) {
    zip_source_free(source);
    return make_error(ErrorCode::kInternal, std::string("zip: ") + zip_strerror(archive));
  }
  const auto entry = static_cast<zip_uint64_t>(index);
  if (zip_set_file_compression(archive, entry, ZIP_CM_DEFLATE, 0) != 0 ||
      zip_file_set_dostime(archive, entry, kZipDosTime, kZipDosDate, 0) != 0) {
    return make_error(ErrorCode::kInternal, std::string("zip: ") + zip_strerror(archive));
  }
  return ok();
}

}  // namespace

Result<Bytes> encode_export_bin(const ExportBatch& batch) {
  pb::TemporaryExposureKeyExport message;
  message.set_start_timestamp(batch.start_timestamp);
  message.set_end_timestamp(batch.end_timestamp);
  message.set_region(batch.region);
  message.set_batch_num(batch.batch_num);
  message.set_batch_size(batch.batch_size);
  for (const auto& info : batch.signature_infos)
    info_to_proto(info, *message.add_signature_infos());
  for (std::size_t i = 0; i < batch.keys.size(); ++i) {
    GL_RETURN_IF_ERROR(validate_key_for_write(batch.keys[i], indexed("keys", i)));
    key_to_proto(batch.keys[i], *message.add_keys());
  }
  for (std::size_t i = 0; i < batch.revised_keys.size(); ++i) {
    GL_RETURN_IF_ERROR(validate_key_for_write(batch.revised_keys[i], indexed("revised_keys", i)));
    key_to_proto(batch.revised_keys[i], *message.add_revised_keys());
  }
  Bytes out(kExportBinHeader.begin(), kExportBinHeader.end());
  GL_RETURN_IF_ERROR(append_serialized(message, out));
  return out;
}

Result<ExportBatch> decode_export_bin(ByteSpan export_bin) {
  GL_RETURN_IF_ERROR(check_header(export_bin));
  pb::TemporaryExposureKeyExport message;
  if (!parse_message(export_bin.subspan(kExportBinHeader.size()), message)) {
    return invalid("export.bin must hold a TemporaryExposureKeyExport protobuf after the header");
  }
  GL_RETURN_IF_ERROR(check_known_fields_intact(message, kExportFieldsRead, 0, "export.bin"));
  ExportBatch batch;
  batch.start_timestamp = message.start_timestamp();
  batch.end_timestamp = message.end_timestamp();
  batch.region = message.region();
  batch.batch_num = message.batch_num();
  batch.batch_size = message.batch_size();
  for (const auto& info : message.signature_infos()) {
    batch.signature_infos.push_back(info_from_proto(info));
  }
  batch.keys.reserve(static_cast<std::size_t>(message.keys_size()));
  for (int i = 0; i < message.keys_size(); ++i) {
    auto key = key_from_proto(message.keys(i), indexed("keys", static_cast<std::size_t>(i)));
    GL_RETURN_IF_ERROR(key);
    batch.keys.push_back(std::move(*key));
  }
  batch.revised_keys.reserve(static_cast<std::size_t>(message.revised_keys_size()));
  for (int i = 0; i < message.revised_keys_size(); ++i) {
    auto key = key_from_proto(message.revised_keys(i),
                              indexed("revised_keys", static_cast<std::size_t>(i)));
    GL_RETURN_IF_ERROR(key);
    batch.revised_keys.push_back(std::move(*key));
  }
  return batch;
}

Result<Bytes> encode_signature_list(const std::vector<ExportSignature>& signatures) {
  pb::TEKSignatureList list;
  for (const auto& signature : signatures) {
    auto* entry = list.add_signatures();
    info_to_proto(signature.info, *entry->mutable_signature_info());
    entry->set_batch_num(signature.batch_num);
    entry->set_batch_size(signature.batch_size);
    entry->set_signature(std::string(as_string_view(signature.signature)));
  }
  Bytes out;
  GL_RETURN_IF_ERROR(append_serialized(list, out));
  return out;
}

Result<std::vector<ExportSignature>> decode_signature_list(ByteSpan export_sig) {
  pb::TEKSignatureList list;
  if (!parse_message(export_sig, list)) {
    return invalid("export.sig must hold a TEKSignatureList protobuf");
  }
  std::vector<ExportSignature> out;
  out.reserve(static_cast<std::size_t>(list.signatures_size()));
  for (const auto& entry : list.signatures()) {
    const auto& der = entry.signature();
    out.push_back({info_from_proto(entry.signature_info()), entry.batch_num(), entry.batch_size(),
                   Bytes(der.begin(), der.end())});
  }
  return out;
}

Result<Bytes> make_export_zip(ByteSpan export_bin, ByteSpan export_sig) {
  ZipErrorHolder error;
  ZipSource target(zip_source_buffer_create(nullptr, 0, 0, &error.error));
  if (!target) return make_error(ErrorCode::kInternal, "cannot create a zip buffer");
  ZipArchive archive(zip_open_from_source(target.get(), ZIP_TRUNCATE, &error.error));
  if (!archive) {
    return make_error(ErrorCode::kInternal,
                      std::string("cannot create a zip: ") + zip_error_strerror(&error.error));
  }
  // The archive now holds the caller's reference; take a second one so that the bytes
  // survive zip_close.
  zip_source_keep(target.get());

  GL_RETURN_IF_ERROR(add_zip_entry(archive.get(), kExportBinEntryName, export_bin));
  GL_RETURN_IF_ERROR(add_zip_entry(archive.get(), kExportSigEntryName, export_sig));
  if (zip_close(archive.get()) != 0) {
    return make_error(ErrorCode::kInternal,
                      std::string("cannot write the zip: ") + zip_strerror(archive.get()));
  }
  archive.release();  // zip_close freed it

  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_source_stat(target.get(), &stat) != 0 || (stat.valid & ZIP_STAT_SIZE) == 0 ||
      zip_source_open(target.get()) != 0) {
    return make_error(ErrorCode::kInternal, "cannot read back the written zip");
  }
  Bytes out(static_cast<std::size_t>(stat.size));
  const zip_int64_t n = zip_source_read(target.get(), out.data(), out.size());
  zip_source_close(target.get());
  if (n < 0 || static_cast<std::size_t>(n) != out.size()) {
    return make_error(ErrorCode::kInternal, "cannot read back the written zip");
  }
  return out;
}

Result<Bytes> write_export_zip(const ExportBatch& batch, const std::vector<ExportSigner>& signers) {
  if (signers.empty()) return invalid("an export needs at least one signer, got none");
  ExportBatch signed_batch = batch;
  if (signed_batch.signature_infos.empty()) {
    for (const auto& signer : signers) signed_batch.signature_infos.push_back(signer.info);
  } else {
    // Android checks that export.bin lists exactly the keys that signed it.
    bool same = signed_batch.signature_infos.size() == signers.size();
    for (std::size_t i = 0; same && i < signers.size(); ++i) {
      const auto& a = signed_batch.signature_infos[i];
      const auto& b = signers[i].info;
      same = a.verification_key_id == b.verification_key_id &&
             a.verification_key_version == b.verification_key_version &&
             a.signature_algorithm == b.signature_algorithm;
    }
    if (!same) {
      return invalid("batch.signature_infos must list the " + std::to_string(signers.size()) +
                     " signers in order (or be empty), got " +
                     std::to_string(signed_batch.signature_infos.size()) + " entries that differ");
    }
  }
  for (const auto& signer : signers) {
    if (signer.info.signature_algorithm != kEcdsaP256Sha256Oid) {
      return invalid(std::string("signature_algorithm must be ") + kEcdsaP256Sha256Oid +
                     ", got \"" + signer.info.signature_algorithm + "\"");
    }
  }
  auto bin = encode_export_bin(signed_batch);
  GL_RETURN_IF_ERROR(bin);
  std::vector<ExportSignature> signatures;
  signatures.reserve(signers.size());
  for (const auto& signer : signers) {
    auto der = signer.private_key.sign(*bin);
    GL_RETURN_IF_ERROR(der);
    signatures.push_back(
        {signer.info, signed_batch.batch_num, signed_batch.batch_size, std::move(*der)});
  }
  auto sig = encode_signature_list(signatures);
  GL_RETURN_IF_ERROR(sig);
  return make_export_zip(*bin, *sig);
}

Result<VerifiedExport> read_export_zip(ByteSpan zip, const std::vector<TrustedSigningKey>& trusted,
                                       const ExportReadLimits& limits) {
  auto entries = read_entries(zip, limits);
  GL_RETURN_IF_ERROR(entries);
  GL_RETURN_IF_ERROR(check_header(entries->export_bin));
  auto signatures = decode_signature_list(entries->export_sig);
  GL_RETURN_IF_ERROR(signatures);
  // Authenticate the exact bytes before the protobuf parser sees them.
  auto signer = verify_signatures(entries->export_bin, *signatures, trusted);
  GL_RETURN_IF_ERROR(signer);
  auto batch = decode_export_bin(entries->export_bin);
  GL_RETURN_IF_ERROR(batch);
  return VerifiedExport{std::move(*batch), sha256(zip), std::move(*signer)};
}

Result<UnverifiedExport> read_export_zip_unverified(ByteSpan zip, const ExportReadLimits& limits) {
  auto entries = read_entries(zip, limits);
  GL_RETURN_IF_ERROR(entries);
  auto signatures = decode_signature_list(entries->export_sig);
  GL_RETURN_IF_ERROR(signatures);
  auto batch = decode_export_bin(entries->export_bin);
  GL_RETURN_IF_ERROR(batch);
  UnverifiedExport out{std::move(*batch), std::move(entries->export_bin), {}};
  out.signatures.reserve(signatures->size());
  for (auto& signature : *signatures) {
    out.signatures.emplace_back(std::move(signature.info), std::move(signature.signature));
  }
  return out;
}

Result<std::vector<ExportSignature>> read_export_signatures(ByteSpan zip,
                                                            const ExportReadLimits& limits) {
  auto entries = read_entries(zip, limits);
  GL_RETURN_IF_ERROR(entries);
  GL_RETURN_IF_ERROR(check_header(entries->export_bin));
  return decode_signature_list(entries->export_sig);
}

void sort_keys_by_key_data(std::vector<TemporaryExposureKey>& keys) {
  std::ranges::sort(keys, [](const TemporaryExposureKey& a, const TemporaryExposureKey& b) {
    return a.key_data.array() < b.key_data.array();
  });
}

}  // namespace greenlight::wire

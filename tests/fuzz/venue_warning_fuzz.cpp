// libFuzzer target for the venue-warning file reader and the venue part of uploads
// (proto/include/greenlight/wire/venue_warning.h). The trusted key below signed the seed
// tests/data/fuzz/venue_warning/signed.bin, so mutations reach the parser behind the
// signature check as well.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "greenlight/wire/venue_warning.h"

namespace {

constexpr char kSeedSpkiBase64[] =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEpBzXuDqhVSYQxQby2qrKJIpGtXvNDjeXEjkKfdNLzeXilBRrDLRNzP"
    "eauedO2Wn/IW1vDYt5tG7D9Rl7W/wRUg==";

const std::vector<greenlight::wire::TrustedSigningKey>& trusted_keys() {
  static const std::vector<greenlight::wire::TrustedSigningKey> keys = [] {
    std::vector<greenlight::wire::TrustedSigningKey> out;
    auto der = greenlight::base64_decode(kSeedSpkiBase64);
    if (!der) return out;
    auto key = greenlight::EcdsaP256PublicKey::from_spki_der(*der);
    if (key) out.push_back({"fuzz", "v1", *key});
    return out;
  }();
  return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const greenlight::ByteSpan bytes(data, size);
  greenlight::wire::VenueWarningReadLimits limits;
  limits.max_file_bytes = 1u << 20;
  limits.max_reports = 10000;
  auto file = greenlight::wire::read_venue_warning_file(bytes, trusted_keys(), limits);
  if (file && file->batch.warnings.size() > limits.max_reports) __builtin_trap();

  auto upload = greenlight::wire::decode_venue_report_upload(bytes);
  if (upload) {
    // Every accepted upload re-encodes and decodes to the same reports.
    auto again = greenlight::wire::encode_venue_report_upload(*upload);
    if (!again) __builtin_trap();
    auto back = greenlight::wire::decode_venue_report_upload(*again);
    if (!back || *back != *upload) __builtin_trap();
  }
  return 0;
}

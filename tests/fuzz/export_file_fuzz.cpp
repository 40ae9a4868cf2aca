// libFuzzer target for the export file reader (proto/include/greenlight/wire/export_file.h):
// untrusted zip bytes through both read paths. The trusted key is the reference/gaen.md 3c
// example key, so the seed corpus (tests/data/fuzz/export_file) reaches the verified path.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "greenlight/wire/export_file.h"

namespace {

constexpr char kExampleSpkiBase64[] =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEml59itec9qzwVojreLXdPNRsUWzfYHc1cKvIIi6/"
    "H56AJS/kZEYQnfDpxrgyGhdAm+pNN2GAJ3XdnQZ1Sk4amg==";

const std::vector<greenlight::wire::TrustedSigningKey>& trusted_keys() {
  static const std::vector<greenlight::wire::TrustedSigningKey> keys = [] {
    std::vector<greenlight::wire::TrustedSigningKey> out;
    auto der = greenlight::base64_decode(kExampleSpkiBase64);
    if (!der) return out;
    auto key = greenlight::EcdsaP256PublicKey::from_spki_der(*der);
    if (key) out.push_back({"some_id", "1", *key});
    return out;
  }();
  return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Small caps keep each run cheap; the caps themselves are part of what is exercised.
  greenlight::wire::ExportReadLimits limits;
  limits.max_zip_bytes = 1u << 20;
  limits.max_export_bin_bytes = 4u << 20;
  limits.max_export_sig_bytes = 64u << 10;
  const greenlight::ByteSpan zip(data, size);

  auto unverified = greenlight::wire::read_export_zip_unverified(zip, limits);
  auto verified = greenlight::wire::read_export_zip(zip, trusted_keys(), limits);
  // A verified read implies the unverified read of the same bytes succeeds too.
  if (verified && !unverified) __builtin_trap();
  if (unverified) {
    // Whatever parsed must encode again (the reader accepts only what the writer can write,
    // except the deprecated TRL, which the reader does not range-check).
    bool trl_in_range = true;
    for (const auto* keys : {&unverified->batch.keys, &unverified->batch.revised_keys}) {
      for (const auto& key : *keys) {
        trl_in_range =
            trl_in_range && key.transmission_risk_level >= 0 && key.transmission_risk_level <= 8;
      }
    }
    if (trl_in_range && !greenlight::wire::encode_export_bin(unverified->batch)) __builtin_trap();
  }
  return 0;
}

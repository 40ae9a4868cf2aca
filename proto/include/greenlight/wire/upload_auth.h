// The key-list binding of upload certificates, shared by the phone and the key server
// (spec/protocol.md "Upload authorisation", docs/api.md "Canonical key list").
//
// canonical_key_list: for every key the string
//   base64(key_data) "." rolling_start_interval_number "." rolling_period "."
//   transmission_risk_level
// (standard base64, padded; decimal integers), the strings sorted byte-wise and joined
// with ",". The order of the keys therefore does not matter, and every field the phone
// uploads is bound.
// tekmac = HMAC-SHA256(hmac_key, canonical_key_list). hmac_key is a fresh random key of
// at least 16 bytes (the phone uses 32) per upload, sent with the upload.
#pragma once

#include <span>
#include <string>

#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/hash.h"

namespace greenlight::wire {

std::string canonical_key_list(std::span<const TemporaryExposureKey> keys);
Sha256Digest compute_tekmac(ByteSpan hmac_key, std::span<const TemporaryExposureKey> keys);

}  // namespace greenlight::wire

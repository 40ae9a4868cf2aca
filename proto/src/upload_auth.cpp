#include "greenlight/wire/upload_auth.h"

#include <algorithm>
#include <vector>

namespace greenlight::wire {

std::string canonical_key_list(std::span<const TemporaryExposureKey> keys) {
  std::vector<std::string> items;
  items.reserve(keys.size());
  for (const TemporaryExposureKey& k : keys) {
    items.push_back(base64_encode(k.key_data.span()) + "." +
                    std::to_string(k.rolling_start_interval_number.value) + "." +
                    std::to_string(k.rolling_period) + "." +
                    std::to_string(k.transmission_risk_level));
  }
  std::sort(items.begin(), items.end());
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += ',';
    out += items[i];
  }
  return out;
}

Sha256Digest compute_tekmac(ByteSpan hmac_key, std::span<const TemporaryExposureKey> keys) {
  const std::string list = canonical_key_list(keys);
  return hmac_sha256(hmac_key, as_bytes(list));
}

}  // namespace greenlight::wire

// libFuzzer target for transparency-log leaves (crypto/include/greenlight/crypto/log_leaf.h),
// which phones and auditors decode from what a server serves. decode_log_leaf must accept
// exactly the canonical encodings: encode(decode(b)) == b for every accepted b.
#include <cstddef>
#include <cstdint>

#include "greenlight/crypto/log_leaf.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const greenlight::ByteSpan bytes(data, size);
  auto leaf = greenlight::decode_log_leaf(bytes);
  if (!leaf) return 0;
  auto again = greenlight::encode_log_leaf(*leaf);
  if (!again || *again != greenlight::Bytes(bytes.begin(), bytes.end())) __builtin_trap();
  // Describing a leaf (printed by `greenlight log audit`) never fails.
  (void)greenlight::describe_log_leaf(*leaf);
  (void)greenlight::log_leaf_content_sha256(*leaf);
  return 0;
}

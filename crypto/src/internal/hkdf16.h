// Reusable HKDF-SHA256 for short outputs (at most one expand block, 32 bytes) with the
// RFC 5869 default salt. Holds two HMAC contexts: one keyed once with the 32 zero-byte
// salt (so the extract step only re-initialises it), one re-keyed with each PRK. No
// allocation per derivation. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "greenlight/crypto/bytes.h"
#include "openssl_support.h"

namespace greenlight::internal {

class ShortHkdf {
 public:
  ShortHkdf();
  // out.size() must be in 1..32; aborts otherwise (a programming error at the call site).
  void derive(ByteSpan ikm, ByteSpan info, MutableByteSpan out);

 private:
  MacCtxPtr extract_;
  MacCtxPtr expand_;
};

// One ShortHkdf per thread, for the free functions that promise no allocation.
ShortHkdf& thread_short_hkdf();

}  // namespace greenlight::internal

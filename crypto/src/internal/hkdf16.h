// Reusable HKDF-SHA256 for short outputs (at most one expand block, 32 bytes) with the
// RFC 5869 default salt. Holds the HMAC pad states of the extract key (the 32 zero-byte
// salt), absorbed once, so a derivation is six SHA-256 blocks and no allocation
// (short_hkdf.cpp). Wipes its states on destruction. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "greenlight/crypto/bytes.h"

namespace greenlight::internal {

class ShortHkdf {
 public:
  ShortHkdf();
  ~ShortHkdf();
  ShortHkdf(const ShortHkdf&) = delete;
  ShortHkdf& operator=(const ShortHkdf&) = delete;
  // out.size() must be in 1..32; aborts otherwise (a programming error at the call site).
  void derive(ByteSpan ikm, ByteSpan info, MutableByteSpan out);

 private:
  struct States;
  std::unique_ptr<States> states_;
};

// One ShortHkdf per thread, for the free functions that promise no allocation.
ShortHkdf& thread_short_hkdf();

}  // namespace greenlight::internal

// SHA-256, HMAC-SHA256 and HKDF-SHA256 (RFC 5869) over OpenSSL 3.
#pragma once

#include <cstddef>
#include <memory>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/secret_bytes.h"

namespace greenlight {

using Sha256Digest = ByteArray<32>;

Sha256Digest sha256(ByteSpan data);

// Incremental SHA-256; reusable after finish() (it resets).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(ByteSpan data);
  Sha256Digest finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Sha256Digest hmac_sha256(ByteSpan key, ByteSpan data);

// HKDF-SHA256. An empty salt means the RFC 5869 default (32 zero bytes). length must be
// at most 255 * 32; otherwise kInvalidArgument.
[[nodiscard]] Result<SecretBytes> hkdf_sha256(ByteSpan ikm, ByteSpan salt, ByteSpan info,
                                              std::size_t length);

// HKDF-SHA256 with an empty salt and a 16-byte output, the shape every GAEN and venue
// derivation uses; no allocation.
void hkdf_sha256_16(ByteSpan ikm, ByteSpan info, MutableByteSpan out16);

}  // namespace greenlight

// Ed25519 (RFC 8032) for transparency-log checkpoints. Raw 32-byte keys, 64-byte
// signatures. Immutable objects, safe to share between threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/secret_bytes.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace greenlight {

class Ed25519PublicKey {
 public:
  [[nodiscard]] static Result<Ed25519PublicKey> from_raw(ByteSpan raw32);
  ByteArray<32> raw() const;
  [[nodiscard]] Status verify(ByteSpan message, ByteSpan signature64) const;

 private:
  explicit Ed25519PublicKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
  friend class Ed25519PrivateKey;
};

class Ed25519PrivateKey {
 public:
  [[nodiscard]] static Result<Ed25519PrivateKey> generate();
  [[nodiscard]] static Result<Ed25519PrivateKey> from_seed(ByteSpan seed32);
  SecretArray<32> seed() const;
  Ed25519PublicKey public_key() const;
  [[nodiscard]] Result<ByteArray<64>> sign(ByteSpan message) const;

 private:
  explicit Ed25519PrivateKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace greenlight

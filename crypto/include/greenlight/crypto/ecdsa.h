// ECDSA P-256 with SHA-256 (export signatures, ES256 certificates). Signatures are
// ASN.1 DER (X9.62). Keys load from PEM (PKCS#8 / SEC1 private, SPKI public) or DER SPKI.
// Objects are immutable after construction and safe to share between threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/random.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace greenlight {

class EcdsaP256PublicKey {
 public:
  [[nodiscard]] static Result<EcdsaP256PublicKey> from_pem(std::string_view pem);
  [[nodiscard]] static Result<EcdsaP256PublicKey> from_spki_der(ByteSpan der);
  std::string to_pem() const;
  Bytes to_spki_der() const;
  // Verifies a DER signature over SHA-256(message). Constant message on failure.
  [[nodiscard]] Status verify(ByteSpan message, ByteSpan der_signature) const;
  // Raw JOSE form (r || s, 64 bytes) for ES256 tokens.
  [[nodiscard]] Status verify_raw(ByteSpan message, ByteSpan raw_signature) const;

 private:
  explicit EcdsaP256PublicKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
  friend class EcdsaP256PrivateKey;
};

class EcdsaP256PrivateKey {
 public:
  [[nodiscard]] static Result<EcdsaP256PrivateKey> generate();
  [[nodiscard]] static Result<EcdsaP256PrivateKey> from_pem(std::string_view pem);
  // PKCS#8 PEM. The string holds a secret: callers wipe or write it out promptly.
  std::string to_pem() const;
  EcdsaP256PublicKey public_key() const;
  [[nodiscard]] Result<Bytes> sign(ByteSpan message) const;      // DER
  [[nodiscard]] Result<Bytes> sign_raw(ByteSpan message) const;  // r || s, 64 bytes

 private:
  explicit EcdsaP256PrivateKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

// DER <-> raw (r || s, 32 bytes each) signature conversion.
[[nodiscard]] Result<Bytes> ecdsa_der_to_raw(ByteSpan der);
[[nodiscard]] Result<Bytes> ecdsa_raw_to_der(ByteSpan raw);

}  // namespace greenlight

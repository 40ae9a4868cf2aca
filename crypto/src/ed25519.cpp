#include "greenlight/crypto/ed25519.h"

#include "internal/openssl_support.h"

namespace greenlight {
namespace {

constexpr std::size_t kKeySize = 32;
constexpr std::size_t kSignatureSize = 64;

std::shared_ptr<EVP_PKEY> share(internal::PkeyPtr key) {
  return std::shared_ptr<EVP_PKEY>(key.release(), EVP_PKEY_free);
}

}  // namespace

Result<Ed25519PublicKey> Ed25519PublicKey::from_raw(ByteSpan raw32) {
  if (raw32.size() != kKeySize) {
    return make_error(ErrorCode::kInvalidArgument,
                      "Ed25519 public key must be 32 bytes, got " + std::to_string(raw32.size()));
  }
  internal::PkeyPtr key(
      EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, raw32.data(), raw32.size()));
  if (!key) {
    internal::clear_openssl_errors();
    return make_error(ErrorCode::kInvalidArgument, "Ed25519 public key rejected by OpenSSL");
  }
  return Ed25519PublicKey(share(std::move(key)));
}

ByteArray<32> Ed25519PublicKey::raw() const {
  ByteArray<32> out{};
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_public_key(key_.get(), out.data(), &len) != 1 || len != out.size()) {
    internal::fatal_openssl("Ed25519 raw public key");
  }
  return out;
}

Status Ed25519PublicKey::verify(ByteSpan message, ByteSpan signature64) const {
  if (signature64.size() != kSignatureSize) return authentication_failed();
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return internal::openssl_error("EVP_MD_CTX_new");
  if (EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key_.get(), nullptr) !=
      1) {
    return internal::openssl_error("Ed25519 verify init");
  }
  if (EVP_DigestVerify(ctx.get(), signature64.data(), signature64.size(), message.data(),
                       message.size()) != 1) {
    internal::clear_openssl_errors();
    return authentication_failed();
  }
  return ok();
}

Result<Ed25519PrivateKey> Ed25519PrivateKey::generate() {
  internal::PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return internal::openssl_error("Ed25519 key generation");
  return Ed25519PrivateKey(share(std::move(key)));
}

Result<Ed25519PrivateKey> Ed25519PrivateKey::from_seed(ByteSpan seed32) {
  if (seed32.size() != kKeySize) {
    return make_error(ErrorCode::kInvalidArgument,
                      "Ed25519 seed must be 32 bytes, got " + std::to_string(seed32.size()));
  }
  internal::PkeyPtr key(
      EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr, seed32.data(), seed32.size()));
  if (!key) return internal::openssl_error("Ed25519 private key");
  return Ed25519PrivateKey(share(std::move(key)));
}

SecretArray<32> Ed25519PrivateKey::seed() const {
  SecretArray<32> out;
  std::size_t len = out.size();
  if (EVP_PKEY_get_raw_private_key(key_.get(), out.data(), &len) != 1 || len != out.size()) {
    internal::fatal_openssl("Ed25519 raw private key");
  }
  return out;
}

Ed25519PublicKey Ed25519PrivateKey::public_key() const {
  ByteArray<32> raw{};
  std::size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(key_.get(), raw.data(), &len) != 1 || len != raw.size()) {
    internal::fatal_openssl("Ed25519 raw public key");
  }
  internal::PkeyPtr pub(
      EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, raw.data(), raw.size()));
  if (!pub) internal::fatal_openssl("Ed25519 public key");
  return Ed25519PublicKey(share(std::move(pub)));
}

Result<ByteArray<64>> Ed25519PrivateKey::sign(ByteSpan message) const {
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return internal::openssl_error("EVP_MD_CTX_new");
  if (EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key_.get(), nullptr) !=
      1) {
    return internal::openssl_error("Ed25519 sign init");
  }
  ByteArray<64> sig{};
  std::size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1 ||
      len != sig.size()) {
    return internal::openssl_error("Ed25519 sign");
  }
  return sig;
}

}  // namespace greenlight

#include "greenlight/crypto/hash.h"

#include <openssl/core_names.h>

#include <algorithm>
#include <array>

#include "internal/hkdf16.h"
#include "internal/openssl_support.h"

namespace greenlight {

Sha256Digest sha256(ByteSpan data) {
  Sha256Digest out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, internal::sha256_md(), nullptr) != 1 ||
      len != out.size()) {
    internal::fatal_openssl("SHA-256");
  }
  return out;
}

struct Sha256::Impl {
  internal::MdCtxPtr ctx{EVP_MD_CTX_new()};
  void reset() {
    if (!ctx || EVP_DigestInit_ex2(ctx.get(), internal::sha256_md(), nullptr) != 1) {
      internal::fatal_openssl("SHA-256 init");
    }
  }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) { impl_->reset(); }
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(ByteSpan data) {
  if (data.empty()) return;
  if (EVP_DigestUpdate(impl_->ctx.get(), data.data(), data.size()) != 1) {
    internal::fatal_openssl("SHA-256 update");
  }
}

Sha256Digest Sha256::finish() {
  Sha256Digest out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx.get(), out.data(), &len) != 1 || len != out.size()) {
    internal::fatal_openssl("SHA-256 final");
  }
  impl_->reset();
  return out;
}

Sha256Digest hmac_sha256(ByteSpan key, ByteSpan data) {
  thread_local internal::MacCtxPtr ctx = internal::new_hmac_sha256_ctx();
  Sha256Digest out{};
  std::size_t len = 0;
  // A null key pointer would tell EVP_MAC_init to keep the previous call's key; an empty
  // key is a valid HMAC key and must replace it.
  const std::uint8_t empty = 0;
  const std::uint8_t* key_ptr = key.empty() ? &empty : key.data();
  if (EVP_MAC_init(ctx.get(), key_ptr, key.size(), nullptr) != 1 ||
      EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != out.size()) {
    internal::fatal_openssl("HMAC-SHA256");
  }
  return out;
}

Result<SecretBytes> hkdf_sha256(ByteSpan ikm, ByteSpan salt, ByteSpan info, std::size_t length) {
  constexpr std::size_t kMaxLength = 255 * 32;
  if (length == 0 || length > kMaxLength) {
    return make_error(ErrorCode::kInvalidArgument, "HKDF-SHA256 output length must be 1.." +
                                                       std::to_string(kMaxLength) + " bytes, got " +
                                                       std::to_string(length));
  }
  internal::KdfCtxPtr ctx(EVP_KDF_CTX_new(internal::hkdf_kdf()));
  if (!ctx) return internal::openssl_error("EVP_KDF_CTX_new");
  const std::array<std::uint8_t, 32> zero_salt{};
  if (salt.empty()) salt = zero_salt;
  const std::uint8_t empty = 0;
  char digest[] = "SHA256";
  // OSSL_PARAM wants non-const pointers; OpenSSL only reads these buffers.
  auto octets = [](ByteSpan b, const std::uint8_t* fallback) {
    return const_cast<std::uint8_t*>(b.empty() ? fallback : b.data());
  };
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, octets(ikm, &empty), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, octets(salt, &empty), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, octets(info, &empty), info.size()),
      OSSL_PARAM_construct_end(),
  };
  SecretBytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return internal::openssl_error("HKDF-SHA256");
  }
  return out;
}

void hkdf_sha256_16(ByteSpan ikm, ByteSpan info, MutableByteSpan out16) {
  internal::thread_short_hkdf().derive(ikm, info, out16);
}

}  // namespace greenlight

#include "greenlight/crypto/aead.h"

#include <algorithm>

#include "internal/openssl_support.h"

namespace greenlight {
namespace {

Status check_sizes(ByteSpan nonce, std::size_t text_size, ByteSpan aad) {
  if (nonce.size() != kAeadNonceSize) {
    return make_error(ErrorCode::kInvalidArgument,
                      "AES-256-GCM nonce must be 12 bytes, got " + std::to_string(nonce.size()));
  }
  if (!internal::fits_int(text_size) || !internal::fits_int(aad.size())) {
    return make_error(ErrorCode::kInvalidArgument, "AES-256-GCM input larger than 2 GiB");
  }
  return ok();
}

}  // namespace

Result<AeadKey> AeadKey::from_bytes(ByteSpan key) {
  if (key.size() != kAeadKeySize) {
    return make_error(ErrorCode::kInvalidArgument,
                      "AES-256-GCM key must be 32 bytes, got " + std::to_string(key.size()));
  }
  GL_ASSIGN_OR_RETURN(auto secret, Secret::from_span(key));
  return AeadKey(secret);
}

Result<Bytes> AeadKey::seal(ByteSpan nonce, ByteSpan plaintext, ByteSpan aad) const {
  GL_RETURN_IF_ERROR(check_sizes(nonce, plaintext.size(), aad));
  const ByteSpan key = key_.span();
  internal::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return internal::openssl_error("EVP_CIPHER_CTX_new");
  Bytes out(plaintext.size() + kAeadTagSize);
  int len = 0;
  int final_len = 0;
  if (EVP_EncryptInit_ex2(ctx.get(), internal::aes_256_gcm(), key.data(), nonce.data(), nullptr) !=
          1 ||
      (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(),
                                         static_cast<int>(aad.size())) != 1) ||
      (!plaintext.empty() && EVP_EncryptUpdate(ctx.get(), out.data(), &len, plaintext.data(),
                                               static_cast<int>(plaintext.size())) != 1)) {
    return internal::openssl_error("AES-256-GCM encrypt");
  }
  if (plaintext.empty()) len = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &final_len) != 1 ||
      static_cast<std::size_t>(len + final_len) != plaintext.size() ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAeadTagSize),
                          out.data() + plaintext.size()) != 1) {
    return internal::openssl_error("AES-256-GCM finish");
  }
  return out;
}

Result<SecretBytes> AeadKey::open(ByteSpan nonce, ByteSpan ciphertext_and_tag, ByteSpan aad) const {
  GL_RETURN_IF_ERROR(check_sizes(nonce, ciphertext_and_tag.size(), aad));
  const ByteSpan key = key_.span();
  if (ciphertext_and_tag.size() < kAeadTagSize) return authentication_failed();
  const std::size_t text_size = ciphertext_and_tag.size() - kAeadTagSize;
  ByteArray<kAeadTagSize> tag{};
  std::copy_n(ciphertext_and_tag.data() + text_size, kAeadTagSize, tag.data());
  internal::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return internal::openssl_error("EVP_CIPHER_CTX_new");
  SecretBytes out(text_size);
  int len = 0;
  int final_len = 0;
  if (EVP_DecryptInit_ex2(ctx.get(), internal::aes_256_gcm(), key.data(), nonce.data(), nullptr) !=
          1 ||
      (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(),
                                         static_cast<int>(aad.size())) != 1) ||
      (text_size > 0 && EVP_DecryptUpdate(ctx.get(), out.data(), &len, ciphertext_and_tag.data(),
                                          static_cast<int>(text_size)) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAeadTagSize),
                          tag.data()) != 1) {
    return internal::openssl_error("AES-256-GCM decrypt");
  }
  if (text_size == 0) len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &final_len) != 1) {
    internal::clear_openssl_errors();
    return authentication_failed();  // out wipes itself
  }
  return out;
}

}  // namespace greenlight

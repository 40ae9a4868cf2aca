#include "greenlight/client/store_cipher.h"

#include <algorithm>
#include <string>

#include "greenlight/crypto/random.h"

namespace greenlight::client {
namespace {

constexpr std::string_view kAadPrefix = "GL-STORE-V1";

Result<SecretBytes> derive_one(const StoreKey& key, ByteSpan salt, std::string_view info) {
  const ByteSpan info_bytes(reinterpret_cast<const std::uint8_t*>(info.data()), info.size());
  return hkdf_sha256(key.span(), salt, info_bytes, 32);
}

// prefix || label || 0x00 || context
Bytes labelled(std::string_view prefix, std::string_view label, ByteSpan context) {
  Bytes out;
  out.reserve(prefix.size() + label.size() + 1 + context.size());
  out.insert(out.end(), prefix.begin(), prefix.end());
  out.insert(out.end(), label.begin(), label.end());
  out.push_back(0);
  out.insert(out.end(), context.begin(), context.end());
  return out;
}

}  // namespace

Result<StoreCipher> StoreCipher::derive(const StoreKey& key, ByteSpan salt) {
  if (salt.size() != kStoreSaltSize) {
    return make_error(ErrorCode::kInvalidArgument,
                      "store salt must be " + std::to_string(kStoreSaltSize) + " bytes, got " +
                          std::to_string(salt.size()));
  }
  StoreCipher cipher;
  GL_ASSIGN_OR_RETURN(auto row, derive_one(key, salt, "GL-STORE-ROW-V1"));
  GL_ASSIGN_OR_RETURN(auto lookup, derive_one(key, salt, "GL-STORE-LOOKUP-V1"));
  GL_ASSIGN_OR_RETURN(auto check, derive_one(key, salt, "GL-STORE-CHECK-V1"));
  GL_ASSIGN_OR_RETURN(cipher.row_key_, AeadKey::from_bytes(row.span()));
  GL_ASSIGN_OR_RETURN(cipher.lookup_key_, decltype(cipher.lookup_key_)::from_span(lookup.span()));
  cipher.encrypted_ = true;
  // The verifier is stored in the clear: it is one more HKDF output, which says nothing about
  // the row and lookup keys.
  std::copy(check.span().begin(), check.span().end(), cipher.verifier_.begin());
  return cipher;
}

bool StoreCipher::matches(ByteSpan stored) const {
  return stored.size() == verifier_.size() && constant_time_equal(stored, verifier_);
}

Result<Bytes> StoreCipher::seal(std::string_view label, ByteSpan context, ByteSpan plain) const {
  if (!encrypted_) return Bytes(plain.begin(), plain.end());
  ByteArray<kAeadNonceSize> nonce{};
  system_random().fill(nonce);
  GL_ASSIGN_OR_RETURN(auto sealed,
                      row_key_.seal(nonce, plain, labelled(kAadPrefix, label, context)));
  Bytes out(nonce.size() + sealed.size());
  std::copy(sealed.begin(), sealed.end(), std::copy(nonce.begin(), nonce.end(), out.begin()));
  return out;
}

Result<SecretBytes> StoreCipher::open(std::string_view label, ByteSpan context,
                                      ByteSpan sealed) const {
  if (!encrypted_) return SecretBytes(sealed);
  if (sealed.size() < kAeadNonceSize + kAeadTagSize) return authentication_failed();
  auto plain = row_key_.open(sealed.first(kAeadNonceSize), sealed.subspan(kAeadNonceSize),
                             labelled(kAadPrefix, label, context));
  if (!plain) return authentication_failed();
  return plain;
}

Bytes StoreCipher::lookup_tag(std::string_view label, ByteSpan value) const {
  if (!encrypted_) return Bytes(value.begin(), value.end());
  const Sha256Digest mac = hmac_sha256(lookup_key_.span(), labelled({}, label, value));
  return Bytes(mac.begin(), mac.begin() + kLookupTagSize);
}

}  // namespace greenlight::client

// AES-256-GCM authenticated encryption (venue protected reports, encryption at rest on
// the phone). 12-byte nonce, 16-byte tag appended to the ciphertext.
//
// The key is an AeadKey object, never a loose span: it is built only from exactly 32
// bytes (from_bytes() fails otherwise), wiped when destroyed, and compared in constant
// time. Decrypted text comes back in SecretBytes, which wipes itself.
#pragma once

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/result.h"
#include "greenlight/crypto/secret_bytes.h"

namespace greenlight {

inline constexpr std::size_t kAeadKeySize = 32;
inline constexpr std::size_t kAeadNonceSize = 12;
inline constexpr std::size_t kAeadTagSize = 16;

class AeadKey {
 public:
  using Secret = SecretArray<kAeadKeySize, struct AeadKeyTag>;

  explicit AeadKey(const Secret& key) : key_(key) {}
  explicit AeadKey(const ByteArray<kAeadKeySize>& key) : key_(key) {}
  // kInvalidArgument unless key is exactly 32 bytes.
  [[nodiscard]] static Result<AeadKey> from_bytes(ByteSpan key);

  // nonce must be 12 bytes (kInvalidArgument otherwise); returns ciphertext || tag.
  [[nodiscard]] Result<Bytes> seal(ByteSpan nonce, ByteSpan plaintext, ByteSpan aad) const;
  // Fails with the generic authentication error on any tampering; the plaintext is
  // returned in wiping storage.
  [[nodiscard]] Result<SecretBytes> open(ByteSpan nonce, ByteSpan ciphertext_and_tag,
                                         ByteSpan aad) const;

  // The raw key, for the rare caller that must hand it on (tests, key wrapping).
  const Secret& secret() const { return key_; }

  friend bool operator==(const AeadKey& a, const AeadKey& b) { return a.key_ == b.key_; }

 private:
  Secret key_;
};

}  // namespace greenlight

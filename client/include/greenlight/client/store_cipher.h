// Encryption at rest of the device database (reference/security.md A25, docs/client.md
// "Encrypted device store").
//
// The app supplies a 32-byte store key from the platform keystore (Android Keystore, iOS
// Keychain); it is never written to the database or next to it. Each database has a random
// 16-byte salt (table store_meta) and the keys used on its rows are derived from the store
// key and that salt with HKDF-SHA256:
//   row key    = HKDF(store key, salt, "GL-STORE-ROW-V1", 32)     AES-256-GCM
//   lookup key = HKDF(store key, salt, "GL-STORE-LOOKUP-V1", 32)  HMAC-SHA256
//   verifier   = HKDF(store key, salt, "GL-STORE-CHECK-V1", 32)   stored, compared at open
// so one app key gives unrelated keys and lookup tags in two databases.
//
// seal(): nonce (12, from the OS CSPRNG, never from an injected seeded source, so that a
// reproducible test or simulation can never repeat a nonce under one key) || ciphertext ||
// tag (16), with AAD = "GL-STORE-V1" || label || 0x00 || context. The label names the table,
// the context is the row's lookup key or another value fixed for the row's life, so a sealed
// value moved to another row or table does not open.
// lookup_tag(): HMAC-SHA256(lookup key, label || 0x00 || value) truncated to 16 bytes, the
// column an equality lookup (an RPI, a diagnosis key tag) uses instead of the value.
//
// The plaintext cipher (no key: in-memory simulator databases, desktop tools and tests that
// ask for no encryption) passes values through: seal() returns the plaintext, lookup_tag()
// the value itself, so one schema and one code path serve both.
//
// Immutable after construction: safe to share between threads. Key material is wiped on
// destruction.
#pragma once

#include <cstddef>
#include <string_view>

#include "greenlight/crypto/aead.h"
#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/result.h"
#include "greenlight/crypto/secret_bytes.h"

namespace greenlight::client {

inline constexpr std::size_t kStoreKeySize = 32;
inline constexpr std::size_t kStoreSaltSize = 16;
inline constexpr std::size_t kLookupTagSize = 16;
// The store key the app keeps in its keystore.
using StoreKey = SecretArray<kStoreKeySize, struct StoreKeyTag>;

class StoreCipher {
 public:
  // The pass-through cipher (no encryption).
  StoreCipher() = default;
  // Derives the row key, lookup key and verifier for the database with this salt (which must
  // be kStoreSaltSize bytes).
  [[nodiscard]] static Result<StoreCipher> derive(const StoreKey& key, ByteSpan salt);

  bool encrypted() const { return encrypted_; }
  // The key check value stored in store_meta; all zero for the plaintext cipher.
  const Sha256Digest& verifier() const { return verifier_; }
  // Whether stored (a verifier read from store_meta) matches this cipher, in constant time.
  bool matches(ByteSpan stored) const;

  [[nodiscard]] Result<Bytes> seal(std::string_view label, ByteSpan context, ByteSpan plain) const;
  // Fails with the generic authentication error when the value was not sealed by this
  // cipher for this label and context.
  [[nodiscard]] Result<SecretBytes> open(std::string_view label, ByteSpan context,
                                         ByteSpan sealed) const;
  // kLookupTagSize bytes (the value itself for the plaintext cipher).
  Bytes lookup_tag(std::string_view label, ByteSpan value) const;

 private:
  bool encrypted_ = false;
  AeadKey row_key_{ByteArray<kAeadKeySize>{}};
  SecretArray<32, struct StoreLookupKeyTag> lookup_key_;
  Sha256Digest verifier_{};
};

}  // namespace greenlight::client

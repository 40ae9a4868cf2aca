// AES-256-GCM authenticated encryption (venue protected reports, encryption at rest on
// the phone). 12-byte nonce, 16-byte tag appended to the ciphertext.
#pragma once

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/secret_bytes.h"

namespace greenlight {

inline constexpr std::size_t kAeadKeySize = 32;
inline constexpr std::size_t kAeadNonceSize = 12;
inline constexpr std::size_t kAeadTagSize = 16;

// key must be 32 bytes and nonce 12 bytes (kInvalidArgument otherwise).
[[nodiscard]] Result<Bytes> aead_seal(ByteSpan key, ByteSpan nonce, ByteSpan plaintext,
                                      ByteSpan aad);
// Fails with the generic authentication error on any tampering.
[[nodiscard]] Result<Bytes> aead_open(ByteSpan key, ByteSpan nonce, ByteSpan ciphertext_and_tag,
                                      ByteSpan aad);

}  // namespace greenlight

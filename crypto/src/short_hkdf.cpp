// ShortHkdf over OpenSSL's SHA-256 with precomputed HMAC pad states (internal/hkdf16.h).
//
// The EVP_MAC path spends most of a 16-byte derivation re-keying HMAC (context copies with
// allocations, parameter lookups); the hash work is six SHA-256 blocks. Here the extract
// key's pad states (HMAC with the 32 zero-byte salt) are absorbed once per object and copied
// by value; the expand key (the PRK) is padded in place, and a derivation's secrets are wiped
// with one call. Only OpenSSL's SHA-256 compresses:
// the low-level SHA256_* functions are the one OpenSSL interface whose state is a plain value
// (deprecated in 3.0, hence OPENSSL_SUPPRESS_DEPRECATED in this file only). Checked against
// RFC 5869 and the GAEN vectors and against EVP_KDF's HKDF on random inputs
// (tests/crypto/hash_test.cpp, gaen_test.cpp).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>

#include "internal/hkdf16.h"
#include "internal/openssl_support.h"

namespace greenlight::internal {
namespace {

constexpr std::size_t kBlock = SHA256_CBLOCK;  // 64
constexpr std::uint8_t kIpad = 0x36;
constexpr std::uint8_t kOpad = 0x5c;

// SHA-256 state after absorbing one block: the key (at most 64 bytes, zero-padded) XOR pad.
void pad_state(SHA256_CTX& ctx, ByteSpan key, std::uint8_t pad) {
  std::array<std::uint8_t, kBlock> block;
  block.fill(pad);
  for (std::size_t i = 0; i < key.size(); ++i) block[i] ^= key[i];
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, block.data(), block.size());
  OPENSSL_cleanse(block.data(), block.size());
}

}  // namespace

struct ShortHkdf::States {
  SHA256_CTX extract_inner;
  SHA256_CTX extract_outer;
  ~States() {
    OPENSSL_cleanse(&extract_inner, sizeof extract_inner);
    OPENSSL_cleanse(&extract_outer, sizeof extract_outer);
  }
};

ShortHkdf::ShortHkdf() : states_(std::make_unique<States>()) {
  const std::array<std::uint8_t, 32> zero_salt{};
  pad_state(states_->extract_inner, zero_salt, kIpad);
  pad_state(states_->extract_outer, zero_salt, kOpad);
}

ShortHkdf::~ShortHkdf() = default;

void ShortHkdf::derive(ByteSpan ikm, ByteSpan info, MutableByteSpan out) {
  if (out.empty() || out.size() > SHA256_DIGEST_LENGTH) fatal_openssl("ShortHkdf output length");
  // Every secret of one derivation in one place, wiped with one call at the end.
  struct Secrets {
    SHA256_CTX ctx;
    std::array<std::uint8_t, kBlock> pad;  // PRK XOR ipad, then PRK XOR opad
    std::array<std::uint8_t, SHA256_DIGEST_LENGTH> inner;
    std::array<std::uint8_t, SHA256_DIGEST_LENGTH> prk;
    std::array<std::uint8_t, SHA256_DIGEST_LENGTH> block;
  } s;
  // Extract: PRK = HMAC(zero salt, IKM).
  s.ctx = states_->extract_inner;
  SHA256_Update(&s.ctx, ikm.data(), ikm.size());
  SHA256_Final(s.inner.data(), &s.ctx);
  s.ctx = states_->extract_outer;
  SHA256_Update(&s.ctx, s.inner.data(), s.inner.size());
  SHA256_Final(s.prk.data(), &s.ctx);
  // Expand, one block: T(1) = HMAC(PRK, info || 0x01). The PRK (32 bytes) is the HMAC key,
  // zero-padded to the block; the opad block is the ipad block XOR (ipad XOR opad).
  s.pad.fill(kIpad);
  for (std::size_t i = 0; i < s.prk.size(); ++i) s.pad[i] ^= s.prk[i];
  SHA256_Init(&s.ctx);
  SHA256_Update(&s.ctx, s.pad.data(), s.pad.size());
  // info || 0x01 in one update when it is short (as the GAEN labels are).
  std::array<std::uint8_t, kBlock> message;
  if (info.size() < message.size()) {
    std::copy_n(info.data(), info.size(), message.data());
    message[info.size()] = 1;
    SHA256_Update(&s.ctx, message.data(), info.size() + 1);
  } else {
    const std::uint8_t counter = 1;
    SHA256_Update(&s.ctx, info.data(), info.size());
    SHA256_Update(&s.ctx, &counter, 1);
  }
  SHA256_Final(s.inner.data(), &s.ctx);
  for (auto& b : s.pad) b ^= kIpad ^ kOpad;
  SHA256_Init(&s.ctx);
  SHA256_Update(&s.ctx, s.pad.data(), s.pad.size());
  SHA256_Update(&s.ctx, s.inner.data(), s.inner.size());
  SHA256_Final(s.block.data(), &s.ctx);
  std::copy_n(s.block.data(), out.size(), out.data());
  OPENSSL_cleanse(&s, sizeof s);
}

ShortHkdf& thread_short_hkdf() {
  thread_local ShortHkdf instance;
  return instance;
}

}  // namespace greenlight::internal

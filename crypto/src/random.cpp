#include "greenlight/crypto/random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/secret_bytes.h"
#include "internal/openssl_support.h"

namespace greenlight {

std::uint64_t RandomSource::next_u64() {
  ByteArray<8> b{};
  fill(b);
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[static_cast<std::size_t>(i)];
  return v;
}

// Rejection sampling: values below 2^64 mod bound are discarded so that every residue
// class is hit by the same number of 64-bit values.
std::uint64_t RandomSource::uniform(std::uint64_t bound) {
  if (bound <= 1) return 0;
  const std::uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    const std::uint64_t r = next_u64();
    if (r >= threshold) return r % bound;
  }
}

void SystemRandom::fill(MutableByteSpan out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const std::size_t chunk = std::min<std::size_t>(out.size() - done, 1 << 20);
    if (RAND_bytes(out.data() + done, static_cast<int>(chunk)) != 1) {
      internal::fatal_openssl("RAND_bytes");
    }
    done += chunk;
  }
}

RandomSource& system_random() {
  static SystemRandom instance;
  return instance;
}

// Keystream is produced in blocks of kBufferSize bytes and handed out in order, so the
// output depends only on the seed, never on how the caller slices its requests.
struct SeededRandom::Impl {
  static constexpr std::size_t kBufferSize = 4096;
  internal::CipherCtxPtr ctx;
  ByteArray<kBufferSize> buffer{};
  std::size_t used = kBufferSize;

  explicit Impl(ByteSpan seed) : ctx(EVP_CIPHER_CTX_new()) {
    if (!ctx) internal::fatal_openssl("EVP_CIPHER_CTX_new");
    const SecretArray<32> key(sha256(seed));
    const ByteArray<16> iv{};
    if (EVP_EncryptInit_ex2(ctx.get(), internal::aes_256_ctr(), key.data(), iv.data(), nullptr) !=
        1) {
      internal::fatal_openssl("SeededRandom AES-256-CTR init");
    }
  }
  ~Impl() { secure_wipe(buffer.data(), buffer.size()); }

  void refill() {
    buffer.fill(0);
    int len = 0;
    if (EVP_EncryptUpdate(ctx.get(), buffer.data(), &len, buffer.data(),
                          static_cast<int>(buffer.size())) != 1 ||
        static_cast<std::size_t>(len) != buffer.size()) {
      internal::fatal_openssl("SeededRandom keystream");
    }
    used = 0;
  }
};

namespace {
ByteArray<8> seed_bytes(std::uint64_t seed) {
  ByteArray<8> b{};
  for (std::size_t i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(seed >> (8 * i));
  return b;
}
}  // namespace

SeededRandom::SeededRandom(std::uint64_t seed) : SeededRandom(ByteSpan(seed_bytes(seed))) {}

SeededRandom::SeededRandom(ByteSpan seed) : impl_(std::make_unique<Impl>(seed)) {}

SeededRandom::~SeededRandom() = default;

void SeededRandom::fill(MutableByteSpan out) {
  std::size_t done = 0;
  while (done < out.size()) {
    if (impl_->used == Impl::kBufferSize) impl_->refill();
    const std::size_t n = std::min(out.size() - done, Impl::kBufferSize - impl_->used);
    std::copy_n(impl_->buffer.data() + impl_->used, n, out.data() + done);
    impl_->used += n;
    done += n;
  }
}

}  // namespace greenlight

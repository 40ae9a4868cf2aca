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

// Keystream is produced in blocks of up to kBufferSize bytes and handed out in order; CTR
// mode continues the stream across calls, so the output depends only on the seed (and the
// start offset), never on how the caller slices its requests or how much is made at once.
// The first refill makes only what the first request needs: a stream opened to read one
// 16-byte key (TEKs in the simulator, SeededRandom(seed, offset)) costs one AES block.
struct SeededRandom::Impl {
  static constexpr std::size_t kBufferSize = 4096;
  internal::CipherCtxPtr ctx;
  ByteArray<kBufferSize> buffer{};
  std::size_t used = 0;
  std::size_t made = 0;  // 0 until the first refill

  Impl(ByteSpan seed, std::uint64_t offset) : ctx(EVP_CIPHER_CTX_new()) {
    if (!ctx) internal::fatal_openssl("EVP_CIPHER_CTX_new");
    const SecretArray<32> key(sha256(seed));
    // The initial counter block: the big-endian 128-bit block number offset / 16.
    ByteArray<16> iv{};
    const std::uint64_t block = offset / 16;
    for (std::size_t i = 0; i < 8; ++i) iv[15 - i] = static_cast<std::uint8_t>(block >> (8 * i));
    if (EVP_EncryptInit_ex2(ctx.get(), internal::aes_256_ctr(), key.data(), iv.data(), nullptr) !=
        1) {
      internal::fatal_openssl("SeededRandom AES-256-CTR init");
    }
    if (offset % 16 != 0) {
      ByteArray<16> skipped{};
      make(skipped.data(), static_cast<std::size_t>(offset % 16));
      secure_wipe(skipped.data(), skipped.size());
    }
  }
  ~Impl() { secure_wipe(buffer.data(), made); }  // later refills are never shorter

  void make(std::uint8_t* out, std::size_t n) {
    std::fill_n(out, n, 0);
    int len = 0;
    if (EVP_EncryptUpdate(ctx.get(), out, &len, out, static_cast<int>(n)) != 1 ||
        static_cast<std::size_t>(len) != n) {
      internal::fatal_openssl("SeededRandom keystream");
    }
  }

  void refill(std::size_t wanted) {
    made = made != 0 ? kBufferSize : std::min(kBufferSize, (wanted + 15) / 16 * 16);
    make(buffer.data(), made);
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

SeededRandom::SeededRandom(ByteSpan seed) : impl_(std::make_unique<Impl>(seed, 0)) {}

SeededRandom::SeededRandom(ByteSpan seed, std::uint64_t offset)
    : impl_(std::make_unique<Impl>(seed, offset)) {}

SeededRandom::~SeededRandom() = default;

void SeededRandom::fill(MutableByteSpan out) {
  std::size_t done = 0;
  while (done < out.size()) {
    if (impl_->used == impl_->made) impl_->refill(out.size() - done);
    const std::size_t n = std::min(out.size() - done, impl_->made - impl_->used);
    std::copy_n(impl_->buffer.data() + impl_->used, n, out.data() + done);
    impl_->used += n;
    done += n;
  }
}

}  // namespace greenlight

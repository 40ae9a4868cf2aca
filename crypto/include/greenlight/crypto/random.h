// Randomness behind an injectable interface. Production code uses SystemRandom (OpenSSL
// RAND_bytes, the OS-seeded CSPRNG). Tests and simulations inject SeededRandom, a
// deterministic AES-256-CTR keystream expanded from a seed: reproducible, never for
// production secrets.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "greenlight/crypto/bytes.h"

namespace greenlight {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Fills out with random bytes. Aborts the process if the CSPRNG fails: continuing with
  // predictable keys would be worse than stopping.
  virtual void fill(MutableByteSpan out) = 0;

  std::uint64_t next_u64();
  // Uniform in [0, bound) without modulo bias; bound must be > 0.
  std::uint64_t uniform(std::uint64_t bound);
  template <std::size_t N>
  ByteArray<N> bytes() {
    ByteArray<N> out{};
    fill(out);
    return out;
  }
};

// Thread-safe: RAND_bytes may be called from several threads.
class SystemRandom final : public RandomSource {
 public:
  void fill(MutableByteSpan out) override;
};

// Returns a process-wide SystemRandom.
RandomSource& system_random();

// Deterministic; not thread-safe.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(std::uint64_t seed);
  explicit SeededRandom(ByteSpan seed);
  // The same stream from byte `offset` on: what SeededRandom(seed) gives after skipping
  // offset bytes, without making them (the keystream's counter starts at offset / 16).
  SeededRandom(ByteSpan seed, std::uint64_t offset);
  ~SeededRandom() override;
  SeededRandom(const SeededRandom&) = delete;
  SeededRandom& operator=(const SeededRandom&) = delete;
  void fill(MutableByteSpan out) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace greenlight

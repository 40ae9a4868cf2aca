#include "greenlight/crypto/random.h"

#include <openssl/evp.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <memory>

#include "greenlight/crypto/hash.h"

namespace greenlight {
namespace {

Bytes draw(RandomSource& rng, std::size_t n) {
  Bytes out(n);
  rng.fill(out);
  return out;
}

// n bytes of OpenSSL's AES-256-CTR keystream under key from counter block iv.
Bytes aes256_ctr_keystream(const Sha256Digest& key, const std::array<std::uint8_t, 16>& iv,
                           std::size_t n) {
  const Bytes zeros(n, 0);
  Bytes out(n);
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      EVP_CIPHER_CTX_free);
  int len = 0;
  REQUIRE(EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_ctr(), nullptr, key.data(), iv.data()) == 1);
  REQUIRE(EVP_EncryptUpdate(ctx.get(), out.data(), &len, zeros.data(), static_cast<int>(n)) == 1);
  return out;
}

TEST_CASE("SeededRandom is reproducible and seed-dependent", "[random]") {
  SeededRandom a(42);
  SeededRandom b(42);
  SeededRandom c(43);
  const Bytes x = draw(a, 1000);
  CHECK(x == draw(b, 1000));
  CHECK(x != draw(c, 1000));
  CHECK(draw(a, 32) != Bytes(x.begin(), x.begin() + 32));
}

TEST_CASE("SeededRandom output does not depend on how requests are sliced", "[random]") {
  SeededRandom whole(7);
  const Bytes expected = draw(whole, 10000);
  SeededRandom pieces(7);
  Bytes got;
  std::size_t n = 1;
  while (got.size() < expected.size()) {
    const std::size_t take = std::min(n, expected.size() - got.size());
    const Bytes part = draw(pieces, take);
    got.insert(got.end(), part.begin(), part.end());
    n = n * 3 % 5000 + 1;
  }
  CHECK(got == expected);
}

TEST_CASE("SeededRandom from an offset is the tail of the whole stream", "[random]") {
  const ByteArray<5> seed{1, 2, 3, 4, 5};
  SeededRandom whole{ByteSpan(seed)};
  const Bytes stream = draw(whole, 20000);
  for (const std::size_t offset :
       {0UL, 1UL, 15UL, 16UL, 17UL, 4080UL, 4095UL, 4096UL, 4097UL, 5000UL, 8191UL}) {
    for (const std::size_t first : {1UL, 16UL, 33UL, 4096UL, 6000UL}) {
      CAPTURE(offset, first);
      SeededRandom tail(ByteSpan(seed), offset);
      Bytes got = draw(tail, first);
      const Bytes more = draw(tail, 9000 - first);
      got.insert(got.end(), more.begin(), more.end());
      REQUIRE(got == Bytes(stream.begin() + static_cast<std::ptrdiff_t>(offset),
                           stream.begin() + static_cast<std::ptrdiff_t>(offset + 9000)));
    }
  }
}

TEST_CASE("SeededRandom far from the start counts blocks big-endian", "[random]") {
  // Block 2^32 - 1 from its 9th byte, and on into block 2^32: checked against OpenSSL's
  // AES-256-CTR started at that counter block, written out byte by byte.
  const ByteArray<3> seed{9, 8, 7};
  const Sha256Digest key = sha256(seed);
  const std::array<std::uint8_t, 16> iv{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
  const Bytes expected = aes256_ctr_keystream(key, iv, 40);
  SeededRandom far(ByteSpan(seed), ((std::uint64_t{1} << 32) - 1) * 16 + 8);
  CHECK(draw(far, 32) == Bytes(expected.begin() + 8, expected.end()));
}

// The documented construction: AES-256-CTR keystream, key = SHA-256(seed), zero IV; a
// uint64 seed is its 8 little-endian bytes.
TEST_CASE("SeededRandom is the AES-256-CTR keystream under SHA-256(seed)", "[random]") {
  const std::uint64_t seed = 0x0123456789abcdefULL;
  ByteArray<8> seed_le{};
  for (std::size_t i = 0; i < 8; ++i) seed_le[i] = static_cast<std::uint8_t>(seed >> (8 * i));
  const Sha256Digest key = sha256(seed_le);
  const Bytes expected = aes256_ctr_keystream(key, {}, 5000);
  SeededRandom from_int(seed);
  SeededRandom from_bytes{ByteSpan(seed_le)};
  CHECK(draw(from_int, expected.size()) == expected);
  CHECK(draw(from_bytes, expected.size()) == expected);
}

TEST_CASE("uniform stays below its bound", "[random]") {
  const std::uint64_t bound = GENERATE(
      std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{3}, std::uint64_t{10}, std::uint64_t{1000},
      (std::uint64_t{1} << 63) + 1, std::numeric_limits<std::uint64_t>::max());
  CAPTURE(bound);
  SeededRandom rng(bound);
  for (int i = 0; i < 2000; ++i) REQUIRE(rng.uniform(bound) < bound);
}

TEST_CASE("uniform covers every value of a small range evenly", "[random]") {
  SeededRandom rng(2024);
  constexpr std::uint64_t kBound = 6;
  constexpr int kDraws = 60000;
  std::array<int, kBound> counts{};
  for (int i = 0; i < kDraws; ++i) ++counts[rng.uniform(kBound)];
  for (const int n : counts) {
    // Expected 10000 each; 5 standard deviations is about 456.
    CHECK(n > 9500);
    CHECK(n < 10500);
  }
}

// With bound = 2^63 + 1, a modulo-biased generator would return values below 2^63 - 1
// about twice as often as values above; rejection sampling keeps them equally likely.
TEST_CASE("uniform has no modulo bias for a large bound", "[random]") {
  SeededRandom rng(99);
  const std::uint64_t bound = (std::uint64_t{1} << 63) + 1;
  int low = 0;
  constexpr int kDraws = 20000;
  for (int i = 0; i < kDraws; ++i) {
    if (rng.uniform(bound) < (std::uint64_t{1} << 62)) ++low;
  }
  // Unbiased: P(low) = 1/2 (biased would give 3/4).
  CHECK(low > 9500);
  CHECK(low < 10500);
}

TEST_CASE("SystemRandom fills buffers with fresh bytes", "[random]") {
  RandomSource& rng = system_random();
  const Bytes a = draw(rng, 32);
  const Bytes b = draw(rng, 32);
  CHECK(a != b);
  CHECK(a != Bytes(32, 0));
  const ByteArray<16> key = rng.bytes<16>();
  CHECK(key != ByteArray<16>{});
  CHECK(rng.uniform(5) < 5);
}

}  // namespace
}  // namespace greenlight

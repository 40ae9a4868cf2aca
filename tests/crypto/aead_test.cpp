#include "greenlight/crypto/aead.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <type_traits>

namespace greenlight {
namespace {

Bytes hex(std::string_view h) {
  auto r = from_hex(h);
  REQUIRE(r);
  return *r;
}

// The tests below speak in raw key bytes; these build the AeadKey object each time, so a
// wrong key size shows up as from_bytes()'s error.
Result<Bytes> aead_seal(ByteSpan key, ByteSpan nonce, ByteSpan plaintext, ByteSpan aad) {
  GL_ASSIGN_OR_RETURN(const AeadKey k, AeadKey::from_bytes(key));
  return k.seal(nonce, plaintext, aad);
}

Result<Bytes> aead_open(ByteSpan key, ByteSpan nonce, ByteSpan ciphertext, ByteSpan aad) {
  GL_ASSIGN_OR_RETURN(const AeadKey k, AeadKey::from_bytes(key));
  GL_ASSIGN_OR_RETURN(const SecretBytes plain, k.open(nonce, ciphertext, aad));
  return Bytes(plain.span().begin(), plain.span().end());
}

// McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 13 and 14
// (AES-256, zero key, zero 96-bit IV).
TEST_CASE("AES-256-GCM known answers (GCM spec test cases 13 and 14)", "[aead]") {
  struct Case {
    const char* name;
    const char* plaintext;
    const char* ciphertext_and_tag;
  };
  const auto c = GENERATE(values<Case>({
      {"test case 13", "", "530f8afbc74536b9a963b4f1c4cb738b"},
      {"test case 14", "00000000000000000000000000000000",
       "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"},
  }));
  CAPTURE(c.name);
  const Bytes key(32, 0);
  const Bytes nonce(12, 0);
  auto sealed = aead_seal(key, nonce, hex(c.plaintext), {});
  REQUIRE(sealed);
  CHECK(to_hex(*sealed) == c.ciphertext_and_tag);
  auto opened = aead_open(key, nonce, *sealed, {});
  REQUIRE(opened);
  CHECK(to_hex(*opened) == c.plaintext);
}

struct Fixture {
  Bytes key = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  Bytes nonce = hex("cafebabefacedbaddecaf888");
  Bytes aad = {'v', 'e', 'n', 'u', 'e'};
  Bytes plaintext = {'p', 'r', 'o', 't', 'e', 'c', 't', 'e',
                     'd', ' ', 'r', 'e', 'p', 'o', 'r', 't'};
};

TEST_CASE("AES-256-GCM round trip", "[aead]") {
  Fixture f;
  auto sealed = aead_seal(f.key, f.nonce, f.plaintext, f.aad);
  REQUIRE(sealed);
  CHECK(sealed->size() == f.plaintext.size() + kAeadTagSize);
  auto opened = aead_open(f.key, f.nonce, *sealed, f.aad);
  REQUIRE(opened);
  CHECK(*opened == f.plaintext);
}

TEST_CASE("AES-256-GCM tampering is an authentication error", "[aead]") {
  Fixture f;
  auto sealed = aead_seal(f.key, f.nonce, f.plaintext, f.aad);
  REQUIRE(sealed);
  const std::string what = GENERATE("ciphertext", "tag", "aad", "nonce", "key", "truncated");
  CAPTURE(what);
  Bytes ct = *sealed;
  Bytes aad = f.aad;
  Bytes nonce = f.nonce;
  Bytes key = f.key;
  if (what == "ciphertext") ct[0] ^= 1;
  if (what == "tag") ct.back() ^= 0x80;
  if (what == "aad") aad.push_back('!');
  if (what == "nonce") nonce[11] ^= 1;
  if (what == "key") key[0] ^= 1;
  if (what == "truncated") ct.resize(kAeadTagSize - 1);
  auto r = aead_open(key, nonce, ct, aad);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kAuthentication);
  CHECK(r.error().message == "authentication failed");
}

TEST_CASE("AES-256-GCM rejects wrong key and nonce sizes", "[aead]") {
  Fixture f;
  auto short_key = aead_seal(Bytes(16, 0), f.nonce, f.plaintext, {});
  REQUIRE_FALSE(short_key);
  CHECK(short_key.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(short_key.error().message, Catch::Contains("key must be 32 bytes, got 16"));
  auto long_nonce = aead_seal(f.key, Bytes(16, 0), f.plaintext, {});
  REQUIRE_FALSE(long_nonce);
  CHECK_THAT(long_nonce.error().message, Catch::Contains("nonce must be 12 bytes, got 16"));
  auto open_short_key = aead_open(Bytes(31, 0), f.nonce, Bytes(32, 0), {});
  REQUIRE_FALSE(open_short_key);
  CHECK(open_short_key.error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("AeadKey is built only from exactly 32 bytes and compares by value", "[aead]") {
  Fixture f;
  for (const std::size_t size :
       {std::size_t{0}, std::size_t{16}, std::size_t{31}, std::size_t{33}, std::size_t{64}}) {
    CAPTURE(size);
    auto k = AeadKey::from_bytes(Bytes(size, 7));
    REQUIRE_FALSE(k);
    CHECK(k.error().code == ErrorCode::kInvalidArgument);
  }
  auto a = AeadKey::from_bytes(f.key);
  REQUIRE(a);
  ByteArray<kAeadKeySize> raw{};
  std::copy(f.key.begin(), f.key.end(), raw.begin());
  CHECK(*a == AeadKey(raw));
  raw[31] ^= 1;
  CHECK_FALSE(*a == AeadKey(raw));
  CHECK(a->secret().array() == AeadKey(AeadKey::Secret(a->secret())).secret().array());
}

TEST_CASE("AeadKey::open returns the plaintext in wiping storage", "[aead]") {
  Fixture f;
  const AeadKey key = AeadKey::from_bytes(f.key).value();
  auto sealed = key.seal(f.nonce, f.plaintext, f.aad);
  REQUIRE(sealed);
  Result<SecretBytes> opened = key.open(f.nonce, *sealed, f.aad);
  STATIC_REQUIRE(std::is_same_v<decltype(opened), Result<SecretBytes>>);
  REQUIRE(opened);
  CHECK(Bytes(opened->span().begin(), opened->span().end()) == f.plaintext);
}

}  // namespace
}  // namespace greenlight

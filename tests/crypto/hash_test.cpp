#include "greenlight/crypto/hash.h"

#include <catch2/catch.hpp>
#include <functional>
#include <string>

#include "greenlight/crypto/random.h"

namespace greenlight {
namespace {

Bytes hex(std::string_view h) {
  auto r = from_hex(h);
  REQUIRE(r);
  return *r;
}

// FIPS 180-2 appendix B examples.
TEST_CASE("sha256 FIPS 180-2 vectors", "[hash]") {
  struct Case {
    const char* name;
    std::string message;
    const char* digest;
  };
  const auto c = GENERATE(values<Case>({
      {"B.1 abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"B.2 two blocks", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"empty string", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
  }));
  CAPTURE(c.name);
  CHECK(to_hex(sha256(as_bytes(c.message))) == c.digest);

  Sha256 incremental;
  for (const char ch : c.message) incremental.update(as_bytes(std::string_view(&ch, 1)));
  CHECK(to_hex(incremental.finish()) == c.digest);
  // finish() resets: the object can hash again.
  incremental.update(as_bytes(c.message));
  CHECK(to_hex(incremental.finish()) == c.digest);
}

TEST_CASE("Sha256 is movable", "[hash]") {
  Sha256 a;
  a.update(as_bytes("ab"));
  Sha256 b(std::move(a));
  b.update(as_bytes("c"));
  CHECK(to_hex(b.finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// RFC 4231 test cases 1 and 2 (HMAC-SHA256).
TEST_CASE("hmac_sha256 RFC 4231 vectors", "[hash]") {
  struct Case {
    const char* name;
    Bytes key;
    std::string data;
    const char* mac;
  };
  const auto c = GENERATE(values<Case>({
      {"RFC 4231 test case 1", Bytes(20, 0x0b), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"RFC 4231 test case 2", Bytes{'J', 'e', 'f', 'e'}, "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
  }));
  CAPTURE(c.name);
  CHECK(to_hex(hmac_sha256(c.key, as_bytes(c.data))) == c.mac);
}

// Computed with Python's hmac module: hmac.new(b"", b"x", hashlib.sha256). Run after a call
// with another key, since the implementation reuses its HMAC context.
TEST_CASE("hmac_sha256 with an empty key", "[hash]") {
  const Bytes other_key = {1, 2, 3};
  CHECK(hmac_sha256(other_key, as_bytes("x")) != hmac_sha256({}, as_bytes("x")));
  CHECK(to_hex(hmac_sha256({}, as_bytes("x"))) ==
        "4cbc96099a6467ce002461f10549b4898265ebe6188b45efacc44293516e62c4");
}

// RFC 5869 appendix A, test cases 1-3 (SHA-256).
TEST_CASE("hkdf_sha256 RFC 5869 vectors", "[hash]") {
  struct Case {
    const char* name;
    const char* ikm;
    const char* salt;
    const char* info;
    std::size_t length;
    const char* okm;
  };
  const auto c = GENERATE(values<Case>({
      {"RFC 5869 A.1 test case 1", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
       "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42,
       "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
      {"RFC 5869 A.2 test case 2",
       "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2"
       "c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f",
       "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8"
       "c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
       "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbd"
       "cdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
       82,
       "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e"
       "590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"},
      {"RFC 5869 A.3 test case 3 (zero-length salt and info)",
       "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "", 42,
       "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
  }));
  CAPTURE(c.name);
  auto okm = hkdf_sha256(hex(c.ikm), hex(c.salt), hex(c.info), c.length);
  REQUIRE(okm);
  CHECK(to_hex(okm->span()) == c.okm);
}

TEST_CASE("hkdf_sha256 empty salt equals 32 zero bytes", "[hash]") {
  const Bytes ikm = hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  auto a = hkdf_sha256(ikm, {}, as_bytes("info"), 40);
  auto b = hkdf_sha256(ikm, Bytes(32, 0), as_bytes("info"), 40);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a == *b);
}

// Computed with pyca/cryptography 48.0.0: HKDF(SHA256(), length=16, salt=None, info=None)
// .derive(b"").
TEST_CASE("hkdf_sha256 accepts an empty IKM", "[hash]") {
  auto general = hkdf_sha256({}, {}, {}, 16);
  REQUIRE(general);
  CHECK(to_hex(general->span()) == "eb70f01dede9afafa449eee1b1286504");
  ByteArray<16> fast{};
  hkdf_sha256_16({}, {}, fast);
  CHECK(to_hex(fast) == "eb70f01dede9afafa449eee1b1286504");
}

TEST_CASE("hkdf_sha256 output length limits", "[hash]") {
  const Bytes ikm(16, 1);
  auto max = hkdf_sha256(ikm, {}, {}, 255 * 32);
  REQUIRE(max);
  CHECK(max->size() == 255 * 32);
  auto too_long = hkdf_sha256(ikm, {}, {}, 255 * 32 + 1);
  REQUIRE_FALSE(too_long);
  CHECK(too_long.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(too_long.error().message, Catch::Contains("got 8161"));
  auto zero = hkdf_sha256(ikm, {}, {}, 0);
  REQUIRE_FALSE(zero);
  CHECK(zero.error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("hkdf_sha256_16 equals the general HKDF with empty salt", "[hash]") {
  // Labels shorter than a SHA-256 block (hashed with the counter in one update), and 63, 64
  // and 200 bytes long (the block's edge and beyond: info and counter hashed apart).
  const auto info = GENERATE(as<std::string>{}, "", "EN-RPIK", "EN-AEMK", "a longer info string",
                             std::string(63, 'x'), std::string(64, 'y'), std::string(200, 'z'));
  CAPTURE(info);
  SeededRandom rng(std::hash<std::string>{}(info));
  for (int i = 0; i < 20; ++i) {
    const auto ikm = rng.bytes<16>();
    ByteArray<16> fast{};
    hkdf_sha256_16(ikm, as_bytes(info), fast);
    auto slow = hkdf_sha256(ikm, {}, as_bytes(info), 16);
    REQUIRE(slow);
    REQUIRE(constant_time_equal(fast, slow->span()));
  }
}

}  // namespace
}  // namespace greenlight

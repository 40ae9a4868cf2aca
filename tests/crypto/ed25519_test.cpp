#include "greenlight/crypto/ed25519.h"

#include <catch2/catch.hpp>

namespace greenlight {
namespace {

template <std::size_t N>
ByteArray<N> hex(std::string_view h) {
  auto r = from_hex_fixed<N>(h);
  REQUIRE(r);
  return *r;
}

// RFC 8032 section 7.1, TEST 1 (empty message).
constexpr const char* kTest1Secret =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr const char* kTest1Public =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr const char* kTest1Signature =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b4"
    "6bd25bf5f0595bbe24655141438e7a100b";

TEST_CASE("RFC 8032 TEST 1", "[ed25519]") {
  auto key = Ed25519PrivateKey::from_seed(hex<32>(kTest1Secret));
  REQUIRE(key);
  CHECK(to_hex(key->seed().span()) == kTest1Secret);
  const Ed25519PublicKey pub = key->public_key();
  CHECK(to_hex(pub.raw()) == kTest1Public);

  auto sig = key->sign({});
  REQUIRE(sig);
  CHECK(to_hex(*sig) == kTest1Signature);

  auto from_raw = Ed25519PublicKey::from_raw(hex<32>(kTest1Public));
  REQUIRE(from_raw);
  CHECK(from_raw->verify({}, hex<64>(kTest1Signature)));
}

TEST_CASE("RFC 8032 TEST 1 rejects tampering", "[ed25519]") {
  auto pub = Ed25519PublicKey::from_raw(hex<32>(kTest1Public));
  REQUIRE(pub);
  const auto sig = hex<64>(kTest1Signature);
  const auto pos = GENERATE(as<std::size_t>{}, 0, 31, 32, 63);
  CAPTURE(pos);
  auto bad = sig;
  bad[pos] ^= 0x01;
  auto r = pub->verify({}, bad);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kAuthentication);
  CHECK_FALSE(pub->verify(as_bytes("x"), sig));
  CHECK_FALSE(pub->verify({}, ByteSpan(sig.data(), 63)));
}

TEST_CASE("generated Ed25519 keys sign and verify", "[ed25519]") {
  auto key = Ed25519PrivateKey::generate();
  REQUIRE(key);
  const Bytes message = {'c', 'h', 'e', 'c', 'k', 'p', 'o', 'i', 'n', 't'};
  auto sig = key->sign(message);
  REQUIRE(sig);
  CHECK(key->public_key().verify(message, *sig));
  auto again = Ed25519PrivateKey::from_seed(key->seed().span());
  REQUIRE(again);
  CHECK(again->public_key().raw() == key->public_key().raw());
  auto other = Ed25519PrivateKey::generate();
  REQUIRE(other);
  CHECK_FALSE(other->public_key().verify(message, *sig));
}

TEST_CASE("Ed25519 key sizes are checked", "[ed25519]") {
  auto short_pub = Ed25519PublicKey::from_raw(Bytes(31, 1));
  REQUIRE_FALSE(short_pub);
  CHECK(short_pub.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(short_pub.error().message, Catch::Contains("got 31"));
  auto long_seed = Ed25519PrivateKey::from_seed(Bytes(33, 1));
  REQUIRE_FALSE(long_seed);
  CHECK_THAT(long_seed.error().message, Catch::Contains("got 33"));
}

}  // namespace
}  // namespace greenlight

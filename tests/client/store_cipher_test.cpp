#include "greenlight/client/store_cipher.h"

#include <catch2/catch.hpp>
#include <string>

namespace greenlight::client {
namespace {

StoreKey key_of(std::uint8_t fill) {
  ByteArray<kStoreKeySize> bytes{};
  bytes.fill(fill);
  return StoreKey(bytes);
}

ByteArray<kStoreSaltSize> salt_of(std::uint8_t fill) {
  ByteArray<kStoreSaltSize> salt{};
  salt.fill(fill);
  return salt;
}

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST_CASE("the store cipher seals rows bound to their table and context", "[store][cipher]") {
  auto cipher = StoreCipher::derive(key_of(7), salt_of(1));
  REQUIRE(cipher);
  CHECK(cipher->encrypted());
  const Bytes plain = text("an encounter row");
  const Bytes context = text("row-1");
  auto sealed = cipher->seal("encounter", context, plain);
  REQUIRE(sealed);
  CHECK(sealed->size() == plain.size() + 12 + 16);
  CHECK(std::search(sealed->begin(), sealed->end(), plain.begin(), plain.end()) == sealed->end());
  auto opened = cipher->open("encounter", context, *sealed);
  REQUIRE(opened);
  CHECK(Bytes(opened->span().begin(), opened->span().end()) == plain);

  // Two seals of one value differ (random nonces).
  auto again = cipher->seal("encounter", context, plain);
  REQUIRE(again);
  CHECK(*again != *sealed);

  SECTION("another table, row, key or salt, or a flipped bit does not open it") {
    auto other_table = cipher->open("own_tek", context, *sealed);
    REQUIRE_FALSE(other_table);
    CHECK(other_table.error().code == ErrorCode::kAuthentication);
    CHECK_FALSE(cipher->open("encounter", text("row-2"), *sealed));
    auto other_key = StoreCipher::derive(key_of(8), salt_of(1));
    REQUIRE(other_key);
    CHECK_FALSE(other_key->open("encounter", context, *sealed));
    auto other_salt = StoreCipher::derive(key_of(7), salt_of(2));
    REQUIRE(other_salt);
    CHECK_FALSE(other_salt->open("encounter", context, *sealed));
    Bytes flipped = *sealed;
    flipped.back() ^= 1;
    CHECK_FALSE(cipher->open("encounter", context, flipped));
    CHECK_FALSE(cipher->open("encounter", context, ByteSpan(*sealed).first(20)));
  }
}

TEST_CASE("lookup tags are keyed, per table and per database", "[store][cipher]") {
  auto a = StoreCipher::derive(key_of(7), salt_of(1));
  auto b = StoreCipher::derive(key_of(7), salt_of(2));
  REQUIRE(a);
  REQUIRE(b);
  const Bytes rpi = text("0123456789abcdef");
  const Bytes tag = a->lookup_tag("encounter", rpi);
  CHECK(tag.size() == kLookupTagSize);
  CHECK(tag == a->lookup_tag("encounter", rpi));
  CHECK(tag != rpi);
  CHECK(tag != a->lookup_tag("exposure_window", rpi));
  CHECK(tag != b->lookup_tag("encounter", rpi));
}

TEST_CASE("the verifier tells the right store key from a wrong one", "[store][cipher]") {
  auto right = StoreCipher::derive(key_of(7), salt_of(1));
  auto wrong = StoreCipher::derive(key_of(9), salt_of(1));
  REQUIRE(right);
  REQUIRE(wrong);
  CHECK(right->matches(right->verifier()));
  CHECK_FALSE(wrong->matches(right->verifier()));
  CHECK_FALSE(right->matches(ByteSpan(right->verifier()).first(16)));
  auto bad_salt = StoreCipher::derive(key_of(7), ByteSpan(salt_of(1)).first(15));
  REQUIRE_FALSE(bad_salt);
  CHECK(bad_salt.error().message == "store salt must be 16 bytes, got 15");
}

TEST_CASE("the plaintext cipher passes values through", "[store][cipher]") {
  const StoreCipher plain;
  CHECK_FALSE(plain.encrypted());
  const Bytes value = text("value");
  auto sealed = plain.seal("encounter", {}, value);
  REQUIRE(sealed);
  CHECK(*sealed == value);
  auto opened = plain.open("encounter", {}, value);
  REQUIRE(opened);
  CHECK(Bytes(opened->span().begin(), opened->span().end()) == value);
  CHECK(plain.lookup_tag("encounter", value) == value);
}

}  // namespace
}  // namespace greenlight::client

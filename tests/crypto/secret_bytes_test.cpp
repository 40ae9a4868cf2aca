#include "greenlight/crypto/secret_bytes.h"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>

namespace greenlight {
namespace {

TEST_CASE("secure_wipe zeroes memory", "[secret_bytes]") {
  std::array<std::uint8_t, 37> buf{};
  buf.fill(0xa5);
  secure_wipe(buf.data(), buf.size());
  CHECK(std::all_of(buf.begin(), buf.end(), [](std::uint8_t b) { return b == 0; }));
  secure_wipe(nullptr, 0);
}

TEST_CASE("constant_time_equal compares contents and lengths", "[secret_bytes]") {
  const Bytes a = {1, 2, 3, 4};
  const Bytes b = {1, 2, 3, 4};
  const Bytes c = {1, 2, 3, 5};
  const Bytes d = {1, 2, 3};
  CHECK(constant_time_equal(a, b));
  CHECK_FALSE(constant_time_equal(a, c));
  CHECK_FALSE(constant_time_equal(a, d));
  CHECK(constant_time_equal(ByteSpan{}, ByteSpan{}));
}

TEST_CASE("SecretArray stores, compares and rejects wrong-size input", "[secret_bytes]") {
  const ByteArray<4> raw = {9, 8, 7, 6};
  const SecretArray<4> a(raw);
  SecretArray<4> b{ByteSpan(raw)};
  CHECK(a == b);
  CHECK(a.array() == raw);
  b.data()[3] = 0;
  CHECK_FALSE(a == b);
  const Bytes wrong = {1, 2, 3};
  const SecretArray<4> zero(ByteSpan{wrong});
  CHECK(zero.array() == ByteArray<4>{});
  SecretArray<4> copy;
  copy = a;
  CHECK(copy == a);
}

TEST_CASE("SecretBytes copy, move, compare", "[secret_bytes]") {
  const Bytes raw = {0xde, 0xad, 0xbe, 0xef, 0x01};
  SecretBytes a(raw);
  REQUIRE(a.size() == 5);
  CHECK(std::equal(a.span().begin(), a.span().end(), raw.begin(), raw.end()));

  SecretBytes copy(a);
  CHECK(copy == a);
  copy.data()[0] ^= 1;
  CHECK_FALSE(copy == a);

  SecretBytes moved(std::move(copy));
  CHECK(moved.size() == 5);

  SecretBytes assigned(3);
  CHECK(assigned.size() == 3);
  assigned = a;
  CHECK(assigned == a);

  SecretBytes move_assigned(2);
  move_assigned = std::move(assigned);
  CHECK(move_assigned == a);

  CHECK_FALSE(SecretBytes(Bytes{1, 2}) == SecretBytes(Bytes{1, 2, 3}));
  CHECK(SecretBytes().empty());
}

}  // namespace
}  // namespace greenlight

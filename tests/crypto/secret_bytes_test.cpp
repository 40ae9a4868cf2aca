#include "greenlight/crypto/secret_bytes.h"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <type_traits>

#include "greenlight/crypto/gaen.h"

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
  auto from_span = SecretArray<4>::from_span(ByteSpan(raw));
  REQUIRE(from_span);
  SecretArray<4> b = *from_span;
  CHECK(a == b);
  CHECK(a.array() == raw);
  b.data()[3] = 0;
  CHECK_FALSE(a == b);
  // A wrong size is an error, never a silently zero-filled key.
  for (const Bytes& wrong : {Bytes{1, 2, 3}, Bytes{1, 2, 3, 4, 5}, Bytes{}}) {
    auto r = SecretArray<4>::from_span(ByteSpan{wrong});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kInvalidArgument);
    CHECK_THAT(r.error().message,
               Catch::Contains("4-byte secret was expected, got " + std::to_string(wrong.size())));
  }
  SecretArray<4> copy;
  copy = a;
  CHECK(copy == a);
}

// Keys of one size but different roles are distinct types: none converts to another.
static_assert(!std::is_convertible_v<Tek, Rpik> && !std::is_constructible_v<Rpik, Tek>);
static_assert(!std::is_constructible_v<Aemk, Rpik> && !std::is_constructible_v<Tek, Aemk>);
static_assert(!std::is_constructible_v<Tek, ByteSpan>);  // only from_span(), which checks
static_assert(std::is_constructible_v<Tek, ByteArray<16>>);

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

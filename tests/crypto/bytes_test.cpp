#include "greenlight/crypto/bytes.h"

#include <catch2/catch.hpp>
#include <string>

namespace greenlight {
namespace {

TEST_CASE("to_hex and from_hex round trip", "[bytes]") {
  const Bytes data = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
  CHECK(to_hex(data) == "00017f80abff");
  auto back = from_hex("00017f80abff");
  REQUIRE(back);
  CHECK(*back == data);
  auto upper = from_hex("00017F80ABFF");
  REQUIRE(upper);
  CHECK(*upper == data);
  auto empty = from_hex("");
  REQUIRE(empty);
  CHECK(empty->empty());
}

TEST_CASE("from_hex rejects malformed input", "[bytes]") {
  struct Case {
    const char* name;
    const char* input;
    const char* message_part;
  };
  const auto c = GENERATE(values<Case>({
      {"odd length", "abc", "even number of digits, got 3"},
      {"single digit", "0", "even number of digits, got 1"},
      {"non-hex letter", "0g", "'g' at position 1"},
      {"space", "00 1", "' ' at position 2"},
      {"non-ascii",
       "00\xff"
       "0",
       "byte 0xff at position 2"},
  }));
  CAPTURE(c.name);
  auto r = from_hex(c.input);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(r.error().message, Catch::Contains(c.message_part));
}

TEST_CASE("from_hex_fixed checks the decoded length", "[bytes]") {
  auto ok = from_hex_fixed<4>("40080000");
  REQUIRE(ok);
  CHECK((*ok)[1] == 0x08);
  auto short_input = from_hex_fixed<4>("400800");
  REQUIRE_FALSE(short_input);
  CHECK_THAT(short_input.error().message, Catch::Contains("expected 4 bytes of hex, got 3"));
  CHECK_FALSE(from_hex_fixed<4>("4008000z"));
}

// RFC 4648 section 10 test vectors.
TEST_CASE("base64 RFC 4648 section 10 vectors", "[bytes]") {
  struct Case {
    const char* plain;
    const char* base64;
    const char* base64url;
  };
  const auto c = GENERATE(values<Case>({
      {"", "", ""},
      {"f", "Zg==", "Zg"},
      {"fo", "Zm8=", "Zm8"},
      {"foo", "Zm9v", "Zm9v"},
      {"foob", "Zm9vYg==", "Zm9vYg"},
      {"fooba", "Zm9vYmE=", "Zm9vYmE"},
      {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
  }));
  CAPTURE(c.plain);
  const ByteSpan plain = as_bytes(c.plain);
  CHECK(base64_encode(plain) == c.base64);
  CHECK(base64url_encode(plain) == c.base64url);
  auto d1 = base64_decode(c.base64);
  REQUIRE(d1);
  CHECK(as_string_view(*d1) == c.plain);
  auto d2 = base64url_decode(c.base64url);
  REQUIRE(d2);
  CHECK(as_string_view(*d2) == c.plain);
}

TEST_CASE("base64 and base64url differ only in the two last alphabet characters", "[bytes]") {
  const Bytes data = {0xfb, 0xff, 0xbf};
  CHECK(base64_encode(data) == "+/+/");
  CHECK(base64url_encode(data) == "-_-_");
  auto std_form = base64_decode("+/+/");
  REQUIRE(std_form);
  CHECK(*std_form == data);
  auto url_form = base64url_decode("-_-_");
  REQUIRE(url_form);
  CHECK(*url_form == data);
}

TEST_CASE("base64_decode rejects malformed input", "[bytes]") {
  struct Case {
    const char* name;
    const char* input;
    const char* message_part;
  };
  const auto c = GENERATE(values<Case>({
      {"length not a multiple of 4", "Zm9", "multiple of 4, got 3"},
      {"missing padding", "Zg", "multiple of 4, got 2"},
      {"bad character", "Zm*v", "'*' at position 2"},
      {"url alphabet in standard base64", "-_-_", "'-' at position 0"},
      {"padding in the middle", "Zg==Zm9v", "'=' at position 2"},
      {"three padding characters", "Z===", "'=' at position 1"},
      {"non-canonical trailing bits", "Zh==", "not canonical"},
  }));
  CAPTURE(c.name);
  auto r = base64_decode(c.input);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(r.error().message, Catch::Contains(c.message_part));
}

TEST_CASE("base64url_decode rejects malformed input", "[bytes]") {
  struct Case {
    const char* name;
    const char* input;
    const char* message_part;
  };
  const auto c = GENERATE(values<Case>({
      {"impossible length", "Zm9vY", "length mod 4 == 1"},
      {"padding is not accepted", "Zg==", "'=' at position 2"},
      {"standard alphabet", "+/+/", "'+' at position 0"},
      {"non-canonical trailing bits", "Zh", "not canonical"},
  }));
  CAPTURE(c.name);
  auto r = base64url_decode(c.input);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(r.error().message, Catch::Contains(c.message_part));
}

TEST_CASE("base64 round trips every byte value and length", "[bytes]") {
  Bytes data;
  for (int i = 0; i < 256; ++i) data.push_back(static_cast<std::uint8_t>(255 - i));
  for (std::size_t len = 0; len <= data.size(); len += 1) {
    const ByteSpan part(data.data(), len);
    auto a = base64_decode(base64_encode(part));
    auto b = base64url_decode(base64url_encode(part));
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(std::equal(a->begin(), a->end(), part.begin(), part.end()));
    REQUIRE(std::equal(b->begin(), b->end(), part.begin(), part.end()));
  }
}

}  // namespace
}  // namespace greenlight

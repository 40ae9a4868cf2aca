#include "greenlight/client/exposure_window.h"

#include <catch2/catch.hpp>
#include <string_view>

#include "greenlight/crypto/hash.h"

namespace greenlight::client {
namespace {

TEST_CASE("the key tag is a truncated, domain-separated SHA-256 of the key", "[exposure_window]") {
  const Tek a(ByteArray<16>{1, 2, 3});
  const Tek b(ByteArray<16>{1, 2, 4});
  Bytes input(std::string_view("GL-KEY-TAG").begin(), std::string_view("GL-KEY-TAG").end());
  input.insert(input.end(), a.span().begin(), a.span().end());
  const Sha256Digest digest = sha256(input);
  const KeyTag tag = key_tag(a);
  CHECK(std::equal(tag.begin(), tag.end(), digest.begin()));
  CHECK(key_tag(a) == tag);
  CHECK_FALSE(key_tag(b) == tag);
  // Not the plain hash of the key: a tag cannot be looked up in a table of key hashes.
  const Sha256Digest plain = sha256(a.span());
  CHECK_FALSE(std::equal(tag.begin(), tag.end(), plain.begin()));
}

}  // namespace
}  // namespace greenlight::client

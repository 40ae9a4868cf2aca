// The short HKDF that the key schedule uses on every phone (hkdf_sha256_16, GaenExpander's
// RPIK and AEMK) is HKDF-SHA256 exactly: the same bytes as OpenSSL's EVP_KDF HKDF
// (hkdf_sha256) for every IKM and info length around the SHA-256 block boundaries, and the
// first 16 bytes of the RFC 5869 zero-salt vector.
#include <catch2/catch.hpp>
#include <string>

#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/random.h"

namespace greenlight {
namespace {

TEST_CASE("hkdf_sha256_16 equals EVP_KDF HKDF for IKM and info lengths 0..130", "[hash]") {
  SeededRandom rng(17);
  for (std::size_t ikm_len = 0; ikm_len <= 130; ikm_len += 1) {
    const std::size_t info_len = (ikm_len * 7) % 131;
    Bytes ikm(ikm_len);
    Bytes info(info_len);
    rng.fill(ikm);
    rng.fill(info);
    CAPTURE(ikm_len, info_len);
    auto reference = hkdf_sha256(ikm, {}, info, 16);
    REQUIRE(reference);
    ByteArray<16> fast{};
    hkdf_sha256_16(ikm, info, fast);
    CHECK(to_hex(fast) == to_hex(reference->span()));
  }
}

// RFC 5869 A.3 (no salt, no info): OKM starts 8da4e775a563c18f715f802a063c5a31.
TEST_CASE("hkdf_sha256_16 RFC 5869 A.3, first 16 bytes", "[hash]") {
  const Bytes ikm(22, 0x0b);
  ByteArray<16> out{};
  hkdf_sha256_16(ikm, {}, out);
  CHECK(to_hex(out) == "8da4e775a563c18f715f802a063c5a31");
}

TEST_CASE("GaenExpander's RPIK and AEMK are HKDF-SHA256 of the TEK", "[gaen]") {
  SeededRandom rng(18);
  GaenExpander ex;
  for (int i = 0; i < 200; ++i) {
    Tek tek;
    rng.fill(tek.mutable_span());
    auto rpik = hkdf_sha256(tek.span(), {}, as_bytes(std::string_view("EN-RPIK")), 16);
    auto aemk = hkdf_sha256(tek.span(), {}, as_bytes(std::string_view("EN-AEMK")), 16);
    REQUIRE(rpik);
    REQUIRE(aemk);
    CHECK(to_hex(ex.rpik(tek).span()) == to_hex(rpik->span()));
    CHECK(to_hex(ex.aemk(tek).span()) == to_hex(aemk->span()));
  }
}

}  // namespace
}  // namespace greenlight

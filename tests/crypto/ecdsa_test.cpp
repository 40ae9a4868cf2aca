#include "greenlight/crypto/ecdsa.h"

#include <catch2/catch.hpp>
#include <string>

namespace greenlight {
namespace {

Bytes hex(std::string_view h) {
  auto r = from_hex(h);
  REQUIRE(r);
  return *r;
}

// reference/gaen.md section 3c: google/exposure-notifications-server
// examples/export/testExport-2-records-1-of-1.zip (export.bin, the signature from export.sig)
// and examples/export/public.pem.
constexpr const char* kExportBin =
    "454b204578706f72742076312020202009f0e8c75e0000000011703ac95e000000001a0255532001280132211a0131"
    "2207736f6d655f69642a13312e322e3834302e31303034352e342e332e323a1b0a10172fc480e598490c34177604"
    "339b1543100818fcdea10120013a1b0a102b63053ac483238de176169e861f3dcd1001188adea1012072";
constexpr const char* kExportSignatureDer =
    "30460221009eb6e9d5ad6a688fa970b0e67c0886345eefdd1819592edd84604a1ccf4d0247022100906d7fcdf211"
    "c710f84a2a7917000573bef0ef27a4974129de2876ac6819f66a";
constexpr const char* kExportSignatureRaw =
    "9eb6e9d5ad6a688fa970b0e67c0886345eefdd1819592edd84604a1ccf4d0247"
    "906d7fcdf211c710f84a2a7917000573bef0ef27a4974129de2876ac6819f66a";
constexpr const char* kExportPublicKeyBase64 =
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEml59itec9qzwVojreLXdPNRsUWzfYHc1cKvIIi6/H56AJS/kZEYQnfDpx"
    "rgyGhdAm+pNN2GAJ3XdnQZ1Sk4amg==";

// A throwaway P-256 key in SEC1 ("EC PRIVATE KEY") form, generated for this test with
// `openssl ecparam -genkey -name prime256v1 -noout`, and its SPKI public key.
constexpr const char* kSec1PrivatePem =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIJM4pUieV4aSIa6uUpvV+PW1LpqfzHXnNoTZgE58GbJPoAoGCCqGSM49\n"
    "AwEHoUQDQgAE+SCj6rY3RcL7akGK9SKhbUwQ6Yc/IizP67XItwYDZqqKwCXbFzie\n"
    "gk0XHM4hHz39bnlWWXz83rEkzzW3x/aq8A==\n"
    "-----END EC PRIVATE KEY-----\n";
constexpr const char* kSec1PublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE+SCj6rY3RcL7akGK9SKhbUwQ6Yc/\n"
    "IizP67XItwYDZqqKwCXbFziegk0XHM4hHz39bnlWWXz83rEkzzW3x/aq8A==\n"
    "-----END PUBLIC KEY-----\n";
// A P-384 public key (wrong curve).
constexpr const char* kP384PublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEaAnoo9eedZ/Aryeor8AXuTAadIhFHJAs\n"
    "1eLOlZfSDAGZxxU1QBV12iLfcfnOlWiqIJoSsZGdqF5TxgoisJVFKiGEth0ChCmS\n"
    "L7PkZY6wgKL0ITcpfCx4rGJd94RaZeka\n"
    "-----END PUBLIC KEY-----\n";

EcdsaP256PublicKey export_public_key() {
  auto der = base64_decode(kExportPublicKeyBase64);
  REQUIRE(der);
  auto key = EcdsaP256PublicKey::from_spki_der(*der);
  REQUIRE(key);
  return *key;
}

TEST_CASE("export.bin signature vector verifies (SRV example)", "[ecdsa]") {
  const Bytes export_bin = hex(kExportBin);
  REQUIRE(export_bin.size() == 135);
  const EcdsaP256PublicKey key = export_public_key();
  CHECK(key.verify(export_bin, hex(kExportSignatureDer)));
  CHECK(key.verify_raw(export_bin, hex(kExportSignatureRaw)));

  Bytes tampered = export_bin;
  tampered[20] ^= 0x01;
  auto bad = key.verify(tampered, hex(kExportSignatureDer));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::kAuthentication);
  CHECK(bad.error().message == "authentication failed");

  Bytes bad_sig = hex(kExportSignatureDer);
  bad_sig[40] ^= 0x80;
  CHECK_FALSE(key.verify(export_bin, bad_sig));
  CHECK_FALSE(key.verify(export_bin, {}));
  CHECK_FALSE(key.verify_raw(export_bin, Bytes(63, 1)));
}

TEST_CASE("SPKI public key round trips through PEM and DER", "[ecdsa]") {
  const EcdsaP256PublicKey key = export_public_key();
  const Bytes der = key.to_spki_der();
  CHECK(base64_encode(der) == kExportPublicKeyBase64);
  const std::string pem = key.to_pem();
  CHECK_THAT(pem, Catch::StartsWith("-----BEGIN PUBLIC KEY-----\n"));
  auto again = EcdsaP256PublicKey::from_pem(pem);
  REQUIRE(again);
  CHECK(again->to_spki_der() == der);
  CHECK(again->verify(hex(kExportBin), hex(kExportSignatureDer)));
}

TEST_CASE("public keys that are not P-256 SPKI are rejected", "[ecdsa]") {
  auto p384 = EcdsaP256PublicKey::from_pem(kP384PublicPem);
  REQUIRE_FALSE(p384);
  CHECK(p384.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(p384.error().message, Catch::Contains("P-256"));

  auto garbage = EcdsaP256PublicKey::from_pem("not a pem");
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().code == ErrorCode::kInvalidArgument);

  auto der = base64_decode(kExportPublicKeyBase64);
  REQUIRE(der);
  Bytes trailing = *der;
  trailing.push_back(0);
  CHECK_FALSE(EcdsaP256PublicKey::from_spki_der(trailing));
  Bytes truncated(der->begin(), der->end() - 1);
  CHECK_FALSE(EcdsaP256PublicKey::from_spki_der(truncated));
  CHECK_FALSE(EcdsaP256PublicKey::from_spki_der({}));
}

TEST_CASE("sign and verify round trip; tampering is rejected", "[ecdsa]") {
  auto key = EcdsaP256PrivateKey::generate();
  REQUIRE(key);
  const EcdsaP256PublicKey pub = key->public_key();
  const Bytes message = {'e', 'x', 'p', 'o', 'r', 't'};

  auto sig = key->sign(message);
  REQUIRE(sig);
  CHECK(sig->size() >= 8);
  CHECK(sig->size() <= 72);
  CHECK(pub.verify(message, *sig));

  Bytes other = message;
  other.back() ^= 1;
  CHECK_FALSE(pub.verify(other, *sig));
  for (const std::size_t pos : {std::size_t{5}, sig->size() / 2, sig->size() - 1}) {
    CAPTURE(pos);
    Bytes bad = *sig;
    bad[pos] ^= 0x04;
    CHECK_FALSE(pub.verify(message, bad));
  }

  auto raw = key->sign_raw(message);
  REQUIRE(raw);
  CHECK(raw->size() == 64);
  CHECK(pub.verify_raw(message, *raw));
  Bytes bad_raw = *raw;
  bad_raw[63] ^= 1;
  CHECK_FALSE(pub.verify_raw(message, bad_raw));

  auto other_key = EcdsaP256PrivateKey::generate();
  REQUIRE(other_key);
  CHECK_FALSE(other_key->public_key().verify(message, *sig));
}

TEST_CASE("private key PEM: PKCS#8 round trip and SEC1 import", "[ecdsa]") {
  auto sec1 = EcdsaP256PrivateKey::from_pem(kSec1PrivatePem);
  REQUIRE(sec1);
  CHECK(sec1->public_key().to_pem() == kSec1PublicPem);

  const std::string pkcs8 = sec1->to_pem();
  CHECK_THAT(pkcs8, Catch::StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  auto again = EcdsaP256PrivateKey::from_pem(pkcs8);
  REQUIRE(again);
  CHECK(again->public_key().to_pem() == kSec1PublicPem);

  const Bytes message = {1, 2, 3};
  auto sig = again->sign(message);
  REQUIRE(sig);
  auto pub = EcdsaP256PublicKey::from_pem(kSec1PublicPem);
  REQUIRE(pub);
  CHECK(pub->verify(message, *sig));

  auto bad = EcdsaP256PrivateKey::from_pem(kSec1PublicPem);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("DER <-> raw signature conversion", "[ecdsa]") {
  auto raw = ecdsa_der_to_raw(hex(kExportSignatureDer));
  REQUIRE(raw);
  CHECK(to_hex(*raw) == kExportSignatureRaw);
  auto der = ecdsa_raw_to_der(*raw);
  REQUIRE(der);
  CHECK(to_hex(*der) == kExportSignatureDer);

  // Small r and s: DER drops leading zeros, raw keeps them as padding.
  Bytes small(64, 0);
  small[31] = 0x01;
  small[63] = 0x7f;
  auto small_der = ecdsa_raw_to_der(small);
  REQUIRE(small_der);
  CHECK(to_hex(*small_der) == "300602010102017f");
  auto small_raw = ecdsa_der_to_raw(*small_der);
  REQUIRE(small_raw);
  CHECK(*small_raw == small);
}

TEST_CASE("malformed signatures are conversion errors", "[ecdsa]") {
  struct Case {
    const char* name;
    const char* der;
  };
  const auto c = GENERATE(values<Case>({
      {"empty", ""},
      {"not a sequence", "0201010201"},
      {"truncated", "30060201010201"},
      {"trailing byte",
       "3006020101020101"
       "00"},
      {"r wider than 32 bytes",
       "302502210100000000000000000000000000000000000000000000000000000000000000020101"},
  }));
  CAPTURE(c.name);
  auto r = ecdsa_der_to_raw(hex(c.der));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kInvalidArgument);

  auto wrong_size = ecdsa_raw_to_der(Bytes(65, 1));
  REQUIRE_FALSE(wrong_size);
  CHECK_THAT(wrong_size.error().message, Catch::Contains("got 65"));
}

}  // namespace
}  // namespace greenlight

#include "greenlight/server/certificate.h"

#include <catch2/catch.hpp>

#include "greenlight/wire/upload_auth.h"
#include "test_server.h"

namespace greenlight::server::testing {
namespace json = boost::json;

namespace {

std::string b64url(std::string_view s) { return base64url_encode(as_bytes(s)); }

struct Forger {
  EcdsaP256PrivateKey key = *EcdsaP256PrivateKey::generate();

  std::string sign(const json::object& header, const json::object& payload) const {
    const std::string input =
        b64url(json::serialize(header)) + "." + b64url(json::serialize(payload));
    return input + "." + base64url_encode(*key.sign_raw(as_bytes(input)));
  }
};

json::object claims(const CertificateExpectations& e, const Sha256Digest& tekmac) {
  return json::object{{"iss", e.issuer},
                      {"aud", e.audience},
                      {"iat", e.now},
                      {"nbf", e.now},
                      {"exp", e.now + 900},
                      {"jti", "AAAAAAAAAAAAAAAAAAAAAA"},
                      {"reportType", "confirmed"},
                      {"purpose", "keys"},
                      {"tekmac", base64_encode(tekmac)}};
}

}  // namespace

TEST_CASE("a certificate round-trips and binds its claims", "[certificate]") {
  const auto key = *EcdsaP256PrivateKey::generate();
  const std::string kid = authority_key_id(key.public_key());
  CHECK(kid.size() == 16);
  CertificateClaims c{"iss",
                      "aud",
                      kT0,
                      kT0,
                      kT0 + 900,
                      "AAAAAAAAAAAAAAAAAAAAAA",
                      CodeGrant{ReportType::kConfirmedClinicalDiagnosis, 2940000, "keys"},
                      {}};
  c.tekmac[0] = 7;
  auto jwt = sign_certificate(c, key, kid);
  REQUIRE(jwt.has_value());
  CertificateExpectations e{"iss", "aud", kT0 + 10};
  auto v = verify_certificate(*jwt, {{kid, key.public_key()}}, e);
  REQUIRE(v.has_value());
  CHECK(v->id == c.id);
  CHECK(v->grant.report_type == ReportType::kConfirmedClinicalDiagnosis);
  CHECK(v->grant.symptom_onset_interval == 2940000);
  CHECK(v->tekmac == c.tekmac);
  CHECK(v->expires_at == kT0 + 900);
}

TEST_CASE(
    "A9: forged, malformed and out-of-date certificates are rejected before any key is touched",
    "[certificate][A9]") {
  TestServer ts;
  HttpClient c = ts.client();
  const auto keys = make_keys(3, kT0);
  const Bytes hmac_key = random_bytes(32);
  const Sha256Digest mac = wire::compute_tekmac(hmac_key, keys);
  // A genuine certificate, to take its header and to check that the flow works at all.
  auto [genuine, genuine_key] = ts.authorise(c, keys);
  const std::string genuine_header = genuine.substr(0, genuine.find('.'));
  const std::string kid(parse_object(std::string(as_string_view(*base64url_decode(genuine_header))))
                            .at("kid")
                            .as_string());

  const Authorization& auth = ts.server().context().authorization;
  CertificateExpectations e{auth.config().issuer, auth.config().audience, kT0};
  const Forger forger;
  const json::object es256{{"alg", "ES256"}, {"kid", kid}, {"typ", "JWT"}};
  auto with = [&](std::string_view name, json::value v) {
    json::object p = claims(e, mac);
    p[name] = std::move(v);
    return p;
  };
  const std::string unsigned_payload = b64url(json::serialize(claims(e, mac)));
  const std::string tampered = [&] {
    // The genuine certificate's signature over a payload with another tekmac.
    const std::string sig = genuine.substr(genuine.rfind('.') + 1);
    return genuine_header + "." + unsigned_payload + "." + sig;
  }();
  const std::string hs256 = [&] {
    const std::string input =
        b64url(json::serialize(json::object{{"alg", "HS256"}, {"kid", kid}})) + "." +
        unsigned_payload;
    const Bytes spki = auth.trusted_keys().front().public_key.to_spki_der();
    return input + "." + base64url_encode(hmac_sha256(spki, as_bytes(input)));
  }();

  const std::vector<std::pair<std::string, std::string>> cases{
      {"missing", ""},
      {"alg none",
       b64url(R"({"alg":"none","kid":")" + kid + R"("})") + "." + unsigned_payload + "."},
      {"HS256 keyed with the public key", hs256},
      {"self-made ES256 key under the real kid", forger.sign(es256, claims(e, mac))},
      {"unknown kid",
       forger.sign(json::object{{"alg", "ES256"}, {"kid", "0000000000000000"}}, claims(e, mac))},
      {"genuine signature, other payload", tampered},
      {"two parts", genuine_header + "." + unsigned_payload},
      {"garbage", "not a certificate at all"},
      {"oversized", std::string(5000, 'A')},
      {"truncated signature", genuine.substr(0, genuine.size() - 4)},
  };
  const std::string before = ts.digest();
  for (const auto& [name, certificate] : cases) {
    CAPTURE(name);
    CHECK(!verify_certificate(certificate, auth.trusted_keys(), e).has_value());
    auto r = ts.publish(c, keys, certificate, hmac_key);
    CHECK(r.status == 401);
    CHECK(parse_object(r.body).at("message").as_string() == "authentication failed");
  }
  CHECK(ts.digest() == before);

  // Claims checks, on certificates signed by the trusted key itself.
  const EcdsaP256PrivateKey& nobody = forger.key;
  (void)nobody;
  struct ClaimCase {
    const char* name;
    json::object payload;
    std::int64_t now;
  };
  const std::vector<ClaimCase> claim_cases{
      {"wrong iss", with("iss", "someone-else"), kT0},
      {"wrong aud", with("aud", "another-server"), kT0},
      {"expired", claims(e, mac), kT0 + 900},
      {"not yet valid (nbf)", with("nbf", kT0 + 3600), kT0},
      {"issued in the future", with("iat", kT0 + 3600), kT0},
      {"lifetime too long", with("exp", kT0 + 400 * 24 * 3600), kT0},
      {"no tekmac",
       [&] {
         auto p = claims(e, mac);
         p.erase("tekmac");
         return p;
       }(),
       kT0},
      {"short jti", with("jti", "abc"), kT0},
      {"unknown report type", with("reportType", "rumour"), kT0},
  };
  const auto authority = *EcdsaP256PrivateKey::generate();
  const std::string akid = authority_key_id(authority.public_key());
  const std::vector<TrustedAuthorityKey> trusted{{akid, authority.public_key()}};
  for (const auto& cc : claim_cases) {
    CAPTURE(cc.name);
    const std::string input =
        b64url(json::serialize(json::object{{"alg", "ES256"}, {"kid", akid}})) + "." +
        b64url(json::serialize(cc.payload));
    const std::string jwt = input + "." + base64url_encode(*authority.sign_raw(as_bytes(input)));
    CertificateExpectations at = e;
    at.now = cc.now;
    at.max_lifetime_seconds = 900;
    CHECK(!verify_certificate(jwt, trusted, at).has_value());
  }
  // The control: the same construction with good claims verifies.
  const std::string input = b64url(json::serialize(json::object{{"alg", "ES256"}, {"kid", akid}})) +
                            "." + b64url(json::serialize(claims(e, mac)));
  CertificateExpectations at = e;
  at.max_lifetime_seconds = 900;
  CHECK(verify_certificate(input + "." + base64url_encode(*authority.sign_raw(as_bytes(input))),
                           trusted, at)
            .has_value());
  // And the genuine certificate still publishes.
  CHECK(ts.publish(c, keys, genuine, genuine_key).status == 200);
}

}  // namespace greenlight::server::testing

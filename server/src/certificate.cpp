#include "greenlight/server/certificate.h"

#include <array>
#include <boost/json.hpp>
#include <limits>

#include "greenlight/wire/published_layout.h"

namespace greenlight::server {
namespace json = boost::json;

namespace {

std::optional<std::int64_t> get_int(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() &&
      v->as_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return static_cast<std::int64_t>(v->as_uint64());
  }
  return std::nullopt;
}

std::optional<std::string_view> get_string(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string_view(v->as_string());
}

std::optional<json::object> parse_object(ByteSpan bytes) {
  json::parse_options opts;
  opts.max_depth = 8;
  boost::system::error_code ec;
  json::value v = json::parse(as_string_view(bytes), ec, {}, opts);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

}  // namespace

std::string authority_key_id(const EcdsaP256PublicKey& key) {
  return to_hex(sha256(key.to_spki_der())).substr(0, 16);
}

// The one mapping of the published layout (wire/published_layout.h).
std::string_view report_type_name(ReportType type) { return wire::report_type_name(type); }

Result<ReportType> parse_report_type(std::string_view name) {
  return wire::parse_report_type(name);
}

Result<std::string> sign_certificate(const CertificateClaims& claims,
                                     const EcdsaP256PrivateKey& key, std::string_view key_id) {
  json::object header{{"alg", "ES256"}, {"kid", key_id}, {"typ", "JWT"}};
  json::object payload{{"iss", claims.issuer},
                       {"aud", claims.audience},
                       {"iat", claims.issued_at},
                       {"nbf", claims.not_before},
                       {"exp", claims.expires_at},
                       {"jti", claims.id},
                       {"reportType", report_type_name(claims.grant.report_type)},
                       {"purpose", claims.grant.purpose},
                       {"tekmac", base64_encode(claims.tekmac)}};
  if (claims.grant.symptom_onset_interval) {
    payload["symptomOnsetInterval"] = *claims.grant.symptom_onset_interval;
  }
  std::string signing_input = base64url_encode(as_bytes(json::serialize(header))) + "." +
                              base64url_encode(as_bytes(json::serialize(payload)));
  auto signature = key.sign_raw(as_bytes(signing_input));
  GL_RETURN_IF_ERROR(signature);
  return signing_input + "." + base64url_encode(*signature);
}

Result<CertificateClaims> verify_certificate(std::string_view token,
                                             const std::vector<TrustedAuthorityKey>& trusted,
                                             const CertificateExpectations& expect) {
  if (token.empty() || token.size() > expect.max_token_bytes) return authentication_failed();
  const std::size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return authentication_failed();
  const std::size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return authentication_failed();
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = token.substr(dot2 + 1);

  // The header selects the key; the algorithm is fixed to ES256 whatever it says.
  auto header_bytes = base64url_decode(header_b64);
  if (!header_bytes) return authentication_failed();
  auto header = parse_object(*header_bytes);
  if (!header) return authentication_failed();
  const auto alg = get_string(*header, "alg");
  const auto kid = get_string(*header, "kid");
  if (!alg || *alg != "ES256" || !kid) return authentication_failed();
  if (const auto typ = get_string(*header, "typ"); typ && *typ != "JWT") {
    return authentication_failed();
  }
  const TrustedAuthorityKey* key = nullptr;
  for (const auto& t : trusted) {
    if (t.key_id == *kid) key = &t;
  }
  if (key == nullptr) return authentication_failed();

  auto signature = base64url_decode(signature_b64);
  if (!signature || signature->size() != 64) return authentication_failed();
  const std::string_view signing_input = token.substr(0, dot2);
  if (!key->public_key.verify_raw(as_bytes(signing_input), *signature)) {
    return authentication_failed();
  }

  auto payload_bytes = base64url_decode(payload_b64);
  if (!payload_bytes) return authentication_failed();
  auto payload = parse_object(*payload_bytes);
  if (!payload) return authentication_failed();

  CertificateClaims claims;
  const auto iss = get_string(*payload, "iss");
  const auto aud = get_string(*payload, "aud");
  const auto iat = get_int(*payload, "iat");
  const auto nbf = get_int(*payload, "nbf");
  const auto exp = get_int(*payload, "exp");
  const auto jti = get_string(*payload, "jti");
  const auto report_type = get_string(*payload, "reportType");
  const auto purpose = get_string(*payload, "purpose");
  const auto tekmac = get_string(*payload, "tekmac");
  if (!iss || !aud || !iat || !nbf || !exp || !jti || !report_type || !purpose || !tekmac) {
    return authentication_failed();
  }
  if (*iss != expect.issuer || *aud != expect.audience) return authentication_failed();
  if (*exp <= expect.now || *nbf > expect.now + expect.max_clock_skew_seconds ||
      *iat > expect.now + expect.max_clock_skew_seconds || *exp <= *iat ||
      *exp - *iat > expect.max_lifetime_seconds) {
    return authentication_failed();
  }
  if (jti->size() < 22 || jti->size() > 64) return authentication_failed();
  auto rt = parse_report_type(*report_type);
  if (!rt) return authentication_failed();
  auto mac = base64_decode(*tekmac);
  if (!mac || mac->size() != claims.tekmac.size()) return authentication_failed();

  claims.issuer = std::string(*iss);
  claims.audience = std::string(*aud);
  claims.issued_at = *iat;
  claims.not_before = *nbf;
  claims.expires_at = *exp;
  claims.id = std::string(*jti);
  claims.grant.report_type = *rt;
  claims.grant.purpose = std::string(*purpose);
  if (payload->contains("symptomOnsetInterval")) {
    const auto onset = get_int(*payload, "symptomOnsetInterval");
    if (!onset || *onset < 0 || *onset > std::numeric_limits<std::int32_t>::max()) {
      return authentication_failed();
    }
    claims.grant.symptom_onset_interval = static_cast<std::int32_t>(*onset);
  }
  std::copy(mac->begin(), mac->end(), claims.tekmac.begin());
  return claims;
}

}  // namespace greenlight::server

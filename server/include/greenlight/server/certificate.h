// Upload certificates: compact ES256 JWTs (RFC 7519 / RFC 7515) signed by the health
// authority's P-256 key (spec/protocol.md "Upload authorisation";
// reference/security.md A9, A11).
//
// Verification is offline, with the algorithm fixed server-side: the header must say
// exactly alg "ES256" with a kid of a trusted key (so alg=none, HS256 keyed with the public
// key and unknown kids are rejected); then the signature over "header.payload" (raw r||s,
// 64 bytes) is verified BEFORE the claims are parsed; then iss, aud, iat, nbf, exp, jti and
// the tekmac are checked. Every failure returns the one generic authentication error.
// Single use of the jti is enforced by the store at publish time, not here.
//
// Thread-safe (immutable keys).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/result.h"
#include "greenlight/server/store.h"

namespace greenlight::server {

struct CertificateClaims {
  std::string issuer;           // iss
  std::string audience;         // aud
  std::int64_t issued_at = 0;   // iat
  std::int64_t not_before = 0;  // nbf
  std::int64_t expires_at = 0;  // exp
  std::string id;               // jti: random, >= 128 bits, base64url
  CodeGrant grant;              // reportType, symptomOnsetInterval, purpose
  Sha256Digest tekmac{};        // HMAC-SHA256(hmac_key, canonical key list)
};

struct TrustedAuthorityKey {
  std::string key_id;  // kid
  EcdsaP256PublicKey public_key;
};

struct CertificateExpectations {
  std::string issuer;
  std::string audience;
  std::int64_t now = 0;
  std::int64_t max_clock_skew_seconds = 60;
  std::int64_t max_lifetime_seconds = 24 * 3600;  // exp - iat above this is rejected
  std::size_t max_token_bytes = 4096;
};

// The key id derived from a public key: the first 16 hex digits of SHA-256(SPKI DER).
std::string authority_key_id(const EcdsaP256PublicKey& key);

// "claims" name of a report type in certificates and in the code API:
// "confirmed", "clinical", "self_report", "recursive", "revoked", "unknown".
std::string_view report_type_name(ReportType type);
[[nodiscard]] Result<ReportType> parse_report_type(std::string_view name);

[[nodiscard]] Result<std::string> sign_certificate(const CertificateClaims& claims,
                                                   const EcdsaP256PrivateKey& key,
                                                   std::string_view key_id);

[[nodiscard]] Result<CertificateClaims> verify_certificate(
    std::string_view token, const std::vector<TrustedAuthorityKey>& trusted,
    const CertificateExpectations& expect);

}  // namespace greenlight::server

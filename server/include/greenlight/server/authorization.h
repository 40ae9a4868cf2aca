// Upload authorisation (spec/protocol.md "Upload authorisation"; docs/api.md;
// reference/security.md A9, A10, A12):
//
//   health authority --issue_code--> code --exchange_code--> token
//   --issue_certificate(token, tekmac)--> ES256 certificate --(publish.h)--> keys stored
//
// - Long codes: 20 random decimal digits (66 bits) for links; short codes: 8 digits with a
//   lifetime of at most one hour and a failure budget: after failure_budget failed
//   short-code attempts in a budget window every short-code attempt gets kResourceExhausted
//   (HTTP 429) until the window ends; long codes are not affected. The budget is counted in
//   the store (Store::add_short_code_failure), so it survives restarts and is shared by
//   every server instance on the database.
// - Codes are stored as HMAC-SHA256(pepper, code) and looked up by that value; tokens as
//   SHA-256(token). Both are single use (the store's atomic claim).
// - Chaff: chaff_token / chaff_certificate return values of exactly the shape and length
//   of real ones (the certificate is signed by a throwaway key, so it never verifies) and
//   touch no storage.
//
// Thread-safe. The RandomSource must be thread-safe (SystemRandom).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/random.h"
#include "greenlight/crypto/secret_bytes.h"
#include "greenlight/server/certificate.h"
#include "greenlight/server/clock.h"
#include "greenlight/server/store.h"

namespace greenlight::server {

struct AuthorizationConfig {
  std::string issuer = "greenlight-health-authority";
  std::string audience = "greenlight-key-server";
  std::int64_t long_code_ttl_seconds = 24 * 3600;
  std::int64_t short_code_ttl_seconds = 15 * 60;  // at most 3600
  std::size_t long_code_digits = 20;              // >= 20 (>= 64 bits)
  std::size_t short_code_digits = 8;
  std::int64_t token_ttl_seconds = 3600;
  std::int64_t certificate_ttl_seconds = 15 * 60;
  std::int64_t failure_budget = 1000;  // failed short-code attempts per window
  std::int64_t failure_budget_window_seconds = 3600;
};

struct CodeRequest {
  CodeKind kind = CodeKind::kLong;
  CodeGrant grant;
};

struct IssuedCode {
  std::string code;
  CodeKind kind = CodeKind::kLong;
  std::int64_t expires_at = 0;
};

struct IssuedToken {
  std::string token;  // 43 characters (base64url of 32 random bytes)
  CodeGrant grant;
};

class Authorization {
 public:
  // code_pepper: the secret of the code hashes (Store::server_secret("code_pepper")).
  Authorization(AuthorizationConfig config, Store& store, const Clock& clock, RandomSource& rng,
                EcdsaP256PrivateKey authority_key, SecretBytes code_pepper);

  const AuthorizationConfig& config() const { return config_; }

  [[nodiscard]] Result<IssuedCode> issue_code(const CodeRequest& request);
  // kAuthentication for unknown, used or malformed codes; kFailedPrecondition for an
  // expired code; kResourceExhausted while the short-code failure budget is spent.
  [[nodiscard]] Result<IssuedToken> exchange_code(std::string_view code);
  // The same, but an unclaimed, unexpired code whose grant accept() refuses is not claimed:
  // kInvalidArgument, and the code stays usable (Google's verification server answers
  // unsupported_test_type and leaves the code unused). Unknown codes count against the
  // short-code failure budget exactly as above.
  [[nodiscard]] Result<IssuedToken> exchange_code(
      std::string_view code, const std::function<bool(const CodeGrant&)>& accept);
  IssuedToken chaff_token();

  // kAuthentication for an unknown, used or expired token.
  [[nodiscard]] Result<std::string> issue_certificate(std::string_view token,
                                                      const Sha256Digest& tekmac);
  [[nodiscard]] Result<std::string> chaff_certificate(const Sha256Digest& tekmac);

  // Signature and claims (certificate.h); not the single use, which publish enforces.
  [[nodiscard]] Result<CertificateClaims> verify_certificate(std::string_view certificate) const;

  const std::vector<TrustedAuthorityKey>& trusted_keys() const { return trusted_; }
  const std::string& key_id() const { return key_id_; }
  // Failed short-code attempts in the current budget window (0 if the store cannot say).
  std::int64_t short_code_failures() const;

 private:
  Sha256Digest code_hash(std::string_view code) const;
  std::string random_digits(std::size_t n);
  std::string random_token();
  std::int64_t budget_window(std::int64_t now) const;

  AuthorizationConfig config_;
  Store& store_;
  const Clock& clock_;
  RandomSource& rng_;
  EcdsaP256PrivateKey authority_key_;
  EcdsaP256PrivateKey chaff_key_;
  std::string key_id_;
  std::vector<TrustedAuthorityKey> trusted_;
  SecretBytes code_pepper_;
};

}  // namespace greenlight::server

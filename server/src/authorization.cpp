#include "greenlight/server/authorization.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "greenlight/crypto/hash.h"

namespace greenlight::server {
namespace {

constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kCertificateIdBytes = 16;
constexpr int kCodeAttempts = 4;

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

EcdsaP256PrivateKey generate_or_abort() {
  auto key = EcdsaP256PrivateKey::generate();
  if (!key) std::abort();  // OpenSSL key generation failing means the process cannot run
  return std::move(*key);
}

}  // namespace

Authorization::Authorization(AuthorizationConfig config, Store& store, const Clock& clock,
                             RandomSource& rng, EcdsaP256PrivateKey authority_key,
                             SecretBytes code_pepper)
    : config_(std::move(config)),
      store_(store),
      clock_(clock),
      rng_(rng),
      authority_key_(std::move(authority_key)),
      chaff_key_(generate_or_abort()),
      key_id_(authority_key_id(authority_key_.public_key())),
      code_pepper_(std::move(code_pepper)) {
  trusted_.push_back(TrustedAuthorityKey{key_id_, authority_key_.public_key()});
}

Sha256Digest Authorization::code_hash(std::string_view code) const {
  return hmac_sha256(code_pepper_.span(), as_bytes(code));
}

std::string Authorization::random_digits(std::size_t n) {
  std::string out(n, '0');
  for (char& c : out) c = static_cast<char>('0' + rng_.uniform(10));
  return out;
}

std::string Authorization::random_token() {
  ByteArray<kTokenBytes> bytes{};
  rng_.fill(bytes);
  return base64url_encode(bytes);
}

Result<IssuedCode> Authorization::issue_code(const CodeRequest& request) {
  if (request.grant.purpose != "keys" && request.grant.purpose != "venue_host") {
    return make_error(ErrorCode::kInvalidArgument,
                      "purpose must be \"keys\" or \"venue_host\", got \"" +
                          request.grant.purpose.substr(0, 32) + "\"");
  }
  const bool is_short = request.kind == CodeKind::kShort;
  const std::size_t digits = is_short ? config_.short_code_digits : config_.long_code_digits;
  const std::int64_t ttl = is_short ? std::min<std::int64_t>(config_.short_code_ttl_seconds, 3600)
                                    : config_.long_code_ttl_seconds;
  const std::int64_t now = clock_.now_unix_seconds();
  for (int attempt = 0; attempt < kCodeAttempts; ++attempt) {
    IssuedCode issued{random_digits(digits), request.kind, now + ttl};
    CodeRecord record{code_hash(issued.code), request.kind, request.grant, now, issued.expires_at};
    Status s = store_.insert_code(record);
    if (s) return issued;
    // A collision is expected only for short codes; draw again.
    if (s.error().code != ErrorCode::kAlreadyExists) return std::unexpected(s.error());
  }
  return make_error(ErrorCode::kUnavailable, "could not draw an unused verification code");
}

std::int64_t Authorization::budget_window(std::int64_t now) const {
  return floor_to(now, std::max<std::int64_t>(1, config_.failure_budget_window_seconds));
}

std::int64_t Authorization::short_code_failures() const {
  auto failures = store_.short_code_failures(budget_window(clock_.now_unix_seconds()));
  return failures ? *failures : 0;
}

Result<IssuedToken> Authorization::exchange_code(std::string_view code) {
  return exchange_code(code, [](const CodeGrant&) { return true; });
}

Result<IssuedToken> Authorization::exchange_code(
    std::string_view code, const std::function<bool(const CodeGrant&)>& accept) {
  const std::int64_t now = clock_.now_unix_seconds();
  const bool is_short = code.size() == config_.short_code_digits;
  if (is_short) {
    // The budget is in the store, shared by every instance; if it cannot be read, no
    // short code is tried (fail closed).
    auto failures = store_.short_code_failures(budget_window(now));
    GL_RETURN_IF_ERROR(failures);
    if (*failures >= config_.failure_budget) {
      return make_error(ErrorCode::kResourceExhausted,
                        "too many failed verification attempts, try again later");
    }
  }
  if (!all_digits(code) || (!is_short && code.size() != config_.long_code_digits)) {
    return authentication_failed();
  }
  // A code's grant never changes, so looking before claiming is race-free: the claim below
  // still decides who gets an unused code.
  const Sha256Digest hash = code_hash(code);
  bool refused = false;
  GL_RETURN_IF_ERROR(store_.read([&](StoreTransaction& tx) -> Status {
    GL_ASSIGN_OR_RETURN(auto rows,
                        tx.query("SELECT report_type, purpose FROM codes WHERE code_hash = ? AND "
                                 "claimed = 0 AND expires_at > ?",
                                 {Bytes(hash.begin(), hash.end()), now}));
    if (rows.empty()) return ok();
    CodeGrant grant;
    const auto* type = std::get_if<std::int64_t>(&rows.front()[0]);
    const auto* purpose = std::get_if<std::string>(&rows.front()[1]);
    if (type == nullptr || purpose == nullptr) {
      return make_error(ErrorCode::kInternal, "codes row has unexpected column types");
    }
    grant.report_type = static_cast<ReportType>(*type);
    grant.purpose = *purpose;
    refused = !accept(grant);
    return ok();
  }));
  if (refused) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the code is for a test type or purpose the caller does not accept");
  }
  IssuedToken token{random_token(), {}};
  const Sha256Digest token_hash = sha256(as_bytes(token.token));
  auto grant = store_.redeem_code(hash, now, token_hash, now + config_.token_ttl_seconds);
  if (!grant) {
    if (is_short && grant.error().code == ErrorCode::kAuthentication) {
      GL_RETURN_IF_ERROR(store_.add_short_code_failure(budget_window(now)));
    }
    return std::unexpected(grant.error());
  }
  token.grant = std::move(*grant);
  return token;
}

IssuedToken Authorization::chaff_token() { return IssuedToken{random_token(), CodeGrant{}}; }

Result<std::string> Authorization::issue_certificate(std::string_view token,
                                                     const Sha256Digest& tekmac) {
  if (token.size() > 256) return authentication_failed();
  const std::int64_t now = clock_.now_unix_seconds();
  auto grant = store_.redeem_token(sha256(as_bytes(token)), now);
  GL_RETURN_IF_ERROR(grant);
  ByteArray<kCertificateIdBytes> jti{};
  rng_.fill(jti);
  CertificateClaims claims{
      config_.issuer,        config_.audience,  now,   now, now + config_.certificate_ttl_seconds,
      base64url_encode(jti), std::move(*grant), tekmac};
  return sign_certificate(claims, authority_key_, key_id_);
}

Result<std::string> Authorization::chaff_certificate(const Sha256Digest& tekmac) {
  const std::int64_t now = clock_.now_unix_seconds();
  ByteArray<kCertificateIdBytes> jti{};
  rng_.fill(jti);
  CertificateClaims claims{
      config_.issuer,        config_.audience, now,   now, now + config_.certificate_ttl_seconds,
      base64url_encode(jti), CodeGrant{},      tekmac};
  return sign_certificate(claims, chaff_key_, key_id_);
}

Result<CertificateClaims> Authorization::verify_certificate(std::string_view certificate) const {
  CertificateExpectations expect;
  expect.issuer = config_.issuer;
  expect.audience = config_.audience;
  expect.now = clock_.now_unix_seconds();
  expect.max_lifetime_seconds = std::max<std::int64_t>(config_.certificate_ttl_seconds, 60);
  return server::verify_certificate(certificate, trusted_, expect);
}

}  // namespace greenlight::server

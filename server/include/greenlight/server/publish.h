// Publishing diagnosis keys (docs/api.md "POST /v1/publish"; reference/security.md A9, A11,
// A13; reference/gaen.md section 5).
//
// Order of checks, each failure rejecting the whole upload with nothing stored:
//  1. structure (JSON shape, key_data 16 bytes, integer fields, hmac_key 16..64 bytes);
//  2. the certificate (signature, iss/aud/iat/nbf/exp; certificate.h), purpose "keys";
//  3. HMAC-SHA256(hmac_key, canonical key list) == the certificate's tekmac, compared in
//     constant time (wire/upload_auth.h);
//  4. every key: rolling_period 1..144, transmission_risk_level 0..8, start interval not in
//     the future, keys pairwise distinct and non-overlapping, at most max_keys keys; keys
//     that ended more than max_key_age ago are dropped (not an error);
//  5. upload extensions (e.g. venue reports) prepare their part;
//  6. one store transaction: the certificate id is claimed (single use), new keys are
//     stored (duplicates of stored keys are skipped), extension parts applied.
// Keys take report type and days since onset from the certificate and are embargoed until
// embargo_seconds after their validity ends.
//
// Chaff uploads (chaff = true) go through the same parsing and verification work, touch
// no storage and report every key as inserted.
//
// Thread-safe; extensions are registered before the server starts.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/secret_bytes.h"
#include "greenlight/server/authorization.h"
#include "greenlight/server/clock.h"
#include "greenlight/server/store.h"

namespace greenlight::server {

struct PublishConfig {
  std::size_t max_keys = 30;
  std::int64_t max_key_age_seconds = 15 * 24 * 3600;
  std::int64_t embargo_seconds = 2 * 3600;
  // Arrival times are stored floored to this (no finer timing in the database).
  std::int64_t arrival_granularity_seconds = 3600;
};

struct UploadRequest {
  std::vector<TemporaryExposureKey> keys;  // report type and onset still unset
  std::string certificate;
  SecretBytes hmac_key;
  bool chaff = false;
  // Members other than keys/certificate/hmac_key/chaff/padding, for upload extensions.
  boost::json::object extensions;
};

// Parses the JSON body of POST /v1/publish (structure only; step 1 above).
[[nodiscard]] Result<UploadRequest> parse_upload_request(const boost::json::object& body);

struct UploadContext {
  bool chaff = false;
  std::int64_t now = 0;
  const CertificateClaims* claims = nullptr;  // null for chaff
  const std::vector<TemporaryExposureKey>* keys = nullptr;
};

// A module that owns one extra member of the upload JSON (e.g. "venue_reports"). prepare
// parses and validates the value without storing anything; the returned part is applied
// in the upload's transaction (store.h UploadPart). For chaff uploads prepare runs too and
// the part is discarded.
class UploadExtension {
 public:
  virtual ~UploadExtension() = default;
  virtual std::string_view field() const = 0;
  [[nodiscard]] virtual Result<std::unique_ptr<UploadPart>> prepare(
      const boost::json::value& value, const UploadContext& context) = 0;
};

struct PublishOutcome {
  std::size_t inserted = 0;
  std::size_t dropped = 0;  // keys older than max_key_age
};

class Publisher {
 public:
  Publisher(PublishConfig config, Store& store, const Authorization& authorization,
            const Clock& clock);

  // Registers the owner of a JSON member. Without an extension for "venue_reports", a
  // non-empty "venue_reports" array is rejected ("not supported by this server").
  void add_extension(std::shared_ptr<UploadExtension> extension);
  // The extension that owns this member, nullptr if none (for other upload APIs, e.g. EN
  // Express's "traveler", to apply the same rule).
  UploadExtension* extension(std::string_view field) const;
  const PublishConfig& config() const { return config_; }

  [[nodiscard]] Result<PublishOutcome> publish(const UploadRequest& request);

 private:
  PublishConfig config_;
  Store& store_;
  const Authorization& authorization_;
  const Clock& clock_;
  std::vector<std::shared_ptr<UploadExtension>> extensions_;
};

// Step 4 on its own, for tests and for the phone's pre-checks: validates and sorts keys
// by start interval, dropping keys that ended before now - max_key_age.
[[nodiscard]] Result<std::vector<TemporaryExposureKey>> validate_upload_keys(
    std::vector<TemporaryExposureKey> keys, std::int64_t now, const PublishConfig& config,
    std::size_t* dropped = nullptr);

}  // namespace greenlight::server

// Exposure Notifications Express compatibility (`greenlight server run --api google-en`;
// docs/server.md "EN Express API"; reference/servers.md section 6): the upload endpoints speak
// the dialect of Google's verification server and of its key server's v1 publish API, so an
// existing EN Express app uploads to greenlight unchanged. Codes are still issued by the
// health authority through POST /v1/codes; the exports are greenlight's own (GAEN format).
//
//   POST /api/verify       X-API-Key, {code, accept[], nonce?, padding}
//                          -> {testtype, symptomDate?, token, padding}
//   POST /api/certificate  X-API-Key, {token, ekeyhmac, padding} -> {certificate, padding}
//   POST /v1/publish       {temporaryExposureKeys: [{key, rollingStartNumber, rollingPeriod,
//                          transmissionRisk?}], healthAuthorityID, verificationPayload, hmacKey,
//                          symptomOnsetInterval?, traveler?, revisionToken?, padding}
//                          -> {revisionToken, insertedExposures, padding} (+ error, code)
//
// Rules (Google's, where greenlight's own API differs):
// - Member names match case-insensitively; unknown members are a 400.
// - A request with an X-Chaff header does the same work without storing anything and gets
//   200 with a padded non-JSON body.
// - verify: accept defaults to ["confirmed"]; a code of a type the phone does not accept is
//   412 unsupported_test_type (the code is used up; Google's server leaves it unused).
//   Errors are {error, errorCode}: 400 code_invalid / code_expired, 429 quota_exceeded
//   (Retry-After), 401 for a missing or wrong X-API-Key when device keys are configured.
// - publish: ekeyhmac is HMAC-SHA256(hmacKey, the keys as received, each
//   "key.rollingStartNumber.rollingPeriod.transmissionRisk", sorted and joined by ","); the
//   3-part form without transmissionRisk is accepted when every key's transmissionRisk is 0.
//   At most 30 keys; at most 3 keys may share a start interval (same-day release); keys
//   with different start intervals must not overlap. Invalid keys (wrong length, period
//   outside 1..144, start in the future or older than 15 days, risk outside 0..8, repeated)
//   are dropped and the answer is 200 with code partial_failure; with no valid key left it
//   is 400 bad_request. transmissionRisk 0 or absent is back-filled from the report type
//   (confirmed 2, likely 4, user report 5). Days since onset come from the publish
//   symptomOnsetInterval, else the certificate, else 4 days before today. Errors are
//   {error, code}: 400 bad_request, 401 unknown_health_authority_id /
//   health_authority_verification_certificate_invalid, 500 internal_error.
// - The revision token is sealed (AES-256-GCM, a key kept in the store) and lists the keys of
//   the upload with their report type; it is opaque to the phone.
//
// Thread-safe once attached.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/hash.h"
#include "greenlight/server/server.h"

namespace greenlight::server {

struct EnExpressConfig {
  // X-API-Key values accepted on /api/verify and /api/certificate; empty: not checked.
  std::vector<std::string> device_api_keys;
  // X-API-Key values of the health authority's admin API, POST /api/issue (Google's
  // verification server shape: {testType, symptomDate, testDate, tzOffset, uuid, ...} ->
  // {uuid, code, expiresAt, expiresAtTimestamp}; a short code, no SMS). Empty: no /api/issue
  // (codes come from POST /v1/codes).
  std::vector<std::string> admin_api_keys;
  // healthAuthorityID values accepted on publish; empty: any.
  std::vector<std::string> health_authority_ids;
  std::size_t max_same_start_interval_keys = 3;
};

// A key as an EN Express app sends it: key is the base64 text as received (the HMAC covers
// exactly that text).
struct EnUploadKey {
  std::string key;
  std::int64_t rolling_start_number = 0;
  std::int64_t rolling_period = kTekRollingPeriod;
  std::int64_t transmission_risk = 0;
};

// The canonical list the HMAC covers: with_transmission_risk selects the 4-part form.
std::string en_canonical_key_list(std::span<const EnUploadKey> keys, bool with_transmission_risk);

// Google's report type names: "confirmed", "likely", "user-report" (greenlight's confirmed,
// clinical, self_report); nullopt for the others.
std::optional<std::string_view> en_test_type(ReportType type);

// Key revision (GAEN revised_keys): a publish whose revisionToken lists a key of an earlier
// upload may change that key's report type to a stronger one (self report < clinical <
// confirmed test; a weaker one is 400 invalid_revision_transition, a token that does not open
// 400 invalid_revision_token). The revised key is kept apart from the stored keys and
// published in the revised_keys of the export window its revision arrived in.
// The revised keys that became available in [window_start, window_end).
[[nodiscard]] Result<std::vector<TemporaryExposureKey>> en_revised_keys(Store& store,
                                                                        std::int64_t window_start,
                                                                        std::int64_t window_end);

// Registers the three routes above (POST /v1/publish replaces greenlight's own).
[[nodiscard]] std::shared_ptr<ServerModule> make_en_express_module(EnExpressConfig config);

}  // namespace greenlight::server

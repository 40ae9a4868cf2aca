#include "greenlight/server/en_express.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "greenlight/crypto/aead.h"
#include "greenlight/crypto/secret_bytes.h"
#include "internal/routes.h"

namespace greenlight::server {
namespace {

namespace json = boost::json;
using internal::ApiKeys;

constexpr std::size_t kMaxKeysParsed = 1000;
constexpr std::int32_t kMaxTransmissionRisk = 8;
constexpr std::int64_t kDefaultOnsetDaysAgo = 4;

// A Google-dialect failure: HTTP status, machine code and message.
struct EnError {
  unsigned status = 400;
  std::string code;
  std::string message;
};

template <typename T>
using EnResult = std::expected<T, EnError>;

// GL_RETURN_IF_ERROR for the Google-dialect errors of this file.
#define EN_RETURN_IF_ERROR(expr)                                        \
  do {                                                                  \
    if (auto&& en_status_ = (expr); !en_status_) [[unlikely]]           \
      return ::std::unexpected<EnError>(std::move(en_status_).error()); \
  } while (false)

std::unexpected<EnError> en_error(unsigned status, std::string code, std::string message) {
  return std::unexpected<EnError>(EnError{status, std::move(code), std::move(message)});
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The members of a request object by lower-case name (Go's encoding/json matches names
// case-insensitively); a member outside `known` is an error, as with DisallowUnknownFields.
class Members {
 public:
  static EnResult<Members> of(const json::object& object,
                              std::initializer_list<std::string_view> known,
                              const std::string& bad_code, std::string_view where) {
    Members m;
    for (const auto& item : object) {
      std::string name = lower(item.key());
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        return en_error(400, bad_code,
                        std::string(where) + " has an unknown field \"" +
                            std::string(item.key().substr(0, 40)) + "\"");
      }
      m.values_[std::move(name)] = &item.value();
    }
    return m;
  }

  const json::value* get(std::string_view lower_name) const {
    auto it = values_.find(std::string(lower_name));
    return it == values_.end() ? nullptr : it->second;
  }

  EnResult<std::optional<std::string_view>> string(std::string_view lower_name,
                                                   const std::string& bad_code) const {
    const json::value* v = get(lower_name);
    if (v == nullptr || v->is_null()) return std::optional<std::string_view>{};
    if (!v->is_string()) {
      return en_error(400, bad_code, std::string(lower_name) + " must be a string");
    }
    return std::optional<std::string_view>(v->as_string());
  }

  EnResult<std::optional<std::int64_t>> integer(std::string_view lower_name,
                                                const std::string& bad_code) const {
    const json::value* v = get(lower_name);
    if (v == nullptr || v->is_null()) return std::optional<std::int64_t>{};
    if (v->is_int64()) return std::optional<std::int64_t>(v->as_int64());
    if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      return std::optional<std::int64_t>(static_cast<std::int64_t>(v->as_uint64()));
    }
    return en_error(400, bad_code, std::string(lower_name) + " must be an integer");
  }

 private:
  std::map<std::string, const json::value*> values_;
};

HttpResponse en_json(unsigned status, json::object body, std::size_t bucket) {
  return internal::padded_json(status, std::move(body), bucket);
}

// Verification server errors: {error, errorCode}.
HttpResponse verify_error(const EnError& e, std::size_t bucket) {
  HttpResponse r =
      en_json(e.status, json::object{{"error", e.message}, {"errorCode", e.code}}, bucket);
  if (e.status == 429) r.set_header("Retry-After", "60");
  return r;
}

// Key server errors: {error, code}.
HttpResponse publish_error(const EnError& e, std::size_t bucket) {
  return en_json(e.status, json::object{{"error", e.message}, {"code", e.code}}, bucket);
}

// The reply to an X-Chaff request: 200, not JSON, the size of a padded reply.
HttpResponse chaff_response(std::size_t bucket) {
  HttpResponse r = HttpResponse::text(200, std::string(bucket == 0 ? 1024 : bucket, 'x'));
  r.upload_flow = true;
  return r;
}

bool is_chaff(const HttpRequest& request) { return request.header("X-Chaff").has_value(); }

bool device_key_ok(const std::vector<Sha256Digest>& keys, const HttpRequest& request) {
  if (keys.empty()) return true;
  const auto presented_text = request.header("X-API-Key");
  if (!presented_text) return false;
  const Sha256Digest presented = sha256(as_bytes(*presented_text));
  bool match = false;
  for (const auto& d : keys) match = constant_time_equal(d, presented) || match;
  return match;
}

EnResult<json::object> parse_body(const HttpRequest& request, const std::string& bad_code) {
  auto body = internal::parse_json_object(request.body);
  if (!body) return en_error(400, bad_code, body.error().message);
  return std::move(*body);
}

std::optional<ReportType> report_type_from_test_type(std::string_view name) {
  if (name == "confirmed") return ReportType::kConfirmedTest;
  if (name == "likely") return ReportType::kConfirmedClinicalDiagnosis;
  if (name == "user-report") return ReportType::kSelfReport;
  return std::nullopt;
}

std::string date_of_interval(std::int32_t interval) {
  const auto days = std::chrono::days{static_cast<std::int64_t>(interval) / kTekRollingPeriod};
  const std::chrono::year_month_day ymd{std::chrono::sys_days{days}};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

std::int32_t backfilled_transmission_risk(ReportType type) {
  switch (type) {
    case ReportType::kConfirmedTest:
      return 2;
    case ReportType::kConfirmedClinicalDiagnosis:
      return 4;
    case ReportType::kSelfReport:
      return 5;
    default:
      return 0;
  }
}

// /api/issue (the verification server's admin API): what the health authority asks for.
struct ParsedIssue {
  ReportType report_type = ReportType::kConfirmedTest;
  std::optional<std::int32_t> symptom_onset_interval;
  std::string uuid;  // empty: the server makes one
};

// "YYYY-MM-DD" -> days since 1970-01-01, or nullopt.
std::optional<std::int64_t> day_of_date(std::string_view text) {
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  char tail = 0;
  if (text.size() != 10 ||
      std::sscanf(std::string(text).c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m},
                                        std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (text[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

// A random (version 4) UUID.
std::string random_uuid(RandomSource& rng) {
  ByteArray<16> b{};
  rng.fill(b);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
  const std::string hex = to_hex(ByteSpan(b));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

// Go's time.RFC1123 in UTC, as Google's expiresAt: "Mon, 02 Jan 2006 15:04:05 UTC".
std::string rfc1123(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S UTC", &utc);
  return std::string(text, n);
}

EnResult<ParsedIssue> parse_issue(const json::object& body, std::int64_t now) {
  auto m =
      Members::of(body,
                  {"symptomdate", "testdate", "testtype", "tzoffset", "phone", "smstemplatelabel",
                   "uuid", "externalissuerid", "onlygeneratesms", "padding"},
                  "unparsable_request", "the request");
  EN_RETURN_IF_ERROR(m);
  ParsedIssue issue;
  auto test_type = m->string("testtype", "unparsable_request");
  EN_RETURN_IF_ERROR(test_type);
  if (!*test_type) return en_error(400, "invalid_test_type", "testType is required");
  auto type = report_type_from_test_type(**test_type);
  if (!type) {
    return en_error(400, "invalid_test_type",
                    "testType must be confirmed, likely or user-report (greenlight issues no "
                    "negative codes), got \"" +
                        std::string((**test_type).substr(0, 20)) + "\"");
  }
  issue.report_type = *type;
  // The dates are days in the user's time zone (tzOffset minutes east of UTC): not in the
  // future there, and not older than the 14 days keys are kept.
  auto tz_offset = m->integer("tzoffset", "unparsable_request");
  EN_RETURN_IF_ERROR(tz_offset);
  const std::int64_t offset_minutes = tz_offset->value_or(0);
  if (offset_minutes < -14 * 60 || offset_minutes > 14 * 60) {
    return en_error(400, "unparsable_request", "tzOffset must be minutes in -840..840");
  }
  constexpr std::int64_t kDay = 86400;
  const std::int64_t local_today = floor_to(now + offset_minutes * 60, kDay) / kDay;
  for (std::string_view name : {"symptomdate", "testdate"}) {
    auto text = m->string(name, "unparsable_request");
    EN_RETURN_IF_ERROR(text);
    if (!*text || (*text)->empty()) continue;
    const auto day = day_of_date(**text);
    if (!day || *day > local_today || *day < local_today - 14) {
      return en_error(400, "invalid_date",
                      std::string(name == "symptomdate" ? "symptomDate" : "testDate") +
                          " must be a YYYY-MM-DD date within the last 14 days, got \"" +
                          std::string((**text).substr(0, 20)) + "\"");
    }
    if (name == "symptomdate") {
      issue.symptom_onset_interval = static_cast<std::int32_t>(*day * kTekRollingPeriod);
    }
  }
  // greenlight sends no text messages: a request for one fails rather than being dropped.
  auto phone = m->string("phone", "unparsable_request");
  EN_RETURN_IF_ERROR(phone);
  const json::value* only_sms = m->get("onlygeneratesms");
  if ((*phone && !(*phone)->empty()) ||
      (only_sms != nullptr && only_sms->is_bool() && only_sms->as_bool())) {
    return en_error(400, "sms_failure",
                    "this server sends no SMS: issue without phone and hand the code over");
  }
  auto uuid = m->string("uuid", "unparsable_request");
  EN_RETURN_IF_ERROR(uuid);
  if (*uuid && !(*uuid)->empty()) {
    if (!is_uuid(**uuid)) return en_error(400, "unparsable_request", "uuid must be a UUID");
    issue.uuid = lower(**uuid);
  }
  return issue;
}

struct ParsedPublish {
  std::vector<EnUploadKey> keys;
  std::string health_authority_id;
  std::string verification_payload;
  SecretBytes hmac_key;
  std::optional<std::int64_t> symptom_onset_interval;
  bool traveler = false;
  std::optional<std::string> revision_token;
};

EnResult<EnUploadKey> parse_en_key(const json::value& v, std::size_t index) {
  const std::string where = "temporaryExposureKeys[" + std::to_string(index) + "]";
  if (!v.is_object()) return en_error(400, "bad_request", where + " must be an object");
  auto m =
      Members::of(v.as_object(), {"key", "rollingstartnumber", "rollingperiod", "transmissionrisk"},
                  "bad_request", where);
  EN_RETURN_IF_ERROR(m);
  EnUploadKey key;
  auto data = m->string("key", "bad_request");
  EN_RETURN_IF_ERROR(data);
  if (!*data) return en_error(400, "bad_request", where + ".key is required");
  key.key = std::string(**data);
  auto rsin = m->integer("rollingstartnumber", "bad_request");
  EN_RETURN_IF_ERROR(rsin);
  if (!*rsin) return en_error(400, "bad_request", where + ".rollingStartNumber is required");
  key.rolling_start_number = **rsin;
  auto rp = m->integer("rollingperiod", "bad_request");
  EN_RETURN_IF_ERROR(rp);
  if (*rp) key.rolling_period = **rp;
  auto tr = m->integer("transmissionrisk", "bad_request");
  EN_RETURN_IF_ERROR(tr);
  if (*tr) key.transmission_risk = **tr;
  return key;
}

EnResult<ParsedPublish> parse_publish(const json::object& body) {
  auto m = Members::of(body,
                       {"temporaryexposurekeys", "healthauthorityid", "verificationpayload",
                        "hmackey", "symptomonsetinterval", "traveler", "revisiontoken", "padding"},
                       "bad_request", "the request");
  EN_RETURN_IF_ERROR(m);
  ParsedPublish p;
  const json::value* keys = m->get("temporaryexposurekeys");
  if (keys == nullptr || !keys->is_array() || keys->as_array().empty()) {
    return en_error(400, "bad_request", "temporaryExposureKeys must be a non-empty array");
  }
  if (keys->as_array().size() > kMaxKeysParsed) {
    return en_error(400, "bad_request",
                    "temporaryExposureKeys holds " + std::to_string(keys->as_array().size()) +
                        " entries, at most " + std::to_string(kMaxKeysParsed) + " are read");
  }
  for (std::size_t i = 0; i < keys->as_array().size(); ++i) {
    auto k = parse_en_key(keys->as_array()[i], i);
    EN_RETURN_IF_ERROR(k);
    p.keys.push_back(std::move(*k));
  }
  for (auto [name, out] :
       {std::pair<std::string_view, std::string*>{"healthauthorityid", &p.health_authority_id},
        {"verificationpayload", &p.verification_payload}}) {
    auto s = m->string(name, "bad_request");
    EN_RETURN_IF_ERROR(s);
    if (!*s || (*s)->empty()) {
      return en_error(400, "bad_request", std::string(name) + " is required");
    }
    *out = std::string(**s);
  }
  auto hmac_key = m->string("hmackey", "bad_request");
  EN_RETURN_IF_ERROR(hmac_key);
  auto mac_key = *hmac_key ? base64_decode(**hmac_key) : Result<Bytes>(Bytes{});
  if (!mac_key || mac_key->size() < 16 || mac_key->size() > 64) {
    return en_error(400, "bad_request", "hmacKey must be base64 of 16..64 bytes");
  }
  p.hmac_key = SecretBytes(ByteSpan(*mac_key));
  secure_wipe(mac_key->data(), mac_key->size());
  auto onset = m->integer("symptomonsetinterval", "bad_request");
  EN_RETURN_IF_ERROR(onset);
  if (*onset && **onset > 0) p.symptom_onset_interval = **onset;
  if (const json::value* traveler = m->get("traveler"); traveler && !traveler->is_null()) {
    if (!traveler->is_bool()) return en_error(400, "bad_request", "traveler must be a boolean");
    p.traveler = traveler->as_bool();
  }
  auto revision = m->string("revisiontoken", "bad_request");
  EN_RETURN_IF_ERROR(revision);
  if (*revision && !(*revision)->empty()) p.revision_token = std::string(**revision);
  auto padding = m->string("padding", "bad_request");
  EN_RETURN_IF_ERROR(padding);
  return p;
}

// Google's per-key rules: an invalid key is dropped (partial_failure), not fatal.
struct KeyCheck {
  std::vector<TemporaryExposureKey> valid;
  std::vector<std::string> warnings;
};

KeyCheck check_keys(const std::vector<EnUploadKey>& keys, std::int64_t now,
                    const PublishConfig& config) {
  KeyCheck out;
  const std::int64_t current_interval = now / kIntervalSeconds;
  const std::int64_t oldest_end = (now - config.max_key_age_seconds) / kIntervalSeconds;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const EnUploadKey& k = keys[i];
    const std::string where = "temporaryExposureKeys[" + std::to_string(i) + "]";
    auto data = base64_decode(k.key);
    auto tek = data ? Tek::from_span(*data) : Result<Tek>(std::unexpected(data.error()));
    std::string problem;
    if (!tek) {
      problem = "key must be base64 of 16 bytes";
    } else if (k.rolling_period < 1 || k.rolling_period > kTekRollingPeriod) {
      problem = "rollingPeriod must be 1..144, got " + std::to_string(k.rolling_period);
    } else if (k.rolling_start_number < 0 || k.rolling_start_number > current_interval) {
      problem = "rollingStartNumber " + std::to_string(k.rolling_start_number) +
                " is in the future or negative";
    } else if (k.rolling_start_number + k.rolling_period < oldest_end) {
      problem =
          "key ended more than " + std::to_string(config.max_key_age_seconds / 86400) + " days ago";
    } else if (k.transmission_risk < 0 || k.transmission_risk > kMaxTransmissionRisk) {
      problem = "transmissionRisk must be 0..8, got " + std::to_string(k.transmission_risk);
    } else if (!seen.insert(std::string(data->begin(), data->end())).second) {
      problem = "the same key appears twice";
    }
    if (!problem.empty()) {
      out.warnings.push_back(where + ": " + problem);
      continue;
    }
    TemporaryExposureKey key;
    key.key_data = std::move(*tek);
    key.rolling_start_interval_number = {static_cast<std::uint32_t>(k.rolling_start_number)};
    key.rolling_period = static_cast<std::uint32_t>(k.rolling_period);
    key.transmission_risk_level = static_cast<std::int32_t>(k.transmission_risk);
    out.valid.push_back(std::move(key));
  }
  return out;
}

// Same-day release: up to max_same keys may share a start interval (each later one
// truncated); keys of different start intervals must not overlap.
std::optional<EnError> check_overlaps(std::vector<TemporaryExposureKey>& keys,
                                      std::size_t max_same) {
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    return a.rolling_start_interval_number < b.rolling_start_interval_number;
  });
  std::size_t same = 0;
  std::uint32_t previous_end = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::uint32_t start = keys[i].rolling_start_interval_number.value;
    if (i > 0 && start == keys[i - 1].rolling_start_interval_number.value) {
      if (++same >= max_same) {
        return EnError{400, "bad_request",
                       "at most " + std::to_string(max_same) +
                           " keys may share the start interval " + std::to_string(start)};
      }
      previous_end = std::max(previous_end, keys[i].end_interval().value);
      continue;
    }
    if (i > 0 && previous_end > start) {
      return EnError{
          400, "bad_request",
          "keys of different start intervals overlap at interval " + std::to_string(start)};
    }
    same = 0;
    previous_end = keys[i].end_interval().value;
  }
  return std::nullopt;
}

// The revision token: the upload's keys with their report type, sealed with a server key.
std::string seal_revision_token(const AeadKey& aead_key, RandomSource& rng,
                                const std::vector<TemporaryExposureKey>& keys) {
  Bytes plain;
  for (const auto& k : keys) {
    const auto data = k.key_data.span();
    plain.insert(plain.end(), data.begin(), data.end());
    const std::uint32_t rsin = k.rolling_start_interval_number.value;
    for (int shift = 24; shift >= 0; shift -= 8) {
      plain.push_back(static_cast<std::uint8_t>(rsin >> shift));
    }
    plain.push_back(static_cast<std::uint8_t>(k.report_type));
  }
  Bytes nonce(kAeadNonceSize);
  rng.fill(nonce);
  auto sealed = aead_key.seal(nonce, plain, as_bytes(std::string_view("greenlight-en-rev")));
  secure_wipe(plain.data(), plain.size());
  if (!sealed) return {};
  nonce.insert(nonce.end(), sealed->begin(), sealed->end());
  return base64_encode(nonce);
}

// (key bytes, start interval) -> report type, as sealed in a revision token.
using RevisionMap = std::map<std::pair<std::string, std::uint32_t>, ReportType>;
constexpr std::size_t kRevisionEntryBytes = 16 + 4 + 1;

EnResult<RevisionMap> open_revision_token(const AeadKey& aead_key, std::string_view token) {
  const auto invalid = [] {
    return en_error(400, "invalid_revision_token", "revision token is invalid");
  };
  auto raw = base64_decode(token);
  if (!raw || raw->size() < kAeadNonceSize + kAeadTagSize) return invalid();
  const ByteSpan all(*raw);
  auto plain = aead_key.open(all.first(kAeadNonceSize), all.subspan(kAeadNonceSize),
                             as_bytes(std::string_view("greenlight-en-rev")));
  if (!plain || plain->size() % kRevisionEntryBytes != 0) return invalid();
  RevisionMap out;
  for (std::size_t at = 0; at < plain->size(); at += kRevisionEntryBytes) {
    const auto* e = plain->span().data() + at;
    const std::uint32_t rsin = (std::uint32_t{e[16]} << 24) | (std::uint32_t{e[17]} << 16) |
                               (std::uint32_t{e[18]} << 8) | std::uint32_t{e[19]};
    out[{std::string(e, e + 16), rsin}] = static_cast<ReportType>(e[20]);
  }
  return out;
}

// How much a report type says: a later upload may only make a key's type stronger (a self
// report or clinical diagnosis confirmed by a test), never weaker.
int report_type_rank(ReportType type) {
  switch (type) {
    case ReportType::kSelfReport:
      return 1;
    case ReportType::kConfirmedClinicalDiagnosis:
      return 2;
    case ReportType::kConfirmedTest:
      return 3;
    default:
      return 0;
  }
}

// The revised keys of one upload, written in the upload's transaction.
class RevisionPart final : public UploadPart {
 public:
  RevisionPart(std::vector<TemporaryExposureKey> keys, std::int64_t now, std::int64_t available_at)
      : keys_(std::move(keys)), now_(now), available_at_(available_at) {}
  Status apply(StoreTransaction& tx) override {
    for (const TemporaryExposureKey& k : keys_) {
      std::vector<SqlValue> params{Bytes(k.key_data.span().begin(), k.key_data.span().end()),
                                   std::int64_t{k.rolling_start_interval_number.value},
                                   std::int64_t{k.rolling_period},
                                   std::int64_t{k.transmission_risk_level},
                                   static_cast<std::int64_t>(k.report_type),
                                   std::monostate{},
                                   now_,
                                   available_at_};
      if (k.days_since_onset_of_symptoms) {
        params[5] = std::int64_t{*k.days_since_onset_of_symptoms};
      }
      auto r = tx.execute(
          "INSERT INTO en_revision(key_data, rsin, rp, trl, report_type, dsos, revised_at, "
          "available_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key_data, rsin) DO UPDATE "
          "SET trl = excluded.trl, report_type = excluded.report_type, dsos = excluded.dsos, "
          "revised_at = excluded.revised_at, available_at = excluded.available_at",
          params);
      GL_RETURN_IF_ERROR(r);
    }
    return ok();
  }

 private:
  std::vector<TemporaryExposureKey> keys_;
  std::int64_t now_;
  std::int64_t available_at_;
};

const std::vector<std::string> kRevisionSchema = {
    "CREATE TABLE IF NOT EXISTS en_revision("
    "key_data BLOB NOT NULL, rsin INTEGER NOT NULL, rp INTEGER NOT NULL, trl INTEGER NOT NULL, "
    "report_type INTEGER NOT NULL, dsos INTEGER, revised_at INTEGER NOT NULL, "
    "available_at INTEGER NOT NULL, PRIMARY KEY(key_data, rsin))",
    "CREATE INDEX IF NOT EXISTS en_revision_by_available ON en_revision(available_at)",
    // /api/issue request ids: a uuid is issued once (409 uuid_already_exists after).
    "CREATE TABLE IF NOT EXISTS en_issued(uuid TEXT PRIMARY KEY, issued_at INTEGER NOT NULL)",
};

class EnExpressModule final : public ServerModule {
 public:
  explicit EnExpressModule(EnExpressConfig config) : config_(std::move(config)) {
    for (const auto& k : config_.device_api_keys) {
      if (!k.empty()) device_keys_.push_back(sha256(as_bytes(k)));
    }
    for (const auto& k : config_.admin_api_keys) {
      if (!k.empty()) admin_keys_.push_back(sha256(as_bytes(k)));
    }
  }

  Status attach(ServerContext& ctx) override {
    GL_RETURN_IF_ERROR(internal::ensure_chaff_commit_schema(ctx.store));
    GL_RETURN_IF_ERROR(ctx.store.ensure_schema(kRevisionSchema));
    ctx.add_retention_job([&ctx](std::int64_t, std::int64_t cutoff) -> Status {
      return ctx.store.transact([cutoff](StoreTransaction& tx) -> Status {
        auto r = tx.execute("DELETE FROM en_revision WHERE revised_at < ?", {cutoff});
        GL_RETURN_IF_ERROR(r);
        GL_RETURN_IF_ERROR(tx.execute("DELETE FROM en_issued WHERE issued_at < ?", {cutoff}));
        return ok();
      });
    });
    auto secret = ctx.store.server_secret("en_revision_token_key");
    GL_RETURN_IF_ERROR(secret);
    if (secret->size() < kAeadKeySize) {
      return make_error(ErrorCode::kInternal, "the revision token secret is too short");
    }
    GL_ASSIGN_OR_RETURN(revision_key_, AeadKey::from_bytes(secret->span().first(kAeadKeySize)));
    ctx_ = &ctx;
    bucket_ = ctx.options.http.response_padding_bucket;
    Store& store = ctx.store;
    ctx.exporter.add_revised_keys_source([&store](std::int64_t start, std::int64_t end) {
      return en_revised_keys(store, start, end);
    });
    ctx.router.add(Method::kPost, "/api/verify",
                   [this](const HttpRequest& req) { return verify(req); });
    ctx.router.add(Method::kPost, "/api/certificate",
                   [this](const HttpRequest& req) { return certificate(req); });
    if (!admin_keys_.empty()) {
      ctx.router.add(Method::kPost, "/api/issue",
                     [this](const HttpRequest& req) { return issue(req); });
    }
    ctx.router.add(Method::kPost, "/v1/publish",
                   [this](const HttpRequest& req) { return publish(req); });
    return ok();
  }

 private:
  HttpResponse chaff() {
    if (auto s = internal::chaff_commit(ctx_->store); !s) {
      return verify_error(EnError{500, "internal_server_error", "internal error"}, bucket_);
    }
    return chaff_response(bucket_);
  }

  HttpResponse verify(const HttpRequest& req) {
    if (!device_key_ok(device_keys_, req)) {
      return verify_error(EnError{401, "unauthorized", "invalid API key"}, bucket_);
    }
    if (is_chaff(req)) return chaff();
    auto body = parse_body(req, "unparsable_request");
    if (!body) return verify_error(body.error(), bucket_);
    auto m = Members::of(*body, {"code", "accept", "nonce", "padding"}, "unparsable_request",
                         "the request");
    if (!m) return verify_error(m.error(), bucket_);
    auto code = m->string("code", "unparsable_request");
    if (!code) return verify_error(code.error(), bucket_);
    if (!*code || (*code)->empty()) {
      return verify_error(EnError{400, "code_invalid", "verification code is required"}, bucket_);
    }
    std::set<ReportType> accept;
    if (const json::value* list = m->get("accept"); list && !list->is_null()) {
      if (!list->is_array()) {
        return verify_error(EnError{400, "unparsable_request", "accept must be an array"}, bucket_);
      }
      for (const json::value& v : list->as_array()) {
        if (!v.is_string()) {
          return verify_error(EnError{400, "unparsable_request", "accept holds strings"}, bucket_);
        }
        if (v.as_string() == "negative") continue;  // greenlight issues no negative codes
        auto type = report_type_from_test_type(v.as_string());
        if (!type) {
          return verify_error(
              EnError{400, "invalid_test_type",
                      "accept values are confirmed, likely, negative or user-report"},
              bucket_);
        }
        accept.insert(*type);
      }
    }
    if (accept.empty()) accept.insert(ReportType::kConfirmedTest);
    // A code the app does not accept stays unused (Google's verification server does the
    // same): the user can still enter it in an app that accepts its test type.
    auto token = ctx_->authorization.exchange_code(**code, [&](const CodeGrant& grant) {
      return grant.purpose == "keys" && en_test_type(grant.report_type).has_value() &&
             accept.contains(grant.report_type);
    });
    if (!token) {
      switch (token.error().code) {
        case ErrorCode::kInvalidArgument:
          return verify_error(EnError{412, "unsupported_test_type",
                                      "the code is for a test type the app does not accept"},
                              bucket_);
        case ErrorCode::kAuthentication:
          return verify_error(EnError{400, "code_invalid", "verification code invalid"}, bucket_);
        case ErrorCode::kFailedPrecondition:
          return verify_error(EnError{400, "code_expired", "verification code expired"}, bucket_);
        case ErrorCode::kResourceExhausted:
          return verify_error(EnError{429, "quota_exceeded", "too many attempts"}, bucket_);
        default:
          return verify_error(EnError{500, "internal_server_error", "internal error"}, bucket_);
      }
    }
    const auto test_type = en_test_type(token->grant.report_type);
    if (!test_type) {
      return verify_error(EnError{500, "internal_server_error", "internal error"}, bucket_);
    }
    json::object reply{{"testtype", *test_type}, {"token", token->token}};
    if (token->grant.symptom_onset_interval) {
      reply["symptomDate"] = date_of_interval(*token->grant.symptom_onset_interval);
    }
    return en_json(200, std::move(reply), bucket_);
  }

  // The health authority's code issue (Google's adminapi /api/issue): a short code of the
  // test type, the symptom date as onset, no SMS.
  HttpResponse issue(const HttpRequest& req) {
    if (!device_key_ok(admin_keys_, req)) {
      return verify_error(EnError{401, "unauthorized", "invalid API key"}, bucket_);
    }
    auto body = parse_body(req, "unparsable_request");
    if (!body) return verify_error(body.error(), bucket_);
    const std::int64_t now = ctx_->clock.now_unix_seconds();
    auto parsed = parse_issue(*body, now);
    if (!parsed) return verify_error(parsed.error(), bucket_);
    const bool uuid_given = !parsed->uuid.empty();
    const std::string uuid = uuid_given ? parsed->uuid : random_uuid(ctx_->rng);
    bool duplicate = false;
    auto claimed = ctx_->store.transact([&](StoreTransaction& tx) -> Status {
      GL_ASSIGN_OR_RETURN(auto inserted,
                          tx.execute("INSERT INTO en_issued(uuid, issued_at) VALUES(?, ?) "
                                     "ON CONFLICT DO NOTHING",
                                     {uuid, now}));
      duplicate = inserted == 0;
      return ok();
    });
    if (!claimed) {
      return verify_error(EnError{500, "internal_server_error", "internal error"}, bucket_);
    }
    if (duplicate) {
      return verify_error(EnError{409, "uuid_already_exists", "the uuid was issued before"},
                          bucket_);
    }
    CodeRequest request;
    request.kind = CodeKind::kShort;
    request.grant.report_type = parsed->report_type;
    request.grant.symptom_onset_interval = parsed->symptom_onset_interval;
    auto code = ctx_->authorization.issue_code(request);
    if (!code) {
      return verify_error(EnError{500, "internal_server_error", "internal error"}, bucket_);
    }
    ctx_->metrics.add_daily("greenlight_codes_issued_daily", {{"kind", "short"}}, now);
    return en_json(200,
                   json::object{{"uuid", uuid},
                                {"code", code->code},
                                {"expiresAt", rfc1123(code->expires_at)},
                                {"expiresAtTimestamp", code->expires_at}},
                   bucket_);
  }

  HttpResponse certificate(const HttpRequest& req) {
    if (!device_key_ok(device_keys_, req)) {
      return verify_error(EnError{401, "unauthorized", "invalid API key"}, bucket_);
    }
    if (is_chaff(req)) return chaff();
    auto body = parse_body(req, "unparsable_request");
    if (!body) return verify_error(body.error(), bucket_);
    auto m =
        Members::of(*body, {"token", "ekeyhmac", "padding"}, "unparsable_request", "the request");
    if (!m) return verify_error(m.error(), bucket_);
    auto token = m->string("token", "unparsable_request");
    if (!token) return verify_error(token.error(), bucket_);
    auto hmac_text = m->string("ekeyhmac", "unparsable_request");
    if (!hmac_text) return verify_error(hmac_text.error(), bucket_);
    if (!*token) return verify_error(EnError{400, "token_invalid", "token is required"}, bucket_);
    auto mac = *hmac_text ? base64_decode(**hmac_text) : Result<Bytes>(Bytes{});
    if (!mac || mac->size() != Sha256Digest{}.size()) {
      return verify_error(EnError{400, "hmac_invalid", "ekeyhmac must be base64 of 32 bytes"},
                          bucket_);
    }
    Sha256Digest tekmac{};
    std::copy(mac->begin(), mac->end(), tekmac.begin());
    auto cert = ctx_->authorization.issue_certificate(**token, tekmac);
    if (!cert) {
      return verify_error(EnError{400, "token_invalid", "verification token invalid"}, bucket_);
    }
    return en_json(200, json::object{{"certificate", *cert}}, bucket_);
  }

  bool health_authority_known(std::string_view id) const {
    return config_.health_authority_ids.empty() ||
           std::find(config_.health_authority_ids.begin(), config_.health_authority_ids.end(),
                     id) != config_.health_authority_ids.end();
  }

  HttpResponse publish(const HttpRequest& req) {
    auto result = publish_keys(req);
    if (!result) return publish_error(result.error(), bucket_);
    return std::move(*result);
  }

  EnResult<HttpResponse> publish_keys(const HttpRequest& req) {
    const bool chaff_request = is_chaff(req);
    auto body = parse_body(req, "bad_request");
    EN_RETURN_IF_ERROR(body);
    auto p = parse_publish(*body);
    EN_RETURN_IF_ERROR(p);
    if (p->keys.size() > ctx_->publisher.config().max_keys) {
      return en_error(400, "bad_request",
                      "too many exposure keys: " + std::to_string(p->keys.size()) + ", at most " +
                          std::to_string(ctx_->publisher.config().max_keys));
    }
    if (!health_authority_known(p->health_authority_id)) {
      return en_error(401, "unknown_health_authority_id", "unknown health authority");
    }
    // The same certificate and HMAC work for chaff as for a real upload.
    auto claims = ctx_->authorization.verify_certificate(p->verification_payload);
    const bool all_zero_risk = std::all_of(p->keys.begin(), p->keys.end(),
                                           [](const auto& k) { return k.transmission_risk == 0; });
    const Sha256Digest mac4 =
        hmac_sha256(p->hmac_key.span(), as_bytes(en_canonical_key_list(p->keys, true)));
    const Sha256Digest mac3 =
        hmac_sha256(p->hmac_key.span(), as_bytes(en_canonical_key_list(p->keys, false)));
    if (chaff_request) {
      if (auto s = internal::chaff_commit(ctx_->store); !s) {
        return en_error(500, "internal_error", "internal error");
      }
      return chaff_response(bucket_);
    }
    const auto invalid_certificate = [] {
      return en_error(401, "health_authority_verification_certificate_invalid",
                      "unable to validate diagnosis verification");
    };
    if (!claims || claims->grant.purpose != "keys") return invalid_certificate();
    const bool mac_ok = constant_time_equal(mac4, claims->tekmac) ||
                        (all_zero_risk && constant_time_equal(mac3, claims->tekmac));
    if (!mac_ok) return invalid_certificate();

    const std::int64_t now = ctx_->clock.now_unix_seconds();
    KeyCheck checked = check_keys(p->keys, now, ctx_->publisher.config());
    if (checked.valid.empty()) {
      return en_error(400, "bad_request",
                      "no valid exposure keys: " +
                          (checked.warnings.empty() ? std::string() : checked.warnings.front()));
    }
    if (auto e = check_overlaps(checked.valid, config_.max_same_start_interval_keys)) {
      return std::unexpected(*e);
    }
    const ReportType report_type = claims->grant.report_type;
    std::int64_t onset_interval = 0;
    if (p->symptom_onset_interval) {
      onset_interval = *p->symptom_onset_interval;
    } else if (claims->grant.symptom_onset_interval) {
      onset_interval = *claims->grant.symptom_onset_interval;
    } else {
      onset_interval =
          (now / kIntervalSeconds / kTekRollingPeriod - kDefaultOnsetDaysAgo) * kTekRollingPeriod;
    }
    const std::int64_t onset_day = onset_interval / kTekRollingPeriod;
    RevisionMap previous;
    if (p->revision_token) {
      auto opened = open_revision_token(*revision_key_, *p->revision_token);
      EN_RETURN_IF_ERROR(opened);
      previous = std::move(*opened);
    }
    UploadWrite write;
    write.certificate_id = claims->id;
    write.certificate_expires_at = claims->expires_at;
    write.arrival_granularity_seconds = ctx_->publisher.config().arrival_granularity_seconds;
    std::vector<TemporaryExposureKey> revised;
    for (TemporaryExposureKey& k : checked.valid) {
      k.report_type = report_type;
      if (k.transmission_risk_level == 0) {
        k.transmission_risk_level = backfilled_transmission_risk(report_type);
      }
      const std::int64_t days =
          static_cast<std::int64_t>(k.rolling_start_interval_number.value) / kTekRollingPeriod -
          onset_day;
      if (days >= -14 && days <= 14) {
        k.days_since_onset_of_symptoms = static_cast<std::int32_t>(days);
      }
      const std::int64_t embargo_until =
          unix_seconds_from_interval(k.end_interval()) + ctx_->publisher.config().embargo_seconds;
      const auto data = k.key_data.span();
      const auto before = previous.find(
          {std::string(data.begin(), data.end()), k.rolling_start_interval_number.value});
      if (before == previous.end()) {
        write.keys.push_back(KeyToStore{k, embargo_until});
        continue;
      }
      // A key of the earlier upload: unchanged, or revised to a stronger report type.
      if (before->second == k.report_type) continue;
      if (report_type_rank(k.report_type) <= report_type_rank(before->second)) {
        return en_error(400, "invalid_revision_transition",
                        "a key's report type may only change to a stronger one");
      }
      revised.push_back(k);
    }
    const std::int64_t granularity =
        std::max<std::int64_t>(1, ctx_->publisher.config().arrival_granularity_seconds);
    RevisionPart revision_part(revised, now, now - now % granularity);
    if (!revised.empty()) write.parts.push_back(&revision_part);
    // "traveler": the rule of the server's traveller path (federation.h: offered to every
    // partner region); a server that does not federate has none and stores the keys only.
    std::unique_ptr<UploadPart> traveller_part;
    if (UploadExtension* traveller = ctx_->publisher.extension("traveler");
        traveller != nullptr && p->traveler) {
      std::vector<TemporaryExposureKey> stored_keys;
      for (const KeyToStore& k : write.keys) stored_keys.push_back(k.key);
      auto part =
          traveller->prepare(json::value(true), UploadContext{false, now, &*claims, &stored_keys});
      if (!part) return en_error(500, "internal_error", "internal error");
      traveller_part = std::move(*part);
      write.parts.push_back(traveller_part.get());
    }
    auto stored = ctx_->store.publish_upload(write);
    if (!stored) {
      if (stored.error().code == ErrorCode::kAlreadyExists) return invalid_certificate();
      return en_error(500, "internal_error", "internal error");
    }
    json::object reply{
        {"revisionToken", seal_revision_token(*revision_key_, ctx_->rng, checked.valid)},
        {"insertedExposures", stored->inserted + revised.size()}};
    if (!checked.warnings.empty()) {
      reply["code"] = "partial_failure";
      reply["error"] = std::to_string(checked.warnings.size()) + " exposure key(s) rejected";
      json::array warnings;
      for (auto& w : checked.warnings) warnings.emplace_back(std::move(w));
      reply["warnings"] = std::move(warnings);
    }
    return en_json(200, std::move(reply), bucket_);
  }

  EnExpressConfig config_;
  std::vector<Sha256Digest> device_keys_;
  std::vector<Sha256Digest> admin_keys_;
  std::optional<AeadKey> revision_key_;
  ServerContext* ctx_ = nullptr;
  std::size_t bucket_ = 0;
};

}  // namespace

std::string en_canonical_key_list(std::span<const EnUploadKey> keys, bool with_transmission_risk) {
  std::vector<std::string> parts;
  parts.reserve(keys.size());
  for (const EnUploadKey& k : keys) {
    std::string part = k.key + "." + std::to_string(k.rolling_start_number) + "." +
                       std::to_string(k.rolling_period);
    if (with_transmission_risk) part += "." + std::to_string(k.transmission_risk);
    parts.push_back(std::move(part));
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += ",";
    out += parts[i];
  }
  return out;
}

std::optional<std::string_view> en_test_type(ReportType type) {
  switch (type) {
    case ReportType::kConfirmedTest:
      return "confirmed";
    case ReportType::kConfirmedClinicalDiagnosis:
      return "likely";
    case ReportType::kSelfReport:
      return "user-report";
    default:
      return std::nullopt;
  }
}

Result<std::vector<TemporaryExposureKey>> en_revised_keys(Store& store, std::int64_t window_start,
                                                          std::int64_t window_end) {
  std::vector<TemporaryExposureKey> keys;
  auto s = store.read([&](StoreTransaction& tx) -> Status {
    // The table exists only on servers that ran in EN Express mode.
    auto exists = tx.query("SELECT COUNT(*) FROM en_revision WHERE 0 = 1");
    if (!exists) return ok();
    auto rows = tx.query(
        "SELECT key_data, rsin, rp, trl, report_type, dsos FROM en_revision "
        "WHERE available_at >= ? AND available_at < ? ORDER BY key_data",
        {window_start, window_end});
    GL_RETURN_IF_ERROR(rows);
    for (const auto& row : *rows) {
      const auto* data = std::get_if<Bytes>(&row[0]);
      if (data == nullptr) {
        return make_error(ErrorCode::kInternal, "en_revision.key_data is not a blob");
      }
      TemporaryExposureKey k;
      GL_ASSIGN_OR_RETURN(k.key_data, Tek::from_span(*data));
      k.rolling_start_interval_number = {
          static_cast<std::uint32_t>(std::get<std::int64_t>(row[1]))};
      k.rolling_period = static_cast<std::uint32_t>(std::get<std::int64_t>(row[2]));
      k.transmission_risk_level = static_cast<std::int32_t>(std::get<std::int64_t>(row[3]));
      k.report_type = static_cast<ReportType>(std::get<std::int64_t>(row[4]));
      if (const auto* dsos = std::get_if<std::int64_t>(&row[5])) {
        k.days_since_onset_of_symptoms = static_cast<std::int32_t>(*dsos);
      }
      keys.push_back(std::move(k));
    }
    return ok();
  });
  GL_RETURN_IF_ERROR(s);
  return keys;
}

std::shared_ptr<ServerModule> make_en_express_module(EnExpressConfig config) {
  return std::make_shared<EnExpressModule>(std::move(config));
}

}  // namespace greenlight::server

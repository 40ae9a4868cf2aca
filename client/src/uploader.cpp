#include "greenlight/client/uploader.h"

#include <algorithm>
#include <boost/json.hpp>
#include <utility>

#include "greenlight/client/chaff_scheduler.h"
#include "greenlight/crypto/secret_bytes.h"
#include "greenlight/wire/published_layout.h"
#include "greenlight/wire/upload_auth.h"
#include "greenlight/wire/venue_warning.h"
#include "internal/device_rows.h"

namespace greenlight::client {
namespace json = boost::json;

namespace {

// One row: the upload in progress or the last one finished. Secrets (code, token, hmac
// key, certificate, keys, reports) are emptied when the upload ends.
constexpr std::string_view kUploadSchema = R"sql(
CREATE TABLE IF NOT EXISTS upload_state(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  stage INTEGER NOT NULL,
  failure INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  code TEXT NOT NULL,
  token TEXT NOT NULL,
  hmac_key BLOB NOT NULL,
  keys BLOB NOT NULL,
  key_count INTEGER NOT NULL,
  venue_reports TEXT NOT NULL,
  report_count INTEGER NOT NULL,
  certificate TEXT NOT NULL,
  inserted INTEGER NOT NULL,
  already_uploaded INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  in_flight INTEGER NOT NULL,
  report_type TEXT NOT NULL,
  message TEXT NOT NULL);
)sql";

constexpr std::size_t kKeyRecordBytes = 16 + 4 + 4 + 4;
constexpr std::size_t kLongCodeDigits = 20;

void put_u32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint32_t get_u32(ByteSpan in) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<std::uint32_t>(in[static_cast<std::size_t>(i)]) << (8 * i);
  return v;
}

SecretBytes encode_keys(std::span<const TemporaryExposureKey> keys) {
  Bytes out;
  out.reserve(keys.size() * kKeyRecordBytes);
  for (const auto& k : keys) {
    out.insert(out.end(), k.key_data.span().begin(), k.key_data.span().end());
    put_u32(out, k.rolling_start_interval_number.value);
    put_u32(out, k.rolling_period);
    put_u32(out, static_cast<std::uint32_t>(k.transmission_risk_level));
  }
  SecretBytes secret{ByteSpan(out)};
  secure_wipe(out.data(), out.size());
  return secret;
}

Result<std::vector<TemporaryExposureKey>> decode_keys(ByteSpan blob) {
  if (blob.size() % kKeyRecordBytes != 0) {
    return make_error(ErrorCode::kInternal, "stored upload keys: expected a multiple of " +
                                                std::to_string(kKeyRecordBytes) + " bytes, got " +
                                                std::to_string(blob.size()));
  }
  std::vector<TemporaryExposureKey> keys;
  for (std::size_t off = 0; off < blob.size(); off += kKeyRecordBytes) {
    TemporaryExposureKey k;
    GL_ASSIGN_OR_RETURN(k.key_data, Tek::from_span(blob.subspan(off, 16)));
    k.rolling_start_interval_number = EnIntervalNumber{get_u32(blob.subspan(off + 16, 4))};
    k.rolling_period = get_u32(blob.subspan(off + 20, 4));
    k.transmission_risk_level = static_cast<std::int32_t>(get_u32(blob.subspan(off + 24, 4)));
    keys.push_back(std::move(k));
  }
  return keys;
}

std::string join_lines(std::span<const std::string> items) {
  std::string out;
  for (const auto& s : items) {
    out += s;
    out += '\n';
  }
  return out;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    out.emplace_back(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
  }
  return out;
}

// Pads a JSON body with a "padding" member to a multiple of bucket bytes (the server's
// padded_json rule, applied by the phone to requests).
std::string padded_body(json::object body, std::size_t bucket) {
  body["padding"] = "";
  std::string text = json::serialize(body);
  if (bucket > 0 && text.size() % bucket != 0) {
    body["padding"] = std::string(bucket - text.size() % bucket, 'x');
    text = json::serialize(body);
  }
  return text;
}

json::array keys_json(std::span<const TemporaryExposureKey> keys) {
  json::array out;
  for (const auto& k : keys) {
    out.push_back(
        json::object{{"key", base64_encode(k.key_data.span())},
                     {"rolling_start_interval_number", k.rolling_start_interval_number.value},
                     {"rolling_period", k.rolling_period},
                     {"transmission_risk_level", k.transmission_risk_level}});
  }
  return out;
}

json::array reports_json(std::span<const std::string> reports) {
  json::array out;
  for (const auto& r : reports) out.push_back(json::string(r));
  return out;
}

std::vector<std::string> reports_base64(std::span<const SealedVenueReport> reports) {
  std::vector<std::string> out;
  out.reserve(reports.size());
  for (const auto& r : reports) out.push_back(wire::venue_report_to_base64(r));
  return out;
}

std::optional<json::object> parse_object(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::string string_member(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// "HTTP 400 invalid_argument: <message>" from a server error body (docs/api.md "Errors").
std::string describe_reply(const TransportResponse& r) {
  std::string text = "HTTP " + std::to_string(r.status);
  if (auto o = parse_object(r.body)) {
    const std::string error = string_member(*o, "error");
    const std::string message = string_member(*o, "message");
    if (!error.empty()) text += " " + error;
    if (!message.empty()) text += ": " + message;
  }
  return text;
}

std::string random_digits(RandomSource& rng, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += static_cast<char>('0' + rng.uniform(10));
  return out;
}

// Fake keys as a real upload would carry: one per past day, daily rolling periods.
std::vector<TemporaryExposureKey> chaff_keys(RandomSource& rng, std::int64_t now) {
  std::vector<TemporaryExposureKey> keys;
  const std::int64_t today = now - now % kSecondsPerDay;
  for (std::size_t i = 1; i <= kChaffKeyCount; ++i) {
    TemporaryExposureKey k;
    k.key_data = Tek(rng.bytes<16>());
    k.rolling_start_interval_number =
        interval_from_unix_seconds(today - static_cast<std::int64_t>(i) * kSecondsPerDay);
    k.rolling_period = 144;
    keys.push_back(std::move(k));
  }
  return keys;
}

enum class Step : std::uint8_t { kVerify = 1, kCertificate = 2, kPublish = 3 };

std::string_view step_path(Step step) {
  switch (step) {
    case Step::kVerify:
      return wire::kVerifyPath;
    case Step::kCertificate:
      return wire::kCertificatePath;
    case Step::kPublish:
      return wire::kPublishPath;
  }
  return wire::kVerifyPath;
}

// The one request shape of every step, real or chaff: same method, URL and headers.
TransportRequest step_request(std::string_view base_url, Step step, const std::string& body) {
  TransportRequest request;
  request.method = HttpMethod::kPost;
  request.url = wire::url_for(base_url, step_path(step));
  request.headers = {{"Content-Type", "application/json"}};
  request.body = body;
  return request;
}

std::size_t step_bucket(Step step) {
  return step == Step::kPublish ? wire::kPublishRequestPaddingBucket
                                : wire::kSmallRequestPaddingBucket;
}

}  // namespace

std::string_view upload_stage_name(UploadStage stage) noexcept {
  switch (stage) {
    case UploadStage::kNone:
      return "none";
    case UploadStage::kStarted:
      return "started";
    case UploadStage::kVerified:
      return "verified";
    case UploadStage::kCertified:
      return "certified";
    case UploadStage::kPublished:
      return "published";
    case UploadStage::kFailed:
      return "failed";
  }
  return "none";
}

std::string_view upload_failure_name(UploadFailure failure) noexcept {
  switch (failure) {
    case UploadFailure::kNone:
      return "none";
    case UploadFailure::kInvalidCode:
      return "invalid_code";
    case UploadFailure::kExpiredCode:
      return "expired_code";
    case UploadFailure::kTooManyAttempts:
      return "too_many_attempts";
    case UploadFailure::kExpiredAuthorisation:
      return "expired_authorisation";
    case UploadFailure::kRejected:
      return "rejected";
    case UploadFailure::kProtocol:
      return "protocol";
  }
  return "none";
}

struct Uploader::State {
  UploadStatus status;
  std::string code;
  std::string token;
  SecretBytes hmac_key;
  std::vector<TemporaryExposureKey> keys;
  std::vector<std::string> venue_reports;
  std::string certificate;
  std::uint8_t in_flight = 0;  // the step whose request may have reached the server
};

namespace {

// Database access for the one upload row.
Status save_state(Database& db, const UploadStatus& s, ByteSpan code, ByteSpan token,
                  ByteSpan hmac_key, ByteSpan keys, std::string_view reports, ByteSpan certificate,
                  std::uint8_t in_flight) {
  auto stmt = db.cached(
      "INSERT OR REPLACE INTO upload_state(id, stage, failure, started_at, updated_at, code, "
      "token, hmac_key, keys, key_count, venue_reports, report_count, certificate, inserted, "
      "already_uploaded, attempts, in_flight, report_type, message) "
      "VALUES(1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  GL_RETURN_IF_ERROR(stmt);
  (*stmt)
      ->bind(1, static_cast<std::int64_t>(s.stage))
      .bind(2, static_cast<std::int64_t>(s.failure))
      .bind(3, s.started_at)
      .bind(4, s.updated_at)
      .bind(5, code)
      .bind(6, token)
      .bind(7, hmac_key)
      .bind(8, keys)
      .bind(9, static_cast<std::int64_t>(s.keys))
      .bind_text(10, reports)
      .bind(11, static_cast<std::int64_t>(s.venue_reports))
      .bind(12, certificate)
      .bind(13, static_cast<std::int64_t>(s.inserted))
      .bind(14, s.already_uploaded ? 1 : 0)
      .bind(15, static_cast<std::int64_t>(s.attempts))
      .bind(16, static_cast<std::int64_t>(in_flight))
      .bind_text(17, s.report_type)
      .bind_text(18, s.message);
  return (*stmt)->run();
}

ByteSpan text_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// An unfinished upload's secret, sealed under the store key.
Result<Bytes> seal_text(const StoreCipher& cipher, std::string_view label, std::string_view text) {
  return cipher.seal(label, {}, text_bytes(text));
}

Result<std::string> open_text(const StoreCipher& cipher, std::string_view label, ByteSpan sealed) {
  if (sealed.empty()) return std::string();
  GL_ASSIGN_OR_RETURN(auto plain, cipher.open(label, {}, sealed));
  return std::string(reinterpret_cast<const char*>(plain.span().data()), plain.size());
}

bool terminal(UploadStage stage) {
  return stage == UploadStage::kPublished || stage == UploadStage::kFailed;
}

}  // namespace

Status Uploader::save(const State& st) {
  Database& db = client_.database();
  if (terminal(st.status.stage)) {
    // Finished: only the outcome stays.
    return save_state(db, st.status, {}, {}, {}, {}, {}, {}, 0);
  }
  // The own keys, the HMAC key that binds them, the code, the token and the certificate are
  // sealed under the store key while the upload is unfinished (docs/client.md "Encrypted
  // device store").
  const StoreCipher& cipher = db.cipher();
  const SecretBytes keys = encode_keys(st.keys);
  GL_ASSIGN_OR_RETURN(auto sealed_keys, cipher.seal(rows::kUploadKeys, {}, keys.span()));
  GL_ASSIGN_OR_RETURN(auto sealed_hmac_key,
                      cipher.seal(rows::kUploadHmacKey, {}, st.hmac_key.span()));
  GL_ASSIGN_OR_RETURN(auto code, seal_text(cipher, rows::kUploadCode, st.code));
  GL_ASSIGN_OR_RETURN(auto token, seal_text(cipher, rows::kUploadToken, st.token));
  GL_ASSIGN_OR_RETURN(auto certificate,
                      seal_text(cipher, rows::kUploadCertificate, st.certificate));
  return save_state(db, st.status, code, token, sealed_hmac_key, sealed_keys,
                    join_lines(st.venue_reports), certificate, st.in_flight);
}

Uploader::Uploader(Client& client, HttpTransport& transport, UploaderOptions options)
    : client_(client), transport_(transport), options_(std::move(options)) {}

Uploader::~Uploader() = default;

Result<std::unique_ptr<Uploader>> Uploader::open(Client& client, HttpTransport& transport,
                                                 UploaderOptions options) {
  if (options.max_attempts == 0) options.max_attempts = 1;
  if (options.hmac_key_bytes < 16 || options.hmac_key_bytes > 64) {
    return make_error(ErrorCode::kInvalidArgument, "hmac_key_bytes must be 16..64, got " +
                                                       std::to_string(options.hmac_key_bytes));
  }
  if (options.step_pause_max < options.step_pause_min) {
    return make_error(ErrorCode::kInvalidArgument,
                      "step_pause_max must not be below step_pause_min");
  }
  GL_RETURN_IF_ERROR(client.database().exec(kUploadSchema));
  return std::unique_ptr<Uploader>(new Uploader(client, transport, std::move(options)));
}

Result<UploadStatus> Uploader::status() {
  auto stmt = client_.database().cached(
      "SELECT stage, failure, started_at, updated_at, key_count, report_count, inserted, "
      "already_uploaded, attempts, report_type, message FROM upload_state WHERE id = 1");
  GL_RETURN_IF_ERROR(stmt);
  auto row = (*stmt)->step();
  GL_RETURN_IF_ERROR(row);
  UploadStatus s;
  if (!*row) return s;
  s.stage = static_cast<UploadStage>((*stmt)->column_int64(0));
  s.failure = static_cast<UploadFailure>((*stmt)->column_int64(1));
  s.started_at = (*stmt)->column_int64(2);
  s.updated_at = (*stmt)->column_int64(3);
  s.keys = static_cast<std::size_t>((*stmt)->column_int64(4));
  s.venue_reports = static_cast<std::size_t>((*stmt)->column_int64(5));
  s.inserted = static_cast<std::size_t>((*stmt)->column_int64(6));
  s.already_uploaded = (*stmt)->column_int64(7) != 0;
  s.attempts = static_cast<std::size_t>((*stmt)->column_int64(8));
  s.report_type = std::string((*stmt)->column_text(9));
  s.message = std::string((*stmt)->column_text(10));
  return s;
}

Status Uploader::clear() {
  auto s = status();
  GL_RETURN_IF_ERROR(s);
  if (s->stage != UploadStage::kNone && !terminal(s->stage)) {
    return make_error(ErrorCode::kFailedPrecondition, "the upload is unfinished (stage " +
                                                          std::string(upload_stage_name(s->stage)) +
                                                          "): resume it before clearing");
  }
  return client_.database().exec("DELETE FROM upload_state");
}

Status Uploader::check_can_start(std::string_view code) {
  if (code.empty() || code.size() > 64 ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the verification code must be 1..64 decimal digits");
  }
  auto current = status();
  GL_RETURN_IF_ERROR(current);
  if (current->stage != UploadStage::kNone && !terminal(current->stage)) {
    return make_error(ErrorCode::kFailedPrecondition,
                      "an upload is already in progress (stage " +
                          std::string(upload_stage_name(current->stage)) + "): resume it");
  }
  return ok();
}

Uploader::State Uploader::begin_state(std::string code) {
  const std::int64_t now = client_.clock().now();
  State st;
  st.status.stage = UploadStage::kStarted;
  st.status.started_at = now;
  st.status.updated_at = now;
  st.code = std::move(code);
  st.hmac_key = SecretBytes(options_.hmac_key_bytes);
  client_.random().fill(st.hmac_key.mutable_span());
  return st;
}

Result<UploadStatus> Uploader::start(State& st, std::span<const SealedVenueReport> reports,
                                     const KeySource& keys) {
  st.venue_reports = reports_base64(reports);
  st.status.venue_reports = st.venue_reports.size();
  {
    // Keys (a same-day release rotates the current key), the state and the chaff record
    // in one transaction: a crash leaves either nothing or an upload ready to resume.
    auto tx = Transaction::begin(client_.database());
    GL_RETURN_IF_ERROR(tx);
    auto k = keys();
    GL_RETURN_IF_ERROR(k);
    if (k->empty()) {
      return make_error(ErrorCode::kFailedPrecondition,
                        "there are no keys to upload (none valid in the last 14 days)");
    }
    if (k->size() > wire::kMaxUploadKeys) k->resize(wire::kMaxUploadKeys);
    st.keys = std::move(*k);
    st.status.keys = st.keys.size();
    GL_RETURN_IF_ERROR(save(st));
    GL_RETURN_IF_ERROR(ChaffScheduler::record_real_upload(client_.database()));
    GL_RETURN_IF_ERROR(tx->commit());
  }
  return run(st);
}

Result<UploadStatus> Uploader::upload(const UploadRequest& request) {
  GL_RETURN_IF_ERROR(check_can_start(request.code));
  State st = begin_state(request.code);
  // The venue reports are always padded_count (or a multiple) long, real or fake.
  std::vector<SealedVenueReport> reports;
  if (request.checkins != nullptr) {
    auto visits = request.checkins->visits();
    GL_RETURN_IF_ERROR(visits);
    auto sealed = venue_reports_for_upload(*visits, request.venue_from, st.status.started_at,
                                           client_.random(), options_.venue);
    GL_RETURN_IF_ERROR(sealed);
    reports = std::move(*sealed);
  } else {
    reports = venue_chaff_reports(client_.random(), options_.venue);
  }
  return start(st, reports, [&] { return client_.keys_for_upload(request.release); });
}

Result<UploadStatus> Uploader::upload_prepared(const PreparedUpload& request) {
  if (request.keys.empty() || request.keys.size() > wire::kMaxUploadKeys) {
    return make_error(ErrorCode::kInvalidArgument,
                      "an upload carries 1.." + std::to_string(wire::kMaxUploadKeys) +
                          " keys, got " + std::to_string(request.keys.size()));
  }
  GL_RETURN_IF_ERROR(check_can_start(request.code));
  State st = begin_state(request.code);
  return start(st, request.venue_reports,
               [&]() -> Result<std::vector<TemporaryExposureKey>> { return request.keys; });
}

Result<UploadStatus> Uploader::resume() {
  auto stmt = client_.database().cached(
      "SELECT code, token, hmac_key, keys, venue_reports, certificate, in_flight "
      "FROM upload_state WHERE id = 1");
  GL_RETURN_IF_ERROR(stmt);
  auto current = status();
  GL_RETURN_IF_ERROR(current);
  if (current->stage == UploadStage::kNone || terminal(current->stage)) return current;
  State st;
  st.status = *current;
  {
    auto row = (*stmt)->step();
    GL_RETURN_IF_ERROR(row);
    if (!*row) return make_error(ErrorCode::kInternal, "the upload row vanished");
    const StoreCipher& cipher = client_.database().cipher();
    GL_ASSIGN_OR_RETURN(st.code, open_text(cipher, rows::kUploadCode, (*stmt)->column_blob(0)));
    GL_ASSIGN_OR_RETURN(st.token, open_text(cipher, rows::kUploadToken, (*stmt)->column_blob(1)));
    auto hmac_key = cipher.open(rows::kUploadHmacKey, {}, (*stmt)->column_blob(2));
    GL_RETURN_IF_ERROR(hmac_key);
    st.hmac_key = std::move(*hmac_key);
    auto plain_keys = cipher.open(rows::kUploadKeys, {}, (*stmt)->column_blob(3));
    GL_RETURN_IF_ERROR(plain_keys);
    auto keys = decode_keys(plain_keys->span());
    GL_RETURN_IF_ERROR(keys);
    st.keys = std::move(*keys);
    st.venue_reports = split_lines((*stmt)->column_text(4));
    GL_ASSIGN_OR_RETURN(st.certificate,
                        open_text(cipher, rows::kUploadCertificate, (*stmt)->column_blob(5)));
    st.in_flight = static_cast<std::uint8_t>((*stmt)->column_int64(6));
  }
  return run(st);
}

namespace {

struct StepOutcome {
  std::optional<TransportResponse> response;  // set when the server answered (not 5xx)
  std::string network_error;                  // why no answer arrived (all attempts)
  std::size_t requests = 0;
};

}  // namespace

Result<UploadStatus> Uploader::run(State& st) {
  RandomSource& rng = client_.random();

  // Sends one step with the retry rule shared with chaff; persists in_flight first.
  const auto send_step = [&](Step step, const std::string& body) -> Result<StepOutcome> {
    StepOutcome out;
    const TransportRequest request = step_request(options_.base_url, step, body);
    for (std::size_t attempt = 0; attempt < options_.max_attempts; ++attempt) {
      if (attempt > 0 && options_.pause) options_.pause(options_.retry_pause);
      st.in_flight = static_cast<std::uint8_t>(step);
      ++st.status.attempts;
      st.status.updated_at = client_.clock().now();
      GL_RETURN_IF_ERROR(save(st));
      ++out.requests;
      auto r = transport_.send(request);
      if (r && r->status < 500) {
        out.response = std::move(*r);
        return out;
      }
      out.network_error = r ? describe_reply(*r) : r.error().message;
    }
    return out;
  };

  const auto step_pause = [&] {
    if (!options_.pause) return;
    const auto span =
        static_cast<std::uint64_t>((options_.step_pause_max - options_.step_pause_min).count());
    const auto extra = span == 0 ? 0 : static_cast<std::int64_t>(rng.uniform(span + 1));
    options_.pause(options_.step_pause_min + std::chrono::milliseconds(extra));
  };

  const auto finish = [&](UploadStage stage, UploadFailure failure,
                          std::string message) -> Result<UploadStatus> {
    st.status.stage = stage;
    st.status.failure = failure;
    st.status.message = std::move(message);
    st.status.updated_at = client_.clock().now();
    st.in_flight = 0;
    GL_RETURN_IF_ERROR(save(st));
    return st.status;
  };

  const auto unanswered = [&](const StepOutcome& o, Step step) -> Result<UploadStatus> {
    st.status.message = "no answer from the server to " + std::string(step_path(step)) + " after " +
                        std::to_string(o.requests) + " attempts (" + o.network_error +
                        "); the upload is kept and resumes later";
    st.status.updated_at = client_.clock().now();
    GL_RETURN_IF_ERROR(save(st));
    return st.status;
  };

  while (!terminal(st.status.stage)) {
    if (st.status.stage == UploadStage::kStarted) {
      const bool retry_after_loss = st.in_flight == static_cast<std::uint8_t>(Step::kVerify);
      auto o =
          send_step(Step::kVerify, padded_body(json::object{{"code", st.code}, {"chaff", false}},
                                               step_bucket(Step::kVerify)));
      GL_RETURN_IF_ERROR(o);
      if (!o->response) return unanswered(*o, Step::kVerify);
      const TransportResponse& r = *o->response;
      const bool lost_before = retry_after_loss || o->requests > 1;
      if (r.status == 401) {
        return finish(UploadStage::kFailed, UploadFailure::kInvalidCode,
                      lost_before
                          ? "the code was refused; an earlier attempt whose answer was lost "
                            "may have used it: ask the health authority for a new code"
                          : "the code is wrong or was already used");
      }
      if (r.status == 429) {
        return finish(
            UploadStage::kFailed, UploadFailure::kTooManyAttempts,
            "too many code attempts; try again later with a new code (" + describe_reply(r) + ")");
      }
      const auto body = parse_object(r.body);
      if (r.status == 400 && body && string_member(*body, "error") == "failed_precondition") {
        return finish(UploadStage::kFailed, UploadFailure::kExpiredCode,
                      "the code has expired: ask the health authority for a new code");
      }
      if (r.status != 200 || !body || string_member(*body, "token").empty()) {
        return finish(UploadStage::kFailed, UploadFailure::kProtocol,
                      "verify: unexpected answer " + describe_reply(r));
      }
      st.token = string_member(*body, "token");
      st.status.report_type = string_member(*body, "report_type");
      st.code.clear();
      st.status.stage = UploadStage::kVerified;
      st.in_flight = 0;
      st.status.message.clear();
      st.status.updated_at = client_.clock().now();
      GL_RETURN_IF_ERROR(save(st));
      continue;
    }
    if (st.status.stage == UploadStage::kVerified) {
      step_pause();
      const Sha256Digest tekmac = wire::compute_tekmac(st.hmac_key.span(), st.keys);
      auto o =
          send_step(Step::kCertificate, padded_body(json::object{{"token", st.token},
                                                                 {"tekmac", base64_encode(tekmac)},
                                                                 {"chaff", false}},
                                                    step_bucket(Step::kCertificate)));
      GL_RETURN_IF_ERROR(o);
      if (!o->response) return unanswered(*o, Step::kCertificate);
      const TransportResponse& r = *o->response;
      if (r.status == 401) {
        return finish(UploadStage::kFailed, UploadFailure::kExpiredAuthorisation,
                      "the server refused the token (expired, or used by an earlier attempt "
                      "whose answer was lost): ask the health authority for a new code");
      }
      auto body = r.status == 200 ? parse_object(r.body) : std::nullopt;
      if (!body || string_member(*body, "certificate").empty()) {
        return finish(UploadStage::kFailed, UploadFailure::kProtocol,
                      "certificate: unexpected answer " + describe_reply(r));
      }
      st.certificate = string_member(*body, "certificate");
      st.token.clear();
      st.status.stage = UploadStage::kCertified;
      st.in_flight = 0;
      st.status.message.clear();
      st.status.updated_at = client_.clock().now();
      GL_RETURN_IF_ERROR(save(st));
      continue;
    }
    // kCertified: publish the stored key set with the one certificate.
    step_pause();
    const bool retry_after_loss = st.in_flight == static_cast<std::uint8_t>(Step::kPublish);
    auto o = send_step(Step::kPublish,
                       padded_body(json::object{{"keys", keys_json(st.keys)},
                                                {"certificate", st.certificate},
                                                {"hmac_key", base64_encode(st.hmac_key.span())},
                                                {"venue_reports", reports_json(st.venue_reports)},
                                                {"chaff", false}},
                                   step_bucket(Step::kPublish)));
    GL_RETURN_IF_ERROR(o);
    if (!o->response) return unanswered(*o, Step::kPublish);
    const TransportResponse& r = *o->response;
    if (r.status == 200) {
      if (auto body = parse_object(r.body)) {
        if (const auto* v = body->if_contains("inserted"); v != nullptr && v->is_int64()) {
          st.status.inserted = static_cast<std::size_t>(std::max<std::int64_t>(0, v->as_int64()));
        }
      }
      return finish(UploadStage::kPublished, UploadFailure::kNone, "");
    }
    if (r.status == 409) {
      // The certificate's id is claimed in the transaction that stores the keys, and only
      // this phone holds the certificate: the keys are published.
      st.status.already_uploaded = true;
      return finish(
          UploadStage::kPublished, UploadFailure::kNone,
          std::string("the keys were already uploaded") +
              (retry_after_loss || o->requests > 1 ? " (the answer to an earlier attempt was lost)"
                                                   : ""));
    }
    if (r.status == 401) {
      return finish(UploadStage::kFailed, UploadFailure::kExpiredAuthorisation,
                    "the server refused the certificate (expired): ask the health authority "
                    "for a new code");
    }
    return finish(UploadStage::kFailed, UploadFailure::kRejected,
                  "the server refused the upload: " + describe_reply(r));
  }
  return st.status;
}

Result<ChaffReport> Uploader::run_chaff() {
  RandomSource& rng = client_.random();
  ChaffReport report;
  const std::int64_t now = client_.clock().now();

  const auto send_step = [&](Step step,
                             const std::string& body) -> std::optional<TransportResponse> {
    const TransportRequest request = step_request(options_.base_url, step, body);
    for (std::size_t attempt = 0; attempt < options_.max_attempts; ++attempt) {
      if (attempt > 0 && options_.pause) options_.pause(options_.retry_pause);
      ++report.requests;
      auto r = transport_.send(request);
      if (r && r->status < 500) return std::move(*r);
    }
    return std::nullopt;
  };
  const auto step_pause = [&] {
    if (!options_.pause) return;
    const auto span =
        static_cast<std::uint64_t>((options_.step_pause_max - options_.step_pause_min).count());
    const auto extra = span == 0 ? 0 : static_cast<std::int64_t>(rng.uniform(span + 1));
    options_.pause(options_.step_pause_min + std::chrono::milliseconds(extra));
  };

  // The same values a real flow has, drawn fresh: nothing here is stored or reused.
  const std::string code = random_digits(rng, kLongCodeDigits);
  SecretBytes hmac_key(options_.hmac_key_bytes);
  rng.fill(hmac_key.mutable_span());
  const std::vector<TemporaryExposureKey> keys = chaff_keys(rng, now);
  const std::vector<std::string> reports = reports_base64(venue_chaff_reports(rng, options_.venue));

  auto verified = send_step(
      Step::kVerify,
      padded_body(json::object{{"code", code}, {"chaff", true}}, step_bucket(Step::kVerify)));
  if (!verified) return report;
  auto v = verified->status == 200 ? parse_object(verified->body) : std::nullopt;
  std::string token = v ? string_member(*v, "token") : std::string();
  // A real flow stops after a refused step; so does chaff (the server never refuses it).
  if (token.empty()) return report;

  step_pause();
  const Sha256Digest tekmac = wire::compute_tekmac(hmac_key.span(), keys);
  auto certified = send_step(
      Step::kCertificate,
      padded_body(
          json::object{{"token", token}, {"tekmac", base64_encode(tekmac)}, {"chaff", true}},
          step_bucket(Step::kCertificate)));
  if (!certified) return report;
  auto c = certified->status == 200 ? parse_object(certified->body) : std::nullopt;
  const std::string certificate = c ? string_member(*c, "certificate") : std::string();
  if (certificate.empty()) return report;

  step_pause();
  auto published = send_step(Step::kPublish,
                             padded_body(json::object{{"keys", keys_json(keys)},
                                                      {"certificate", certificate},
                                                      {"hmac_key", base64_encode(hmac_key.span())},
                                                      {"venue_reports", reports_json(reports)},
                                                      {"chaff", true}},
                                         step_bucket(Step::kPublish)));
  report.completed = published && published->status == 200;
  return report;
}

}  // namespace greenlight::client

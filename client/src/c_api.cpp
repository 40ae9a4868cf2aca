// The C API (greenlight/greenlight.h) over greenlight::client::Client. Every entry point
// catches everything: no exception crosses the C boundary.
#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "greenlight/client/chaff_scheduler.h"
#include "greenlight/client/client.h"
#include "greenlight/client/uploader.h"
#include "greenlight/greenlight.h"
#include "internal/c_api_access.h"

using greenlight::ByteArray;
using greenlight::ByteSpan;
using greenlight::Error;
using greenlight::ErrorCode;
namespace client = greenlight::client;
using greenlight::client::internal::copy_message;
using greenlight::client::internal::status_for;

namespace {

class CallbackClock final : public client::Clock {
 public:
  CallbackClock(gl_now_fn callback, void* user_data) : now_(callback), user_data_(user_data) {}
  std::int64_t now() const override { return now_ != nullptr ? now_(user_data_) : system_.now(); }

 private:
  gl_now_fn now_;
  void* user_data_;
  client::SystemClock system_;
};

}  // namespace

struct gl_http_response {
  client::TransportResponse response;
};

namespace {

// The app's transport: every request through its callback, the answer copied out of the
// gl_http_response it filled.
class CallbackTransport final : public client::HttpTransport {
 public:
  CallbackTransport(gl_http_send_fn callback, void* user_data)
      : send_(callback), user_data_(user_data) {}
  greenlight::Result<client::TransportResponse> send(
      const client::TransportRequest& request) override {
    std::vector<const char*> names;
    std::vector<const char*> values;
    for (const auto& [name, value] : request.headers) {
      names.push_back(name.c_str());
      values.push_back(value.c_str());
    }
    const std::string method(client::http_method_name(request.method));
    gl_http_response response;
    const bool has_body = request.method == client::HttpMethod::kPost;
    const gl_status status = send_(
        user_data_, method.c_str(), request.url.c_str(), names.data(), values.data(), names.size(),
        has_body ? reinterpret_cast<const uint8_t*>(request.body.data()) : nullptr,
        has_body ? request.body.size() : 0, &response);
    if (status != GL_OK) {
      return greenlight::make_error(status == GL_ERR_IO ? ErrorCode::kIo : ErrorCode::kUnavailable,
                                    "the app's transport failed for " + method + " " + request.url +
                                        " (" + gl_status_name(status) + ")");
    }
    if (response.response.status < 100 || response.response.status > 599) {
      return greenlight::make_error(ErrorCode::kUnavailable,
                                    "the app's transport gave no HTTP status for " + request.url);
    }
    return std::move(response.response);
  }

 private:
  gl_http_send_fn send_;
  void* user_data_;
};

}  // namespace

struct gl_client {
  CallbackClock clock;
  greenlight::SystemRandom random;
  std::unique_ptr<client::Client> impl;
  std::mutex mutex;
  std::string last_error;
  client::BeastHttpFetcherOptions builtin_options;
  std::unique_ptr<client::BeastHttpFetcher> builtin = std::make_unique<client::BeastHttpFetcher>();
  std::unique_ptr<CallbackTransport> app_transport;
  std::unique_ptr<client::TransportFetcher> app_fetcher;
  client::ChaffOptions chaff_options;
  std::vector<std::string>
      regions;  // gl_client_set_regions: federated regions gl_client_sync reads

  gl_client(gl_now_fn now, void* user_data) : clock(now, user_data) {}

  client::HttpTransport& transport() {
    if (app_transport) return *app_transport;
    return *builtin;
  }
  client::HttpFetcher& fetcher() {
    if (app_fetcher) return *app_fetcher;
    return *builtin;
  }

  gl_status fail(const Error& error) {
    last_error = error.message;
    return status_for(error.code);
  }
  gl_status fail(gl_status status, std::string message) {
    last_error = std::move(message);
    return status;
  }
};

namespace {

// Runs body under the handle's lock, translating exceptions into GL_ERR_INTERNAL.
template <typename Body>
gl_status guarded(gl_client* c, Body&& body) noexcept {
  if (c == nullptr) return GL_ERR_INVALID_ARGUMENT;
  return client::internal::run_guarded(c->mutex, c->last_error, [&] { return body(*c); });
}

}  // namespace

extern "C" {

const char* gl_status_name(gl_status status) {
  switch (status) {
    case GL_OK:
      return "GL_OK";
    case GL_ERR_INVALID_ARGUMENT:
      return "GL_ERR_INVALID_ARGUMENT";
    case GL_ERR_AUTHENTICATION:
      return "GL_ERR_AUTHENTICATION";
    case GL_ERR_NOT_FOUND:
      return "GL_ERR_NOT_FOUND";
    case GL_ERR_ALREADY_EXISTS:
      return "GL_ERR_ALREADY_EXISTS";
    case GL_ERR_FAILED_PRECONDITION:
      return "GL_ERR_FAILED_PRECONDITION";
    case GL_ERR_RESOURCE_EXHAUSTED:
      return "GL_ERR_RESOURCE_EXHAUSTED";
    case GL_ERR_IO:
      return "GL_ERR_IO";
    case GL_ERR_UNAVAILABLE:
      return "GL_ERR_UNAVAILABLE";
    case GL_ERR_INTERNAL:
      return "GL_ERR_INTERNAL";
    case GL_ERR_BUFFER_TOO_SMALL:
      return "GL_ERR_BUFFER_TOO_SMALL";
  }
  return "GL_ERR_UNKNOWN";
}

namespace {

// gl_client_open and gl_client_open_encrypted: store_key null means no encryption.
gl_status open_client(const char* db_path, const uint8_t* store_key, size_t store_key_len,
                      gl_now_fn now, void* now_user_data, gl_client** out, char* error,
                      size_t error_size) {
  if (out == nullptr) return GL_ERR_INVALID_ARGUMENT;
  *out = nullptr;
  try {
    if (db_path == nullptr) {
      copy_message("db_path must not be NULL", error, error_size);
      return GL_ERR_INVALID_ARGUMENT;
    }
    client::ClientConfig config;
    if (store_key != nullptr) {
      if (store_key_len != GL_STORE_KEY_SIZE) {
        copy_message("store_key must be " + std::to_string(GL_STORE_KEY_SIZE) + " bytes, got " +
                         std::to_string(store_key_len),
                     error, error_size);
        return GL_ERR_INVALID_ARGUMENT;
      }
      ByteArray<GL_STORE_KEY_SIZE> key{};
      std::copy_n(store_key, GL_STORE_KEY_SIZE, key.begin());
      config.store_key.emplace(key);
      greenlight::secure_wipe(key.data(), key.size());
    }
    auto handle = std::make_unique<gl_client>(now, now_user_data);
    auto opened = client::Client::open(db_path, std::move(config), handle->clock, handle->random);
    if (!opened) {
      copy_message(opened.error().message, error, error_size);
      return status_for(opened.error().code);
    }
    handle->impl = std::move(*opened);
    *out = handle.release();
    copy_message("", error, error_size);
    return GL_OK;
  } catch (const std::bad_alloc&) {
    copy_message("out of memory", error, error_size);
    return GL_ERR_RESOURCE_EXHAUSTED;
  } catch (...) {
    copy_message("internal error while opening", error, error_size);
    return GL_ERR_INTERNAL;
  }
}

}  // namespace

gl_status gl_client_open(const char* db_path, gl_now_fn now, void* now_user_data, gl_client** out,
                         char* error, size_t error_size) {
  return open_client(db_path, nullptr, 0, now, now_user_data, out, error, error_size);
}

gl_status gl_client_open_encrypted(const char* db_path, const uint8_t* store_key,
                                   size_t store_key_len, gl_now_fn now, void* now_user_data,
                                   gl_client** out, char* error, size_t error_size) {
  if (store_key == nullptr) {
    if (out != nullptr) *out = nullptr;
    copy_message("store_key must not be NULL", error, error_size);
    return GL_ERR_INVALID_ARGUMENT;
  }
  return open_client(db_path, store_key, store_key_len, now, now_user_data, out, error, error_size);
}

void gl_client_close(gl_client* client) { delete client; }

gl_status gl_client_rotate_store_key(gl_client* client, const uint8_t* new_key,
                                     size_t new_key_len) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    if (new_key == nullptr || new_key_len != GL_STORE_KEY_SIZE) {
      return c.fail(GL_ERR_INVALID_ARGUMENT, "new_key must be " +
                                                 std::to_string(GL_STORE_KEY_SIZE) +
                                                 " bytes, got " + std::to_string(new_key_len));
    }
    ByteArray<GL_STORE_KEY_SIZE> bytes{};
    std::copy_n(new_key, GL_STORE_KEY_SIZE, bytes.begin());
    const client::StoreKey key(bytes);
    greenlight::secure_wipe(bytes.data(), bytes.size());
    auto rotated = c.impl->rotate_store_key(key);
    if (!rotated) return c.fail(rotated.error());
    return GL_OK;
  });
}

const char* gl_last_error(const gl_client* client) {
  return client == nullptr ? "client handle is NULL" : client->last_error.c_str();
}

gl_status gl_client_current_advertisement(gl_client* client, uint8_t* out, size_t* len) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    if (len == nullptr) return c.fail(GL_ERR_INVALID_ARGUMENT, "len must not be NULL");
    if (out == nullptr || *len < GL_ADVERTISEMENT_SIZE) {
      *len = GL_ADVERTISEMENT_SIZE;
      return c.fail(GL_ERR_BUFFER_TOO_SMALL, "advertisement needs 20 bytes");
    }
    auto ad = c.impl->advertisement();
    if (!ad) return c.fail(ad.error());
    const auto payload = ad->payload();
    std::memcpy(out, payload.data(), payload.size());
    *len = payload.size();
    return GL_OK;
  });
}

namespace {

gl_status to_observation(gl_client& c, const uint8_t* payload, int32_t rssi_dbm,
                         client::Observation& o) {
  if (rssi_dbm < -128 || rssi_dbm > 127) {
    return c.fail(GL_ERR_INVALID_ARGUMENT,
                  "rssi_dbm must be in -128..127, got " + std::to_string(rssi_dbm));
  }
  std::memcpy(o.rpi.data(), payload, o.rpi.size());
  std::memcpy(o.aem.data(), payload + o.rpi.size(), o.aem.size());
  o.rssi_dbm = static_cast<std::int8_t>(rssi_dbm);
  return GL_OK;
}

}  // namespace

gl_status gl_client_record_observation(gl_client* client, const uint8_t* payload,
                                       size_t payload_len, int32_t rssi_dbm) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    if (payload == nullptr || payload_len != GL_ADVERTISEMENT_SIZE) {
      return c.fail(GL_ERR_INVALID_ARGUMENT,
                    "payload must be 20 bytes, got " + std::to_string(payload_len));
    }
    client::Observation o;
    if (gl_status s = to_observation(c, payload, rssi_dbm, o); s != GL_OK) return s;
    if (auto s = c.impl->record_observation(o); !s) return c.fail(s.error());
    return GL_OK;
  });
}

gl_status gl_client_record_scan(gl_client* client, const uint8_t* payloads, const int32_t* rssi_dbm,
                                size_t count) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    if (count > 0 && (payloads == nullptr || rssi_dbm == nullptr)) {
      return c.fail(GL_ERR_INVALID_ARGUMENT, "payloads and rssi_dbm must not be NULL");
    }
    std::vector<client::Observation> heard(count);
    for (std::size_t i = 0; i < count; ++i) {
      if (gl_status s =
              to_observation(c, payloads + i * GL_ADVERTISEMENT_SIZE, rssi_dbm[i], heard[i]);
          s != GL_OK) {
        return s;
      }
    }
    if (auto s = c.impl->record_scan(heard); !s) return c.fail(s.error());
    return GL_OK;
  });
}

gl_status gl_client_pin_signing_key(gl_client* client, const char* public_key_pem,
                                    const char* key_id, const char* key_version) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    if (public_key_pem == nullptr || key_id == nullptr || key_version == nullptr) {
      return c.fail(GL_ERR_INVALID_ARGUMENT, "public_key_pem, key_id and key_version are required");
    }
    auto key = greenlight::EcdsaP256PublicKey::from_pem(public_key_pem);
    if (!key) return c.fail(key.error());
    c.impl->add_trusted_key(greenlight::wire::TrustedSigningKey{key_id, key_version, *key});
    return GL_OK;
  });
}

gl_status gl_client_process_export(gl_client* client, const uint8_t* zip, size_t zip_len,
                                   uint32_t* matched_keys) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    if (zip == nullptr && zip_len > 0) return c.fail(GL_ERR_INVALID_ARGUMENT, "zip is NULL");
    auto report = c.impl->process_export(ByteSpan(zip, zip_len));
    if (!report) return c.fail(report.error());
    if (matched_keys != nullptr) *matched_keys = static_cast<uint32_t>(report->keys_matched);
    return GL_OK;
  });
}

gl_status gl_client_sync(gl_client* client, const char* base_url, uint32_t* processed) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    if (base_url == nullptr) return c.fail(GL_ERR_INVALID_ARGUMENT, "base_url is NULL");
    auto report = c.regions.empty() ? c.impl->sync(c.fetcher(), base_url)
                                    : c.impl->sync(c.fetcher(), base_url,
                                                   client::region_sources(base_url, c.regions));
    if (!report) return c.fail(report.error());
    if (processed != nullptr) *processed = static_cast<uint32_t>(report->exports_processed);
    if (report->exports_unlogged > 0) {
      return c.fail(GL_ERR_FAILED_PRECONDITION,
                    std::to_string(report->exports_unlogged) +
                        " export(s) refused: not in the transparency log");
    }
    if (!report->log_error.empty()) {
      return c.fail(GL_ERR_UNAVAILABLE, "transparency log did not verify: " + report->log_error);
    }
    if (report->exports_failed > 0 || report->sources_failed > 0) {
      return c.fail(GL_ERR_UNAVAILABLE,
                    std::to_string(report->exports_failed) + " export(s) and " +
                        std::to_string(report->sources_failed) +
                        " region feed(s) failed; first: " + report->errors.front());
    }
    return GL_OK;
  });
}

gl_status gl_client_set_regions(gl_client* client, const char* regions) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    auto parsed = client::parse_region_list(regions == nullptr ? "" : regions);
    if (!parsed) return c.fail(parsed.error());
    c.regions = std::move(*parsed);
    return GL_OK;
  });
}

gl_status gl_client_require_log(gl_client* client, const char* log_vkey, const char* origin) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    if (log_vkey == nullptr) return c.fail(GL_ERR_INVALID_ARGUMENT, "log_vkey is NULL");
    auto verifier = greenlight::NoteVerifier::from_vkey(log_vkey);
    if (!verifier) return c.fail(GL_ERR_INVALID_ARGUMENT, "log_vkey: " + verifier.error().message);
    client::LogMonitorConfig config{greenlight::CheckpointPolicy{
        origin != nullptr ? std::string(origin) : verifier->name(), *verifier, {}, 0}};
    if (auto s = c.impl->require_log(std::move(config)); !s) return c.fail(s.error());
    return GL_OK;
  });
}

gl_status gl_client_log_status(gl_client* client, uint64_t* tree_size, uint32_t* evidence_count) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    const client::LogMonitor* monitor = c.impl->log_monitor();
    if (monitor == nullptr) {
      return c.fail(GL_ERR_FAILED_PRECONDITION, "no transparency log required");
    }
    if (tree_size != nullptr) *tree_size = monitor->size();
    if (evidence_count != nullptr) {
      *evidence_count = static_cast<uint32_t>(monitor->evidence().size());
    }
    return GL_OK;
  });
}

gl_status gl_client_set_positive_test(gl_client* client, int64_t test_time) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    if (auto s = c.impl->set_positive_test(test_time); !s) return c.fail(s.error());
    return GL_OK;
  });
}

gl_status gl_client_colour(gl_client* client, gl_colour_info* info, char* explanation,
                           size_t* explanation_len) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    if (explanation_len == nullptr) {
      return c.fail(GL_ERR_INVALID_ARGUMENT, "explanation_len must not be NULL");
    }
    auto decision = c.impl->colour();
    if (!decision) return c.fail(decision.error());
    const client::ColourExplanation& e = decision->explanation;
    const std::size_t needed = e.text.size() + 1;
    if (explanation == nullptr || *explanation_len < needed) {
      *explanation_len = needed;
      return c.fail(GL_ERR_BUFFER_TOO_SMALL,
                    "explanation needs " + std::to_string(needed) + " bytes");
    }
    std::memcpy(explanation, e.text.c_str(), needed);
    *explanation_len = needed;
    if (info != nullptr) {
      info->colour = static_cast<gl_colour>(decision->colour);
      info->rule = static_cast<gl_colour_rule>(e.rule);
      info->day = e.day;
      info->minutes = e.minutes;
      info->score = e.score;
      info->valid_until = e.valid_until;
    }
    return GL_OK;
  });
}

gl_status gl_client_keys_for_upload(gl_client* client, int release_current_key, gl_tek* keys,
                                    size_t* count) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    if (count == nullptr) return c.fail(GL_ERR_INVALID_ARGUMENT, "count must not be NULL");
    // Size check without side effects first: a release rotates the key and must not happen
    // on a call that then fails for lack of space.
    auto existing = c.impl->keys_for_upload(client::SameDayRelease::kNo);
    if (!existing) return c.fail(existing.error());
    const std::size_t needed = existing->size() + (release_current_key != 0 ? 1 : 0);
    if (keys == nullptr || *count < needed) {
      *count = needed;
      return c.fail(GL_ERR_BUFFER_TOO_SMALL, "keys need room for " + std::to_string(needed));
    }
    auto result = existing;
    if (release_current_key != 0) {
      result = c.impl->keys_for_upload(client::SameDayRelease::kYes);
      if (!result) return c.fail(result.error());
    }
    for (std::size_t i = 0; i < result->size(); ++i) {
      const greenlight::TemporaryExposureKey& k = (*result)[i];
      std::memcpy(keys[i].key_data, k.key_data.data(), sizeof keys[i].key_data);
      keys[i].rolling_start_interval_number = k.rolling_start_interval_number.value;
      keys[i].rolling_period = k.rolling_period;
    }
    *count = result->size();
    return GL_OK;
  });
}

gl_status gl_client_run_retention(gl_client* client) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    if (auto s = c.impl->run_retention(); !s) return c.fail(s.error());
    return GL_OK;
  });
}

gl_status gl_client_set_risk_config_json(gl_client* client, const char* json) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    if (json == nullptr) return c.fail(GL_ERR_INVALID_ARGUMENT, "json is NULL");
    auto config = client::risk_config_from_json(json);
    if (!config) return c.fail(config.error());
    if (auto s = c.impl->set_risk_config(*config); !s) return c.fail(s.error());
    return GL_OK;
  });
}

void gl_http_response_set_status(gl_http_response* response, int status) {
  if (response != nullptr && status >= 0) response->response.status = static_cast<unsigned>(status);
}

gl_status gl_http_response_add_header(gl_http_response* response, const char* name,
                                      const char* value) {
  if (response == nullptr || name == nullptr || value == nullptr) return GL_ERR_INVALID_ARGUMENT;
  try {
    response->response.headers.emplace_back(name, value);
    return GL_OK;
  } catch (...) {
    return GL_ERR_RESOURCE_EXHAUSTED;
  }
}

gl_status gl_http_response_set_body(gl_http_response* response, const uint8_t* body,
                                    size_t body_len) {
  if (response == nullptr || (body == nullptr && body_len > 0)) return GL_ERR_INVALID_ARGUMENT;
  try {
    response->response.body.assign(reinterpret_cast<const char*>(body), body_len);
    return GL_OK;
  } catch (...) {
    return GL_ERR_RESOURCE_EXHAUSTED;
  }
}

gl_status gl_client_set_transport(gl_client* client, gl_http_send_fn send, void* user_data) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    c.app_fetcher.reset();
    c.app_transport.reset();
    if (send != nullptr) {
      c.app_transport = std::make_unique<CallbackTransport>(send, user_data);
      c.app_fetcher = std::make_unique<client::TransportFetcher>(*c.app_transport);
    }
    return GL_OK;
  });
}

gl_status gl_client_set_ca_file(gl_client* client, const char* ca_file) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    c.builtin_options.ca_file = ca_file != nullptr ? std::string(ca_file) : std::string();
    c.builtin = std::make_unique<client::BeastHttpFetcher>(c.builtin_options);
    return GL_OK;
  });
}

}  // extern "C"

namespace {

void fill_upload_status(const client::UploadStatus& s, gl_upload_status* out) {
  if (out == nullptr) return;
  out->stage = static_cast<gl_upload_stage>(s.stage);
  out->failure = static_cast<gl_upload_failure>(s.failure);
  out->started_at = s.started_at;
  out->updated_at = s.updated_at;
  out->keys = static_cast<uint32_t>(s.keys);
  out->inserted = static_cast<uint32_t>(s.inserted);
  out->already_uploaded = s.already_uploaded ? 1 : 0;
}

// The C status of where an upload stands after a call.
gl_status upload_result(gl_client& c, const client::UploadStatus& s) {
  switch (s.stage) {
    case client::UploadStage::kPublished:
      c.last_error = s.message;
      return GL_OK;
    case client::UploadStage::kFailed:
      switch (s.failure) {
        case client::UploadFailure::kInvalidCode:
        case client::UploadFailure::kExpiredAuthorisation:
          return c.fail(GL_ERR_AUTHENTICATION, s.message);
        case client::UploadFailure::kExpiredCode:
          return c.fail(GL_ERR_FAILED_PRECONDITION, s.message);
        case client::UploadFailure::kTooManyAttempts:
          return c.fail(GL_ERR_RESOURCE_EXHAUSTED, s.message);
        case client::UploadFailure::kRejected:
          return c.fail(GL_ERR_INVALID_ARGUMENT, s.message);
        default:
          return c.fail(GL_ERR_INTERNAL, s.message);
      }
    case client::UploadStage::kNone:
      return c.fail(GL_ERR_NOT_FOUND, "no upload was started");
    default:
      return c.fail(GL_ERR_UNAVAILABLE, s.message);
  }
}

greenlight::Result<std::unique_ptr<client::Uploader>> open_uploader(gl_client& c,
                                                                    const char* base_url) {
  client::UploaderOptions options;
  options.base_url = base_url != nullptr ? base_url : "";
  return client::Uploader::open(*c.impl, c.transport(), std::move(options));
}

}  // namespace

extern "C" {

gl_status gl_client_upload(gl_client* client, const char* base_url, const char* code,
                           int release_current_key, gl_upload_status* status) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    if (base_url == nullptr || code == nullptr) {
      return c.fail(GL_ERR_INVALID_ARGUMENT, "base_url and code are required");
    }
    client::UploadRequest request;
    request.code = code;
    request.release =
        release_current_key != 0 ? client::SameDayRelease::kYes : client::SameDayRelease::kNo;
    return client::internal::run_upload(&c, base_url, request, status, &c.last_error);
  });
}

gl_status gl_client_upload_resume(gl_client* client, const char* base_url,
                                  gl_upload_status* status) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    if (base_url == nullptr) return c.fail(GL_ERR_INVALID_ARGUMENT, "base_url is NULL");
    auto uploader = open_uploader(c, base_url);
    if (!uploader) return c.fail(uploader.error());
    auto s = (*uploader)->resume();
    if (!s) return c.fail(s.error());
    fill_upload_status(*s, status);
    return upload_result(c, *s);
  });
}

gl_status gl_client_upload_status(gl_client* client, gl_upload_status* status) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    auto uploader = open_uploader(c, "");
    if (!uploader) return c.fail(uploader.error());
    auto s = (*uploader)->status();
    if (!s) return c.fail(s.error());
    fill_upload_status(*s, status);
    c.last_error = s->message;
    return GL_OK;
  });
}

gl_status gl_client_set_chaff_interval(gl_client* client, double mean_interval_seconds) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    client::ChaffOptions options{mean_interval_seconds};
    auto scheduler =
        client::ChaffScheduler::open(c.impl->database(), c.clock, c.random, c.chaff_options);
    if (!scheduler) return c.fail(scheduler.error());
    if (auto s = scheduler->set_options(options); !s) return c.fail(s.error());
    c.chaff_options = options;
    return GL_OK;
  });
}

gl_status gl_client_chaff_next_due(gl_client* client, int64_t* next_due) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    auto scheduler =
        client::ChaffScheduler::open(c.impl->database(), c.clock, c.random, c.chaff_options);
    if (!scheduler) return c.fail(scheduler.error());
    auto next = scheduler->next_due();
    if (!next) return c.fail(next.error());
    if (next_due != nullptr) *next_due = *next;
    return GL_OK;
  });
}

gl_status gl_client_chaff_run_due(gl_client* client, const char* base_url, int* ran) {
  return guarded(client, [&](gl_client& c) -> gl_status {
    if (ran != nullptr) *ran = 0;
    if (base_url == nullptr) return c.fail(GL_ERR_INVALID_ARGUMENT, "base_url is NULL");
    auto scheduler =
        client::ChaffScheduler::open(c.impl->database(), c.clock, c.random, c.chaff_options);
    if (!scheduler) return c.fail(scheduler.error());
    auto uploader = open_uploader(c, base_url);
    if (!uploader) return c.fail(uploader.error());
    auto run = scheduler->run_due(**uploader);
    if (!run) return c.fail(run.error());
    if (ran != nullptr) *ran = run->ran ? 1 : 0;
    return GL_OK;
  });
}

}  // extern "C"

// Accessors for C API extensions of this library (internal/c_api_access.h).
namespace greenlight::client::internal {
Client* client_of(gl_client* handle) noexcept {
  return handle != nullptr ? handle->impl.get() : nullptr;
}
std::mutex* mutex_of(gl_client* handle) noexcept {
  return handle != nullptr ? &handle->mutex : nullptr;
}
HttpFetcher* fetcher_of(gl_client* handle) noexcept {
  return handle != nullptr ? &handle->fetcher() : nullptr;
}
gl_status run_upload(gl_client* handle, const char* base_url, const UploadRequest& request,
                     gl_upload_status* status, std::string* message) {
  gl_client& c = *handle;
  auto uploader = open_uploader(c, base_url);
  gl_status result = GL_OK;
  if (!uploader) {
    result = status_for(uploader.error().code);
    *message = uploader.error().message;
    return result;
  }
  auto s = (*uploader)->upload(request);
  if (!s) {
    *message = s.error().message;
    return status_for(s.error().code);
  }
  fill_upload_status(*s, status);
  result = upload_result(c, *s);
  *message = c.last_error;
  return result;
}
gl_status status_for(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return GL_ERR_INVALID_ARGUMENT;
    case ErrorCode::kAuthentication:
      return GL_ERR_AUTHENTICATION;
    case ErrorCode::kNotFound:
      return GL_ERR_NOT_FOUND;
    case ErrorCode::kAlreadyExists:
      return GL_ERR_ALREADY_EXISTS;
    case ErrorCode::kFailedPrecondition:
      return GL_ERR_FAILED_PRECONDITION;
    case ErrorCode::kResourceExhausted:
      return GL_ERR_RESOURCE_EXHAUSTED;
    case ErrorCode::kIo:
      return GL_ERR_IO;
    case ErrorCode::kUnavailable:
      return GL_ERR_UNAVAILABLE;
    case ErrorCode::kInternal:
      return GL_ERR_INTERNAL;
  }
  return GL_ERR_INTERNAL;
}

void copy_message(const std::string& message, char* out, std::size_t size) noexcept {
  if (out == nullptr || size == 0) return;
  const std::size_t n = std::min(message.size(), size - 1);
  std::memcpy(out, message.data(), n);
  out[n] = '\0';
}
}  // namespace greenlight::client::internal

// The venue C API (greenlight/greenlight_venue.h) over client::VenueCheckins. Every entry
// point catches everything and holds the gl_client's lock.
#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>

#include "greenlight/client/venue_checkins.h"
#include "greenlight/greenlight_venue.h"
#include "greenlight/wire/venue_warning.h"
#include "internal/c_api_access.h"

using greenlight::Error;
using greenlight::ErrorCode;
namespace client = greenlight::client;
using greenlight::client::internal::copy_message;
using greenlight::client::internal::status_for;

struct gl_venue {
  std::mutex* lock = nullptr;
  gl_client* owner = nullptr;  // downloads go through its transport
  greenlight::SystemRandom random;
  std::unique_ptr<client::VenueCheckins> impl;
  std::string last_error;
};

namespace {

gl_status fail(gl_venue& v, const Error& error) {
  v.last_error = error.message;
  return status_for(error.code);
}
gl_status fail(gl_venue& v, gl_status status, std::string message) {
  v.last_error = std::move(message);
  return status;
}

void copy_text(const std::string& text, char (&out)[GL_VENUE_TEXT_SIZE]) {
  // Validated payload text is at most 100 characters of UTF-8: it always fits.
  copy_message(text, out, GL_VENUE_TEXT_SIZE);
}

void fill_info(const greenlight::wire::VenuePayload& p, gl_venue_info& info) {
  copy_text(p.description, info.name);
  copy_text(p.address, info.address);
  info.venue_type = static_cast<uint32_t>(p.type);
  info.default_checkin_minutes = p.default_checkin_minutes;
  info.valid_from = p.valid_from;
  info.valid_until = p.valid_until;
}

// Writes text (with its NUL) into out, or reports the size needed.
gl_status write_string(gl_venue& v, const std::string& text, char* out, size_t* len) {
  const std::size_t needed = text.size() + 1;
  if (out == nullptr || *len < needed) {
    *len = needed;
    return fail(v, GL_ERR_BUFFER_TOO_SMALL, "output needs " + std::to_string(needed) + " bytes");
  }
  std::memcpy(out, text.c_str(), needed);
  *len = needed;
  return GL_OK;
}

template <typename Body>
gl_status guarded(gl_venue* v, Body&& body) noexcept {
  if (v == nullptr) return GL_ERR_INVALID_ARGUMENT;
  return client::internal::run_guarded(*v->lock, v->last_error, [&] { return body(*v); });
}

}  // namespace

extern "C" {

gl_status gl_venue_open(gl_client* handle, const uint8_t* store_key, size_t store_key_len,
                        gl_venue** out, char* error, size_t error_size) {
  if (out == nullptr) return GL_ERR_INVALID_ARGUMENT;
  *out = nullptr;
  try {
    client::Client* core = client::internal::client_of(handle);
    if (core == nullptr) {
      copy_message("client is NULL", error, error_size);
      return GL_ERR_INVALID_ARGUMENT;
    }
    if (store_key == nullptr || store_key_len != GL_VENUE_STORE_KEY_SIZE) {
      copy_message("the store key must be " + std::to_string(GL_VENUE_STORE_KEY_SIZE) +
                       " bytes, got " + std::to_string(store_key_len),
                   error, error_size);
      return GL_ERR_INVALID_ARGUMENT;
    }
    auto venue = std::make_unique<gl_venue>();
    venue->lock = client::internal::mutex_of(handle);
    venue->owner = handle;
    std::lock_guard<std::mutex> lock(*venue->lock);
    auto key = client::CheckinStoreKey::from_span(greenlight::ByteSpan(store_key, store_key_len));
    if (!key) {
      copy_message(key.error().message, error, error_size);
      return status_for(key.error().code);
    }
    auto impl = client::VenueCheckins::open(*core, *key, venue->random);
    if (!impl) {
      copy_message(impl.error().message, error, error_size);
      return status_for(impl.error().code);
    }
    venue->impl = std::move(*impl);
    *out = venue.release();
    return GL_OK;
  } catch (const std::bad_alloc&) {
    copy_message("out of memory", error, error_size);
    return GL_ERR_RESOURCE_EXHAUSTED;
  } catch (...) {
    copy_message("internal error", error, error_size);
    return GL_ERR_INTERNAL;
  }
}

void gl_venue_close(gl_venue* venue) {
  if (venue == nullptr) return;
  try {
    std::lock_guard<std::mutex> lock(*venue->lock);
    venue->impl.reset();
  } catch (...) {
  }
  delete venue;
}

const char* gl_venue_last_error(const gl_venue* venue) {
  return venue != nullptr ? venue->last_error.c_str() : "";
}

gl_status gl_venue_scan(gl_venue* venue, const char* url, gl_venue_info* info) {
  return guarded(venue, [&](gl_venue& v) -> gl_status {
    if (url == nullptr || info == nullptr) {
      return fail(v, GL_ERR_INVALID_ARGUMENT, "url and info must not be NULL");
    }
    auto scanned = v.impl->scan(url);
    if (!scanned) return fail(v, scanned.error());
    fill_info(scanned->payload, *info);
    return GL_OK;
  });
}

gl_status gl_venue_check_in(gl_venue* venue, const char* url, int64_t* checkin_id) {
  return guarded(venue, [&](gl_venue& v) -> gl_status {
    if (url == nullptr) return fail(v, GL_ERR_INVALID_ARGUMENT, "url must not be NULL");
    auto scanned = v.impl->scan(url);
    if (!scanned) return fail(v, scanned.error());
    auto id = v.impl->store().check_in(*scanned);
    if (!id) return fail(v, id.error());
    if (checkin_id != nullptr) *checkin_id = *id;
    return GL_OK;
  });
}

gl_status gl_venue_check_out(gl_venue* venue, int64_t checkin_id) {
  return guarded(venue, [&](gl_venue& v) -> gl_status {
    if (auto s = v.impl->store().check_out(checkin_id); !s) return fail(v, s.error());
    return GL_OK;
  });
}

gl_status gl_venue_list(gl_venue* venue, gl_checkin* checkins, size_t* count) {
  return guarded(venue, [&](gl_venue& v) -> gl_status {
    if (count == nullptr) return fail(v, GL_ERR_INVALID_ARGUMENT, "count must not be NULL");
    auto list = v.impl->store().list();
    if (!list) return fail(v, list.error());
    if (*count < list->size() || (checkins == nullptr && !list->empty())) {
      *count = list->size();
      return fail(v, GL_ERR_BUFFER_TOO_SMALL,
                  "room for " + std::to_string(list->size()) + " check-ins needed");
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
      const client::CheckIn& c = (*list)[i];
      gl_checkin& out = checkins[i];
      out.id = c.id;
      out.arrival = c.arrival;
      out.departure = c.departure;
      out.checked_out = c.checked_out ? 1 : 0;
      fill_info(c.venue, out.venue);
    }
    *count = list->size();
    return GL_OK;
  });
}

gl_status gl_venue_delete(gl_venue* venue, int64_t checkin_id) {
  return guarded(venue, [&](gl_venue& v) -> gl_status {
    if (auto s = v.impl->store().remove(checkin_id); !s) return fail(v, s.error());
    return GL_OK;
  });
}

gl_status gl_venue_process_batch(gl_venue* venue, const uint8_t* file, size_t file_len,
                                 uint32_t* new_matches) {
  return guarded(venue, [&](gl_venue& v) -> gl_status {
    if (file == nullptr && file_len != 0) {
      return fail(v, GL_ERR_INVALID_ARGUMENT, "file must not be NULL");
    }
    auto report = v.impl->process_batch(greenlight::ByteSpan(file, file_len));
    if (!report) return fail(v, report.error());
    if (new_matches != nullptr) *new_matches = static_cast<uint32_t>(report->new_matches);
    return GL_OK;
  });
}

gl_status gl_venue_sync(gl_venue* venue, const char* base_url, uint32_t* processed) {
  return guarded(venue, [&](gl_venue& v) -> gl_status {
    if (base_url == nullptr) return fail(v, GL_ERR_INVALID_ARGUMENT, "base_url must not be NULL");
    auto report = v.impl->sync(*client::internal::fetcher_of(v.owner), base_url);
    if (!report) return fail(v, report.error());
    if (processed != nullptr) *processed = static_cast<uint32_t>(report->batches_processed);
    if (report->batches_failed > 0) {
      return fail(v, GL_ERR_UNAVAILABLE,
                  std::to_string(report->batches_failed) +
                      " venue batch(es) failed: " + report->errors.front());
    }
    return GL_OK;
  });
}

gl_status gl_venue_colour(gl_venue* venue, gl_colour_info* info, char* explanation,
                          size_t* explanation_len) {
  return guarded(venue, [&](gl_venue& v) -> gl_status {
    if (explanation_len == nullptr) {
      return fail(v, GL_ERR_INVALID_ARGUMENT, "explanation_len must not be NULL");
    }
    auto decision = v.impl->colour();
    if (!decision) return fail(v, decision.error());
    const client::ColourExplanation& e = decision->explanation;
    if (auto s = write_string(v, e.text, explanation, explanation_len); s != GL_OK) return s;
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

gl_status gl_venue_upload_reports(gl_venue* venue, int64_t from, int chaff, char* json,
                                  size_t* json_len) {
  return guarded(venue, [&](gl_venue& v) -> gl_status {
    if (json_len == nullptr) return fail(v, GL_ERR_INVALID_ARGUMENT, "json_len must not be NULL");
    std::vector<greenlight::SealedVenueReport> reports;
    if (chaff != 0) {
      reports = client::venue_chaff_reports(v.random);
    } else {
      auto real = v.impl->reports_for_upload(from);
      if (!real) return fail(v, real.error());
      reports = std::move(*real);
    }
    std::string text = "[";
    for (std::size_t i = 0; i < reports.size(); ++i) {
      if (i > 0) text += ',';
      text += '"';
      text += greenlight::wire::venue_report_to_base64(reports[i]);
      text += '"';
    }
    text += ']';
    return write_string(v, text, json, json_len);
  });
}

gl_status gl_venue_upload(gl_venue* venue, const char* base_url, const char* code,
                          int release_current_key, int64_t venue_from, gl_upload_status* status) {
  return guarded(venue, [&](gl_venue& v) -> gl_status {
    if (base_url == nullptr || code == nullptr) {
      return fail(v, GL_ERR_INVALID_ARGUMENT, "base_url and code are required");
    }
    client::UploadRequest request;
    request.code = code;
    request.release =
        release_current_key != 0 ? client::SameDayRelease::kYes : client::SameDayRelease::kNo;
    request.checkins = &v.impl->store();
    request.venue_from = venue_from;
    return client::internal::run_upload(v.owner, base_url, request, status, &v.last_error);
  });
}

gl_status gl_venue_run_retention(gl_venue* venue) {
  return guarded(venue, [&](gl_venue& v) -> gl_status {
    if (auto s = v.impl->run_retention(); !s) return fail(v, s.error());
    return GL_OK;
  });
}

gl_status gl_venue_pin_authority_key(gl_venue* venue, const char* public_key_pem) {
  return guarded(venue, [&](gl_venue& v) -> gl_status {
    if (public_key_pem == nullptr) {
      return fail(v, GL_ERR_INVALID_ARGUMENT, "public_key_pem must not be NULL");
    }
    auto key = greenlight::EcdsaP256PublicKey::from_pem(public_key_pem);
    if (!key) return fail(v, key.error());
    v.impl->pin_authority_key(*key);
    return GL_OK;
  });
}

gl_status gl_venue_evidence_count(gl_venue* venue, uint32_t* count) {
  return guarded(venue, [&](gl_venue& v) -> gl_status {
    if (count == nullptr) return fail(v, GL_ERR_INVALID_ARGUMENT, "count must not be NULL");
    auto evidence = v.impl->warning_evidence();
    if (!evidence) return fail(v, evidence.error());
    *count = static_cast<uint32_t>(evidence->size());
    return GL_OK;
  });
}

}  // extern "C"

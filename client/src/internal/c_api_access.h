// Access to the C++ core behind a gl_client handle, for C API extensions of this library
// (greenlight_venue.h). Defined in c_api.cpp, where gl_client is.
#pragma once

#include <cstddef>
#include <exception>
#include <mutex>
#include <new>
#include <string>

#include "greenlight/client/client.h"
#include "greenlight/client/uploader.h"
#include "greenlight/crypto/result.h"
#include "greenlight/greenlight.h"

namespace greenlight::client::internal {

// The handle's Client, or null when handle is null.
Client* client_of(gl_client* handle) noexcept;
// The lock every call on the handle holds; extensions hold it too.
std::mutex* mutex_of(gl_client* handle) noexcept;
// The fetcher every download of the handle goes through (the app's transport when one is
// registered, otherwise the built-in client); call with the handle's lock held.
HttpFetcher* fetcher_of(gl_client* handle) noexcept;
// Runs an upload through the handle's transport (lock held); fills status (may be null)
// and returns the C status of where the upload stands, with its message in *message.
gl_status run_upload(gl_client* handle, const char* base_url, const UploadRequest& request,
                     gl_upload_status* status, std::string* message);

// The C status of an error code (one mapping for every C entry point).
gl_status status_for(ErrorCode code) noexcept;
// Copies message into out (size bytes, NUL-terminated, truncated); nothing when out is null.
void copy_message(const std::string& message, char* out, std::size_t size) noexcept;

// Runs body() under lock with last_error cleared; an exception becomes a status code and a
// message in last_error, so no exception leaves a C entry point.
template <typename Body>
gl_status run_guarded(std::mutex& lock, std::string& last_error, Body&& body) noexcept {
  try {
    std::lock_guard<std::mutex> guard(lock);
    last_error.clear();
    return body();
  } catch (const std::bad_alloc&) {
    try {
      last_error = "out of memory";
    } catch (...) {
    }
    return GL_ERR_RESOURCE_EXHAUSTED;
  } catch (const std::exception& e) {
    try {
      last_error = std::string("internal error: ") + e.what();
    } catch (...) {
    }
    return GL_ERR_INTERNAL;
  } catch (...) {
    return GL_ERR_INTERNAL;
  }
}

}  // namespace greenlight::client::internal

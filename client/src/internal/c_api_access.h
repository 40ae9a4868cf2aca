// Access to the C++ core behind a gl_client handle, for C API extensions of this library
// (greenlight_venue.h). Defined in c_api.cpp, where gl_client is.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>

#include "greenlight/client/client.h"
#include "greenlight/crypto/result.h"
#include "greenlight/greenlight.h"

namespace greenlight::client::internal {

// The handle's Client, or null when handle is null.
Client* client_of(gl_client* handle) noexcept;
// The lock every call on the handle holds; extensions hold it too.
std::mutex* mutex_of(gl_client* handle) noexcept;

// The C status of an error code (one mapping for every C entry point).
gl_status status_for(ErrorCode code) noexcept;
// Copies message into out (size bytes, NUL-terminated, truncated); nothing when out is null.
void copy_message(const std::string& message, char* out, std::size_t size) noexcept;

}  // namespace greenlight::client::internal

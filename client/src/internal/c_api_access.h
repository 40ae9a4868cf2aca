// Access to the C++ core behind a gl_client handle, for C API extensions of this library
// (greenlight_venue.h). Defined in c_api.cpp, where gl_client is.
#pragma once

#include <mutex>

#include "greenlight/client/client.h"
#include "greenlight/greenlight.h"

namespace greenlight::client::internal {

// The handle's Client, or null when handle is null.
Client* client_of(gl_client* handle) noexcept;
// The lock every call on the handle holds; extensions hold it too.
std::mutex* mutex_of(gl_client* handle) noexcept;

}  // namespace greenlight::client::internal

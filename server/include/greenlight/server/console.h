// The health-authority console at /console/ (docs/console.md): staff sign in with a health
// authority API key, which is exchanged for a short-lived session cookie, issue long and short
// verification codes, see a code's status and the daily statistics.
//
// Security properties:
// - The API key is checked once (constant time, as POST /v1/codes does) and never stored;
//   the session is a random 256-bit id in a cookie "gl_console" (Secure, HttpOnly,
//   SameSite=Strict, Path=/console/), kept server-side only as its SHA-256 with an absolute
//   expiry (ConsoleConfig::session_seconds). Sessions live in this process: behind several
//   instances, send /console/ to one of them.
// - CSRF: every POST needs the session's CSRF token in the X-CSRF-Token header (compared in
//   constant time), and is refused when Origin or Sec-Fetch-Site show a cross-site request.
// - A code's status is one of unused, used, expired, unknown: never what it was used for.
// - Statistics are Metrics::daily_text (ended UTC days only, counts below min_count left out)
//   with chaff series dropped, so they cannot date or single out a diagnosis.
// - Every response carries a strict Content-Security-Policy (no inline script or style, no
//   third-party origin), no-store caching, nosniff, no referrer and frame-ancestors 'none'.
//   The pages are embedded in the binary (server/web/console/, server/web/embed.cmake).
//
// Thread-safe (handlers run on the worker pool).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "greenlight/server/server.h"

namespace greenlight::server {

struct ConsoleConfig {
  std::vector<std::string> api_keys;       // health-authority API keys that may sign in
  std::int64_t session_seconds = 15 * 60;  // absolute lifetime of a session
  std::size_t max_sessions = 1000;         // sign-ins beyond this are refused (503)
  std::uint64_t min_count = 10;            // daily counts below this are not shown
};

// The console as a server module; attach before start(). Fails to attach without API keys.
std::shared_ptr<ServerModule> make_console_module(ConsoleConfig config);

}  // namespace greenlight::server

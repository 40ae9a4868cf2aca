// Result and Error: the return type of every library boundary in greenlight.
//
// A small set of error codes plus a human-readable message. Parsing and validation
// errors say what was expected and what arrived; authentication failures use one
// generic message (see authentication_failed()).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace greenlight {

enum class ErrorCode {
  kInvalidArgument,     // malformed or out-of-range input
  kAuthentication,      // signature, MAC, code or token did not verify
  kNotFound,            // the thing asked for does not exist
  kAlreadyExists,       // a replay or a duplicate that must not be applied twice
  kFailedPrecondition,  // state does not allow the operation (expired, embargoed, ...)
  kResourceExhausted,   // a size cap, budget or quota was hit
  kIo,                  // file, database or network failure
  kUnavailable,         // transient: try again later
  kInternal,            // a bug or an unexpected library failure
};

std::string_view error_code_name(ErrorCode code) noexcept;

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

template <typename T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

[[nodiscard]] inline std::unexpected<Error> make_error(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}

// The one message every authentication failure carries, so that the failure reveals
// nothing about which check failed.
[[nodiscard]] inline std::unexpected<Error> authentication_failed() {
  return make_error(ErrorCode::kAuthentication, "authentication failed");
}

inline Status ok() { return {}; }

}  // namespace greenlight

// Error propagation, the one way the tree passes an error up (like Abseil's RETURN_IF_ERROR).
//
//   GL_RETURN_IF_ERROR(expr);          // expr is a Status or Result<T> (a call or a variable):
//                                      // if it holds an error, the enclosing function returns it.
//   GL_ASSIGN_OR_RETURN(lhs, expr);    // expr is a Result<T>: returns its error, or assigns
//                                      // the moved value to lhs ("auto x", "T& x", "obj.field").
//
// The enclosing function returns Status or Result<U> (any U). Both are statements; each
// evaluates expr exactly once.
#define GL_RETURN_IF_ERROR(expr)                                         \
  do {                                                                   \
    if (auto&& gl_status_ = (expr); !gl_status_) [[unlikely]]            \
      return ::std::unexpected<::greenlight::Error>(gl_status_.error()); \
  } while (false)

#define GL_INTERNAL_CONCAT_(a, b) a##b
#define GL_INTERNAL_CONCAT(a, b) GL_INTERNAL_CONCAT_(a, b)
#define GL_ASSIGN_OR_RETURN(lhs, expr) \
  GL_INTERNAL_ASSIGN_OR_RETURN_(GL_INTERNAL_CONCAT(gl_result_, __LINE__), lhs, expr)
#define GL_INTERNAL_ASSIGN_OR_RETURN_(tmp, lhs, expr)                      \
  auto tmp = (expr);                                                       \
  if (!tmp) [[unlikely]]                                                   \
    return ::std::unexpected<::greenlight::Error>(std::move(tmp).error()); \
  lhs = std::move(*tmp)

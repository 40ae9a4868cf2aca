// Transport-neutral HTTP request and response values that route handlers see, and the one
// place that maps greenlight errors to HTTP status codes and JSON error bodies.
//
// Handlers never see Beast types, so modules that add routes (transparency log, venue
// warnings) compile without Beast. Header names are compared case-insensitively.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "greenlight/crypto/result.h"

namespace greenlight::server {

enum class Method { kGet, kHead, kPost, kPut, kDelete, kOther };

std::string_view method_name(Method method) noexcept;

struct HttpRequest {
  Method method = Method::kGet;
  std::string path;   // decoded target path without the query, e.g. "/v1/publish"
  std::string query;  // raw query string without '?', may be empty
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header with this name (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
  // The token of an "Authorization: Bearer <token>" header, if present.
  std::optional<std::string_view> bearer_token() const;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // Shared so that cached static content (exports) is served without copying.
  std::shared_ptr<const std::string> body = std::make_shared<const std::string>();
  // A response of the upload flow (POST /v1/codes, /v1/verify, /v1/certificate, /v1/publish,
  // /v1/venue-warning; success, error and chaff alike). The transport releases it at the
  // response deadline (HttpOptions::response_deadline, response_release_time below) and
  // leaves it out of the public request metrics, so neither its timing nor /metrics tells a
  // real request from chaff or dates a diagnosis. Set by padded_json / padded_error.
  bool upload_flow = false;

  void set_header(std::string name, std::string value);
  std::optional<std::string_view> header(std::string_view name) const;

  static HttpResponse text(unsigned status, std::string body,
                           std::string content_type = "text/plain; charset=utf-8");
  static HttpResponse json(unsigned status, const boost::json::object& body);
};

// THE mapping from error codes to HTTP status codes:
//   kInvalidArgument 400, kAuthentication 401, kNotFound 404, kAlreadyExists 409,
//   kFailedPrecondition 400, kResourceExhausted 429, kIo 500, kUnavailable 503,
//   kInternal 500.
unsigned http_status_for(ErrorCode code) noexcept;

// {"error": error_code_name(code), "message": message}: the JSON body of every error.
boost::json::object error_body(const Error& error);

// error_body(error) as a response. The status is http_status_for(code)
// unless the transport layer knows a more specific one (413 for an oversized body, 431 for
// oversized headers), which it passes as status_override.
HttpResponse error_response(const Error& error, std::optional<unsigned> status_override = {});

// When an upload-flow response that was ready at `ready` leaves the server: at
// arrival + deadline, or, if it was not ready by then (a slow commit), at the next step of the
// grid arrival + k * deadline (k = 2, 3, ...). Real and chaff responses therefore leave at the
// same times as seen from the network. A deadline of zero or less releases at `ready`.
std::chrono::steady_clock::time_point response_release_time(
    std::chrono::steady_clock::time_point arrival, std::chrono::steady_clock::time_point ready,
    std::chrono::steady_clock::duration deadline) noexcept;

// RFC 7231 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(std::int64_t unix_seconds);

}  // namespace greenlight::server

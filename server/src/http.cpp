#include "greenlight/server/http.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <ctime>

namespace greenlight::server {

namespace {
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}
}  // namespace

std::string_view method_name(Method method) noexcept {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kDelete:
      return "DELETE";
    case Method::kOther:
      break;
  }
  return "OTHER";
}

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string_view> HttpRequest::bearer_token() const {
  auto h = header("Authorization");
  if (!h || h->size() < 7 || !iequals(h->substr(0, 7), "Bearer ")) return std::nullopt;
  std::string_view token = h->substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

void HttpResponse::set_header(std::string name, std::string value) {
  for (auto& [k, v] : headers) {
    if (iequals(k, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

HttpResponse HttpResponse::text(unsigned status, std::string body, std::string content_type) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::make_shared<const std::string>(std::move(body));
  return r;
}

HttpResponse HttpResponse::json(unsigned status, const boost::json::object& body) {
  return text(status, boost::json::serialize(body), "application/json");
}

unsigned http_status_for(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kAuthentication:
      return 401;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kFailedPrecondition:
      return 400;
    case ErrorCode::kResourceExhausted:
      return 429;
    case ErrorCode::kIo:
      return 500;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

boost::json::object error_body(const Error& error) {
  return boost::json::object{{"error", error_code_name(error.code)}, {"message", error.message}};
}

HttpResponse error_response(const Error& error, std::optional<unsigned> status_override) {
  return HttpResponse::json(status_override.value_or(http_status_for(error.code)),
                            error_body(error));
}

std::chrono::steady_clock::time_point response_release_time(
    std::chrono::steady_clock::time_point arrival, std::chrono::steady_clock::time_point ready,
    std::chrono::steady_clock::duration deadline) noexcept {
  if (deadline <= std::chrono::steady_clock::duration::zero()) return ready;
  const auto late = ready - arrival;
  auto steps =
      late <= deadline ? 1 : (late + deadline - std::chrono::steady_clock::duration(1)) / deadline;
  return arrival + steps * deadline;
}

std::string http_date(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

}  // namespace greenlight::server

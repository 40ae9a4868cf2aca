#include "internal/http_request.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <optional>
#include <string>

namespace greenlight::server::internal {
namespace {

namespace http = boost::beast::http;

Method to_method(http::verb verb) {
  switch (verb) {
    case http::verb::get:
      return Method::kGet;
    case http::verb::head:
      return Method::kHead;
    case http::verb::post:
      return Method::kPost;
    case http::verb::put:
      return Method::kPut;
    case http::verb::delete_:
      return Method::kDelete;
    default:
      return Method::kOther;
  }
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

}  // namespace

Status check_request_header(const RequestParser& parser, const HttpOptions& options) {
  const auto& req = parser.get();
  std::size_t transfer_encodings = 0;
  for (const auto& field : req) {
    if (field.name() == http::field::transfer_encoding) ++transfer_encodings;
  }
  if (transfer_encodings > 0 &&
      (transfer_encodings > 1 ||
       !boost::beast::iequals(trim(req[http::field::transfer_encoding]), "chunked") ||
       req.count(http::field::content_length) > 0)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "Transfer-Encoding must be exactly \"chunked\", once, without "
                      "Content-Length");
  }
  if (auto length = parser.content_length(); length && *length > options.max_body_bytes) {
    return make_error(ErrorCode::kResourceExhausted,
                      "request body exceeds " + std::to_string(options.max_body_bytes) + " bytes");
  }
  return ok();
}

HttpRequest to_http_request(RequestMessage&& message) {
  HttpRequest request;
  request.method = to_method(message.method());
  const std::string_view target = message.target();
  const std::size_t q = target.find('?');
  request.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) request.query = std::string(target.substr(q + 1));
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  return request;
}

Result<ParsedHttpRequest> parse_http_request(std::string_view bytes, const HttpOptions& options) {
  RequestParser parser;
  parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
  parser.body_limit(options.max_body_bytes);
  const std::string body_too_large =
      "request body exceeds " + std::to_string(options.max_body_bytes) + " bytes";
  std::size_t consumed = 0;
  bool checked_header = false;
  while (!parser.is_done()) {
    boost::system::error_code ec;
    const std::size_t used =
        parser.put(boost::asio::const_buffer(bytes.data() + consumed, bytes.size() - consumed), ec);
    consumed += used;
    if (ec == http::error::need_more) {
      // All remaining bytes were offered: without progress the request is incomplete (a
      // session would read more from the socket).
      if (used == 0 || consumed >= bytes.size()) {
        return make_error(ErrorCode::kUnavailable, "the request is incomplete");
      }
      continue;
    }
    if (ec == http::error::body_limit)
      return make_error(ErrorCode::kResourceExhausted, body_too_large);
    if (ec == http::error::header_limit) {
      return make_error(ErrorCode::kResourceExhausted, "request headers too large");
    }
    if (ec) return make_error(ErrorCode::kInvalidArgument, "malformed HTTP request");
    if (parser.is_header_done() && !checked_header) {
      checked_header = true;
      GL_RETURN_IF_ERROR(check_request_header(parser, options));
    }
    if (used == 0 && !parser.is_done()) {
      return make_error(ErrorCode::kUnavailable, "the request is incomplete");
    }
  }
  ParsedHttpRequest out;
  auto message = parser.release();
  out.keep_alive = message.keep_alive();
  out.version = message.version();
  out.request = to_http_request(std::move(message));
  out.consumed = consumed;
  return out;
}

}  // namespace greenlight::server::internal

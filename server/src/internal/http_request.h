// The server's HTTP request parsing, shared by the transport's sessions (http_transport.cpp)
// and the fuzz target tests/fuzz/http_request_fuzz.cpp, so that what is fuzzed is what runs.
// A fresh Beast parser per request with the HttpOptions header and body limits; the message
// is converted to the router's HttpRequest by one function.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <string_view>

#include "greenlight/crypto/result.h"
#include "greenlight/server/http.h"
#include "greenlight/server/server.h"

namespace greenlight::server::internal {

using RequestMessage = boost::beast::http::request<boost::beast::http::string_body>;
using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// The checks a session makes once the headers are in, before it reads a body: request
// smuggling (only one Transfer-Encoding field whose whole value is "chunked", never together
// with Content-Length: anything else is kInvalidArgument, answered 400 and the connection
// closed, so the bytes after the headers are never read as another request) and a declared
// Content-Length above the body limit (kResourceExhausted, 413).
[[nodiscard]] Status check_request_header(const RequestParser& parser, const HttpOptions& options);

// Converts a parsed message into what the router sees: method, path and raw query split at
// the first '?', headers in order, the body moved out.
HttpRequest to_http_request(RequestMessage&& message);

struct ParsedHttpRequest {
  HttpRequest request;
  bool keep_alive = false;
  unsigned version = 11;
  std::size_t consumed = 0;  // bytes of input this request took (the rest is the next one)
};

// Parses the first request in bytes with the session's parser settings. Errors carry the
// status a session answers with: kResourceExhausted for 413 (body) and 431 (headers),
// kInvalidArgument for 400, kUnavailable when bytes end before the request does (a session
// would wait for more).
[[nodiscard]] Result<ParsedHttpRequest> parse_http_request(std::string_view bytes,
                                                           const HttpOptions& options);

}  // namespace greenlight::server::internal

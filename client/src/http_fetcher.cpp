#include "greenlight/client/http_fetcher.h"

// Boost.Asio trips -Wnull-dereference inside its own headers when inlined; silence it for
// the Boost includes only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#pragma GCC diagnostic pop
#include <string>

namespace greenlight::client {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::unexpected<Error> network_error(std::string_view what, const beast::error_code& ec) {
  const ErrorCode code = (ec == beast::error::timeout || ec == net::error::connection_refused)
                             ? ErrorCode::kUnavailable
                             : ErrorCode::kIo;
  return make_error(code, std::string(what) + ": " + ec.message());
}

}  // namespace

Result<Bytes> BeastHttpFetcher::get(std::string_view url) {
  auto parsed = boost::urls::parse_uri(boost::core::string_view(url.data(), url.size()));
  if (!parsed) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected an absolute http:// URL, got '" + std::string(url) + "'");
  }
  if (parsed->scheme() != "http" || parsed->host().empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected an http:// URL with a host, got '" + std::string(url) + "'");
  }
  const std::string host(parsed->encoded_host());
  const std::string port = parsed->has_port() ? std::string(parsed->port()) : std::string("80");
  std::string target(parsed->encoded_path());
  if (target.empty()) target = "/";
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());

  net::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  beast::error_code ec;
  const auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return network_error("cannot resolve host", ec);

  stream.expires_after(options_.timeout);
  stream.connect(endpoints, ec);
  if (ec) return network_error("cannot connect", ec);

  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, host);
  request.set(http::field::user_agent, "greenlight-client");
  stream.expires_after(options_.timeout);
  http::write(stream, request, ec);
  if (ec) return network_error("cannot send request", ec);

  beast::flat_buffer buffer;
  http::response_parser<http::vector_body<std::uint8_t>> parser;
  parser.body_limit(options_.max_body_bytes);
  stream.expires_after(options_.timeout);
  http::read(stream, buffer, parser, ec);
  if (ec == http::error::body_limit) {
    return make_error(
        ErrorCode::kResourceExhausted,
        "response body exceeds " + std::to_string(options_.max_body_bytes) + " bytes");
  }
  if (ec) return network_error("cannot read response", ec);
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);

  auto response = parser.release();
  const unsigned status = response.result_int();
  if (status == 404) {
    return make_error(ErrorCode::kNotFound, "HTTP 404 for " + std::string(target));
  }
  if (status != 200) {
    return make_error(ErrorCode::kUnavailable,
                      "expected HTTP 200, got " + std::to_string(status) + " for " + target);
  }
  return std::move(response.body());
}

}  // namespace greenlight::client

#include "greenlight/client/http_fetcher.h"

// Boost.Asio trips -Wnull-dereference inside its own headers when inlined; silence it for
// the Boost includes only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#pragma GCC diagnostic pop
#include <optional>
#include <string>

namespace greenlight::client {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

std::unexpected<Error> network_error(std::string_view what, const beast::error_code& ec) {
  const ErrorCode code = (ec == beast::error::timeout || ec == net::error::connection_refused)
                             ? ErrorCode::kUnavailable
                             : ErrorCode::kIo;
  return make_error(code, std::string(what) + ": " + ec.message());
}

struct Target {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path;  // with the query
};

Result<Target> parse_target(std::string_view url) {
  auto parsed = boost::urls::parse_uri(boost::core::string_view(url.data(), url.size()));
  if (!parsed) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "expected an absolute http:// or https:// URL, got '" + std::string(url) + "'");
  }
  Target t;
  if (parsed->scheme() == "https") {
    t.tls = true;
  } else if (parsed->scheme() != "http") {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected an http:// or https:// URL, got '" + std::string(url) + "'");
  }
  if (parsed->host().empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected a URL with a host, got '" + std::string(url) + "'");
  }
  t.host = std::string(parsed->encoded_host());
  t.port = parsed->has_port() ? std::string(parsed->port()) : std::string(t.tls ? "443" : "80");
  t.path = std::string(parsed->encoded_path());
  if (t.path.empty()) t.path = "/";
  if (parsed->has_query()) t.path += "?" + std::string(parsed->encoded_query());
  return t;
}

// Writes the request and reads the response over an established stream.
template <typename Stream>
Result<TransportResponse> exchange(Stream& stream, beast::tcp_stream& lowest,
                                   const TransportRequest& request, const Target& target,
                                   const BeastHttpFetcherOptions& options) {
  beast::error_code ec;
  http::request<http::string_body> req{
      request.method == HttpMethod::kPost ? http::verb::post : http::verb::get, target.path, 11};
  req.set(http::field::host, target.host);
  req.set(http::field::user_agent, "greenlight-client");
  for (const auto& [name, value] : request.headers) req.set(name, value);
  if (request.method == HttpMethod::kPost) {
    req.body() = request.body;
    req.prepare_payload();
  }
  lowest.expires_after(options.timeout);
  http::write(stream, req, ec);
  if (ec) return network_error("cannot send request", ec);

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(options.max_body_bytes);
  lowest.expires_after(options.timeout);
  http::read(stream, buffer, parser, ec);
  if (ec == http::error::body_limit) {
    return make_error(ErrorCode::kResourceExhausted,
                      "response body exceeds " + std::to_string(options.max_body_bytes) + " bytes");
  }
  if (ec) return network_error("cannot read response", ec);
  auto response = parser.release();
  TransportResponse out;
  out.status = response.result_int();
  for (const auto& field : response) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(response.body());
  return out;
}

}  // namespace

std::string_view http_method_name(HttpMethod method) noexcept {
  return method == HttpMethod::kPost ? "POST" : "GET";
}

Result<Bytes> body_of_get(const TransportResponse& response, std::string_view url) {
  if (response.status == 404) {
    return make_error(ErrorCode::kNotFound, "HTTP 404 for " + std::string(url));
  }
  if (response.status != 200) {
    return make_error(
        ErrorCode::kUnavailable,
        "expected HTTP 200, got " + std::to_string(response.status) + " for " + std::string(url));
  }
  return Bytes(response.body.begin(), response.body.end());
}

Result<Bytes> TransportFetcher::get(std::string_view url) {
  TransportRequest request;
  request.method = HttpMethod::kGet;
  request.url = std::string(url);
  auto response = transport_.send(request);
  GL_RETURN_IF_ERROR(response);
  return body_of_get(*response, url);
}

Result<Bytes> BeastHttpFetcher::get(std::string_view url) {
  TransportRequest request;
  request.url = std::string(url);
  auto response = send(request);
  GL_RETURN_IF_ERROR(response);
  return body_of_get(*response, url);
}

Result<TransportResponse> BeastHttpFetcher::send(const TransportRequest& request) {
  auto target = parse_target(request.url);
  GL_RETURN_IF_ERROR(target);

  net::io_context io;
  tcp::resolver resolver(io);
  beast::error_code ec;
  const auto endpoints = resolver.resolve(target->host, target->port, ec);
  if (ec) return network_error("cannot resolve host", ec);

  if (!target->tls) {
    beast::tcp_stream stream(io);
    stream.expires_after(options_.timeout);
    stream.connect(endpoints, ec);
    if (ec) return network_error("cannot connect", ec);
    auto out = exchange(stream, stream, request, *target, options_);
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return out;
  }

  ssl::context context(ssl::context::tls_client);
  context.set_verify_mode(ssl::verify_peer);
  if (!options_.ca_file.empty()) {
    context.load_verify_file(options_.ca_file, ec);
  } else {
    context.set_default_verify_paths(ec);
  }
  if (ec) {
    return make_error(ErrorCode::kIo,
                      "cannot load CA certificates" +
                          (options_.ca_file.empty() ? std::string() : " from " + options_.ca_file) +
                          ": " + ec.message());
  }
  beast::ssl_stream<beast::tcp_stream> stream(io, context);
  // SNI (SSL_set_tlsext_host_name is a macro with a C cast).
  SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(target->host.c_str()));
  stream.set_verify_callback(ssl::host_name_verification(target->host));
  beast::tcp_stream& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(options_.timeout);
  lowest.connect(endpoints, ec);
  if (ec) return network_error("cannot connect", ec);
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) return network_error("TLS handshake failed", ec);
  auto out = exchange(stream, lowest, request, *target, options_);
  lowest.expires_after(options_.timeout);
  stream.shutdown(ec);  // a missing close_notify does not invalidate a complete response
  return out;
}

}  // namespace greenlight::client

#include "greenlight/server/http_client.h"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <charconv>
#include <optional>

namespace greenlight::server {
namespace {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

http::verb to_verb(Method m) {
  switch (m) {
    case Method::kGet:
      return http::verb::get;
    case Method::kHead:
      return http::verb::head;
    case Method::kPost:
      return http::verb::post;
    case Method::kPut:
      return http::verb::put;
    case Method::kDelete:
      return http::verb::delete_;
    case Method::kOther:
      break;
  }
  return http::verb::options;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}
}  // namespace

std::optional<std::string_view> ClientResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

struct HttpClient::Impl {
  explicit Impl(HttpClientOptions o)
      : options(std::move(o)), tls_context(ssl::context::tls_client) {}

  HttpClientOptions options;
  net::io_context ioc;
  ssl::context tls_context;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  bool tls_ready = false;
  std::size_t request_bytes = 0;
  std::size_t response_bytes = 0;

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
  bool connected() const { return plain.has_value() || secure.has_value(); }

  Status connect() {
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(options.host, std::to_string(options.port), ec);
    if (ec)
      return make_error(ErrorCode::kIo, "cannot resolve " + options.host + ": " + ec.message());
    buffer.clear();
    if (options.tls) {
      if (!tls_ready) {
        tls_context.set_verify_mode(ssl::verify_peer);
        if (!options.ca_file.empty()) {
          tls_context.load_verify_file(options.ca_file.string(), ec);
        } else {
          tls_context.set_default_verify_paths(ec);
        }
        if (ec) return make_error(ErrorCode::kIo, "cannot load CA certificates: " + ec.message());
        tls_ready = true;
      }
      secure.emplace(ioc, tls_context);
      // SNI (SSL_set_tlsext_host_name is a macro with a C cast).
      SSL_ctrl(secure->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(options.host.c_str()));
      secure->set_verify_callback(ssl::host_name_verification(options.host));
      beast::get_lowest_layer(*secure).expires_after(options.timeout);
      beast::get_lowest_layer(*secure).connect(endpoints, ec);
      if (!ec) secure->handshake(ssl::stream_base::client, ec);
      if (ec) {
        secure.reset();
        return make_error(ErrorCode::kIo, "TLS connection failed: " + ec.message());
      }
    } else {
      plain.emplace(ioc);
      plain->expires_after(options.timeout);
      plain->connect(endpoints, ec);
      if (ec) {
        plain.reset();
        return make_error(ErrorCode::kIo, "cannot connect to " + options.host + ":" +
                                              std::to_string(options.port) + ": " + ec.message());
      }
      plain->socket().set_option(tcp::no_delay(true), ec);
    }
    return ok();
  }

  void close() {
    beast::error_code ignored;
    if (secure) {
      beast::get_lowest_layer(*secure).socket().shutdown(tcp::socket::shutdown_both, ignored);
      secure.reset();
    }
    if (plain) {
      plain->socket().shutdown(tcp::socket::shutdown_both, ignored);
      plain.reset();
    }
  }

  // sent: whether any byte of the request went out (then a retry could repeat it).
  Result<ClientResponse> once(http::request<http::string_body>& req, bool& response_started) {
    beast::error_code ec;
    lowest().expires_after(options.timeout);
    request_bytes = secure ? http::write(*secure, req, ec) : http::write(*plain, req, ec);
    if (ec) return make_error(ErrorCode::kUnavailable, "write failed: " + ec.message());
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    parser.skip(req.method() == http::verb::head);
    response_bytes =
        secure ? http::read(*secure, buffer, parser, ec) : http::read(*plain, buffer, parser, ec);
    if (ec) {
      response_started = parser.got_some();
      return make_error(ErrorCode::kUnavailable, "read failed: " + ec.message());
    }
    auto res = parser.release();
    ClientResponse out;
    out.status = res.result_int();
    for (const auto& f : res)
      out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    if (!res.keep_alive()) close();
    return out;
  }
};

HttpClient::HttpClient(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
HttpClient::~HttpClient() { impl_->close(); }

void HttpClient::close() { impl_->close(); }
std::size_t HttpClient::last_request_bytes() const { return impl_->request_bytes; }
std::size_t HttpClient::last_response_bytes() const { return impl_->response_bytes; }

Result<ClientResponse> HttpClient::request(
    Method method, std::string_view target, std::string_view body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> req{to_verb(method), target, 11};
  req.set(http::field::host, impl_->options.host);
  req.set(http::field::user_agent, "greenlight");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.keep_alive(true);
  if (!body.empty() || method == Method::kPost || method == Method::kPut) {
    req.body() = std::string(body);
    req.prepare_payload();
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool fresh = !impl_->connected();
    if (fresh) {
      GL_RETURN_IF_ERROR(impl_->connect());
    }
    bool response_started = false;
    auto r = impl_->once(req, response_started);
    if (r) return r;
    impl_->close();
    // A stale keep-alive connection fails before any response byte: retry once on a new one.
    if (fresh || response_started) return r;
  }
  return make_error(ErrorCode::kUnavailable, "request failed");
}

Result<ClientResponse> HttpClient::post_json(std::string_view target, std::string_view json,
                                             std::string_view bearer_token) {
  std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/json"}};
  if (!bearer_token.empty())
    headers.emplace_back("Authorization", "Bearer " + std::string(bearer_token));
  return request(Method::kPost, target, json, headers);
}

Result<std::pair<std::string, std::uint16_t>> parse_host_port(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) {
      return make_error(ErrorCode::kInvalidArgument,
                        "expected [ADDRESS]:PORT, got \"" + std::string(text) + "\"");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return make_error(ErrorCode::kInvalidArgument,
                        "expected HOST:PORT, got \"" + std::string(text) + "\"");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || ec != std::errc{} || ptr != port.data() + port.size() || value > 65535) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected HOST:PORT with a port 0..65535, got \"" + std::string(text) + "\"");
  }
  return std::pair<std::string, std::uint16_t>{std::string(host),
                                               static_cast<std::uint16_t>(value)};
}

}  // namespace greenlight::server

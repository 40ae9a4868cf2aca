// A small synchronous HTTP/1.1 client (Boost.Beast) with keep-alive and optional TLS, for
// the `greenlight server` admin subcommands, the tests and the load generator. One
// connection per client object; not thread-safe (use one per thread). A request on a
// connection the server has closed reconnects once, except when a response was already
// partially read.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "greenlight/crypto/result.h"
#include "greenlight/server/http.h"

namespace greenlight::server {

struct HttpClientOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  bool tls = false;
  // PEM file of the certificate(s) to trust; with TLS and no file the system store is used.
  std::filesystem::path ca_file;
  std::chrono::milliseconds timeout{30000};
};

struct ClientResponse {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<std::string_view> header(std::string_view name) const;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  [[nodiscard]] Result<ClientResponse> request(
      Method method, std::string_view target, std::string_view body = {},
      const std::vector<std::pair<std::string, std::string>>& headers = {});
  [[nodiscard]] Result<ClientResponse> get(std::string_view target) {
    return request(Method::kGet, target);
  }
  [[nodiscard]] Result<ClientResponse> post_json(std::string_view target, std::string_view json,
                                                 std::string_view bearer_token = {});
  // Bytes of the last request and response as sent on the wire (headers and body).
  std::size_t last_request_bytes() const;
  std::size_t last_response_bytes() const;
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses "host:port" or "[v6]:port".
[[nodiscard]] Result<std::pair<std::string, std::uint16_t>> parse_host_port(std::string_view text);

}  // namespace greenlight::server

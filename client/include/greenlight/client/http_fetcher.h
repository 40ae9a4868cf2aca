// The client's network access behind two small interfaces, so the protocol logic is testable
// without a network and a mobile app can plug in its platform's HTTP stack (URLSession,
// OkHttp) with its own TLS, proxies and certificate pinning.
//
// - HttpTransport: one request (GET or POST, headers, body) -> one response (status,
//   headers, body). Any HTTP status is a response; only a failure to get one (DNS, connect,
//   TLS, timeout, a cut connection) is an error (kUnavailable or kIo). The uploader uses it.
// - HttpFetcher: GET of a body for the feed syncs and the log; 200 gives the body, 404
//   kNotFound, any other status kUnavailable. TransportFetcher adapts any HttpTransport.
//
// BeastHttpFetcher is the built-in implementation of both: HTTP/1.1 over Boost.Beast,
// synchronous, one connection per request, a timeout per operation and a cap on the body.
// It speaks "http://" and "https://"; for https it verifies the server certificate chain and
// host name (RFC 2818) against the system trust store, or only against the CA certificates
// of BeastHttpFetcherOptions::ca_file when given (pinning the deployment's CA), and sends SNI.
// Integrity of published content never depends on the transport (every file is signature-
// checked and logged); TLS protects the upload flow and the user's privacy on the path.
// Thread-safe (no shared state between calls).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/result.h"

namespace greenlight::client {

enum class HttpMethod : std::uint8_t { kGet, kPost };

std::string_view http_method_name(HttpMethod method) noexcept;  // "GET", "POST"

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct TransportRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string url;  // absolute http:// or https:// URL
  HttpHeaders headers;
  std::string body;  // empty for GET
};

struct TransportResponse {
  unsigned status = 0;
  HttpHeaders headers;
  std::string body;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  [[nodiscard]] virtual Result<TransportResponse> send(const TransportRequest& request) = 0;
};

class HttpFetcher {
 public:
  virtual ~HttpFetcher() = default;
  // The body of a 200 response. 404 gives kNotFound, other statuses kUnavailable, network
  // failures kIo / kUnavailable, a body over the cap kResourceExhausted.
  [[nodiscard]] virtual Result<Bytes> get(std::string_view url) = 0;
};

// The HttpFetcher status rule applied to a transport response.
[[nodiscard]] Result<Bytes> body_of_get(const TransportResponse& response, std::string_view url);

// GETs through any HttpTransport (e.g. the app's, registered through the C API).
class TransportFetcher final : public HttpFetcher {
 public:
  explicit TransportFetcher(HttpTransport& transport) : transport_(transport) {}
  [[nodiscard]] Result<Bytes> get(std::string_view url) override;

 private:
  HttpTransport& transport_;
};

struct BeastHttpFetcherOptions {
  std::chrono::milliseconds timeout{30000};
  std::size_t max_body_bytes = 64u << 20;
  // https: a PEM file of the CA certificates to trust instead of the system trust store.
  std::string ca_file;
};

class BeastHttpFetcher final : public HttpFetcher, public HttpTransport {
 public:
  explicit BeastHttpFetcher(BeastHttpFetcherOptions options = {}) : options_(std::move(options)) {}
  [[nodiscard]] Result<Bytes> get(std::string_view url) override;
  [[nodiscard]] Result<TransportResponse> send(const TransportRequest& request) override;

 private:
  BeastHttpFetcherOptions options_;
};

}  // namespace greenlight::client

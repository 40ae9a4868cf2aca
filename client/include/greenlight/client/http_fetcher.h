// HTTP GET behind an interface, so the sync logic is testable without a network and a
// mobile app can plug in its platform's HTTP stack (which adds TLS).
//
// BeastHttpFetcher is the default implementation: plain HTTP/1.1 over Boost.Beast,
// synchronous, one connection per request, with a timeout and a cap on the body size. It
// speaks only "http://" URLs: production deployments put TLS in front (the platform
// fetcher or a TLS-terminating proxy); integrity never depends on the transport because
// every export is signature-checked. Thread-safe (no shared state).
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/result.h"

namespace greenlight::client {

class HttpFetcher {
 public:
  virtual ~HttpFetcher() = default;
  // The body of a 200 response. 404 gives kNotFound, other statuses kUnavailable, network
  // failures kIo / kUnavailable, a body over the cap kResourceExhausted.
  [[nodiscard]] virtual Result<Bytes> get(std::string_view url) = 0;
};

struct BeastHttpFetcherOptions {
  std::chrono::milliseconds timeout{30000};
  std::size_t max_body_bytes = 64u << 20;
};

class BeastHttpFetcher final : public HttpFetcher {
 public:
  explicit BeastHttpFetcher(BeastHttpFetcherOptions options = {}) : options_(options) {}
  [[nodiscard]] Result<Bytes> get(std::string_view url) override;

 private:
  BeastHttpFetcherOptions options_;
};

}  // namespace greenlight::client

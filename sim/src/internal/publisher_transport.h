// The simulated phones' side of the connection to the ServerPublisher's server: a
// client::HttpTransport whose requests go through the publisher's own transport (in process:
// the server's Router::dispatch, no sockets; loopback: its keep-alive HTTP connection). The
// client's Uploader runs on it unchanged, so a simulated upload is the phone's upload code
// (request bodies, padding, retries, persisted stages) against the real server.
//
// A request's URL must be absolute (http:// or https://); only its path and query reach the
// server (the host is the publisher's). An observer, when set, sees every request before it
// is sent (tests use it to check what the phones sent). Not thread-safe (one caller).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "greenlight/client/http_fetcher.h"
#include "greenlight/crypto/result.h"

namespace greenlight::sim::internal {

// The answer of the publisher's transport and the bytes received for it (the whole HTTP
// response over loopback, the body in process).
struct ServerReply {
  client::TransportResponse response;
  std::uint64_t bytes = 0;
};
// One request of the publisher's transport: the request and its "/path?query".
using ServerCall = std::function<Result<ServerReply>(const client::TransportRequest& request,
                                                     std::string_view target)>;
using RequestObserver = std::function<void(const client::TransportRequest& request)>;

// "/path?query" of an absolute http:// or https:// URL; kInvalidArgument otherwise.
[[nodiscard]] Result<std::string> url_target(std::string_view url);

class PublisherTransport final : public client::HttpTransport {
 public:
  explicit PublisherTransport(ServerCall call) : call_(std::move(call)) {}
  [[nodiscard]] Result<client::TransportResponse> send(
      const client::TransportRequest& request) override;
  void set_observer(RequestObserver observer) { observer_ = std::move(observer); }
  std::uint64_t requests() const { return requests_; }
  std::uint64_t received_bytes() const { return received_bytes_; }

 private:
  ServerCall call_;
  RequestObserver observer_;
  std::uint64_t requests_ = 0;
  std::uint64_t received_bytes_ = 0;
};

}  // namespace greenlight::sim::internal

// The HTTP(S) transport of the server (Boost.Beast): an acceptor, one session per
// connection on its own strand, a fresh parser per request with header and body limits
// (413 before the body is read when Content-Length is too large, 431 for headers), a read
// timeout, keep-alive without pipelining beyond one response at a time, handlers run on a
// separate worker pool (they may block on database commits), and graceful stop.
// Logs and metrics carry the route pattern and status only, never addresses.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "greenlight/crypto/result.h"
#include "greenlight/server/log.h"
#include "greenlight/server/metrics.h"
#include "greenlight/server/router.h"
#include "greenlight/server/server.h"

namespace greenlight::server::internal {

class HttpTransport {
 public:
  HttpTransport(const Router& router, Metrics& metrics, Logger& logger, HttpOptions options);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  [[nodiscard]] Result<std::uint16_t> start();
  // Stops accepting, finishes requests in flight (up to the grace period), joins threads.
  void stop();
  // Runs fn on the worker pool.
  void post_work(std::function<void()> fn);
  // Runs fn every period on the worker pool until stop(); period > 0 seconds.
  void every(std::int64_t period_seconds, std::function<void()> fn);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace greenlight::server::internal

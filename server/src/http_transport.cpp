#include "internal/http_transport.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/random.h"
#include "internal/http_request.h"

namespace greenlight::server::internal {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using RequestParser = http::request_parser<http::string_body>;
using ResponseMessage = http::response<http::span_body<const char>>;

constexpr std::chrono::seconds kWriteTimeout{30};
constexpr std::chrono::seconds kHandshakeTimeout{10};
// Lingering close after a refusal (Session::lingering_close).
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr std::size_t kLingerBytes = 4u << 20;
constexpr std::chrono::seconds kOverflowHeaderTimeout{2};
constexpr std::chrono::milliseconds kNoDescriptorsBackoff{50};
constexpr std::size_t kMaxTrackedClients = 1 << 20;

// Endpoints a client calls to get an upload authorised (per-client limit).
bool client_limited(Method method, std::string_view path) {
  return method == Method::kPost &&
         (path == "/v1/verify" || path == "/v1/certificate" || path == "/v1/publish");
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// Requests per client and minute. Clients are keyed by a hash under a per-process random
// key, and the table is dropped every minute: no address is kept beyond that.
class ClientLimiter {
 public:
  ClientLimiter() { system_random().fill(key_); }

  // true: within the limit. retry_after: seconds until the window ends.
  bool allow(std::string_view client, std::size_t limit, std::int64_t& retry_after) {
    const Sha256Digest h = hmac_sha256(key_, as_bytes(client));
    std::uint64_t id = 0;
    for (int i = 0; i < 8; ++i) id = (id << 8) | h[static_cast<std::size_t>(i)];
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::steady_clock::now().time_since_epoch())
                         .count();
    std::lock_guard lock(mutex_);
    if (now / 60 != window_ || counts_.size() >= kMaxTrackedClients) {
      window_ = now / 60;
      counts_.clear();
    }
    retry_after = 60 - now % 60;
    return ++counts_[id] <= limit;
  }

 private:
  ByteArray<32> key_{};
  std::mutex mutex_;
  std::int64_t window_ = -1;
  std::unordered_map<std::uint64_t, std::size_t> counts_;
};

HttpResponse overload_response(std::int64_t retry_after) {
  HttpResponse r = error_response(
      Error{ErrorCode::kUnavailable, "the server is overloaded, try again later"}, 503);
  r.set_header("Retry-After", std::to_string(retry_after));
  return r;
}

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void close_when_idle() = 0;
};

// State shared by the listener and all sessions.
struct Shared {
  Shared(const Router& r, Metrics& m, Logger& l, HttpOptions o)
      : router(r),
        metrics(m),
        logger(l),
        options(std::move(o)),
        workers(std::max<std::size_t>(1, options.worker_threads)) {}

  const Router& router;
  Metrics& metrics;
  Logger& logger;
  HttpOptions options;
  net::thread_pool workers;
  std::atomic<bool> stopping{false};
  // Open sessions, normal and overflow (see HttpOptions), and their caps (set at start).
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> overflow_connections{0};
  std::size_t connection_cap = 0;
  std::size_t overflow_cap = 0;
  ClientLimiter limiter;

  std::mutex sessions_mutex;
  std::condition_variable sessions_cv;
  std::map<SessionBase*, std::weak_ptr<SessionBase>> sessions;

  void add(SessionBase* s, std::weak_ptr<SessionBase> w) {
    std::lock_guard lock(sessions_mutex);
    sessions.emplace(s, std::move(w));
  }
  void remove(SessionBase* s) {
    {
      std::lock_guard lock(sessions_mutex);
      sessions.erase(s);
    }
    sessions_cv.notify_all();
  }

  void count(const std::string& route, Method method, unsigned status) {
    metrics
        .counter("greenlight_http_requests_total", {{"route", route},
                                                    {"method", std::string(method_name(method))},
                                                    {"status", std::to_string(status)}})
        .add();
  }
};

template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Session(tcp::socket&& socket, Shared& shared, bool overflow) requires(!kTls)
      : stream_(std::move(socket)),
        shared_(shared),
        overflow_(overflow),
        hold_(stream_.get_executor()) {
    count_in();
  }
  Session(tcp::socket&& socket, ssl::context& context, Shared& shared, bool overflow) requires(kTls)
      : stream_(std::move(socket), context),
        shared_(shared),
        overflow_(overflow),
        hold_(stream_.get_executor()) {
    count_in();
  }

  ~Session() override {
    (overflow_ ? shared_.overflow_connections : shared_.connections)--;
    shared_.remove(this);
  }

  void run() {
    shared_.add(this, this->weak_from_this());
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->start(); });
  }

  void close_when_idle() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->closing_ = true;
      if (!self->busy_) beast::get_lowest_layer(self->stream_).cancel();
    });
  }

 private:
  auto& lowest() { return beast::get_lowest_layer(stream_); }

  void count_in() {
    (overflow_ ? shared_.overflow_connections : shared_.connections)++;
    beast::error_code ec;
    const auto remote = lowest().socket().remote_endpoint(ec);
    if (!ec) peer_ = remote.address().to_string();
  }

  void start() {
    if constexpr (kTls) {
      lowest().expires_after(kHandshakeTimeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->close_now();
                                self->read_header();
                              });
    } else {
      read_header();
    }
  }

  void read_header() {
    if (closing_ || shared_.stopping || requests_ >= shared_.options.max_requests_per_connection ||
        (overflow_ && requests_ > 0)) {
      return close();
    }
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_.options.max_header_bytes));
    parser_->body_limit(shared_.options.max_body_bytes);
    if (overflow_) {
      lowest().expires_after(std::min<std::chrono::milliseconds>(shared_.options.header_timeout,
                                                                 kOverflowHeaderTimeout));
    } else {
      lowest().expires_after(shared_.options.header_timeout);
    }
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    auto& req = parser_->get();
    // Smuggling and oversized bodies (the same check parse_http_request makes).
    if (auto checked = internal::check_request_header(*parser_, shared_.options); !checked) {
      return reject(checked.error(),
                    checked.error().code == ErrorCode::kResourceExhausted ? 413 : 400);
    }
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                     req.version());
      lowest().expires_after(kWriteTimeout);
      http::async_write(
          stream_, *cont,
          [self = this->shared_from_this(), cont](beast::error_code wec, std::size_t) {
            if (wec) return self->close_now();
            self->read_body();
          });
      return;
    }
    read_body();
  }

  void read_body() {
    lowest().expires_after(shared_.options.body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return reject(Error{ErrorCode::kResourceExhausted,
                          "request body exceeds " + std::to_string(shared_.options.max_body_bytes) +
                              " bytes"},
                    413);
    }
    if (ec == http::error::header_limit) {
      return reject(Error{ErrorCode::kResourceExhausted, "request headers too large"}, 431);
    }
    if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return reject(Error{ErrorCode::kInvalidArgument, "malformed HTTP request"}, 400);
    }
    close();
  }

  void on_read(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    busy_ = true;
    ++requests_;
    auto req = parser_->release();
    parser_.reset();
    const bool keep_alive = req.keep_alive() && !overflow_;
    const unsigned version = req.version();
    HttpRequest request = to_http_request(std::move(req));
    const auto arrival = std::chrono::steady_clock::now();
    if (overflow_ && !(request.method == Method::kGet && request.path == "/healthz")) {
      shared_.count("overload", request.method, 503);
      return write(overload_response(shared_.options.retry_after_seconds), false, version,
                   request.method == Method::kHead);
    }
    if (shared_.options.client_requests_per_minute > 0 &&
        client_limited(request.method, request.path)) {
      std::string_view client = peer_;
      if (!shared_.options.client_address_header.empty()) {
        if (auto forwarded = request.header(shared_.options.client_address_header)) {
          const std::size_t comma = forwarded->rfind(',');
          client =
              trim(comma == std::string_view::npos ? *forwarded : forwarded->substr(comma + 1));
        }
      }
      std::int64_t retry_after = 60;
      if (!shared_.limiter.allow(client, shared_.options.client_requests_per_minute, retry_after)) {
        shared_.count("client_limit", request.method, 429);
        HttpResponse limited = error_response(
            Error{ErrorCode::kResourceExhausted, "too many requests, try again later"}, 429);
        limited.set_header("Retry-After", std::to_string(retry_after));
        return write(std::move(limited), keep_alive, version, false);
      }
    }
    net::post(shared_.workers, [self = this->shared_from_this(), request = std::move(request),
                                keep_alive, version, arrival]() mutable {
      std::string route;
      HttpResponse response = self->shared_.router.dispatch(request, &route);
      if (!response.upload_flow) self->shared_.count(route, request.method, response.status);
      const bool head = request.method == Method::kHead;
      net::post(self->stream_.get_executor(), [self, response = std::move(response), keep_alive,
                                               version, head, arrival]() mutable {
        self->release(std::move(response), keep_alive, version, head, arrival);
      });
    });
  }

  // Upload-flow responses wait on a timer (not a thread) until their release time.
  void release(HttpResponse response, bool keep_alive, unsigned version, bool head,
               std::chrono::steady_clock::time_point arrival) {
    const auto at = response_release_time(arrival, std::chrono::steady_clock::now(),
                                          shared_.options.response_deadline);
    if (!response.upload_flow || at <= std::chrono::steady_clock::now()) {
      return write(std::move(response), keep_alive, version, head);
    }
    hold_.expires_at(at);
    hold_.async_wait([self = this->shared_from_this(), response = std::move(response), keep_alive,
                      version, head](beast::error_code) mutable {
      self->write(std::move(response), keep_alive, version, head);
    });
  }

  void reject(const Error& error, unsigned status) {
    busy_ = true;
    linger_ = true;
    shared_.count("transport", Method::kOther, status);
    write(error_response(error, status), false, 11, false);
  }

  void write(HttpResponse response, bool keep_alive, unsigned version, bool head) {
    auto message = std::make_shared<ResponseMessage>();
    message->version(version);
    message->result(response.status);
    message->set(http::field::server, "greenlight");
    if (!response.content_type.empty() && response.status != 304) {
      message->set(http::field::content_type, response.content_type);
    }
    for (const auto& [name, value] : response.headers) message->set(name, value);
    const bool keep = keep_alive && !closing_ && !shared_.stopping;
    message->keep_alive(keep);
    auto body = response.body ? response.body : std::make_shared<const std::string>();
    if (response.status != 304 && response.status != 204) {
      message->content_length(body->size());
      if (!head) message->body() = {body->data(), body->size()};
    }
    lowest().expires_after(kWriteTimeout);
    http::async_write(
        stream_, *message,
        [self = this->shared_from_this(), message, body, keep](beast::error_code ec, std::size_t) {
          self->busy_ = false;
          if (!ec && !keep && self->linger_) return self->lingering_close();
          if (ec || !keep) return self->close();
          self->read_header();
        });
  }

  void close() {
    if constexpr (kTls) {
      lowest().expires_after(kHandshakeTimeout);
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->close_now(); });
    } else {
      close_now();
    }
  }

  // After refusing a request whose body is still arriving (413, 431, 400): stop sending, then
  // read and drop what the client still sends (at most kLingerBytes, for at most
  // kLingerTimeout) before closing, so that closing with unread data does not reset the
  // connection and destroy the refusal before the client has read it (RFC 9112 9.6).
  void lingering_close() {
    if constexpr (kTls) {
      close();
    } else {
      beast::error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      lowest().expires_after(kLingerTimeout);
      linger_read(0);
    }
  }

  void linger_read(std::size_t drained) {
    if (drained >= kLingerBytes) return close_now();
    buffer_.consume(buffer_.size());
    lowest().async_read_some(buffer_.prepare(64 * 1024), [self = this->shared_from_this(), drained](
                                                             beast::error_code ec, std::size_t n) {
      if (ec) return self->close_now();
      self->linger_read(drained + n);
    });
  }

  void close_now() {
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
  }

  Stream stream_;
  Shared& shared_;
  const bool overflow_;
  bool linger_ = false;  // the next close after a write is a lingering_close()
  std::string peer_;     // for the per-client limit only; never logged
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  net::steady_timer hold_;  // holds an upload-flow response until its release time
  bool busy_ = false;
  bool closing_ = false;
  std::size_t requests_ = 0;
};

using PlainSession = Session<beast::tcp_stream>;
using TlsSession = Session<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace

struct HttpTransport::Impl {
  Impl(const Router& router, Metrics& metrics, Logger& logger, HttpOptions options)
      : shared(router, metrics, logger, std::move(options)) {}

  Shared shared;
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::optional<ssl::context> tls;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::vector<std::shared_ptr<net::steady_timer>> timers;
  std::mutex stop_mutex;
  bool started = false;
  bool stopped = false;

  // The fixed answer to connections beyond every cap, written without a session.
  std::string refusal;
  int reserve_fd = -1;  // given up to accept (and refuse) one connection when out of fds
  std::optional<net::steady_timer> backoff;

  void accept() {
    acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
        if (ec == net::error::no_descriptors || ec.value() == ENFILE ||
            ec == net::error::no_buffer_space || ec == net::error::no_memory) {
          return on_no_descriptors();
        }
      } else if (shared.stopping) {
        return;
      } else {
        start_session(std::move(socket));
      }
      accept();
    });
  }

  void start_session(tcp::socket socket) {
    bool overflow = false;
    if (shared.connections.load() >= shared.connection_cap) {
      if (shared.overflow_connections.load() >= shared.overflow_cap) return refuse(socket);
      overflow = true;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (tls) {
      std::make_shared<TlsSession>(std::move(socket), *tls, shared, overflow)->run();
    } else {
      std::make_shared<PlainSession>(std::move(socket), shared, overflow)->run();
    }
  }

  void refuse(tcp::socket& socket) {
    shared.count("overload", Method::kOther, 503);
    beast::error_code ignored;
    // Best effort and never blocking: a client that does not read gets a reset.
    socket.non_blocking(true, ignored);
    socket.write_some(net::buffer(refusal), ignored);
    // Read what the client already sent: closing with unread bytes would reset the
    // connection and could discard the answer before the client reads it.
    std::array<char, 4096> sink{};
    for (int i = 0; i < 16; ++i) {
      beast::error_code ec;
      socket.read_some(net::buffer(sink), ec);
      if (ec) break;
    }
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  // Out of file descriptors: the pending connection would make accept fail at once again
  // and again. Give up the reserve descriptor, take that connection, refuse it, take the
  // reserve back, and wait a little before accepting again.
  void on_no_descriptors() {
    shared.metrics.counter("greenlight_http_accept_failures_total", {{"reason", "descriptors"}})
        .add();
    if (reserve_fd >= 0) {
      ::close(reserve_fd);
      reserve_fd = -1;
      tcp::socket socket(ioc);
      beast::error_code ec;
      acceptor->non_blocking(true, ec);
      if (!ec) acceptor->accept(socket, ec);
      beast::error_code ignored;
      acceptor->non_blocking(false, ignored);
      if (!ec) refuse(socket);
      reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    backoff->expires_after(kNoDescriptorsBackoff);
    backoff->async_wait([this](beast::error_code ec) {
      if (ec || shared.stopping || !acceptor->is_open()) return;
      accept();
    });
  }

  void schedule(std::shared_ptr<net::steady_timer> timer, std::chrono::seconds period,
                std::function<void()> fn) {
    timer->expires_after(period);
    timer->async_wait([this, timer, period, fn](beast::error_code ec) {
      if (ec || shared.stopping) return;
      net::post(shared.workers, fn);
      schedule(timer, period, fn);
    });
  }
};

HttpTransport::HttpTransport(const Router& router, Metrics& metrics, Logger& logger,
                             HttpOptions options)
    : impl_(std::make_unique<Impl>(router, metrics, logger, std::move(options))) {}

HttpTransport::~HttpTransport() { stop(); }

Result<std::uint16_t> HttpTransport::start() {
  Impl& d = *impl_;
  const HttpOptions& o = d.shared.options;
  if (o.tls) {
    d.tls.emplace(ssl::context::tls_server);
    d.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    beast::error_code ec;
    d.tls->use_certificate_chain_file(o.tls->certificate_chain_file.string(), ec);
    if (ec) {
      return make_error(ErrorCode::kInvalidArgument, "cannot load TLS certificate " +
                                                         o.tls->certificate_chain_file.string() +
                                                         ": " + ec.message());
    }
    d.tls->use_private_key_file(o.tls->private_key_file.string(), ssl::context::pem, ec);
    if (ec) {
      return make_error(
          ErrorCode::kInvalidArgument,
          "cannot load TLS private key " + o.tls->private_key_file.string() + ": " + ec.message());
    }
  }
  beast::error_code ec;
  const auto address = net::ip::make_address(o.listen_address, ec);
  if (ec) {
    return make_error(ErrorCode::kInvalidArgument,
                      "listen address must be an IP address, got \"" + o.listen_address + "\"");
  }
  d.acceptor.emplace(d.ioc);
  const tcp::endpoint endpoint(address, o.port);
  d.acceptor->open(endpoint.protocol(), ec);
  if (!ec) d.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) d.acceptor->bind(endpoint, ec);
  if (!ec) d.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error(ErrorCode::kIo, "cannot listen on " + o.listen_address + ":" +
                                          std::to_string(o.port) + ": " + ec.message());
  }
  const std::uint16_t port = d.acceptor->local_endpoint().port();
  std::size_t cap = std::max<std::size_t>(1, o.max_connections);
  std::size_t overflow = o.overflow_connections;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    // Keep a quarter of the descriptors for the store, files and overflow connections.
    const auto fds = static_cast<std::size_t>(limit.rlim_cur);
    cap = std::min(cap, std::max<std::size_t>(1, fds * 3 / 4));
    overflow = std::min(overflow, fds / 8);
  }
  d.shared.connection_cap = cap;
  d.shared.overflow_cap = overflow;
  {
    const HttpResponse answer = overload_response(o.retry_after_seconds);
    const std::string body = answer.body ? *answer.body : std::string();
    d.refusal =
        "HTTP/1.1 503 Service Unavailable\r\nServer: greenlight\r\n"
        "Content-Type: application/json\r\nRetry-After: " +
        std::to_string(o.retry_after_seconds) +
        "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
        body;
  }
  d.reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  d.backoff.emplace(d.ioc);
  d.work.emplace(d.ioc.get_executor());
  d.accept();
  for (std::size_t i = 0; i < std::max<std::size_t>(1, o.io_threads); ++i) {
    d.threads.emplace_back([&d] { d.ioc.run(); });
  }
  d.started = true;
  return port;
}

void HttpTransport::post_work(std::function<void()> fn) {
  net::post(impl_->shared.workers, std::move(fn));
}

void HttpTransport::every(std::int64_t period_seconds, std::function<void()> fn) {
  auto timer = std::make_shared<net::steady_timer>(impl_->ioc);
  impl_->timers.push_back(timer);
  net::post(impl_->ioc, [this, timer, period_seconds, fn = std::move(fn)] {
    impl_->schedule(timer, std::chrono::seconds(period_seconds), fn);
  });
}

void HttpTransport::stop() {
  Impl& d = *impl_;
  std::lock_guard lock(d.stop_mutex);
  if (d.stopped) return;
  d.stopped = true;
  if (!d.started) return;
  d.shared.stopping = true;
  net::post(d.ioc, [&d] {
    beast::error_code ignored;
    if (d.acceptor) d.acceptor->close(ignored);
    if (d.backoff) d.backoff->cancel();
    for (auto& t : d.timers) t->cancel();
  });
  {
    std::vector<std::shared_ptr<SessionBase>> live;
    {
      std::lock_guard slock(d.shared.sessions_mutex);
      for (auto& [ptr, weak] : d.shared.sessions) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
    for (auto& s : live) s->close_when_idle();
  }
  {
    std::unique_lock slock(d.shared.sessions_mutex);
    d.shared.sessions_cv.wait_for(slock, d.shared.options.shutdown_grace,
                                  [&d] { return d.shared.sessions.empty(); });
  }
  // Workers finish what they run (commits included) before the I/O threads stop.
  d.shared.workers.join();
  d.work.reset();
  d.ioc.stop();
  for (auto& t : d.threads) t.join();
  d.threads.clear();
  if (d.reserve_fd >= 0) ::close(d.reserve_fd);
  d.reserve_fd = -1;
}

}  // namespace greenlight::server::internal

#include "internal/http_transport.h"

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
#include <vector>

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
  Session(tcp::socket&& socket, Shared& shared) requires(!kTls)
      : stream_(std::move(socket)), shared_(shared) {}
  Session(tcp::socket&& socket, ssl::context& context, Shared& shared) requires(kTls)
      : stream_(std::move(socket), context), shared_(shared) {}

  ~Session() override { shared_.remove(this); }

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
    if (closing_ || shared_.stopping || requests_ >= shared_.options.max_requests_per_connection) {
      return close();
    }
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_.options.max_header_bytes));
    parser_->body_limit(shared_.options.max_body_bytes);
    lowest().expires_after(shared_.options.read_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    auto& req = parser_->get();
    if (auto length = parser_->content_length();
        length && *length > shared_.options.max_body_bytes) {
      return reject(Error{ErrorCode::kResourceExhausted,
                          "request body exceeds " + std::to_string(shared_.options.max_body_bytes) +
                              " bytes"},
                    413);
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
    lowest().expires_after(shared_.options.read_timeout);
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
    const bool keep_alive = req.keep_alive();
    const unsigned version = req.version();
    HttpRequest request = to_http_request(std::move(req));
    net::post(shared_.workers, [self = this->shared_from_this(), request = std::move(request),
                                keep_alive, version]() mutable {
      std::string route;
      HttpResponse response = self->shared_.router.dispatch(request, &route);
      self->shared_.count(route, request.method, response.status);
      const bool head = request.method == Method::kHead;
      net::post(self->stream_.get_executor(),
                [self, response = std::move(response), keep_alive, version, head]() mutable {
                  self->write(std::move(response), keep_alive, version, head);
                });
    });
  }

  void reject(const Error& error, unsigned status) {
    busy_ = true;
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

  void close_now() {
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
  }

  Stream stream_;
  Shared& shared_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
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

  void accept() {
    acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
      } else if (shared.stopping) {
        return;
      } else {
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        if (tls) {
          std::make_shared<TlsSession>(std::move(socket), *tls, shared)->run();
        } else {
          std::make_shared<PlainSession>(std::move(socket), shared)->run();
        }
      }
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
}

}  // namespace greenlight::server::internal

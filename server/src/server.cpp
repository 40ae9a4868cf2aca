#include "greenlight/server/server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <utility>

#include "internal/http_transport.h"
#include "internal/routes.h"

namespace greenlight::server {

struct Server::Impl {
  ServerOptions options;
  std::shared_ptr<const Clock> clock;
  RandomSource* rng = nullptr;
  std::unique_ptr<Store> store;
  Metrics metrics;
  std::unique_ptr<Logger> logger;
  Router router;
  std::unique_ptr<StaticSite> site;
  std::unique_ptr<Authorization> authorization;
  std::unique_ptr<Publisher> publisher;
  std::unique_ptr<Exporter> exporter;
  std::unique_ptr<internal::HttpTransport> transport;
  std::vector<std::function<Status(std::int64_t, std::int64_t)>> retention_jobs;
  std::vector<std::function<Status()>> export_jobs;
  std::vector<std::shared_ptr<ServerModule>> modules;
  std::unique_ptr<ServerContext> context;
  std::uint16_t port = 0;
  bool started = false;

  std::mutex state_mutex;
  std::condition_variable state_cv;
  bool stopped = false;

  Result<std::optional<ExportRun>> export_now() {
    // One lease for the key export and the modules' batches: one instance publishes all.
    Result<std::optional<ExportRun>> run = std::optional<ExportRun>{};
    Status leased = exporter->under_lease([&]() -> Status {
      run = exporter->export_window();
      for (const auto& job : export_jobs) {
        if (auto s = job(); !s) {
          logger->log(LogLevel::kError, "export_job_failed", {{"message", s.error().message}});
        }
      }
      return ok();
    });
    const bool skipped = !leased && leased.error().code == ErrorCode::kUnavailable;
    if (!leased) run = std::unexpected(leased.error());
    if (skipped) {
      logger->log(LogLevel::kInfo, "export_skipped", {{"message", run.error().message}});
      metrics.counter("greenlight_export_skipped_total").add();
    } else if (!run) {
      logger->log(LogLevel::kError, "export_failed",
                  {{"error", std::string(error_code_name(run.error().code))},
                   {"message", run.error().message}});
      metrics.counter("greenlight_export_failures_total").add();
    } else if (*run) {
      std::size_t keys = 0;
      for (const auto& f : (**run).files) keys += static_cast<std::size_t>(f.key_count);
      logger->log(LogLevel::kInfo, "export_published",
                  {{"window_start", std::to_string((**run).window_start)},
                   {"window_end", std::to_string((**run).window_end)},
                   {"files", std::to_string((**run).files.size())},
                   {"keys", std::to_string(keys)}});
    }
    return run;
  }

  Result<RetentionResult> run_retention() {
    const std::int64_t now = clock->now_unix_seconds();
    const std::int64_t cutoff = now - options.retention_seconds;
    auto result = store->delete_expired(now, cutoff);
    GL_RETURN_IF_ERROR(result);
    GL_RETURN_IF_ERROR(exporter->remove_files(result->export_paths));
    for (const auto& job : retention_jobs) {
      GL_RETURN_IF_ERROR(job(now, cutoff));
    }
    metrics.counter("greenlight_retention_runs_total").add();
    metrics.counter("greenlight_retention_deleted_total", {{"kind", "keys"}})
        .add(static_cast<std::uint64_t>(result->keys));
    metrics.counter("greenlight_retention_deleted_total", {{"kind", "export_files"}})
        .add(result->export_paths.size());
    logger->log(LogLevel::kInfo, "retention",
                {{"keys", std::to_string(result->keys)},
                 {"codes", std::to_string(result->codes)},
                 {"tokens", std::to_string(result->tokens)},
                 {"export_files", std::to_string(result->export_paths.size())}});
    return result;
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

Result<std::unique_ptr<Server>> Server::create(ServerOptions options, ServerKeys keys,
                                               ServerEnvironment environment) {
  if (keys.export_signers.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "at least one export signing key is required");
  }
  if (options.export_directory.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "an export directory is required");
  }
  auto d = std::make_unique<Impl>();
  d->options = std::move(options);
  d->clock = environment.clock ? environment.clock : std::make_shared<SystemClock>();
  d->rng = environment.rng ? environment.rng : &system_random();
  d->logger =
      std::make_unique<Logger>(environment.log_sink ? environment.log_sink : stderr_log_sink());
  if (environment.store) {
    d->store = std::move(environment.store);
  } else {
    if (d->options.database_path.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "a database path is required");
    }
    auto store = open_store(d->options.database_path.string(), *d->clock, *d->rng);
    GL_RETURN_IF_ERROR(store);
    d->store = std::move(*store);
  }
  auto pepper = d->store->server_secret("code_pepper");
  GL_RETURN_IF_ERROR(pepper);

  d->site = std::make_unique<StaticSite>(d->options.export_directory, *d->clock);
  d->authorization =
      std::make_unique<Authorization>(d->options.authorization, *d->store, *d->clock, *d->rng,
                                      std::move(keys.authority_key), std::move(*pepper));
  d->publisher =
      std::make_unique<Publisher>(d->options.publish, *d->store, *d->authorization, *d->clock);
  d->exporter = std::make_unique<Exporter>(d->options.exports, *d->store, *d->site, *d->clock,
                                           *d->rng, std::move(keys.export_signers), &d->metrics);
  GL_RETURN_IF_ERROR(d->exporter->load_published());
  Impl* site_owner = d.get();
  d->site->set_miss_handler([site_owner] {
    auto changed = site_owner->exporter->sync_published();
    return changed && *changed;
  });

  Impl* raw = d.get();
  const std::size_t bucket = d->options.http.response_padding_bucket;
  d->context.reset(new ServerContext{
      raw->options, raw->router, *raw->store, *raw->site, raw->metrics, *raw->logger, *raw->clock,
      *raw->rng, *raw->authorization, *raw->publisher, *raw->exporter,
      [raw](std::function<Status(std::int64_t, std::int64_t)> job) {
        raw->retention_jobs.push_back(std::move(job));
      },
      [bucket](unsigned status, boost::json::object body) {
        return internal::padded_json(status, std::move(body), bucket);
      },
      [raw](std::function<Status()> job) { raw->export_jobs.push_back(std::move(job)); }});
  d->metrics.describe("greenlight_http_requests_total",
                      "HTTP requests by route pattern, method and status.");
  internal::add_ops_routes(*d->context, internal::ApiKeys(keys.admin_api_keys));
  GL_RETURN_IF_ERROR(internal::add_authorization_routes(
      *d->context, internal::ApiKeys(keys.health_authority_api_keys)));
  GL_RETURN_IF_ERROR(internal::add_publish_routes(*d->context));
  internal::add_export_routes(*d->context, internal::ApiKeys(keys.admin_api_keys),
                              internal::AdminActions{[raw] { return raw->export_now(); },
                                                     [raw] { return raw->run_retention(); }});
  return std::unique_ptr<Server>(new Server(std::move(d)));
}

ServerContext& Server::context() { return *impl_->context; }

Status Server::add_module(std::shared_ptr<ServerModule> module) {
  if (impl_->started) return make_error(ErrorCode::kFailedPrecondition, "server already started");
  GL_RETURN_IF_ERROR(module->attach(*impl_->context));
  impl_->modules.push_back(std::move(module));
  return ok();
}

Result<std::uint16_t> Server::start() {
  Impl& d = *impl_;
  if (d.started) return make_error(ErrorCode::kFailedPrecondition, "server already started");
  d.transport =
      std::make_unique<internal::HttpTransport>(d.router, d.metrics, *d.logger, d.options.http);
  auto port = d.transport->start();
  GL_RETURN_IF_ERROR(port);
  d.port = *port;
  d.started = true;
  Impl* raw = &d;
  if (d.options.export_period_seconds > 0) {
    d.transport->every(d.options.export_period_seconds, [raw] { (void)raw->export_now(); });
  }
  if (d.options.site_refresh_seconds > 0) {
    d.transport->every(d.options.site_refresh_seconds, [raw] {
      if (auto r = raw->exporter->sync_published(); !r) {
        raw->logger->log(LogLevel::kError, "site_refresh_failed", {{"message", r.error().message}});
      }
    });
  }
  if (d.options.retention_period_seconds > 0) {
    d.transport->every(d.options.retention_period_seconds, [raw] {
      if (auto r = raw->run_retention(); !r) {
        raw->logger->log(LogLevel::kError, "retention_failed", {{"message", r.error().message}});
      }
    });
  }
  d.logger->log(LogLevel::kInfo, "started", {{"tls", d.options.http.tls ? "on" : "off"}});
  return d.port;
}

void Server::stop() {
  Impl& d = *impl_;
  if (d.transport) d.transport->stop();
  {
    std::lock_guard lock(d.state_mutex);
    if (d.stopped) return;
    d.stopped = true;
  }
  if (d.started) d.logger->log(LogLevel::kInfo, "stopped");
  d.state_cv.notify_all();
}

void Server::wait() {
  std::unique_lock lock(impl_->state_mutex);
  impl_->state_cv.wait(lock, [this] { return impl_->stopped; });
}

std::uint16_t Server::port() const { return impl_->port; }

Result<std::optional<ExportRun>> Server::export_now() { return impl_->export_now(); }

Result<RetentionResult> Server::run_retention() { return impl_->run_retention(); }

void run_until_signal(Server& server) {
  boost::asio::io_context ioc;
  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { server.stop(); });
  ioc.run();
}

}  // namespace greenlight::server

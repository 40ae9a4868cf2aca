// The key-publication server: HTTP(S) front end, upload authorisation, publishing,
// exports and retention, assembled from the parts in this folder (docs/server.md).
//
// In-process use (tests, simulator, benchmarks):
//
//   ServerOptions options;                 // listen on 127.0.0.1:0 = any free port
//   options.database_path = dir / "server.db";
//   options.export_directory = dir / "site";
//   ServerKeys keys{...};                  // export signer, authority key, API keys
//   auto server = Server::create(options, std::move(keys));
//   auto port = (*server)->start();        // serving on worker threads now
//   ... (*server)->export_now(); ...
//   (*server)->stop();                     // graceful; also done by the destructor
//
// Extension points for other modules (transparency log, venue warnings), used before
// start(): add_module(), or directly context().router (routes),
// context().site.add_before_publish_hook (log before serve), context().publisher
// .add_extension (extra upload members), context().add_retention_job.
//
// Shutdown (stop(), SIGINT/SIGTERM via run_until_signal): stops accepting, lets every
// request in flight finish (its response is written only after its commit), closes idle
// connections, then joins all threads. No acknowledged upload is lost: acknowledgement
// follows the commit, and the commit is durable.
//
// Thread-safety: create/add_module/start/stop from one controlling thread; export_now,
// run_retention and refresh_site from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/random.h"
#include "greenlight/server/authorization.h"
#include "greenlight/server/clock.h"
#include "greenlight/server/exporter.h"
#include "greenlight/server/log.h"
#include "greenlight/server/metrics.h"
#include "greenlight/server/publish.h"
#include "greenlight/server/router.h"
#include "greenlight/server/static_site.h"
#include "greenlight/server/store.h"

namespace greenlight::server {

struct TlsOptions {
  std::filesystem::path certificate_chain_file;  // PEM
  std::filesystem::path private_key_file;        // PEM
};

struct HttpOptions {
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port
  std::size_t io_threads = 2;
  std::size_t worker_threads = 64;  // handlers may block on commits
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 8 * 1024;
  // Time allowed for a request's headers (counted from the wait for its first byte, so it
  // is also the keep-alive idle time) and then for its body.
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{10000};
  // Overload protection (docs/server.md "Overload"). Connections beyond max_connections
  // (further capped at 3/4 of RLIMIT_NOFILE) are overflow connections: each is served one
  // request, /healthz normally and anything else 503 with Retry-After, with a short header
  // timeout. Beyond overflow_connections, and when the process is out of descriptors, a
  // connection gets a fixed 503 at once and is closed (the accept loop never spins).
  std::size_t max_connections = 10000;
  std::size_t overflow_connections = 64;
  std::int64_t retry_after_seconds = 5;
  // Per-client limit on POST /v1/verify, /v1/certificate and /v1/publish (429 with
  // Retry-After beyond it); 0 = off. The client is its address (or the last entry of
  // client_address_header, set only behind a proxy that writes it), kept in memory as a
  // keyed hash for the current minute only, never logged or stored.
  std::size_t client_requests_per_minute = 0;
  std::string client_address_header;
  std::chrono::milliseconds shutdown_grace{10000};
  std::size_t max_requests_per_connection = 10000;
  std::optional<TlsOptions> tls;
  // Bodies of the authorisation and publish responses (success, error and chaff) are
  // padded to a multiple of this many bytes.
  std::size_t response_padding_bucket = 1024;
  // Upload-flow responses (HttpResponse::upload_flow: success, error and chaff) leave the
  // server at arrival + this deadline, or at the next multiple of it when the work took
  // longer (response_release_time in http.h); the wait is a timer, no thread is blocked.
  // 0 = off: the default for in-process users (tests, simulator, load generator), which need
  // no network indistinguishability. `greenlight server run` uses kDefaultResponseDeadline.
  std::chrono::milliseconds response_deadline{0};
};

// The deadline a deployed server uses (`greenlight server run --response-deadline-ms`): it
// covers the durable commit of a publish under load (p99 22-72 ms measured in
// docs/server.md) and costs a phone 3 x 100 ms per upload (docs/server.md "Answering alike").
inline constexpr std::chrono::milliseconds kDefaultResponseDeadline{100};

struct ServerOptions {
  HttpOptions http;
  // SQLite file, or PostgreSQL URI / libpq string (store.h open_store); ignored if a store
  // is injected.
  std::filesystem::path database_path;
  std::filesystem::path export_directory;  // root of the static tree ("v1/exports/...")
  AuthorizationConfig authorization;
  PublishConfig publish;
  ExportConfig exports;
  std::int64_t export_period_seconds = 0;  // 0: exports only on demand
  std::int64_t retention_seconds = 14 * 24 * 3600;
  std::int64_t retention_period_seconds = 3600;  // 0: retention only on demand
  // Seconds between loads of export files other instances published (also on a miss).
  std::int64_t site_refresh_seconds = 10;  // 0: only on a miss
};

struct ServerKeys {
  std::vector<wire::ExportSigner> export_signers;      // at least one
  EcdsaP256PrivateKey authority_key;                   // signs upload certificates
  std::vector<std::string> health_authority_api_keys;  // may call POST /v1/codes
  std::vector<std::string> admin_api_keys;             // may call POST /v1/admin/*
};

struct ServerEnvironment {
  std::shared_ptr<const Clock> clock;  // default: SystemClock
  RandomSource* rng = nullptr;         // default: system_random(); must be thread-safe
  std::unique_ptr<Store> store;        // default: SQLite at database_path
  LogSink log_sink;                    // default: stderr
};

// Everything a module may use. References stay valid for the life of the Server.
struct ServerContext {
  const ServerOptions& options;
  Router& router;
  Store& store;
  StaticSite& site;
  Metrics& metrics;
  Logger& logger;
  const Clock& clock;
  RandomSource& rng;
  Authorization& authorization;
  Publisher& publisher;
  Exporter& exporter;
  // Runs with retention: fn(now, cutoff) deletes the module's data older than cutoff.
  std::function<void(std::function<Status(std::int64_t, std::int64_t)>)> add_retention_job;
  // Pads a JSON response body to the configured bucket (for chaff-equal sizes).
  std::function<HttpResponse(unsigned, boost::json::object)> padded_json;
  // Runs after every export run (timer and admin trigger): fn() publishes the module's own
  // batches (venue warnings). A failure is logged and does not stop the export.
  std::function<void(std::function<Status()>)> add_export_job;
  // Runs with the site refresh (every ServerOptions::site_refresh_seconds and on a request
  // for a missing file): fn() picks up what another instance on the same database published
  // (the module's batch files and index) and returns whether anything changed.
  std::function<void(std::function<Result<bool>()>)> add_site_refresh_job;
};

class ServerModule {
 public:
  virtual ~ServerModule() = default;
  // Registers routes, hooks, extensions and tables. Called by add_module, before start.
  [[nodiscard]] virtual Status attach(ServerContext& context) = 0;
};

class Server {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Server>> create(ServerOptions options,
                                                              ServerKeys keys,
                                                              ServerEnvironment environment = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  ServerContext& context();
  [[nodiscard]] Status add_module(std::shared_ptr<ServerModule> module);

  // Binds, starts the I/O and worker threads and the export/retention timers. Returns the
  // bound port.
  [[nodiscard]] Result<std::uint16_t> start();
  void stop();
  // Blocks until stop() has completed (called from another thread or a signal).
  void wait();
  std::uint16_t port() const;

  [[nodiscard]] Result<std::optional<ExportRun>> export_now();
  [[nodiscard]] Result<RetentionResult> run_retention();
  // Picks up what other instances on the same database published (export files, module
  // batches, their indexes); runs by itself every ServerOptions::site_refresh_seconds and on
  // a request for a missing file. Returns whether anything changed.
  [[nodiscard]] Result<bool> refresh_site();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Starts nothing: waits for SIGINT or SIGTERM, then calls server.stop().
void run_until_signal(Server& server);

}  // namespace greenlight::server

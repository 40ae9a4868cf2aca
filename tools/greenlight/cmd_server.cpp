// `greenlight server`: run the key-publication server and talk to a running one
// (docs/server.md).
//
//   greenlight server run --db FILE --export-dir DIR --signing-key PEM --authority-key PEM
//       --ha-api-key-file FILE [--listen 127.0.0.1:8080] [--threads N] [--export-period S]
//       [--log-key-file FILE [--log-db FILE] [--log-origin NAME]]
//       [--console [--console-session-minutes N]] [--monitor] ...
//   greenlight server keygen --out PEM [--public-out PEM]
//   greenlight server issue-code --url HOST:PORT --api-key-file FILE [--short] ...
//   greenlight server export-now (--url HOST:PORT --admin-api-key-file FILE | --db FILE
//       --export-dir DIR --signing-key PEM [--log-key-file FILE ...] ...)
#include <sys/stat.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "command.h"
#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/secret_bytes.h"
#include "greenlight/crypto/signed_note.h"
#include "greenlight/server/assembly.h"
#include "greenlight/server/exporter.h"
#include "greenlight/server/http_client.h"
#include "greenlight/server/pg_store.h"
#include "greenlight/server/server.h"
#include "greenlight/server/static_site.h"
#include "greenlight/server/transparency_log.h"
#include "greenlight/server/venue_warnings.h"
#include "server_interop_flags.h"

namespace greenlight::cli {
namespace {

using server::HttpClient;
using server::HttpClientOptions;

constexpr std::uintmax_t kMaxSmallFileBytes = 64u << 10;

std::string read_small_file(const std::string& path) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw CommandError{"cannot read " + path + ": " + ec.message()};
  if (size > kMaxSmallFileBytes) {
    throw CommandError{path + " must be at most " + std::to_string(kMaxSmallFileBytes) +
                       " bytes, got " + std::to_string(size)};
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream data;
  data << in.rdbuf();
  if (!in) throw CommandError{"cannot read " + path};
  return std::move(data).str();
}

EcdsaP256PrivateKey load_private_key(const std::string& path) {
  std::string pem = read_small_file(path);
  auto key = EcdsaP256PrivateKey::from_pem(pem);
  secure_wipe(pem.data(), pem.size());
  if (!key) throw CommandError{path + ": " + key.error().message};
  return std::move(*key);
}

// One API key per line; blank lines and lines starting with '#' are ignored.
std::vector<std::string> load_api_keys(const std::string& path) {
  std::istringstream in(read_small_file(path));
  std::vector<std::string> keys;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    if (line.size() < 16) throw CommandError{path + ": API keys must be at least 16 characters"};
    keys.push_back(line);
  }
  if (keys.empty()) throw CommandError{path + ": no API key found"};
  return keys;
}

void write_secret_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw CommandError{"cannot write " + path};
  ::chmod(path.c_str(), 0600);
}

struct ExportFlags {
  std::string db;
  std::string export_dir;
  std::string signing_key;
  std::string key_id = "greenlight";
  std::string key_version = "v1";
  std::string region = "GL";
  std::size_t min_keys = 1000;
  std::size_t padding_range = 100;
  std::size_t max_keys_per_file = 30000;
  std::int64_t time_granularity = 3600;

  void add_to(CLI::App* app, bool required) {
    auto* db_opt = app->add_option(
        "--db", db,
        "SQLite database file (created if missing), or a PostgreSQL database shared by several "
        "instances: postgresql://USER@HOST/DB or a libpq string \"host=... dbname=...\"");
    auto* dir_opt = app->add_option("--export-dir", export_dir,
                                    "Root of the published tree (v1/exports/...), servable by any "
                                    "web server");
    auto* key_opt = app->add_option("--signing-key", signing_key, "PEM P-256 export signing key");
    if (required) {
      db_opt->required();
      dir_opt->required();
      key_opt->required();
    }
    app->add_option("--key-id", key_id,
                    "verification_key_id in SignatureInfo (default greenlight)");
    app->add_option("--key-version", key_version, "verification_key_version (default v1)");
    app->add_option("--region", region, "Region of the exports (default GL)");
    app->add_option("--min-keys", min_keys, "Pad exports to at least this many keys (default 1000)")
        ->transform(not_negative());
    app->add_option("--padding-range", padding_range,
                    "Plus a random number of keys in [0, N) (default 100)")
        ->transform(not_negative());
    app->add_option("--max-keys-per-file", max_keys_per_file,
                    "Split exports above this many keys (default 30000)")
        ->check(positive());
    app->add_option("--time-granularity", time_granularity,
                    "Seconds: export windows end on multiples of this; arrival times are stored "
                    "at this granularity (default 3600)")
        ->check(positive());
  }

  server::ExportConfig export_config() const {
    server::ExportConfig c;
    c.build.region = region;
    c.build.min_keys = min_keys;
    c.build.padding_range = padding_range;
    c.build.max_keys_per_file = max_keys_per_file;
    c.time_granularity_seconds = time_granularity;
    return c;
  }

  wire::ExportSigner signer() const {
    return wire::ExportSigner{{key_version, key_id, wire::kEcdsaP256Sha256Oid},
                              load_private_key(signing_key)};
  }
};

// The transparency log (docs/transparency.md): on when --log-key-file is given. Every export
// and venue-warning batch is then appended to the log and covered by a signed checkpoint
// before it is served.
struct LogFlags {
  std::string db;
  std::string key_file;
  std::string origin;

  void add_to(CLI::App* app) {
    app->add_option("--log-key-file", key_file,
                    "Transparency log: Ed25519 signer key file (PRIVATE+KEY+..., from `greenlight "
                    "log keygen`). Turns the log on: every batch is logged before it is served");
    app->add_option("--log-db", db,
                    "Where the transparency log lives: a SQLite file of its own (created if "
                    "missing), or the same value as --db to keep its tables in the server "
                    "database. Default: with a SQLite --db, --db with \".log\" before its "
                    "extension (e.g. server.log.db); with a PostgreSQL --db, in that database, "
                    "shared by every instance");
    app->add_option("--log-origin", origin,
                    "Checkpoint origin, the log's name (default: the key's name)");
  }

  bool enabled() const { return !key_file.empty(); }

  // The log's own SQLite file, or "" for the server database.
  std::string db_path(const std::string& main_db) const {
    if (db == main_db) return {};
    if (!db.empty()) return db;
    if (server::is_postgres_database(main_db)) return {};
    std::filesystem::path p(main_db);
    const std::string ext = p.has_extension() ? p.extension().string() : ".db";
    p.replace_filename(p.stem().string() + ".log" + ext);
    return p.string();
  }

  // nullopt when the log is off. Throws CommandError on bad flags or an unusable key.
  std::optional<server::TransparencyLogSetup> setup(const std::string& main_db) const {
    if (!enabled()) {
      if (!db.empty() || !origin.empty()) {
        throw CommandError{
            "--log-db and --log-origin need --log-key-file (create a key with `greenlight log "
            "keygen --name ORIGIN --out FILE`)"};
      }
      return std::nullopt;
    }
    std::string text = read_small_file(key_file);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
      text.pop_back();
    }
    if (!text.starts_with("PRIVATE+KEY+")) {
      secure_wipe(text.data(), text.size());
      throw CommandError{"--log-key-file " + key_file +
                         ": expected a signer key PRIVATE+KEY+NAME+HASH+KEY (the file written by "
                         "`greenlight log keygen --out`), got something else"};
    }
    auto signer = NoteSigner::from_skey(text);
    secure_wipe(text.data(), text.size());
    if (!signer) throw CommandError{"--log-key-file " + key_file + ": " + signer.error().message};
    const std::string path = db_path(main_db);
    if (!path.empty() && server::is_postgres_database(path)) {
      throw CommandError{"--log-db " + path +
                         ": a PostgreSQL log lives in the server database: give the same value "
                         "as --db, or a SQLite file"};
    }
    return server::TransparencyLogSetup{path, origin, std::move(*signer)};
  }
};

std::string describe_log(const server::TransparencyLog& log) {
  return "transparency log " + log.origin() + ": " + std::to_string(log.published_size()) +
         " leaves, verifier key " + log.verifier().vkey();
}

struct RunFlags {
  ExportFlags exports;
  LogFlags log;
  std::string authority_key;
  std::string ha_api_key_file;
  std::string admin_api_key_file;
  std::string listen = "127.0.0.1:8080";
  std::size_t threads = 2;
  std::size_t workers = 64;
  std::int64_t export_period = 3600;
  std::int64_t retention_period = 3600;
  std::size_t max_body = 64 * 1024;
  std::int64_t response_deadline_ms = server::kDefaultResponseDeadline.count();
  std::string tls_cert;
  std::string tls_key;
  std::string issuer;
  std::string audience;
  std::size_t max_connections = 10000;
  std::int64_t header_timeout_ms = 10000;
  std::int64_t body_timeout_ms = 10000;
  std::size_t client_requests_per_minute = 0;
  std::string client_address_header;
  std::string venue_owner_policy = "require";
  std::int64_t venue_owner_wait_hours = 14 * 24;
  std::string venue_authority_key;
  bool console = false;
  std::int64_t console_session_minutes = 15;
  bool monitor = false;
  InteropFlags interop;
};

void run_server(const RunFlags& f) {
  auto listen = server::parse_host_port(f.listen);
  if (!listen) throw CommandError{"--listen: " + listen.error().message};
  server::ServerOptions options;
  options.http.listen_address = listen->first;
  options.http.port = listen->second;
  options.http.io_threads = f.threads;
  options.http.worker_threads = f.workers;
  options.http.max_body_bytes = f.max_body;
  options.http.response_deadline = std::chrono::milliseconds(f.response_deadline_ms);
  options.http.max_connections = f.max_connections;
  options.http.header_timeout = std::chrono::milliseconds(f.header_timeout_ms);
  options.http.body_timeout = std::chrono::milliseconds(f.body_timeout_ms);
  options.http.client_requests_per_minute = f.client_requests_per_minute;
  options.http.client_address_header = f.client_address_header;
  if (!f.tls_cert.empty() || !f.tls_key.empty()) {
    if (f.tls_cert.empty() || f.tls_key.empty()) {
      throw CommandError{"--tls-cert and --tls-key must be given together"};
    }
    options.http.tls = server::TlsOptions{f.tls_cert, f.tls_key};
  }
  options.database_path = f.exports.db;
  options.export_directory = f.exports.export_dir;
  options.exports = f.exports.export_config();
  options.publish.arrival_granularity_seconds = f.exports.time_granularity;
  options.export_period_seconds = f.export_period;
  options.retention_period_seconds = f.retention_period;
  if (!f.issuer.empty()) options.authorization.issuer = f.issuer;
  if (!f.audience.empty()) options.authorization.audience = f.audience;

  server::ServerKeys keys{{f.exports.signer()},
                          load_private_key(f.authority_key),
                          load_api_keys(f.ha_api_key_file),
                          f.admin_api_key_file.empty() ? std::vector<std::string>{}
                                                       : load_api_keys(f.admin_api_key_file)};
  server::VenueWarningConfig venue_config;
  auto owner_policy = server::parse_venue_owner_policy(f.venue_owner_policy);
  if (!owner_policy) throw CommandError{"--venue-owner-policy: " + owner_policy.error().message};
  venue_config.owner_policy = *owner_policy;
  if (f.venue_owner_wait_hours < 1 || f.venue_owner_wait_hours > 14 * 24) {
    throw CommandError{"--venue-owner-wait-hours must be 1..336"};
  }
  venue_config.owner_wait_seconds = f.venue_owner_wait_hours * 3600;
  // The health authority signs venue warnings with its certificate key unless it names
  // another (assemble_server's default); phones pin the public half (docs/venues.md).
  if (!f.venue_authority_key.empty()) {
    venue_config.authority_key = load_private_key(f.venue_authority_key);
  }
  server::ServerRunConfig config{std::move(options),
                                 std::move(keys),
                                 server::ServerEnvironment{},
                                 f.log.setup(f.exports.db),
                                 true,
                                 std::move(venue_config)};
  if (f.console_session_minutes < 1 || f.console_session_minutes > 480) {
    throw CommandError{"--console-session-minutes must be 1..480, got " +
                       std::to_string(f.console_session_minutes)};
  }
  if (f.console) {
    server::ConsoleConfig console;
    console.session_seconds = f.console_session_minutes * 60;
    config.console = std::move(console);
  }
  config.monitor = f.monitor;
  auto assembled = server::assemble_server(std::move(config));
  if (!assembled) throw CommandError{assembled.error().message};
  const std::shared_ptr<server::TransparencyLog>& log = assembled->log;
  server::Server& running = *assembled->server;
  f.interop.attach(running, f.exports.region, load_api_keys);
  auto port = running.start();
  if (!port) throw CommandError{port.error().message};
  std::printf("listening on %s:%u\n", listen->first.c_str(), static_cast<unsigned>(*port));
  if (log) {
    std::printf("%s\n", describe_log(*log).c_str());
  } else {
    std::printf("transparency log: off (no --log-key-file)\n");
  }
  std::fflush(stdout);
  server::run_until_signal(running);
}

struct ClientFlags {
  std::string url;
  std::string api_key_file;
  bool tls = false;
  std::string ca_file;

  std::unique_ptr<HttpClient> client() const {
    auto hp = server::parse_host_port(url);
    if (!hp) throw CommandError{"--url: " + hp.error().message};
    HttpClientOptions o;
    o.host = hp->first;
    o.port = hp->second;
    o.tls = tls;
    o.ca_file = ca_file;
    return std::make_unique<HttpClient>(o);
  }
};

std::string call(const ClientFlags& c, const std::string& target, const std::string& body) {
  const std::vector<std::string> keys = load_api_keys(c.api_key_file);
  auto response = c.client()->post_json(target, body, keys.front());
  if (!response) throw CommandError{response.error().message};
  if (response->status != 200) {
    boost::system::error_code ec;
    auto v = boost::json::parse(response->body, ec);
    std::string message = response->body;
    if (!ec && v.is_object() && v.as_object().contains("message") &&
        v.as_object().at("message").is_string()) {
      message = std::string(v.as_object().at("message").as_string());
    }
    throw CommandError{"server answered " + std::to_string(response->status) + ": " + message};
  }
  return response->body;
}

struct IssueFlags {
  ClientFlags client;
  bool short_code = false;
  std::string report_type = "confirmed";
  std::string purpose = "keys";
  std::int64_t onset = -1;
};

void run_issue_code(const IssueFlags& f) {
  boost::json::object body{{"kind", f.short_code ? "short" : "long"},
                           {"report_type", f.report_type},
                           {"purpose", f.purpose}};
  if (f.onset >= 0) body["symptom_onset_interval"] = f.onset;
  const std::string answer = call(f.client, "/v1/codes", boost::json::serialize(body));
  boost::system::error_code ec;
  auto v = boost::json::parse(answer, ec);
  if (ec || !v.is_object() || !v.as_object().contains("code")) {
    throw CommandError{"unexpected answer from the server"};
  }
  std::printf("%s %lld\n", std::string(v.as_object().at("code").as_string()).c_str(),
              static_cast<long long>(v.as_object().at("expires_at").to_number<std::int64_t>()));
}

struct ExportNowFlags {
  ClientFlags client;
  ExportFlags exports;
  LogFlags log;
  std::string authority_key;  // direct mode: venue warnings too (their policy names this key)
};

void run_export_now(const ExportNowFlags& f) {
  if (!f.client.url.empty()) {
    if (f.client.api_key_file.empty()) throw CommandError{"--url needs --admin-api-key-file"};
    if (f.log.enabled() || !f.log.db.empty() || !f.log.origin.empty()) {
      throw CommandError{"--log-* flags are for the direct mode; the running server logs itself"};
    }
    std::printf("%s\n", call(f.client, "/v1/admin/export", "{}").c_str());
    return;
  }
  if (f.exports.db.empty() || f.exports.export_dir.empty() || f.exports.signing_key.empty()) {
    throw CommandError{"give --url (running server) or --db, --export-dir and --signing-key"};
  }
  // The same assembly as `server run`, without serving: the export takes the store's export
  // lease, so it is refused while a running server on this database exports, and a running
  // server serves the new files as soon as they are recorded.
  server::ServerOptions options;
  options.database_path = f.exports.db;
  options.export_directory = f.exports.export_dir;
  options.exports = f.exports.export_config();
  options.publish.arrival_granularity_seconds = f.exports.time_granularity;
  // Certificates are not issued here. Venue warnings are published only with the authority's
  // real key: their policy file names it, and phones pin it.
  const bool venues = !f.authority_key.empty();
  auto authority = venues ? Result<EcdsaP256PrivateKey>(load_private_key(f.authority_key))
                          : EcdsaP256PrivateKey::generate();
  if (!authority) throw CommandError{authority.error().message};
  server::ServerKeys keys{{f.exports.signer()}, std::move(*authority), {}, {}};
  server::ServerRunConfig config{
      std::move(options),        std::move(keys), server::ServerEnvironment{},
      f.log.setup(f.exports.db), venues,          server::VenueWarningConfig{}};
  auto assembled = server::assemble_server(std::move(config));
  if (!assembled) throw CommandError{assembled.error().message};
  const std::shared_ptr<server::TransparencyLog>& log = assembled->log;
  auto run = assembled->server->export_now();
  if (!run) throw CommandError{run.error().message};
  if (!*run) {
    std::puts("nothing to export: no complete window since the last export");
    return;
  }
  if (log) std::printf("%s\n", describe_log(*log).c_str());
  std::printf("window %lld-%lld: %zu real keys\n", static_cast<long long>((**run).window_start),
              static_cast<long long>((**run).window_end), (**run).real_keys);
  for (const auto& file : (**run).files) {
    std::printf("%s %lld keys sha256 %s\n", file.path.c_str(),
                static_cast<long long>(file.key_count), file.sha256_hex.c_str());
  }
}

void setup_server(CLI::App& app) {
  CLI::App* command = app.add_subcommand("server", "Run and operate the key-publication server");
  command->require_subcommand(1);

  auto run = std::make_shared<RunFlags>();
  CLI::App* run_cmd = command->add_subcommand(
      "run",
      "Serve the HTTP API (docs/api.md) until SIGINT/SIGTERM; prints \"listening on "
      "ADDRESS:PORT\" once bound, then the transparency log's size and verifier key (or "
      "\"transparency log: off\" without --log-key-file)");
  run->exports.add_to(run_cmd, true);
  run->interop.add_to(run_cmd);
  run_cmd
      ->add_option("--authority-key", run->authority_key,
                   "PEM P-256 key that signs upload certificates (health authority)")
      ->required();
  run_cmd
      ->add_option("--ha-api-key-file", run->ha_api_key_file,
                   "File with the health authority's API key(s), one per line")
      ->required();
  run_cmd->add_option("--admin-api-key-file", run->admin_api_key_file,
                      "File with admin API key(s) for POST /v1/admin/* (disabled without)");
  run_cmd->add_option("--listen", run->listen,
                      "ADDRESS:PORT, port 0 = any free (default 127.0.0.1:8080)");
  run_cmd->add_option("--threads", run->threads, "I/O threads (default 2)")->check(positive());
  run_cmd->add_option("--workers", run->workers, "Handler threads (default 64)")->check(positive());
  run_cmd
      ->add_option("--export-period", run->export_period,
                   "Seconds between scheduled exports, 0 = only on demand (default 3600)")
      ->transform(not_negative());
  run_cmd
      ->add_option("--retention-period", run->retention_period,
                   "Seconds between retention runs, 0 = only on demand (default 3600)")
      ->transform(not_negative());
  run_cmd->add_option("--max-body", run->max_body, "Largest request body in bytes (default 65536)")
      ->check(positive());
  run_cmd
      ->add_option("--response-deadline-ms", run->response_deadline_ms,
                   "Upload-flow responses (real, error, chaff) leave at this many ms after the "
                   "request arrived, or the next multiple; 0 = off (default 100)")
      ->transform(not_negative());
  run_cmd
      ->add_option("--max-connections", run->max_connections,
                   "Connections served normally; beyond, /healthz only and 503 + Retry-After "
                   "(default 10000, at most 3/4 of the open-file limit)")
      ->check(positive());
  run_cmd
      ->add_option("--header-timeout-ms", run->header_timeout_ms,
                   "Time for a request's headers, also the keep-alive idle time (default 10000)")
      ->check(positive());
  run_cmd
      ->add_option("--body-timeout-ms", run->body_timeout_ms,
                   "Time for a request's body after its headers (default 10000)")
      ->check(positive());
  run_cmd
      ->add_option("--client-requests-per-minute", run->client_requests_per_minute,
                   "Per-client limit on /v1/verify, /v1/certificate and /v1/publish, 429 "
                   "beyond; 0 = off (default 0)")
      ->transform(not_negative());
  run_cmd->add_option("--client-address-header", run->client_address_header,
                      "Behind a proxy that sets it (e.g. X-Forwarded-For): the client is the "
                      "header's last entry");
  run_cmd->add_option("--tls-cert", run->tls_cert, "PEM certificate chain: serve HTTPS");
  run_cmd->add_option("--tls-key", run->tls_key, "PEM private key of --tls-cert");
  run_cmd->add_option("--issuer", run->issuer, "Certificate issuer (iss)");
  run_cmd->add_option("--audience", run->audience, "Certificate audience (aud)");
  run_cmd->add_option("--venue-owner-policy", run->venue_owner_policy,
                      "Positive visitors' venue reports: require (kept until the venue owner "
                      "releases them or the wait ends; default) or host-only (not kept). "
                      "Recorded in the transparency log; no value publishes without the owner");
  run_cmd->add_option("--venue-owner-wait-hours", run->venue_owner_wait_hours,
                      "How long pending venue reports wait for their owner, 1..336 (default 336)");
  auto* console_flag = run_cmd->add_flag(
      "--console", run->console,
      "Serve the health-authority console at /console/ (docs/console.md): staff sign in with a "
      "key of --ha-api-key-file (Secure session cookie: HTTPS, or http on loopback only)");
  run_cmd
      ->add_option("--console-session-minutes", run->console_session_minutes,
                   "Lifetime of a console session, 1..480 minutes (default 15)")
      ->needs(console_flag);
  run_cmd->add_flag("--monitor", run->monitor,
                    "Write the public monitor pages into --export-dir as monitor/ and serve "
                    "/monitor/ (docs/monitor.md)");
  run_cmd->add_option("--venue-authority-key", run->venue_authority_key,
                      "PEM private key that authorises venue warnings (default: --authority-key)");
  run->log.add_to(run_cmd);
  run_cmd->callback([run] { run_server(*run); });

  auto keygen_out = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* keygen = command->add_subcommand(
      "keygen",
      "Write a new P-256 private key (PKCS#8 PEM, mode 0600) for export signing or "
      "certificates");
  keygen->add_option("--out", keygen_out->first, "Private key PEM to write")->required();
  keygen->add_option("--public-out", keygen_out->second, "Also write the public key PEM here");
  keygen->callback([keygen_out] {
    auto key = EcdsaP256PrivateKey::generate();
    if (!key) throw CommandError{key.error().message};
    std::string pem = key->to_pem();
    write_secret_file(keygen_out->first, pem);
    secure_wipe(pem.data(), pem.size());
    if (!keygen_out->second.empty()) {
      std::ofstream out(keygen_out->second, std::ios::trunc);
      out << key->public_key().to_pem();
      if (!out) throw CommandError{"cannot write " + keygen_out->second};
    }
    std::printf("wrote %s\n", keygen_out->first.c_str());
  });

  auto issue = std::make_shared<IssueFlags>();
  CLI::App* issue_cmd = command->add_subcommand(
      "issue-code",
      "Ask a running server for a verification code (health authority); prints "
      "\"CODE EXPIRES_AT\"");
  issue_cmd->add_option("--url", issue->client.url, "Server HOST:PORT")->required();
  issue_cmd
      ->add_option("--api-key-file", issue->client.api_key_file,
                   "File with the health authority API key")
      ->required();
  issue_cmd->add_flag("--short", issue->short_code, "Short code (8 digits, short lifetime)");
  issue_cmd->add_option("--report-type", issue->report_type,
                        "confirmed, clinical or self_report (default confirmed)");
  issue_cmd->add_option("--purpose", issue->purpose, "keys or venue_host (default keys)");
  issue_cmd->add_option("--symptom-onset-interval", issue->onset, "ENIN of symptom onset");
  issue_cmd->add_flag("--tls", issue->client.tls, "Use HTTPS");
  issue_cmd->add_option("--ca-file", issue->client.ca_file,
                        "PEM certificate(s) to trust with --tls");
  issue_cmd->callback([issue] { run_issue_code(*issue); });

  auto now = std::make_shared<ExportNowFlags>();
  CLI::App* now_cmd = command->add_subcommand(
      "export-now",
      "Publish the pending export window now: through a running server (--url, "
      "--admin-api-key-file) or directly on the database when no server runs (--db, "
      "--export-dir, --signing-key)");
  now_cmd->add_option("--url", now->client.url, "Running server HOST:PORT");
  now_cmd->add_option("--admin-api-key-file", now->client.api_key_file,
                      "File with an admin API key");
  now_cmd->add_flag("--tls", now->client.tls, "Use HTTPS");
  now_cmd->add_option("--ca-file", now->client.ca_file, "PEM certificate(s) to trust with --tls");
  now->exports.add_to(now_cmd, false);
  now->log.add_to(now_cmd);
  now_cmd->add_option("--authority-key", now->authority_key,
                      "Direct mode: the health authority's PEM key (as given to server run), to "
                      "publish venue warnings too; without it only diagnosis-key exports");
  now_cmd->callback([now] { run_export_now(*now); });
}

}  // namespace

GREENLIGHT_REGISTER_COMMAND(server, setup_server);

}  // namespace greenlight::cli

// Load generator for the key server: N concurrent keep-alive connections, each running the
// full upload flow (POST /v1/codes -> /v1/verify -> /v1/certificate -> /v1/publish) in a
// loop. Reports completed uploads per second and latency percentiles. By default it starts
// an in-process server (SQLite WAL, synchronous=FULL: every acknowledged upload is durable)
// in a temporary directory; --url targets a running server instead.
// Figures and command: docs/server.md.
//
//   greenlight_server_load [--connections 32] [--seconds 10] [--keys 14]
//                          [--url HOST:PORT --ha-key KEY] [--io-threads 2]
//                          [--db SQLITE_FILE|POSTGRES_CONNINFO] [--instances N]
//                          [--compare-pg POSTGRES_CONNINFO]
//
// --compare-pg runs, in one invocation on the same machine: 1 instance on SQLite, then 1 and
// 2 instances on the (empty) PostgreSQL database, and prints each result.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>
#include <tuple>
#include <vector>

#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/random.h"
#include "greenlight/server/http_client.h"
#include "greenlight/server/server.h"
#include "greenlight/wire/upload_auth.h"

namespace {

using namespace greenlight;
using namespace greenlight::server;
namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;

struct Samples {
  std::vector<double> flow_ms, codes_ms, verify_ms, certificate_ms, publish_ms;
  std::size_t errors = 0;
  void merge(const Samples& o) {
    for (auto [dst, src] : {std::pair{&flow_ms, &o.flow_ms},
                            {&codes_ms, &o.codes_ms},
                            {&verify_ms, &o.verify_ms},
                            {&certificate_ms, &o.certificate_ms},
                            {&publish_ms, &o.publish_ms}}) {
      dst->insert(dst->end(), src->begin(), src->end());
    }
    errors += o.errors;
  }
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  return v[i];
}

double ms_since(SteadyClock::time_point t) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t).count();
}

std::vector<TemporaryExposureKey> make_keys(std::size_t n, std::int64_t now) {
  std::vector<TemporaryExposureKey> keys(n);
  const std::uint32_t today = day_start(interval_from_unix_seconds(now)).value;
  for (std::size_t i = 0; i < n; ++i) {
    system_random().fill(keys[i].key_data.mutable_span());
    keys[i].rolling_start_interval_number = {today -
                                             static_cast<std::uint32_t>(i + 1) * kTekRollingPeriod};
    keys[i].transmission_risk_level = 1;
  }
  return keys;
}

std::string upload_body(const std::vector<TemporaryExposureKey>& keys,
                        const json::value& certificate, ByteSpan hmac_key) {
  json::array list;
  for (const auto& k : keys) {
    list.push_back(
        json::object{{"key", base64_encode(k.key_data.span())},
                     {"rolling_start_interval_number", k.rolling_start_interval_number.value},
                     {"rolling_period", k.rolling_period},
                     {"transmission_risk_level", k.transmission_risk_level}});
  }
  return json::serialize(json::object{{"keys", std::move(list)},
                                      {"certificate", certificate},
                                      {"hmac_key", base64_encode(hmac_key)},
                                      {"padding", std::string(1024, 'p')}});
}

void worker(const HttpClientOptions& options, const std::string& ha_key, std::size_t nkeys,
            SteadyClock::time_point until, std::int64_t now, Samples& out) {
  HttpClient c(options);
  while (SteadyClock::now() < until) {
    const auto keys = make_keys(nkeys, now);
    Bytes hmac_key(32);
    system_random().fill(hmac_key);
    const auto flow_start = SteadyClock::now();
    auto t = SteadyClock::now();
    auto code = c.post_json("/v1/codes", R"({"kind":"long"})", ha_key);
    if (!code || code->status != 200) {
      ++out.errors;
      continue;
    }
    out.codes_ms.push_back(ms_since(t));
    t = SteadyClock::now();
    auto v = c.post_json("/v1/verify",
                         json::serialize(json::object{{"code", json::parse(code->body).at("code")},
                                                      {"chaff", false}}));
    if (!v || v->status != 200) {
      ++out.errors;
      continue;
    }
    out.verify_ms.push_back(ms_since(t));
    t = SteadyClock::now();
    auto cert = c.post_json("/v1/certificate",
                            json::serialize(json::object{
                                {"token", json::parse(v->body).at("token")},
                                {"tekmac", base64_encode(wire::compute_tekmac(hmac_key, keys))}}));
    if (!cert || cert->status != 200) {
      ++out.errors;
      continue;
    }
    out.certificate_ms.push_back(ms_since(t));
    t = SteadyClock::now();
    auto pub = c.post_json("/v1/publish",
                           upload_body(keys, json::parse(cert->body).at("certificate"), hmac_key));
    if (!pub || pub->status != 200) {
      ++out.errors;
      continue;
    }
    out.publish_ms.push_back(ms_since(t));
    out.flow_ms.push_back(ms_since(flow_start));
  }
}

struct LoadConfig {
  std::size_t connections = 32;
  double seconds = 10;
  std::size_t nkeys = 14;
  std::string ha_key = "load-generator-health-authority-key";
  std::size_t io_threads = 2;
  std::size_t workers = 64;
};

struct LoadResult {
  Samples all;
  double elapsed = 0;
};

// Runs the workers against the given ports (connection i uses port i % ports.size()).
LoadResult drive(const LoadConfig& config, const std::vector<HttpClientOptions>& targets) {
  const std::int64_t now = std::time(nullptr);
  std::vector<Samples> samples(config.connections);
  std::vector<std::thread> threads;
  const auto start = SteadyClock::now();
  const auto until = start + std::chrono::duration_cast<SteadyClock::duration>(
                                 std::chrono::duration<double>(config.seconds));
  for (std::size_t i = 0; i < config.connections; ++i) {
    threads.emplace_back(worker, std::cref(targets[i % targets.size()]), std::cref(config.ha_key),
                         config.nkeys, until, now, std::ref(samples[i]));
  }
  for (auto& t : threads) t.join();
  LoadResult r;
  r.elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  for (const auto& s : samples) r.all.merge(s);
  return r;
}

// instances in-process servers on one database (SQLite file or PostgreSQL), one export tree.
Result<std::vector<std::unique_ptr<Server>>> start_instances(const LoadConfig& config,
                                                             const std::string& database,
                                                             const std::filesystem::path& dir,
                                                             std::size_t instances) {
  std::vector<std::unique_ptr<Server>> servers;
  auto export_key = EcdsaP256PrivateKey::generate();
  auto authority_key = EcdsaP256PrivateKey::generate();
  if (!export_key || !authority_key) return make_error(ErrorCode::kInternal, "keygen failed");
  const std::string export_pem = export_key->to_pem();
  const std::string authority_pem = authority_key->to_pem();
  for (std::size_t i = 0; i < instances; ++i) {
    ServerOptions so;
    so.database_path = database;
    so.export_directory = dir / "site";
    so.http.io_threads = config.io_threads;
    so.http.worker_threads = config.workers;
    so.retention_period_seconds = 0;
    ServerKeys keys{{wire::ExportSigner{{"v1", "load", wire::kEcdsaP256Sha256Oid},
                                        *EcdsaP256PrivateKey::from_pem(export_pem)}},
                    *EcdsaP256PrivateKey::from_pem(authority_pem),
                    {config.ha_key},
                    {}};
    ServerEnvironment env;
    env.log_sink = [](std::string_view) {};
    auto created = Server::create(std::move(so), std::move(keys), std::move(env));
    GL_RETURN_IF_ERROR(created);
    auto port = (*created)->start();
    GL_RETURN_IF_ERROR(port);
    servers.push_back(std::move(*created));
  }
  return servers;
}

void print_result(const LoadResult& r, const LoadConfig& config, const std::string& what) {
  const Samples& all = r.all;
  std::printf("%s: connections %zu, keys per upload %zu, %.1f s\n", what.c_str(),
              config.connections, config.nkeys, r.elapsed);
  std::printf("uploads (full flow, durable): %zu, %.0f uploads/s, errors %zu\n", all.flow_ms.size(),
              static_cast<double>(all.flow_ms.size()) / r.elapsed, all.errors);
  std::printf("%-28s %10s %10s %10s\n", "latency (ms)", "p50", "p99", "max");
  for (const auto& [name, v] : {std::pair{"full flow (4 requests)", &all.flow_ms},
                                {"POST /v1/codes", &all.codes_ms},
                                {"POST /v1/verify", &all.verify_ms},
                                {"POST /v1/certificate", &all.certificate_ms},
                                {"POST /v1/publish", &all.publish_ms}}) {
    std::printf("%-28s %10.2f %10.2f %10.2f\n", name, percentile(*v, 0.5), percentile(*v, 0.99),
                percentile(*v, 1.0));
  }
  std::fflush(stdout);
}

// One in-process run: instances servers on database; returns the errors count or -1.
long run_in_process(const LoadConfig& config, const std::string& database, std::size_t instances,
                    const std::string& label) {
  char dir_template[] = "/tmp/greenlight-load-XXXXXX";
  const std::filesystem::path dir = ::mkdtemp(dir_template);
  const std::string db = database.empty() ? (dir / "server.db").string() : database;
  auto servers = start_instances(config, db, dir, instances);
  if (!servers) {
    std::fprintf(stderr, "server: %s\n", servers.error().message.c_str());
    std::filesystem::remove_all(dir);
    return -1;
  }
  std::vector<HttpClientOptions> targets;
  for (const auto& s : *servers) {
    HttpClientOptions o;
    o.port = s->port();
    targets.push_back(o);
  }
  const LoadResult r = drive(config, targets);
  for (auto& s : *servers) s->stop();
  std::filesystem::remove_all(dir);
  print_result(r, config, label);
  return static_cast<long>(r.all.errors);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"greenlight key-server load generator (full authorised upload flow)"};
  LoadConfig config;
  std::string url;
  std::string database;
  std::size_t instances = 1;
  std::string compare_pg;
  app.add_option("--connections", config.connections,
                 "Concurrent keep-alive connections (default 32)");
  app.add_option("--seconds", config.seconds, "Duration (default 10)");
  app.add_option("--keys", config.nkeys, "Keys per upload (default 14)");
  app.add_option("--url", url, "HOST:PORT of a running server (default: start one in-process)");
  app.add_option("--ha-key", config.ha_key, "Health authority API key (with --url)");
  app.add_option("--io-threads", config.io_threads, "In-process server: I/O threads (default 2)");
  app.add_option("--workers", config.workers, "In-process server: handler threads (default 64)");
  app.add_option("--db", database,
                 "In-process servers' database: SQLite file or PostgreSQL connection string "
                 "(default: a new SQLite file)");
  app.add_option("--instances", instances,
                 "In-process server instances on --db, connections spread round-robin "
                 "(default 1)");
  app.add_option("--compare-pg", compare_pg,
                 "Same run, one after the other: 1 instance on SQLite, 1 and 2 instances on "
                 "this (empty) PostgreSQL database");
  CLI11_PARSE(app, argc, argv);

  if (!compare_pg.empty()) {
    long errors = 0;
    for (const auto& [db, n, label] :
         {std::tuple{std::string(), std::size_t{1}, std::string("1 instance, SQLite")},
          std::tuple{compare_pg, std::size_t{1}, std::string("1 instance, PostgreSQL")},
          std::tuple{compare_pg, std::size_t{2}, std::string("2 instances, PostgreSQL")}}) {
      const long e = run_in_process(config, db, n, label);
      if (e < 0) return 1;
      errors += e;
      std::printf("\n");
    }
    return errors == 0 ? 0 : 1;
  }
  if (url.empty()) {
    const long e = run_in_process(config, database, instances,
                                  std::to_string(instances) + " in-process instance(s)");
    return e == 0 ? 0 : 1;
  }
  auto hp = parse_host_port(url);
  if (!hp) {
    std::fprintf(stderr, "--url: %s\n", hp.error().message.c_str());
    return 1;
  }
  HttpClientOptions options;
  options.host = hp->first;
  options.port = hp->second;
  const LoadResult r = drive(config, {options});
  print_result(r, config, "remote server");
  return r.all.errors == 0 ? 0 : 1;
}

// Load generator for the key server: N concurrent keep-alive connections, each running the
// full upload flow (POST /v1/codes -> /v1/verify -> /v1/certificate -> /v1/publish) in a
// loop. Reports completed uploads per second and latency percentiles. By default it starts
// an in-process server (SQLite WAL, synchronous=FULL: every acknowledged upload is durable)
// in a temporary directory; --url targets a running server instead.
// Figures and command: docs/server.md.
//
//   greenlight_server_load [--connections 32] [--seconds 10] [--keys 14]
//                          [--url HOST:PORT --ha-key KEY] [--io-threads 2]
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"greenlight key-server load generator (full authorised upload flow)"};
  std::size_t connections = 32;
  double seconds = 10;
  std::size_t nkeys = 14;
  std::string url;
  std::string ha_key = "load-generator-health-authority-key";
  std::size_t io_threads = 2;
  std::size_t workers = 64;
  app.add_option("--connections", connections, "Concurrent keep-alive connections (default 32)");
  app.add_option("--seconds", seconds, "Duration (default 10)");
  app.add_option("--keys", nkeys, "Keys per upload (default 14)");
  app.add_option("--url", url, "HOST:PORT of a running server (default: start one in-process)");
  app.add_option("--ha-key", ha_key, "Health authority API key (with --url)");
  app.add_option("--io-threads", io_threads, "In-process server: I/O threads (default 2)");
  app.add_option("--workers", workers, "In-process server: handler threads (default 64)");
  CLI11_PARSE(app, argc, argv);

  std::unique_ptr<Server> server;
  std::filesystem::path dir;
  HttpClientOptions options;
  const std::int64_t now = std::time(nullptr);
  if (url.empty()) {
    char dir_template[] = "/tmp/greenlight-load-XXXXXX";
    dir = ::mkdtemp(dir_template);
    ServerOptions so;
    so.database_path = dir / "server.db";
    so.export_directory = dir / "site";
    so.http.io_threads = io_threads;
    so.http.worker_threads = workers;
    so.retention_period_seconds = 0;
    ServerKeys keys{{wire::ExportSigner{{"v1", "load", wire::kEcdsaP256Sha256Oid},
                                        *EcdsaP256PrivateKey::generate()}},
                    *EcdsaP256PrivateKey::generate(),
                    {ha_key},
                    {}};
    ServerEnvironment env;
    env.log_sink = [](std::string_view) {};
    auto created = Server::create(std::move(so), std::move(keys), std::move(env));
    if (!created) {
      std::fprintf(stderr, "server: %s\n", created.error().message.c_str());
      return 1;
    }
    server = std::move(*created);
    auto port = server->start();
    if (!port) {
      std::fprintf(stderr, "server: %s\n", port.error().message.c_str());
      return 1;
    }
    options.port = *port;
  } else {
    auto hp = parse_host_port(url);
    if (!hp) {
      std::fprintf(stderr, "--url: %s\n", hp.error().message.c_str());
      return 1;
    }
    options.host = hp->first;
    options.port = hp->second;
  }

  std::vector<Samples> samples(connections);
  std::vector<std::thread> threads;
  const auto start = SteadyClock::now();
  const auto until = start + std::chrono::duration_cast<SteadyClock::duration>(
                                 std::chrono::duration<double>(seconds));
  for (std::size_t i = 0; i < connections; ++i) {
    threads.emplace_back(worker, std::cref(options), std::cref(ha_key), nkeys, until, now,
                         std::ref(samples[i]));
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  Samples all;
  for (const auto& s : samples) all.merge(s);

  std::printf("connections %zu, keys per upload %zu, %.1f s, %s server\n", connections, nkeys,
              elapsed, url.empty() ? "in-process" : "remote");
  std::printf("uploads (full flow, durable): %zu, %.0f uploads/s, errors %zu\n", all.flow_ms.size(),
              static_cast<double>(all.flow_ms.size()) / elapsed, all.errors);
  std::printf("%-28s %10s %10s %10s\n", "latency (ms)", "p50", "p99", "max");
  for (const auto& [name, v] : {std::pair{"full flow (4 requests)", &all.flow_ms},
                                {"POST /v1/codes", &all.codes_ms},
                                {"POST /v1/verify", &all.verify_ms},
                                {"POST /v1/certificate", &all.certificate_ms},
                                {"POST /v1/publish", &all.publish_ms}}) {
    std::printf("%-28s %10.2f %10.2f %10.2f\n", name, percentile(*v, 0.5), percentile(*v, 0.99),
                percentile(*v, 1.0));
  }
  if (server) server->stop();
  if (!dir.empty()) std::filesystem::remove_all(dir);
  return all.errors == 0 ? 0 : 1;
}

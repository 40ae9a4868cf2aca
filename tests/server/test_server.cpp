#include "test_server.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

#include "greenlight/crypto/random.h"
#include "greenlight/wire/upload_auth.h"

namespace greenlight::server::testing {
namespace fs = std::filesystem;
namespace json = boost::json;

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "greenlight-server-test-XXXXXX").string();
  char* made = ::mkdtemp(pattern.data());
  REQUIRE(made != nullptr);
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

namespace {
EcdsaP256PrivateKey new_key() {
  auto k = EcdsaP256PrivateKey::generate();
  REQUIRE(k.has_value());
  return std::move(*k);
}
}  // namespace

TestServer::TestServer(TestServerConfig config)
    : config_(std::move(config)),
      clock_(std::make_shared<ManualClock>(kT0)),
      export_key_pem_(config_.same_keys_as ? config_.same_keys_as->export_key_pem_
                                           : new_key().to_pem()),
      authority_key_pem_(config_.same_keys_as ? config_.same_keys_as->authority_key_pem_
                                              : new_key().to_pem()),
      export_public_(EcdsaP256PrivateKey::from_pem(export_key_pem_)->public_key()) {
  if (config_.directory.empty()) {
    temp_ = std::make_unique<TempDir>();
    dir_ = temp_->path();
  } else {
    dir_ = config_.directory;
  }
  start();
}

TestServer::~TestServer() { stop(); }

void TestServer::stop() {
  if (server_) server_->stop();
  server_.reset();
}

void TestServer::restart() {
  stop();
  start();
}

void TestServer::start() {
  ServerOptions options;
  options.database_path =
      config_.database.empty() ? dir_ / "server.db" : std::filesystem::path(config_.database);
  options.export_directory = dir_ / "site";
  options.http.io_threads = 2;
  options.http.worker_threads = 16;
  options.http.max_body_bytes = config_.max_body_bytes;
  options.exports.build.min_keys = config_.min_keys;
  options.exports.build.padding_range = config_.padding_range;
  options.exports.build.max_keys_per_file = config_.max_keys_per_file;
  options.exports.build.region = "GL";
  options.exports.time_granularity_seconds = config_.granularity;
  options.publish.arrival_granularity_seconds = config_.granularity;
  options.retention_period_seconds = 0;
  if (config_.adjust) config_.adjust(options);
  ServerKeys keys{{wire::ExportSigner{{"v1", "test", wire::kEcdsaP256Sha256Oid},
                                      *EcdsaP256PrivateKey::from_pem(export_key_pem_)}},
                  *EcdsaP256PrivateKey::from_pem(authority_key_pem_),
                  {kHaKey},
                  {kAdminKey}};
  ServerEnvironment env;
  env.clock = clock_;
  env.log_sink = [this](std::string_view line) {
    std::lock_guard lock(log_mutex_);
    log_lines_.emplace_back(line);
  };
  auto created = Server::create(std::move(options), std::move(keys), std::move(env));
  REQUIRE(created.has_value());
  server_ = std::move(*created);
  if (config_.before_start) config_.before_start(*server_);
  auto port = server_->start();
  REQUIRE(port.has_value());
  port_ = *port;
}

std::vector<std::string> TestServer::log_lines() const {
  std::lock_guard lock(log_mutex_);
  return log_lines_;
}

HttpClient TestServer::client() const {
  HttpClientOptions o;
  o.port = port_;
  o.tls = !tls_ca_.empty();
  o.ca_file = tls_ca_;
  return HttpClient(o);
}

std::string TestServer::digest() {
  auto d = server_->context().store.content_digest();
  REQUIRE(d.has_value());
  return *d;
}

std::string TestServer::issue_code(const std::string& kind, const std::string& report_type) {
  HttpClient c = client();
  auto r = c.post_json("/v1/codes",
                       json::serialize(json::object{{"kind", kind}, {"report_type", report_type}}),
                       kHaKey);
  REQUIRE(r.has_value());
  REQUIRE(r->status == 200);
  return std::string(parse_object(r->body).at("code").as_string());
}

ClientResponse TestServer::verify(HttpClient& c, const std::string& code, bool chaff) {
  auto r =
      c.post_json("/v1/verify", json::serialize(json::object{{"code", code}, {"chaff", chaff}}));
  REQUIRE(r.has_value());
  return *r;
}

ClientResponse TestServer::certificate(HttpClient& c, const std::string& token,
                                       const Sha256Digest& tekmac, bool chaff) {
  auto r = c.post_json("/v1/certificate",
                       json::serialize(json::object{
                           {"token", token}, {"tekmac", base64_encode(tekmac)}, {"chaff", chaff}}));
  REQUIRE(r.has_value());
  return *r;
}

ClientResponse TestServer::publish(HttpClient& c, const std::vector<TemporaryExposureKey>& keys,
                                   const std::string& certificate, ByteSpan hmac_key, bool chaff,
                                   const json::object& extra) {
  json::array list;
  for (const auto& k : keys) {
    list.push_back(
        json::object{{"key", base64_encode(k.key_data.span())},
                     {"rolling_start_interval_number", k.rolling_start_interval_number.value},
                     {"rolling_period", k.rolling_period},
                     {"transmission_risk_level", k.transmission_risk_level}});
  }
  json::object body{{"keys", std::move(list)},
                    {"certificate", certificate},
                    {"hmac_key", base64_encode(hmac_key)},
                    {"chaff", chaff}};
  for (const auto& m : extra) body[m.key()] = m.value();
  auto r = c.post_json("/v1/publish", json::serialize(body));
  REQUIRE(r.has_value());
  return *r;
}

std::pair<std::string, Bytes> TestServer::authorise(HttpClient& c,
                                                    const std::vector<TemporaryExposureKey>& keys) {
  const std::string code = issue_code();
  auto v = verify(c, code);
  REQUIRE(v.status == 200);
  const std::string token(parse_object(v.body).at("token").as_string());
  Bytes hmac_key = random_bytes(32);
  auto cert = certificate(c, token, wire::compute_tekmac(hmac_key, keys));
  REQUIRE(cert.status == 200);
  return {std::string(parse_object(cert.body).at("certificate").as_string()), hmac_key};
}

ClientResponse TestServer::upload(HttpClient& c, const std::vector<TemporaryExposureKey>& keys) {
  auto [cert, hmac_key] = authorise(c, keys);
  return publish(c, keys, cert, hmac_key);
}

TemporaryExposureKey make_key(std::uint32_t rolling_start, std::uint32_t rolling_period,
                              std::int32_t transmission_risk) {
  TemporaryExposureKey k;
  system_random().fill(k.key_data.mutable_span());
  k.rolling_start_interval_number = {rolling_start};
  k.rolling_period = rolling_period;
  k.transmission_risk_level = transmission_risk;
  return k;
}

std::vector<TemporaryExposureKey> make_keys(std::size_t n, std::int64_t now,
                                            std::int32_t transmission_risk) {
  std::vector<TemporaryExposureKey> keys;
  const std::uint32_t today = day_start(interval_from_unix_seconds(now)).value;
  for (std::size_t i = 0; i < n; ++i) {
    keys.push_back(make_key(today - static_cast<std::uint32_t>(i + 1) * kTekRollingPeriod,
                            kTekRollingPeriod, transmission_risk));
  }
  return keys;
}

json::object parse_object(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  INFO(body);
  REQUIRE(!ec);
  REQUIRE(v.is_object());
  return v.as_object();
}

Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  system_random().fill(b);
  return b;
}

NoteSigner seeded_note_signer(const std::string& origin, std::uint64_t seed) {
  SeededRandom rng(seed);
  auto key = Ed25519PrivateKey::from_seed(rng.bytes<32>());
  REQUIRE(key);
  auto signer = NoteSigner::create(origin, *key);
  REQUIRE(signer);
  return *signer;
}

}  // namespace greenlight::server::testing

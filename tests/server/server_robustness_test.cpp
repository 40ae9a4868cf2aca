// Robustness of greenlight/server/server.h: graceful stop and SIGKILL during bursts of
// uploads (reference/security.md A28), TLS, and the `greenlight server` command.
#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "greenlight/server/server.h"
#include "greenlight/server/sqlite_store.h"
#include "greenlight/wire/upload_auth.h"
#include "test_server.h"

namespace greenlight::server::testing {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

struct Acknowledged {
  std::mutex mutex;
  std::vector<std::string> keys;  // hex of every key in an upload that got 200
  std::atomic<int> uploads{0};
};

// Runs full flows against port until stop is set; records acknowledged keys.
void upload_burst(std::uint16_t port, std::int64_t now, std::atomic<bool>& stop,
                  Acknowledged& acked, const std::string& ha_key) {
  HttpClientOptions o;
  o.port = port;
  o.timeout = std::chrono::milliseconds(5000);
  HttpClient c(o);
  while (!stop) {
    const auto keys = make_keys(2, now);
    auto code = c.post_json("/v1/codes", R"({"kind":"long"})", ha_key);
    if (!code || code->status != 200) break;
    boost::system::error_code ec;
    auto code_v = json::parse(code->body, ec);
    auto v = c.post_json("/v1/verify", json::serialize(json::object{{"code", code_v.at("code")}}));
    if (!v || v->status != 200) break;
    const Bytes hmac_key = random_bytes(32);
    auto token = json::parse(v->body, ec).at("token");
    auto cert = c.post_json(
        "/v1/certificate",
        json::serialize(json::object{
            {"token", token}, {"tekmac", base64_encode(wire::compute_tekmac(hmac_key, keys))}}));
    if (!cert || cert->status != 200) break;
    json::array list;
    for (const auto& k : keys) {
      list.push_back(
          json::object{{"key", base64_encode(k.key_data.span())},
                       {"rolling_start_interval_number", k.rolling_start_interval_number.value},
                       {"rolling_period", k.rolling_period},
                       {"transmission_risk_level", k.transmission_risk_level}});
    }
    auto pub = c.post_json(
        "/v1/publish",
        json::serialize(json::object{{"keys", list},
                                     {"certificate", json::parse(cert->body, ec).at("certificate")},
                                     {"hmac_key", base64_encode(hmac_key)}}));
    if (!pub || pub->status != 200) break;
    std::lock_guard lock(acked.mutex);
    for (const auto& k : keys) acked.keys.push_back(to_hex(k.key_data.span()));
    ++acked.uploads;
  }
}

std::set<std::string> stored_keys(const fs::path& db) {
  ManualClock clock(kT0);
  auto store = open_sqlite_store({db.string()}, clock, system_random());
  REQUIRE(store.has_value());
  std::string integrity;
  REQUIRE((*store)->read([&](StoreTransaction& tx) -> Status {
    auto rows = tx.query("PRAGMA integrity_check");
    GL_RETURN_IF_ERROR(rows);
    integrity = std::get<std::string>(rows->at(0).at(0));
    return ok();
  }));
  CHECK(integrity == "ok");
  auto keys = (*store)->keys_available(0, INT64_MAX);
  REQUIRE(keys.has_value());
  std::set<std::string> out;
  for (const auto& k : *keys) out.insert(to_hex(k.key.key_data.span()));
  return out;
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// A self-signed certificate for 127.0.0.1 made with OpenSSL (test-only PKI).
void make_self_signed(const EcdsaP256PrivateKey& key, const fs::path& cert_path,
                      const fs::path& key_path) {
  const std::string pem = key.to_pem();
  write_text(key_path, pem);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  REQUIRE(pkey != nullptr);
  std::unique_ptr<X509, decltype(&X509_free)> x509(X509_new(), X509_free);
  X509_set_version(x509.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x509.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(x509.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x509.get()), 3600);
  X509_set_pubkey(x509.get(), pkey.get());
  X509_NAME* name = X509_get_subject_name(x509.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(x509.get(), name);
  for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                                   std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x509.get(), x509.get(), nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    REQUIRE(ext != nullptr);
    X509_add_ext(x509.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  REQUIRE(X509_sign(x509.get(), pkey.get(), EVP_sha256()) > 0);
  FILE* f = std::fopen(cert_path.c_str(), "wb");
  REQUIRE(f != nullptr);
  PEM_write_X509(f, x509.get());
  std::fclose(f);
}

}  // namespace

TEST_CASE("stop() during a burst of uploads loses no acknowledged upload", "[server][robustness]") {
  TempDir dir;
  TestServer ts({.directory = dir.path()});
  std::atomic<bool> stop{false};
  Acknowledged acked;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] { upload_burst(ts.port(), kT0, stop, acked, kHaKey); });
  }
  while (acked.uploads < 40) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ts.stop();
  stop = true;
  for (auto& t : threads) t.join();
  const auto stored = stored_keys(dir.path() / "server.db");
  std::lock_guard lock(acked.mutex);
  REQUIRE(acked.keys.size() >= 80);
  for (const auto& k : acked.keys) CHECK(stored.count(k) == 1);
}

TEST_CASE("SIGKILL during a burst of uploads loses no acknowledged upload",
          "[server][robustness][A28]") {
  TempDir dir;
  const std::string export_pem = EcdsaP256PrivateKey::generate()->to_pem();
  const std::string authority_pem = EcdsaP256PrivateKey::generate()->to_pem();
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Child: a real server in its own process; reports its port, then serves until killed.
    ::close(pipe_fds[0]);
    try {
      ServerOptions options;
      options.database_path = dir.path() / "server.db";
      options.export_directory = dir.path() / "site";
      options.retention_period_seconds = 0;
      ServerKeys keys{{wire::ExportSigner{{"v1", "test", wire::kEcdsaP256Sha256Oid},
                                          *EcdsaP256PrivateKey::from_pem(export_pem)}},
                      *EcdsaP256PrivateKey::from_pem(authority_pem),
                      {kHaKey},
                      {}};
      ServerEnvironment env;
      env.clock = std::make_shared<ManualClock>(kT0);
      env.log_sink = [](std::string_view) {};
      auto server = Server::create(std::move(options), std::move(keys), std::move(env));
      if (!server) ::_exit(2);
      auto port = (*server)->start();
      if (!port) ::_exit(3);
      const std::uint16_t p = *port;
      if (::write(pipe_fds[1], &p, sizeof(p)) != sizeof(p)) ::_exit(4);
      for (;;) ::pause();
    } catch (...) {
      ::_exit(5);
    }
  }
  ::close(pipe_fds[1]);
  std::uint16_t port = 0;
  REQUIRE(::read(pipe_fds[0], &port, sizeof(port)) == sizeof(port));
  ::close(pipe_fds[0]);

  std::atomic<bool> stop{false};
  Acknowledged acked;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] { upload_burst(port, kT0, stop, acked, kHaKey); });
  }
  while (acked.uploads < 60) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  REQUIRE(::kill(child, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  stop = true;
  for (auto& t : threads) t.join();

  const auto stored = stored_keys(dir.path() / "server.db");
  std::lock_guard lock(acked.mutex);
  REQUIRE(acked.keys.size() >= 120);
  for (const auto& k : acked.keys) CHECK(stored.count(k) == 1);

  // A restarted server works on the same database.
  TestServer again({.directory = dir.path()});
  HttpClient c = again.client();
  CHECK(again.upload(c, make_keys(1, kT0)).status == 200);
}

TEST_CASE("HTTPS with a self-signed certificate", "[server][tls]") {
  TempDir certs;
  make_self_signed(*EcdsaP256PrivateKey::generate(), certs.path() / "cert.pem",
                   certs.path() / "key.pem");
  TestServer ts({.adjust = [&](ServerOptions& o) {
    o.http.tls = TlsOptions{certs.path() / "cert.pem", certs.path() / "key.pem"};
  }});
  HttpClientOptions o;
  o.port = ts.port();
  o.tls = true;
  o.ca_file = certs.path() / "cert.pem";
  HttpClient c(o);
  auto h = c.get("/healthz");
  REQUIRE(h.has_value());
  CHECK(h->status == 200);
  ts.use_tls(certs.path() / "cert.pem");
  CHECK(ts.upload(c, make_keys(2, kT0)).status == 200);

  // Plain HTTP to the TLS port does not get an answer; an untrusting client fails.
  HttpClientOptions plain_options;
  plain_options.port = ts.port();
  HttpClient plain(plain_options);
  auto p = plain.get("/healthz");
  CHECK((!p.has_value() || p->status != 200));
  TempDir other;
  make_self_signed(*EcdsaP256PrivateKey::generate(), other.path() / "cert.pem",
                   other.path() / "key.pem");
  o.ca_file = other.path() / "cert.pem";
  HttpClient untrusting(o);
  CHECK(!untrusting.get("/healthz").has_value());
}

TEST_CASE("greenlight server run: prints its port, serves, exits 0 on SIGTERM", "[server][cli]") {
  const fs::path binary = fs::path(GREENLIGHT_BINARY_DIR) / "tools" / "greenlight";
  if (!fs::exists(binary)) {
    WARN("greenlight binary not built: " << binary);
    return;
  }
  TempDir dir;
  write_text(dir.path() / "export.pem", EcdsaP256PrivateKey::generate()->to_pem());
  write_text(dir.path() / "authority.pem", EcdsaP256PrivateKey::generate()->to_pem());
  write_text(dir.path() / "ha.key", std::string("# health authority\n") + kHaKey + "\n");
  int out[2];
  REQUIRE(::pipe(out) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    const std::string db = (dir.path() / "server.db").string();
    const std::string site = (dir.path() / "site").string();
    const std::string ek = (dir.path() / "export.pem").string();
    const std::string ak = (dir.path() / "authority.pem").string();
    const std::string ha = (dir.path() / "ha.key").string();
    ::execl(binary.c_str(), "greenlight", "server", "run", "--db", db.c_str(), "--export-dir",
            site.c_str(), "--signing-key", ek.c_str(), "--authority-key", ak.c_str(),
            "--ha-api-key-file", ha.c_str(), "--listen", "127.0.0.1:0", "--export-period", "0",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  char ch = 0;
  while (::read(out[0], &ch, 1) == 1 && ch != '\n') line += ch;
  ::close(out[0]);
  REQUIRE(line.starts_with("listening on 127.0.0.1:"));
  const auto port = static_cast<std::uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
  HttpClientOptions o;
  o.port = port;
  HttpClient c(o);
  auto h = c.get("/healthz");
  REQUIRE(h.has_value());
  CHECK(h->status == 200);
  auto code = c.post_json("/v1/codes", "{}", kHaKey);
  REQUIRE(code.has_value());
  CHECK(code->status == 200);
  REQUIRE(::kill(child, SIGTERM) == 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace greenlight::server::testing

// Test fixture: a real server on 127.0.0.1:0 with a manual clock, fresh keys and a temp
// directory, plus helpers for the code -> token -> certificate -> publish flow over HTTP.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/signed_note.h"
#include "greenlight/server/http_client.h"
#include "greenlight/server/server.h"

namespace greenlight::server::testing {

inline constexpr std::int64_t kT0 = 1764000000;  // 2025-11-24 16:00:00 UTC, a whole hour
inline constexpr char kHaKey[] = "health-authority-test-key-0001";
inline constexpr char kAdminKey[] = "admin-test-key-000000000000001";

// A fresh temporary directory, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct TestServerConfig {
  std::size_t min_keys = 0;
  std::size_t padding_range = 0;
  std::size_t max_keys_per_file = 30000;
  std::size_t max_body_bytes = 64 * 1024;
  std::int64_t granularity = 3600;
  bool tls = false;
  std::filesystem::path directory{};  // reuse (restart); empty = a new temp dir
  std::string database{};  // empty: SQLite in the directory; else e.g. a PostgreSQL conninfo
  // Another instance of the same service: same export and authority keys.
  const class TestServer* same_keys_as = nullptr;
  std::function<void(ServerOptions&)> adjust{};
  std::function<void(Server&)> before_start{};  // e.g. add_module
};

class TestServer {
 public:
  explicit TestServer(TestServerConfig config = {});
  ~TestServer();

  Server& server() { return *server_; }
  ManualClock& clock() { return *clock_; }
  std::uint16_t port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }
  const EcdsaP256PublicKey& export_public_key() const { return export_public_; }
  std::vector<std::string> log_lines() const;
  HttpClient client() const;
  // Clients made by client() (and the flow helpers) use TLS trusting this certificate.
  void use_tls(std::filesystem::path ca_file) { tls_ca_ = std::move(ca_file); }
  void restart();
  void stop();

  // Flow steps over HTTP; each returns the parsed response and its status.
  std::string issue_code(const std::string& kind = "long",
                         const std::string& report_type = "confirmed");
  ClientResponse verify(HttpClient& c, const std::string& code, bool chaff = false);
  ClientResponse certificate(HttpClient& c, const std::string& token, const Sha256Digest& tekmac,
                             bool chaff = false);
  ClientResponse publish(HttpClient& c, const std::vector<TemporaryExposureKey>& keys,
                         const std::string& certificate, ByteSpan hmac_key, bool chaff = false,
                         const boost::json::object& extra = {});
  // code -> token -> certificate for these keys; returns the certificate and the hmac key.
  std::pair<std::string, Bytes> authorise(HttpClient& c,
                                          const std::vector<TemporaryExposureKey>& keys);
  // The whole flow; returns the publish response.
  ClientResponse upload(HttpClient& c, const std::vector<TemporaryExposureKey>& keys);

  std::string digest();

 private:
  void start();

  TestServerConfig config_;
  std::unique_ptr<TempDir> temp_;
  std::filesystem::path dir_;
  std::shared_ptr<ManualClock> clock_;
  std::string export_key_pem_;
  std::string authority_key_pem_;
  EcdsaP256PublicKey export_public_;
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  std::filesystem::path tls_ca_;
  mutable std::mutex log_mutex_;
  std::vector<std::string> log_lines_;
};

// n non-overlapping daily keys that ended before now (newest first), random key bytes.
std::vector<TemporaryExposureKey> make_keys(std::size_t n, std::int64_t now,
                                            std::int32_t transmission_risk = 1);
TemporaryExposureKey make_key(std::uint32_t rolling_start, std::uint32_t rolling_period = 144,
                              std::int32_t transmission_risk = 1);
boost::json::object parse_object(const std::string& body);
Bytes random_bytes(std::size_t n);
// A transparency-log signer for origin whose Ed25519 key comes from a seeded generator: the
// same seed gives the same key (fails the test if it cannot be made).
NoteSigner seeded_note_signer(const std::string& origin, std::uint64_t seed);

}  // namespace greenlight::server::testing

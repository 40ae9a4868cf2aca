// Shared pieces of the upload suite: a world of a real server on loopback and phones on one
// clock, and transports that record, drop or refuse requests (fault injection).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "greenlight/client/client.h"
#include "greenlight/client/clock.h"
#include "greenlight/client/http_fetcher.h"
#include "greenlight/crypto/random.h"
#include "test_server.h"

namespace greenlight::upload_test {

constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kYesterday =
    server::testing::kT0 - 16 * kHour - 24 * kHour;  // 2025-11-23 00:00 UTC

std::string base_url(std::uint16_t port);

// A test server with the venue module, as deployed: uploads carry venue reports.
// The health authority's venue-warning key of the test servers (phones pin its public half).
const EcdsaP256PrivateKey& venue_authority_key();
server::testing::TestServerConfig server_with_venues();

struct Sent {
  std::string method;
  std::string path;  // the URL without the base
  std::size_t body_bytes = 0;
  friend bool operator==(const Sent&, const Sent&) = default;
};

// Forwards to the built-in client and records every request. fail_before = n: the n-th
// request (1-based) never leaves (a network error); drop_response_of = n: the n-th request
// reaches the server but its answer is lost.
class RecordingTransport final : public client::HttpTransport {
 public:
  explicit RecordingTransport(std::string base) : base_(std::move(base)) {}
  Result<client::TransportResponse> send(const client::TransportRequest& request) override;

  std::vector<Sent> sent;
  std::size_t fail_before = 0;
  std::size_t drop_response_of = 0;

 private:
  std::string base_;
  client::BeastHttpFetcher inner_;
};

struct Phone {
  Phone(std::filesystem::path db, const client::Clock& clock, const EcdsaP256PublicKey& export_key,
        std::uint64_t seed);
  void reopen();  // a crash: the Client goes, the database stays
  client::Colour colour();

  std::filesystem::path path;
  const client::Clock& clock;
  SeededRandom rng;
  client::ClientConfig config;
  std::unique_ptr<client::Client> client;
};

struct World {
  World();
  void set_time(std::int64_t t);
  std::unique_ptr<Phone> phone(const std::string& name, std::uint64_t seed);
  // Yesterday 10:00-10:30 `me` hears `positive` (six scans at -65 dBm).
  void meet(Phone& me, Phone& positive);
  // One hour later, the export run; returns the real keys it published.
  std::size_t export_real_keys();
  std::string url() const { return base_url(server.port()); }

  server::testing::TempDir phone_dir;
  server::testing::TestServer server{server_with_venues()};
  client::ManualClock clock{kYesterday};
};

}  // namespace greenlight::upload_test

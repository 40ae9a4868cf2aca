// End to end over loopback: venue-warning batches and the transparency log. A phone that
// requires the log (ClientConfig::log) uses a venue-warning batch through
// VenueCheckins::sync only if a verified leaf commits to it (client/venue_checkins.h); a
// batch published while the server's log module was off is refused with evidence.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "greenlight/client/client.h"
#include "greenlight/client/clock.h"
#include "greenlight/client/http_fetcher.h"
#include "greenlight/client/log_monitor.h"
#include "greenlight/client/venue_checkins.h"
#include "greenlight/client/venue_upload.h"
#include "greenlight/crypto/ed25519.h"
#include "greenlight/crypto/random.h"
#include "greenlight/crypto/signed_note.h"
#include "greenlight/server/transparency_log.h"
#include "greenlight/server/venue_warnings.h"
#include "greenlight/wire/venue.h"
#include "greenlight/wire/venue_warning.h"
#include "test_server.h"
#include "venue_test_support.h"

namespace greenlight {
namespace {

namespace json = boost::json;
using server::testing::kHaKey;
using server::testing::kT0;  // 2025-11-24 16:00:00 UTC
using server::testing::TempDir;
using server::testing::TestServer;
using server::testing::TestServerConfig;

constexpr char kOrigin[] = "greenlight.test/venue-log";
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = kT0 - 16 * kHour;  // 2025-11-24 00:00:00 UTC

NoteSigner log_signer() {
  SeededRandom rng(4711);
  auto key = Ed25519PrivateKey::from_seed(rng.bytes<32>());
  REQUIRE(key);
  auto signer = NoteSigner::create(kOrigin, *key);
  REQUIRE(signer);
  return *signer;
}

EcdsaP256PrivateKey new_authority_key() {
  auto k = EcdsaP256PrivateKey::generate();
  REQUIRE(k);
  return std::move(*k);
}

struct World {
  World() : log(open_log()), server(server_config()) {}

  std::shared_ptr<server::TransparencyLog> open_log() {
    auto opened = server::TransparencyLog::open(log_dir.path() / "log.db", kOrigin, log_signer());
    if (!opened) FAIL("open log: " << opened.error().message);
    return std::shared_ptr<server::TransparencyLog>(std::move(*opened));
  }

  TestServerConfig server_config() {
    TestServerConfig c;
    c.before_start = [this](server::Server& s) {
      if (log_attached) REQUIRE(s.add_module(server::make_transparency_log_module(log)));
      server::VenueWarningConfig venue_config;
      venue_config.authority_key = venue_authority;
      venues = std::make_shared<server::VenueWarningModule>(venue_config);
      REQUIRE(s.add_module(venues));
    };
    return c;
  }

  void set_time(std::int64_t t) {
    clock.set(t);
    server.clock().set(t);
  }

  // The venue host warns every guest of [start, end): code -> token -> certificate -> post.
  void host_warning(const test::OwnedVenue& owned, std::int64_t start, std::int64_t end) {
    const wire::ScannedVenue& venue = owned.venue;
    auto reports =
        client::host_warnings(venue.location_id, owned.owner(), start, end, clock.now(), 8, rng);
    REQUIRE(reports);
    Bytes host_key(32);
    rng.fill(host_key);
    auto c = server.client();
    auto code =
        c.post_json("/v1/codes",
                    json::serialize(json::object{
                        {"kind", "long"}, {"report_type", "confirmed"}, {"purpose", "venue_host"}}),
                    kHaKey);
    REQUIRE(code);
    REQUIRE(code->status == 200);
    auto v = server.verify(
        c, std::string(server::testing::parse_object(code->body).at("code").as_string()));
    REQUIRE(v.status == 200);
    auto cert = server.certificate(
        c, std::string(server::testing::parse_object(v.body).at("token").as_string()),
        wire::venue_host_mac(host_key, venue.location_tag));
    REQUIRE(cert.status == 200);
    json::array sealed;
    for (const auto& r : *reports) sealed.push_back(json::string(wire::venue_warning_to_base64(r)));
    auto posted =
        c.post_json("/v1/venue-warning",
                    json::serialize(json::object{
                        {"certificate", server::testing::parse_object(cert.body).at("certificate")},
                        {"hmac_key", base64_encode(host_key)},
                        {"venue_warnings", sealed}}));
    REQUIRE(posted);
    INFO(posted->body);
    REQUIRE(posted->status == 200);
  }

  std::string publish_venue_batch() {
    auto files = venues->publish_now();
    REQUIRE(files);
    REQUIRE(files->has_value());
    REQUIRE((*files)->size() == 1);
    return (**files)[0].path;
  }

  TempDir log_dir;
  TempDir phone_dir;
  bool log_attached = true;
  std::shared_ptr<server::TransparencyLog> log;
  std::shared_ptr<server::VenueWarningModule> venues;
  EcdsaP256PrivateKey venue_authority = new_authority_key();
  TestServer server;
  client::ManualClock clock{kDay};
  SeededRandom rng{99};
};

struct Guest {
  Guest(World& w, std::uint64_t seed) : rng(seed) {
    client::ClientConfig config;
    config.trusted_keys.push_back(
        wire::TrustedSigningKey{"test", "v1", w.server.export_public_key()});
    config.log =
        client::LogMonitorConfig{CheckpointPolicy{kOrigin, log_signer().verifier(), {}, 0}};
    auto c = client::Client::open(
        (w.phone_dir.path() / ("guest" + std::to_string(seed) + ".db")).string(), config, w.clock,
        rng);
    REQUIRE(c);
    client = std::move(*c);
    ByteArray<32> key{};
    rng.fill(key);
    auto v = client::VenueCheckins::open(*client, client::CheckinStoreKey(key), rng);
    REQUIRE(v);
    venues = std::move(*v);
    venues->pin_authority_key(w.venue_authority.public_key());
  }

  client::VenueSyncReport sync(std::uint16_t port) {
    client::BeastHttpFetcher fetcher;
    auto report = venues->sync(fetcher, "http://127.0.0.1:" + std::to_string(port));
    REQUIRE(report);
    return *report;
  }

  client::Colour colour() {
    auto c = venues->colour();
    REQUIRE(c);
    return c->colour;
  }

  SeededRandom rng;
  std::unique_ptr<client::Client> client;
  std::unique_ptr<client::VenueCheckins> venues;
};

TEST_CASE("venue warnings: a logged batch is used, an unlogged one is refused with evidence",
          "[log][venue][e2e]") {
  World w;
  const test::OwnedVenue owned = test::make_owned_venue("Log Cafe", w.rng);
  const wire::ScannedVenue& venue = owned.venue;
  Guest guest(w, 1);
  w.set_time(kDay + 10 * kHour);
  REQUIRE(guest.venues->store().check_in(venue));  // 10:00-11:00 (default 60 minutes)
  w.set_time(kT0);

  SECTION("logged: the guest turns YELLOW") {
    w.host_warning(owned, kDay + 9 * kHour, kDay + 12 * kHour);
    const std::string path = w.publish_venue_batch();
    // The owner policy (VENUE_OWNER_POLICY, first publication run) and the batch.
    REQUIRE(w.log->published_size() == 2);
    const client::VenueSyncReport report = guest.sync(w.server.port());
    INFO((report.errors.empty() ? std::string() : report.errors.front()));
    CHECK(report.batches_processed == 1);
    CHECK(report.batches_unlogged == 0);
    CHECK(report.batches_failed == 0);
    CHECK(report.log_error.empty());
    CHECK(guest.colour() == client::Colour::kYellow);
    REQUIRE(guest.client->log_monitor() != nullptr);
    CHECK(guest.client->log_monitor()->size() == 2);
    CHECK(guest.client->log_monitor()->evidence().empty());
  }
  SECTION("published behind the log's back: refused, the guest stays GREEN") {
    w.log_attached = false;
    w.server.restart();
    w.host_warning(owned, kDay + 9 * kHour, kDay + 12 * kHour);
    w.publish_venue_batch();
    w.log_attached = true;
    w.server.restart();
    REQUIRE(w.log->published_size() == 0);
    const client::VenueSyncReport report = guest.sync(w.server.port());
    CHECK(report.batches_processed == 0);
    CHECK(report.batches_unlogged == 1);
    CHECK(report.batches_failed == 1);
    CHECK(report.new_matches == 0);
    CHECK(guest.colour() == client::Colour::kGreen);
    const client::LogMonitor* monitor = guest.client->log_monitor();
    REQUIRE(monitor != nullptr);
    REQUIRE(monitor->evidence().size() == 1);
    CHECK(monitor->evidence()[0].kind == client::EvidenceKind::kUnloggedContent);
  }
}

}  // namespace
}  // namespace greenlight

// End to end over loopback: the server's transparency log (server/transparency_log.h,
// make_transparency_log_module) and phones whose Client::sync verifies the log before it
// matches (client/client.h, ClientConfig::log). Covers: an honest server (the export is
// logged, verified and matched), an export served behind the log's back (refused, colour
// unchanged, evidence kept and persisted), and a split view (phone A is shown a branch with
// a leaf targeted at it; A detects it when it compares with phone B's checkpoint).
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "greenlight/client/client.h"
#include "greenlight/client/clock.h"
#include "greenlight/client/http_fetcher.h"
#include "greenlight/client/log_monitor.h"
#include "greenlight/crypto/ed25519.h"
#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/log_leaf.h"
#include "greenlight/crypto/random.h"
#include "greenlight/crypto/signed_note.h"
#include "greenlight/server/transparency_log.h"
#include "test_server.h"

namespace greenlight {
namespace {

using server::TransparencyLog;
using server::testing::kT0;  // 2025-11-24 16:00:00 UTC
using server::testing::TempDir;
using server::testing::TestServer;
using server::testing::TestServerConfig;

constexpr char kOrigin[] = "greenlight.test/log";
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kYesterday = kT0 - 16 * kHour - 24 * kHour;  // 2025-11-23 00:00 UTC

// The log's signer; the same seed gives the same key (a forked log signs with the real key).
NoteSigner log_signer() {
  SeededRandom rng(2026);
  auto key = Ed25519PrivateKey::from_seed(rng.bytes<32>());
  REQUIRE(key);
  auto signer = NoteSigner::create(kOrigin, *key);
  REQUIRE(signer);
  return *signer;
}

std::shared_ptr<TransparencyLog> open_log(const std::filesystem::path& db) {
  auto log = TransparencyLog::open(db, kOrigin, log_signer());
  if (!log) FAIL("open log: " << log.error().message);
  return std::shared_ptr<TransparencyLog>(std::move(*log));
}

std::string base_url(std::uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); }

struct Phone {
  Phone(const std::filesystem::path& db, const client::Clock& clock,
        const EcdsaP256PublicKey& export_key, bool with_log, std::uint64_t seed)
      : path(db.string()), rng(seed) {
    config.trusted_keys.push_back(wire::TrustedSigningKey{"test", "v1", export_key});
    if (with_log) {
      config.log =
          client::LogMonitorConfig{CheckpointPolicy{kOrigin, log_signer().verifier(), {}, 0}};
    }
    open(clock);
  }

  void open(const client::Clock& clock) {
    client.reset();
    auto c = client::Client::open(path, config, clock, rng);
    if (!c) FAIL("open client: " << c.error().message);
    client = std::move(*c);
  }

  client::SyncReport sync(std::uint16_t port) {
    client::BeastHttpFetcher fetcher;
    auto report = client->sync(fetcher, base_url(port));
    if (!report) FAIL("sync: " << report.error().message);
    return *report;
  }

  Result<client::LogSyncReport> sync_log(std::uint16_t port) {
    client::BeastHttpFetcher fetcher;
    return client->sync_log(fetcher, base_url(port));
  }

  client::Colour colour() {
    auto decision = client->colour();
    REQUIRE(decision);
    return decision->colour;
  }

  const client::LogMonitor& log() const {
    REQUIRE(client->log_monitor() != nullptr);
    return *client->log_monitor();
  }

  std::string path;
  SeededRandom rng;
  client::ClientConfig config;
  std::unique_ptr<client::Client> client;
};

// A server whose log module can be switched off (to publish behind the log's back) and two
// phones sharing one clock with the server.
struct World {
  World() : log(open_log(log_dir.path() / "log.db")), server(server_config()) {}

  TestServerConfig server_config() {
    TestServerConfig c;
    c.before_start = [this](server::Server& s) {
      if (log_attached) REQUIRE(s.add_module(server::make_transparency_log_module(log)));
    };
    return c;
  }

  void set_time(std::int64_t t) {
    clock.set(t);
    server.clock().set(t);
  }

  std::unique_ptr<Phone> phone(const std::string& name, bool with_log, std::uint64_t seed) {
    return std::make_unique<Phone>(phone_dir.path() / (name + ".db"), clock,
                                   server.export_public_key(), with_log, seed);
  }

  // Yesterday 10:00-10:30 `me` hears `positive` (six scans at -65 dBm).
  void meet(Phone& me, Phone& positive) {
    set_time(kYesterday + 10 * kHour);
    for (int scan = 0; scan < 6; ++scan) {
      auto ad = positive.client->advertisement();
      REQUIRE(ad);
      REQUIRE(me.client->record_observation(client::Observation{ad->rpi, ad->aem, -65}));
      clock.advance(300);
      server.clock().advance(300);
    }
  }

  // Uploads keys at the current time, one hour later publishes the export; returns its path.
  std::string upload_and_export(const std::vector<TemporaryExposureKey>& keys) {
    auto c = server.client();
    REQUIRE(server.upload(c, keys).status == 200);
    set_time(clock.now() + kHour);
    auto run = server.server().export_now();
    REQUIRE(run);
    REQUIRE(run->has_value());
    REQUIRE((*run)->files.size() == 1);
    return (*run)->files[0].path;
  }

  Sha256Digest served_sha256(const std::string& path) {
    client::BeastHttpFetcher fetcher;
    auto zip = fetcher.get(base_url(server.port()) + "/" + path);
    REQUIRE(zip);
    return sha256(*zip);
  }

  TempDir log_dir;
  TempDir phone_dir;
  bool log_attached = true;
  std::shared_ptr<TransparencyLog> log;
  TestServer server;
  client::ManualClock clock{kYesterday};
};

TEST_CASE("honest server: the export is logged, the log verifies, the phone matches",
          "[log][e2e]") {
  World w;
  auto me = w.phone("me", true, 1);
  auto positive = w.phone("positive", false, 2);
  w.meet(*me, *positive);

  w.set_time(kT0);
  auto keys = positive->client->keys_for_upload();
  REQUIRE(keys);
  REQUIRE(keys->size() == 1);
  const std::string path = w.upload_and_export(*keys);
  REQUIRE(w.log->published_size() == 1);

  const client::SyncReport report = me->sync(w.server.port());
  INFO((report.errors.empty() ? std::string() : report.errors.front()));
  CHECK(report.log_required);
  CHECK(report.log_verified);
  CHECK(report.log_error.empty());
  CHECK(report.log_size == 1);
  CHECK(report.exports_processed == 1);
  CHECK(report.exports_unlogged == 0);
  CHECK(report.exports_failed == 0);
  CHECK(report.keys_matched == 1);
  CHECK(report.new_evidence == 0);
  CHECK(me->colour() != client::Colour::kGreen);
  CHECK(me->log().evidence().empty());
  CHECK(me->log().size() == 1);
  const auto& covered = me->log().covered();
  REQUIRE(covered.size() == 1);
  CHECK(covered[0].sha256 == w.served_sha256(path));

  SECTION("the verified state survives a restart of the app") {
    me->open(w.clock);
    CHECK(me->log().size() == 1);
    CHECK(me->log().checkpoint_note() == w.log->latest_checkpoint().value());
    const client::SyncReport again = me->sync(w.server.port());
    CHECK(again.log_verified);
    CHECK(again.exports_processed == 0);
    CHECK(again.exports_failed == 0);
  }
  SECTION("a phone without a configured log does not touch the log") {
    auto plain = w.phone("plain", false, 3);
    const client::SyncReport r = plain->sync(w.server.port());
    CHECK_FALSE(r.log_required);
    CHECK(r.exports_processed == 1);
    CHECK(plain->client->log_monitor() == nullptr);
  }
}

TEST_CASE("an export served behind the log's back is refused and kept as evidence", "[log][e2e]") {
  World w;
  auto me = w.phone("me", true, 1);
  auto positive = w.phone("positive", false, 2);
  w.meet(*me, *positive);

  // The server publishes without the log module: the export is signed and served, but no
  // leaf commits to it.
  w.log_attached = false;
  w.server.restart();
  w.set_time(kT0);
  auto keys = positive->client->keys_for_upload();
  REQUIRE(keys);
  const std::string rogue = w.upload_and_export(*keys);
  w.log_attached = true;
  w.server.restart();
  REQUIRE(w.log->published_size() == 0);
  const Sha256Digest rogue_sha = w.served_sha256(rogue);

  const client::SyncReport report = me->sync(w.server.port());
  CHECK(report.log_required);
  CHECK(report.log_verified);
  CHECK(report.exports_processed == 0);
  CHECK(report.exports_unlogged == 1);
  CHECK(report.exports_failed == 1);
  CHECK(report.keys_matched == 0);
  CHECK(report.new_evidence == 1);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].find("not in the transparency log") != std::string::npos);
  CHECK(me->colour() == client::Colour::kGreen);
  REQUIRE(me->log().evidence().size() == 1);
  const client::Evidence& evidence = me->log().evidence()[0];
  CHECK(evidence.kind == client::EvidenceKind::kUnloggedContent);
  REQUIRE(evidence.content_sha256.has_value());
  CHECK(*evidence.content_sha256 == rogue_sha);
  CHECK(evidence.first_note == w.log->latest_checkpoint().value());

  // The evidence is persisted; the export stays refused at every later sync, while a
  // logged export published after it is used.
  me->open(w.clock);
  REQUIRE(me->log().evidence().size() == 1);
  const std::string honest = w.upload_and_export(server::testing::make_keys(2, w.clock.now()));
  REQUIRE(w.log->published_size() == 1);
  const client::SyncReport later = me->sync(w.server.port());
  CHECK(later.log_verified);
  CHECK(later.log_size == 1);
  CHECK(later.exports_processed == 1);
  CHECK(later.exports_unlogged == 1);
  CHECK(me->colour() == client::Colour::kGreen);
  const auto& covered = me->log().covered();
  REQUIRE(covered.size() == 1);
  CHECK(covered[0].sha256 == w.served_sha256(honest));

  SECTION("process_export refuses it too, without network") {
    client::BeastHttpFetcher fetcher;
    auto zip = fetcher.get(base_url(w.server.port()) + "/" + rogue);
    REQUIRE(zip);
    auto processed = me->client->process_export(*zip, rogue);
    REQUIRE_FALSE(processed);
    CHECK(processed.error().code == ErrorCode::kFailedPrecondition);
    CHECK(me->colour() == client::Colour::kGreen);
  }
}

TEST_CASE("split view: a leaf targeted at phone A is detected when A meets B's view",
          "[log][e2e]") {
  World w;
  w.set_time(kT0);
  w.upload_and_export(server::testing::make_keys(2, w.clock.now()));
  REQUIRE(w.log->published_size() == 1);

  // The attacker holds the log key and forks: the same first leaf, then a venue warning
  // only phone A is shown, served by a second server.
  TempDir fork_dir;
  std::shared_ptr<TransparencyLog> fork = open_log(fork_dir.path() / "fork.db");
  auto honest_leaves = w.log->leaves(0, 1);
  REQUIRE(honest_leaves);
  REQUIRE(fork->publish(decode_log_leaf((*honest_leaves)[0]).value()));
  REQUIRE(fork->publish(VenueWarningBatchLeaf{sha256(as_bytes(std::string("for A only"))),
                                              static_cast<std::uint64_t>(kT0),
                                              static_cast<std::uint64_t>(kT0 + kHour), 1}));
  TestServerConfig forked_config;
  forked_config.before_start = [&](server::Server& s) {
    REQUIRE(s.add_module(server::make_transparency_log_module(fork)));
  };
  TestServer forked(forked_config);

  auto a = w.phone("a", true, 1);
  auto b = w.phone("b", true, 2);
  REQUIRE(a->sync_log(forked.port()));
  REQUIRE(b->sync_log(w.server.port()));
  CHECK(a->log().size() == 2);
  CHECK(b->log().size() == 1);
  client::BeastHttpFetcher fetcher;

  // A's branch extends B's smaller tree: nothing to see yet.
  CHECK(a->client->compare_log_checkpoint(b->log().checkpoint_note(), fetcher,
                                          base_url(forked.port())));
  CHECK(a->log().evidence().empty());

  // The honest log grows to the same size with another leaf; B follows it.
  w.upload_and_export(server::testing::make_keys(1, w.clock.now()));
  REQUIRE(w.log->published_size() == 2);
  REQUIRE(b->sync_log(w.server.port()));
  REQUIRE(b->log().size() == 2);
  REQUIRE(b->log().root() != a->log().root());

  // Gossip: A checks B's checkpoint -> two signed roots for size 2, evidence.
  auto compared = a->client->compare_log_checkpoint(b->log().checkpoint_note(), fetcher,
                                                    base_url(forked.port()));
  REQUIRE_FALSE(compared);
  CHECK(compared.error().code == ErrorCode::kAuthentication);
  REQUIRE(a->log().evidence().size() == 1);
  CHECK(a->log().evidence()[0].kind == client::EvidenceKind::kSameSizeDifferentRoot);
  const std::string proof = client::format_evidence(a->log().evidence()[0]);
  CHECK(proof.find(a->log().checkpoint_note()) != std::string::npos);
  CHECK(proof.find(b->log().checkpoint_note()) != std::string::npos);
  // B detects it as well with A's checkpoint, and the evidence survives A's restart.
  CHECK_FALSE(b->client->compare_log_checkpoint(a->log().checkpoint_note(), fetcher,
                                                base_url(w.server.port())));
  CHECK(b->log().evidence().size() == 1);
  a->open(w.clock);
  CHECK(a->log().evidence().size() == 1);

  SECTION("the server moving A back to the honest branch fails A's next sync") {
    const client::SyncReport report = a->sync(w.server.port());
    CHECK(report.log_required);
    CHECK_FALSE(report.log_verified);
    CHECK_FALSE(report.log_error.empty());
    // The first export is covered by A's verified state (the branches share that leaf); the
    // second one is not and is left for later, without evidence.
    CHECK(report.exports_processed == 1);
    CHECK(report.exports_failed == 1);
    CHECK(report.exports_unlogged == 0);
    CHECK(a->log().size() == 2);
    CHECK(a->log().evidence().size() >= 1);
  }
}

}  // namespace
}  // namespace greenlight

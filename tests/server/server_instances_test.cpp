// Several server instances on one database (greenlight/server/assembly.h, docs/deploy.md):
// single use across instances, the shared failure budget, one exporter per window, and
// export files published elsewhere served at once.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "greenlight/server/assembly.h"
#include "greenlight/server/pg_store.h"
#include "greenlight/server/transparency_log.h"
#include "greenlight/wire/upload_auth.h"
#include "pg_test_cluster.h"
#include "test_server.h"

namespace greenlight::server::testing {
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// Two instances of one service: one database, one export tree, the same keys.
struct TwoInstances {
  explicit TwoInstances(std::function<void(ServerOptions&)> adjust = {})
      : database(PgTestCluster::instance().new_database()),
        a({.directory = dir.path(), .database = database, .adjust = adjust}),
        b({.directory = dir.path(), .database = database, .same_keys_as = &a, .adjust = adjust}) {}

  void advance(std::int64_t seconds) {
    a.clock().advance(seconds);
    b.clock().advance(seconds);
  }

  TempDir dir;
  std::string database;
  TestServer a;
  TestServer b;
};

std::string get_body(HttpClient& c, const std::string& path, unsigned* status = nullptr) {
  auto r = c.get(path);
  REQUIRE(r.has_value());
  if (status != nullptr) *status = r->status;
  return r->body;
}

}  // namespace

TEST_CASE("the whole flow and a restart on PostgreSQL", "[server][pg_store]") {
  TempDir dir;
  const std::string database = PgTestCluster::instance().new_database();
  TestServer ts({.directory = dir.path(), .database = database});
  HttpClient c = ts.client();
  const auto keys = make_keys(3, kT0);
  REQUIRE(ts.upload(c, keys).status == 200);
  ts.clock().advance(3600);
  auto run = ts.server().export_now();
  REQUIRE(run.has_value());
  REQUIRE(run->has_value());
  REQUIRE((*run)->real_keys == 3);
  const std::string path = (*run)->files.at(0).path;
  ts.restart();
  HttpClient again = ts.client();
  unsigned status = 0;
  CHECK(get_body(again, "/v1/exports/index.txt") == path + "\n");
  (void)get_body(again, "/" + path, &status);
  CHECK(status == 200);
  // Codes issued before the restart still work: the pepper is in the database.
  const std::string code = ts.issue_code();
  ts.restart();
  HttpClient third = ts.client();
  CHECK(ts.verify(third, code).status == 200);
}

TEST_CASE("16 concurrent exchanges of one code over two instances give exactly one token",
          "[server][instances][A10]") {
  TwoInstances s;
  const std::string code = s.a.issue_code();
  std::atomic<int> ok_count{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c = (i % 2 == 0 ? s.a : s.b).client();
      auto r = c.post_json("/v1/verify", json::serialize(json::object{{"code", code}}));
      if (!r) return;
      if (r->status == 200) ++ok_count;
      if (r->status == 401 || r->status == 403) ++refused;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok_count == 1);
  CHECK(refused == 15);

  // A token from one instance is redeemed once on the other; its certificate is used once.
  HttpClient ca = s.a.client();
  HttpClient cb = s.b.client();
  const auto keys = make_keys(2, kT0);
  auto v = s.a.verify(ca, s.a.issue_code());
  REQUIRE(v.status == 200);
  const std::string token(parse_object(v.body).at("token").as_string());
  const Bytes hmac_key = random_bytes(32);
  auto cert = s.b.certificate(cb, token, wire::compute_tekmac(hmac_key, keys));
  REQUIRE(cert.status == 200);
  CHECK(s.a.certificate(ca, token, wire::compute_tekmac(hmac_key, keys)).status != 200);
  const std::string certificate(parse_object(cert.body).at("certificate").as_string());
  CHECK(s.a.publish(ca, keys, certificate, hmac_key).status == 200);
  CHECK(s.b.publish(cb, keys, certificate, hmac_key).status != 200);
}

TEST_CASE("the short-code failure budget is shared by the instances and survives restarts",
          "[server][instances][A12]") {
  TwoInstances s([](ServerOptions& o) {
    o.authorization.failure_budget = 4;
    o.authorization.failure_budget_window_seconds = 3600;
  });
  HttpClient ca = s.a.client();
  HttpClient cb = s.b.client();
  for (int i = 0; i < 2; ++i) CHECK(s.a.verify(ca, "00000000").status != 200);
  for (int i = 0; i < 2; ++i) CHECK(s.b.verify(cb, "00000001").status != 200);
  const std::string good = s.a.issue_code("short");
  CHECK(s.a.verify(ca, good).status == 429);
  CHECK(s.b.verify(cb, good).status == 429);
  s.b.restart();
  HttpClient cb2 = s.b.client();
  CHECK(s.b.verify(cb2, good).status == 429);
  CHECK(s.b.server().context().authorization.short_code_failures() == 4);
  // Long codes are not affected.
  CHECK(s.b.verify(cb2, s.a.issue_code()).status == 200);
}

TEST_CASE("one instance builds each export window; the other serves the same files",
          "[server][instances][export]") {
  TwoInstances s;
  HttpClient ca = s.a.client();
  HttpClient cb = s.b.client();
  REQUIRE(s.a.upload(ca, make_keys(2, kT0)).status == 200);
  REQUIRE(s.b.upload(cb, make_keys(3, kT0)).status == 200);
  s.advance(3600);

  // Both try at once: exactly one builds the window, the other is refused or finds it done.
  Result<std::optional<ExportRun>> ra = std::optional<ExportRun>{};
  Result<std::optional<ExportRun>> rb = std::optional<ExportRun>{};
  std::thread ta([&] { ra = s.a.server().export_now(); });
  std::thread tb([&] { rb = s.b.server().export_now(); });
  ta.join();
  tb.join();
  const bool a_built = ra.has_value() && ra->has_value();
  const bool b_built = rb.has_value() && rb->has_value();
  CHECK(a_built != b_built);
  for (const auto* r : {&ra, &rb}) {
    if (!r->has_value()) CHECK(r->error().code == ErrorCode::kUnavailable);
  }
  const ExportRun& run = a_built ? **ra : **rb;
  CHECK(run.real_keys == 5);
  auto batches = s.a.server().context().store.export_files();
  REQUIRE(batches.has_value());
  REQUIRE(batches->size() == run.files.size());

  // Both instances serve the index and the file, byte for byte the same.
  const std::string path = run.files.at(0).path;
  unsigned status_a = 0;
  unsigned status_b = 0;
  const std::string zip_a = get_body(ca, "/" + path, &status_a);
  const std::string zip_b = get_body(cb, "/" + path, &status_b);
  CHECK(status_a == 200);
  CHECK(status_b == 200);
  CHECK(zip_a == zip_b);
  CHECK(get_body(ca, "/v1/exports/index.txt") == path + "\n");
  CHECK(get_body(cb, "/v1/exports/index.txt") == path + "\n");

  // A second run on either instance finds nothing left to build.
  auto again = s.b.server().export_now();
  REQUIRE(again.has_value());
  CHECK_FALSE(again->has_value());
}

TEST_CASE("an exporter holding the lease elsewhere is waited for, never half-visible",
          "[server][instances][export]") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "postgresql");
  CAPTURE(backend);
  TempDir dir;
  const std::string database = backend == "postgresql" ? PgTestCluster::instance().new_database()
                                                       : (dir.path() / "server.db").string();
  TestServer running({.directory = dir.path(), .database = database});
  HttpClient c = running.client();
  REQUIRE(running.upload(c, make_keys(2, kT0)).status == 200);
  running.clock().advance(3600);

  // Another exporter (e.g. `greenlight server export-now --db`) holds the lease.
  Store& store = running.server().context().store;
  REQUIRE(*store.acquire_lease("export", "someone-else", kT0 + 3600, kT0 + 7200));
  auto refused = running.server().export_now();
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kUnavailable);
  auto admin = c.post_json("/v1/admin/export", "{}", kAdminKey);
  REQUIRE(admin.has_value());
  CHECK(admin->status == 503);
  CHECK(store.export_files()->empty());
  REQUIRE(store.release_lease("export", "someone-else"));

  // The same assembly as `greenlight server export-now --db` publishes the window while the
  // server runs; the running server serves the new file at once, without a restart.
  auto clock = std::make_shared<ManualClock>(kT0 + 3600);
  ServerOptions options;
  options.database_path = database;
  options.export_directory = dir.path() / "site";
  options.exports.build.min_keys = 0;
  options.exports.build.padding_range = 0;
  options.retention_period_seconds = 0;
  // The running fixture's export key, so that its files verify alike.
  auto other = assemble_server(
      ServerRunConfig{std::move(options),
                      ServerKeys{{wire::ExportSigner{{"v1", "test", wire::kEcdsaP256Sha256Oid},
                                                     *EcdsaP256PrivateKey::generate()}},
                                 *EcdsaP256PrivateKey::generate(),
                                 {},
                                 {}},
                      ServerEnvironment{clock, nullptr, nullptr, [](std::string_view) {}},
                      std::nullopt, true, VenueWarningConfig{}});
  REQUIRE(other.has_value());
  auto run = other->server->export_now();
  REQUIRE(run.has_value());
  REQUIRE(run->has_value());
  const std::string path = (*run)->files.at(0).path;
  unsigned status = 0;
  (void)get_body(c, "/" + path, &status);
  CHECK(status == 200);
  CHECK(get_body(c, "/v1/exports/index.txt") == path + "\n");
}

TEST_CASE("two instances on PostgreSQL share one transparency log in the database",
          "[server][instances][transparency_log]") {
  TempDir dir;
  const std::string database = PgTestCluster::instance().new_database();
  // The log in the server's database, attached first as assemble_server does.
  std::vector<std::shared_ptr<TransparencyLog>> logs;
  const auto with_log = [&logs](Server& server) {
    std::shared_ptr<SqlDatabase> db(std::shared_ptr<void>(), &server.context().store);
    auto log = TransparencyLog::open_in(std::move(db), "greenlight.test/instances",
                                        seeded_note_signer("greenlight.test/instances", 7));
    REQUIRE(log.has_value());
    logs.emplace_back(std::move(*log));
    REQUIRE(server.add_module(make_transparency_log_module(logs.back())).has_value());
  };
  const auto no_periodic_refresh = [](ServerOptions& o) { o.site_refresh_seconds = 0; };
  TestServer a({.directory = dir.path(),
                .database = database,
                .adjust = no_periodic_refresh,
                .before_start = with_log});
  TestServer b({.directory = dir.path(),
                .database = database,
                .same_keys_as = &a,
                .adjust = no_periodic_refresh,
                .before_start = with_log});
  REQUIRE(logs.size() == 2);
  HttpClient ca = a.client();
  HttpClient cb = b.client();
  const std::string empty_checkpoint = get_body(cb, "/v1/log/checkpoint");
  CHECK(get_body(ca, "/v1/log/checkpoint") == empty_checkpoint);

  // A publishes a batch: it is logged (in the shared database) before A serves it.
  REQUIRE(a.upload(ca, make_keys(2, kT0)).status == 200);
  a.clock().advance(3600);
  b.clock().advance(3600);
  auto run = a.server().export_now();
  REQUIRE(run.has_value());
  REQUIRE(run->has_value());
  const std::uint64_t size = logs[0]->published_size();
  REQUIRE(size >= 1);
  const std::string checkpoint_a = get_body(ca, "/v1/log/checkpoint");
  CHECK(checkpoint_a != empty_checkpoint);

  // B learns of it with its site refresh and serves the same checkpoint and proofs.
  auto refreshed = b.server().refresh_site();
  REQUIRE(refreshed.has_value());
  CHECK(*refreshed);
  CHECK(logs[1]->published_size() == size);
  CHECK(get_body(cb, "/v1/log/checkpoint") == checkpoint_a);
  const std::string range = "?start=0&end=" + std::to_string(size);
  CHECK(get_body(cb, "/v1/log/leaves" + range) == get_body(ca, "/v1/log/leaves" + range));
  const std::string proof = "/v1/log/proof/inclusion?index=0&size=" + std::to_string(size);
  unsigned status = 0;
  CHECK(get_body(cb, proof, &status) == get_body(ca, proof));
  CHECK(status == 200);

  // B publishes the next batch: it continues the same log (one tree, no fork).
  REQUIRE(b.upload(cb, make_keys(3, kT0 + 3600)).status == 200);
  a.clock().advance(3600);
  b.clock().advance(3600);
  auto run_b = b.server().export_now();
  REQUIRE(run_b.has_value());
  REQUIRE(run_b->has_value());
  REQUIRE(a.server().refresh_site().has_value());
  const std::uint64_t grown = logs[1]->published_size();
  CHECK(grown > size);
  CHECK(logs[0]->published_size() == grown);
  CHECK(logs[0]->root_at(grown).value() == logs[1]->root_at(grown).value());
  const auto consistency = logs[1]->consistency_proof(size, grown);
  REQUIRE(consistency.has_value());
  CHECK(verify_merkle_consistency(size, grown, logs[0]->root_at(size).value(),
                                  logs[1]->root_at(grown).value(), *consistency));
}

}  // namespace greenlight::server::testing

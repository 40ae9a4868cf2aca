// The Store contract (greenlight/server/store.h) on both backends: SQLite and PostgreSQL
// (greenlight/server/pg_store.h) on a cluster the test starts itself (pg_test_cluster.h).
#include "greenlight/server/pg_store.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "greenlight/server/sqlite_store.h"
#include "pg_test_cluster.h"
#include "test_server.h"

namespace greenlight::server::testing {
namespace {

// A fresh store of the named backend.
struct BackendStore {
  explicit BackendStore(const std::string& backend) : clock(kT0) {
    if (backend == "postgresql") {
      database = PgTestCluster::instance().new_database();
    } else {
      database = (dir.path() / "s.db").string();
    }
    auto opened = open_store(database, clock, system_random());
    if (!opened) FAIL("open " << backend << ": " << opened.error().message);
    store = std::move(*opened);
  }

  TempDir dir;
  ManualClock clock;
  std::string database;
  std::unique_ptr<Store> store;
};

CodeRecord code_record(const Sha256Digest& hash, std::int64_t expires_at) {
  return CodeRecord{hash, CodeKind::kLong, CodeGrant{}, kT0, expires_at};
}

Sha256Digest digest_of(const std::string& s) { return sha256(as_bytes(s)); }

UploadWrite upload_of(const std::string& jti, std::vector<TemporaryExposureKey> keys) {
  UploadWrite w;
  w.certificate_id = jti;
  w.certificate_expires_at = kT0 + 900;
  for (auto& k : keys) w.keys.push_back(KeyToStore{std::move(k), 0});
  return w;
}

}  // namespace

TEST_CASE("portable SQL is translated for PostgreSQL", "[pg_store]") {
  CHECK(translate_sql_for_postgres("SELECT a FROM t WHERE b = ? AND c = ?") ==
        "SELECT a FROM t WHERE b = $1 AND c = $2");
  CHECK(translate_sql_for_postgres("SELECT '?' FROM t WHERE x = ?") ==
        "SELECT '?' FROM t WHERE x = $1");
  CHECK(translate_sql_for_postgres(
            "CREATE TABLE IF NOT EXISTS r(id INTEGER PRIMARY KEY, b BLOB NOT NULL, n integer, "
            "x REAL, blobby TEXT)") ==
        "CREATE TABLE IF NOT EXISTS r(id BIGSERIAL PRIMARY KEY, b BYTEA NOT NULL, n BIGINT, "
        "x DOUBLE PRECISION, blobby TEXT)");
  // Types are only rewritten in CREATE TABLE.
  CHECK(translate_sql_for_postgres("SELECT integer_col FROM blob") ==
        "SELECT integer_col FROM blob");
  CHECK(is_postgres_database("postgresql://gl@db/greenlight"));
  CHECK(is_postgres_database("host=/run/postgresql dbname=greenlight"));
  CHECK_FALSE(is_postgres_database("/var/lib/greenlight/server.db"));
}

TEST_CASE("store contract on each backend", "[store][pg_store]") {
  const std::string backend = GENERATE(as<std::string>{}, "sqlite", "postgresql");
  CAPTURE(backend);
  BackendStore b(backend);
  Store& store = *b.store;

  SECTION("16 concurrent redemptions of one code give exactly one token") {
    const Sha256Digest code = digest_of("code-1");
    REQUIRE(store.insert_code(code_record(code, kT0 + 3600)));
    CHECK(store.insert_code(code_record(code, kT0 + 3600)).error().code ==
          ErrorCode::kAlreadyExists);
    std::atomic<int> won{0};
    std::atomic<int> refused{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 16; ++i) {
      threads.emplace_back([&, i] {
        auto r = store.redeem_code(code, kT0, digest_of("token-" + std::to_string(i)), kT0 + 60);
        if (r) {
          ++won;
        } else if (r.error().code == ErrorCode::kAuthentication) {
          ++refused;
        }
      });
    }
    for (auto& t : threads) t.join();
    CHECK(won == 1);
    CHECK(refused == 15);
  }

  SECTION("tokens are single use and expire; expired codes say so") {
    const Sha256Digest code = digest_of("code-2");
    REQUIRE(store.insert_code(code_record(code, kT0 + 10)));
    CHECK(store.redeem_code(code, kT0 + 10, digest_of("t"), kT0 + 60).error().code ==
          ErrorCode::kFailedPrecondition);
    const Sha256Digest fresh = digest_of("code-3");
    REQUIRE(store.insert_code(code_record(fresh, kT0 + 100)));
    REQUIRE(store.redeem_code(fresh, kT0, digest_of("t3"), kT0 + 60));
    CHECK(store.redeem_token(digest_of("t3"), kT0 + 60).error().code == ErrorCode::kAuthentication);
    auto grant = store.redeem_token(digest_of("t3"), kT0 + 1);
    REQUIRE(grant);
    CHECK(grant->purpose == "keys");
    CHECK_FALSE(store.redeem_token(digest_of("t3"), kT0 + 1));
  }

  SECTION("uploads: certificate single use, duplicates skipped, windows by availability") {
    const auto keys = make_keys(3, kT0);
    auto first = store.publish_upload(upload_of("jti-1", keys));
    REQUIRE(first);
    CHECK(first->inserted == 3);
    CHECK(store.publish_upload(upload_of("jti-1", make_keys(1, kT0))).error().code ==
          ErrorCode::kAlreadyExists);
    auto again = store.publish_upload(upload_of("jti-2", {keys[0], make_keys(1, kT0)[0]}));
    REQUIRE(again);
    CHECK(again->inserted == 1);
    auto window = store.keys_available(kT0, kT0 + 3600);
    REQUIRE(window);
    CHECK(window->size() == 4);
    auto later = store.keys_available(kT0 + 3600, kT0 + 7200);
    REQUIRE(later);
    CHECK(later->empty());
    const std::string before = *store.content_digest();
    CHECK(store.publish_upload(upload_of("jti-2", make_keys(2, kT0))).error().code ==
          ErrorCode::kAlreadyExists);
    CHECK(*store.content_digest() == before);  // a rejected upload leaves nothing
  }

  SECTION("the failure budget is counted in the store") {
    CHECK(*store.short_code_failures(kT0) == 0);
    CHECK(*store.add_short_code_failure(kT0) == 1);
    CHECK(*store.add_short_code_failure(kT0) == 2);
    CHECK(*store.add_short_code_failure(kT0 + 3600) == 1);
    CHECK(*store.short_code_failures(kT0) == 2);
  }

  SECTION("a lease has one holder until released or expired") {
    CHECK(*store.acquire_lease("export", "a", kT0, kT0 + 600));
    CHECK_FALSE(*store.acquire_lease("export", "b", kT0 + 1, kT0 + 601));
    CHECK(*store.acquire_lease("export", "a", kT0 + 2, kT0 + 602));  // renewal
    REQUIRE(store.release_lease("export", "b"));                     // not the holder: no-op
    CHECK_FALSE(*store.acquire_lease("export", "b", kT0 + 3, kT0 + 603));
    REQUIRE(store.release_lease("export", "a"));
    CHECK(*store.acquire_lease("export", "b", kT0 + 4, kT0 + 604));
    // b dies holding it: a takes over after the expiry.
    CHECK_FALSE(*store.acquire_lease("export", "a", kT0 + 603, kT0 + 1200));
    CHECK(*store.acquire_lease("export", "a", kT0 + 604, kT0 + 1200));
  }

  SECTION("server secrets are created once") {
    auto s1 = store.server_secret("pepper");
    auto s2 = store.server_secret("pepper");
    REQUIRE(s1);
    REQUIRE(s2);
    CHECK(s1->span().size() == 32);
    CHECK(to_hex(s1->span()) == to_hex(s2->span()));
  }

  SECTION("module tables in portable SQL") {
    REQUIRE(store.ensure_schema(
        {"CREATE TABLE IF NOT EXISTS module_item(id INTEGER PRIMARY KEY, data BLOB NOT NULL, "
         "n INTEGER, label TEXT)",
         "CREATE INDEX IF NOT EXISTS module_item_n ON module_item(n)"}));
    REQUIRE(
        store.ensure_schema({"CREATE TABLE IF NOT EXISTS module_item(id INTEGER PRIMARY KEY, "
                             "data BLOB NOT NULL, n INTEGER, label TEXT)"}));
    REQUIRE(store.transact([](StoreTransaction& tx) -> Status {
      for (std::int64_t i = 0; i < 3; ++i) {
        auto r = tx.execute(
            "INSERT INTO module_item(data, n, label) VALUES(?, ?, ?)",
            {Bytes{0x00, 0x5c, 0x78, static_cast<std::uint8_t>(i)},
             i == 1 ? SqlValue{} : SqlValue{i}, std::string("it's ") + std::to_string(i)});
        GL_RETURN_IF_ERROR(r);
      }
      return ok();
    }));
    // A failing function rolls its writes back.
    CHECK_FALSE(store.transact([](StoreTransaction& tx) -> Status {
      (void)tx.execute("INSERT INTO module_item(data) VALUES(?)", {Bytes{1}});
      return make_error(ErrorCode::kInvalidArgument, "no");
    }));
    std::vector<SqlRow> rows;
    REQUIRE(store.read([&](StoreTransaction& tx) -> Status {
      auto r = tx.query("SELECT id, data, n, label FROM module_item WHERE id >= ? ORDER BY id",
                        {std::int64_t{0}});
      GL_RETURN_IF_ERROR(r);
      rows = std::move(*r);
      auto count = tx.query("SELECT COUNT(*), MAX(n), SUM(n) FROM module_item");
      GL_RETURN_IF_ERROR(count);
      CHECK(std::get<std::int64_t>(count->at(0).at(0)) == 3);
      CHECK(std::get<std::int64_t>(count->at(0).at(1)) == 2);
      CHECK(std::get<std::int64_t>(count->at(0).at(2)) == 2);
      return ok();
    }));
    REQUIRE(rows.size() == 3);
    CHECK(std::get<std::int64_t>(rows[0][0]) >= 0);
    CHECK(std::get<std::int64_t>(rows[1][0]) > std::get<std::int64_t>(rows[0][0]));
    CHECK(std::get<Bytes>(rows[2][1]) == Bytes{0x00, 0x5c, 0x78, 0x02});
    CHECK(std::holds_alternative<std::monostate>(rows[1][2]));
    CHECK(std::get<std::string>(rows[0][3]) == "it's 0");
  }

  SECTION("export records and retention") {
    REQUIRE(store.publish_upload(upload_of("jti-r", make_keys(2, kT0))));
    REQUIRE(store.record_export_batch(ExportBatchRecord{
        kT0,
        kT0 + 3600,
        kT0 + 3600,
        2,
        {ExportFileRecord{"v1/exports/a.zip", kT0, kT0 + 3600, kT0 + 3600, 2, "00"}}}));
    CHECK_FALSE(store.record_export_batch(ExportBatchRecord{kT0, kT0 + 3600, kT0 + 3600, 0, {}}));
    CHECK(**store.last_export_end() == kT0 + 3600);
    REQUIRE(store.export_files()->size() == 1);
    REQUIRE(store.add_short_code_failure(kT0));
    auto deleted = store.delete_expired(kT0 + 20 * 86400, kT0 + 15 * 86400);
    REQUIRE(deleted);
    CHECK(deleted->keys == 2);
    CHECK(deleted->certificates == 1);
    CHECK(deleted->export_paths == std::vector<std::string>{"v1/exports/a.zip"});
    CHECK(store.export_files()->empty());
    CHECK(*store.short_code_failures(kT0) == 0);
  }
}

}  // namespace greenlight::server::testing

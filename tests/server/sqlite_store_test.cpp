#include "greenlight/server/sqlite_store.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "test_server.h"

namespace greenlight::server::testing {
namespace fs = std::filesystem;

namespace {

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Whether the raw bytes occur in the database file or its WAL.
bool on_disk(const fs::path& db, ByteSpan needle) {
  const std::string n(as_string_view(needle));
  for (const fs::path& p : {db, fs::path(db.string() + "-wal")}) {
    if (fs::exists(p) && file_bytes(p).find(n) != std::string::npos) return true;
  }
  return false;
}

UploadWrite upload_of(const std::string& jti, std::vector<TemporaryExposureKey> keys) {
  UploadWrite w;
  w.certificate_id = jti;
  w.certificate_expires_at = kT0 + 900;
  for (auto& k : keys) w.keys.push_back(KeyToStore{std::move(k), 0});
  return w;
}

}  // namespace

TEST_CASE("retention deletes keys, codes, tokens and exports older than 14 days, down to the bytes",
          "[sqlite_store][retention]") {
  TestServer ts;
  HttpClient c = ts.client();
  const auto old_keys = make_keys(3, kT0);
  REQUIRE(ts.upload(c, old_keys).status == 200);
  (void)ts.issue_code();  // never used
  ts.clock().advance(3600);
  auto run = ts.server().export_now();
  REQUIRE(run.has_value());
  REQUIRE(run->has_value());
  const std::string old_export = (*run)->files.at(0).path;
  const fs::path db = ts.dir() / "server.db";
  for (const auto& k : old_keys) CHECK(on_disk(db, k.key_data.span()));  // the control

  // Ten days later a fresh upload and export, which must survive.
  ts.clock().advance(10 * 24 * 3600);
  const auto new_keys = make_keys(2, ts.clock().now_unix_seconds());
  REQUIRE(ts.upload(c, new_keys).status == 200);
  ts.clock().advance(3600);
  auto run2 = ts.server().export_now();
  REQUIRE(run2.has_value());
  REQUIRE(run2->has_value());
  const std::string new_export = (*run2)->files.at(0).path;

  // Five more days: the first upload's keys, its export and the unused code are over 14 days old.
  ts.clock().advance(5 * 24 * 3600);
  auto r = c.post_json("/v1/admin/retention", "{}", kAdminKey);
  REQUIRE(r.has_value());
  REQUIRE(r->status == 200);
  auto counts = parse_object(r->body);
  CHECK(counts.at("keys").as_int64() == 3);
  CHECK(counts.at("export_files").as_int64() == 1);
  CHECK(counts.at("codes").as_int64() >= 1);

  Store& store = ts.server().context().store;
  auto remaining = store.keys_available(0, INT64_MAX);
  REQUIRE(remaining.has_value());
  CHECK(remaining->size() == 2);
  for (const auto& k : old_keys) CHECK(!on_disk(db, k.key_data.span()));
  CHECK(!fs::exists(ts.dir() / "site" / old_export));
  CHECK(fs::exists(ts.dir() / "site" / new_export));
  auto gone = c.get("/" + old_export);
  REQUIRE(gone.has_value());
  CHECK(gone->status == 404);
  auto index = c.get("/v1/exports/index.txt");
  REQUIRE(index.has_value());
  CHECK(index->body == new_export + "\n");
  bool any_code = false;
  REQUIRE(store.read([&](StoreTransaction& tx) -> Status {
    auto rows = tx.query("SELECT count(*) FROM codes");
    GL_RETURN_IF_ERROR(rows);
    any_code = std::get<std::int64_t>(rows->at(0).at(0)) != 0;
    return ok();
  }));
  CHECK(!any_code);
}

TEST_CASE("group commit: one failing write is rolled back alone", "[sqlite_store]") {
  TempDir dir;
  ManualClock clock(kT0);
  auto store = open_sqlite_store({(dir.path() / "s.db").string()}, clock, system_random());
  REQUIRE(store.has_value());
  REQUIRE((*store)->publish_upload(upload_of("taken", make_keys(1, kT0))).has_value());

  std::atomic<int> ok_count{0};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 32; ++i) {
    threads.emplace_back([&, i] {
      const std::string jti = i % 8 == 0 ? "taken" : "jti-" + std::to_string(i);
      auto r = (*store)->publish_upload(upload_of(jti, make_keys(2, kT0)));
      if (r) ++ok_count;
      if (!r && r.error().code == ErrorCode::kAlreadyExists) ++conflicts;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok_count == 28);
  CHECK(conflicts == 4);
  auto keys = (*store)->keys_available(0, INT64_MAX);
  REQUIRE(keys.has_value());
  CHECK(keys->size() == 1 + 28 * 2);
}

TEST_CASE("content_digest changes with content and survives reopening", "[sqlite_store]") {
  TempDir dir;
  ManualClock clock(kT0);
  const std::string path = (dir.path() / "s.db").string();
  std::string d1;
  {
    auto store = open_sqlite_store({path}, clock, system_random());
    REQUIRE(store.has_value());
    d1 = *(*store)->content_digest();
    REQUIRE((*store)->publish_upload(upload_of("a", make_keys(1, kT0))).has_value());
    CHECK(*(*store)->content_digest() != d1);
    d1 = *(*store)->content_digest();
    auto secret = (*store)->server_secret("x");
    REQUIRE(secret.has_value());
    CHECK(secret->size() == 32);
    CHECK(*(*store)->server_secret("x") == *secret);
    d1 = *(*store)->content_digest();
  }
  auto store = open_sqlite_store({path}, clock, system_random());
  REQUIRE(store.has_value());
  CHECK(*(*store)->content_digest() == d1);
}

}  // namespace greenlight::server::testing

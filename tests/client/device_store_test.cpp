// The encrypted device store (docs/client.md "Encrypted device store", security.md A25): the
// key check, the in-place encryption of a database an earlier release wrote in the clear
// (also when killed half-way), and the raw bytes of every file it leaves.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <map>

#include "client_test_support.h"
#include "greenlight/client/client.h"
#include "greenlight/client/database.h"
#include "greenlight/client/store_cipher.h"

namespace greenlight::client {
namespace {

using test::kDay0;
using test::kHour;
using test::kMinute;

StoreKey store_key(std::uint8_t fill) {
  ByteArray<kStoreKeySize> bytes{};
  bytes.fill(fill);
  bytes[0] = 0x5a;
  return StoreKey(bytes);
}

// Every file of the database, byte for byte (absent files map to nothing).
std::map<std::string, Bytes> snapshot_files(const std::string& path) {
  std::map<std::string, Bytes> out;
  for (const auto& file : test::database_files(path)) {
    if (std::filesystem::exists(file)) out[file.string()] = test::read_file(file);
  }
  return out;
}

bool on_disk(const std::string& path, ByteSpan needle) {
  for (const auto& file : test::database_files(path)) {
    if (test::file_contains(file, needle)) return true;
  }
  return false;
}

// A database as the release before the encrypted store wrote it (schema version 1), with
// rows whose bytes are easy to find.
struct LegacyRows {
  std::vector<Rpi> rpis;
  std::vector<Aem> aems;
  ByteArray<16> tek{};
  KeyTag window_tag{};
  Bytes window_scans;
  std::int64_t test_time = kDay0 + 3 * kHour;
};

void exec(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  INFO((message != nullptr ? message : ""));
  sqlite3_free(message);
  REQUIRE(rc == SQLITE_OK);
}

void bind_blob(sqlite3_stmt* st, int index, ByteSpan blob) {
  REQUIRE(sqlite3_bind_blob(st, index, blob.data(), static_cast<int>(blob.size()),
                            SQLITE_TRANSIENT) == SQLITE_OK);
}

LegacyRows write_version1(const std::string& path, int encounters) {
  LegacyRows rows;
  SeededRandom random(77);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> closer(db, sqlite3_close);
  exec(db, "PRAGMA journal_mode=WAL");
  // The version-1 schema as that release created it.
  exec(db, R"sql(
CREATE TABLE own_tek(id INTEGER PRIMARY KEY, key_data BLOB NOT NULL,
  rolling_start_interval INTEGER NOT NULL, rolling_period INTEGER NOT NULL,
  created_at INTEGER NOT NULL);
CREATE TABLE scan(time INTEGER PRIMARY KEY NOT NULL);
CREATE TABLE encounter(rpi BLOB PRIMARY KEY NOT NULL, bucket INTEGER NOT NULL,
  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, aem BLOB NOT NULL,
  scan_count INTEGER NOT NULL, max_rssi INTEGER NOT NULL, scans BLOB NOT NULL) WITHOUT ROWID;
CREATE INDEX encounter_by_bucket ON encounter(bucket, scan_count, max_rssi);
CREATE TABLE processed_export(id INTEGER PRIMARY KEY, sha256 BLOB NOT NULL, path TEXT NOT NULL,
  processed_at INTEGER NOT NULL);
CREATE INDEX processed_export_by_hash ON processed_export(sha256);
CREATE INDEX processed_export_by_path ON processed_export(path);
CREATE TABLE exposure_window(id INTEGER PRIMARY KEY, key_tag BLOB NOT NULL,
  start_time INTEGER NOT NULL, report_type INTEGER NOT NULL, days_since_onset INTEGER,
  calibration_confidence INTEGER NOT NULL, scans BLOB NOT NULL, recorded_at INTEGER NOT NULL);
CREATE INDEX exposure_window_by_key ON exposure_window(key_tag);
CREATE TABLE own_test(id INTEGER PRIMARY KEY CHECK (id = 1), test_time INTEGER NOT NULL);
PRAGMA user_version = 1;
)sql");
  exec(db, "BEGIN");
  random.fill(rows.tek);
  {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db,
                               "INSERT INTO own_tek(key_data, rolling_start_interval, "
                               "rolling_period, created_at) VALUES (?, 2857536, 144, ?)",
                               -1, &st, nullptr) == SQLITE_OK);
    bind_blob(st, 1, rows.tek);
    sqlite3_bind_int64(st, 2, kDay0);
    REQUIRE(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
  }
  {
    sqlite3_stmt* st = nullptr;
    REQUIRE(
        sqlite3_prepare_v2(db,
                           "INSERT INTO encounter(rpi, bucket, first_seen, last_seen, aem, "
                           "scan_count, max_rssi, scans) VALUES (?, 2857590, ?, ?, ?, 2, -60, ?)",
                           -1, &st, nullptr) == SQLITE_OK);
    for (int i = 0; i < encounters; ++i) {
      Rpi rpi{};
      Aem aem{};
      random.fill(rpi);
      random.fill(aem);
      // Two sightings: offset 0 and 300 s, RSSI sum -60 and -62, count 1, max -60 / -62.
      const Bytes scans = {0, 0, 0xc4, 0xff, 1, 0xc4, 0x2c, 0x01, 0xc2, 0xff, 1, 0xc2};
      bind_blob(st, 1, rpi);
      sqlite3_bind_int64(st, 2, kDay0 + 9 * kHour);
      sqlite3_bind_int64(st, 3, kDay0 + 9 * kHour + 300);
      bind_blob(st, 4, aem);
      bind_blob(st, 5, scans);
      REQUIRE(sqlite3_step(st) == SQLITE_DONE);
      sqlite3_reset(st);
      rows.rpis.push_back(rpi);
      rows.aems.push_back(aem);
    }
    sqlite3_finalize(st);
  }
  {
    random.fill(rows.window_tag);
    rows.window_scans = {31, 27, 0x2c, 0x01, 33, 29, 0x2c, 0x01, 35, 30, 0x2c, 0x01};
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db,
                               "INSERT INTO exposure_window(key_tag, start_time, report_type, "
                               "days_since_onset, calibration_confidence, scans, recorded_at) "
                               "VALUES (?, ?, 1, 2, 3, ?, ?)",
                               -1, &st, nullptr) == SQLITE_OK);
    bind_blob(st, 1, rows.window_tag);
    sqlite3_bind_int64(st, 2, kDay0 + 9 * kHour);
    bind_blob(st, 3, rows.window_scans);
    sqlite3_bind_int64(st, 4, kDay0 + 12 * kHour);
    REQUIRE(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
  }
  exec(db,
       "INSERT INTO own_test(id, test_time) VALUES (1, " + std::to_string(rows.test_time) + ")");
  exec(db, "COMMIT");
  return rows;
}

// Everything the legacy rows held is there through the API, and none of it in the files.
void check_migrated(const std::string& path, const LegacyRows& rows, const StoreKey& key) {
  DatabaseOptions options;
  options.store_key = key;
  auto db = Database::open(path, options);
  REQUIRE(db);
  CHECK(db->cipher().encrypted());
  auto version = db->schema_version();
  REQUIRE(version);
  CHECK(*version == 2);
  auto integrity = db->integrity_check();
  REQUIRE(integrity);
  CHECK(*integrity == "ok");

  EncounterLog log(*db);
  auto snapshot = log.snapshot(1);
  REQUIRE(snapshot);
  CHECK(snapshot->records().size() == rows.rpis.size());
  for (std::size_t i = 0; i < rows.rpis.size(); ++i) {
    CAPTURE(i);
    const EncounterRecord* record = snapshot->find(rows.rpis[i]);
    REQUIRE(record != nullptr);
    CHECK(record->aem == rows.aems[i]);
    REQUIRE(record->sightings.size() == 2);
    CHECK(record->sightings[1].scan_time == kDay0 + 9 * kHour + 300);
    CHECK(record->sightings[1].max_rssi == -62);
  }
  ManualClock clock(kDay0 + 2 * 86400);
  SeededRandom random(1);
  IdentifierManager ids(*db, random, BluetoothMetadata{0x40, -10});
  auto keys = ids.keys_for_upload(clock.now(), SameDayRelease::kNo, 14 * 86400);
  REQUIRE(keys);
  REQUIRE(keys->size() == 1);
  CHECK(keys->front().key_data.array() == rows.tek);
  ExposureStore store(*db);
  auto windows = store.windows();
  REQUIRE(windows);
  REQUIRE(windows->size() == 1);
  CHECK(windows->front().start_time == kDay0 + 9 * kHour);
  CHECK(windows->front().days_since_onset == 2);
  CHECK(windows->front().calibration_confidence == 3);
  CHECK(windows->front().scans.size() == 3);
  auto positive = store.positive_test();
  REQUIRE(positive);
  CHECK(*positive == rows.test_time);

  CHECK_FALSE(on_disk(path, rows.tek));
  CHECK_FALSE(on_disk(path, rows.window_tag));
  CHECK_FALSE(on_disk(path, rows.window_scans));
  for (std::size_t i = 0; i < rows.rpis.size(); ++i) {
    CAPTURE(i);
    CHECK_FALSE(on_disk(path, rows.rpis[i]));
  }
}

TEST_CASE("a plaintext database from the earlier release is encrypted in place", "[store]") {
  test::TempDir dir;
  const std::string path = dir.file("device.db");
  const LegacyRows rows = write_version1(path, 300);
  CHECK(on_disk(path, rows.tek));  // the control: the bytes are there before
  CHECK(on_disk(path, rows.rpis[0]));
  check_migrated(path, rows, store_key(1));
}

TEST_CASE("a kill -9 during the encryption loses nothing", "[store][crash]") {
  // Where the child dies: after 1, 150 or 301 rows written, or after the commit (-1), before
  // the old bytes are scrubbed.
  const std::int64_t kill_at = GENERATE(1, 150, 301, -1);
  CAPTURE(kill_at);
  test::TempDir dir;
  const std::string path = dir.file("device.db");
  const LegacyRows rows = write_version1(path, 300);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    DatabaseOptions options;
    options.store_key = store_key(1);
    options.migration_observer = [&](std::int64_t written) {
      if (written == kill_at) raise(SIGKILL);
    };
    auto db = Database::open(path, options);
    _exit(db ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  check_migrated(path, rows, store_key(1));
}

TEST_CASE("a wrong or missing store key is a clear error and changes nothing", "[store]") {
  test::TempDir dir;
  const std::string path = dir.file("device.db");
  ManualClock clock(kDay0 + 9 * kHour);
  SeededRandom random(3);
  ClientConfig config;
  config.store_key = store_key(1);
  {
    auto client = Client::open(path, config, clock, random);
    REQUIRE(client);
    REQUIRE((*client)->advertisement());
    const Observation o{Rpi{1, 2, 3}, Aem{4, 5, 6, 7}, -55};
    REQUIRE((*client)->record_scan(std::span<const Observation>(&o, 1)));
  }
  const auto before = snapshot_files(path);
  REQUIRE_FALSE(before.empty());

  config.store_key = store_key(2);
  auto wrong = Client::open(path, config, clock, random);
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == ErrorCode::kAuthentication);
  CHECK(wrong.error().message == "wrong store key: it does not open this device database");
  CHECK(snapshot_files(path) == before);

  config.store_key.reset();
  auto missing = Client::open(path, config, clock, random);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kFailedPrecondition);
  CHECK(missing.error().message.find("encrypted") != std::string::npos);
  CHECK(snapshot_files(path) == before);

  config.store_key = store_key(1);
  auto right = Client::open(path, config, clock, random);
  REQUIRE(right);
  auto stats = (*right)->encounter_stats();
  REQUIRE(stats);
  CHECK(stats->rpis == 1);
}

TEST_CASE("a plaintext store of this release is encrypted when a key is first given", "[store]") {
  test::TempDir dir;
  const std::string path = dir.file("device.db");
  ManualClock clock(kDay0 + 9 * kHour);
  SeededRandom random(3);
  const Observation o{Rpi{9, 8, 7, 6, 5}, Aem{4, 5, 6, 7}, -55};
  ClientConfig config;
  {
    auto client = Client::open(path, config, clock, random);
    REQUIRE(client);
    REQUIRE((*client)->record_scan(std::span<const Observation>(&o, 1)));
    REQUIRE((*client)->set_positive_test(kDay0));
  }
  CHECK(on_disk(path, o.rpi));
  config.store_key = store_key(4);
  auto client = Client::open(path, config, clock, random);
  REQUIRE(client);
  CHECK_FALSE(on_disk(path, o.rpi));
  auto snapshot = (*client)->encounter_log().snapshot(1);
  REQUIRE(snapshot);
  CHECK(snapshot->find(o.rpi) != nullptr);
  auto positive = (*client)->exposure_store().positive_test();
  REQUIRE(positive);
  CHECK(*positive == kDay0);
}

}  // namespace
}  // namespace greenlight::client

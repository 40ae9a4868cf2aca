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
#include "greenlight/greenlight.h"

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

// A time as SQLite's record format stores an integer below 2^31: 4 bytes, big-endian.
Bytes be32(std::int64_t value) {
  const auto v = static_cast<std::uint32_t>(value);
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

Bytes be64(std::int64_t value) {
  Bytes out(8);
  for (std::size_t i = 0; i < 8; ++i) {
    out[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(value) >> (56 - 8 * i));
  }
  return out;
}

std::int64_t read_be64(ByteSpan in) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | in[i];
  return static_cast<std::int64_t>(v);
}

Bytes text(std::string_view value) { return Bytes(value.begin(), value.end()); }

Bytes cat(std::initializer_list<ByteSpan> parts) {
  std::size_t size = 0;
  for (ByteSpan part : parts) size += part.size();
  Bytes out;
  out.reserve(size);
  for (ByteSpan part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// Two packed sightings: offsets 0 and 300 s, RSSI sums -60 and -62, count 1, max -60 / -62.
const Bytes kTwoSightings = {0, 0, 0xc4, 0xff, 1, 0xc4, 0x2c, 0x01, 0xc2, 0xff, 1, 0xc2};

bool on_disk(const std::string& path, ByteSpan needle) {
  for (const auto& file : test::database_files(path)) {
    if (test::file_contains(file, needle)) return true;
  }
  return false;
}

// A database as the release before the encrypted store wrote it (schema version 1), with
// rows whose bytes are easy to find.
struct LegacyRows {
  std::vector<std::int64_t> scan_times = {kDay0 + 9 * kHour, kDay0 + 9 * kHour + 300,
                                          kDay0 + 9 * kHour + 613};
  std::vector<Rpi> rpis;
  std::vector<Aem> aems;
  ByteArray<16> tek{};
  KeyTag window_tag{};
  Bytes window_scans;
  std::int64_t test_time = kDay0 + 3 * kHour;
  // Version 2 only: an unfinished upload and a matched venue warning, in the clear there.
  std::string code = "31415926535897932384";
  std::string token = "A25-token-in-the-clear-before-v3";
  std::string certificate = "A25-certificate-in-the-clear-before-v3";
  std::int64_t match_day = kDay0 + 86400;
  std::int64_t match_minutes = 45;
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

// The scan table of versions 1 and 2: one row per scan time, in the clear.
void insert_scans(sqlite3* db, const std::vector<std::int64_t>& times) {
  for (std::int64_t t : times)
    exec(db, "INSERT INTO scan(time) VALUES (" + std::to_string(t) + ")");
}

// The legacy encounter fixtures' first and last seen (parameters index and index + 1).
void bind_first_last_seen(sqlite3_stmt* st, int index) {
  sqlite3_bind_int64(st, index, kDay0 + 9 * kHour);
  sqlite3_bind_int64(st, index + 1, kDay0 + 9 * kHour + 300);
}

// Inserts one row: prepares sql, lets bind fill the parameters, steps once.
template <typename Bind>
void insert_row(sqlite3* db, const char* sql, Bind&& bind) {
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> finalizer(st, sqlite3_finalize);
  bind(st);
  REQUIRE(sqlite3_step(st) == SQLITE_DONE);
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
  insert_scans(db, rows.scan_times);
  random.fill(rows.tek);
  {
    insert_row(db,
               "INSERT INTO own_tek(key_data, rolling_start_interval, "
               "rolling_period, created_at) VALUES (?, 2857536, 144, ?)",
               [&](sqlite3_stmt* st) {
                 bind_blob(st, 1, rows.tek);
                 sqlite3_bind_int64(st, 2, kDay0);
               });
  }
  for (int i = 0; i < encounters; ++i) {
    Rpi rpi{};
    Aem aem{};
    random.fill(rpi);
    random.fill(aem);
    insert_row(db,
               "INSERT INTO encounter(rpi, bucket, first_seen, last_seen, aem, scan_count, "
               "max_rssi, scans) VALUES (?, 2857590, ?, ?, ?, 2, -60, ?)",
               [&](sqlite3_stmt* st) {
                 bind_blob(st, 1, rpi);
                 bind_first_last_seen(st, 2);
                 bind_blob(st, 4, aem);
                 bind_blob(st, 5, kTwoSightings);
               });
    rows.rpis.push_back(rpi);
    rows.aems.push_back(aem);
  }
  {
    random.fill(rows.window_tag);
    rows.window_scans = {31, 27, 0x2c, 0x01, 33, 29, 0x2c, 0x01, 35, 30, 0x2c, 0x01};
    insert_row(db,
               "INSERT INTO exposure_window(key_tag, start_time, report_type, "
               "days_since_onset, calibration_confidence, scans, recorded_at) "
               "VALUES (?, ?, 1, 2, 3, ?, ?)",
               [&](sqlite3_stmt* st) {
                 bind_blob(st, 1, rows.window_tag);
                 sqlite3_bind_int64(st, 2, kDay0 + 9 * kHour);
                 bind_blob(st, 3, rows.window_scans);
                 sqlite3_bind_int64(st, 4, kDay0 + 12 * kHour);
               });
  }
  exec(db,
       "INSERT INTO own_test(id, test_time) VALUES (1, " + std::to_string(rows.test_time) + ")");
  exec(db, "COMMIT");
  return rows;
}

void bind_sealed(sqlite3_stmt* st, int index, const Result<Bytes>& sealed) {
  REQUIRE(sealed);
  bind_blob(st, index, *sealed);
}

// A database as the first encrypted release wrote it (schema version 2): rows sealed under
// key, but encounter times, scan counts, RSSI, scan times, the upload's code, token and
// certificate and the venue warning's day and minutes in the clear.
LegacyRows write_version2(const std::string& path, const StoreKey& key, int encounters) {
  LegacyRows rows;
  SeededRandom random(78);
  ByteArray<kStoreSaltSize> salt{};
  random.fill(salt);
  auto cipher = StoreCipher::derive(key, salt);
  REQUIRE(cipher);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> closer(db, sqlite3_close);
  exec(db, "PRAGMA journal_mode=WAL");
  exec(db, R"sql(
CREATE TABLE own_tek(id INTEGER PRIMARY KEY, rolling_start_interval INTEGER NOT NULL,
  rolling_period INTEGER NOT NULL, created_at INTEGER NOT NULL, sealed BLOB NOT NULL);
CREATE TABLE scan(time INTEGER PRIMARY KEY NOT NULL);
CREATE TABLE encounter(tag BLOB PRIMARY KEY NOT NULL, bucket INTEGER NOT NULL,
  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, scan_count INTEGER NOT NULL,
  max_rssi INTEGER NOT NULL, sealed BLOB NOT NULL) WITHOUT ROWID;
CREATE INDEX encounter_by_bucket ON encounter(bucket, scan_count, max_rssi);
CREATE TABLE processed_export(id INTEGER PRIMARY KEY, sha256 BLOB NOT NULL, path TEXT NOT NULL,
  processed_at INTEGER NOT NULL);
CREATE INDEX processed_export_by_hash ON processed_export(sha256);
CREATE INDEX processed_export_by_path ON processed_export(path);
CREATE TABLE exposure_window(id INTEGER PRIMARY KEY, key_tag BLOB NOT NULL,
  sealed BLOB NOT NULL);
CREATE INDEX exposure_window_by_key ON exposure_window(key_tag);
CREATE TABLE own_test(id INTEGER PRIMARY KEY CHECK (id = 1), sealed BLOB NOT NULL);
CREATE TABLE store_meta(id INTEGER PRIMARY KEY CHECK (id = 1), encrypted INTEGER NOT NULL,
  salt BLOB NOT NULL, verifier BLOB NOT NULL, scrub_pending INTEGER NOT NULL);
CREATE TABLE upload_state(id INTEGER PRIMARY KEY CHECK (id = 1), stage INTEGER NOT NULL,
  failure INTEGER NOT NULL, started_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  code TEXT NOT NULL, token TEXT NOT NULL, hmac_key BLOB NOT NULL, keys BLOB NOT NULL,
  key_count INTEGER NOT NULL, venue_reports TEXT NOT NULL, report_count INTEGER NOT NULL,
  certificate TEXT NOT NULL, inserted INTEGER NOT NULL, already_uploaded INTEGER NOT NULL,
  attempts INTEGER NOT NULL, in_flight INTEGER NOT NULL, report_type TEXT NOT NULL,
  message TEXT NOT NULL);
CREATE TABLE venue_warning_match(checkin_id INTEGER NOT NULL, day INTEGER NOT NULL,
  overlap_minutes INTEGER NOT NULL, PRIMARY KEY(checkin_id, day)) WITHOUT ROWID;
PRAGMA user_version = 2;
)sql");
  exec(db, "BEGIN");
  {
    insert_row(db, "INSERT INTO store_meta VALUES (1, 1, ?, ?, 0)", [&](sqlite3_stmt* st) {
      bind_blob(st, 1, salt);
      bind_blob(st, 2, cipher->verifier());
    });
  }
  insert_scans(db, rows.scan_times);
  random.fill(rows.tek);
  {
    insert_row(db,
               "INSERT INTO own_tek(rolling_start_interval, rolling_period, "
               "created_at, sealed) VALUES (2857536, 144, ?, ?)",
               [&](sqlite3_stmt* st) {
                 sqlite3_bind_int64(st, 1, kDay0);
                 bind_sealed(st, 2, cipher->seal("own_tek", be64(2857536), rows.tek));
               });
  }
  for (int i = 0; i < encounters; ++i) {
    Rpi rpi{};
    Aem aem{};
    random.fill(rpi);
    random.fill(aem);
    // rpi | aem | two sightings as in version 1.
    const Bytes tag = cipher->lookup_tag("encounter", rpi);
    insert_row(db,
               "INSERT INTO encounter(tag, bucket, first_seen, last_seen, scan_count, max_rssi, "
               "sealed) VALUES (?, 2857590, ?, ?, 2, -60, ?)",
               [&](sqlite3_stmt* st) {
                 bind_blob(st, 1, tag);
                 bind_first_last_seen(st, 2);
                 bind_sealed(st, 4, cipher->seal("encounter", tag, cat({rpi, aem, kTwoSightings})));
               });
    rows.rpis.push_back(rpi);
    rows.aems.push_back(aem);
  }
  {
    random.fill(rows.window_tag);
    rows.window_scans = {31, 27, 0x2c, 0x01, 33, 29, 0x2c, 0x01, 35, 30, 0x2c, 0x01};
    // key tag | BE64 start | report type | onset flag | BE32 onset | calibration | scans
    const Bytes fields = {1, 1, 0, 0, 0, 2, 3};
    const Bytes plain = cat({rows.window_tag, be64(kDay0 + 9 * kHour), fields, rows.window_scans});
    const Bytes tag = cipher->lookup_tag("exposure_window", rows.window_tag);
    insert_row(db, "INSERT INTO exposure_window(key_tag, sealed) VALUES (?, ?)",
               [&](sqlite3_stmt* st) {
                 bind_blob(st, 1, tag);
                 bind_sealed(st, 2, cipher->seal("exposure_window", tag, plain));
               });
  }
  {
    insert_row(db, "INSERT INTO own_test(id, sealed) VALUES (1, ?)", [&](sqlite3_stmt* st) {
      bind_sealed(st, 1, cipher->seal("own_test", {}, be64(rows.test_time)));
    });
  }
  {
    // An upload that got its certificate and has not published yet.
    insert_row(db,
               "INSERT INTO upload_state VALUES (1, 3, 0, ?, ?, ?, ?, ?, ?, 1, '', 0, ?, 0, 0, "
               "2, 0, '', '')",
               [&](sqlite3_stmt* st) {
                 sqlite3_bind_int64(st, 1, kDay0 + 10 * kHour);
                 sqlite3_bind_int64(st, 2, kDay0 + 10 * kHour);
                 sqlite3_bind_text(st, 3, rows.code.c_str(), -1, SQLITE_TRANSIENT);
                 sqlite3_bind_text(st, 4, rows.token.c_str(), -1, SQLITE_TRANSIENT);
                 bind_sealed(st, 5, cipher->seal("upload_hmac_key", {}, Bytes(32, 0x11)));
                 bind_sealed(st, 6, cipher->seal("upload_keys", {}, Bytes(28, 0x22)));
                 sqlite3_bind_text(st, 7, rows.certificate.c_str(), -1, SQLITE_TRANSIENT);
               });
  }
  exec(db, "INSERT INTO venue_warning_match VALUES (7, " + std::to_string(rows.match_day) + ", " +
               std::to_string(rows.match_minutes) + ")");
  exec(db, "COMMIT");
  return rows;
}

// A database as the release before version 4 wrote it (schema version 3): version 2's
// fixture converted by this library, then own_tek put back in its version-3 layout (the only
// table the two versions store differently): the key sealed under BE64(start), the start
// interval, period and created_at (= the start of the key's validity) in clear columns.
LegacyRows write_version3(const std::string& path, const StoreKey& key, int encounters) {
  LegacyRows rows = write_version2(path, key, encounters);
  DatabaseOptions options;
  options.store_key = key;
  auto db = Database::open(path, options);
  REQUIRE(db);
  struct OwnKey {
    std::int64_t id;
    Bytes plain;  // BE64 start | BE64 period | key_data
  };
  std::vector<OwnKey> keys;
  {
    auto st = db->prepare("SELECT id, sealed FROM own_tek ORDER BY id");
    REQUIRE(st);
    for (;;) {
      auto row = st->step();
      REQUIRE(row);
      if (!*row) break;
      auto plain = db->cipher().open("own_tek", {}, st->column_blob(1));
      REQUIRE(plain);
      REQUIRE(plain->size() == 32);
      keys.push_back({st->column_int64(0), Bytes(plain->span().begin(), plain->span().end())});
    }
  }
  REQUIRE(keys.size() == 1);
  REQUIRE(db->exec(R"sql(
DROP TABLE own_tek;
CREATE TABLE own_tek(id INTEGER PRIMARY KEY, rolling_start_interval INTEGER NOT NULL,
  rolling_period INTEGER NOT NULL, created_at INTEGER NOT NULL, sealed BLOB NOT NULL);
)sql"));
  for (const OwnKey& k : keys) {
    const ByteSpan plain(k.plain);
    const std::int64_t start = read_be64(plain.first(8));
    auto sealed = db->cipher().seal("own_tek", be64(start), plain.subspan(16));
    REQUIRE(sealed);
    auto st = db->prepare(
        "INSERT INTO own_tek(id, rolling_start_interval, rolling_period, created_at, sealed) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    REQUIRE(st);
    st->bind(1, k.id)
        .bind(2, start)
        .bind(3, read_be64(plain.subspan(8, 8)))
        .bind(4, start * 600)
        .bind(5, ByteSpan(*sealed));
    REQUIRE(st->run());
  }
  REQUIRE(db->exec("PRAGMA user_version = 3"));
  return rows;
}

// A value of a store of this release, opened with its cipher.
Bytes open_column(Database& db, std::string_view sql, std::string_view label, ByteSpan context) {
  auto st = db.prepare(sql);
  REQUIRE(st);
  auto row = st->step();
  REQUIRE(row);
  REQUIRE(*row);
  auto plain = db.cipher().open(label, context, st->column_blob(0));
  REQUIRE(plain);
  return Bytes(plain->span().begin(), plain->span().end());
}

// What only the version-2 fixture holds: the upload's secrets and the venue warning match,
// sealed now and still readable.
void check_version2_extras(const std::string& path, const LegacyRows& rows, const StoreKey& key) {
  DatabaseOptions options;
  options.store_key = key;
  {
    auto db = Database::open(path, options);
    REQUIRE(db);
    CHECK(open_column(*db, "SELECT code FROM upload_state", "upload_code", {}) == text(rows.code));
    CHECK(open_column(*db, "SELECT token FROM upload_state", "upload_token", {}) ==
          text(rows.token));
    CHECK(open_column(*db, "SELECT certificate FROM upload_state", "upload_certificate", {}) ==
          text(rows.certificate));
    CHECK(open_column(*db, "SELECT hmac_key FROM upload_state", "upload_hmac_key", {}) ==
          Bytes(32, 0x11));
    Bytes match = be64(rows.match_day);
    const Bytes minutes = be64(rows.match_minutes);
    match.insert(match.end(), minutes.begin(), minutes.end());
    CHECK(open_column(*db, "SELECT sealed FROM venue_warning_match WHERE checkin_id = 7",
                      "venue_warning_match", be64(7)) == match);
  }
  CHECK_FALSE(on_disk(path, text(rows.code)));
  CHECK_FALSE(on_disk(path, text(rows.token)));
  CHECK_FALSE(on_disk(path, text(rows.certificate)));
  CHECK_FALSE(on_disk(path, be32(rows.match_day)));
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
  CHECK(*version == 4);
  // The own keys' days are sealed with them: no clear column tells when the app ran.
  {
    auto st = db->prepare("SELECT group_concat(name, ',') FROM pragma_table_info('own_tek')");
    REQUIRE(st);
    REQUIRE(*st->step());
    CHECK(st->column_text(0) == "id,sealed");
  }
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
  CHECK(std::vector<std::int64_t>(snapshot->scan_times().begin(), snapshot->scan_times().end()) ==
        rows.scan_times);
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
  // The start of the own key's validity (created_at until version 4), 2857536 * 600.
  CHECK_FALSE(on_disk(path, be32(kDay0)));
  // SQLite stores these times as 4-byte big-endian integers: first/last seen, scans.
  for (std::int64_t t : rows.scan_times) {
    CAPTURE(t);
    CHECK_FALSE(on_disk(path, be32(t)));
  }
  CHECK_FALSE(on_disk(path, rows.window_tag));
  CHECK_FALSE(on_disk(path, rows.window_scans));
  for (std::size_t i = 0; i < rows.rpis.size(); ++i) {
    CAPTURE(i);
    CHECK_FALSE(on_disk(path, rows.rpis[i]));
  }
}

// Opens path with key in a child process that kills itself with SIGKILL once the migration
// observer reports kill_at.
void open_killed(const std::string& path, const StoreKey& key, std::int64_t kill_at) {
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    DatabaseOptions options;
    options.store_key = key;
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
}

TEST_CASE("a plaintext database from the earlier release is encrypted in place", "[store]") {
  test::TempDir dir;
  const std::string path = dir.file("device.db");
  const LegacyRows rows = write_version1(path, 300);
  CHECK(on_disk(path, rows.tek));  // the control: the bytes are there before
  CHECK(on_disk(path, rows.rpis[0]));
  check_migrated(path, rows, store_key(1));
}

TEST_CASE("a version-2 encrypted store is resealed in place", "[store]") {
  test::TempDir dir;
  const std::string path = dir.file("device.db");
  const LegacyRows rows = write_version2(path, store_key(1), 300);
  // The control: what version 2 kept in the clear is on disk before.
  CHECK(on_disk(path, be32(rows.scan_times[1])));
  CHECK(on_disk(path, text(rows.token)));
  CHECK(on_disk(path, be32(rows.match_day)));
  CHECK_FALSE(on_disk(path, rows.rpis[0]));
  check_migrated(path, rows, store_key(1));
  check_version2_extras(path, rows, store_key(1));
}

TEST_CASE("a version-3 store's own key days are sealed in place", "[store]") {
  test::TempDir dir;
  const std::string path = dir.file("device.db");
  const LegacyRows rows = write_version3(path, store_key(1), 30);
  // The control: created_at (the key's first day, kDay0) is on disk before.
  CHECK(on_disk(path, be32(kDay0)));
  CHECK_FALSE(on_disk(path, rows.tek));
  check_migrated(path, rows, store_key(1));
  check_version2_extras(path, rows, store_key(1));
}

LegacyRows write_version(int version, const std::string& path, int encounters) {
  switch (version) {
    case 1:
      return write_version1(path, encounters);
    case 2:
      return write_version2(path, store_key(1), encounters);
    default:
      return write_version3(path, store_key(1), encounters);
  }
}

TEST_CASE("a kill -9 while an older store is converted loses nothing", "[store][crash]") {
  // Where the child dies: after the n-th row written, or after the commit (-1), before the
  // old bytes are scrubbed. Version 1 has 300 encounters + 3 scans + key, window and test =
  // 306 rows; versions 2 and 3 also an upload row and a venue match = 308.
  const auto [version, kill_at] = GENERATE(table<int, std::int64_t>({{1, 1},
                                                                     {1, 150},
                                                                     {1, 301},
                                                                     {1, -1},
                                                                     {2, 1},
                                                                     {2, 200},
                                                                     {2, 307},
                                                                     {2, -1},
                                                                     {3, 1},
                                                                     {3, 308},
                                                                     {3, -1}}));
  CAPTURE(version, kill_at);
  test::TempDir dir;
  const std::string path = dir.file("device.db");
  const LegacyRows rows = write_version(version, path, 300);
  open_killed(path, store_key(1), kill_at);
  check_migrated(path, rows, store_key(1));
  if (version >= 2) check_version2_extras(path, rows, store_key(1));
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

// A phone's database under key, with rpis heard in two scans and a positive test.
std::vector<Rpi> write_phone(const std::string& path, const StoreKey& key, int rpis) {
  ManualClock clock(kDay0 + 9 * kHour);
  SeededRandom random(5);
  ClientConfig config;
  config.store_key = key;
  auto client = Client::open(path, config, clock, random);
  REQUIRE(client);
  REQUIRE((*client)->advertisement());
  std::vector<Observation> heard;
  std::vector<Rpi> out;
  for (int i = 0; i < rpis; ++i) {
    Observation o{};
    random.fill(o.rpi);
    o.rssi_dbm = -60;
    heard.push_back(o);
    out.push_back(o.rpi);
  }
  REQUIRE((*client)->record_scan(heard));
  clock.advance(5 * kMinute);
  REQUIRE((*client)->record_scan(heard));
  REQUIRE((*client)->set_positive_test(kDay0));
  return out;
}

// Opens path with key and checks that every RPI and the test are there.
Result<std::unique_ptr<Client>> open_phone(const std::string& path, const StoreKey& key,
                                           ManualClock& clock, SeededRandom& random) {
  ClientConfig config;
  config.store_key = key;
  return Client::open(path, config, clock, random);
}

void check_phone(Client& client, const std::vector<Rpi>& rpis) {
  auto snapshot = client.encounter_log().snapshot(1);
  REQUIRE(snapshot);
  CHECK(snapshot->records().size() == rpis.size());
  for (const Rpi& rpi : rpis) {
    const EncounterRecord* record = snapshot->find(rpi);
    REQUIRE(record != nullptr);
    CHECK(record->sightings.size() == 2);
  }
  CHECK(snapshot->scan_times().size() == 2);
  auto positive = client.exposure_store().positive_test();
  REQUIRE(positive);
  CHECK(*positive == kDay0);
}

TEST_CASE("rotating the store key reseals every row and retires the old key", "[store]") {
  test::TempDir dir;
  const std::string path = dir.file("device.db");
  const std::vector<Rpi> rpis = write_phone(path, store_key(1), 20);
  ManualClock clock(kDay0 + 10 * kHour);
  SeededRandom random(6);
  Bytes old_tag;
  {
    auto client = open_phone(path, store_key(1), clock, random);
    REQUIRE(client);
    old_tag = (*client)->database().cipher().lookup_tag("encounter", rpis[0]);
    REQUIRE((*client)->run_retention());
    CHECK(on_disk(path, old_tag));  // the control
    REQUIRE((*client)->rotate_store_key(store_key(2)));
    CHECK_FALSE(on_disk(path, old_tag));
    // The client goes on under the new key: the index, the statements and the cipher.
    check_phone(**client, rpis);
    auto stats = (*client)->encounter_stats();
    REQUIRE(stats);
    CHECK(stats->confirmed == 20);
    clock.advance(5 * kMinute);
    const Observation again{rpis[0], Aem{}, -50};
    REQUIRE((*client)->record_scan(std::span<const Observation>(&again, 1)));
  }
  auto old_key = open_phone(path, store_key(1), clock, random);
  REQUIRE_FALSE(old_key);
  CHECK(old_key.error().code == ErrorCode::kAuthentication);
  auto client = open_phone(path, store_key(2), clock, random);
  REQUIRE(client);
  auto snapshot = (*client)->encounter_log().snapshot(1);
  REQUIRE(snapshot);
  REQUIRE(snapshot->find(rpis[0]) != nullptr);
  CHECK(snapshot->find(rpis[0])->sightings.size() == 3);
  auto integrity = (*client)->database().integrity_check();
  REQUIRE(integrity);
  CHECK(*integrity == "ok");
}

TEST_CASE("a kill -9 during key rotation leaves exactly one key working", "[store][crash]") {
  // 20 encounters, 2 scans, 1 own key, 1 test = 24 rows; -1: after the commit, before the
  // scrub.
  const std::int64_t kill_at = GENERATE(1, 12, 24, -1);
  CAPTURE(kill_at);
  test::TempDir dir;
  const std::string path = dir.file("device.db");
  const std::vector<Rpi> rpis = write_phone(path, store_key(1), 20);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ManualClock clock(kDay0 + 10 * kHour);
    SeededRandom random(6);
    auto client = open_phone(path, store_key(1), clock, random);
    if (!client) _exit(1);
    auto rotated = (*client)->rotate_store_key(store_key(2), [&](std::int64_t written) {
      if (written == kill_at) raise(SIGKILL);
    });
    _exit(rotated ? 0 : 2);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);

  ManualClock clock(kDay0 + 10 * kHour);
  SeededRandom random(7);
  const bool committed = kill_at == -1;
  auto with_old = open_phone(path, store_key(1), clock, random);
  auto with_new = open_phone(path, store_key(2), clock, random);
  CHECK(bool(with_old) != committed);
  CHECK(bool(with_new) == committed);
  auto& working = committed ? with_new : with_old;
  auto& refused = committed ? with_old : with_new;
  REQUIRE(working);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kAuthentication);
  check_phone(**working, rpis);
}

TEST_CASE("the C API rotates the store key", "[store][c_api]") {
  test::TempDir dir;
  const std::string path = dir.file("device.db");
  std::uint8_t key1[GL_STORE_KEY_SIZE];
  std::uint8_t key2[GL_STORE_KEY_SIZE];
  std::memset(key1, 0x11, sizeof key1);
  std::memset(key2, 0x22, sizeof key2);
  gl_client* client = nullptr;
  char error[256] = {0};
  REQUIRE(gl_client_open_encrypted(path.c_str(), key1, sizeof key1, nullptr, nullptr, &client,
                                   error, sizeof error) == GL_OK);
  CHECK(gl_client_rotate_store_key(client, key2, 31) == GL_ERR_INVALID_ARGUMENT);
  CHECK(std::string(gl_last_error(client)) == "new_key must be 32 bytes, got 31");
  CHECK(gl_client_rotate_store_key(client, key2, sizeof key2) == GL_OK);
  gl_client_close(client);
  client = nullptr;
  CHECK(gl_client_open_encrypted(path.c_str(), key1, sizeof key1, nullptr, nullptr, &client, error,
                                 sizeof error) == GL_ERR_AUTHENTICATION);
  CHECK(client == nullptr);
  REQUIRE(gl_client_open_encrypted(path.c_str(), key2, sizeof key2, nullptr, nullptr, &client,
                                   error, sizeof error) == GL_OK);
  gl_client_close(client);
  CHECK(gl_client_rotate_store_key(nullptr, key2, sizeof key2) == GL_ERR_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace greenlight::client

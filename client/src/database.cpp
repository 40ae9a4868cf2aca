#include "greenlight/client/database.h"

#include <array>
#include <utility>

#include "internal/store_migration.h"

namespace greenlight::client {
namespace {

// Schema migrations, applied in order; PRAGMA user_version counts the ones that ran.
// Versions 2 (the sealed store) and 3 (encounter times, RSSI, scan times, upload secrets and
// venue matches sealed too) need the store key and are built in C++ (store_migration.cpp,
// which converts versions 1 and 2 to 3 in one transaction); later SQL-only versions append
// here; never edit a shipped one.
constexpr std::array<std::string_view, 1> kMigrations = {
    R"sql(
CREATE TABLE own_tek(
  id INTEGER PRIMARY KEY,
  key_data BLOB NOT NULL,
  rolling_start_interval INTEGER NOT NULL,
  rolling_period INTEGER NOT NULL,
  created_at INTEGER NOT NULL);
CREATE TABLE scan(time INTEGER PRIMARY KEY NOT NULL);
CREATE TABLE encounter(
  rpi BLOB PRIMARY KEY NOT NULL,
  bucket INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  aem BLOB NOT NULL,
  scan_count INTEGER NOT NULL,
  max_rssi INTEGER NOT NULL,
  scans BLOB NOT NULL) WITHOUT ROWID;
CREATE INDEX encounter_by_bucket ON encounter(bucket, scan_count, max_rssi);
CREATE TABLE processed_export(
  id INTEGER PRIMARY KEY,
  sha256 BLOB NOT NULL,
  path TEXT NOT NULL,
  processed_at INTEGER NOT NULL);
CREATE INDEX processed_export_by_hash ON processed_export(sha256);
CREATE INDEX processed_export_by_path ON processed_export(path);
CREATE TABLE exposure_window(
  id INTEGER PRIMARY KEY,
  key_tag BLOB NOT NULL,
  start_time INTEGER NOT NULL,
  report_type INTEGER NOT NULL,
  days_since_onset INTEGER,
  calibration_confidence INTEGER NOT NULL,
  scans BLOB NOT NULL,
  recorded_at INTEGER NOT NULL);
CREATE INDEX exposure_window_by_key ON exposure_window(key_tag);
CREATE TABLE own_test(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  test_time INTEGER NOT NULL);
)sql",
};

}  // namespace

Result<Database> Database::open(const std::string& path, const DatabaseOptions& options) {
  GL_ASSIGN_OR_RETURN(auto connection, sqlite::Connection::open(path));
  Database database(std::move(connection));
  GL_RETURN_IF_ERROR(database.configure());
  GL_RETURN_IF_ERROR(database.migrate());
  GL_ASSIGN_OR_RETURN(*database.cipher_,
                      open_device_store(database, options.store_key, options.migration_observer));
  return database;
}

Database::~Database() = default;

Status Database::configure() {
  // secure_delete must be on before anything is deleted; journal_mode=WAL persists in the
  // file, the others are per connection.
  GL_RETURN_IF_ERROR(
      exec("PRAGMA secure_delete=ON; PRAGMA synchronous=FULL; PRAGMA temp_store=MEMORY;"
           "PRAGMA foreign_keys=ON;"));
  auto mode = prepare("PRAGMA journal_mode=WAL");
  GL_RETURN_IF_ERROR(mode);
  auto row = mode->step();
  GL_RETURN_IF_ERROR(row);
  const std::string journal(*row ? mode->column_text(0) : std::string_view{});
  if (journal != "wal" && journal != "memory") {
    return make_error(ErrorCode::kIo, "expected journal_mode wal, got '" + journal + "'");
  }
  auto secure = query_int64("PRAGMA secure_delete");
  GL_RETURN_IF_ERROR(secure);
  if (*secure != 1) return make_error(ErrorCode::kInternal, "secure_delete could not be enabled");
  return ok();
}

Status Database::migrate() {
  auto version = schema_version();
  GL_RETURN_IF_ERROR(version);
  // Newer versions are refused by open_device_store, which knows the latest.
  for (auto v = static_cast<std::size_t>(*version); v < kMigrations.size(); ++v) {
    auto tx = Transaction::begin(*this);
    GL_RETURN_IF_ERROR(tx);
    GL_RETURN_IF_ERROR(exec(kMigrations[v]));
    GL_RETURN_IF_ERROR(exec("PRAGMA user_version = " + std::to_string(v + 1)));
    GL_RETURN_IF_ERROR(tx->commit());
  }
  return ok();
}

Result<std::int64_t> Database::schema_version() { return query_int64("PRAGMA user_version"); }

}  // namespace greenlight::client

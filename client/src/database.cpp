#include "greenlight/client/database.h"

#include <sqlite3.h>

#include <array>
#include <limits>

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

std::string sqlite_message(sqlite3* db, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  return message;
}

ErrorCode code_for(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::kUnavailable;
    case SQLITE_FULL:
      return ErrorCode::kResourceExhausted;
    case SQLITE_CONSTRAINT:
      return ErrorCode::kAlreadyExists;
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
      return ErrorCode::kInternal;
    default:
      return ErrorCode::kIo;
  }
}

int to_int(std::size_t n) {
  return n > static_cast<std::size_t>(std::numeric_limits<int>::max())
             ? std::numeric_limits<int>::max()
             : static_cast<int>(n);
}

}  // namespace

void SqliteConnectionCloser::operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
void SqliteStatementFinalizer::operator()(sqlite3_stmt* stmt) const noexcept {
  sqlite3_finalize(stmt);
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Statement& Statement::bind(int index, ByteSpan blob) {
  // A zero-length blob must still bind as a blob, not as NULL.
  static constexpr std::uint8_t kEmpty = 0;
  const void* data = blob.empty() ? &kEmpty : blob.data();
  const int rc = sqlite3_bind_blob(stmt_.get(), index, data, to_int(blob.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Statement& Statement::bind_text(int index, std::string_view text) {
  // A null data pointer would bind NULL; an empty string must stay a string.
  const char* data = text.data() != nullptr ? text.data() : "";
  const int rc = sqlite3_bind_text(stmt_.get(), index, data, to_int(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_.get(), index);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Result<bool> Statement::step() {
  sqlite3* db = sqlite3_db_handle(stmt_.get());
  if (bind_error_ != 0) {
    const int rc = bind_error_;
    bind_error_ = 0;
    return make_error(code_for(rc),
                      std::string("binding a parameter failed: ") + sqlite3_errstr(rc));
  }
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return make_error(code_for(rc), sqlite_message(db, "database step failed"));
}

Status Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) {
      reset();
      return std::unexpected(row.error());
    }
    if (!*row) break;
  }
  reset();
  return ok();
}

void Statement::reset() noexcept {
  if (!stmt_) return;
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bind_error_ = 0;
}

std::int64_t Statement::column_int64(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

ByteSpan Statement::column_blob(int column) const {
  const void* data = sqlite3_column_blob(stmt_.get(), column);
  const int size = sqlite3_column_bytes(stmt_.get(), column);
  if (data == nullptr || size <= 0) return {};
  return {static_cast<const std::uint8_t*>(data), static_cast<std::size_t>(size)};
}

std::string_view Statement::column_text(int column) const {
  const unsigned char* data = sqlite3_column_text(stmt_.get(), column);
  const int size = sqlite3_column_bytes(stmt_.get(), column);
  if (data == nullptr || size <= 0) return {};
  return {reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)};
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

Result<Database> Database::open(const std::string& path, const DatabaseOptions& options) {
  Database database;
  database.path_ = path;
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  database.db_.reset(raw);
  if (rc != SQLITE_OK) {
    return make_error(ErrorCode::kIo, sqlite_message(raw, "cannot open database '" + path + "'"));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  GL_RETURN_IF_ERROR(database.configure());
  GL_RETURN_IF_ERROR(database.migrate());
  auto cipher = open_device_store(database, options.store_key, options.migration_observer);
  GL_RETURN_IF_ERROR(cipher);
  *database.cipher_ = std::move(*cipher);
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

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), to_int(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  Statement statement(raw);
  if (rc != SQLITE_OK) {
    return make_error(code_for(rc), sqlite_message(db_.get(), "cannot prepare statement"));
  }
  return statement;
}

Result<StatementLease> Database::cached(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    auto statement = prepare(sql);
    GL_RETURN_IF_ERROR(statement);
    it = cache_.emplace(std::string(sql), std::make_unique<Statement>(std::move(*statement))).first;
  }
  it->second->reset();
  return StatementLease(it->second.get());
}

Status Database::exec(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string what = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return make_error(code_for(rc), "database statement failed: " + what);
  }
  return ok();
}

std::int64_t Database::changes() const { return sqlite3_changes64(db_.get()); }
std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }

Status Database::checkpoint_truncate() {
  int wal_frames = 0;
  int checkpointed = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE,
                                           &wal_frames, &checkpointed);
  if (rc != SQLITE_OK) {
    return make_error(code_for(rc), sqlite_message(db_.get(), "WAL checkpoint failed"));
  }
  return ok();
}

Result<std::string> Database::integrity_check() {
  auto statement = prepare("PRAGMA integrity_check");
  GL_RETURN_IF_ERROR(statement);
  std::string findings;
  for (;;) {
    auto row = statement->step();
    GL_RETURN_IF_ERROR(row);
    if (!*row) break;
    if (!findings.empty()) findings += '\n';
    findings += statement->column_text(0);
  }
  return findings;
}

Result<std::int64_t> Database::size_bytes() {
  auto pages = query_int64("PRAGMA page_count");
  GL_RETURN_IF_ERROR(pages);
  auto page_size = query_int64("PRAGMA page_size");
  GL_RETURN_IF_ERROR(page_size);
  return *pages * *page_size;
}

Result<std::int64_t> Database::schema_version() { return query_int64("PRAGMA user_version"); }

Result<std::int64_t> Database::query_int64(std::string_view sql) {
  auto statement = prepare(sql);
  GL_RETURN_IF_ERROR(statement);
  auto row = statement->step();
  GL_RETURN_IF_ERROR(row);
  if (!*row) return make_error(ErrorCode::kInternal, "query returned no row: " + std::string(sql));
  return statement->column_int64(0);
}

Result<Transaction> Transaction::begin(Database& db) {
  GL_RETURN_IF_ERROR(db.exec("SAVEPOINT greenlight_tx"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ == nullptr) return;
  // Roll back to the savepoint and drop it; errors cannot be reported from a destructor
  // and leave SQLite's own rollback in place.
  (void)db_->exec("ROLLBACK TO greenlight_tx; RELEASE greenlight_tx");
}

Status Transaction::commit() {
  if (db_ == nullptr)
    return make_error(ErrorCode::kFailedPrecondition, "transaction already ended");
  auto s = db_->exec("RELEASE greenlight_tx");
  if (s) db_ = nullptr;
  return s;
}

}  // namespace greenlight::client

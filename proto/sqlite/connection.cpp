#include "greenlight/sqlite/connection.h"

#include <sqlite3.h>

#include <limits>

namespace greenlight::sqlite {
namespace {

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

void ConnectionCloser::operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
void StatementFinalizer::operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }

Statement& Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Statement& Statement::bind_double(int index, double value) {
  const int rc = sqlite3_bind_double(stmt_.get(), index, value);
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

int Statement::parameter_count() const { return sqlite3_bind_parameter_count(stmt_.get()); }

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

int Statement::column_count() const { return sqlite3_column_count(stmt_.get()); }

ColumnType Statement::column_type(int column) const {
  switch (sqlite3_column_type(stmt_.get(), column)) {
    case SQLITE_INTEGER:
      return ColumnType::kInteger;
    case SQLITE_FLOAT:
      return ColumnType::kFloat;
    case SQLITE_TEXT:
      return ColumnType::kText;
    case SQLITE_BLOB:
      return ColumnType::kBlob;
    default:
      return ColumnType::kNull;
  }
}

std::int64_t Statement::column_int64(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

double Statement::column_double(int column) const {
  return sqlite3_column_double(stmt_.get(), column);
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

Result<Connection> Connection::open(const std::string& path, const OpenOptions& options) {
  Connection connection;
  connection.path_ = path;
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  connection.db_.reset(raw);
  if (rc != SQLITE_OK) {
    return make_error(ErrorCode::kIo, sqlite_message(raw, "cannot open database '" + path + "'"));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  return connection;
}

Connection::~Connection() = default;

Result<Statement> Connection::prepare(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), to_int(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  Statement statement(raw);
  if (rc != SQLITE_OK) {
    return make_error(code_for(rc), sqlite_message(db_.get(), "cannot prepare statement"));
  }
  if (raw == nullptr) {
    return make_error(ErrorCode::kInvalidArgument,
                      "no SQL statement in '" + std::string(sql) + "'");
  }
  return statement;
}

Result<StatementLease> Connection::cached(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    GL_ASSIGN_OR_RETURN(auto statement, prepare(sql));
    it = cache_.emplace(std::string(sql), std::make_unique<Statement>(std::move(statement))).first;
  }
  it->second->reset();
  return StatementLease(it->second.get());
}

Status Connection::exec(std::string_view sql) {
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

Result<std::int64_t> Connection::query_int64(std::string_view sql) {
  GL_ASSIGN_OR_RETURN(auto statement, prepare(sql));
  GL_ASSIGN_OR_RETURN(const bool row, statement.step());
  if (!row) return make_error(ErrorCode::kInternal, "query returned no row: " + std::string(sql));
  return statement.column_int64(0);
}

std::int64_t Connection::changes() const { return sqlite3_changes64(db_.get()); }
std::int64_t Connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }

Status Connection::checkpoint_truncate() {
  int wal_frames = 0;
  int checkpointed = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE,
                                           &wal_frames, &checkpointed);
  if (rc != SQLITE_OK) {
    return make_error(code_for(rc), sqlite_message(db_.get(), "WAL checkpoint failed"));
  }
  return ok();
}

Result<std::string> Connection::integrity_check() {
  GL_ASSIGN_OR_RETURN(auto statement, prepare("PRAGMA integrity_check"));
  std::string findings;
  for (;;) {
    GL_ASSIGN_OR_RETURN(const bool row, statement.step());
    if (!row) break;
    if (!findings.empty()) findings += '\n';
    findings += statement.column_text(0);
  }
  return findings;
}

Result<std::int64_t> Connection::size_bytes() {
  GL_ASSIGN_OR_RETURN(const std::int64_t pages, query_int64("PRAGMA page_count"));
  GL_ASSIGN_OR_RETURN(const std::int64_t page_size, query_int64("PRAGMA page_size"));
  return pages * page_size;
}

Result<Transaction> Transaction::begin(Connection& db) {
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

}  // namespace greenlight::sqlite

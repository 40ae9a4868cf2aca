#include "internal/sqlite.h"

#include <string>
#include <utility>

namespace greenlight::server::internal {

Statement::~Statement() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::bind(int index, std::int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

void Statement::bind(int index, ByteSpan value) {
  // SQLITE_STATIC: the caller keeps the bytes alive until the statement is reset.
  sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_STATIC);
}

void Statement::bind(int index, std::string_view value) {
  sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8);
}

void Statement::bind_null(int index) { sqlite3_bind_null(stmt_, index); }

Status Statement::bind_all(const std::vector<SqlValue>& params) {
  const int expected = sqlite3_bind_parameter_count(stmt_);
  if (static_cast<std::size_t>(expected) != params.size()) {
    return make_error(ErrorCode::kInvalidArgument, "statement expects " + std::to_string(expected) +
                                                       " parameters, got " +
                                                       std::to_string(params.size()));
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    const SqlValue& v = params[i];
    if (std::holds_alternative<std::monostate>(v)) {
      bind_null(index);
    } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
      bind(index, *n);
    } else if (const auto* d = std::get_if<double>(&v)) {
      sqlite3_bind_double(stmt_, index, *d);
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      bind(index, std::string_view(*s));
    } else {
      bind(index, ByteSpan(std::get<Bytes>(v)));
    }
  }
  return ok();
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(stmt_);
  return make_error(rc == SQLITE_CONSTRAINT ? ErrorCode::kAlreadyExists : ErrorCode::kIo,
                    std::string("sqlite step: ") + sqlite3_errmsg(db));
}

std::int64_t Statement::column_int(int i) const { return sqlite3_column_int64(stmt_, i); }

bool Statement::column_is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

Bytes Statement::column_blob(int i) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, i));
  const int n = sqlite3_column_bytes(stmt_, i);
  if (p == nullptr || n <= 0) return {};
  return Bytes(p, p + n);
}

std::string Statement::column_text(int i) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
  const int n = sqlite3_column_bytes(stmt_, i);
  if (p == nullptr || n <= 0) return {};
  return std::string(p, static_cast<std::size_t>(n));
}

SqlValue Statement::column_value(int i) const {
  switch (sqlite3_column_type(stmt_, i)) {
    case SQLITE_INTEGER:
      return column_int(i);
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt_, i);
    case SQLITE_TEXT:
      return column_text(i);
    case SQLITE_BLOB:
      return column_blob(i);
    default:
      return std::monostate{};
  }
}

int Statement::column_count() const { return sqlite3_column_count(stmt_); }

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  SqliteHandle db(raw);
  if (rc != SQLITE_OK) {
    return make_error(ErrorCode::kIo, "cannot open database " + path + ": " +
                                          (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(db.get(), busy_timeout_ms);
  sqlite3_extended_result_codes(db.get(), 0);
  return std::unique_ptr<Connection>(new Connection(std::move(db)));
}

Error Connection::last_error(std::string_view what) const {
  return Error{ErrorCode::kIo, std::string(what) + ": " + sqlite3_errmsg(db_.get())};
}

Status Connection::exec(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string m = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return make_error(ErrorCode::kIo, "sqlite: " + m);
  }
  return ok();
}

Result<std::unique_ptr<Statement>> Connection::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    StatementHandle stmt(raw);
    if (rc != SQLITE_OK || raw == nullptr) return std::unexpected(last_error("sqlite prepare"));
    it = cache_.emplace(std::string(sql), std::move(stmt)).first;
  }
  return std::make_unique<Statement>(it->second.get());
}

Result<std::int64_t> Connection::execute(std::string_view sql,
                                         const std::vector<SqlValue>& params) {
  auto stmt = prepare(sql);
  GL_RETURN_IF_ERROR(stmt);
  GL_RETURN_IF_ERROR((*stmt)->bind_all(params));
  while (true) {
    auto row = (*stmt)->step();
    GL_RETURN_IF_ERROR(row);
    if (!*row) break;
  }
  return changes();
}

Result<std::vector<SqlRow>> Connection::query(std::string_view sql,
                                              const std::vector<SqlValue>& params) {
  auto stmt = prepare(sql);
  GL_RETURN_IF_ERROR(stmt);
  GL_RETURN_IF_ERROR((*stmt)->bind_all(params));
  std::vector<SqlRow> rows;
  while (true) {
    auto row = (*stmt)->step();
    GL_RETURN_IF_ERROR(row);
    if (!*row) break;
    SqlRow r;
    const int n = (*stmt)->column_count();
    r.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) r.push_back((*stmt)->column_value(i));
    rows.push_back(std::move(r));
  }
  return rows;
}

std::int64_t Connection::changes() const { return sqlite3_changes64(db_.get()); }

}  // namespace greenlight::server::internal

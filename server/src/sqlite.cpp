#include "internal/sqlite.h"

#include <mutex>
#include <string>
#include <utility>

namespace greenlight::server::internal {

Status bind_all(Statement& statement, const std::vector<SqlValue>& params) {
  const int expected = statement.parameter_count();
  if (static_cast<std::size_t>(expected) != params.size()) {
    return make_error(ErrorCode::kInvalidArgument, "statement expects " + std::to_string(expected) +
                                                       " parameters, got " +
                                                       std::to_string(params.size()));
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    const SqlValue& v = params[i];
    if (std::holds_alternative<std::monostate>(v)) {
      statement.bind_null(index);
    } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
      statement.bind(index, *n);
    } else if (const auto* d = std::get_if<double>(&v)) {
      statement.bind_double(index, *d);
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      statement.bind_text(index, *s);
    } else {
      statement.bind(index, ByteSpan(std::get<Bytes>(v)));
    }
  }
  return ok();
}

SqlValue column_value(const Statement& statement, int column) {
  switch (statement.column_type(column)) {
    case sqlite::ColumnType::kInteger:
      return statement.column_int64(column);
    case sqlite::ColumnType::kFloat:
      return statement.column_double(column);
    case sqlite::ColumnType::kText:
      return std::string(statement.column_text(column));
    case sqlite::ColumnType::kBlob: {
      const ByteSpan blob = statement.column_blob(column);
      return Bytes(blob.begin(), blob.end());
    }
    case sqlite::ColumnType::kNull:
      break;
  }
  return std::monostate{};
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, int busy_timeout_ms) {
  GL_ASSIGN_OR_RETURN(auto db,
                      sqlite::Connection::open(path, {.busy_timeout_ms = busy_timeout_ms}));
  return std::unique_ptr<Connection>(new Connection(std::move(db)));
}

Result<std::int64_t> Connection::execute(std::string_view sql,
                                         const std::vector<SqlValue>& params) {
  GL_ASSIGN_OR_RETURN(auto statement, cached(sql));
  GL_RETURN_IF_ERROR(bind_all(*statement, params));
  GL_RETURN_IF_ERROR(statement->run());
  return changes();
}

Result<std::vector<SqlRow>> Connection::query(std::string_view sql,
                                              const std::vector<SqlValue>& params) {
  GL_ASSIGN_OR_RETURN(auto statement, cached(sql));
  GL_RETURN_IF_ERROR(bind_all(*statement, params));
  std::vector<SqlRow> rows;
  for (;;) {
    GL_ASSIGN_OR_RETURN(const bool row, statement->step());
    if (!row) break;
    SqlRow r;
    const int n = statement->column_count();
    r.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) r.push_back(column_value(*statement, i));
    rows.push_back(std::move(r));
  }
  return rows;
}

namespace {

class FileDatabase final : public SqlDatabase {
 public:
  explicit FileDatabase(std::unique_ptr<Connection> connection)
      : connection_(std::move(connection)) {}

  Status ensure_schema(const std::vector<std::string>& statements) override {
    return transact([&](StoreTransaction& tx) -> Status {
      for (const std::string& statement : statements) GL_RETURN_IF_ERROR(tx.execute(statement));
      return ok();
    });
  }
  Status transact(std::function<Status(StoreTransaction&)> fn) override {
    return run("BEGIN IMMEDIATE", fn);
  }
  Status read(std::function<Status(StoreTransaction&)> fn) override { return run("BEGIN", fn); }

 private:
  Status run(std::string_view begin, const std::function<Status(StoreTransaction&)>& fn) {
    std::lock_guard lock(mutex_);
    GL_RETURN_IF_ERROR(connection_->exec(begin));
    ConnectionTransaction tx(*connection_);
    Status s = fn(tx);
    if (s) s = connection_->exec("COMMIT");
    if (!s) (void)connection_->exec("ROLLBACK");
    return s;
  }

  std::mutex mutex_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace

Result<std::unique_ptr<SqlDatabase>> open_sqlite_database(const std::string& path,
                                                          int busy_timeout_ms) {
  GL_ASSIGN_OR_RETURN(auto connection, Connection::open(path, busy_timeout_ms));
  GL_RETURN_IF_ERROR(connection->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"));
  GL_ASSIGN_OR_RETURN(auto mode, connection->query("PRAGMA journal_mode", {}));
  const std::string* journal =
      mode.empty() || mode[0].empty() ? nullptr : std::get_if<std::string>(&mode[0][0]);
  if (journal == nullptr || *journal != "wal") {
    return make_error(ErrorCode::kIo, "database " + path + " cannot use WAL journaling");
  }
  return std::unique_ptr<SqlDatabase>(new FileDatabase(std::move(connection)));
}

}  // namespace greenlight::server::internal

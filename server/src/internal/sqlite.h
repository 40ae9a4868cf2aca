// Thin RAII layer over the SQLite C API used by the SQLite store: connections and prepared
// statements owned by unique_ptr with deleters, a per-connection statement cache, and
// binding of SqlValue parameters. A Connection is used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/crypto/result.h"
#include "greenlight/server/store.h"

namespace greenlight::server::internal {

struct SqliteCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct SqliteFinalizer {
  void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
using SqliteHandle = std::unique_ptr<sqlite3, SqliteCloser>;
using StatementHandle = std::unique_ptr<sqlite3_stmt, SqliteFinalizer>;

// A cached prepared statement, reset and cleared when the guard is destroyed.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  [[nodiscard]] Status bind_all(const std::vector<SqlValue>& params);
  void bind(int index, std::int64_t value);
  void bind(int index, ByteSpan value);
  void bind(int index, std::string_view value);
  void bind_null(int index);
  // true: a row is ready; false: done.
  [[nodiscard]] Result<bool> step();
  std::int64_t column_int(int i) const;
  bool column_is_null(int i) const;
  Bytes column_blob(int i) const;
  std::string column_text(int i) const;
  SqlValue column_value(int i) const;
  int column_count() const;
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Connection>> open(const std::string& path,
                                                                int busy_timeout_ms);
  // Runs one or more statements without parameters.
  [[nodiscard]] Status exec(std::string_view sql);
  [[nodiscard]] Result<std::unique_ptr<Statement>> prepare(std::string_view sql);
  [[nodiscard]] Result<std::int64_t> execute(std::string_view sql,
                                             const std::vector<SqlValue>& params);
  [[nodiscard]] Result<std::vector<SqlRow>> query(std::string_view sql,
                                                  const std::vector<SqlValue>& params);
  std::int64_t changes() const;
  Error last_error(std::string_view what) const;
  sqlite3* handle() const { return db_.get(); }

 private:
  explicit Connection(SqliteHandle db) : db_(std::move(db)) {}
  SqliteHandle db_;
  std::map<std::string, StatementHandle, std::less<>> cache_;
};

// StoreTransaction over a connection that is inside a transaction.
class ConnectionTransaction final : public StoreTransaction {
 public:
  explicit ConnectionTransaction(Connection& connection) : connection_(connection) {}
  Result<std::int64_t> execute(std::string_view sql, const std::vector<SqlValue>& params) override {
    return connection_.execute(sql, params);
  }
  Result<std::vector<SqlRow>> query(std::string_view sql,
                                    const std::vector<SqlValue>& params) override {
    return connection_.query(sql, params);
  }

 private:
  Connection& connection_;
};

}  // namespace greenlight::server::internal

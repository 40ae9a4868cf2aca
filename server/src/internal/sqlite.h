// The server's use of the shared SQLite layer (greenlight/sqlite/connection.h): a connection
// that also runs the store's portable statements with SqlValue parameters and rows
// (store.h), for the embedded store (sqlite_store.cpp) and the transparency log. A
// Connection is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/crypto/result.h"
#include "greenlight/server/store.h"
#include "greenlight/sqlite/connection.h"

namespace greenlight::server::internal {

using Statement = sqlite::Statement;

// Binds params to the statement's parameters 1..n; fails (kInvalidArgument) when the
// statement expects another number of them.
[[nodiscard]] Status bind_all(Statement& statement, const std::vector<SqlValue>& params);
// The value of one column of the current row, typed as SQLite stored it.
SqlValue column_value(const Statement& statement, int column);

class Connection : public sqlite::Connection {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Connection>> open(const std::string& path,
                                                                int busy_timeout_ms);
  // Runs sql (cached) with params; the number of rows changed.
  [[nodiscard]] Result<std::int64_t> execute(std::string_view sql,
                                             const std::vector<SqlValue>& params);
  // Runs sql (cached) with params; every row, each column typed as stored.
  [[nodiscard]] Result<std::vector<SqlRow>> query(std::string_view sql,
                                                  const std::vector<SqlValue>& params);

 private:
  explicit Connection(sqlite::Connection db) : sqlite::Connection(std::move(db)) {}
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

// A SqlDatabase on its own SQLite file (WAL, synchronous=FULL): the transparency log's file
// when it does not live in the server's store. Thread-safe (one connection behind a mutex);
// transact() runs under BEGIN IMMEDIATE, so a second process writing the same file waits
// (busy_timeout_ms) instead of interleaving.
[[nodiscard]] Result<std::unique_ptr<SqlDatabase>> open_sqlite_database(const std::string& path,
                                                                        int busy_timeout_ms);

}  // namespace greenlight::server::internal

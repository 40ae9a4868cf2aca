// The one SQLite layer of the tree (greenlight::sqlite, target greenlight::sqlite): RAII
// connections and prepared statements over the SQLite C API, used by the phone's device
// store (client::Database) and by the server's embedded store and transparency log
// (server/src/internal/sqlite.h). It lives in proto/ because proto/ is the part both sides
// build on; it knows no table of either side.
//
// Contracts:
// - Errors: every failure is a Result error with an ErrorCode from SQLite's primary result
//   code (busy/locked -> kUnavailable, full -> kResourceExhausted, constraint ->
//   kAlreadyExists, misuse/range -> kInternal, anything else -> kIo) and SQLite's message.
// - A bind failure is remembered and reported by the next step(). Blobs and text are copied
//   at bind time (SQLITE_TRANSIENT), so the caller's buffers may go away before step().
// - Statements from cached() are prepared once per connection and reset (bindings cleared)
//   when their lease ends, so no statement keeps a read transaction open.
// - Transaction is a SAVEPOINT: it nests, and rolls back in its destructor unless commit()
//   succeeded.
// Thread-safety: a Connection and everything prepared from it belong to one thread at a time
// (opened with SQLITE_OPEN_NOMUTEX; the owner serialises calls).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace greenlight::sqlite {

struct ConnectionCloser {
  void operator()(sqlite3* db) const noexcept;
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const noexcept;
};

// SQLite's fundamental column types (sqlite3_column_type).
enum class ColumnType { kInteger, kFloat, kText, kBlob, kNull };

// One prepared statement. Bind indexes are 1-based, column indexes 0-based (SQLite's
// convention).
class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}

  Statement& bind(int index, std::int64_t value);
  Statement& bind_double(int index, double value);
  Statement& bind(int index, ByteSpan blob);
  Statement& bind_text(int index, std::string_view text);
  Statement& bind_null(int index);
  int parameter_count() const;

  // Advances: true when a row is available, false when the statement is done.
  [[nodiscard]] Result<bool> step();
  // Steps until done (for statements that return no rows) and resets.
  [[nodiscard]] Status run();
  // Resets for re-execution and clears the bindings.
  void reset() noexcept;

  int column_count() const;
  ColumnType column_type(int column) const;
  std::int64_t column_int64(int column) const;
  double column_double(int column) const;
  // Valid until the next step() or reset().
  ByteSpan column_blob(int column) const;
  std::string_view column_text(int column) const;
  bool column_is_null(int column) const;

 private:
  std::unique_ptr<sqlite3_stmt, StatementFinalizer> stmt_;
  int bind_error_ = 0;
};

// A statement borrowed from a Connection's cache; resets it when it goes out of scope.
class StatementLease {
 public:
  explicit StatementLease(Statement* statement) : statement_(statement) {}
  StatementLease(const StatementLease&) = delete;
  StatementLease& operator=(const StatementLease&) = delete;
  StatementLease(StatementLease&& other) noexcept
      : statement_(std::exchange(other.statement_, nullptr)) {}
  StatementLease& operator=(StatementLease&&) = delete;
  ~StatementLease() {
    if (statement_ != nullptr) statement_->reset();
  }
  Statement* operator->() const { return statement_; }
  Statement& operator*() const { return *statement_; }

 private:
  Statement* statement_;
};

struct OpenOptions {
  // How long a statement waits for another connection's lock before failing kUnavailable.
  int busy_timeout_ms = 5000;
};

class Connection {
 public:
  // Opens (creating if needed) the database at path, read-write. ":memory:" gives a private
  // in-memory database.
  [[nodiscard]] static Result<Connection> open(const std::string& path,
                                               const OpenOptions& options = {});

  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;
  ~Connection();

  [[nodiscard]] Result<Statement> prepare(std::string_view sql);
  // Prepares once and keeps the statement for reuse.
  [[nodiscard]] Result<StatementLease> cached(std::string_view sql);
  // Runs one or more statements that return no rows.
  [[nodiscard]] Status exec(std::string_view sql);
  // The first column of the first row of sql (a PRAGMA or a COUNT); kInternal without a row.
  [[nodiscard]] Result<std::int64_t> query_int64(std::string_view sql);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t changes() const;
  std::int64_t last_insert_rowid() const;

  // Copies the WAL into the database file and truncates the WAL to zero bytes. Fails
  // (kUnavailable) if a statement still holds a read transaction.
  [[nodiscard]] Status checkpoint_truncate();
  // PRAGMA integrity_check: "ok" when the file is sound, else SQLite's findings.
  [[nodiscard]] Result<std::string> integrity_check();
  // page_count * page_size of the main file.
  [[nodiscard]] Result<std::int64_t> size_bytes();

  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_.get(); }

 protected:
  Connection() = default;

 private:
  std::string path_;
  // Declared before the cache: statements are finalized before the connection closes.
  std::unique_ptr<sqlite3, ConnectionCloser> db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// A (possibly nested) transaction implemented with SAVEPOINT. Begin failures are returned,
// never thrown.
class Transaction {
 public:
  [[nodiscard]] static Result<Transaction> begin(Connection& db);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  [[nodiscard]] Status commit();

 private:
  explicit Transaction(Connection* db) : db_(db) {}
  Connection* db_;
};

}  // namespace greenlight::sqlite

// The device database: one SQLite file holding everything the phone stores (own keys,
// encounter log, processed exports, exposure windows, own test result; the venue check-in
// store adds its tables through a new schema migration).
//
// Guarantees:
// - Durability: WAL journal, synchronous=FULL. A transaction that committed survives a
//   crash or power loss at any later point; one that did not commit leaves no trace.
// - Atomicity: every multi-row change runs in a Transaction, which rolls back in its
//   destructor unless commit() succeeded, so a failure never half-applies.
// - Deletion removes the bytes: secure_delete=ON overwrites deleted content with zeros and
//   checkpoint_truncate() copies the WAL into the main file and truncates the WAL to zero
//   bytes, so deleted rows are not left in the -wal file either. temp_store=MEMORY keeps
//   sorts and temporary tables off the disk.
// - Schema: migrations in database.cpp are applied in order at open; PRAGMA user_version
//   records how many ran. New features append a migration, never edit an old one. Version 2
//   (store_migration.h) seals the sensitive tables under the app's store key.
// - Encryption at rest (docs/client.md "Encrypted device store"): opened with a store key, the
//   own keys, the encounter log, the exposure windows and the own test result are sealed per
//   row (AES-256-GCM) with keyed lookup tags (HMAC-SHA256), under keys derived from the store
//   key (store_cipher.h); a wrong key fails with kAuthentication and changes nothing; an
//   encrypted database opened without a key fails with kFailedPrecondition. Opened without a
//   key (the simulator's in-memory databases, desktop tools), the same rows are stored in the
//   clear.
//
// Thread-safety: a Database and everything prepared from it belong to one thread at a
// time (the owner serialises calls). Handles are owned by unique_ptr with deleters.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "greenlight/client/store_cipher.h"
#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace greenlight::client {

struct SqliteConnectionCloser {
  void operator()(sqlite3* db) const noexcept;
};
struct SqliteStatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const noexcept;
};

// One prepared statement. Bind indexes are 1-based, column indexes 0-based (SQLite's
// convention). A bind failure is remembered and reported by the next step().
class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, ByteSpan blob);
  Statement& bind_text(int index, std::string_view text);
  Statement& bind_null(int index);

  // Advances: true when a row is available, false when the statement is done.
  [[nodiscard]] Result<bool> step();
  // Steps until done (for statements that return no rows) and resets.
  [[nodiscard]] Status run();
  // Resets for re-execution and clears the bindings.
  void reset() noexcept;

  std::int64_t column_int64(int column) const;
  // Valid until the next step() or reset().
  ByteSpan column_blob(int column) const;
  std::string_view column_text(int column) const;
  bool column_is_null(int column) const;

 private:
  std::unique_ptr<sqlite3_stmt, SqliteStatementFinalizer> stmt_;
  int bind_error_ = 0;
};

// A statement borrowed from the Database's cache; resets it when it goes out of scope so
// that no statement keeps a read transaction open.
class StatementLease {
 public:
  explicit StatementLease(Statement* statement) : statement_(statement) {}
  StatementLease(const StatementLease&) = delete;
  StatementLease& operator=(const StatementLease&) = delete;
  StatementLease(StatementLease&& other) noexcept
      : statement_(std::exchange(other.statement_, nullptr)) {}
  ~StatementLease() {
    if (statement_ != nullptr) statement_->reset();
  }
  Statement* operator->() const { return statement_; }
  Statement& operator*() const { return *statement_; }

 private:
  Statement* statement_;
};

struct DatabaseOptions {
  // The app's store key (from the platform keystore; never stored with the database).
  // nullopt: the rows are stored in the clear.
  std::optional<StoreKey> store_key;
  // Test hook: called while the store is encrypted in place (store_migration.h).
  std::function<void(std::int64_t)> migration_observer;
};

class Database {
 public:
  // Opens (creating if needed) the database at path and applies the pragmas and
  // migrations above. ":memory:" gives a private in-memory database (no WAL).
  [[nodiscard]] static Result<Database> open(const std::string& path,
                                             const DatabaseOptions& options = {});

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;
  ~Database();

  [[nodiscard]] Result<Statement> prepare(std::string_view sql);
  // Prepares once and keeps the statement for reuse.
  [[nodiscard]] Result<StatementLease> cached(std::string_view sql);
  // Runs one or more statements that return no rows.
  [[nodiscard]] Status exec(std::string_view sql);
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
  [[nodiscard]] Result<std::int64_t> schema_version();

  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_.get(); }
  // Seals and opens the sensitive rows (the pass-through cipher without a store key).
  const StoreCipher& cipher() const { return *cipher_; }

 private:
  Database() = default;
  [[nodiscard]] Status configure();
  [[nodiscard]] Status migrate();
  [[nodiscard]] Result<std::int64_t> query_int64(std::string_view sql);

  std::string path_;
  // Behind a pointer so that its address stays put when the Database moves.
  std::unique_ptr<StoreCipher> cipher_ = std::make_unique<StoreCipher>();
  // Declared before the cache: statements are finalized before the connection closes.
  std::unique_ptr<sqlite3, SqliteConnectionCloser> db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// A (possibly nested) transaction implemented with SAVEPOINT. Rolls back in its destructor
// unless commit() succeeded. Begin failures are returned, never thrown.
class Transaction {
 public:
  [[nodiscard]] static Result<Transaction> begin(Database& db);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  [[nodiscard]] Status commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace greenlight::client

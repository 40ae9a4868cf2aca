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
// time (the owner serialises calls), as for every greenlight::sqlite::Connection.
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
#include "greenlight/sqlite/connection.h"

namespace greenlight::client {

// The shared SQLite layer (greenlight/sqlite/connection.h) under the names the phone's code
// uses.
using Statement = sqlite::Statement;
using StatementLease = sqlite::StatementLease;
using Transaction = sqlite::Transaction;

struct DatabaseOptions {
  // The app's store key (from the platform keystore; never stored with the database).
  // nullopt: the rows are stored in the clear.
  std::optional<StoreKey> store_key;
  // Test hook: called while the store is encrypted in place (store_migration.h).
  std::function<void(std::int64_t)> migration_observer;
};

// A device database is a SQLite connection (prepare, cached, exec, changes,
// checkpoint_truncate, integrity_check, size_bytes: greenlight::sqlite::Connection) with the
// device store's pragmas, schema migrations and row cipher.
class Database : public sqlite::Connection {
 public:
  // Opens (creating if needed) the database at path and applies the pragmas and
  // migrations above. ":memory:" gives a private in-memory database (no WAL).
  [[nodiscard]] static Result<Database> open(const std::string& path,
                                             const DatabaseOptions& options = {});

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;
  ~Database();

  [[nodiscard]] Result<std::int64_t> schema_version();

  // Seals and opens the sensitive rows (the pass-through cipher without a store key).
  const StoreCipher& cipher() const { return *cipher_; }

 private:
  explicit Database(sqlite::Connection connection) : sqlite::Connection(std::move(connection)) {}
  [[nodiscard]] Status configure();
  [[nodiscard]] Status migrate();

  // Behind a pointer so that its address stays put when the Database moves.
  std::unique_ptr<StoreCipher> cipher_ = std::make_unique<StoreCipher>();
};

}  // namespace greenlight::client

// The SQLite backend of Store (store.h).
//
// Durability: journal_mode=WAL, synchronous=FULL, secure_delete=ON. Writes go through one
// writer thread that commits several callers' writes in one transaction (group commit):
// each call runs inside its own SAVEPOINT, so a failing call is rolled back alone, and
// every caller is answered only after the COMMIT returned. Reads use a small pool of
// read-only connections (WAL readers do not block the writer).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "greenlight/crypto/random.h"
#include "greenlight/server/clock.h"
#include "greenlight/server/store.h"

namespace greenlight::server {

struct SqliteStoreOptions {
  std::string path;                  // database file; created if missing
  std::size_t max_batch = 256;       // most calls committed together
  std::size_t read_connections = 4;  // size of the read pool
  int busy_timeout_ms = 5000;
};

// clock: read inside write transactions (available_at of stored keys); rng: server
// secrets. Both must outlive the store.
[[nodiscard]] Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteStoreOptions& options,
                                                               const Clock& clock,
                                                               RandomSource& rng);

}  // namespace greenlight::server

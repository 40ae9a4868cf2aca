// The PostgreSQL backend of Store (store.h), through libpqxx: several server instances
// share one database (docs/deploy.md).
//
// - Every mutating call is one PostgreSQL transaction (READ COMMITTED), committed before the
//   call returns (durable with the server's synchronous_commit, on by default).
// - Claims are single use across instances: UPDATE ... WHERE claimed = 0 takes the row lock
//   and re-checks the condition after a concurrent claim committed; certificate ids are a
//   primary key.
// - Linearizability with keys_available() (store.h) across instances: an upload takes
//   ROW EXCLUSIVE on exposure_keys before it reads the clock for available_at, and
//   keys_available() reads under SHARE, so a window is read either after an upload
//   committed or before it read the clock. Instances must share a synchronised clock (NTP).
// - Module SQL (store.h's portable subset) is translated: '?' -> $n, and in CREATE TABLE
//   INTEGER -> BIGINT, "INTEGER PRIMARY KEY" -> BIGSERIAL PRIMARY KEY, BLOB -> BYTEA,
//   REAL -> DOUBLE PRECISION.
// - Retention deletes rows and then runs VACUUM on the affected tables, which frees the
//   space for reuse; unlike SQLite's secure_delete it does not overwrite the freed bytes
//   at once (docs/deploy.md: encrypted storage for the database volume).
// - A pool of up to `connections` connections; a broken connection is dropped and
//   replaced on the next call (the failed call reports kUnavailable).
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "greenlight/crypto/random.h"
#include "greenlight/server/clock.h"
#include "greenlight/server/store.h"

namespace greenlight::server {

struct PgStoreOptions {
  // libpq connection string or URI: "postgresql://user@host:5432/db" or
  // "host=/run/postgresql dbname=greenlight".
  std::string conninfo;
  std::size_t connections = 16;
};

[[nodiscard]] Result<std::unique_ptr<Store>> open_pg_store(const PgStoreOptions& options,
                                                           const Clock& clock, RandomSource& rng);

// True for a PostgreSQL URI (postgresql://, postgres://) or a libpq key=value string
// (contains '='); anything else is a SQLite file path.
bool is_postgres_database(std::string_view database);

// The portable SQL of store.h as PostgreSQL runs it (exposed for tests).
std::string translate_sql_for_postgres(std::string_view portable);

}  // namespace greenlight::server

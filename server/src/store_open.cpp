#include "greenlight/server/pg_store.h"
#include "greenlight/server/sqlite_store.h"
#include "greenlight/server/store.h"

namespace greenlight::server {

Result<std::unique_ptr<Store>> open_store(const std::string& database, const Clock& clock,
                                          RandomSource& rng) {
  if (database.empty()) return make_error(ErrorCode::kInvalidArgument, "a database is required");
  if (is_postgres_database(database)) {
    PgStoreOptions options;
    options.conninfo = database;
    return open_pg_store(options, clock, rng);
  }
  SqliteStoreOptions options;
  options.path = database;
  return open_sqlite_store(options, clock, rng);
}

}  // namespace greenlight::server

// Server storage behind an abstract interface: SQLite by default (sqlite_store.h); a
// PostgreSQL backend implements the same interface for several front ends over one
// database.
//
// Contract of every backend:
// - Each mutating call is one atomic, durable unit: when it returns success the change is
//   committed and survives a crash (SQLite: WAL, synchronous=FULL); when it returns an
//   error nothing of it is stored ("a rejected upload leaves the database as it was").
//   Backends may commit several calls together (group commit) but never let one call's
//   failure undo another's.
// - Claims (codes, tokens, certificate ids) are single use under any concurrency: of N
//   concurrent claims of one value exactly one succeeds.
// - Writes are linearizable with keys_available(): a key whose publish_upload() returned
//   before keys_available() was called is seen if it is in the window; a key stored after
//   has available_at >= the clock reading taken inside its own transaction.
// - Codes and tokens are stored only as hashes; nothing here stores IP addresses.
// - All methods are thread-safe.
//
// Other modules (venue reports) keep their own tables in the same database: ensure_schema()
// creates them, UploadPart::apply / transact() / read() use them, all with portable SQL that
// every backend runs as written or translates (pg_store.h):
// - parameters are '?' placeholders, bound from SqlValue (NULL, integer, real, text, blob);
// - column types are INTEGER (64-bit), REAL, TEXT and BLOB; "INTEGER PRIMARY KEY" is an
//   integer key that the database assigns when the insert leaves it out;
// - statements are the common subset of SQLite and PostgreSQL: CREATE TABLE/INDEX IF NOT
//   EXISTS, INSERT ... ON CONFLICT(...) DO NOTHING / DO UPDATE SET c = excluded.c, UPDATE,
//   DELETE, SELECT with COUNT/MIN/MAX/SUM, ORDER BY, LIMIT. No INSERT OR REPLACE, no
//   PRAGMA, no dialect functions.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/random.h"
#include "greenlight/crypto/result.h"
#include "greenlight/server/clock.h"

namespace greenlight::server {

enum class CodeKind { kLong, kShort };

// What a verification code authorises; carried unchanged into its token and certificate.
struct CodeGrant {
  ReportType report_type = ReportType::kConfirmedTest;
  std::optional<std::int32_t> symptom_onset_interval;  // ENIN of symptom onset
  std::string purpose = "keys";                        // "keys" or "venue_host"
};

struct CodeRecord {
  Sha256Digest code_hash{};  // HMAC-SHA256(server code pepper, code)
  CodeKind kind = CodeKind::kLong;
  CodeGrant grant;
  std::int64_t issued_at = 0;
  std::int64_t expires_at = 0;
};

// A key ready to store. available_at = max(floor(commit time / granularity), embargo_until)
// is computed by the store inside the transaction.
struct KeyToStore {
  TemporaryExposureKey key;
  std::int64_t embargo_until = 0;  // unix seconds before which the key must not be exported
};

struct StoredKey {
  TemporaryExposureKey key;
  std::int64_t available_at = 0;
};

// SQL escape hatch for modules with their own tables.
using SqlValue = std::variant<std::monostate, std::int64_t, double, std::string, Bytes>;
using SqlRow = std::vector<SqlValue>;

class StoreTransaction {
 public:
  virtual ~StoreTransaction() = default;
  // Runs one statement; returns the number of rows changed.
  [[nodiscard]] virtual Result<std::int64_t> execute(std::string_view sql,
                                                     const std::vector<SqlValue>& params = {}) = 0;
  [[nodiscard]] virtual Result<std::vector<SqlRow>> query(
      std::string_view sql, const std::vector<SqlValue>& params = {}) = 0;
};

// Part of an upload contributed by an upload extension (e.g. venue reports), applied in the
// same transaction as the keys. An error rolls the whole upload back.
class UploadPart {
 public:
  virtual ~UploadPart() = default;
  [[nodiscard]] virtual Status apply(StoreTransaction& tx) = 0;
};

struct UploadWrite {
  std::string certificate_id;  // jti; single use
  std::int64_t certificate_expires_at = 0;
  std::vector<KeyToStore> keys;
  std::int64_t arrival_granularity_seconds = 3600;
  std::vector<UploadPart*> parts;  // not owned; applied after the keys
};

struct UploadOutcome {
  std::size_t inserted = 0;  // keys new to the store (duplicates of stored keys are skipped)
};

struct ExportFileRecord {
  std::string path;  // relative to the site root, e.g. "v1/exports/S-E-00001.zip"
  std::int64_t window_start = 0;
  std::int64_t window_end = 0;
  std::int64_t created_at = 0;
  std::int64_t key_count = 0;  // keys in the file, padding included
  std::string sha256_hex;
};

struct ExportBatchRecord {
  std::int64_t window_start = 0;
  std::int64_t window_end = 0;
  std::int64_t created_at = 0;
  std::int64_t real_key_count = 0;
  std::vector<ExportFileRecord> files;
};

struct RetentionResult {
  std::int64_t keys = 0;
  std::int64_t codes = 0;
  std::int64_t tokens = 0;
  std::int64_t certificates = 0;
  std::vector<std::string> export_paths;  // export files whose records were deleted
};

// A database that runs portable statements (above) in transactions: what a module's own
// tables need. Every Store is one; the transparency log also runs on its own SQLite file
// through one (transparency_log.h).
class SqlDatabase {
 public:
  virtual ~SqlDatabase() = default;
  // Module tables: runs each statement (e.g. CREATE TABLE IF NOT EXISTS) in one transaction.
  [[nodiscard]] virtual Status ensure_schema(const std::vector<std::string>& statements) = 0;
  // One atomic, durable write for a module; fn's error rolls it back. A statement that
  // conflicts with a concurrent writer's committed row fails with kAlreadyExists (unique or
  // primary key), and the caller may run the whole transaction again.
  [[nodiscard]] virtual Status transact(std::function<Status(StoreTransaction&)> fn) = 0;
  // A consistent read-only view for a module.
  [[nodiscard]] virtual Status read(std::function<Status(StoreTransaction&)> fn) = 0;
};

class Store : public SqlDatabase {
 public:
  // Codes and tokens. insert_code fails with kAlreadyExists on a hash collision.
  [[nodiscard]] virtual Status insert_code(const CodeRecord& code) = 0;
  // In one transaction: claims the unclaimed, unexpired code with this hash and stores the
  // token (single use, expiring at token_expires_at) that inherits its grant.
  // kAuthentication if no such unclaimed code exists; kFailedPrecondition if it expired.
  [[nodiscard]] virtual Result<CodeGrant> redeem_code(const Sha256Digest& code_hash,
                                                      std::int64_t now,
                                                      const Sha256Digest& token_hash,
                                                      std::int64_t token_expires_at) = 0;
  // Claims an unclaimed, unexpired token. kAuthentication otherwise.
  [[nodiscard]] virtual Result<CodeGrant> redeem_token(const Sha256Digest& token_hash,
                                                       std::int64_t now) = 0;

  // Marks the certificate id used, stores the keys (skipping keys already stored) and
  // applies the parts, all in one transaction. kAlreadyExists if the certificate id was
  // used before.
  [[nodiscard]] virtual Result<UploadOutcome> publish_upload(const UploadWrite& upload) = 0;

  // Keys with window_start <= available_at < window_end, in no particular order.
  [[nodiscard]] virtual Result<std::vector<StoredKey>> keys_available(std::int64_t window_start,
                                                                      std::int64_t window_end) = 0;
  // End of the newest recorded export batch, if any.
  [[nodiscard]] virtual Result<std::optional<std::int64_t>> last_export_end() = 0;
  [[nodiscard]] virtual Status record_export_batch(const ExportBatchRecord& batch) = 0;
  // All export files, oldest window first (then by path).
  [[nodiscard]] virtual Result<std::vector<ExportFileRecord>> export_files() = 0;

  // Deletes keys whose available_at or validity end is before cutoff, export batches whose
  // window ended before cutoff, failure-budget windows that started before cutoff, and
  // codes, tokens and certificate ids that expired before now. Also makes the freed bytes
  // unrecoverable from the database files.
  [[nodiscard]] virtual Result<RetentionResult> delete_expired(std::int64_t now,
                                                               std::int64_t cutoff) = 0;

  // The short-code failure budget (authorization.h), shared by every server instance on the
  // database and durable: adds one failed attempt to the budget window that starts at
  // window_start and returns the window's count including it.
  [[nodiscard]] virtual Result<std::int64_t> add_short_code_failure(std::int64_t window_start) = 0;
  // Failed attempts counted so far in the window that starts at window_start.
  [[nodiscard]] virtual Result<std::int64_t> short_code_failures(std::int64_t window_start) = 0;

  // Named leases that elect one holder among all instances on the database (e.g. the
  // instance that builds the next export window). Takes the lease until expires_at if it is
  // free, expired at now, or already held by holder (a renewal); false if another holder
  // has it. A holder that dies loses the lease at its expiry.
  [[nodiscard]] virtual Result<bool> acquire_lease(std::string_view name, std::string_view holder,
                                                   std::int64_t now, std::int64_t expires_at) = 0;
  // Gives the lease up if holder has it; otherwise does nothing.
  [[nodiscard]] virtual Status release_lease(std::string_view name, std::string_view holder) = 0;

  // A random secret (e.g. the code pepper) stored in the database, created on first use.
  [[nodiscard]] virtual Result<SecretBytes> server_secret(std::string_view name) = 0;

  // ensure_schema, transact, read: SqlDatabase.

  // SHA-256 (hex) over every row of every table, for tests and audits: equal digests mean
  // equal stored content.
  [[nodiscard]] virtual Result<std::string> content_digest() = 0;
};

// Opens the backend that `database` names: a PostgreSQL URI ("postgresql://...") or libpq
// key=value string (pg_store.h), otherwise a SQLite file path (sqlite_store.h). clock and
// rng must outlive the store.
[[nodiscard]] Result<std::unique_ptr<Store>> open_store(const std::string& database,
                                                        const Clock& clock, RandomSource& rng);

}  // namespace greenlight::server

#include "greenlight/server/pg_store.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

#include "greenlight/crypto/hash.h"
#include "internal/store_schema.h"

namespace greenlight::server {
namespace {

// Serialises schema changes of instances that start at the same time (CREATE TABLE IF NOT
// EXISTS is not safe against a concurrent creation of the same table).
constexpr std::int64_t kSchemaLockId = 0x676c5f736368656d;  // "gl_schem"
constexpr int kRetries = 3;

// PostgreSQL type OIDs (pg_type.dat) of the results we convert.
constexpr pqxx::oid kBoolOid = 16;
constexpr pqxx::oid kByteaOid = 17;
constexpr pqxx::oid kInt8Oid = 20;
constexpr pqxx::oid kInt2Oid = 21;
constexpr pqxx::oid kInt4Oid = 23;
constexpr pqxx::oid kFloat4Oid = 700;
constexpr pqxx::oid kFloat8Oid = 701;
constexpr pqxx::oid kNumericOid = 1700;

Error error_from(const std::exception& e) {
  if (dynamic_cast<const pqxx::unique_violation*>(&e) != nullptr) {
    return Error{ErrorCode::kAlreadyExists, std::string("postgresql: ") + e.what()};
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return Error{ErrorCode::kUnavailable, std::string("postgresql connection: ") + e.what()};
  }
  return Error{ErrorCode::kIo, std::string("postgresql: ") + e.what()};
}

std::string upper(std::string_view word) {
  std::string out(word);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// Parameters as libpq text values: integers in decimal, blobs in bytea hex input format.
class TextParams {
 public:
  explicit TextParams(const std::vector<SqlValue>& params) {
    values_.reserve(params.size());
    for (const SqlValue& v : params) {
      if (std::holds_alternative<std::monostate>(v)) {
        values_.emplace_back();
        nulls_.push_back(true);
      } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
        values_.push_back(std::to_string(*n));
        nulls_.push_back(false);
      } else if (const auto* d = std::get_if<double>(&v)) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", *d);
        values_.emplace_back(buf);
        nulls_.push_back(false);
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        values_.push_back(*s);
        nulls_.push_back(false);
      } else {
        values_.push_back("\\x" + to_hex(std::get<Bytes>(v)));
        nulls_.push_back(false);
      }
    }
    for (std::size_t i = 0; i < values_.size(); ++i) {
      pointers_.push_back(nulls_[i] ? nullptr : values_[i].c_str());
    }
  }
  const std::vector<const char*>& pointers() const { return pointers_; }

 private:
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  std::vector<const char*> pointers_;
};

SqlValue value_of(const pqxx::field& f) {
  if (f.is_null()) return std::monostate{};
  switch (f.type()) {
    case kBoolOid:
      return static_cast<std::int64_t>(f.c_str()[0] == 't' ? 1 : 0);
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
      return f.as<std::int64_t>();
    case kFloat4Oid:
    case kFloat8Oid:
      return f.as<double>();
    case kNumericOid: {
      // SUM over integers is numeric; integral values stay integers.
      const std::string text = f.c_str();
      if (text.find_first_of(".eE") == std::string::npos) return f.as<std::int64_t>();
      return f.as<double>();
    }
    case kByteaOid: {
      const pqxx::binarystring b(f);
      return Bytes(b.data(), b.data() + b.size());
    }
    default:
      return std::string(f.c_str(), f.size());
  }
}

// StoreTransaction over a libpqxx transaction; statements in store.h's portable SQL.
class PgTransaction final : public StoreTransaction {
 public:
  explicit PgTransaction(pqxx::transaction_base& tx) : tx_(tx) {}

  Result<std::int64_t> execute(std::string_view sql, const std::vector<SqlValue>& params) override {
    auto r = run(sql, params);
    GL_RETURN_IF_ERROR(r);
    return static_cast<std::int64_t>(r->affected_rows());
  }

  Result<std::vector<SqlRow>> query(std::string_view sql,
                                    const std::vector<SqlValue>& params) override {
    auto r = run(sql, params);
    GL_RETURN_IF_ERROR(r);
    std::vector<SqlRow> rows;
    rows.reserve(r->size());
    for (const auto& row : *r) {
      SqlRow out;
      out.reserve(row.size());
      for (const auto& f : row) out.push_back(value_of(f));
      rows.push_back(std::move(out));
    }
    return rows;
  }

  // Raw PostgreSQL (no translation), for the backend's own statements.
  Status exec_native(const std::string& sql) {
    try {
      tx_.exec(sql);
      return ok();
    } catch (const std::exception& e) {
      return std::unexpected(error_from(e));
    }
  }

 private:
  Result<pqxx::result> run(std::string_view sql, const std::vector<SqlValue>& params) {
    try {
      const TextParams text(params);
      return tx_.exec_params(translate_sql_for_postgres(sql),
                             pqxx::prepare::make_dynamic_params(text.pointers()));
    } catch (const std::exception& e) {
      return std::unexpected(error_from(e));
    }
  }

  pqxx::transaction_base& tx_;
};

using ReadTransaction = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

// Connections handed out one caller at a time; a broken connection is not returned.
class ConnectionPool {
 public:
  ConnectionPool(std::string conninfo, std::size_t max)
      : conninfo_(std::move(conninfo)), max_(std::max<std::size_t>(1, max)) {}

  template <class Fn>
  Status with(Fn&& fn) {
    std::unique_ptr<pqxx::connection> c;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return !free_.empty() || open_ < max_; });
      if (!free_.empty()) {
        c = std::move(free_.back());
        free_.pop_back();
      } else {
        ++open_;
      }
    }
    if (!c) {
      try {
        c = std::make_unique<pqxx::connection>(conninfo_);
      } catch (const std::exception& e) {
        give_back(nullptr);
        return make_error(ErrorCode::kUnavailable,
                          std::string("cannot connect to PostgreSQL: ") + e.what());
      }
    }
    Status s = fn(*c);
    give_back(c->is_open() ? std::move(c) : nullptr);
    return s;
  }

 private:
  void give_back(std::unique_ptr<pqxx::connection> c) {
    {
      std::lock_guard lock(mutex_);
      if (c) {
        free_.push_back(std::move(c));
      } else {
        --open_;
      }
    }
    cv_.notify_one();
  }

  std::string conninfo_;
  std::size_t max_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> free_;
  std::size_t open_ = 0;
};

SqlValue blob(ByteSpan b) { return Bytes(b.begin(), b.end()); }

SqlValue optional_int(const std::optional<std::int32_t>& v) {
  if (!v) return std::monostate{};
  return static_cast<std::int64_t>(*v);
}

std::int64_t as_int(const SqlValue& v) {
  if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
  return 0;
}

std::string as_text(const SqlValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return {};
}

CodeGrant grant_from_row(const SqlRow& row, std::size_t first) {
  CodeGrant g;
  g.report_type = static_cast<ReportType>(as_int(row[first]));
  if (const auto* n = std::get_if<std::int64_t>(&row[first + 1])) {
    g.symptom_onset_interval = static_cast<std::int32_t>(*n);
  }
  g.purpose = as_text(row[first + 2]);
  return g;
}

class PgStore final : public Store {
 public:
  PgStore(PgStoreOptions options, const Clock& clock, RandomSource& rng)
      : pool_(options.conninfo, options.connections), clock_(clock), rng_(rng) {}

  // One read-write transaction, retried when PostgreSQL rolled it back for a deadlock or
  // serialization conflict. fn must assign (not accumulate) its outputs.
  Status write(const std::function<Status(PgTransaction&)>& fn) {
    Status result = ok();
    for (int attempt = 0; attempt < kRetries; ++attempt) {
      bool retry = false;
      result = pool_.with([&](pqxx::connection& c) -> Status {
        try {
          pqxx::work tx(c);
          PgTransaction t(tx);
          Status s = fn(t);
          if (!s) {
            tx.abort();
            return s;
          }
          tx.commit();
          return ok();
        } catch (const pqxx::transaction_rollback& e) {
          retry = true;
          return std::unexpected(error_from(e));
        } catch (const std::exception& e) {
          return std::unexpected(error_from(e));
        }
      });
      if (!retry) break;
    }
    return result;
  }

  Status read_only(const std::function<Status(PgTransaction&)>& fn) {
    return pool_.with([&](pqxx::connection& c) -> Status {
      try {
        ReadTransaction tx(c);
        PgTransaction t(tx);
        Status s = fn(t);
        tx.commit();
        return s;
      } catch (const std::exception& e) {
        return std::unexpected(error_from(e));
      }
    });
  }

  Status init_schema(const std::vector<std::string>& statements) {
    return write([&](PgTransaction& t) -> Status {
      GL_ASSIGN_OR_RETURN(auto locked, t.query("SELECT pg_advisory_xact_lock(?)", {kSchemaLockId}));
      (void)locked;
      for (const std::string& sql : statements) {
        GL_ASSIGN_OR_RETURN(auto r, t.execute(sql, {}));
        (void)r;
      }
      return ok();
    });
  }

  Status insert_code(const CodeRecord& code) override {
    auto s = write([&](PgTransaction& t) -> Status {
      GL_ASSIGN_OR_RETURN(
          auto r, t.execute("INSERT INTO codes(code_hash, kind, report_type, symptom_onset, "
                            "purpose, issued_at, expires_at) VALUES(?, ?, ?, ?, ?, ?, ?)",
                            {blob(code.code_hash), static_cast<std::int64_t>(code.kind),
                             static_cast<std::int64_t>(code.grant.report_type),
                             optional_int(code.grant.symptom_onset_interval), code.grant.purpose,
                             code.issued_at, code.expires_at}));
      (void)r;
      return ok();
    });
    if (!s && s.error().code == ErrorCode::kAlreadyExists) {
      return make_error(ErrorCode::kAlreadyExists, "verification code collision");
    }
    return s;
  }

  Result<CodeGrant> redeem_code(const Sha256Digest& code_hash, std::int64_t now,
                                const Sha256Digest& token_hash,
                                std::int64_t token_expires_at) override {
    CodeGrant grant;
    Status s = write([&](PgTransaction& t) -> Status {
      GL_ASSIGN_OR_RETURN(
          auto changed,
          t.execute("UPDATE codes SET claimed = 1 WHERE code_hash = ? AND claimed = 0 "
                    "AND expires_at > ?",
                    {blob(code_hash), now}));
      GL_ASSIGN_OR_RETURN(auto rows,
                          t.query("SELECT report_type, symptom_onset, purpose, claimed, expires_at "
                                  "FROM codes WHERE code_hash = ?",
                                  {blob(code_hash)}));
      if (changed != 1) {
        if (!rows.empty() && as_int(rows[0][3]) == 0 && as_int(rows[0][4]) <= now) {
          return make_error(ErrorCode::kFailedPrecondition, "verification code expired");
        }
        return authentication_failed();
      }
      grant = grant_from_row(rows.at(0), 0);
      GL_ASSIGN_OR_RETURN(
          auto ins,
          t.execute("INSERT INTO tokens(token_hash, report_type, symptom_onset, "
                    "purpose, expires_at) VALUES(?, ?, ?, ?, ?)",
                    {blob(token_hash), static_cast<std::int64_t>(grant.report_type),
                     optional_int(grant.symptom_onset_interval), grant.purpose, token_expires_at}));
      (void)ins;
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return grant;
  }

  Result<CodeGrant> redeem_token(const Sha256Digest& token_hash, std::int64_t now) override {
    CodeGrant grant;
    Status s = write([&](PgTransaction& t) -> Status {
      GL_ASSIGN_OR_RETURN(auto rows,
                          t.query("UPDATE tokens SET claimed = 1 WHERE token_hash = ? AND "
                                  "claimed = 0 AND expires_at > ? "
                                  "RETURNING report_type, symptom_onset, purpose",
                                  {blob(token_hash), now}));
      if (rows.size() != 1) return authentication_failed();
      grant = grant_from_row(rows[0], 0);
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return grant;
  }

  Result<UploadOutcome> publish_upload(const UploadWrite& upload) override {
    UploadOutcome outcome;
    Status s = write([&](PgTransaction& t) -> Status {
      auto used = t.execute("INSERT INTO used_certificates(jti, expires_at) VALUES(?, ?)",
                            {upload.certificate_id, upload.certificate_expires_at});
      if (!used) {
        if (used.error().code == ErrorCode::kAlreadyExists) {
          return make_error(ErrorCode::kAlreadyExists, "certificate already used");
        }
        return std::unexpected(used.error());
      }
      // Ordered with keys_available() (see the header) before the clock is read.
      GL_RETURN_IF_ERROR(t.exec_native("LOCK TABLE exposure_keys IN ROW EXCLUSIVE MODE"));
      const std::int64_t granularity =
          std::max<std::int64_t>(1, upload.arrival_granularity_seconds);
      const std::int64_t arrival = floor_to(clock_.now_unix_seconds(), granularity);
      outcome.inserted = 0;
      if (!upload.keys.empty()) {
        std::string sql =
            "INSERT INTO exposure_keys(key_data, rolling_start, rolling_period, "
            "transmission_risk, report_type, days_since_onset, available_at) VALUES";
        std::vector<SqlValue> params;
        params.reserve(upload.keys.size() * 7);
        for (std::size_t i = 0; i < upload.keys.size(); ++i) {
          const KeyToStore& k = upload.keys[i];
          sql += i == 0 ? "(?, ?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?, ?)";
          params.push_back(blob(k.key.key_data.span()));
          params.push_back(static_cast<std::int64_t>(k.key.rolling_start_interval_number.value));
          params.push_back(static_cast<std::int64_t>(k.key.rolling_period));
          params.push_back(static_cast<std::int64_t>(k.key.transmission_risk_level));
          params.push_back(static_cast<std::int64_t>(k.key.report_type));
          params.push_back(optional_int(k.key.days_since_onset_of_symptoms));
          params.push_back(std::max(arrival, k.embargo_until));
        }
        sql += " ON CONFLICT(key_data) DO NOTHING";
        GL_ASSIGN_OR_RETURN(auto inserted, t.execute(sql, params));
        outcome.inserted = static_cast<std::size_t>(inserted);
      }
      for (UploadPart* part : upload.parts) {
        GL_RETURN_IF_ERROR(part->apply(t));
      }
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return outcome;
  }

  Result<std::vector<StoredKey>> keys_available(std::int64_t window_start,
                                                std::int64_t window_end) override {
    std::vector<StoredKey> keys;
    Status s = write([&](PgTransaction& t) -> Status {
      keys.clear();
      GL_RETURN_IF_ERROR(t.exec_native("LOCK TABLE exposure_keys IN SHARE MODE"));
      GL_ASSIGN_OR_RETURN(auto rows, t.query("SELECT key_data, rolling_start, rolling_period, "
                                             "transmission_risk, report_type, days_since_onset, "
                                             "available_at FROM exposure_keys "
                                             "WHERE available_at >= ? AND available_at < ?",
                                             {window_start, window_end}));
      keys.reserve(rows.size());
      for (const SqlRow& r : rows) {
        const auto* data = std::get_if<Bytes>(&r[0]);
        if (data == nullptr || data->size() != 16) {
          return make_error(ErrorCode::kInternal, "stored key is not 16 bytes");
        }
        StoredKey k;
        GL_ASSIGN_OR_RETURN(k.key.key_data, Tek::from_span(*data));
        k.key.rolling_start_interval_number = {static_cast<std::uint32_t>(as_int(r[1]))};
        k.key.rolling_period = static_cast<std::uint32_t>(as_int(r[2]));
        k.key.transmission_risk_level = static_cast<std::int32_t>(as_int(r[3]));
        k.key.report_type = static_cast<ReportType>(as_int(r[4]));
        if (const auto* d = std::get_if<std::int64_t>(&r[5])) {
          k.key.days_since_onset_of_symptoms = static_cast<std::int32_t>(*d);
        }
        k.available_at = as_int(r[6]);
        keys.push_back(std::move(k));
      }
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return keys;
  }

  Result<std::optional<std::int64_t>> last_export_end() override {
    std::optional<std::int64_t> end;
    Status s = read_only([&](PgTransaction& t) -> Status {
      GL_ASSIGN_OR_RETURN(auto rows, t.query("SELECT MAX(window_end) FROM export_batches", {}));
      if (!rows.empty()) {
        if (const auto* v = std::get_if<std::int64_t>(&rows[0][0])) end = *v;
      }
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return end;
  }

  Status record_export_batch(const ExportBatchRecord& batch) override {
    return write([&](PgTransaction& t) -> Status {
      GL_ASSIGN_OR_RETURN(auto b, t.execute("INSERT INTO export_batches(window_end, window_start, "
                                            "created_at, real_key_count) VALUES(?, ?, ?, ?)",
                                            {batch.window_end, batch.window_start, batch.created_at,
                                             batch.real_key_count}));
      (void)b;
      for (const ExportFileRecord& f : batch.files) {
        GL_ASSIGN_OR_RETURN(auto r, t.execute(internal::kUpsertExportFile,
                                              {f.path, f.window_start, f.window_end, f.created_at,
                                               f.key_count, f.sha256_hex}));
        (void)r;
      }
      return ok();
    });
  }

  Result<std::vector<ExportFileRecord>> export_files() override {
    std::vector<ExportFileRecord> files;
    Status s = read_only([&](PgTransaction& t) -> Status {
      GL_ASSIGN_OR_RETURN(
          auto rows, t.query("SELECT path, window_start, window_end, created_at, key_count, "
                             "sha256 FROM export_files ORDER BY window_start, window_end, path",
                             {}));
      for (const SqlRow& r : rows) {
        files.push_back(ExportFileRecord{as_text(r[0]), as_int(r[1]), as_int(r[2]), as_int(r[3]),
                                         as_int(r[4]), as_text(r[5])});
      }
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return files;
  }

  Result<RetentionResult> delete_expired(std::int64_t now, std::int64_t cutoff) override {
    RetentionResult result;
    const std::int64_t cutoff_interval = cutoff / kIntervalSeconds;
    Status s = write([&](PgTransaction& t) -> Status {
      result = RetentionResult{};
      GL_ASSIGN_OR_RETURN(auto keys,
                          t.execute("DELETE FROM exposure_keys WHERE available_at < ? OR "
                                    "rolling_start + rolling_period < ?",
                                    {cutoff, cutoff_interval}));
      result.keys = keys;
      GL_ASSIGN_OR_RETURN(
          auto codes,
          t.execute("DELETE FROM codes WHERE expires_at <= ? OR issued_at < ?", {now, cutoff}));
      result.codes = codes;
      GL_ASSIGN_OR_RETURN(auto tokens,
                          t.execute("DELETE FROM tokens WHERE expires_at <= ?", {now}));
      result.tokens = tokens;
      GL_ASSIGN_OR_RETURN(auto certs,
                          t.execute("DELETE FROM used_certificates WHERE expires_at <= ?", {now}));
      result.certificates = certs;
      GL_ASSIGN_OR_RETURN(
          auto budget,
          t.execute("DELETE FROM short_code_failures WHERE window_start < ?", {cutoff}));
      (void)budget;
      GL_ASSIGN_OR_RETURN(auto paths,
                          t.query("SELECT path FROM export_files WHERE window_end < ?", {cutoff}));
      for (const SqlRow& r : paths) result.export_paths.push_back(as_text(r[0]));
      GL_ASSIGN_OR_RETURN(auto f,
                          t.execute("DELETE FROM export_files WHERE window_end < ?", {cutoff}));
      GL_ASSIGN_OR_RETURN(auto b,
                          t.execute("DELETE FROM export_batches WHERE window_end < ?", {cutoff}));
      (void)f;
      (void)b;
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    // VACUUM cannot run inside a transaction; it makes the deleted rows' space reusable.
    (void)pool_.with([](pqxx::connection& c) -> Status {
      try {
        pqxx::nontransaction n(c);
        n.exec("VACUUM exposure_keys, codes, tokens, used_certificates");
      } catch (const std::exception&) {
        // Best effort: autovacuum does the same later.
      }
      return ok();
    });
    return result;
  }

  Result<std::int64_t> add_short_code_failure(std::int64_t window_start) override {
    std::int64_t failures = 0;
    Status s = write([&](PgTransaction& t) -> Status {
      GL_ASSIGN_OR_RETURN(auto changed, t.execute(internal::kAddShortCodeFailure, {window_start}));
      (void)changed;
      GL_ASSIGN_OR_RETURN(auto rows, t.query(internal::kShortCodeFailures, {window_start}));
      failures = rows.empty() ? 0 : as_int(rows[0][0]);
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return failures;
  }

  Result<std::int64_t> short_code_failures(std::int64_t window_start) override {
    std::int64_t failures = 0;
    Status s = read_only([&](PgTransaction& t) -> Status {
      GL_ASSIGN_OR_RETURN(auto rows, t.query(internal::kShortCodeFailures, {window_start}));
      failures = rows.empty() ? 0 : as_int(rows[0][0]);
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return failures;
  }

  Result<bool> acquire_lease(std::string_view name, std::string_view holder, std::int64_t now,
                             std::int64_t expires_at) override {
    bool acquired = false;
    Status s = write([&](PgTransaction& t) -> Status {
      GL_ASSIGN_OR_RETURN(auto changed,
                          t.execute(internal::kAcquireLease,
                                    {std::string(name), std::string(holder), expires_at, now}));
      acquired = changed == 1;
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return acquired;
  }

  Status release_lease(std::string_view name, std::string_view holder) override {
    return write([&](PgTransaction& t) -> Status {
      GL_ASSIGN_OR_RETURN(
          auto r, t.execute(internal::kReleaseLease, {std::string(name), std::string(holder)}));
      (void)r;
      return ok();
    });
  }

  Result<SecretBytes> server_secret(std::string_view name) override {
    SecretBytes secret;
    const std::string key = "secret:" + std::string(name);
    SecretBytes fresh(32);
    rng_.fill(fresh.mutable_span());
    Status s = write([&](PgTransaction& t) -> Status {
      // Two instances starting together: the first insert wins, both read the same value.
      GL_ASSIGN_OR_RETURN(auto ins, t.execute("INSERT INTO meta(name, value) VALUES(?, ?) "
                                              "ON CONFLICT(name) DO NOTHING",
                                              {key, blob(fresh.span())}));
      (void)ins;
      GL_ASSIGN_OR_RETURN(auto rows, t.query("SELECT value FROM meta WHERE name = ?", {key}));
      const auto* b = rows.empty() ? nullptr : std::get_if<Bytes>(&rows[0][0]);
      if (b == nullptr) return make_error(ErrorCode::kInternal, "server secret is not a blob");
      secret = SecretBytes(ByteSpan(*b));
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return secret;
  }

  Status ensure_schema(const std::vector<std::string>& statements) override {
    return init_schema(statements);
  }

  Status transact(std::function<Status(StoreTransaction&)> fn) override {
    return write([&](PgTransaction& t) -> Status { return fn(t); });
  }

  Status read(std::function<Status(StoreTransaction&)> fn) override {
    return read_only([&](PgTransaction& t) -> Status { return fn(t); });
  }

  Result<std::string> content_digest() override {
    std::string hex;
    Status s = read_only([&](PgTransaction& t) -> Status {
      GL_ASSIGN_OR_RETURN(auto tables,
                          t.query("SELECT table_name FROM information_schema.tables WHERE "
                                  "table_schema = current_schema() AND table_type = 'BASE "
                                  "TABLE' ORDER BY table_name",
                                  {}));
      Sha256 h;
      for (const SqlRow& row : tables) {
        const std::string name = as_text(row[0]);
        GL_ASSIGN_OR_RETURN(auto cols,
                            t.query("SELECT COUNT(*) FROM information_schema.columns WHERE "
                                    "table_schema = current_schema() AND table_name = ?",
                                    {name}));
        const std::int64_t ncols = as_int(cols.at(0).at(0));
        std::string order;
        for (std::int64_t i = 1; i <= ncols; ++i) {
          order += (i == 1 ? "" : ", ") + std::to_string(i);
        }
        GL_ASSIGN_OR_RETURN(auto rows,
                            t.query("SELECT * FROM \"" + name + "\" ORDER BY " + order, {}));
        h.update(as_bytes("table:" + name + "\n"));
        for (const SqlRow& r : rows) {
          for (const SqlValue& v : r) {
            std::string cell;
            if (std::holds_alternative<std::monostate>(v)) {
              cell = "n;";
            } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
              cell = "i" + std::to_string(*n) + ";";
            } else if (const auto* d = std::get_if<double>(&v)) {
              cell = "d" + std::to_string(*d) + ";";
            } else if (const auto* str = std::get_if<std::string>(&v)) {
              cell = "t" + std::to_string(str->size()) + ":" + *str + ";";
            } else {
              cell = "b" + to_hex(std::get<Bytes>(v)) + ";";
            }
            h.update(as_bytes(cell));
          }
          h.update(as_bytes("\n"));
        }
      }
      hex = to_hex(h.finish());
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return hex;
  }

 private:
  ConnectionPool pool_;
  const Clock& clock_;
  RandomSource& rng_;
};

}  // namespace

bool is_postgres_database(std::string_view database) {
  return database.starts_with("postgresql://") || database.starts_with("postgres://") ||
         database.find('=') != std::string_view::npos;
}

std::string translate_sql_for_postgres(std::string_view portable) {
  std::size_t first = 0;
  while (first < portable.size() &&
         std::isspace(static_cast<unsigned char>(portable[first])) != 0) {
    ++first;
  }
  const bool create_table = upper(portable.substr(first, 12)) == "CREATE TABLE";
  std::string out;
  out.reserve(portable.size() + 16);
  int param = 0;
  std::size_t i = 0;
  while (i < portable.size()) {
    const char c = portable[i];
    if (c == '\'' || c == '"') {
      // Quoted literal or identifier, copied as it is ('' and "" escape themselves).
      const std::size_t end = portable.find(c, i + 1);
      const std::size_t stop = end == std::string_view::npos ? portable.size() : end + 1;
      out.append(portable.substr(i, stop - i));
      i = stop;
      continue;
    }
    if (c == '?') {
      out += '$' + std::to_string(++param);
      ++i;
      continue;
    }
    if (create_table && is_word_char(c) && (i == 0 || !is_word_char(portable[i - 1]))) {
      std::size_t end = i;
      while (end < portable.size() && is_word_char(portable[end])) ++end;
      const std::string word = upper(portable.substr(i, end - i));
      if (word == "INTEGER") {
        // "INTEGER PRIMARY KEY" is SQLite's rowid alias: assigned when left out.
        std::size_t next = end;
        while (next < portable.size() &&
               std::isspace(static_cast<unsigned char>(portable[next])) != 0) {
          ++next;
        }
        out += upper(portable.substr(next, 11)) == "PRIMARY KEY" ? "BIGSERIAL" : "BIGINT";
      } else if (word == "BLOB") {
        out += "BYTEA";
      } else if (word == "REAL") {
        out += "DOUBLE PRECISION";
      } else {
        out.append(portable.substr(i, end - i));
      }
      i = end;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

Result<std::unique_ptr<Store>> open_pg_store(const PgStoreOptions& options, const Clock& clock,
                                             RandomSource& rng) {
  if (options.conninfo.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "PostgreSQL connection string is empty");
  }
  auto store = std::make_unique<PgStore>(options, clock, rng);
  std::vector<std::string> schema(internal::kStoreSchema.begin(), internal::kStoreSchema.end());
  GL_RETURN_IF_ERROR(store->init_schema(schema));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace greenlight::server

#include "greenlight/server/sqlite_store.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "greenlight/crypto/hash.h"
#include "internal/sqlite.h"
#include "internal/store_schema.h"

namespace greenlight::server {
namespace {

using internal::Connection;
using internal::ConnectionTransaction;

constexpr char kConnectionPragmas[] =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; "
    "PRAGMA foreign_keys=ON;";

SqlValue blob(ByteSpan b) { return Bytes(b.begin(), b.end()); }

SqlValue optional_int(const std::optional<std::int32_t>& v) {
  if (!v) return std::monostate{};
  return static_cast<std::int64_t>(*v);
}

std::optional<std::int32_t> as_optional_int(const SqlValue& v) {
  if (const auto* n = std::get_if<std::int64_t>(&v)) return static_cast<std::int32_t>(*n);
  return std::nullopt;
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
  g.symptom_onset_interval = as_optional_int(row[first + 1]);
  g.purpose = as_text(row[first + 2]);
  return g;
}

using WriteFn = std::function<Status(Connection&)>;

struct WriteJob {
  WriteFn fn;
  bool checkpoint_after = false;
  std::promise<Status> done;
};

// Executes write jobs on one connection in batches (group commit).
class Writer {
 public:
  Writer(std::unique_ptr<Connection> connection, std::size_t max_batch)
      : connection_(std::move(connection)), max_batch_(std::max<std::size_t>(1, max_batch)) {
    thread_ = std::thread([this] { run(); });
  }
  ~Writer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  Status submit(WriteFn fn, bool checkpoint_after = false) {
    WriteJob job{std::move(fn), checkpoint_after, {}};
    auto future = job.done.get_future();
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return make_error(ErrorCode::kUnavailable, "store is closing");
      queue_.push_back(&job);
    }
    cv_.notify_one();
    return future.get();
  }

 private:
  void run() {
    std::vector<WriteJob*> batch;
    while (true) {
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty() && stopping_) return;
        while (!queue_.empty() && batch.size() < max_batch_) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
      }
      execute(batch);
      batch.clear();
    }
  }

  void execute(std::vector<WriteJob*>& batch) {
    std::vector<Status> results(batch.size());
    bool checkpoint = false;
    Status begun = connection_->exec("BEGIN IMMEDIATE");
    if (!begun) {
      for (auto* job : batch) job->done.set_value(begun);
      return;
    }
    bool aborted = false;
    for (std::size_t i = 0; i < batch.size() && !aborted; ++i) {
      if (auto s = connection_->exec("SAVEPOINT job"); !s) {
        results[i] = s;
        aborted = true;
        break;
      }
      Status s = batch[i]->fn(*connection_);
      if (s) {
        s = connection_->exec("RELEASE job");
        if (!s) aborted = true;
        checkpoint = checkpoint || batch[i]->checkpoint_after;
      } else if (!connection_->exec("ROLLBACK TO job") || !connection_->exec("RELEASE job")) {
        aborted = true;
      }
      results[i] = std::move(s);
    }
    if (!aborted) {
      if (auto c = connection_->exec("COMMIT"); !c) {
        aborted = true;
        results.assign(batch.size(), c);
      }
    }
    if (aborted) {
      (void)connection_->exec("ROLLBACK");
      Error e{ErrorCode::kIo, "database transaction failed"};
      for (auto& r : results) {
        if (r) r = std::unexpected(e);
      }
    } else if (checkpoint) {
      (void)connection_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(std::move(results[i]));
  }

  std::unique_ptr<Connection> connection_;
  std::size_t max_batch_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<WriteJob*> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

class ReadPool {
 public:
  void add(std::unique_ptr<Connection> c) { free_.push_back(std::move(c)); }

  Status with(const std::function<Status(Connection&)>& fn) {
    std::unique_ptr<Connection> c;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return !free_.empty(); });
      c = std::move(free_.back());
      free_.pop_back();
    }
    Status s = c->exec("BEGIN");
    if (s) {
      s = fn(*c);
      (void)c->exec("COMMIT");
    }
    {
      std::lock_guard lock(mutex_);
      free_.push_back(std::move(c));
    }
    cv_.notify_one();
    return s;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> free_;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<Writer> writer, std::unique_ptr<ReadPool> reads, const Clock& clock,
              RandomSource& rng)
      : writer_(std::move(writer)), reads_(std::move(reads)), clock_(clock), rng_(rng) {}

  Status insert_code(const CodeRecord& code) override {
    return writer_->submit([&](Connection& c) -> Status {
      auto r = c.execute(
          "INSERT INTO codes(code_hash, kind, report_type, symptom_onset, purpose, issued_at, "
          "expires_at) VALUES(?, ?, ?, ?, ?, ?, ?)",
          {blob(code.code_hash), static_cast<std::int64_t>(code.kind),
           static_cast<std::int64_t>(code.grant.report_type),
           optional_int(code.grant.symptom_onset_interval), code.grant.purpose, code.issued_at,
           code.expires_at});
      if (!r) {
        if (r.error().code == ErrorCode::kAlreadyExists) {
          return make_error(ErrorCode::kAlreadyExists, "verification code collision");
        }
        return std::unexpected(r.error());
      }
      return ok();
    });
  }

  Result<CodeGrant> redeem_code(const Sha256Digest& code_hash, std::int64_t now,
                                const Sha256Digest& token_hash,
                                std::int64_t token_expires_at) override {
    CodeGrant grant;
    Status s = writer_->submit([&](Connection& c) -> Status {
      GL_ASSIGN_OR_RETURN(
          auto changed,
          c.execute("UPDATE codes SET claimed = 1 WHERE code_hash = ? AND claimed = 0 "
                    "AND expires_at > ?",
                    {blob(code_hash), now}));
      GL_ASSIGN_OR_RETURN(auto rows,
                          c.query("SELECT report_type, symptom_onset, purpose, claimed, expires_at "
                                  "FROM codes WHERE code_hash = ?",
                                  {blob(code_hash)}));
      if (changed != 1) {
        if (!rows.empty() && as_int(rows[0][3]) == 0 && as_int(rows[0][4]) <= now) {
          return make_error(ErrorCode::kFailedPrecondition, "verification code expired");
        }
        return authentication_failed();
      }
      grant = grant_from_row(rows.at(0), 0);
      auto ins = c.execute(
          "INSERT INTO tokens(token_hash, report_type, symptom_onset, purpose, expires_at) "
          "VALUES(?, ?, ?, ?, ?)",
          {blob(token_hash), static_cast<std::int64_t>(grant.report_type),
           optional_int(grant.symptom_onset_interval), grant.purpose, token_expires_at});
      GL_RETURN_IF_ERROR(ins);
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return grant;
  }

  Result<CodeGrant> redeem_token(const Sha256Digest& token_hash, std::int64_t now) override {
    CodeGrant grant;
    Status s = writer_->submit([&](Connection& c) -> Status {
      GL_ASSIGN_OR_RETURN(
          auto changed,
          c.execute("UPDATE tokens SET claimed = 1 WHERE token_hash = ? AND claimed = 0 "
                    "AND expires_at > ?",
                    {blob(token_hash), now}));
      if (changed != 1) return authentication_failed();
      GL_ASSIGN_OR_RETURN(auto rows,
                          c.query("SELECT report_type, symptom_onset, purpose FROM tokens "
                                  "WHERE token_hash = ?",
                                  {blob(token_hash)}));
      grant = grant_from_row(rows.at(0), 0);
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return grant;
  }

  Result<UploadOutcome> publish_upload(const UploadWrite& upload) override {
    UploadOutcome outcome;
    Status s = writer_->submit([&](Connection& c) -> Status {
      auto used = c.execute("INSERT INTO used_certificates(jti, expires_at) VALUES(?, ?)",
                            {upload.certificate_id, upload.certificate_expires_at});
      if (!used) {
        if (used.error().code == ErrorCode::kAlreadyExists) {
          return make_error(ErrorCode::kAlreadyExists, "certificate already used");
        }
        return std::unexpected(used.error());
      }
      const std::int64_t granularity =
          std::max<std::int64_t>(1, upload.arrival_granularity_seconds);
      // Read inside the transaction: see the linearizability contract in store.h.
      const std::int64_t arrival = floor_to(clock_.now_unix_seconds(), granularity);
      auto stmt = c.cached(
          "INSERT INTO exposure_keys(key_data, rolling_start, rolling_period, transmission_risk, "
          "report_type, days_since_onset, available_at) VALUES(?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT(key_data) DO NOTHING");
      GL_RETURN_IF_ERROR(stmt);
      for (const KeyToStore& k : upload.keys) {
        auto& st = **stmt;
        st.bind(1, k.key.key_data.span());
        st.bind(2, static_cast<std::int64_t>(k.key.rolling_start_interval_number.value));
        st.bind(3, static_cast<std::int64_t>(k.key.rolling_period));
        st.bind(4, static_cast<std::int64_t>(k.key.transmission_risk_level));
        st.bind(5, static_cast<std::int64_t>(k.key.report_type));
        if (k.key.days_since_onset_of_symptoms) {
          st.bind(6, static_cast<std::int64_t>(*k.key.days_since_onset_of_symptoms));
        } else {
          st.bind_null(6);
        }
        st.bind(7, std::max(arrival, k.embargo_until));
        auto done = st.step();
        GL_RETURN_IF_ERROR(done);
        outcome.inserted += static_cast<std::size_t>(c.changes());
        st.reset();
      }
      ConnectionTransaction tx(c);
      for (UploadPart* part : upload.parts) {
        GL_RETURN_IF_ERROR(part->apply(tx));
      }
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return outcome;
  }

  Result<std::vector<StoredKey>> keys_available(std::int64_t window_start,
                                                std::int64_t window_end) override {
    std::vector<StoredKey> keys;
    // Through the writer so that the read is ordered with writes (store.h contract).
    Status s = writer_->submit([&](Connection& c) -> Status {
      auto stmt = c.cached(
          "SELECT key_data, rolling_start, rolling_period, transmission_risk, report_type, "
          "days_since_onset, available_at FROM exposure_keys "
          "WHERE available_at >= ? AND available_at < ?");
      GL_RETURN_IF_ERROR(stmt);
      auto& st = **stmt;
      st.bind(1, window_start);
      st.bind(2, window_end);
      while (true) {
        auto row = st.step();
        GL_RETURN_IF_ERROR(row);
        if (!*row) break;
        StoredKey k;
        const ByteSpan data = st.column_blob(0);
        if (data.size() != 16)
          return make_error(ErrorCode::kInternal, "stored key is not 16 bytes");
        GL_ASSIGN_OR_RETURN(k.key.key_data, Tek::from_span(data));
        k.key.rolling_start_interval_number = {static_cast<std::uint32_t>(st.column_int64(1))};
        k.key.rolling_period = static_cast<std::uint32_t>(st.column_int64(2));
        k.key.transmission_risk_level = static_cast<std::int32_t>(st.column_int64(3));
        k.key.report_type = static_cast<ReportType>(st.column_int64(4));
        if (!st.column_is_null(5)) {
          k.key.days_since_onset_of_symptoms = static_cast<std::int32_t>(st.column_int64(5));
        }
        k.available_at = st.column_int64(6);
        keys.push_back(std::move(k));
      }
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return keys;
  }

  Result<std::optional<std::int64_t>> last_export_end() override {
    std::optional<std::int64_t> end;
    Status s = reads_->with([&](Connection& c) -> Status {
      GL_ASSIGN_OR_RETURN(auto rows, c.query("SELECT max(window_end) FROM export_batches", {}));
      if (!rows.empty()) {
        if (const auto* v = std::get_if<std::int64_t>(&rows[0][0])) end = *v;
      }
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return end;
  }

  Status record_export_batch(const ExportBatchRecord& batch) override {
    return writer_->submit([&](Connection& c) -> Status {
      GL_ASSIGN_OR_RETURN(auto b, c.execute("INSERT INTO export_batches(window_end, window_start, "
                                            "created_at, real_key_count) VALUES(?, ?, ?, ?)",
                                            {batch.window_end, batch.window_start, batch.created_at,
                                             batch.real_key_count}));
      (void)b;
      for (const ExportFileRecord& f : batch.files) {
        GL_ASSIGN_OR_RETURN(auto r, c.execute(internal::kUpsertExportFile,
                                              {f.path, f.window_start, f.window_end, f.created_at,
                                               f.key_count, f.sha256_hex}));
        (void)r;
      }
      return ok();
    });
  }

  Result<std::vector<ExportFileRecord>> export_files() override {
    std::vector<ExportFileRecord> files;
    Status s = reads_->with([&](Connection& c) -> Status {
      GL_ASSIGN_OR_RETURN(
          auto rows, c.query("SELECT path, window_start, window_end, created_at, key_count, "
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
    Status s = writer_->submit(
        [&](Connection& c) -> Status {
          GL_ASSIGN_OR_RETURN(auto keys,
                              c.execute("DELETE FROM exposure_keys WHERE available_at < ? OR "
                                        "rolling_start + rolling_period < ?",
                                        {cutoff, cutoff_interval}));
          result.keys = keys;
          GL_ASSIGN_OR_RETURN(
              auto codes,
              c.execute("DELETE FROM codes WHERE expires_at <= ? OR issued_at < ?", {now, cutoff}));
          result.codes = codes;
          GL_ASSIGN_OR_RETURN(auto tokens,
                              c.execute("DELETE FROM tokens WHERE expires_at <= ?", {now}));
          result.tokens = tokens;
          GL_ASSIGN_OR_RETURN(
              auto certs, c.execute("DELETE FROM used_certificates WHERE expires_at <= ?", {now}));
          result.certificates = certs;
          GL_ASSIGN_OR_RETURN(
              auto budget,
              c.execute("DELETE FROM short_code_failures WHERE window_start < ?", {cutoff}));
          (void)budget;
          GL_ASSIGN_OR_RETURN(
              auto paths, c.query("SELECT path FROM export_files WHERE window_end < ?", {cutoff}));
          for (const SqlRow& r : paths) result.export_paths.push_back(as_text(r[0]));
          GL_ASSIGN_OR_RETURN(auto f,
                              c.execute("DELETE FROM export_files WHERE window_end < ?", {cutoff}));
          GL_ASSIGN_OR_RETURN(
              auto b, c.execute("DELETE FROM export_batches WHERE window_end < ?", {cutoff}));
          (void)f;
          (void)b;
          return ok();
        },
        /*checkpoint_after=*/true);
    GL_RETURN_IF_ERROR(s);
    return result;
  }

  Result<std::int64_t> add_short_code_failure(std::int64_t window_start) override {
    std::int64_t failures = 0;
    Status s = writer_->submit([&](Connection& c) -> Status {
      GL_ASSIGN_OR_RETURN(auto changed, c.execute(internal::kAddShortCodeFailure, {window_start}));
      (void)changed;
      GL_ASSIGN_OR_RETURN(auto rows, c.query(internal::kShortCodeFailures, {window_start}));
      if (!rows.empty()) failures = as_int(rows[0][0]);
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return failures;
  }

  Result<std::int64_t> short_code_failures(std::int64_t window_start) override {
    std::int64_t failures = 0;
    Status s = reads_->with([&](Connection& c) -> Status {
      GL_ASSIGN_OR_RETURN(auto rows, c.query(internal::kShortCodeFailures, {window_start}));
      if (!rows.empty()) failures = as_int(rows[0][0]);
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return failures;
  }

  Result<bool> acquire_lease(std::string_view name, std::string_view holder, std::int64_t now,
                             std::int64_t expires_at) override {
    bool acquired = false;
    Status s = writer_->submit([&](Connection& c) -> Status {
      GL_ASSIGN_OR_RETURN(auto changed,
                          c.execute(internal::kAcquireLease,
                                    {std::string(name), std::string(holder), expires_at, now}));
      acquired = changed == 1;
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return acquired;
  }

  Status release_lease(std::string_view name, std::string_view holder) override {
    return writer_->submit([&](Connection& c) -> Status {
      GL_ASSIGN_OR_RETURN(auto changed, c.execute(internal::kReleaseLease,
                                                  {std::string(name), std::string(holder)}));
      (void)changed;
      return ok();
    });
  }

  Result<SecretBytes> server_secret(std::string_view name) override {
    SecretBytes secret;
    const std::string key = "secret:" + std::string(name);
    Status s = writer_->submit([&](Connection& c) -> Status {
      GL_ASSIGN_OR_RETURN(auto rows, c.query("SELECT value FROM meta WHERE name = ?", {key}));
      if (!rows.empty()) {
        if (const auto* b = std::get_if<Bytes>(&rows[0][0])) {
          secret = SecretBytes(ByteSpan(*b));
          return ok();
        }
      }
      SecretBytes fresh(32);
      rng_.fill(fresh.mutable_span());
      GL_ASSIGN_OR_RETURN(auto ins, c.execute("INSERT INTO meta(name, value) VALUES(?, ?)",
                                              {key, blob(fresh.span())}));
      (void)ins;
      secret = std::move(fresh);
      return ok();
    });
    GL_RETURN_IF_ERROR(s);
    return secret;
  }

  Status ensure_schema(const std::vector<std::string>& statements) override {
    return writer_->submit([&](Connection& c) -> Status {
      for (const std::string& sql : statements) {
        GL_RETURN_IF_ERROR(c.exec(sql));
      }
      return ok();
    });
  }

  Status transact(std::function<Status(StoreTransaction&)> fn) override {
    return writer_->submit([&](Connection& c) -> Status {
      ConnectionTransaction tx(c);
      return fn(tx);
    });
  }

  Status read(std::function<Status(StoreTransaction&)> fn) override {
    return reads_->with([&](Connection& c) -> Status {
      ConnectionTransaction tx(c);
      return fn(tx);
    });
  }

  Result<std::string> content_digest() override {
    std::string hex;
    Status s = reads_->with([&](Connection& c) -> Status {
      GL_ASSIGN_OR_RETURN(auto tables,
                          c.query("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                  "name NOT LIKE 'sqlite_%' ORDER BY name",
                                  {}));
      Sha256 h;
      for (const SqlRow& t : tables) {
        const std::string name = as_text(t[0]);
        GL_ASSIGN_OR_RETURN(auto cols,
                            c.query("SELECT count(*) FROM pragma_table_info(?)", {name}));
        const std::int64_t ncols = as_int(cols.at(0).at(0));
        std::string order;
        for (std::int64_t i = 1; i <= ncols; ++i) {
          order += (i == 1 ? "" : ", ") + std::to_string(i);
        }
        GL_ASSIGN_OR_RETURN(auto rows,
                            c.query("SELECT * FROM \"" + name + "\" ORDER BY " + order, {}));
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
              const Bytes& b = std::get<Bytes>(v);
              cell = "b" + to_hex(b) + ";";
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
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<ReadPool> reads_;
  const Clock& clock_;
  RandomSource& rng_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteStoreOptions& options,
                                                 const Clock& clock, RandomSource& rng) {
  if (options.path.empty())
    return make_error(ErrorCode::kInvalidArgument, "database path is empty");
  auto writer_connection = Connection::open(options.path, options.busy_timeout_ms);
  GL_RETURN_IF_ERROR(writer_connection);
  GL_RETURN_IF_ERROR((*writer_connection)->exec(kConnectionPragmas));
  GL_RETURN_IF_ERROR((*writer_connection)->exec("BEGIN IMMEDIATE"));
  for (std::string_view statement : internal::kStoreSchema) {
    if (auto s = (*writer_connection)->exec(statement); !s) {
      (void)(*writer_connection)->exec("ROLLBACK");
      return std::unexpected(s.error());
    }
  }
  GL_RETURN_IF_ERROR((*writer_connection)->exec("COMMIT"));

  auto reads = std::make_unique<ReadPool>();
  for (std::size_t i = 0; i < std::max<std::size_t>(1, options.read_connections); ++i) {
    auto c = Connection::open(options.path, options.busy_timeout_ms);
    GL_RETURN_IF_ERROR(c);
    GL_RETURN_IF_ERROR((*c)->exec("PRAGMA query_only=ON;"));
    reads->add(std::move(*c));
  }
  auto writer = std::make_unique<Writer>(std::move(*writer_connection), options.max_batch);
  return std::unique_ptr<Store>(new SqliteStore(std::move(writer), std::move(reads), clock, rng));
}

}  // namespace greenlight::server

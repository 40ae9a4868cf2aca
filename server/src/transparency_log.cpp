#include "greenlight/server/transparency_log.h"

#include <functional>
#include <string>
#include <utility>
#include <variant>

#include "internal/sqlite.h"

namespace greenlight::server {
namespace {

constexpr int kBusyTimeoutMs = 10000;
// Transactions lost to a concurrent writer (another instance appended or signed first) are
// run again from a fresh catch-up this many times before the error is returned. Each loss
// means another instance committed, so a burst of appends from another instance can take
// many in a row (8 was lost to once, in CI's shared-log test: 24 appends from each of two
// instances on PostgreSQL).
constexpr int kConflictAttempts = 64;

// Portable statements (store.h): the same tables in the log's own SQLite file, in the
// server's SQLite store or in its PostgreSQL database.
const std::vector<std::string> kSchema = {
    "CREATE TABLE IF NOT EXISTS log_meta(name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS log_leaves("
    "  idx INTEGER PRIMARY KEY, leaf BLOB NOT NULL, leaf_hash BLOB NOT NULL UNIQUE)",
    "CREATE TABLE IF NOT EXISTS log_checkpoints("
    "  size INTEGER PRIMARY KEY, root BLOB NOT NULL, note TEXT NOT NULL)",
};

std::string num(std::uint64_t v) { return std::to_string(v); }

Error corrupt(std::string what) {
  return Error{ErrorCode::kInternal, "transparency log database is inconsistent: " + what};
}

const Bytes* as_blob(const SqlValue& v) { return std::get_if<Bytes>(&v); }
const std::string* as_text(const SqlValue& v) { return std::get_if<std::string>(&v); }
std::optional<std::uint64_t> as_index(const SqlValue& v) {
  const auto* i = std::get_if<std::int64_t>(&v);
  if (i == nullptr || *i < 0) return std::nullopt;
  return static_cast<std::uint64_t>(*i);
}
SqlValue index_value(std::uint64_t v) { return static_cast<std::int64_t>(v); }
SqlValue blob_value(ByteSpan b) { return Bytes(b.begin(), b.end()); }

bool to_hash(const Bytes* blob, MerkleHash& out) {
  if (blob == nullptr || blob->size() != out.size()) return false;
  std::copy(blob->begin(), blob->end(), out.begin());
  return true;
}

// Checks that a stored note is a checkpoint of (origin, size, root).
Status check_stored_note(const std::string& note, const std::string& origin, std::uint64_t size,
                         const MerkleHash& root) {
  auto parsed = parse_note(note);
  if (!parsed) return std::unexpected(corrupt("checkpoint " + num(size) + " is not a signed note"));
  auto cp = parse_checkpoint(parsed->text);
  if (!cp || cp->origin != origin || cp->size != size || cp->root != root) {
    return std::unexpected(corrupt("checkpoint " + num(size) + " does not match its row"));
  }
  return ok();
}

// Runs fn as one write transaction, again from the start when a concurrent writer
// committed a conflicting row first (kAlreadyExists).
Status transact_with_retry(SqlDatabase& db, const std::function<Status(StoreTransaction&)>& fn) {
  Status s = ok();
  for (int attempt = 0; attempt < kConflictAttempts; ++attempt) {
    s = db.transact(fn);
    if (s || s.error().code != ErrorCode::kAlreadyExists) return s;
  }
  return s;
}

}  // namespace

TransparencyLog::TransparencyLog(std::shared_ptr<SqlDatabase> db, std::string origin,
                                 NoteSigner signer)
    : db_(std::move(db)), origin_(std::move(origin)), signer_(std::move(signer)) {}

TransparencyLog::~TransparencyLog() = default;

Result<std::unique_ptr<TransparencyLog>> TransparencyLog::open(
    const std::filesystem::path& database_path, std::string origin, NoteSigner signer) {
  auto db = internal::open_sqlite_database(database_path.string(), kBusyTimeoutMs);
  if (!db) {
    return make_error(db.error().code, "transparency log database " + database_path.string() +
                                           ": " + db.error().message);
  }
  return open_in(std::shared_ptr<SqlDatabase>(std::move(*db)), std::move(origin),
                 std::move(signer));
}

Result<std::unique_ptr<TransparencyLog>> TransparencyLog::open_in(std::shared_ptr<SqlDatabase> db,
                                                                  std::string origin,
                                                                  NoteSigner signer) {
  if (origin.empty() || !is_valid_note_text(origin + "\n") ||
      origin.find('\n') != std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument, "log origin must be one non-empty line");
  }
  if (db == nullptr) return make_error(ErrorCode::kInvalidArgument, "no database for the log");
  GL_RETURN_IF_ERROR(db->ensure_schema(kSchema));
  const Status done = transact_with_retry(*db, [&](StoreTransaction& tx) -> Status {
    GL_RETURN_IF_ERROR(tx.execute(
        "INSERT INTO log_meta(name, value) VALUES('origin', ?) ON CONFLICT(name) DO NOTHING",
        {SqlValue(origin)}));
    GL_ASSIGN_OR_RETURN(auto stored, tx.query("SELECT value FROM log_meta WHERE name = 'origin'"));
    if (stored.empty() || as_text(stored[0][0]) == nullptr || *as_text(stored[0][0]) != origin) {
      return make_error(ErrorCode::kFailedPrecondition,
                        "transparency log database belongs to another origin");
    }
    return ok();
  });
  GL_RETURN_IF_ERROR(done);

  std::unique_ptr<TransparencyLog> log(
      new TransparencyLog(std::move(db), std::move(origin), std::move(signer)));
  std::lock_guard lock(log->mutex_);
  GL_RETURN_IF_ERROR(log->load());
  // Leaves appended before a crash, or a fresh log: sign the current size now.
  if (log->latest_note_.empty() || log->tree_.size() > log->published_size_) {
    GL_RETURN_IF_ERROR(log->sign_locked());
  }
  return log;
}

Status TransparencyLog::load() {
  tree_ = MerkleTree();
  published_size_ = 0;
  latest_note_.clear();
  const Status loaded = db_->read([&](StoreTransaction& tx) -> Status {
    GL_ASSIGN_OR_RETURN(const bool changed, refresh_locked(tx));
    (void)changed;
    return ok();
  });
  GL_RETURN_IF_ERROR(loaded);
  // The log must be continued by the key that signed it: checkpoints under another key are
  // refused by every phone that pinned the first one (and leaves waiting to be signed would
  // otherwise get the new key's signature).
  if (!latest_note_.empty() &&
      !open_checkpoint(latest_note_, CheckpointPolicy{origin_, signer_.verifier(), {}, 0})) {
    return make_error(
        ErrorCode::kFailedPrecondition,
        "transparency log database was signed with another key than " + signer_.verifier().vkey());
  }
  return ok();
}

// Appends to the in-memory tree every leaf another writer (another instance, or a commit
// whose result was lost) stored beyond it, verifying each stored hash, then takes the
// checkpoints signed beyond the latest one known, each checked against the leaves.
Result<bool> TransparencyLog::refresh_locked(StoreTransaction& tx) {
  const std::uint64_t old_size = tree_.size();
  const std::uint64_t old_published = published_size_;
  GL_RETURN_IF_ERROR(catch_up_locked(tx));
  GL_ASSIGN_OR_RETURN(auto rows, tx.query("SELECT size, root, note FROM log_checkpoints "
                                          "WHERE size >= ? ORDER BY size",
                                          {index_value(published_size_)}));
  for (const SqlRow& row : rows) {
    const auto size = as_index(row[0]);
    MerkleHash root{};
    const std::string* note = as_text(row[2]);
    if (!size || !to_hash(as_blob(row[1]), root) || note == nullptr) {
      return std::unexpected(corrupt("malformed checkpoint row"));
    }
    if (*size == published_size_ && !latest_note_.empty()) continue;
    auto expected = tree_.root_at(*size);
    if (!expected) {
      return std::unexpected(corrupt("checkpoint of size " + num(*size) + " but only " +
                                     num(tree_.size()) + " leaves"));
    }
    if (*expected != root) {
      return std::unexpected(
          corrupt("checkpoint of size " + num(*size) + " does not match the stored leaves"));
    }
    GL_RETURN_IF_ERROR(check_stored_note(*note, origin_, *size, root));
    published_size_ = *size;
    latest_note_ = *note;
  }
  return tree_.size() != old_size || published_size_ != old_published;
}

Status TransparencyLog::catch_up_locked(StoreTransaction& tx) {
  GL_ASSIGN_OR_RETURN(auto rows,
                      tx.query("SELECT idx, leaf, leaf_hash FROM log_leaves WHERE idx >= ? "
                               "ORDER BY idx",
                               {index_value(tree_.size())}));
  for (const SqlRow& row : rows) {
    const auto idx = as_index(row[0]);
    const Bytes* leaf = as_blob(row[1]);
    MerkleHash stored{};
    if (!idx || *idx != tree_.size()) {
      return std::unexpected(corrupt("leaf indices are not contiguous at " + num(tree_.size())));
    }
    if (leaf == nullptr || !to_hash(as_blob(row[2]), stored) || merkle_leaf_hash(*leaf) != stored) {
      return std::unexpected(corrupt("leaf " + num(*idx) + " does not match its hash"));
    }
    tree_.append(stored);
  }
  return ok();
}

Result<bool> TransparencyLog::refresh() {
  std::lock_guard lock(mutex_);
  bool changed = false;
  const Status done = db_->read([&](StoreTransaction& tx) -> Status {
    GL_ASSIGN_OR_RETURN(changed, refresh_locked(tx));
    return ok();
  });
  GL_RETURN_IF_ERROR(done);
  return changed;
}

std::uint64_t TransparencyLog::size() const {
  std::lock_guard lock(mutex_);
  return tree_.size();
}

std::uint64_t TransparencyLog::published_size() const {
  std::lock_guard lock(mutex_);
  return published_size_;
}

Result<std::uint64_t> TransparencyLog::append(const LogLeaf& leaf) {
  std::lock_guard lock(mutex_);
  GL_ASSIGN_OR_RETURN(auto appended, append_locked(leaf));
  return appended.first;
}

Result<std::pair<std::uint64_t, bool>> TransparencyLog::append_locked(const LogLeaf& leaf) {
  GL_ASSIGN_OR_RETURN(const Bytes encoded, encode_log_leaf(leaf));
  const MerkleHash hash = merkle_leaf_hash(encoded);
  std::pair<std::uint64_t, bool> result{0, false};
  // Durable once the transaction returns (SQLite: WAL + synchronous=FULL; PostgreSQL: its
  // commit).
  const Status done = transact_with_retry(*db_, [&](StoreTransaction& tx) -> Status {
    GL_RETURN_IF_ERROR(catch_up_locked(tx));
    GL_ASSIGN_OR_RETURN(auto existing, tx.query("SELECT idx FROM log_leaves WHERE leaf_hash = ?",
                                                {blob_value(hash)}));
    if (!existing.empty()) {
      const auto idx = as_index(existing[0][0]);
      if (!idx) return std::unexpected(corrupt("malformed leaf index"));
      result = {*idx, false};
      return ok();
    }
    result = {tree_.size(), true};
    GL_RETURN_IF_ERROR(
        tx.execute("INSERT INTO log_leaves(idx, leaf, leaf_hash) VALUES(?, ?, ?)",
                   {index_value(result.first), SqlValue(encoded), blob_value(hash)}));
    return ok();
  });
  GL_RETURN_IF_ERROR(done);
  if (result.second) tree_.append(hash);
  return result;
}

Result<std::string> TransparencyLog::sign_checkpoint() {
  std::lock_guard lock(mutex_);
  return sign_locked();
}

Result<std::string> TransparencyLog::sign_locked() {
  std::uint64_t size = 0;
  std::string note;
  const Status done = transact_with_retry(*db_, [&](StoreTransaction& tx) -> Status {
    GL_RETURN_IF_ERROR(catch_up_locked(tx));
    size = tree_.size();
    const MerkleHash root = tree_.root();
    GL_ASSIGN_OR_RETURN(
        auto stored,
        tx.query("SELECT root, note FROM log_checkpoints WHERE size = ?", {index_value(size)}));
    if (!stored.empty()) {
      // Signed before (by us before a crash, or by another writer): never sign a second root.
      MerkleHash stored_root{};
      const std::string* stored_note = as_text(stored[0][1]);
      if (!to_hash(as_blob(stored[0][0]), stored_root) || stored_root != root ||
          stored_note == nullptr) {
        return std::unexpected(corrupt("stored checkpoint of size " + num(size) +
                                       " does not match the stored leaves"));
      }
      note = *stored_note;
      return ok();
    }
    GL_ASSIGN_OR_RETURN(note,
                        greenlight::sign_checkpoint(Checkpoint{origin_, size, root, {}}, signer_));
    GL_RETURN_IF_ERROR(tx.execute("INSERT INTO log_checkpoints(size, root, note) VALUES(?, ?, ?)",
                                  {index_value(size), blob_value(root), SqlValue(note)}));
    return ok();
  });
  GL_RETURN_IF_ERROR(done);
  if (size >= published_size_) {
    published_size_ = size;
    latest_note_ = note;
  }
  return note;
}

Result<LogReceipt> TransparencyLog::publish(const LogLeaf& leaf) {
  std::lock_guard lock(mutex_);
  GL_ASSIGN_OR_RETURN(auto appended, append_locked(leaf));
  LogReceipt receipt;
  receipt.index = appended.first;
  receipt.newly_appended = appended.second;
  GL_ASSIGN_OR_RETURN(receipt.checkpoint, sign_locked());
  receipt.size = published_size_;
  return receipt;
}

Result<std::string> TransparencyLog::latest_checkpoint() const {
  std::lock_guard lock(mutex_);
  if (latest_note_.empty()) return make_error(ErrorCode::kNotFound, "no checkpoint signed yet");
  return latest_note_;
}

Result<std::string> TransparencyLog::checkpoint_at(std::uint64_t size) const {
  std::lock_guard lock(mutex_);
  std::string note;
  const Status done = db_->read([&](StoreTransaction& tx) -> Status {
    GL_ASSIGN_OR_RETURN(auto rows, tx.query("SELECT note FROM log_checkpoints WHERE size = ?",
                                            {index_value(size)}));
    if (rows.empty() || as_text(rows[0][0]) == nullptr) {
      return make_error(ErrorCode::kNotFound, "no checkpoint was signed at size " + num(size));
    }
    note = *as_text(rows[0][0]);
    return ok();
  });
  GL_RETURN_IF_ERROR(done);
  return note;
}

Status TransparencyLog::check_published(std::uint64_t tree_size) const {
  if (tree_size > published_size_) {
    return make_error(ErrorCode::kNotFound, "tree size " + num(tree_size) +
                                                " is beyond the latest checkpoint (" +
                                                num(published_size_) + ")");
  }
  return ok();
}

Result<std::vector<Bytes>> TransparencyLog::leaves(std::uint64_t start, std::uint64_t end) const {
  std::lock_guard lock(mutex_);
  if (start > end) {
    return make_error(ErrorCode::kInvalidArgument,
                      "leaf range start " + num(start) + " is after its end " + num(end));
  }
  GL_RETURN_IF_ERROR(check_published(end));
  std::vector<Bytes> out;
  const Status done = db_->read([&](StoreTransaction& tx) -> Status {
    GL_ASSIGN_OR_RETURN(
        auto rows, tx.query("SELECT leaf FROM log_leaves WHERE idx >= ? AND idx < ? ORDER BY idx",
                            {index_value(start), index_value(end)}));
    if (rows.size() != end - start) {
      return std::unexpected(corrupt("leaves [" + num(start) + ", " + num(end) + ") are missing"));
    }
    out.reserve(rows.size());
    for (SqlRow& row : rows) {
      Bytes* leaf = std::get_if<Bytes>(&row[0]);
      if (leaf == nullptr) return std::unexpected(corrupt("malformed leaf row"));
      out.push_back(std::move(*leaf));
    }
    return ok();
  });
  GL_RETURN_IF_ERROR(done);
  return out;
}

Result<std::vector<MerkleHash>> TransparencyLog::inclusion_proof(std::uint64_t index,
                                                                 std::uint64_t tree_size) const {
  std::lock_guard lock(mutex_);
  GL_RETURN_IF_ERROR(check_published(tree_size));
  return tree_.inclusion_proof(index, tree_size);
}

Result<std::vector<MerkleHash>> TransparencyLog::consistency_proof(std::uint64_t old_size,
                                                                   std::uint64_t new_size) const {
  std::lock_guard lock(mutex_);
  GL_RETURN_IF_ERROR(check_published(new_size));
  return tree_.consistency_proof(old_size, new_size);
}

Result<MerkleFrontier> TransparencyLog::frontier(std::uint64_t tree_size) const {
  std::lock_guard lock(mutex_);
  GL_RETURN_IF_ERROR(check_published(tree_size));
  return tree_.frontier_at(tree_size);
}

Result<MerkleHash> TransparencyLog::root_at(std::uint64_t tree_size) const {
  std::lock_guard lock(mutex_);
  GL_RETURN_IF_ERROR(check_published(tree_size));
  return tree_.root_at(tree_size);
}

std::optional<std::uint64_t> TransparencyLog::find(const MerkleHash& leaf_hash) const {
  std::lock_guard lock(mutex_);
  std::optional<std::uint64_t> found;
  (void)db_->read([&](StoreTransaction& tx) -> Status {
    GL_ASSIGN_OR_RETURN(auto rows, tx.query("SELECT idx FROM log_leaves WHERE leaf_hash = ?",
                                            {blob_value(leaf_hash)}));
    if (!rows.empty()) found = as_index(rows[0][0]);
    return ok();
  });
  if (!found || *found >= published_size_) return std::nullopt;
  return found;
}

Result<LogLeaf> log_leaf_for_publication(const Publication& p) {
  if (p.window_start < 0 || p.window_end < 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "publication window must not be negative for " + p.path);
  }
  const auto start = static_cast<std::uint64_t>(p.window_start);
  const auto end = static_cast<std::uint64_t>(p.window_end);
  const auto count_u32 = [&]() -> Result<std::uint32_t> {
    if (p.item_count > 0xFFFFFFFFu) {
      return make_error(ErrorCode::kInvalidArgument, "publication item count does not fit 32 bits");
    }
    return static_cast<std::uint32_t>(p.item_count);
  };
  if (p.kind == "export") {
    auto count = count_u32();
    GL_RETURN_IF_ERROR(count);
    return ExportBatchLeaf{p.sha256, start, end, *count, p.region};
  }
  if (p.kind == "venue_warnings") {
    auto count = count_u32();
    GL_RETURN_IF_ERROR(count);
    return VenueWarningBatchLeaf{p.sha256, start, end, *count};
  }
  if (p.kind == "risk_config") {
    return RiskConfigLeaf{p.sha256, static_cast<std::uint64_t>(p.item_count)};
  }
  // The venue owner policy file (venue_warnings.h): region carries the policy name and
  // item_count the owner wait in seconds.
  if (p.kind == "venue_owner_policy") {
    return VenueOwnerPolicyLeaf{p.sha256, p.region, static_cast<std::uint64_t>(p.item_count)};
  }
  return make_error(ErrorCode::kInvalidArgument,
                    "publication kind \"" + p.kind + "\" has no transparency-log leaf type");
}

}  // namespace greenlight::server

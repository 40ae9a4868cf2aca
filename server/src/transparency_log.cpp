#include "greenlight/server/transparency_log.h"

#include <string>
#include <utility>
#include <variant>

#include "internal/sqlite.h"

namespace greenlight::server {
namespace {

constexpr int kBusyTimeoutMs = 10000;

constexpr std::string_view kSchema =
    "CREATE TABLE IF NOT EXISTS log_meta("
    "  name TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;"
    "CREATE TABLE IF NOT EXISTS log_leaves("
    "  idx INTEGER PRIMARY KEY, leaf BLOB NOT NULL, leaf_hash BLOB NOT NULL UNIQUE) STRICT;"
    "CREATE TABLE IF NOT EXISTS log_checkpoints("
    "  size INTEGER PRIMARY KEY, root BLOB NOT NULL, note TEXT NOT NULL) STRICT;";

std::string num(std::uint64_t v) { return std::to_string(v); }

Error corrupt(std::string what) {
  return Error{ErrorCode::kInternal, "transparency log database is inconsistent: " + what};
}

// Rolls back unless committed, so that an error path never leaves a transaction open.
class WriteTransaction {
 public:
  explicit WriteTransaction(internal::Connection& db) : db_(db) {}
  ~WriteTransaction() {
    if (active_) (void)db_.exec("ROLLBACK");
  }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;

  [[nodiscard]] Status begin() {
    auto s = db_.exec("BEGIN IMMEDIATE");
    active_ = s.has_value();
    return s;
  }
  [[nodiscard]] Status commit() {
    auto s = db_.exec("COMMIT");
    if (s) active_ = false;
    return s;
  }

 private:
  internal::Connection& db_;
  bool active_ = false;
};

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

}  // namespace

TransparencyLog::TransparencyLog(std::unique_ptr<internal::Connection> db, std::string origin,
                                 NoteSigner signer)
    : db_(std::move(db)), origin_(std::move(origin)), signer_(std::move(signer)) {}

TransparencyLog::~TransparencyLog() = default;

Result<std::unique_ptr<TransparencyLog>> TransparencyLog::open(
    const std::filesystem::path& database_path, std::string origin, NoteSigner signer) {
  if (origin.empty() || !is_valid_note_text(origin + "\n") ||
      origin.find('\n') != std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument, "log origin must be one non-empty line");
  }
  auto db = internal::Connection::open(database_path.string(), kBusyTimeoutMs);
  GL_RETURN_IF_ERROR(db);
  GL_RETURN_IF_ERROR((*db)->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"));
  auto mode = (*db)->query("PRAGMA journal_mode", {});
  if (!mode || mode->empty() || as_text((*mode)[0][0]) == nullptr ||
      *as_text((*mode)[0][0]) != "wal") {
    return make_error(ErrorCode::kIo, "transparency log database cannot use WAL journaling");
  }
  GL_RETURN_IF_ERROR((*db)->exec(kSchema));

  {
    WriteTransaction tx(**db);
    GL_RETURN_IF_ERROR(tx.begin());
    auto stored = (*db)->query("SELECT value FROM log_meta WHERE name = 'origin'", {});
    GL_RETURN_IF_ERROR(stored);
    if (stored->empty()) {
      auto ins = (*db)->execute("INSERT INTO log_meta(name, value) VALUES('origin', ?)",
                                {SqlValue(origin)});
      GL_RETURN_IF_ERROR(ins);
    } else if (as_text((*stored)[0][0]) == nullptr || *as_text((*stored)[0][0]) != origin) {
      return make_error(ErrorCode::kFailedPrecondition,
                        "transparency log database belongs to another origin");
    }
    GL_RETURN_IF_ERROR(tx.commit());
  }

  std::unique_ptr<TransparencyLog> log(
      new TransparencyLog(std::move(*db), std::move(origin), std::move(signer)));
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
  GL_RETURN_IF_ERROR(catch_up_locked());
  auto rows = db_->query("SELECT size, root, note FROM log_checkpoints ORDER BY size", {});
  GL_RETURN_IF_ERROR(rows);
  for (const SqlRow& row : *rows) {
    const auto size = as_index(row[0]);
    MerkleHash root{};
    const std::string* note = as_text(row[2]);
    if (!size || !to_hash(as_blob(row[1]), root) || note == nullptr) {
      return std::unexpected(corrupt("malformed checkpoint row"));
    }
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

// Appends to the in-memory tree every leaf another writer (or a commit whose result was
// lost) stored beyond it, verifying each stored hash.
Status TransparencyLog::catch_up_locked() {
  auto rows = db_->query("SELECT idx, leaf, leaf_hash FROM log_leaves WHERE idx >= ? ORDER BY idx",
                         {index_value(tree_.size())});
  GL_RETURN_IF_ERROR(rows);
  for (const SqlRow& row : *rows) {
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
  auto appended = append_locked(leaf);
  GL_RETURN_IF_ERROR(appended);
  return appended->first;
}

Result<std::pair<std::uint64_t, bool>> TransparencyLog::append_locked(const LogLeaf& leaf) {
  auto encoded = encode_log_leaf(leaf);
  GL_RETURN_IF_ERROR(encoded);
  const MerkleHash hash = merkle_leaf_hash(*encoded);
  WriteTransaction tx(*db_);
  GL_RETURN_IF_ERROR(tx.begin());
  GL_RETURN_IF_ERROR(catch_up_locked());
  auto existing = db_->query("SELECT idx FROM log_leaves WHERE leaf_hash = ?", {blob_value(hash)});
  GL_RETURN_IF_ERROR(existing);
  if (!existing->empty()) {
    const auto idx = as_index((*existing)[0][0]);
    if (!idx) return std::unexpected(corrupt("malformed leaf index"));
    return std::pair{*idx, false};
  }
  const std::uint64_t index = tree_.size();
  auto inserted = db_->execute("INSERT INTO log_leaves(idx, leaf, leaf_hash) VALUES(?, ?, ?)",
                               {index_value(index), SqlValue(*encoded), blob_value(hash)});
  GL_RETURN_IF_ERROR(inserted);
  // Durable once COMMIT returns (WAL + synchronous=FULL fsyncs the WAL at commit).
  GL_RETURN_IF_ERROR(tx.commit());
  tree_.append(hash);
  return std::pair{index, true};
}

Result<std::string> TransparencyLog::sign_checkpoint() {
  std::lock_guard lock(mutex_);
  return sign_locked();
}

Result<std::string> TransparencyLog::sign_locked() {
  WriteTransaction tx(*db_);
  GL_RETURN_IF_ERROR(tx.begin());
  GL_RETURN_IF_ERROR(catch_up_locked());
  const std::uint64_t size = tree_.size();
  const MerkleHash root = tree_.root();
  auto stored =
      db_->query("SELECT root, note FROM log_checkpoints WHERE size = ?", {index_value(size)});
  GL_RETURN_IF_ERROR(stored);
  std::string note;
  if (!stored->empty()) {
    // Signed before (by us before a crash, or by another writer): never sign a second root.
    MerkleHash stored_root{};
    const std::string* stored_note = as_text((*stored)[0][1]);
    if (!to_hash(as_blob((*stored)[0][0]), stored_root) || stored_root != root ||
        stored_note == nullptr) {
      return std::unexpected(
          corrupt("stored checkpoint of size " + num(size) + " does not match the stored leaves"));
    }
    note = *stored_note;
  } else {
    auto signed_note = greenlight::sign_checkpoint(Checkpoint{origin_, size, root, {}}, signer_);
    GL_RETURN_IF_ERROR(signed_note);
    note = std::move(*signed_note);
    auto inserted = db_->execute("INSERT INTO log_checkpoints(size, root, note) VALUES(?, ?, ?)",
                                 {index_value(size), blob_value(root), SqlValue(note)});
    GL_RETURN_IF_ERROR(inserted);
  }
  GL_RETURN_IF_ERROR(tx.commit());
  if (size >= published_size_) {
    published_size_ = size;
    latest_note_ = note;
  }
  return note;
}

Result<LogReceipt> TransparencyLog::publish(const LogLeaf& leaf) {
  std::lock_guard lock(mutex_);
  auto appended = append_locked(leaf);
  GL_RETURN_IF_ERROR(appended);
  LogReceipt receipt;
  receipt.index = appended->first;
  receipt.newly_appended = appended->second;
  auto note = sign_locked();
  GL_RETURN_IF_ERROR(note);
  receipt.size = published_size_;
  receipt.checkpoint = std::move(*note);
  return receipt;
}

Result<std::string> TransparencyLog::latest_checkpoint() const {
  std::lock_guard lock(mutex_);
  if (latest_note_.empty()) return make_error(ErrorCode::kNotFound, "no checkpoint signed yet");
  return latest_note_;
}

Result<std::string> TransparencyLog::checkpoint_at(std::uint64_t size) const {
  std::lock_guard lock(mutex_);
  auto rows = db_->query("SELECT note FROM log_checkpoints WHERE size = ?", {index_value(size)});
  GL_RETURN_IF_ERROR(rows);
  if (rows->empty() || as_text((*rows)[0][0]) == nullptr) {
    return make_error(ErrorCode::kNotFound, "no checkpoint was signed at size " + num(size));
  }
  return *as_text((*rows)[0][0]);
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
  auto rows = db_->query("SELECT leaf FROM log_leaves WHERE idx >= ? AND idx < ? ORDER BY idx",
                         {index_value(start), index_value(end)});
  GL_RETURN_IF_ERROR(rows);
  if (rows->size() != end - start) {
    return std::unexpected(corrupt("leaves [" + num(start) + ", " + num(end) + ") are missing"));
  }
  std::vector<Bytes> out;
  out.reserve(rows->size());
  for (SqlRow& row : *rows) {
    Bytes* leaf = std::get_if<Bytes>(&row[0]);
    if (leaf == nullptr) return std::unexpected(corrupt("malformed leaf row"));
    out.push_back(std::move(*leaf));
  }
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
  auto rows = db_->query("SELECT idx FROM log_leaves WHERE leaf_hash = ?", {blob_value(leaf_hash)});
  if (!rows || rows->empty()) return std::nullopt;
  const auto idx = as_index((*rows)[0][0]);
  if (!idx || *idx >= published_size_) return std::nullopt;
  return idx;
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

// The server's transparency log (spec/protocol.md "Transparency log", reference/security.md
// section 2, docs/transparency.md): an append-only RFC 9162 Merkle tree of LogLeaf records
// in its own SQLite file or in the server's database (SQLite or PostgreSQL, shared by every
// instance), with Ed25519-signed C2SP checkpoints.
//
// Publication order ("log before serve"): publish(leaf) appends the leaf, commits it durably
// (WAL, synchronous=FULL), signs a checkpoint covering it and stores that checkpoint durably,
// all before it returns; only then may the content be served. The before-publish hook of the
// module (make_transparency_log_module) does exactly this for every StaticSite publication.
//
// Crash safety (reference/security.md A28, L7): leaves are committed before any checkpoint
// covers them; a checkpoint's root is computed from the stored leaves and stored once per
// size (size is the primary key). Ed25519 is deterministic and the checkpoint body has no
// timestamp, so re-signing a size gives the same note byte for byte. A process killed at any
// point can therefore never produce two checkpoints of one size with different roots. open()
// re-verifies every stored leaf hash and checkpoint root against the leaves, refuses an
// inconsistent database, and signs a checkpoint for leaves appended before a crash.
//
// Visibility: reads for clients (leaves, proofs, frontiers) are limited to the latest signed
// checkpoint, so nothing is visible that no checkpoint covers.
//
// Idempotency: appending a leaf whose encoding is already in the log returns its existing
// index instead of adding a duplicate.
//
// Thread-safety: all members are safe to call concurrently (one internal mutex). Several
// processes may write one log database: every write transaction first catches up with the
// leaves the others committed, and a write that loses a race (same index or size, a unique
// key) is retried from a fresh catch-up, so the log is never forked.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/log_leaf.h"
#include "greenlight/crypto/merkle.h"
#include "greenlight/crypto/result.h"
#include "greenlight/crypto/signed_note.h"
#include "greenlight/server/http.h"
#include "greenlight/server/server.h"
#include "greenlight/server/store.h"

namespace greenlight::server {

// Largest leaf range or bundle one request returns.
inline constexpr std::uint64_t kMaxLogLeavesPerRequest = 1000;
// Leaves per static bundle file "v1/log/leaves/<B>" (docs/transparency.md).
inline constexpr std::uint64_t kLogBundleSize = 256;

struct LogReceipt {
  std::uint64_t index = 0;     // the leaf's index
  std::uint64_t size = 0;      // size of the checkpoint that covers it
  std::string checkpoint;      // that signed checkpoint note
  bool newly_appended = true;  // false: the identical leaf was already logged
};

class TransparencyLog {
 public:
  // Opens or creates the log database. origin is the checkpoint's first line; a database
  // created with another origin, or whose latest checkpoint does not verify under signer's
  // key (kFailedPrecondition), is refused.
  [[nodiscard]] static Result<std::unique_ptr<TransparencyLog>> open(
      const std::filesystem::path& database_path, std::string origin, NoteSigner signer);
  // The same in a database shared with others: the server's store (SQLite or PostgreSQL),
  // where every instance of a multi-instance deployment opens the same log. The log's tables
  // (log_meta, log_leaves, log_checkpoints) are created if missing. Writers in several
  // processes never fork the log: each append and signature runs in one transaction that
  // first catches up with what the others committed, and a lost race (a concurrent writer
  // took the index or the size) is run again.
  [[nodiscard]] static Result<std::unique_ptr<TransparencyLog>> open_in(
      std::shared_ptr<SqlDatabase> db, std::string origin, NoteSigner signer);
  ~TransparencyLog();
  TransparencyLog(const TransparencyLog&) = delete;
  TransparencyLog& operator=(const TransparencyLog&) = delete;

  const std::string& origin() const { return origin_; }
  NoteVerifier verifier() const { return signer_.verifier(); }

  // Number of stored leaves (may exceed published_size() briefly, or after a crash until the
  // next sign_checkpoint()).
  std::uint64_t size() const;
  // Size of the latest signed checkpoint (0 when none exists).
  std::uint64_t published_size() const;

  // Appends one leaf and commits it durably; returns its index. An identical leaf already
  // in the log returns the existing index. Does not sign.
  [[nodiscard]] Result<std::uint64_t> append(const LogLeaf& leaf);
  // Signs (or returns the stored) checkpoint for the current size; durable when it returns.
  [[nodiscard]] Result<std::string> sign_checkpoint();
  // append + sign_checkpoint: the log-before-serve step.
  [[nodiscard]] Result<LogReceipt> publish(const LogLeaf& leaf);

  // The latest signed checkpoint note; kNotFound before the first one.
  [[nodiscard]] Result<std::string> latest_checkpoint() const;
  // The stored checkpoint of exactly this size; kNotFound if none was signed at that size.
  [[nodiscard]] Result<std::string> checkpoint_at(std::uint64_t size) const;

  // Encoded leaves [start, end); requires start <= end <= published_size().
  [[nodiscard]] Result<std::vector<Bytes>> leaves(std::uint64_t start, std::uint64_t end) const;
  // RFC 9162 proofs; sizes must not exceed published_size().
  [[nodiscard]] Result<std::vector<MerkleHash>> inclusion_proof(std::uint64_t index,
                                                                std::uint64_t tree_size) const;
  [[nodiscard]] Result<std::vector<MerkleHash>> consistency_proof(std::uint64_t old_size,
                                                                  std::uint64_t new_size) const;
  [[nodiscard]] Result<MerkleFrontier> frontier(std::uint64_t tree_size) const;
  [[nodiscard]] Result<MerkleHash> root_at(std::uint64_t tree_size) const;
  // Index of the leaf with this Merkle leaf hash, if logged and published.
  std::optional<std::uint64_t> find(const MerkleHash& leaf_hash) const;
  // Takes the leaves and checkpoints other writers (instances on the same database) stored
  // since; true when the served state changed. The log module runs it with the server's
  // site refresh.
  [[nodiscard]] Result<bool> refresh();

 private:
  TransparencyLog(std::shared_ptr<SqlDatabase> db, std::string origin, NoteSigner signer);
  [[nodiscard]] Status load();
  [[nodiscard]] Status catch_up_locked(StoreTransaction& tx);
  [[nodiscard]] Result<bool> refresh_locked(StoreTransaction& tx);
  // (index, newly appended)
  [[nodiscard]] Result<std::pair<std::uint64_t, bool>> append_locked(const LogLeaf& leaf);
  [[nodiscard]] Result<std::string> sign_locked();
  [[nodiscard]] Status check_published(std::uint64_t tree_size) const;

  mutable std::mutex mutex_;
  std::shared_ptr<SqlDatabase> db_;
  std::string origin_;
  NoteSigner signer_;
  MerkleTree tree_;
  std::uint64_t published_size_ = 0;
  std::string latest_note_;
};

// The publication -> leaf mapping of the before-publish hook:
//   kind "export"          -> EXPORT_BATCH {sha256, window, item_count, region}
//   kind "venue_warnings"  -> VENUE_WARNING_BATCH {sha256, window, item_count}
//   kind "risk_config"     -> RISK_CONFIG {sha256, version = item_count}
// Any other kind is refused (kInvalidArgument): content the log cannot describe is not
// published.
[[nodiscard]] Result<LogLeaf> log_leaf_for_publication(const Publication& publication);

// HTTP handlers of the log (docs/transparency.md "Endpoints"), usable without a running
// server. Paths: /v1/log/checkpoint, /v1/log/leaves?start=&end=,
// /v1/log/proof/inclusion?index=&size=, /v1/log/proof/consistency?old=&new=,
// /v1/log/frontier?size=. Bodies are text (one base64 item per line) or the signed note.
HttpResponse handle_log_request(const TransparencyLog& log, const HttpRequest& request);

// Static mirror files of the log under the site root: "v1/log/checkpoint" and the bundles
// "v1/log/leaves/<B>" (leaves [B*256, B*256+256) as base64 lines; the last one partial).
// Rewrites the checkpoint and every bundle from first_leaf's bundle on.
[[nodiscard]] Status write_log_mirror(const TransparencyLog& log, StaticSite& site,
                                      std::uint64_t first_leaf = 0);

// A ServerModule that registers the routes above (GET and HEAD), a before-publish hook that
// logs every publication (log_leaf_for_publication + TransparencyLog::publish) and then
// refreshes the static mirror, and writes the mirror once at attach.
std::shared_ptr<ServerModule> make_transparency_log_module(std::shared_ptr<TransparencyLog> log);

}  // namespace greenlight::server

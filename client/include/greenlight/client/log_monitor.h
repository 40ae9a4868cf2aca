// The phone's view of the transparency log (reference/security.md section 2.4,
// docs/transparency.md "Client checks"): the client acts only on content that a verified,
// append-only log covers, and keeps non-repudiable evidence when the log misbehaves.
//
// State (persisted by the app through state()/restore(), a few hundred bytes plus the
// covered-content list): the frontier of the verified tree (size n, root r, <= 64 hashes),
// the signed checkpoint it was verified against, the previous one, the content hashes of
// the leaves it has seen (pruned with content retention), and the evidence collected.
//
// sync():
//   1. GET v1/log/checkpoint; verify the log signature and the witness policy (a forged or
//      unwitnessed checkpoint is refused, kAuthentication, and is not evidence: anybody can
//      produce garbage, only the log key can produce proof of misbehaviour).
//   2. n' < n: the tree shrank -> evidence (both notes), refused.
//      n' == n and r' != r: two roots for one size -> evidence, refused.
//   3. GET the leaves [n, n') and fold them into the frontier; the result must be r'. This
//      one check proves that (n', r') extends (n, r) and covers every new leaf. If it
//      fails, the consistency proof (n, n') is fetched: if it verifies, the server merely
//      served wrong leaves (refused, no evidence); otherwise the two signed checkpoints are
//      evidence of a fork.
//   4. Only after every check passes is the state replaced (all or nothing).
// A fresh install trusts the first valid checkpoint (TOFU), fetches the frontier at
// n' - bootstrap_leaves and the newest leaves, and checks that they fold to r'.
//
// compare(): checks a checkpoint seen elsewhere (a witness, another phone, gossip) against
// the verified one; a same-size root mismatch or a failed consistency proof is evidence. A
// split view (a targeted leaf shown to one phone only) is detected exactly when two views
// meet this way, or when the server later moves the phone back to the honest branch.
//
// require_logged(): content (export zip, venue-warning file, risk config) is used only if a
// seen leaf of that kind commits to its SHA-256; otherwise the log is synced once more (the
// content may be newer than the checkpoint fetched) and, if still uncovered, evidence is
// kept and the content refused.
//
// Network access goes through LogFetcher so tests use in-memory fakes. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "greenlight/client/http_fetcher.h"
#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/log_leaf.h"
#include "greenlight/crypto/merkle.h"
#include "greenlight/crypto/result.h"
#include "greenlight/crypto/signed_note.h"

namespace greenlight::client {

// Paths are relative to the server root, e.g. "v1/log/checkpoint" or
// "v1/log/leaves?start=0&end=10". 404 should give kNotFound.
class LogFetcher {
 public:
  virtual ~LogFetcher() = default;
  [[nodiscard]] virtual Result<Bytes> fetch(std::string_view path) = 0;
};

// LogFetcher over an HttpFetcher: GET base_url + "/" + path.
class HttpLogFetcher final : public LogFetcher {
 public:
  HttpLogFetcher(HttpFetcher& http, std::string base_url);
  [[nodiscard]] Result<Bytes> fetch(std::string_view path) override;

 private:
  HttpFetcher& http_;
  std::string base_url_;
};

enum class EvidenceKind : std::uint8_t {
  kSameSizeDifferentRoot = 1,  // two signed checkpoints of one size with different roots
  kShrunkTree = 2,             // a signed checkpoint smaller than one already verified
  kInconsistentTrees = 3,      // two signed checkpoints, the larger does not extend the smaller
  kUnloggedContent = 4,        // content offered for use that no leaf of the log covers
};

std::string_view evidence_kind_name(EvidenceKind kind);

struct Evidence {
  EvidenceKind kind = EvidenceKind::kSameSizeDifferentRoot;
  std::string first_note;   // the checkpoint the phone had verified
  std::string second_note;  // the conflicting checkpoint (empty for kUnloggedContent)
  std::optional<Sha256Digest> content_sha256;  // kUnloggedContent only
  std::string detail;                          // one line for people
  friend bool operator==(const Evidence&, const Evidence&) = default;
};

// A self-contained text block the app can show, export or send to an auditor: the kind,
// the detail, the content hash and both signed notes verbatim.
std::string format_evidence(const Evidence& evidence);

struct LogMonitorConfig {
  CheckpointPolicy policy;
  // A fresh install verifies and remembers the newest this many leaves.
  std::uint64_t bootstrap_leaves = 4096;
  // Leaves per request (the server allows at most 1000).
  std::uint64_t leaves_per_request = 1000;
};

// A leaf the phone has seen, as far as content checks need it.
struct CoveredContent {
  LogLeafKind kind = LogLeafKind::kExportBatch;
  Sha256Digest sha256{};
  std::uint64_t leaf_index = 0;
  std::uint64_t window_end = 0;  // 0 for kinds without a window
  friend bool operator==(const CoveredContent&, const CoveredContent&) = default;
};

struct LogSyncReport {
  std::uint64_t old_size = 0;
  std::uint64_t new_size = 0;
  bool bootstrapped = false;  // first checkpoint trusted on first use
  std::vector<std::pair<std::uint64_t, LogLeaf>> new_leaves;  // (index, leaf), in order
  std::size_t malformed_leaves = 0;  // logged but undecodable: counted, never used
};

inline constexpr std::size_t kMaxEvidence = 32;

class LogMonitor {
 public:
  explicit LogMonitor(LogMonitorConfig config);
  // Restores a state produced by state(); rejects malformed bytes and a stored checkpoint
  // that does not verify under config.policy or does not match the stored frontier.
  [[nodiscard]] static Result<LogMonitor> restore(LogMonitorConfig config, ByteSpan state);
  // Versioned binary encoding of everything the monitor keeps.
  Bytes state() const;

  bool initialized() const { return !note_.empty(); }
  std::uint64_t size() const { return frontier_.size(); }
  MerkleHash root() const { return frontier_.root(); }
  const MerkleFrontier& frontier() const { return frontier_; }
  const std::string& checkpoint_note() const { return note_; }
  const std::string& previous_checkpoint_note() const { return previous_note_; }
  const std::vector<CoveredContent>& covered() const { return covered_; }
  const std::vector<Evidence>& evidence() const { return evidence_; }

  [[nodiscard]] Result<LogSyncReport> sync(LogFetcher& fetcher);

  // Checks a checkpoint note seen elsewhere against the verified state. Proofs are fetched
  // from fetcher (the phone's server, or any mirror). kUnavailable when no proof could be
  // fetched (undecided, no evidence), kAuthentication with evidence on a fork.
  [[nodiscard]] Status compare(std::string_view other_note, LogFetcher& fetcher);

  // Succeeds iff a seen leaf of this kind commits to content_sha256. If not and resync is
  // given, syncs once and checks again. Still uncovered: evidence (kUnloggedContent) and
  // kFailedPrecondition.
  [[nodiscard]] Status require_logged(LogLeafKind kind, const Sha256Digest& content_sha256,
                                      LogFetcher* resync = nullptr);
  // For content logged before the phone's bootstrap point (e.g. the current risk config):
  // fetches leaf `index` and its inclusion proof for the verified size, and on success adds
  // it to the covered list.
  [[nodiscard]] Status verify_logged_at(LogFetcher& fetcher, std::uint64_t index, LogLeafKind kind,
                                        const Sha256Digest& content_sha256);

  // Forgets export and venue-warning leaves whose window ended before cutoff (content
  // retention); config and key leaves are kept.
  void prune_covered(std::uint64_t cutoff_unix_seconds);
  void clear_evidence() { evidence_.clear(); }

 private:
  [[nodiscard]] Result<LogSyncReport> bootstrap(LogFetcher& fetcher,
                                                const VerifiedCheckpoint& checkpoint);
  [[nodiscard]] Result<std::vector<Bytes>> fetch_leaves(LogFetcher& fetcher, std::uint64_t start,
                                                        std::uint64_t end);
  void remember(std::uint64_t index, const LogLeaf& leaf);
  void add_evidence(Evidence evidence);

  LogMonitorConfig config_;
  MerkleFrontier frontier_;
  std::string note_;
  std::string previous_note_;
  std::vector<CoveredContent> covered_;
  std::vector<Evidence> evidence_;
};

}  // namespace greenlight::client

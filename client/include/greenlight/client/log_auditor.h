// The auditor's full re-verification of a transparency log (reference/security.md section
// 2.5, docs/transparency.md "Auditing"). An auditor is neither phone nor server: it reads
// only published data (from the server's HTTP endpoints or from a directory mirror of the
// static files) and checks
//   1. the latest checkpoint's signature (and witness policy);
//   2. that the root recomputed from ALL leaves equals the checkpoint's root, and that every
//      leaf decodes;
//   3. that the checkpoint extends the one the auditor saw last time (same root at the old
//      size, recomputed from the leaves: stronger than a consistency proof);
//   4. that every file the server serves (the content indexes, e.g. v1/exports/index.txt)
//      has a leaf committing to its SHA-256, of the kind that index serves, with the window
//      its name claims ("S-E-N.zip"), listed once; a listed file that cannot be read fails;
//   5. that nothing logged is withheld: every batch leaf of a kind an audited index serves,
//      whose window ended less than the retention period before `now`, is served by it
//      (deleting a logged batch and its index line is suppression, reference/security.md
//      A17);
// and lists notable events (risk-config and signing-key leaves) for people to review.
// Memory is bounded on hostile inputs: leaves are folded in chunks into a frontier (O(log n)
// hashes), only content hashes are kept per leaf, an index holds at most
// kMaxAuditIndexBytes / kMaxAuditIndexEntries, and at most kMaxAuditMessages lines of each
// kind are kept (the rest counted).
//
// Directory mirror layout (what the server's StaticSite writes):
//   DIR/v1/log/checkpoint        the signed checkpoint
//   DIR/v1/log/leaves/<B>        leaves [256 B, 256 B + 256), one base64 leaf per line
//   DIR/v1/exports/index.txt     one served path per line; DIR/<path> the file
//
// Thread-safety: none needed (functions over values and one source).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/client/log_monitor.h"
#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/log_leaf.h"
#include "greenlight/crypto/merkle.h"
#include "greenlight/crypto/result.h"
#include "greenlight/crypto/signed_note.h"
#include "greenlight/wire/published_layout.h"

namespace greenlight::client {

using wire::kLogCheckpointPath;  // the shared contract (wire/published_layout.h)
inline constexpr std::uint64_t kLogBundleLeaves = 256;
inline constexpr std::size_t kMaxAuditIndexBytes = 16u << 20;
inline constexpr std::size_t kMaxAuditIndexEntries = 100000;
inline constexpr std::size_t kMaxAuditMessages = 100;

// Where published data comes from.
class LogSource {
 public:
  virtual ~LogSource() = default;
  [[nodiscard]] virtual Result<std::string> checkpoint() = 0;
  // Encoded leaves [start, end).
  [[nodiscard]] virtual Result<std::vector<Bytes>> leaves(std::uint64_t start,
                                                          std::uint64_t end) = 0;
  // A published file by its path relative to the server root (an index or a batch).
  [[nodiscard]] virtual Result<Bytes> file(std::string_view path) = 0;
};

// The server's HTTP endpoints (through a LogFetcher, e.g. HttpLogFetcher).
class FetcherLogSource final : public LogSource {
 public:
  explicit FetcherLogSource(LogFetcher& fetcher, std::uint64_t leaves_per_request = 1000)
      : fetcher_(fetcher), leaves_per_request_(leaves_per_request == 0 ? 1 : leaves_per_request) {}
  [[nodiscard]] Result<std::string> checkpoint() override;
  [[nodiscard]] Result<std::vector<Bytes>> leaves(std::uint64_t start, std::uint64_t end) override;
  [[nodiscard]] Result<Bytes> file(std::string_view path) override;

 private:
  LogFetcher& fetcher_;
  std::uint64_t leaves_per_request_;
};

// A directory mirror of the static files (layout above). Paths outside the root ("..",
// absolute paths, unusual characters) are refused.
class DirectoryLogSource final : public LogSource {
 public:
  explicit DirectoryLogSource(std::filesystem::path root) : root_(std::move(root)) {}
  [[nodiscard]] Result<std::string> checkpoint() override;
  [[nodiscard]] Result<std::vector<Bytes>> leaves(std::uint64_t start, std::uint64_t end) override;
  [[nodiscard]] Result<Bytes> file(std::string_view path) override;

 private:
  std::filesystem::path root_;
};

struct AuditOptions {
  CheckpointPolicy policy;
  // The checkpoint note this auditor verified last time (its state), if any.
  std::optional<std::string> previous_checkpoint{};
  // Index files listing served content, one path per line.
  std::vector<std::string> content_indexes = {"v1/exports/index.txt"};
  // The leaf kind each known index serves; batches of these kinds must be served (check 5)
  // when their index is audited. Indexes not named here are checked only for check 4.
  std::map<std::string, LogLeafKind> index_kinds = {
      {"v1/exports/index.txt", LogLeafKind::kExportBatch},
      {"v1/venues/index.txt", LogLeafKind::kVenueWarningBatch}};
  // Unix seconds of the audit. Batches whose window ended at least retention_seconds before
  // now may be deleted by retention; without now, every logged batch must be served.
  std::optional<std::int64_t> now{};
  std::int64_t retention_seconds = 14 * 24 * 3600;
};

struct AuditReport {
  bool ok() const { return failures.empty(); }
  std::vector<std::string> failures;  // each one line; any failure means FAIL
  std::vector<std::string> warnings;  // worth a look, not a failure
  std::vector<std::string> notable;   // risk-config and signing-key changes, one line each
  std::string checkpoint_note;        // the verified checkpoint (the next state) if signed
  std::uint64_t size = 0;
  MerkleHash root{};
  std::optional<std::uint64_t> previous_size;
  std::map<LogLeafKind, std::uint64_t> leaves_by_kind;
  std::uint64_t files_checked = 0;
  std::uint64_t batches_required = 0;  // logged batches that had to be served (check 5)
  // Lines beyond kMaxAuditMessages that were counted but not kept.
  std::uint64_t failures_omitted = 0;
  std::uint64_t warnings_omitted = 0;
};

// Runs every check; failures are collected in the report rather than returned. Returns an
// error only when the checkpoint itself cannot be read.
[[nodiscard]] Result<AuditReport> audit_log(LogSource& source, const AuditOptions& options);

// One verdict line ("OK: ..." or "FAIL: ...") followed by the failures, warnings and
// notable events, one per line.
std::string format_audit_report(const AuditReport& report);

// Splits an index file into paths (LF or CRLF, blank lines ignored); each path must be
// relative, of [A-Za-z0-9._/-], without "." or ".." segments.
[[nodiscard]] Result<std::vector<std::string>> parse_content_index(std::string_view text);

}  // namespace greenlight::client

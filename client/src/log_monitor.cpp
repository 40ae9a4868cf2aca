#include "greenlight/client/log_monitor.h"

#include <algorithm>
#include <variant>

#include "greenlight/wire/published_layout.h"

namespace greenlight::client {
namespace {

constexpr std::string_view kStateMagic = "GLLM";
constexpr std::uint8_t kStateVersion = 1;
constexpr std::size_t kMaxStateString = 1u << 20;

std::string num(std::uint64_t v) { return std::to_string(v); }

// Splits a text body of base64 lines ("...\n" each) into the decoded items.
Result<std::vector<Bytes>> parse_base64_lines(ByteSpan body, std::string_view what) {
  std::vector<Bytes> out;
  std::string_view text = as_string_view(body);
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    if (eol == std::string_view::npos) {
      return make_error(ErrorCode::kInvalidArgument,
                        std::string(what) + ": last line has no newline");
    }
    auto item = base64_decode(text.substr(0, eol));
    if (!item) {
      return make_error(
          ErrorCode::kInvalidArgument,
          std::string(what) + " line " + num(out.size() + 1) + ": " + item.error().message);
    }
    out.push_back(std::move(*item));
    text.remove_prefix(eol + 1);
  }
  return out;
}

Result<std::vector<MerkleHash>> parse_hashes(ByteSpan body, std::string_view what) {
  auto lines = parse_base64_lines(body, what);
  GL_RETURN_IF_ERROR(lines);
  std::vector<MerkleHash> out;
  for (const Bytes& line : *lines) {
    if (line.size() != 32) {
      return make_error(ErrorCode::kInvalidArgument,
                        std::string(what) + ": hashes must be 32 bytes, got " + num(line.size()));
    }
    MerkleHash h{};
    std::copy(line.begin(), line.end(), h.begin());
    out.push_back(h);
  }
  return out;
}

Result<std::vector<MerkleHash>> fetch_consistency(LogFetcher& fetcher, std::uint64_t old_size,
                                                  std::uint64_t new_size) {
  auto body = fetcher.fetch(std::string(wire::kLogConsistencyProofPath) + "?old=" + num(old_size) +
                            "&new=" + num(new_size));
  GL_RETURN_IF_ERROR(body);
  return parse_hashes(*body, "consistency proof");
}

// --- state encoding ----------------------------------------------------------------------

class Writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u64(std::uint64_t v) {
    for (int s = 56; s >= 0; s -= 8) out_.push_back(static_cast<std::uint8_t>(v >> s));
  }
  void bytes(ByteSpan b) {
    u64(b.size());
    out_.insert(out_.end(), b.begin(), b.end());
  }
  void str(std::string_view s) { bytes(as_bytes(s)); }
  void digest(const Sha256Digest& d) { out_.insert(out_.end(), d.begin(), d.end()); }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

class Reader {
 public:
  explicit Reader(ByteSpan in) : in_(in) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }
  std::uint8_t u8() {
    if (!take(1)) return 0;
    return in_[pos_ - 1];
  }
  std::uint64_t u64() {
    if (!take(8)) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = pos_ - 8; i < pos_; ++i) v = (v << 8) | in_[i];
    return v;
  }
  ByteSpan bytes() {
    const std::uint64_t n = u64();
    if (n > kMaxStateString || !take(n)) {
      ok_ = false;
      return {};
    }
    return in_.subspan(pos_ - n, n);
  }
  std::string str() { return std::string(as_string_view(bytes())); }
  Sha256Digest digest() {
    Sha256Digest d{};
    if (!take(32)) return d;
    std::copy_n(in_.begin() + static_cast<std::ptrdiff_t>(pos_ - 32), 32, d.begin());
    return d;
  }
  // A count of items of at least min_item_bytes each: bounded by the remaining input.
  std::uint64_t count(std::size_t min_item_bytes) {
    const std::uint64_t n = u64();
    if (n > (in_.size() - pos_) / min_item_bytes) ok_ = false;
    return ok_ ? n : 0;
  }

 private:
  bool take(std::size_t n) {
    if (!ok_ || in_.size() - pos_ < n) {
      ok_ = false;
      return false;
    }
    pos_ += n;
    return true;
  }
  ByteSpan in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

bool known_kind(std::uint8_t k) {
  return log_leaf_kind_name(static_cast<LogLeafKind>(k)) != "UNKNOWN";
}

}  // namespace

// --- fetcher -----------------------------------------------------------------------------

HttpLogFetcher::HttpLogFetcher(HttpFetcher& http, std::string base_url)
    : http_(http), base_url_(std::move(base_url)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

Result<Bytes> HttpLogFetcher::fetch(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return http_.get(base_url_ + "/" + std::string(path));
}

// --- evidence ----------------------------------------------------------------------------

std::string_view evidence_kind_name(EvidenceKind kind) {
  switch (kind) {
    case EvidenceKind::kSameSizeDifferentRoot:
      return "same-size-different-root";
    case EvidenceKind::kShrunkTree:
      return "shrunk-tree";
    case EvidenceKind::kInconsistentTrees:
      return "inconsistent-trees";
    case EvidenceKind::kUnloggedContent:
      return "unlogged-content";
  }
  return "unknown";
}

std::string format_evidence(const Evidence& e) {
  std::string out = "greenlight transparency-log evidence\n";
  out += "kind: " + std::string(evidence_kind_name(e.kind)) + "\n";
  out += "detail: " + e.detail + "\n";
  if (e.content_sha256) out += "content-sha256: " + to_hex(*e.content_sha256) + "\n";
  out += "--- checkpoint 1 (verified by this device)\n" + e.first_note;
  if (!e.second_note.empty()) out += "--- checkpoint 2 (conflicting)\n" + e.second_note;
  out += "--- end\n";
  return out;
}

// --- monitor -----------------------------------------------------------------------------

LogMonitor::LogMonitor(LogMonitorConfig config) : config_(std::move(config)) {
  if (config_.leaves_per_request == 0) config_.leaves_per_request = 1;
}

Bytes LogMonitor::state() const {
  Writer w;
  w.str(kStateMagic);
  w.u8(kStateVersion);
  w.bytes(frontier_.serialize());
  w.str(note_);
  w.str(previous_note_);
  w.u64(covered_.size());
  for (const CoveredContent& c : covered_) {
    w.u8(static_cast<std::uint8_t>(c.kind));
    w.digest(c.sha256);
    w.u64(c.leaf_index);
    w.u64(c.window_end);
  }
  w.u64(evidence_.size());
  for (const Evidence& e : evidence_) {
    w.u8(static_cast<std::uint8_t>(e.kind));
    w.str(e.first_note);
    w.str(e.second_note);
    w.u8(e.content_sha256 ? 1 : 0);
    if (e.content_sha256) w.digest(*e.content_sha256);
    w.str(e.detail);
  }
  return w.take();
}

Result<LogMonitor> LogMonitor::restore(LogMonitorConfig config, ByteSpan state) {
  const auto malformed = [](std::string what) {
    return make_error(ErrorCode::kInvalidArgument, "log monitor state: " + what);
  };
  Reader r(state);
  if (r.str() != kStateMagic || r.u8() != kStateVersion || !r.ok()) {
    return malformed("unknown format or version");
  }
  LogMonitor m(std::move(config));
  auto frontier = MerkleFrontier::deserialize(r.bytes());
  if (!r.ok() || !frontier) return malformed("bad frontier");
  m.frontier_ = std::move(*frontier);
  m.note_ = r.str();
  m.previous_note_ = r.str();
  const std::uint64_t covered = r.count(1 + 32 + 8 + 8);
  for (std::uint64_t i = 0; i < covered && r.ok(); ++i) {
    CoveredContent c;
    const std::uint8_t kind = r.u8();
    if (!known_kind(kind)) return malformed("unknown leaf kind");
    c.kind = static_cast<LogLeafKind>(kind);
    c.sha256 = r.digest();
    c.leaf_index = r.u64();
    c.window_end = r.u64();
    m.covered_.push_back(c);
  }
  const std::uint64_t evidence = r.count(1 + 8 + 8 + 1 + 8);
  for (std::uint64_t i = 0; i < evidence && r.ok(); ++i) {
    Evidence e;
    const std::uint8_t kind = r.u8();
    if (kind < 1 || kind > 4) return malformed("unknown evidence kind");
    e.kind = static_cast<EvidenceKind>(kind);
    e.first_note = r.str();
    e.second_note = r.str();
    const std::uint8_t has_sha = r.u8();
    if (has_sha > 1) return malformed("bad content-hash flag");
    if (has_sha == 1) e.content_sha256 = r.digest();
    e.detail = r.str();
    m.evidence_.push_back(std::move(e));
  }
  if (!r.ok() || !r.at_end()) return malformed("truncated or trailing bytes");
  if (m.note_.empty()) {
    if (m.frontier_.size() != 0) return malformed("a frontier without a checkpoint");
    return m;
  }
  auto verified = open_checkpoint(m.note_, m.config_.policy);
  if (!verified) {
    return make_error(verified.error().code,
                      "log monitor state: stored checkpoint: " + verified.error().message);
  }
  if (verified->checkpoint.size != m.frontier_.size() ||
      verified->checkpoint.root != m.frontier_.root()) {
    return malformed("stored checkpoint does not match the stored frontier");
  }
  return m;
}

void LogMonitor::add_evidence(Evidence evidence) {
  if (std::find(evidence_.begin(), evidence_.end(), evidence) != evidence_.end()) return;
  if (evidence_.size() >= kMaxEvidence) return;  // the first proofs are kept
  evidence_.push_back(std::move(evidence));
}

void LogMonitor::remember(std::uint64_t index, const LogLeaf& leaf) {
  CoveredContent c;
  c.kind = log_leaf_kind(leaf);
  c.sha256 = log_leaf_content_sha256(leaf);
  c.leaf_index = index;
  if (const auto* e = std::get_if<ExportBatchLeaf>(&leaf)) c.window_end = e->window_end;
  if (const auto* v = std::get_if<VenueWarningBatchLeaf>(&leaf)) c.window_end = v->window_end;
  const bool known = std::any_of(covered_.begin(), covered_.end(), [&](const CoveredContent& x) {
    return x.kind == c.kind && x.sha256 == c.sha256;
  });
  if (!known) covered_.push_back(c);
}

Result<std::vector<Bytes>> LogMonitor::fetch_leaves(LogFetcher& fetcher, std::uint64_t start,
                                                    std::uint64_t end) {
  std::vector<Bytes> out;
  out.reserve(end - start);
  for (std::uint64_t from = start; from < end;) {
    const std::uint64_t to = std::min(end, from + config_.leaves_per_request);
    auto body = fetcher.fetch(std::string(wire::kLogLeavesPath) + "?start=" + num(from) +
                              "&end=" + num(to));
    GL_RETURN_IF_ERROR(body);
    auto leaves = parse_base64_lines(*body, "log leaves");
    GL_RETURN_IF_ERROR(leaves);
    if (leaves->size() != to - from) {
      return make_error(ErrorCode::kInvalidArgument, "asked for leaves [" + num(from) + ", " +
                                                         num(to) + "), got " + num(leaves->size()));
    }
    for (Bytes& l : *leaves) out.push_back(std::move(l));
    from = to;
  }
  return out;
}

Result<LogSyncReport> LogMonitor::bootstrap(LogFetcher& fetcher, const VerifiedCheckpoint& vc) {
  const Checkpoint& cp = vc.checkpoint;
  const std::uint64_t start =
      cp.size > config_.bootstrap_leaves ? cp.size - config_.bootstrap_leaves : 0;
  MerkleFrontier frontier;
  if (start > 0) {
    auto body = fetcher.fetch(std::string(wire::kLogFrontierPath) + "?size=" + num(start));
    GL_RETURN_IF_ERROR(body);
    auto hashes = parse_hashes(*body, "frontier");
    GL_RETURN_IF_ERROR(hashes);
    auto f = MerkleFrontier::from_hashes(start, std::move(*hashes));
    GL_RETURN_IF_ERROR(f);
    frontier = std::move(*f);
  }
  auto leaves = fetch_leaves(fetcher, start, cp.size);
  GL_RETURN_IF_ERROR(leaves);
  std::vector<MerkleHash> hashes;
  for (const Bytes& l : *leaves) hashes.push_back(merkle_leaf_hash(l));
  if (auto s = frontier.extend(hashes, cp.size, cp.root); !s) {
    return make_error(ErrorCode::kAuthentication,
                      "first checkpoint: the served frontier and leaves do not match its root");
  }
  LogSyncReport report;
  report.old_size = 0;
  report.new_size = cp.size;
  report.bootstrapped = true;
  frontier_ = std::move(frontier);
  covered_.clear();
  for (std::uint64_t i = 0; i < leaves->size(); ++i) {
    auto leaf = decode_log_leaf((*leaves)[i]);
    if (!leaf) {
      ++report.malformed_leaves;
      continue;
    }
    remember(start + i, *leaf);
    report.new_leaves.emplace_back(start + i, std::move(*leaf));
  }
  previous_note_.clear();
  note_ = vc.note;
  return report;
}

Result<LogSyncReport> LogMonitor::sync(LogFetcher& fetcher) {
  auto body = fetcher.fetch(wire::kLogCheckpointPath);
  GL_RETURN_IF_ERROR(body);
  const std::string new_note(as_string_view(*body));
  auto vc = open_checkpoint(new_note, config_.policy);
  GL_RETURN_IF_ERROR(vc);
  if (!initialized()) return bootstrap(fetcher, *vc);

  const Checkpoint& cp = vc->checkpoint;
  const std::uint64_t n = frontier_.size();
  const MerkleHash r = frontier_.root();
  LogSyncReport report;
  report.old_size = n;
  report.new_size = n;
  if (cp.size < n) {
    add_evidence({EvidenceKind::kShrunkTree, note_, new_note, std::nullopt,
                  "the log served a checkpoint of size " + num(cp.size) +
                      " after this device verified size " + num(n)});
    return make_error(ErrorCode::kAuthentication, "log rollback: checkpoint size " + num(cp.size) +
                                                      " is below the verified " + num(n) +
                                                      " (evidence kept)");
  }
  if (cp.size == n) {
    if (cp.root != r) {
      add_evidence({EvidenceKind::kSameSizeDifferentRoot, note_, new_note, std::nullopt,
                    "two signed checkpoints of size " + num(n) + " with different roots"});
      return make_error(ErrorCode::kAuthentication,
                        "log fork: a second root for size " + num(n) + " (evidence kept)");
    }
    return report;
  }

  auto leaves = fetch_leaves(fetcher, n, cp.size);
  GL_RETURN_IF_ERROR(leaves);
  std::vector<MerkleHash> hashes;
  hashes.reserve(leaves->size());
  for (const Bytes& l : *leaves) hashes.push_back(merkle_leaf_hash(l));
  MerkleFrontier next = frontier_;
  if (!next.extend(hashes, cp.size, cp.root)) {
    // Either the leaves or the tree are wrong; a valid consistency proof tells which.
    auto proof = fetch_consistency(fetcher, n, cp.size);
    if (proof && verify_merkle_consistency(n, cp.size, r, cp.root, *proof)) {
      return make_error(
          ErrorCode::kAuthentication,
          "the served leaves [" + num(n) + ", " + num(cp.size) + ") do not match the checkpoint");
    }
    add_evidence({EvidenceKind::kInconsistentTrees, note_, new_note, std::nullopt,
                  "the checkpoint of size " + num(cp.size) +
                      " does not extend the verified checkpoint of size " + num(n)});
    return make_error(ErrorCode::kAuthentication, "log fork: size " + num(cp.size) +
                                                      " does not extend the verified size " +
                                                      num(n) + " (evidence kept)");
  }

  report.new_size = cp.size;
  for (std::uint64_t i = 0; i < leaves->size(); ++i) {
    auto leaf = decode_log_leaf((*leaves)[i]);
    if (!leaf) {
      ++report.malformed_leaves;
      continue;
    }
    remember(n + i, *leaf);
    report.new_leaves.emplace_back(n + i, std::move(*leaf));
  }
  frontier_ = std::move(next);
  previous_note_ = std::move(note_);
  note_ = new_note;
  return report;
}

Status LogMonitor::compare(std::string_view other_note, LogFetcher& fetcher) {
  if (!initialized()) {
    return make_error(ErrorCode::kFailedPrecondition, "no verified checkpoint to compare with");
  }
  auto vc = open_checkpoint(other_note, config_.policy);
  GL_RETURN_IF_ERROR(vc);
  const Checkpoint& other = vc->checkpoint;
  const std::uint64_t n = frontier_.size();
  const MerkleHash r = frontier_.root();
  const std::string other_text(other_note);
  if (other.size == n) {
    if (other.root == r) return ok();
    add_evidence({EvidenceKind::kSameSizeDifferentRoot, note_, other_text, std::nullopt,
                  "two signed checkpoints of size " + num(n) + " with different roots"});
    return make_error(
        ErrorCode::kAuthentication,
        "split view: another view has a different root for size " + num(n) + " (evidence kept)");
  }
  const bool other_older = other.size < n;
  const std::uint64_t lo = other_older ? other.size : n;
  const std::uint64_t hi = other_older ? n : other.size;
  const MerkleHash& lo_root = other_older ? other.root : r;
  const MerkleHash& hi_root = other_older ? r : other.root;
  auto proof = fetch_consistency(fetcher, lo, hi);
  if (!proof) {
    return make_error(ErrorCode::kUnavailable, "cannot compare views: no consistency proof " +
                                                   num(lo) + " -> " + num(hi) + " (" +
                                                   proof.error().message + ")");
  }
  if (verify_merkle_consistency(lo, hi, lo_root, hi_root, *proof)) return ok();
  add_evidence(
      {EvidenceKind::kInconsistentTrees, note_, other_text, std::nullopt,
       "signed checkpoints of sizes " + num(lo) + " and " + num(hi) + " are not consistent"});
  return make_error(ErrorCode::kAuthentication, "split view: checkpoints of sizes " + num(lo) +
                                                    " and " + num(hi) +
                                                    " are not consistent (evidence kept)");
}

Status LogMonitor::require_logged(LogLeafKind kind, const Sha256Digest& content_sha256,
                                  LogFetcher* resync) {
  const auto covered = [&] {
    return std::any_of(covered_.begin(), covered_.end(), [&](const CoveredContent& c) {
      return c.kind == kind && c.sha256 == content_sha256;
    });
  };
  if (covered()) return ok();
  if (resync != nullptr) {
    if (auto s = sync(*resync); s && covered()) return ok();
  }
  add_evidence({EvidenceKind::kUnloggedContent, note_, "", content_sha256,
                std::string(log_leaf_kind_name(kind)) +
                    " content offered for use is not covered by the log"});
  return make_error(ErrorCode::kFailedPrecondition, std::string(log_leaf_kind_name(kind)) + " " +
                                                        to_hex(content_sha256) +
                                                        " is not in the transparency log: refused");
}

Status LogMonitor::verify_logged_at(LogFetcher& fetcher, std::uint64_t index, LogLeafKind kind,
                                    const Sha256Digest& content_sha256) {
  const std::uint64_t n = frontier_.size();
  if (index >= n) {
    return make_error(ErrorCode::kInvalidArgument,
                      "leaf " + num(index) + " is beyond the verified size " + num(n));
  }
  auto leaves = fetch_leaves(fetcher, index, index + 1);
  GL_RETURN_IF_ERROR(leaves);
  auto body = fetcher.fetch(std::string(wire::kLogInclusionProofPath) + "?index=" + num(index) +
                            "&size=" + num(n));
  GL_RETURN_IF_ERROR(body);
  auto proof = parse_hashes(*body, "inclusion proof");
  GL_RETURN_IF_ERROR(proof);
  const Bytes& encoded = (*leaves)[0];
  GL_RETURN_IF_ERROR(verify_merkle_inclusion(merkle_leaf_hash(encoded), index, n, *proof, root()));
  auto leaf = decode_log_leaf(encoded);
  GL_RETURN_IF_ERROR(leaf);
  if (log_leaf_kind(*leaf) != kind || log_leaf_content_sha256(*leaf) != content_sha256) {
    return make_error(ErrorCode::kFailedPrecondition,
                      "leaf " + num(index) + " does not commit to this content");
  }
  remember(index, *leaf);
  return ok();
}

void LogMonitor::prune_covered(std::uint64_t cutoff_unix_seconds) {
  std::erase_if(covered_, [&](const CoveredContent& c) {
    const bool windowed =
        c.kind == LogLeafKind::kExportBatch || c.kind == LogLeafKind::kVenueWarningBatch;
    return windowed && c.window_end < cutoff_unix_seconds;
  });
}

}  // namespace greenlight::client

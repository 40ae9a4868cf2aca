#include "greenlight/client/log_auditor.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

namespace greenlight::client {
namespace {

constexpr std::uintmax_t kMaxFileBytes = 256u << 20;

std::string num(std::uint64_t v) { return std::to_string(v); }

bool valid_relative_path(std::string_view path) {
  if (path.empty() || path.size() > 512 || path.front() == '/') return false;
  const bool chars_ok = std::all_of(path.begin(), path.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '/';
  });
  if (!chars_ok) return false;
  std::string_view rest = path;
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (segment.empty() || segment == "." || segment == "..") return false;
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  }
  return true;
}

Result<std::vector<Bytes>> base64_lines(std::string_view text, std::string_view what) {
  std::vector<Bytes> out;
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

Result<Bytes> read_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    return make_error(
        ec == std::errc::no_such_file_or_directory ? ErrorCode::kNotFound : ErrorCode::kIo,
        "cannot read " + path.string() + ": " + ec.message());
  }
  if (size > kMaxFileBytes) {
    return make_error(ErrorCode::kResourceExhausted, path.string() + " is too large");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIo, "cannot open " + path.string());
  Bytes out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return out;
}

}  // namespace

// --- sources -----------------------------------------------------------------------------

Result<std::string> FetcherLogSource::checkpoint() {
  auto body = fetcher_.fetch(kLogCheckpointPath);
  if (!body) return std::unexpected(body.error());
  return std::string(as_string_view(*body));
}

Result<std::vector<Bytes>> FetcherLogSource::leaves(std::uint64_t start, std::uint64_t end) {
  std::vector<Bytes> out;
  for (std::uint64_t from = start; from < end;) {
    const std::uint64_t to = std::min(end, from + leaves_per_request_);
    auto body = fetcher_.fetch(std::string(wire::kLogLeavesPath) + "?start=" + num(from) +
                               "&end=" + num(to));
    if (!body) return std::unexpected(body.error());
    auto items = base64_lines(as_string_view(*body), "log leaves");
    if (!items) return std::unexpected(items.error());
    if (items->size() != to - from) {
      return make_error(ErrorCode::kInvalidArgument, "asked for leaves [" + num(from) + ", " +
                                                         num(to) + "), got " + num(items->size()));
    }
    for (Bytes& b : *items) out.push_back(std::move(b));
    from = to;
  }
  return out;
}

Result<Bytes> FetcherLogSource::file(std::string_view path) {
  if (!valid_relative_path(path)) {
    return make_error(ErrorCode::kInvalidArgument, "refusing path \"" + std::string(path) + "\"");
  }
  return fetcher_.fetch(path);
}

Result<std::string> DirectoryLogSource::checkpoint() {
  auto bytes = read_file(root_ / kLogCheckpointPath);
  if (!bytes) return std::unexpected(bytes.error());
  return std::string(as_string_view(*bytes));
}

Result<std::vector<Bytes>> DirectoryLogSource::leaves(std::uint64_t start, std::uint64_t end) {
  std::vector<Bytes> out;
  for (std::uint64_t bundle = start / kLogBundleLeaves; bundle * kLogBundleLeaves < end; ++bundle) {
    const std::filesystem::path path = root_ / wire::kLogLeafBundleDirectory / num(bundle);
    auto bytes = read_file(path);
    if (!bytes) return std::unexpected(bytes.error());
    auto items = base64_lines(as_string_view(*bytes), path.string());
    if (!items) return std::unexpected(items.error());
    const std::uint64_t first = bundle * kLogBundleLeaves;
    const std::uint64_t needed_end = std::min(end, first + kLogBundleLeaves);
    if (items->size() > kLogBundleLeaves || first + items->size() < needed_end) {
      return make_error(ErrorCode::kInvalidArgument,
                        path.string() + " holds " + num(items->size()) + " leaves, expected " +
                            num(needed_end - first) + " or more (at most 256)");
    }
    for (std::uint64_t i = std::max(start, first); i < needed_end; ++i) {
      out.push_back(std::move((*items)[i - first]));
    }
  }
  return out;
}

Result<Bytes> DirectoryLogSource::file(std::string_view path) {
  if (!valid_relative_path(path)) {
    return make_error(ErrorCode::kInvalidArgument, "refusing path \"" + std::string(path) + "\"");
  }
  return read_file(root_ / std::string(path));
}

// --- audit -------------------------------------------------------------------------------

Result<std::vector<std::string>> parse_content_index(std::string_view text) {
  std::vector<std::string> out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (!valid_relative_path(line)) {
      return make_error(ErrorCode::kInvalidArgument,
                        "index line " + num(line_no) + " is not a safe relative path");
    }
    out.emplace_back(line);
  }
  return out;
}

Result<AuditReport> audit_log(LogSource& source, const AuditOptions& options) {
  AuditReport report;
  auto note = source.checkpoint();
  if (!note) return std::unexpected(note.error());
  auto verified = open_checkpoint(*note, options.policy);
  if (!verified) {
    report.failures.push_back("checkpoint does not verify: " + verified.error().message);
    return report;
  }
  const Checkpoint& cp = verified->checkpoint;
  report.size = cp.size;
  report.root = cp.root;

  // 2. Every leaf, and the root recomputed from all of them.
  auto leaves = source.leaves(0, cp.size);
  if (!leaves) {
    report.failures.push_back("cannot read the " + num(cp.size) +
                              " leaves: " + leaves.error().message);
    return report;
  }
  MerkleTree tree;
  std::set<Sha256Digest> content_hashes;
  std::set<Sha256Digest> seen_leaf_hashes;
  for (std::uint64_t i = 0; i < leaves->size(); ++i) {
    const Bytes& encoded = (*leaves)[i];
    const MerkleHash leaf_hash = merkle_leaf_hash(encoded);
    tree.append(leaf_hash);
    if (!seen_leaf_hashes.insert(leaf_hash).second) {
      report.warnings.push_back("leaf " + num(i) + " repeats an earlier leaf");
    }
    auto leaf = decode_log_leaf(encoded);
    if (!leaf) {
      report.failures.push_back("leaf " + num(i) + " is malformed: " + leaf.error().message);
      continue;
    }
    ++report.leaves_by_kind[log_leaf_kind(*leaf)];
    content_hashes.insert(log_leaf_content_sha256(*leaf));
    const LogLeafKind kind = log_leaf_kind(*leaf);
    if (kind == LogLeafKind::kRiskConfig || kind == LogLeafKind::kSigningKeyChange) {
      report.notable.push_back("leaf " + num(i) + ": " + describe_log_leaf(*leaf));
    }
  }
  if (tree.root() != cp.root) {
    report.failures.push_back("the root recomputed from all " + num(cp.size) +
                              " leaves differs from the signed checkpoint root");
    return report;
  }
  report.checkpoint_note = *note;

  // 3. Consistency with what this auditor saw last time.
  if (options.previous_checkpoint) {
    auto previous = open_checkpoint(*options.previous_checkpoint, options.policy);
    if (!previous) {
      report.failures.push_back("the saved previous checkpoint does not verify: " +
                                previous.error().message);
    } else {
      const Checkpoint& old = previous->checkpoint;
      report.previous_size = old.size;
      if (old.size > cp.size) {
        report.failures.push_back("the log shrank from " + num(old.size) + " to " + num(cp.size) +
                                  " leaves since the last audit");
      } else if (tree.root_at(old.size).value() != old.root) {
        report.failures.push_back("the log is not an extension of the checkpoint of size " +
                                  num(old.size) + " seen at the last audit (fork or rewrite)");
      }
    }
  }

  // 4. Every served file is logged.
  for (const std::string& index_path : options.content_indexes) {
    auto index = source.file(index_path);
    if (!index) {
      if (index.error().code == ErrorCode::kNotFound) {
        report.warnings.push_back("no content index at " + index_path);
      } else {
        report.failures.push_back("cannot read " + index_path + ": " + index.error().message);
      }
      continue;
    }
    auto paths = parse_content_index(as_string_view(*index));
    if (!paths) {
      report.failures.push_back(index_path + ": " + paths.error().message);
      continue;
    }
    for (const std::string& path : *paths) {
      auto content = source.file(path);
      if (!content) {
        // Retention may remove a file between reading the index and fetching it.
        report.warnings.push_back("listed file " + path +
                                  " could not be read: " + content.error().message);
        continue;
      }
      ++report.files_checked;
      const Sha256Digest digest = sha256(*content);
      if (!content_hashes.contains(digest)) {
        report.failures.push_back("served file " + path + " (sha256 " + to_hex(digest) +
                                  ") is not in the log");
      }
    }
  }
  return report;
}

std::string format_audit_report(const AuditReport& report) {
  std::string out;
  std::string counts;
  for (const auto& [kind, count] : report.leaves_by_kind) {
    counts +=
        (counts.empty() ? "" : ", ") + num(count) + " " + std::string(log_leaf_kind_name(kind));
  }
  if (counts.empty()) counts = "no leaves";
  if (report.ok()) {
    out = "OK: log of " + num(report.size) + " leaves (" + counts + "), root " +
          to_hex(report.root) + " recomputed";
    if (report.previous_size) out += ", extends the audited size " + num(*report.previous_size);
    out += ", " + num(report.files_checked) + " served files logged\n";
  } else {
    out = "FAIL: " + num(report.failures.size()) + " problem(s) in the log of " + num(report.size) +
          " leaves\n";
  }
  for (const std::string& f : report.failures) out += "failure: " + f + "\n";
  for (const std::string& w : report.warnings) out += "warning: " + w + "\n";
  for (const std::string& n : report.notable) out += "notable: " + n + "\n";
  return out;
}

}  // namespace greenlight::client

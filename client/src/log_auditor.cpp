#include "greenlight/client/log_auditor.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

#include "greenlight/wire/published_layout.h"

namespace greenlight::client {
namespace {

constexpr std::uintmax_t kMaxFileBytes = 256u << 20;

std::string num(std::uint64_t v) { return std::to_string(v); }

// The published layout's one path grammar (published_layout.h): relative, segments of
// [A-Za-z0-9._-] that are neither empty ("a//b", a trailing "/") nor "." or "..".
bool valid_relative_path(std::string_view path) { return wire::valid_published_path(path); }

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
  GL_RETURN_IF_ERROR(body);
  return std::string(as_string_view(*body));
}

Result<std::vector<Bytes>> FetcherLogSource::leaves(std::uint64_t start, std::uint64_t end) {
  std::vector<Bytes> out;
  for (std::uint64_t from = start; from < end;) {
    const std::uint64_t to = std::min(end, from + leaves_per_request_);
    auto body = fetcher_.fetch(std::string(wire::kLogLeavesPath) + "?start=" + num(from) +
                               "&end=" + num(to));
    GL_RETURN_IF_ERROR(body);
    auto items = base64_lines(as_string_view(*body), "log leaves");
    GL_RETURN_IF_ERROR(items);
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
  GL_RETURN_IF_ERROR(bytes);
  return std::string(as_string_view(*bytes));
}

Result<std::vector<Bytes>> DirectoryLogSource::leaves(std::uint64_t start, std::uint64_t end) {
  std::vector<Bytes> out;
  for (std::uint64_t bundle = start / kLogBundleLeaves; bundle * kLogBundleLeaves < end; ++bundle) {
    const std::filesystem::path path = root_ / wire::kLogLeafBundleDirectory / num(bundle);
    auto bytes = read_file(path);
    GL_RETURN_IF_ERROR(bytes);
    auto items = base64_lines(as_string_view(*bytes), path.string());
    GL_RETURN_IF_ERROR(items);
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

namespace {

constexpr std::uint64_t kLeavesPerRead = 4 * kLogBundleLeaves;

void add_line(std::vector<std::string>& lines, std::uint64_t& omitted, std::string line) {
  if (lines.size() < kMaxAuditMessages) {
    lines.push_back(std::move(line));
  } else {
    ++omitted;
  }
}

// What the log commits to for one piece of served content.
struct LoggedContent {
  std::uint64_t leaf_index = 0;
  LogLeafKind kind = LogLeafKind::kExportBatch;
  std::uint64_t window_start = 0;
  std::uint64_t window_end = 0;
  bool served = false;
};

bool is_batch(LogLeafKind kind) {
  return kind == LogLeafKind::kExportBatch || kind == LogLeafKind::kVenueWarningBatch;
}

// "S-E-..." at the start of a file name: the window the name claims, if it has one.
std::optional<std::pair<std::uint64_t, std::uint64_t>> window_in_name(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  std::uint64_t values[2] = {0, 0};
  for (std::uint64_t& v : values) {
    std::size_t digits = 0;
    while (digits < name.size() && digits < 19 && name[digits] >= '0' && name[digits] <= '9') {
      v = v * 10 + static_cast<std::uint64_t>(name[digits] - '0');
      ++digits;
    }
    if (digits == 0 || digits >= name.size() || name[digits] != '-') return std::nullopt;
    name.remove_prefix(digits + 1);
  }
  return std::pair{values[0], values[1]};
}

}  // namespace

Result<AuditReport> audit_log(LogSource& source, const AuditOptions& options) {
  AuditReport report;
  const auto fail = [&report](std::string line) {
    add_line(report.failures, report.failures_omitted, std::move(line));
  };
  const auto warn = [&report](std::string line) {
    add_line(report.warnings, report.warnings_omitted, std::move(line));
  };
  auto note = source.checkpoint();
  GL_RETURN_IF_ERROR(note);
  auto verified = open_checkpoint(*note, options.policy);
  if (!verified) {
    fail("checkpoint does not verify: " + verified.error().message);
    return report;
  }
  const Checkpoint& cp = verified->checkpoint;
  report.size = cp.size;
  report.root = cp.root;

  std::optional<Checkpoint> old;
  if (options.previous_checkpoint) {
    auto previous = open_checkpoint(*options.previous_checkpoint, options.policy);
    if (!previous) {
      fail("the saved previous checkpoint does not verify: " + previous.error().message);
    } else {
      old = previous->checkpoint;
      report.previous_size = old->size;
      if (old->size > cp.size) {
        fail("the log shrank from " + num(old->size) + " to " + num(cp.size) +
             " leaves since the last audit");
        old.reset();
      }
    }
  }

  // 2. Every leaf, folded chunk by chunk into a frontier, and the root recomputed from all.
  MerkleFrontier frontier;
  std::optional<MerkleHash> root_at_old;
  if (old && old->size == 0) root_at_old = frontier.root();
  std::map<Sha256Digest, LoggedContent> logged;
  std::set<MerkleHash> seen_leaf_hashes;
  for (std::uint64_t start = 0; start < cp.size;) {
    std::uint64_t end = std::min(cp.size, start + kLeavesPerRead);
    if (old && start < old->size && end > old->size) end = old->size;
    auto leaves = source.leaves(start, end);
    if (!leaves) {
      fail("cannot read leaves [" + num(start) + ", " + num(end) + ") of the " + num(cp.size) +
           ": " + leaves.error().message);
      return report;
    }
    if (leaves->size() != end - start) {
      fail("asked for leaves [" + num(start) + ", " + num(end) + "), got " + num(leaves->size()));
      return report;
    }
    for (std::uint64_t i = start; i < end; ++i) {
      const Bytes& encoded = (*leaves)[i - start];
      const MerkleHash leaf_hash = merkle_leaf_hash(encoded);
      frontier.append(leaf_hash);
      if (!seen_leaf_hashes.insert(leaf_hash).second) {
        warn("leaf " + num(i) + " repeats an earlier leaf");
      }
      auto leaf = decode_log_leaf(encoded);
      if (!leaf) {
        fail("leaf " + num(i) + " is malformed: " + leaf.error().message);
        continue;
      }
      const LogLeafKind kind = log_leaf_kind(*leaf);
      ++report.leaves_by_kind[kind];
      LoggedContent content{i, kind, 0, 0, false};
      if (const auto* batch = std::get_if<ExportBatchLeaf>(&*leaf)) {
        content.window_start = batch->window_start;
        content.window_end = batch->window_end;
      } else if (const auto* venue = std::get_if<VenueWarningBatchLeaf>(&*leaf)) {
        content.window_start = venue->window_start;
        content.window_end = venue->window_end;
      }
      logged.emplace(log_leaf_content_sha256(*leaf), content);
      if (kind == LogLeafKind::kRiskConfig || kind == LogLeafKind::kSigningKeyChange) {
        report.notable.push_back("leaf " + num(i) + ": " + describe_log_leaf(*leaf));
      }
    }
    start = end;
    if (old && start == old->size) root_at_old = frontier.root();
  }
  if (frontier.root() != cp.root) {
    fail("the root recomputed from all " + num(cp.size) +
         " leaves differs from the signed checkpoint root");
    return report;
  }
  report.checkpoint_note = *note;

  // 3. Consistency with what this auditor saw last time.
  if (old && (!root_at_old || *root_at_old != old->root)) {
    fail("the log is not an extension of the checkpoint of size " + num(old->size) +
         " seen at the last audit (fork or rewrite)");
  }

  // 4. Every served file is logged, as what its index says it is.
  std::set<LogLeafKind> required_kinds;
  const auto read_index =
      [&](const std::string& index_path) -> std::optional<std::vector<std::string>> {
    auto index = source.file(index_path);
    if (!index) {
      if (index.error().code == ErrorCode::kNotFound) {
        warn("no content index at " + index_path);
      } else {
        fail("cannot read " + index_path + ": " + index.error().message);
      }
      return std::nullopt;
    }
    if (index->size() > kMaxAuditIndexBytes) {
      fail(index_path + " is " + num(index->size()) + " bytes, more than the " +
           num(kMaxAuditIndexBytes) + " an index may have");
      return std::nullopt;
    }
    auto paths = parse_content_index(as_string_view(*index));
    if (!paths) {
      fail(index_path + ": " + paths.error().message);
      return std::nullopt;
    }
    if (paths->size() > kMaxAuditIndexEntries) {
      fail(index_path + " lists " + num(paths->size()) + " files, more than " +
           num(kMaxAuditIndexEntries));
      return std::nullopt;
    }
    return std::move(*paths);
  };
  for (const std::string& index_path : options.content_indexes) {
    const auto known = options.index_kinds.find(index_path);
    // The kind this index serves, null for an index the options do not name.
    const LogLeafKind* index_kind = known == options.index_kinds.end() ? nullptr : &known->second;
    if (index_kind != nullptr) required_kinds.insert(*index_kind);
    auto paths = read_index(index_path);
    if (!paths) continue;
    std::set<std::string_view> listed;
    std::set<Sha256Digest> listed_content;
    // The index as re-read after the first missing file (read at most once more).
    std::optional<std::set<std::string>> reread;
    for (const std::string& path : *paths) {
      if (!listed.insert(path).second) {
        fail(index_path + " lists " + path + " more than once");
        continue;
      }
      auto content = source.file(path);
      if (!content) {
        // Retention may delete a file between the index and the file; then the index no
        // longer lists it. Anything else listed but unreadable is withheld content.
        if (content.error().code == ErrorCode::kNotFound) {
          if (!reread) {
            auto again = read_index(index_path);
            reread.emplace();
            if (again) reread->insert(again->begin(), again->end());
          }
          if (!reread->empty() && !reread->contains(path)) {
            warn("listed file " + path + " was removed while auditing");
            continue;
          }
        }
        fail("listed file " + path + " cannot be read: " + content.error().message);
        continue;
      }
      ++report.files_checked;
      const Sha256Digest digest = sha256(*content);
      content.value().clear();
      const auto it = logged.find(digest);
      if (it == logged.end()) {
        fail("served file " + path + " (sha256 " + to_hex(digest) + ") is not in the log");
        continue;
      }
      LoggedContent& entry = it->second;
      if (!listed_content.insert(digest).second) {
        fail(index_path + " lists the content of leaf " + num(entry.leaf_index) +
             " under two names (" + path + ")");
      }
      if (index_kind != nullptr && entry.kind != *index_kind) {
        fail("served file " + path + " is logged as " +
             std::string(log_leaf_kind_name(entry.kind)) + " (leaf " + num(entry.leaf_index) +
             "), not the " + std::string(log_leaf_kind_name(*index_kind)) + " that " + index_path +
             " serves");
        continue;
      }
      if (is_batch(entry.kind)) {
        if (const auto window = window_in_name(path);
            window && (window->first != entry.window_start || window->second != entry.window_end)) {
          fail("served file " + path + " names the window " + num(window->first) + "-" +
               num(window->second) + " but its leaf " + num(entry.leaf_index) + " logs " +
               num(entry.window_start) + "-" + num(entry.window_end));
        }
      }
      entry.served = true;
    }
  }

  // 5. Nothing logged is withheld.
  for (const auto& [digest, entry] : logged) {
    if (!required_kinds.contains(entry.kind)) continue;
    if (options.now && *options.now >= options.retention_seconds &&
        entry.window_end <= static_cast<std::uint64_t>(*options.now - options.retention_seconds)) {
      continue;  // retention may have deleted it
    }
    ++report.batches_required;
    if (!entry.served) {
      fail("logged " + std::string(log_leaf_kind_name(entry.kind)) + " leaf " +
           num(entry.leaf_index) + " (window " + num(entry.window_start) + "-" +
           num(entry.window_end) + ", sha256 " + to_hex(digest) +
           ") is not served: a published batch is withheld");
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
    out += ", " + num(report.files_checked) + " served files logged, " +
           num(report.batches_required) + " logged batches served\n";
  } else {
    out = "FAIL: " + num(report.failures.size()) + " problem(s) in the log of " + num(report.size) +
          " leaves\n";
  }
  for (const std::string& f : report.failures) out += "failure: " + f + "\n";
  if (report.failures_omitted > 0) {
    out += "failure: ... and " + num(report.failures_omitted) + " more\n";
  }
  for (const std::string& w : report.warnings) out += "warning: " + w + "\n";
  if (report.warnings_omitted > 0) {
    out += "warning: ... and " + num(report.warnings_omitted) + " more\n";
  }
  for (const std::string& n : report.notable) out += "notable: " + n + "\n";
  return out;
}

}  // namespace greenlight::client

#include "greenlight/wire/published_layout.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

namespace greenlight::wire {
namespace {

constexpr FeedLayout kExportFeed{"export", kExportIndexPath, kExportDirectory, kExportSuffix};
constexpr FeedLayout kVenueFeed{"venue-warning batch", kVenueIndexPath, kVenueDirectory,
                                kVenueSuffix};

constexpr std::array<std::pair<ReportType, std::string_view>, 6> kReportTypeNames{{
    {ReportType::kConfirmedTest, "confirmed"},
    {ReportType::kConfirmedClinicalDiagnosis, "clinical"},
    {ReportType::kSelfReport, "self_report"},
    {ReportType::kRecursive, "recursive"},
    {ReportType::kRevoked, "revoked"},
    {ReportType::kUnknown, "unknown"},
}};

bool allowed_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

const FeedLayout& feed_layout(Feed feed) noexcept {
  return feed == Feed::kExports ? kExportFeed : kVenueFeed;
}

std::string url_for(std::string_view base, std::string_view path) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::string url(base);
  url += '/';
  url += path;
  return url;
}

bool valid_region(std::string_view region) noexcept {
  if (region.size() < 2 || region.size() > 8) return false;
  return std::all_of(region.begin(), region.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

bool valid_published_path(std::string_view path, std::size_t max_length) noexcept {
  if (path.empty() || path.size() > max_length) return false;
  std::string_view rest = path;
  while (true) {
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (segment.empty() || segment == "." || segment == "..") return false;
    for (char c : segment) {
      if (!allowed_char(c)) return false;
    }
    if (slash == std::string_view::npos) return true;
    rest.remove_prefix(slash + 1);
  }
}

std::string feed_file_path(Feed feed, std::int64_t window_start, std::int64_t window_end,
                           std::size_t sequence) {
  const FeedLayout& layout = feed_layout(feed);
  char name[96];
  std::snprintf(name, sizeof name, "%lld-%lld-%05zu", static_cast<long long>(window_start),
                static_cast<long long>(window_end), sequence);
  std::string path(layout.directory);
  path += name;
  path += layout.suffix;
  return path;
}

Result<std::vector<std::string>> parse_feed_index(Feed feed, std::string_view text) {
  const FeedLayout& layout = feed_layout(feed);
  if (text.size() > kMaxIndexBytes) {
    return make_error(ErrorCode::kResourceExhausted,
                      std::string(layout.name) + " index must be at most " +
                          std::to_string(kMaxIndexBytes) + " bytes, got " +
                          std::to_string(text.size()));
  }
  std::vector<std::string> paths;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const auto bad = [&](std::string_view why) {
      return make_error(ErrorCode::kInvalidArgument, std::string(layout.name) + " index line " +
                                                         std::to_string(line_number) + ": " +
                                                         std::string(why));
    };
    if (line.size() > kMaxIndexPathLength) {
      return bad("path longer than " + std::to_string(kMaxIndexPathLength) + " characters");
    }
    for (char c : line) {
      if (!allowed_char(c) && c != '/') return bad("expected only [A-Za-z0-9._/-] in the path");
    }
    if (line.front() == '/') return bad("expected a relative path, got an absolute one");
    if (!valid_published_path(line, kMaxIndexPathLength)) {
      return bad("expected path segments without '.', '..' or empty ones");
    }
    if (!line.starts_with(layout.directory)) {
      return bad("expected a path under " + std::string(layout.directory));
    }
    if (line.size() <= layout.directory.size() + layout.suffix.size() ||
        !line.ends_with(layout.suffix)) {
      return bad("expected a path ending in " + std::string(layout.suffix));
    }
    paths.emplace_back(line);
  }
  return paths;
}

std::string format_feed_index(std::span<const std::string> paths) {
  std::string out;
  for (const std::string& p : paths) {
    out += p;
    out += '\n';
  }
  return out;
}

std::string_view report_type_name(ReportType type) noexcept {
  for (const auto& [t, name] : kReportTypeNames) {
    if (t == type) return name;
  }
  return "unknown";
}

Result<ReportType> parse_report_type(std::string_view name) {
  for (const auto& [t, n] : kReportTypeNames) {
    if (n == name) return t;
  }
  return make_error(ErrorCode::kInvalidArgument,
                    "report_type must be one of confirmed, clinical, self_report, recursive, "
                    "revoked, unknown; got \"" +
                        std::string(name.substr(0, 32)) + "\"");
}

}  // namespace greenlight::wire

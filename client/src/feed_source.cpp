#include "greenlight/client/feed_source.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <set>

#include "greenlight/client/clock.h"
#include "greenlight/wire/published_layout.h"

namespace greenlight::client {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxListingBytes = 64 * 1024;
constexpr std::string_view kCwaRoot = "version/v1/diagnosis-keys/country/";

std::string iso_date(std::int64_t day) {
  const std::chrono::year_month_day ymd{
      std::chrono::sys_days{std::chrono::days{utc_day_start(day) / kSecondsPerDay}}};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

// A CWA listing: a JSON array of strings (days) or of integers (hours), each becoming one
// path segment that must stay inside the published-path grammar.
Result<std::vector<std::string>> read_listing(const Bytes& body, std::string_view what) {
  if (body.size() > kMaxListingBytes) {
    return make_error(ErrorCode::kResourceExhausted,
                      std::string(what) + " listing must be at most " +
                          std::to_string(kMaxListingBytes) + " bytes, got " +
                          std::to_string(body.size()));
  }
  json::error_code ec;
  const json::value v = json::parse(as_string_view(body), ec);
  if (ec || !v.is_array()) {
    return make_error(ErrorCode::kInvalidArgument,
                      std::string(what) + " listing must be a JSON array");
  }
  std::vector<std::string> out;
  for (const json::value& item : v.as_array()) {
    std::string segment;
    if (item.is_string()) {
      segment = std::string(item.as_string());
    } else if (item.is_int64() && item.as_int64() >= 0 && item.as_int64() < 24) {
      segment = std::to_string(item.as_int64());
    } else {
      return make_error(ErrorCode::kInvalidArgument,
                        std::string(what) + " listing must hold dates or hours 0..23, got " +
                            json::serialize(item).substr(0, 40));
    }
    if (segment.find('/') != std::string::npos || !wire::valid_published_path(segment, 32)) {
      return make_error(
          ErrorCode::kInvalidArgument,
          std::string(what) + " listing holds an invalid entry \"" + segment.substr(0, 40) + "\"");
    }
    out.push_back(std::move(segment));
  }
  return out;
}

}  // namespace

FeedSource own_export_source(std::string_view base_url) {
  return index_source(wire::url_for(base_url, wire::kExportIndexPath), base_url);
}

FeedSource federated_export_source(std::string_view base_url, std::string_view region) {
  return index_source(wire::url_for(base_url, "v1/federated/" + std::string(region) + "/index.txt"),
                      base_url);
}

std::vector<FeedSource> region_sources(std::string_view base_url,
                                       std::span<const std::string> regions) {
  std::vector<FeedSource> sources{own_export_source(base_url)};
  for (const std::string& region : regions) {
    sources.push_back(federated_export_source(base_url, region));
  }
  return sources;
}

Result<std::vector<std::string>> parse_region_list(std::string_view list) {
  std::vector<std::string> regions;
  if (list.empty()) return regions;
  // Every comma separates two entries, so "AA," and ",AA" hold an empty one.
  for (bool more = true; more;) {
    const std::size_t comma = list.find(',');
    std::string_view entry = list.substr(0, comma);
    more = comma != std::string_view::npos;
    list = more ? list.substr(comma + 1) : std::string_view{};
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    if (!wire::valid_region(entry)) {
      return make_error(ErrorCode::kInvalidArgument,
                        "a region must be 2..8 characters of [A-Z0-9], got \"" +
                            std::string(entry.substr(0, 16)) + "\"");
    }
    if (std::find(regions.begin(), regions.end(), entry) == regions.end()) {
      regions.emplace_back(entry);
    }
  }
  return regions;
}

FeedSource index_source(std::string_view index_url, std::string_view base_url) {
  return FeedSource{FeedLayoutKind::kIndex, std::string(index_url), std::string(base_url), {}};
}

FeedSource cwa_source(std::string_view base_url, std::string_view country) {
  return FeedSource{FeedLayoutKind::kCwa, {}, std::string(base_url), std::string(country)};
}

Result<std::vector<std::string>> parse_foreign_index(std::string_view text) {
  if (text.size() > wire::kMaxIndexBytes) {
    return make_error(ErrorCode::kResourceExhausted,
                      "index must be at most " + std::to_string(wire::kMaxIndexBytes) +
                          " bytes, got " + std::to_string(text.size()));
  }
  std::vector<std::string> paths;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty()) continue;
    if (!wire::valid_published_path(line, wire::kMaxIndexPathLength)) {
      return make_error(ErrorCode::kInvalidArgument,
                        "index line " + std::to_string(line_number) +
                            ": expected a relative path of [A-Za-z0-9._-] segments, got \"" +
                            std::string(line.substr(0, 60)) + "\"");
    }
    paths.emplace_back(line);
  }
  return paths;
}

Result<std::vector<std::string>> cwa_export_paths(HttpFetcher& fetcher, std::string_view base_url,
                                                  std::string_view country, std::int64_t today) {
  if (country.empty() || country.find('/') != std::string_view::npos ||
      !wire::valid_published_path(country, 8)) {
    return make_error(ErrorCode::kInvalidArgument, "CWA country must be a code like DE, got \"" +
                                                       std::string(country.substr(0, 16)) + "\"");
  }
  const std::string dates_path = std::string(kCwaRoot) + std::string(country) + "/date";
  auto days_body = fetcher.get(wire::url_for(base_url, dates_path));
  GL_RETURN_IF_ERROR(days_body);
  auto days = read_listing(*days_body, "CWA day");
  GL_RETURN_IF_ERROR(days);
  std::vector<std::string> paths;
  std::set<std::string> listed;
  for (const std::string& day : *days) {
    paths.push_back(dates_path + "/" + day);
    listed.insert(day);
  }
  // Hourly files of the days not closed yet (CWA keeps them for two days).
  for (std::int64_t day : {today - kSecondsPerDay, today}) {
    const std::string date = iso_date(day);
    if (listed.contains(date)) continue;
    const std::string hours_path = dates_path + "/" + date + "/hour";
    auto hours_body = fetcher.get(wire::url_for(base_url, hours_path));
    if (!hours_body) continue;  // no hourly listing (yet)
    auto hours = read_listing(*hours_body, "CWA hour");
    GL_RETURN_IF_ERROR(hours);
    for (const std::string& hour : *hours) paths.push_back(hours_path + "/" + hour);
  }
  return paths;
}

Result<std::vector<std::string>> list_source(HttpFetcher& fetcher, const FeedSource& source,
                                             std::int64_t today) {
  if (source.layout == FeedLayoutKind::kCwa) {
    return cwa_export_paths(fetcher, source.base_url, source.country, today);
  }
  auto index = fetcher.get(source.index_url);
  GL_RETURN_IF_ERROR(index);
  return parse_foreign_index(as_string_view(*index));
}

Result<FeedSyncCounts> sync_paths(HttpFetcher& fetcher, std::string_view base_url,
                                  std::span<const std::string> paths, FeedConsumer& consumer) {
  FeedSyncCounts counts;
  for (const std::string& path : paths) {
    auto known = consumer.known(path);
    GL_RETURN_IF_ERROR(known);
    if (*known) continue;
    auto file = fetcher.get(wire::url_for(base_url, path));
    if (!file) {
      ++counts.failed;
      counts.errors.push_back(path + ": " + file.error().message);
      continue;
    }
    auto consumed = consumer.consume(*file, path);
    if (consumed) {
      ++counts.processed;
      continue;
    }
    if (consumed.error().code == ErrorCode::kAlreadyExists) {
      ++counts.already_processed;
      continue;
    }
    if (consumed.error().code == ErrorCode::kFailedPrecondition) ++counts.unlogged;
    ++counts.failed;
    counts.errors.push_back(path + ": " + consumed.error().message);
  }
  return counts;
}

}  // namespace greenlight::client

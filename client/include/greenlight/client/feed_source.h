// Where a phone's export files come from, for greenlight's own server, a federated region of
// it, and other servers (reference/servers.md section 6.3; docs/federation.md "Phones"):
//
// - The index URL and the base URL are separate: other servers put their index next to
//   their files under a prefix (Google's reference server: <bucket>/<region>/index.txt with
//   entries "<region>/<start>-<end>-<NNNNN>.zip" relative to <bucket>).
// - Index entries as other servers write them: any relative path depth, names that do not
//   end in ".zip", CRLF or LF, blank lines, no trailing newline. Absolute URLs, "..", "."
//   and empty segments, characters outside [A-Za-z0-9._/-] and paths longer than
//   kMaxIndexPathLength reject the whole index (a listed path is fetched from base URL only).
// - Corona-Warn-App's distribution layout has no index file: JSON lists of days and hours
//   (version/v1/diagnosis-keys/country/<CC>/date -> ["2026-12-01", ...], .../date/<D>/hour
//   -> [0, 1, ...]); cwa_export_paths() turns them into the list of daily files of closed
//   days plus the hourly files of days the day list does not have yet.
//
// The pipeline after the list is the one of feed_sync.h (known -> fetch -> consume).
// Not thread-safe (the fetcher is not).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/client/feed_sync.h"
#include "greenlight/client/http_fetcher.h"
#include "greenlight/crypto/result.h"

namespace greenlight::client {

enum class FeedLayoutKind : std::uint8_t {
  kIndex,  // an index file of paths (greenlight, Google's reference server and most others)
  kCwa,    // Corona-Warn-App's JSON day and hour lists
};

struct FeedSource {
  FeedLayoutKind layout = FeedLayoutKind::kIndex;
  std::string index_url;  // kIndex: the index file's URL
  std::string base_url;   // listed paths are relative to this
  std::string country;    // kCwa: the country of the listing, e.g. "DE"
};

// greenlight's own exports: <base>/v1/exports/index.txt.
FeedSource own_export_source(std::string_view base_url);
// A region another greenlight server republishes (server federation.h):
// <base>/v1/federated/<region>/index.txt.
FeedSource federated_export_source(std::string_view base_url, std::string_view region);
// What a phone of base_url that chose regions syncs: its server's own feed, then the
// federated feed of each region, in the order given (Client::sync(fetcher, base, sources)).
std::vector<FeedSource> region_sources(std::string_view base_url,
                                       std::span<const std::string> regions);
// "AA,CC" -> {"AA", "CC"}: comma-separated region codes of 2..8 of [A-Z0-9] (the server's
// --region grammar), blanks around a code ignored, duplicates dropped, "" -> none; any other
// entry is kInvalidArgument naming it.
[[nodiscard]] Result<std::vector<std::string>> parse_region_list(std::string_view list);
// An index of another server, e.g. ("https://cdn.example/export/US/index.txt",
// "https://cdn.example/export/").
FeedSource index_source(std::string_view index_url, std::string_view base_url);
// A CWA distribution root, e.g. ("https://svc90.main.px.t-online.de", "DE").
FeedSource cwa_source(std::string_view base_url, std::string_view country);

// The lenient index grammar above.
[[nodiscard]] Result<std::vector<std::string>> parse_foreign_index(std::string_view text);

// The CWA listing of country at today (00:00 UTC, unix seconds): daily files of the listed
// days, then hourly files of today and of yesterday when the day list does not have them
// (CWA lists a day only once it is closed). A missing hour listing is no error.
[[nodiscard]] Result<std::vector<std::string>> cwa_export_paths(HttpFetcher& fetcher,
                                                                std::string_view base_url,
                                                                std::string_view country,
                                                                std::int64_t today);

// The paths a source lists now.
[[nodiscard]] Result<std::vector<std::string>> list_source(HttpFetcher& fetcher,
                                                           const FeedSource& source,
                                                           std::int64_t today);

// The pipeline for a list of paths relative to base_url: every path consumer.known() does
// not know is fetched and consumed; failures are counted, not fatal.
[[nodiscard]] Result<FeedSyncCounts> sync_paths(HttpFetcher& fetcher, std::string_view base_url,
                                                std::span<const std::string> paths,
                                                FeedConsumer& consumer);

}  // namespace greenlight::client

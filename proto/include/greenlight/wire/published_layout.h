// The published layout: the one home of the contract between the key server and the phone
// (docs/api.md). Both sides use these constants and functions; nothing else spells a path,
// a file name, the index grammar or a report-type name.
//
// Paths are relative to the server root, without a leading slash ("v1/exports/index.txt");
// a URL is url_for(base, path) and a server route is "/" + path. A copy of the server's
// export directory is a complete mirror because every file lives at its URL path.
//
// Feeds (signed content a phone downloads): an index file lists one path per line, oldest
// first; every path is relative, made of [A-Za-z0-9._/-], has no empty, "." or ".."
// segment, is at most kMaxIndexPathLength characters, lies under the feed's directory and
// ends in the feed's suffix. File names are "<start>-<end>-<NNNNN><suffix>" (unix seconds
// of the window, a five-digit 1-based sequence number).
//
// Report types: one mapping (GAEN's ReportType <-> the names of docs/api.md): "confirmed",
// "clinical", "self_report", "recursive", "revoked", "unknown". No other spelling is
// accepted anywhere (risk configuration JSON included).
//
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/result.h"

namespace greenlight::wire {

// --- published content -------------------------------------------------------------------
inline constexpr std::string_view kExportDirectory = "v1/exports/";
inline constexpr std::string_view kExportIndexPath = "v1/exports/index.txt";
inline constexpr std::string_view kExportSuffix = ".zip";
inline constexpr std::string_view kVenueDirectory = "v1/venues/";
inline constexpr std::string_view kVenueIndexPath = "v1/venues/index.txt";
inline constexpr std::string_view kVenueSuffix = ".bin";

// --- transparency log (docs/transparency.md "Endpoints") ------------------------------------
inline constexpr std::string_view kLogCheckpointPath = "v1/log/checkpoint";
inline constexpr std::string_view kLogLeavesPath = "v1/log/leaves";            // ?start=&end=
inline constexpr std::string_view kLogLeafBundleDirectory = "v1/log/leaves/";  // static <B>
inline constexpr std::string_view kLogInclusionProofPath = "v1/log/proof/inclusion";
inline constexpr std::string_view kLogConsistencyProofPath = "v1/log/proof/consistency";
inline constexpr std::string_view kLogFrontierPath = "v1/log/frontier";  // ?size=

// --- upload flow (docs/api.md "Phone: code -> token -> certificate -> publish") -------------
inline constexpr std::string_view kCodesPath = "v1/codes";
inline constexpr std::string_view kVerifyPath = "v1/verify";
inline constexpr std::string_view kCertificatePath = "v1/certificate";
inline constexpr std::string_view kPublishPath = "v1/publish";
inline constexpr std::string_view kVenueWarningPath = "v1/venue-warning";

// --- limits ---------------------------------------------------------------------------------
inline constexpr std::size_t kMaxIndexBytes = 1u << 20;
inline constexpr std::size_t kMaxIndexPathLength = 256;
inline constexpr std::size_t kMaxUploadKeys = 30;
// (kMaxVenueReportsPerUpload, the venue part of an upload: wire/venue_warning.h.)
// The server pads every verify/certificate/publish response to a multiple of this.
inline constexpr std::size_t kResponsePaddingBucket = 1024;
// The phone pads every verify and certificate request body to a multiple of
// kSmallRequestPaddingBucket and every publish body to a multiple of
// kPublishRequestPaddingBucket (real and chaff alike; 30 keys and 112 venue reports fit in
// one publish bucket).
inline constexpr std::size_t kSmallRequestPaddingBucket = 1024;
inline constexpr std::size_t kPublishRequestPaddingBucket = 20480;

enum class Feed : std::uint8_t { kExports, kVenueWarnings };

struct FeedLayout {
  std::string_view name;        // "export", "venue-warning batch" (for messages)
  std::string_view index_path;  // kExportIndexPath / kVenueIndexPath
  std::string_view directory;   // kExportDirectory / kVenueDirectory
  std::string_view suffix;      // kExportSuffix / kVenueSuffix
};

const FeedLayout& feed_layout(Feed feed) noexcept;

// base + "/" + path, with trailing slashes of base removed.
std::string url_for(std::string_view base, std::string_view path);

// Whether path is a valid relative published path (the grammar above, any directory and
// suffix, at most max_length characters).
bool valid_published_path(std::string_view path, std::size_t max_length = 512) noexcept;

// Whether region is a region code as exports and federated paths name it
// (v1/federated/<REGION>/): 2..8 characters of [A-Z0-9] (ISO 3166 codes or MCCs such as 262).
bool valid_region(std::string_view region) noexcept;

// "<directory><start>-<end>-<NNNNN><suffix>", e.g. "v1/exports/1764000000-1764003600-00001.zip".
std::string feed_file_path(Feed feed, std::int64_t window_start, std::int64_t window_end,
                           std::size_t sequence);

// Splits an index (LF or CRLF line ends, blank lines ignored) into paths; any line outside
// the grammar rejects the whole index with its line number. Over kMaxIndexBytes:
// kResourceExhausted.
[[nodiscard]] Result<std::vector<std::string>> parse_feed_index(Feed feed, std::string_view text);
// One path per line, each followed by "\n".
std::string format_feed_index(std::span<const std::string> paths);

// The one ReportType <-> name mapping.
std::string_view report_type_name(ReportType type) noexcept;
// Exactly one of the names above; anything else is kInvalidArgument naming the value.
[[nodiscard]] Result<ReportType> parse_report_type(std::string_view name);

}  // namespace greenlight::wire

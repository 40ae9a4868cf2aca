// Sync of published export files (docs/api.md "Published content"): the index format and
// the per-sync report. The sync itself is Client::sync().
//
// `<base>/v1/exports/index.txt` lists one path per line, oldest first, relative to the
// server root (e.g. "v1/exports/1764000000-1764003600-00001.zip"). The client fetches
// `<base>/<path>` for every path it has not processed yet, verifies the signature with its
// pinned keys, refuses a zip whose SHA-256 it has processed before (replay), matches the
// keys against its encounter log and stores the exposure windows. Transport integrity is
// not relied on: anything a server or network changes fails the signature check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/crypto/result.h"
#include "greenlight/wire/published_layout.h"

namespace greenlight::client {

// The layout is the shared contract (wire/published_layout.h).
using wire::kExportIndexPath;
using wire::kMaxIndexBytes;
using wire::kMaxIndexPathLength;

// wire::parse_feed_index(wire::Feed::kExports, text): relative [A-Za-z0-9._/-] paths under
// v1/exports/ ending in ".zip"; otherwise the whole index is rejected with the line number.
[[nodiscard]] Result<std::vector<std::string>> parse_export_index(std::string_view text);

struct SyncReport {
  std::size_t exports_processed = 0;
  std::size_t exports_already_processed = 0;  // replays / duplicates refused
  std::size_t exports_failed = 0;             // fetch or verification failures
  std::size_t keys_in_exports = 0;
  std::size_t keys_expanded = 0;
  std::size_t keys_matched = 0;
  std::size_t windows_stored = 0;
  std::size_t sightings_rejected = 0;  // outside +-2 h or bad TX power
  std::vector<std::string> errors;     // one line per failed export (or source listing)
  // sync() over several feed sources: sources whose listing could not be fetched or parsed
  // (each has an error line; the other sources were synced).
  std::size_t sources_failed = 0;

  // Transparency log (ClientConfig::log; all zero/false when no log is configured).
  bool log_required = false;   // a log is configured: only logged exports are used
  bool log_verified = false;   // this sync's checkpoint verified and extends the stored one
  std::uint64_t log_size = 0;  // size of the verified tree after this sync
  std::string log_error;       // why the log did not verify (the last verified state was used)
  // Verified exports refused because no verified leaf commits to their SHA-256: not
  // matched, not marked processed, kUnloggedContent evidence kept. Also counted in
  // exports_failed.
  std::size_t exports_unlogged = 0;
  std::size_t new_evidence = 0;  // evidence records added during this sync
};

}  // namespace greenlight::client

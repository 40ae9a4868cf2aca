// libFuzzer target for the served index files a phone or auditor reads before anything else:
// the export index (client/sync.h), the venue-warning index (client/venue_matcher.h) and the
// auditor's content index (client/log_auditor.h). Every accepted path must be a safe relative
// path (safe_path.h: no "." or ".." segment, no absolute path; and no control characters): the
// auditor opens these paths in a directory mirror. ("a..b" is a file name, not a traversal.)
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/client/log_auditor.h"
#include "greenlight/client/sync.h"
#include "greenlight/client/venue_matcher.h"
#include "safe_path.h"

namespace {

bool safe(const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) return false;
  }
  return greenlight::fuzz::safe_relative_path(path);
}

void check(const greenlight::Result<std::vector<std::string>>& paths) {
  if (!paths) return;
  for (const std::string& p : *paths) {
    if (!safe(p)) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check(greenlight::client::parse_export_index(text));
  check(greenlight::client::parse_venue_index(text));
  check(greenlight::client::parse_content_index(text));
  return 0;
}

// Times on the command line: UTC seconds, or an ISO 8601 UTC date-time "YYYY-MM-DD",
// "YYYY-MM-DDTHH:MM[Z]" or "YYYY-MM-DDTHH:MM:SS[Z]". One parser for every command.
#pragma once

#include <cstdint>
#include <string>

namespace greenlight::cli {

// The UTC seconds text stands for; CommandError naming flag when it is malformed or invalid
// (no 2024-02-30, no 25:00).
std::int64_t parse_utc_time(const std::string& flag, const std::string& text);

}  // namespace greenlight::cli

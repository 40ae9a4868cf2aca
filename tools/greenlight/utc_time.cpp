#include "utc_time.h"

#include <cstdio>
#include <ctime>

#include "command.h"

namespace greenlight::cli {

// UTC seconds, or an ISO 8601 UTC date-time "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[Z]" or
// "YYYY-MM-DDTHH:MM:SS[Z]".
std::int64_t parse_utc_time(const std::string& flag, const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.size() > 12) throw CommandError{flag + ": " + text + " is out of range"};
    return std::stoll(text);
  }
  int v[6] = {0, 0, 0, 0, 0, 0};
  // Date, then an optional "THH:MM[:SS]" and an optional "Z".
  int consumed = -1;
  bool parsed = std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &v[0], &v[1], &v[2], &consumed) == 3;
  std::size_t at = parsed ? static_cast<std::size_t>(consumed) : 0;
  if (parsed && at < text.size()) {
    consumed = -1;
    parsed =
        std::sscanf(text.c_str() + at, "T%2d:%2d%n", &v[3], &v[4], &consumed) == 2 && consumed > 0;
    if (parsed) at += static_cast<std::size_t>(consumed);
    if (parsed && at < text.size() && text[at] == ':') {
      consumed = -1;
      parsed = std::sscanf(text.c_str() + at, ":%2d%n", &v[5], &consumed) == 1 && consumed > 0;
      if (parsed) at += static_cast<std::size_t>(consumed);
    }
    if (parsed && at < text.size() && text[at] == 'Z') ++at;
    parsed = parsed && at == text.size();
  }
  if (!parsed) {
    throw CommandError{flag + ": expected UTC seconds or YYYY-MM-DD[THH:MM[:SS]Z], got \"" + text +
                       "\""};
  }
  std::tm tm{};
  tm.tm_year = v[0] - 1900;
  tm.tm_mon = v[1] - 1;
  tm.tm_mday = v[2];
  tm.tm_hour = v[3];
  tm.tm_min = v[4];
  tm.tm_sec = v[5];
  const std::time_t t = timegm(&tm);
  if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[3] > 23 || v[4] > 59 || v[5] > 59 || t < 0 ||
      tm.tm_mday != v[2]) {
    throw CommandError{flag + ": \"" + text + "\" is not a valid UTC time"};
  }
  return static_cast<std::int64_t>(t);
}

}  // namespace greenlight::cli

#include "greenlight/client/sync.h"

namespace greenlight::client {
namespace {

bool allowed_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '/';
}

}  // namespace

Result<std::vector<std::string>> parse_export_index(std::string_view text) {
  if (text.size() > kMaxIndexBytes) {
    return make_error(ErrorCode::kResourceExhausted,
                      "export index must be at most " + std::to_string(kMaxIndexBytes) +
                          " bytes, got " + std::to_string(text.size()));
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
      return make_error(
          ErrorCode::kInvalidArgument,
          "export index line " + std::to_string(line_number) + ": " + std::string(why));
    };
    if (line.size() > kMaxIndexPathLength) {
      return bad("path longer than " + std::to_string(kMaxIndexPathLength) + " characters");
    }
    for (char c : line) {
      if (!allowed_char(c)) return bad("expected only [A-Za-z0-9._/-] in the path");
    }
    if (line.front() == '/') return bad("expected a relative path, got an absolute one");
    if (line.find("..") != std::string_view::npos) return bad("'..' is not allowed in a path");
    if (line.size() < 5 || line.substr(line.size() - 4) != ".zip") {
      return bad("expected a path ending in .zip");
    }
    paths.emplace_back(line);
  }
  return paths;
}

}  // namespace greenlight::client

// The invariant the index harnesses check on every path a parser accepts: relative, not
// empty, no "." or ".." segment and no empty segment ("a//b", or a trailing "/" as in "v1/"),
// as published_layout.h's grammar says; "a..b" is a file name, not a traversal.
#pragma once

#include <algorithm>
#include <string_view>

namespace greenlight::fuzz {

inline bool safe_relative_path(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace greenlight::fuzz

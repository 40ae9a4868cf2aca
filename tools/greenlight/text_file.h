// Reading an input file named by a flag, with a size cap: one helper for the commands that
// take JSON or PEM files.
#pragma once

#include <cstdint>
#include <string>

namespace greenlight::cli {

// The whole file; CommandError naming flag and path when it cannot be read or is larger than
// max_bytes.
std::string read_input_file(const std::string& flag, const std::string& path,
                            std::uintmax_t max_bytes);

}  // namespace greenlight::cli

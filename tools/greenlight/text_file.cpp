#include "text_file.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "command.h"

namespace greenlight::cli {

std::string read_input_file(const std::string& flag, const std::string& path,
                            std::uintmax_t max_bytes) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec) throw CommandError{flag + ": cannot read " + path + ": " + ec.message()};
  if (std::filesystem::is_directory(status))
    throw CommandError{flag + ": cannot read " + path + ": Is a directory"};
  const auto too_large = [&](const std::string& got) {
    return CommandError{flag + ": " + path + " must be at most " + std::to_string(max_bytes) +
                        " bytes, got " + got};
  };
  if (std::filesystem::is_regular_file(status)) {
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec) throw CommandError{flag + ": cannot read " + path + ": " + ec.message()};
    if (size > max_bytes) throw too_large(std::to_string(size));
  }
  // Read up to one byte past the cap: a pipe (--config <(...), /dev/stdin) has no size, and a
  // device such as /dev/zero never ends.
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CommandError{flag + ": cannot read " + path};
  std::string data;
  char buffer[1 << 16];
  while (data.size() <= max_bytes && in.read(buffer, sizeof buffer).gcount() > 0) {
    data.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw CommandError{flag + ": cannot read " + path};
  if (data.size() > max_bytes) throw too_large("more");
  return data;
}

}  // namespace greenlight::cli

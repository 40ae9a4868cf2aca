#include "text_file.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "command.h"

namespace greenlight::cli {

std::string read_input_file(const std::string& flag, const std::string& path,
                            std::uintmax_t max_bytes) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw CommandError{flag + ": cannot read " + path + ": " + ec.message()};
  if (size > max_bytes) {
    throw CommandError{flag + ": " + path + " must be at most " + std::to_string(max_bytes) +
                       " bytes, got " + std::to_string(size)};
  }
  std::ifstream in(path, std::ios::binary);
  std::string data(static_cast<std::size_t>(size), '\0');
  if (!in || !in.read(data.data(), static_cast<std::streamsize>(data.size()))) {
    throw CommandError{flag + ": cannot read " + path};
  }
  return data;
}

}  // namespace greenlight::cli

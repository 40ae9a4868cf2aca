// `greenlight`: one executable, one subcommand per part (spec/protocol.md,
// "Command-line contract").
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <system_error>

#include "command.h"

namespace greenlight::cli {
std::vector<CommandSetup>& command_registry() {
  static std::vector<CommandSetup> registry;
  return registry;
}

namespace {
// The number `text` holds, or nullopt (no number: the option's conversion refuses it).
std::optional<double> number_in(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0') return std::nullopt;
  return value;
}
}  // namespace

namespace {
// CLI11 reads integers with base 0 ("060" was 48, "+060" and " 060" too, "0x10" 16) and a
// number past 2^64 as the largest one. A whole number is read as decimal here: spaces and one
// leading '+' dropped, hexadecimal refused, the range checked; with `rewrite` the text
// becomes the plain decimal (060 -> 60), without it (a non-modifying check) a leading zero is
// refused. An error message, or "" (and for other text, such as a fraction, "" as well: the
// checks below and the option's conversion judge it).
std::string read_whole_number(std::string& text, bool rewrite) {
  std::string t = text;
  const auto first = t.find_first_not_of(" \t");
  const auto last = t.find_last_not_of(" \t");
  t = first == std::string::npos ? std::string() : t.substr(first, last - first + 1);
  if (!t.empty() && t[0] == '+') t.erase(0, 1);
  const std::size_t sign = !t.empty() && t[0] == '-' ? 1 : 0;
  if (t.size() > sign + 1 && t[sign] == '0' && (t[sign + 1] == 'x' || t[sign + 1] == 'X'))
    return "must be a decimal number, got " + text;
  if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos) return {};
  std::uint64_t value = 0;
  if (std::from_chars(t.data(), t.data() + t.size(), value).ec != std::errc{})
    return "must be at most 18446744073709551615, got " + text;
  if (rewrite) {
    text = std::to_string(value);
  } else if (t.size() > 1 && t[0] == '0') {
    return "must be written without leading zeros, got " + text;
  }
  return {};
}
}  // namespace

CLI::Validator not_negative() {
  return CLI::Validator(
      [](std::string& text) {
        if (std::string error = read_whole_number(text, true); !error.empty()) return error;
        const auto value = number_in(text);
        return value && *value < 0 ? "must not be negative, got " + text : std::string();
      },
      "NONNEGATIVE", "not negative");
}

CLI::Validator positive() {
  return CLI::Validator(
      [](std::string& text) {
        if (std::string error = read_whole_number(text, false); !error.empty()) return error;
        const auto value = number_in(text);
        return value && !(*value > 0) ? "must be positive, got " + text : std::string();
      },
      "POSITIVE", "positive");
}
}  // namespace greenlight::cli

namespace {
// `rc`, or 1 when the output never reached its file (a full disk, a closed pipe): the help
// and the version too.
int checked_stdout(int rc) {
  if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
    const int why = errno;  // the failed flush's, or the earlier failed write's
    std::fprintf(stderr, "greenlight: error: cannot write standard output%s%s\n",
                 why != 0 ? ": " : "", why != 0 ? std::strerror(why) : "");
    return 1;
  }
  return rc;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"greenlight: privacy-preserving, decentralized exposure notification"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "greenlight 0.1.0");
  for (const auto& setup : greenlight::cli::command_registry()) setup(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return checked_stdout(app.exit(e));
  } catch (const CLI::CallForAllHelp& e) {
    return checked_stdout(app.exit(e));
  } catch (const CLI::CallForVersion& e) {
    return checked_stdout(app.exit(e));
  } catch (const CLI::ParseError& e) {
    // One line, as for every other error; --help is where the usage lives.
    std::fprintf(stderr, "greenlight: error: %s (see --help)\n", e.what());
    return e.get_exit_code() == 0 ? 2 : e.get_exit_code();
  } catch (const greenlight::cli::CommandError& e) {
    std::fprintf(stderr, "greenlight: error: %s\n", e.message.c_str());
    return e.exit_code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "greenlight: error: %s\n", e.what());
    return 1;
  }
  return checked_stdout(0);
}

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

CLI::Validator not_negative() {
  return CLI::Validator(
      [](std::string& text) {
        // CLI11 reads integers with base 0: "060" was 48 and "0x10" 16, and a number past 2^64
        // the largest one. Decimal only, leading zeros dropped, the range checked.
        const auto digits = text.find_first_not_of("0123456789");
        if (digits == std::string::npos && !text.empty()) {
          std::uint64_t value = 0;
          if (std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc{})
            return "must be at most 18446744073709551615, got " + text;
          text = std::to_string(value);
          return std::string();
        }
        if (text.size() > 1 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
          return "must be a decimal number, got " + text;
        const auto value = number_in(text);
        return value && *value < 0 ? "must not be negative, got " + text : std::string();
      },
      "NONNEGATIVE", "not negative");
}

CLI::Validator positive() {
  return CLI::Validator(
      [](std::string& text) {
        const auto value = number_in(text);
        return value && !(*value > 0) ? "must be positive, got " + text : std::string();
      },
      "POSITIVE", "positive");
}
}  // namespace greenlight::cli

int main(int argc, char** argv) {
  CLI::App app{"greenlight: privacy-preserving, decentralized exposure notification"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "greenlight 0.1.0");
  for (const auto& setup : greenlight::cli::command_registry()) setup(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
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
  // Output that never reached its file (a full disk, a closed pipe) is a failure too.
  if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
    const int why = errno;  // the failed flush's, or the earlier failed write's
    std::fprintf(stderr, "greenlight: error: cannot write standard output%s%s\n",
                 why != 0 ? ": " : "", why != 0 ? std::strerror(why) : "");
    return 1;
  }
  return 0;
}

// Subcommand registry of the `greenlight` executable. Each cmd_*.cpp file defines one
// top-level subcommand and registers it with GREENLIGHT_REGISTER_COMMAND; main() builds
// the CLI11 app from the registry. Commands parse flags and call library functions only.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace greenlight::cli {

// A command adds its subcommand (with its own subcommands, options and callbacks) to app.
// Callbacks report failure by throwing CommandError (caught in main, printed as one line,
// exit code 1).
using CommandSetup = std::function<void(CLI::App& app)>;

struct CommandError {
  std::string message;
  int exit_code = 1;
};

std::vector<CommandSetup>& command_registry();

// Option checks for numbers, with short messages (CLI11's NonNegativeNumber and
// PositiveNumber print the largest double as their bound). Without a check, CLI11 wraps -1
// given to an unsigned option into its largest value. A value that is no number passes
// them, and the option's conversion refuses it. not_negative also reads a whole number as
// decimal (CLI11 took "060" as octal 48 and "0x10" as 16) and refuses one past 2^64 - 1 (CLI11
// took the largest).
CLI::Validator not_negative();  // 0 and more; add it with ->transform (it rewrites "060")
CLI::Validator positive();      // more than 0

struct CommandRegistrar {
  explicit CommandRegistrar(CommandSetup setup) { command_registry().push_back(std::move(setup)); }
};

#define GREENLIGHT_REGISTER_COMMAND(name, fn) \
  static const ::greenlight::cli::CommandRegistrar greenlight_register_##name { fn }

}  // namespace greenlight::cli

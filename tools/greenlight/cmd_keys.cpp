// `greenlight keys`: the GAEN key schedule from the command line (docs/cli.md).
//
//   greenlight keys derive --tek HEX --interval N [--count K] [--metadata HEX]
//
// prints one line per interval: "ENIN RPI_HEX AEM_HEX".
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "command.h"
#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/gaen.h"

namespace greenlight::cli {
namespace {

constexpr char kDefaultMetadataHex[] = "40000000";

struct DeriveOptions {
  std::string tek_hex;
  std::uint32_t interval = 0;
  std::uint32_t count = 1;
  std::string metadata_hex = kDefaultMetadataHex;
};

void run_derive(const DeriveOptions& options) {
  auto tek_bytes = from_hex_fixed<Tek::size()>(options.tek_hex);
  if (!tek_bytes) throw CommandError{"--tek: " + tek_bytes.error().message};
  auto metadata = from_hex_fixed<4>(options.metadata_hex);
  if (!metadata) throw CommandError{"--metadata: " + metadata.error().message};
  if (options.count < 1 || options.count > kTekRollingPeriod) {
    throw CommandError{"--count must be 1.." + std::to_string(kTekRollingPeriod) + ", got " +
                       std::to_string(options.count)};
  }
  if (options.interval > UINT32_MAX - (options.count - 1)) {
    throw CommandError{"--interval + --count must stay below 2^32, got " +
                       std::to_string(options.interval) + " + " + std::to_string(options.count)};
  }
  const Tek tek(*tek_bytes);
  const Rpik rpik = derive_rpik(tek);
  const Aemk aemk = derive_aemk(tek);
  for (std::uint32_t i = 0; i < options.count; ++i) {
    const EnIntervalNumber interval{options.interval + i};
    const Rpi rpi = make_rpi(rpik, interval);
    const Aem aem = encrypt_aem(aemk, rpi, *metadata);
    std::printf("%u %s %s\n", interval.value, to_hex(rpi).c_str(), to_hex(aem).c_str());
  }
}

void setup_keys(CLI::App& app) {
  CLI::App* keys = app.add_subcommand("keys", "GAEN v1.2 key schedule (TEK -> RPI, AEM)");
  keys->require_subcommand(1);

  auto options = std::make_shared<DeriveOptions>();
  CLI::App* derive = keys->add_subcommand(
      "derive", "Print 'ENIN RPI_HEX AEM_HEX' for each interval of a temporary exposure key");
  derive->add_option("--tek", options->tek_hex, "Temporary exposure key, 32 hex digits")
      ->required();
  derive->add_option("--interval", options->interval, "First ENIntervalNumber (unix seconds / 600)")
      ->required();
  derive->add_option("--count", options->count, "Number of intervals, 1..144 (default 1)");
  derive->add_option("--metadata", options->metadata_hex,
                     "Bluetooth metadata, 8 hex digits (default 40000000: version 1.0, TX 0 dBm)");
  derive->callback([options] { run_derive(*options); });
}

}  // namespace

GREENLIGHT_REGISTER_COMMAND(keys, setup_keys);

}  // namespace greenlight::cli

// `greenlight monitor write`: the public monitor pages (docs/monitor.md) into a static tree,
// for a mirror or CDN that copies the export tree but wants its own copy of the pages (a
// server started with `greenlight server run --monitor` writes them itself).
//
//   greenlight monitor write --out DIR [--log-key VKEY] [--venue-authority-public-key PEM ...]
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "command.h"
#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/signed_note.h"
#include "greenlight/server/clock.h"
#include "greenlight/server/monitor_site.h"
#include "greenlight/server/static_site.h"

namespace greenlight::cli {
namespace {

struct MonitorFlags {
  std::string out;
  std::string log_key;
  std::vector<std::string> authority_keys;
};

void write_monitor(const MonitorFlags& f) {
  server::MonitorConfig config;
  if (!f.log_key.empty()) {
    auto verifier = NoteVerifier::from_vkey(f.log_key);
    if (!verifier) throw CommandError{"--log-key: " + verifier.error().message};
    config.log_vkey = verifier->vkey();
  }
  for (const std::string& path : f.authority_keys) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream pem;
    pem << in.rdbuf();
    if (!in) throw CommandError{"--venue-authority-public-key: cannot read " + path};
    auto key = EcdsaP256PublicKey::from_pem(pem.str());
    if (!key)
      throw CommandError{"--venue-authority-public-key " + path + ": " + key.error().message};
    config.venue_authority_keys.push_back(std::move(*key));
  }
  server::SystemClock clock;
  server::StaticSite site(f.out, clock);
  if (auto s = server::write_monitor_pages(site, config); !s) throw CommandError{s.error().message};
  for (const auto& file : server::monitor_files(config)) {
    std::printf("wrote %s/%s\n", f.out.c_str(), file.path.c_str());
  }
}

void setup_monitor(CLI::App& app) {
  CLI::App* command = app.add_subcommand("monitor", "The public monitor pages (docs/monitor.md)");
  command->require_subcommand(1);
  auto flags = std::make_shared<MonitorFlags>();
  CLI::App* write = command->add_subcommand(
      "write", "Write monitor/{index.html,monitor.css,monitor.js,config.json} into a static tree");
  write->add_option("--out", flags->out, "Root of the static tree (the export directory)")
      ->required();
  write->add_option("--log-key", flags->log_key,
                    "The log's verifier key NAME+HASH+KEY, pre-filled in the page");
  write->add_option("--venue-authority-public-key", flags->authority_keys,
                    "PEM P-256 public key that authorises venue warnings (repeatable)");
  write->callback([flags] { write_monitor(*flags); });
}

GREENLIGHT_REGISTER_COMMAND(monitor, setup_monitor);

}  // namespace
}  // namespace greenlight::cli

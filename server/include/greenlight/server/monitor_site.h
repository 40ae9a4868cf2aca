// The public monitor (docs/monitor.md): static, dependency-free HTML/CSS/JS pages written
// into the export tree under monitor/, so any mirror or CDN that serves the tree serves them
// too. The pages verify the transparency log (checkpoint signature, leaves, earlier
// checkpoints; fork and shrink alarms), show the logged batches per day and check a venue's
// warnings from its URL, all in the browser with WebCrypto; the venue's tag never leaves the
// page. The server writes nothing the pages trust blindly: config.json only pre-fills the
// log's verifier key (the visitor can pin another) and names the keys that authorise venue
// warnings.
//
// Files: monitor/index.html, monitor/monitor.css, monitor/monitor.js (embedded at build time
// from server/web/monitor/) and monitor/config.json. Thread-safe as StaticSite is.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/result.h"
#include "greenlight/server/server.h"
#include "greenlight/server/static_site.h"

namespace greenlight::server {

struct MonitorConfig {
  std::string log_vkey;  // the log's verifier key ("NAME+HASH+BASE64"); empty: typed by the visitor
  std::vector<EcdsaP256PublicKey> venue_authority_keys;  // may be empty: not checked then
};

inline constexpr char kMonitorDirectory[] = "monitor";

// The monitor's files: (path relative to the tree root, content type, bytes).
struct MonitorFile {
  std::string path;
  std::string content_type;
  std::string bytes;
};
std::vector<MonitorFile> monitor_files(const MonitorConfig& config);

// Writes the files into the site (written to disk and cached, Cache-Control no-cache).
[[nodiscard]] Status write_monitor_pages(StaticSite& site, const MonitorConfig& config);

// A server module that writes the pages when attached and serves GET /monitor/... from the
// site (/monitor/ is index.html), as a mirror or CDN of the tree would.
std::shared_ptr<ServerModule> make_monitor_module(MonitorConfig config);

}  // namespace greenlight::server

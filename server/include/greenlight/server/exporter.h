// Export publication (docs/api.md "Published content"): on a schedule and on demand, the
// keys that became available in the window [last export end, floor(now / granularity) *
// granularity) are built into signed export files (export_builder.h) and published:
//
//   build bytes -> StaticSite::publish (before-publish hooks, e.g. transparency log; then
//   atomic write) -> Store::record_export_batch -> index file rewritten
//
// The index (v1/exports/index.txt) lists every export file still retained, one path per
// line, oldest window first. A window with no real keys records an empty batch and writes
// no file. If the process dies between writing a file and recording its batch, the next
// run rebuilds the same window under the same name (the hook then sees the new bytes).
//
// Thread-safe: export runs are serialised.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "greenlight/crypto/random.h"
#include "greenlight/server/clock.h"
#include "greenlight/server/export_builder.h"
#include "greenlight/server/metrics.h"
#include "greenlight/server/static_site.h"
#include "greenlight/server/store.h"
#include "greenlight/wire/published_layout.h"

namespace greenlight::server {

struct ExportConfig {
  ExportBuildOptions build;
  // Window ends are multiples of this; keys become exportable one window after arrival.
  std::int64_t time_granularity_seconds = 3600;
  // The first window starts this long before its end.
  std::int64_t first_window_lookback_seconds = 14 * 24 * 3600;
  std::string directory = std::string(wire::kExportDirectory);
  std::string index_path = std::string(wire::kExportIndexPath);
};

struct ExportRun {
  std::int64_t window_start = 0;
  std::int64_t window_end = 0;
  std::size_t real_keys = 0;
  std::vector<ExportFileRecord> files;
};

class Exporter {
 public:
  Exporter(ExportConfig config, Store& store, StaticSite& site, const Clock& clock,
           RandomSource& rng, std::vector<wire::ExportSigner> signers, Metrics* metrics = nullptr);

  const ExportConfig& config() const { return config_; }
  const std::vector<wire::ExportSigner>& signers() const { return signers_; }

  // Publishes the next window; nullopt when no complete window is pending.
  [[nodiscard]] Result<std::optional<ExportRun>> export_now();
  // Loads the index and every retained export file from the store into the site cache
  // (after a restart) and rewrites the index.
  [[nodiscard]] Status load_published();
  // Removes files (after retention) and rewrites the index.
  [[nodiscard]] Status remove_files(const std::vector<std::string>& paths);
  [[nodiscard]] Status rebuild_index();

 private:
  ExportConfig config_;
  Store& store_;
  StaticSite& site_;
  const Clock& clock_;
  RandomSource& rng_;
  std::vector<wire::ExportSigner> signers_;
  Metrics* metrics_;
  std::mutex run_mutex_;
};

}  // namespace greenlight::server

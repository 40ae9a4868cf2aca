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
// Several instances on one database (docs/deploy.md): a run holds the store lease "export"
// (Store::acquire_lease), so exactly one instance (or `greenlight server export-now --db`)
// builds a window; a run that finds the lease taken fails with kUnavailable and publishes
// nothing. The window is chosen after the lease is taken, so a window is never built twice.
// The other instances pick the new files up with sync_published() (on a timer and when a
// request misses), loading them from the shared export directory; a file is served only
// once its batch is recorded, so a half-finished run is never visible.
//
// Thread-safe: export runs are serialised.
#pragma once

#include <cstdint>
#include <functional>
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
  // A holder that dies keeps the export lease this long (by the injected clock).
  std::int64_t lease_seconds = 600;
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

  // Publishes the next window under the export lease; nullopt when no complete window is
  // pending; kUnavailable when another exporter holds the lease.
  [[nodiscard]] Result<std::optional<ExportRun>> export_now();
  // Runs fn while holding the export lease (fn may call export_window() and publish other
  // content, e.g. venue batches); kUnavailable when another exporter holds it.
  [[nodiscard]] Status under_lease(const std::function<Status()>& fn);
  // The export step itself; the caller holds the lease (under_lease).
  [[nodiscard]] Result<std::optional<ExportRun>> export_window();
  // Brings the served export files and index in line with the store (files another
  // instance or export-now published, or retention removed). Returns whether anything
  // changed.
  [[nodiscard]] Result<bool> sync_published();
  // Loads the index and every retained export file from the store into the site cache
  // (after a restart) and rewrites the index.
  [[nodiscard]] Status load_published();
  // Removes files (after retention) and rewrites the index.
  [[nodiscard]] Status remove_files(const std::vector<std::string>& paths);
  [[nodiscard]] Status rebuild_index();

  // Revised keys (GAEN revised_keys; en_express.h): fn(start, end) returns the revisions that
  // became available in [start, end); they go into one extra file of that window (never
  // padded). Registered before the server starts.
  using RevisedKeysSource =
      std::function<Result<std::vector<TemporaryExposureKey>>(std::int64_t, std::int64_t)>;
  void add_revised_keys_source(RevisedKeysSource source) {
    revised_sources_.push_back(std::move(source));
  }

 private:
  [[nodiscard]] Result<std::optional<BuiltExportFile>> build_revised_file(std::int64_t start,
                                                                          std::int64_t end,
                                                                          std::size_t sequence);
  ExportConfig config_;
  Store& store_;
  StaticSite& site_;
  const Clock& clock_;
  RandomSource& rng_;
  std::vector<wire::ExportSigner> signers_;
  Metrics* metrics_;
  std::string lease_holder_;
  std::vector<RevisedKeysSource> revised_sources_;
  std::recursive_mutex run_mutex_;
  std::mutex sync_mutex_;
};

}  // namespace greenlight::server

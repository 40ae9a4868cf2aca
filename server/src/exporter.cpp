#include "greenlight/server/exporter.h"

#include <algorithm>
#include <set>
#include <utility>

namespace greenlight::server {

namespace {
constexpr char kZipCacheControl[] = "public, max-age=1209600, immutable";
constexpr char kIndexCacheControl[] = "public, max-age=60";
constexpr char kExportLease[] = "export";

std::string index_text(const std::vector<ExportFileRecord>& files) {
  std::string index;
  for (const auto& f : files) index += f.path + "\n";
  return index;
}
}  // namespace

Exporter::Exporter(ExportConfig config, Store& store, StaticSite& site, const Clock& clock,
                   RandomSource& rng, std::vector<wire::ExportSigner> signers, Metrics* metrics)
    : config_(std::move(config)),
      store_(store),
      site_(site),
      clock_(clock),
      rng_(rng),
      signers_(std::move(signers)),
      metrics_(metrics) {
  if (!config_.directory.empty() && config_.directory.back() != '/') config_.directory += '/';
  ByteArray<16> id{};
  rng_.fill(id);
  lease_holder_ = to_hex(id);
}

Status Exporter::under_lease(const std::function<Status()>& fn) {
  std::lock_guard lock(run_mutex_);
  const std::int64_t now = clock_.now_unix_seconds();
  auto acquired = store_.acquire_lease(kExportLease, lease_holder_, now,
                                       now + std::max<std::int64_t>(1, config_.lease_seconds));
  GL_RETURN_IF_ERROR(acquired);
  if (!*acquired) {
    return make_error(ErrorCode::kUnavailable,
                      "another exporter holds the export lease (another instance or export-now)");
  }
  Status s = fn();
  // A failed release only delays the next run until the lease expires.
  (void)store_.release_lease(kExportLease, lease_holder_);
  return s;
}

Result<std::optional<ExportRun>> Exporter::export_now() {
  Result<std::optional<ExportRun>> run = std::optional<ExportRun>{};
  Status s = under_lease([&]() -> Status {
    run = export_window();
    return ok();
  });
  GL_RETURN_IF_ERROR(s);
  return run;
}

Result<std::optional<ExportRun>> Exporter::export_window() {
  std::lock_guard lock(run_mutex_);
  const std::int64_t granularity = std::max<std::int64_t>(1, config_.time_granularity_seconds);
  const std::int64_t now = clock_.now_unix_seconds();
  const std::int64_t end = floor_to(now, granularity);
  auto last = store_.last_export_end();
  GL_RETURN_IF_ERROR(last);
  const std::int64_t start =
      last->value_or(std::max<std::int64_t>(0, end - config_.first_window_lookback_seconds));
  if (end <= start) return std::optional<ExportRun>{};

  auto stored = store_.keys_available(start, end);
  GL_RETURN_IF_ERROR(stored);
  ExportRun run{start, end, stored->size(), {}};
  std::vector<TemporaryExposureKey> keys;
  keys.reserve(stored->size());
  for (auto& k : *stored) keys.push_back(std::move(k.key));
  stored->clear();

  auto built = build_export_files(std::move(keys), start, end, config_.build, signers_, rng_);
  GL_RETURN_IF_ERROR(built);
  GL_ASSIGN_OR_RETURN(auto revised, build_revised_file(start, end, built->size() + 1));
  if (revised) built->push_back(std::move(*revised));

  std::vector<wire::SignatureInfo> infos;
  for (const auto& s : signers_) infos.push_back(s.info);
  for (BuiltExportFile& f : *built) {
    Publication p;
    p.path = config_.directory + f.name;
    p.kind = "export";
    p.content_type = "application/zip";
    p.cache_control = kZipCacheControl;
    auto bytes = std::make_shared<const std::string>(f.zip.begin(), f.zip.end());
    p.sha256 = sha256(as_bytes(*bytes));
    p.bytes = std::move(bytes);
    p.window_start = start;
    p.window_end = end;
    p.item_count = f.key_count;
    p.region = config_.build.region;
    p.signed_by = infos;
    const std::string hex = to_hex(p.sha256);
    const std::string path = p.path;
    GL_RETURN_IF_ERROR(site_.publish(std::move(p)));
    run.files.push_back(
        ExportFileRecord{path, start, end, now, static_cast<std::int64_t>(f.key_count), hex});
  }
  ExportBatchRecord record{start, end, now, static_cast<std::int64_t>(run.real_keys), run.files};
  GL_RETURN_IF_ERROR(store_.record_export_batch(record));
  GL_RETURN_IF_ERROR(rebuild_index());
  if (metrics_ != nullptr) {
    metrics_->counter("greenlight_export_batches_total").add();
    metrics_->counter("greenlight_export_files_total").add(run.files.size());
    std::size_t total = 0;
    for (const auto& f : run.files) total += static_cast<std::size_t>(f.key_count);
    // The published files show the total; how many keys are real is what the padding hides,
    // so that count is for operators only, per UTC day (metrics.h).
    metrics_->counter("greenlight_export_keys_total").add(total);
    metrics_->add_daily("greenlight_export_real_keys_daily", {}, now, run.real_keys);
  }
  return std::optional<ExportRun>(std::move(run));
}

Result<std::optional<BuiltExportFile>> Exporter::build_revised_file(std::int64_t start,
                                                                    std::int64_t end,
                                                                    std::size_t sequence) {
  std::vector<TemporaryExposureKey> revised;
  for (const auto& source : revised_sources_) {
    auto keys = source(start, end);
    GL_RETURN_IF_ERROR(keys);
    revised.insert(revised.end(), keys->begin(), keys->end());
  }
  if (revised.empty()) return std::optional<BuiltExportFile>{};
  GL_ASSIGN_OR_RETURN(auto file, build_revised_export_file(std::move(revised), start, end, sequence,
                                                           config_.build.region, signers_));
  return std::optional<BuiltExportFile>(std::move(file));
}

Status Exporter::rebuild_index() {
  auto files = store_.export_files();
  GL_RETURN_IF_ERROR(files);
  return site_.write_metadata(config_.index_path, index_text(*files), "text/plain; charset=utf-8",
                              kIndexCacheControl);
}

Result<bool> Exporter::sync_published() {
  std::lock_guard lock(sync_mutex_);
  // While this process exports, its new files are cached before their batch is recorded
  // and its index is rewritten after: then only files are added, nothing is dropped.
  std::unique_lock running(run_mutex_, std::try_to_lock);
  auto files = store_.export_files();
  GL_RETURN_IF_ERROR(files);
  bool changed = false;
  std::set<std::string> listed;
  for (const auto& f : *files) {
    listed.insert(f.path);
    if (site_.find(f.path)) continue;
    if (auto s = site_.load(f.path, "application/zip", kZipCacheControl); !s) {
      return make_error(ErrorCode::kIo, "export file listed in the database is missing: " + f.path);
    }
    changed = true;
  }
  if (!running.owns_lock()) return changed;
  for (const std::string& path : site_.cached_paths(config_.directory)) {
    if (path == config_.index_path || listed.contains(path)) continue;
    site_.forget(path);
    changed = true;
  }
  std::string index = index_text(*files);
  const auto current = site_.find(config_.index_path);
  if (!current || *current->bytes != index) {
    // Served from memory only: the instance that published writes the index file.
    site_.put(config_.index_path, std::move(index), "text/plain; charset=utf-8",
              kIndexCacheControl);
    changed = true;
  }
  return changed;
}

Status Exporter::load_published() {
  auto files = store_.export_files();
  GL_RETURN_IF_ERROR(files);
  for (const auto& f : *files) {
    if (auto s = site_.load(f.path, "application/zip", kZipCacheControl); !s) {
      return make_error(ErrorCode::kIo, "export file listed in the database is missing: " + f.path);
    }
  }
  return rebuild_index();
}

Status Exporter::remove_files(const std::vector<std::string>& paths) {
  for (const auto& p : paths) {
    GL_RETURN_IF_ERROR(site_.remove(p));
  }
  return rebuild_index();
}

}  // namespace greenlight::server

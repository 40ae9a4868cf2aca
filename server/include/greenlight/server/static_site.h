// The published static content (exports, their index, and later the transparency log's
// checkpoints and venue-warning batches) as one file tree whose paths equal the URL paths,
// so any web server or CDN can serve a copy, plus the in-memory copy this server serves
// from.
//
// Publication order for content: publish(p) runs every before-publish hook (e.g. the
// transparency log appends and syncs a leaf for p) and only if all succeed writes the file
// atomically (temporary file, fsync, rename, fsync of the directory) and makes it
// servable. A failing hook leaves nothing written and nothing served. Metadata files that
// only point at content (index files) are written with write_metadata(), without hooks.
//
// Serving (serve()): only paths in the cache are served, so a request path never reaches
// the file system. On a miss, the miss handler (if set; e.g. Exporter::sync_published via
// the server) may bring the cache in line with the store, at most once per second, and
// the path is looked up again: content another instance published is served at once. Responses
// carry ETag ("<sha256 hex>"), Last-Modified and Cache-Control; If-None-Match with a matching ETag
// (or "*") gives 304.
//
// Thread-safe. Hooks are added before the server starts.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "greenlight/crypto/hash.h"
#include "greenlight/server/clock.h"
#include "greenlight/server/http.h"
#include "greenlight/wire/export_file.h"

namespace greenlight::server {

struct Publication {
  std::string path;  // relative to the root, e.g. "v1/exports/1764000000-1764007200-00001.zip"
  std::string kind;  // "export", "venue_warnings", ...
  std::string content_type = "application/zip";
  std::string cache_control = "public, max-age=1209600, immutable";
  std::shared_ptr<const std::string> bytes;
  Sha256Digest sha256{};  // of bytes; filled in by publish() if all zero
  // Metadata for hooks (the transparency log's KEY_BATCH leaf).
  std::int64_t window_start = 0;
  std::int64_t window_end = 0;
  std::size_t item_count = 0;
  std::string region;
  std::vector<wire::SignatureInfo> signed_by;
};

using BeforePublishHook = std::function<Status(const Publication&)>;

struct StaticFile {
  std::shared_ptr<const std::string> bytes;
  std::string content_type;
  std::string cache_control;
  std::string etag;  // quoted SHA-256 hex
  std::int64_t last_modified = 0;
};

class StaticSite {
 public:
  StaticSite(std::filesystem::path root, const Clock& clock);

  const std::filesystem::path& root() const { return root_; }
  void add_before_publish_hook(BeforePublishHook hook);

  [[nodiscard]] Status publish(Publication publication);
  [[nodiscard]] Status write_metadata(const std::string& path, std::string bytes,
                                      std::string content_type, std::string cache_control);
  // Deletes the file and its cached copy; a missing file is not an error.
  [[nodiscard]] Status remove(const std::string& path);
  // Loads an existing file of the tree into the cache (at startup).
  [[nodiscard]] Status load(const std::string& path, std::string content_type,
                            std::string cache_control);

  // Caches bytes under path without writing the file (e.g. an index another instance wrote).
  void put(const std::string& path, std::string bytes, std::string content_type,
           std::string cache_control);
  // Drops path from the cache only (the file was removed by another instance).
  void forget(const std::string& path);
  // Cached paths that start with prefix, sorted.
  std::vector<std::string> cached_paths(std::string_view prefix) const;
  // Called on a miss (rate-limited); returns whether the cache changed. Set before serving.
  void set_miss_handler(std::function<bool()> handler);

  std::optional<StaticFile> find(const std::string& path) const;
  // GET/HEAD handler for any path under the root ("/v1/exports/x.zip" -> "v1/exports/x.zip").
  HttpResponse serve(const HttpRequest& request) const;

  // Accepts relative paths of [A-Za-z0-9._-] segments separated by '/', without "." or "..".
  static bool valid_path(std::string_view path);

 private:
  [[nodiscard]] Status write_atomically(const std::string& path, const std::string& bytes);
  void cache(const std::string& path, std::shared_ptr<const std::string> bytes,
             std::string content_type, std::string cache_control, std::int64_t last_modified);

  std::filesystem::path root_;
  const Clock& clock_;
  std::vector<BeforePublishHook> hooks_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, StaticFile, std::less<>> files_;
  std::function<bool()> miss_handler_;
  mutable std::mutex miss_mutex_;
  mutable std::chrono::steady_clock::time_point last_miss_refresh_{};
};

}  // namespace greenlight::server

#include "greenlight/server/static_site.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "greenlight/wire/published_layout.h"

namespace greenlight::server {
namespace fs = std::filesystem;

namespace {

struct FdCloser {
  int fd = -1;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

Error io_error(const std::string& what, const fs::path& path) {
  return Error{ErrorCode::kIo, what + " " + path.string() + ": " + std::strerror(errno)};
}

Status fsync_directory(const fs::path& dir) {
  FdCloser d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd < 0) return std::unexpected(io_error("cannot open directory", dir));
  if (::fsync(d.fd) != 0) return std::unexpected(io_error("cannot sync directory", dir));
  return ok();
}

std::string quoted_etag(const Sha256Digest& digest) { return "\"" + to_hex(digest) + "\""; }

bool etag_matches(std::string_view header, std::string_view etag) {
  // If-None-Match: "*" or a comma-separated list of (possibly weak) entity tags.
  std::size_t pos = 0;
  while (pos <= header.size()) {
    std::size_t comma = header.find(',', pos);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view item = header.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == "*" || item == etag) return true;
    pos = comma + 1;
  }
  return false;
}

}  // namespace

StaticSite::StaticSite(fs::path root, const Clock& clock) : root_(std::move(root)), clock_(clock) {}

void StaticSite::add_before_publish_hook(BeforePublishHook hook) {
  hooks_.push_back(std::move(hook));
}

// The published-path grammar is the shared contract (wire/published_layout.h).
bool StaticSite::valid_path(std::string_view path) { return wire::valid_published_path(path); }

Status StaticSite::write_atomically(const std::string& path, const std::string& bytes) {
  const fs::path target = root_ / path;
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec)
    return make_error(ErrorCode::kIo,
                      "cannot create " + target.parent_path().string() + ": " + ec.message());
  // Unique per process and call: several instances may write into one shared tree.
  static std::atomic<std::uint64_t> counter{0};
  const fs::path tmp = target.string() + ".tmp." + std::to_string(::getpid()) + "." +
                       std::to_string(counter.fetch_add(1));
  {
    FdCloser f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (f.fd < 0) return std::unexpected(io_error("cannot create", tmp));
    std::size_t written = 0;
    while (written < bytes.size()) {
      const ssize_t n = ::write(f.fd, bytes.data() + written, bytes.size() - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        return std::unexpected(io_error("cannot write", tmp));
      }
      written += static_cast<std::size_t>(n);
    }
    if (::fsync(f.fd) != 0) return std::unexpected(io_error("cannot sync", tmp));
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0)
    return std::unexpected(io_error("cannot rename", tmp));
  return fsync_directory(target.parent_path());
}

void StaticSite::cache(const std::string& path, std::shared_ptr<const std::string> bytes,
                       std::string content_type, std::string cache_control,
                       std::int64_t last_modified) {
  StaticFile f;
  f.etag = quoted_etag(sha256(as_bytes(*bytes)));
  f.bytes = std::move(bytes);
  f.content_type = std::move(content_type);
  f.cache_control = std::move(cache_control);
  f.last_modified = last_modified;
  std::unique_lock lock(mutex_);
  files_[path] = std::move(f);
}

Status StaticSite::publish(Publication publication) {
  if (!valid_path(publication.path)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "invalid publication path \"" + publication.path + "\"");
  }
  if (!publication.bytes)
    return make_error(ErrorCode::kInvalidArgument, "publication has no bytes");
  if (publication.sha256 == Sha256Digest{})
    publication.sha256 = sha256(as_bytes(*publication.bytes));
  for (const auto& hook : hooks_) {
    GL_RETURN_IF_ERROR(hook(publication));
  }
  GL_RETURN_IF_ERROR(write_atomically(publication.path, *publication.bytes));
  cache(publication.path, publication.bytes, publication.content_type, publication.cache_control,
        clock_.now_unix_seconds());
  return ok();
}

Status StaticSite::write_metadata(const std::string& path, std::string bytes,
                                  std::string content_type, std::string cache_control) {
  if (!valid_path(path))
    return make_error(ErrorCode::kInvalidArgument, "invalid path \"" + path + "\"");
  GL_RETURN_IF_ERROR(write_atomically(path, bytes));
  cache(path, std::make_shared<const std::string>(std::move(bytes)), std::move(content_type),
        std::move(cache_control), clock_.now_unix_seconds());
  return ok();
}

Status StaticSite::remove(const std::string& path) {
  if (!valid_path(path))
    return make_error(ErrorCode::kInvalidArgument, "invalid path \"" + path + "\"");
  {
    std::unique_lock lock(mutex_);
    files_.erase(path);
  }
  const fs::path target = root_ / path;
  if (::unlink(target.c_str()) != 0 && errno != ENOENT) {
    return std::unexpected(io_error("cannot delete", target));
  }
  return ok();
}

Status StaticSite::load(const std::string& path, std::string content_type,
                        std::string cache_control) {
  if (!valid_path(path))
    return make_error(ErrorCode::kInvalidArgument, "invalid path \"" + path + "\"");
  const fs::path target = root_ / path;
  std::ifstream in(target, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, "cannot read " + target.string());
  std::ostringstream data;
  data << in.rdbuf();
  struct stat st {};
  std::int64_t mtime = clock_.now_unix_seconds();
  if (::stat(target.c_str(), &st) == 0) mtime = static_cast<std::int64_t>(st.st_mtime);
  cache(path, std::make_shared<const std::string>(std::move(data).str()), std::move(content_type),
        std::move(cache_control), mtime);
  return ok();
}

void StaticSite::put(const std::string& path, std::string bytes, std::string content_type,
                     std::string cache_control) {
  cache(path, std::make_shared<const std::string>(std::move(bytes)), std::move(content_type),
        std::move(cache_control), clock_.now_unix_seconds());
}

void StaticSite::forget(const std::string& path) {
  std::unique_lock lock(mutex_);
  files_.erase(path);
}

std::vector<std::string> StaticSite::cached_paths(std::string_view prefix) const {
  std::vector<std::string> out;
  std::shared_lock lock(mutex_);
  for (auto it = files_.lower_bound(prefix); it != files_.end() && it->first.starts_with(prefix);
       ++it) {
    out.push_back(it->first);
  }
  return out;
}

void StaticSite::set_miss_handler(std::function<bool()> handler) {
  miss_handler_ = std::move(handler);
}

std::optional<StaticFile> StaticSite::find(const std::string& path) const {
  std::shared_lock lock(mutex_);
  auto it = files_.find(path);
  if (it == files_.end()) return std::nullopt;
  return it->second;
}

HttpResponse StaticSite::serve(const HttpRequest& request) const {
  std::string_view path = request.path;
  if (path.starts_with('/')) path.remove_prefix(1);
  std::optional<StaticFile> file;
  {
    std::shared_lock lock(mutex_);
    auto it = files_.find(path);
    if (it != files_.end()) file = it->second;
  }
  if (!file && miss_handler_ && valid_path(path)) {
    bool refresh = false;
    {
      // At most one refresh a second, whatever the request rate of missing paths.
      std::lock_guard lock(miss_mutex_);
      const auto now = std::chrono::steady_clock::now();
      if (now - last_miss_refresh_ >= std::chrono::seconds(1)) {
        last_miss_refresh_ = now;
        refresh = true;
      }
    }
    if (refresh && miss_handler_()) {
      std::shared_lock lock(mutex_);
      auto it = files_.find(path);
      if (it != files_.end()) file = it->second;
    }
  }
  if (!file) return error_response(Error{ErrorCode::kNotFound, "no such file"});
  HttpResponse r;
  r.content_type = file->content_type;
  r.set_header("ETag", file->etag);
  r.set_header("Last-Modified", http_date(file->last_modified));
  r.set_header("Cache-Control", file->cache_control);
  if (auto inm = request.header("If-None-Match"); inm && etag_matches(*inm, file->etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.body = file->bytes;
  return r;
}

}  // namespace greenlight::server

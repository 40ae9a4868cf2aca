#include "greenlight/client/exposure_store.h"

#include <algorithm>

#include "greenlight/client/clock.h"
#include "internal/device_rows.h"

namespace greenlight::client {
namespace {

Result<bool> exists(Database& db, std::string_view sql, const auto& bind) {
  auto st = db.cached(sql);
  GL_RETURN_IF_ERROR(st);
  bind(**st);
  auto row = (*st)->step();
  GL_RETURN_IF_ERROR(row);
  return *row;
}

// One stored window with its row id.
struct StoredWindow {
  std::int64_t id = 0;
  ExposureWindow window;
};

// Every window, opened with the store's cipher, in row order.
Result<std::vector<StoredWindow>> load_windows(Database& db) {
  auto st = db.cached("SELECT id, key_tag, sealed FROM exposure_window ORDER BY id");
  GL_RETURN_IF_ERROR(st);
  std::vector<StoredWindow> out;
  for (;;) {
    auto row = (*st)->step();
    GL_RETURN_IF_ERROR(row);
    if (!*row) break;
    auto plain =
        db.cipher().open(rows::kExposureWindow, (*st)->column_blob(1), (*st)->column_blob(2));
    GL_RETURN_IF_ERROR(plain);
    auto payload = rows::decode_window(plain->span());
    GL_RETURN_IF_ERROR(payload);
    out.push_back(StoredWindow{(*st)->column_int64(0), std::move(payload->window)});
  }
  return out;
}

Result<std::optional<std::int64_t>> load_test_time(Database& db) {
  auto st = db.cached("SELECT sealed FROM own_test WHERE id = 1");
  GL_RETURN_IF_ERROR(st);
  auto row = (*st)->step();
  GL_RETURN_IF_ERROR(row);
  if (!*row) return std::optional<std::int64_t>{};
  auto plain = db.cipher().open(rows::kOwnTest, {}, (*st)->column_blob(0));
  GL_RETURN_IF_ERROR(plain);
  return std::optional<std::int64_t>(rows::read_be64(plain->span()));
}

}  // namespace

Result<bool> ExposureStore::is_processed(const Sha256Digest& zip_sha256) {
  return exists(db_, "SELECT 1 FROM processed_export WHERE sha256 = ?1 LIMIT 1",
                [&](Statement& st) { st.bind(1, ByteSpan(zip_sha256)); });
}

Result<bool> ExposureStore::is_path_processed(std::string_view path) {
  return exists(db_, "SELECT 1 FROM processed_export WHERE path = ?1 LIMIT 1",
                [&](Statement& st) { st.bind_text(1, path); });
}

Status ExposureStore::mark_processed(const Sha256Digest& zip_sha256, std::string_view path,
                                     std::int64_t now) {
  auto st =
      db_.cached("INSERT INTO processed_export(sha256, path, processed_at) VALUES (?1, ?2, ?3)");
  GL_RETURN_IF_ERROR(st);
  (*st)->bind(1, ByteSpan(zip_sha256)).bind_text(2, path).bind(3, now);
  return (*st)->run();
}

Status ExposureStore::replace_windows(const KeyTag& tag, std::span<const ExposureWindow> windows,
                                      std::int64_t /*now*/) {
  GL_RETURN_IF_ERROR(delete_windows(tag));
  // The key tag would tell which published key matched: only its keyed lookup tag is stored.
  const Bytes lookup = db_.cipher().lookup_tag(rows::kExposureWindow, tag);
  auto st = db_.cached("INSERT INTO exposure_window(key_tag, sealed) VALUES (?1, ?2)");
  GL_RETURN_IF_ERROR(st);
  for (const ExposureWindow& w : windows) {
    auto sealed = db_.cipher().seal(rows::kExposureWindow, lookup, rows::encode_window(tag, w));
    GL_RETURN_IF_ERROR(sealed);
    (*st)->bind(1, ByteSpan(lookup)).bind(2, ByteSpan(*sealed));
    GL_RETURN_IF_ERROR((*st)->run());
  }
  return ok();
}

Status ExposureStore::delete_windows(const KeyTag& tag) {
  auto st = db_.cached("DELETE FROM exposure_window WHERE key_tag = ?1");
  GL_RETURN_IF_ERROR(st);
  (*st)->bind(1, ByteSpan(db_.cipher().lookup_tag(rows::kExposureWindow, tag)));
  return (*st)->run();
}

Result<std::vector<ExposureWindow>> ExposureStore::windows() {
  auto stored = load_windows(db_);
  GL_RETURN_IF_ERROR(stored);
  std::stable_sort(stored->begin(), stored->end(),
                   [](const StoredWindow& a, const StoredWindow& b) {
                     return a.window.start_time < b.window.start_time;
                   });
  std::vector<ExposureWindow> out;
  out.reserve(stored->size());
  for (auto& s : *stored) out.push_back(std::move(s.window));
  return out;
}

Status ExposureStore::set_positive_test(std::int64_t test_time) {
  auto sealed = db_.cipher().seal(rows::kOwnTest, {}, rows::be64(test_time));
  GL_RETURN_IF_ERROR(sealed);
  auto st = db_.cached("INSERT OR REPLACE INTO own_test(id, sealed) VALUES (1, ?1)");
  GL_RETURN_IF_ERROR(st);
  (*st)->bind(1, ByteSpan(*sealed));
  return (*st)->run();
}

Status ExposureStore::clear_positive_test() {
  auto st = db_.cached("DELETE FROM own_test");
  GL_RETURN_IF_ERROR(st);
  return (*st)->run();
}

Result<std::optional<std::int64_t>> ExposureStore::positive_test() { return load_test_time(db_); }

Status ExposureStore::delete_older_than(std::int64_t cutoff, std::int64_t keep_test_until_after) {
  {
    // Start times are sealed: the windows (a handful) are opened and deleted by id.
    auto stored = load_windows(db_);
    GL_RETURN_IF_ERROR(stored);
    auto st = db_.cached("DELETE FROM exposure_window WHERE id = ?1");
    GL_RETURN_IF_ERROR(st);
    for (const StoredWindow& w : *stored) {
      if (w.window.start_time >= cutoff) continue;
      (*st)->bind(1, w.id);
      GL_RETURN_IF_ERROR((*st)->run());
    }
  }
  {
    auto st = db_.cached("DELETE FROM processed_export WHERE processed_at < ?1");
    GL_RETURN_IF_ERROR(st);
    (*st)->bind(1, cutoff);
    GL_RETURN_IF_ERROR((*st)->run());
  }
  auto test_time = load_test_time(db_);
  GL_RETURN_IF_ERROR(test_time);
  if (*test_time && **test_time < cutoff && **test_time < keep_test_until_after) {
    return clear_positive_test();
  }
  return ok();
}

}  // namespace greenlight::client

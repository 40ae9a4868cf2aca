#include "greenlight/client/exposure_store.h"

#include <algorithm>

#include "greenlight/client/clock.h"

namespace greenlight::client {
namespace {

// Packed scan instance: u8 typical attenuation, u8 min attenuation, u16 LE seconds since
// the last scan.
constexpr std::size_t kPackedScanSize = 4;

std::uint8_t clamp_u8(std::int32_t v) { return static_cast<std::uint8_t>(std::clamp(v, 0, 255)); }

Bytes pack_scans(std::span<const ScanInstance> scans) {
  Bytes out;
  out.reserve(scans.size() * kPackedScanSize);
  for (const ScanInstance& s : scans) {
    const auto seconds =
        static_cast<std::uint16_t>(std::clamp(s.seconds_since_last_scan, 0, 65535));
    out.push_back(clamp_u8(s.typical_attenuation_db));
    out.push_back(clamp_u8(s.min_attenuation_db));
    out.push_back(static_cast<std::uint8_t>(seconds & 0xffU));
    out.push_back(static_cast<std::uint8_t>(seconds >> 8));
  }
  return out;
}

std::vector<ScanInstance> unpack_scans(ByteSpan blob) {
  std::vector<ScanInstance> out;
  for (std::size_t i = 0; i + kPackedScanSize <= blob.size(); i += kPackedScanSize) {
    ScanInstance s;
    s.typical_attenuation_db = blob[i];
    s.min_attenuation_db = blob[i + 1];
    s.seconds_since_last_scan = blob[i + 2] | (blob[i + 3] << 8);
    out.push_back(s);
  }
  return out;
}

Result<bool> exists(Database& db, std::string_view sql, const auto& bind) {
  auto st = db.cached(sql);
  GL_RETURN_IF_ERROR(st);
  bind(**st);
  auto row = (*st)->step();
  GL_RETURN_IF_ERROR(row);
  return *row;
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
                                      std::int64_t now) {
  GL_RETURN_IF_ERROR(delete_windows(tag));
  auto st = db_.cached(
      "INSERT INTO exposure_window(key_tag, start_time, report_type, days_since_onset, "
      "calibration_confidence, scans, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  GL_RETURN_IF_ERROR(st);
  for (const ExposureWindow& w : windows) {
    (*st)
        ->bind(1, ByteSpan(tag))
        .bind(2, w.start_time)
        .bind(3, static_cast<std::int64_t>(w.report_type))
        .bind(5, static_cast<std::int64_t>(w.calibration_confidence))
        .bind(6, pack_scans(w.scans))
        .bind(7, now);
    if (w.days_since_onset) {
      (*st)->bind(4, static_cast<std::int64_t>(*w.days_since_onset));
    } else {
      (*st)->bind_null(4);
    }
    GL_RETURN_IF_ERROR((*st)->run());
  }
  return ok();
}

Status ExposureStore::delete_windows(const KeyTag& tag) {
  auto st = db_.cached("DELETE FROM exposure_window WHERE key_tag = ?1");
  GL_RETURN_IF_ERROR(st);
  (*st)->bind(1, ByteSpan(tag));
  return (*st)->run();
}

Result<std::vector<ExposureWindow>> ExposureStore::windows() {
  auto st = db_.cached(
      "SELECT start_time, report_type, days_since_onset, calibration_confidence, scans "
      "FROM exposure_window ORDER BY start_time, id");
  GL_RETURN_IF_ERROR(st);
  std::vector<ExposureWindow> out;
  for (;;) {
    auto row = (*st)->step();
    GL_RETURN_IF_ERROR(row);
    if (!*row) break;
    ExposureWindow w;
    w.start_time = (*st)->column_int64(0);
    w.day = utc_day_start(w.start_time);
    const std::int64_t type = (*st)->column_int64(1);
    w.report_type = (type >= 0 && type <= 5) ? static_cast<ReportType>(type) : ReportType::kUnknown;
    if (!(*st)->column_is_null(2)) {
      w.days_since_onset = static_cast<std::int32_t>((*st)->column_int64(2));
    }
    w.calibration_confidence = static_cast<std::uint8_t>((*st)->column_int64(3) & 0x3);
    w.scans = unpack_scans((*st)->column_blob(4));
    out.push_back(std::move(w));
  }
  return out;
}

Status ExposureStore::set_positive_test(std::int64_t test_time) {
  auto st = db_.cached("INSERT OR REPLACE INTO own_test(id, test_time) VALUES (1, ?1)");
  GL_RETURN_IF_ERROR(st);
  (*st)->bind(1, test_time);
  return (*st)->run();
}

Status ExposureStore::clear_positive_test() {
  auto st = db_.cached("DELETE FROM own_test");
  GL_RETURN_IF_ERROR(st);
  return (*st)->run();
}

Result<std::optional<std::int64_t>> ExposureStore::positive_test() {
  auto st = db_.cached("SELECT test_time FROM own_test WHERE id = 1");
  GL_RETURN_IF_ERROR(st);
  auto row = (*st)->step();
  GL_RETURN_IF_ERROR(row);
  if (!*row) return std::optional<std::int64_t>{};
  return std::optional<std::int64_t>((*st)->column_int64(0));
}

Status ExposureStore::delete_older_than(std::int64_t cutoff, std::int64_t keep_test_until_after) {
  {
    auto st = db_.cached("DELETE FROM exposure_window WHERE start_time < ?1");
    GL_RETURN_IF_ERROR(st);
    (*st)->bind(1, cutoff);
    GL_RETURN_IF_ERROR((*st)->run());
  }
  {
    auto st = db_.cached("DELETE FROM processed_export WHERE processed_at < ?1");
    GL_RETURN_IF_ERROR(st);
    (*st)->bind(1, cutoff);
    GL_RETURN_IF_ERROR((*st)->run());
  }
  auto st = db_.cached("DELETE FROM own_test WHERE test_time < ?1 AND test_time < ?2");
  GL_RETURN_IF_ERROR(st);
  (*st)->bind(1, cutoff).bind(2, keep_test_until_after);
  return (*st)->run();
}

}  // namespace greenlight::client

#include "internal/store_migration.h"

#include <string>

#include "greenlight/crypto/random.h"
#include "internal/device_rows.h"

namespace greenlight::client {
namespace {

// The version-2 tables, created under a temporary name and renamed once filled.
constexpr std::string_view kNextTables = R"sql(
CREATE TABLE own_tek_next(
  id INTEGER PRIMARY KEY,
  rolling_start_interval INTEGER NOT NULL,
  rolling_period INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  sealed BLOB NOT NULL);
CREATE TABLE encounter_next(
  tag BLOB PRIMARY KEY NOT NULL,
  bucket INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  scan_count INTEGER NOT NULL,
  max_rssi INTEGER NOT NULL,
  sealed BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE exposure_window_next(
  id INTEGER PRIMARY KEY,
  key_tag BLOB NOT NULL,
  sealed BLOB NOT NULL);
CREATE TABLE own_test_next(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  sealed BLOB NOT NULL);
)sql";

constexpr std::string_view kSwapTables = R"sql(
DROP TABLE own_tek;
DROP TABLE encounter;
DROP TABLE exposure_window;
DROP TABLE own_test;
ALTER TABLE own_tek_next RENAME TO own_tek;
ALTER TABLE encounter_next RENAME TO encounter;
ALTER TABLE exposure_window_next RENAME TO exposure_window;
ALTER TABLE own_test_next RENAME TO own_test;
CREATE INDEX encounter_by_bucket ON encounter(bucket, scan_count, max_rssi);
CREATE INDEX exposure_window_by_key ON exposure_window(key_tag);
CREATE TABLE IF NOT EXISTS store_meta(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  encrypted INTEGER NOT NULL,
  salt BLOB NOT NULL,
  verifier BLOB NOT NULL,
  scrub_pending INTEGER NOT NULL);
)sql";

struct StoreMeta {
  bool encrypted = false;
  Bytes salt;
  Bytes verifier;
  bool scrub_pending = false;
};

Result<std::optional<StoreMeta>> read_meta(Database& db) {
  auto st =
      db.prepare("SELECT encrypted, salt, verifier, scrub_pending FROM store_meta WHERE id = 1");
  GL_RETURN_IF_ERROR(st);
  auto row = st->step();
  GL_RETURN_IF_ERROR(row);
  if (!*row) return std::optional<StoreMeta>{};
  StoreMeta meta;
  meta.encrypted = st->column_int64(0) != 0;
  const ByteSpan salt = st->column_blob(1);
  const ByteSpan verifier = st->column_blob(2);
  meta.salt.assign(salt.begin(), salt.end());
  meta.verifier.assign(verifier.begin(), verifier.end());
  meta.scrub_pending = st->column_int64(3) != 0;
  return std::optional<StoreMeta>(std::move(meta));
}

// Copies every row of the source tables (version 1 in the clear, or version 2 under from)
// into the *_next tables under to.
class Rebuild {
 public:
  Rebuild(Database& db, bool from_version1, const StoreCipher& from, const StoreCipher& to,
          const MigrationObserver& observer)
      : db_(db), v1_(from_version1), from_(from), to_(to), observer_(observer) {}

  Status run() {
    GL_RETURN_IF_ERROR(own_teks());
    GL_RETURN_IF_ERROR(encounters());
    GL_RETURN_IF_ERROR(windows());
    GL_RETURN_IF_ERROR(own_test());
    return upload_state();
  }

 private:
  Status wrote() {
    ++rows_;
    if (observer_) observer_(rows_);
    return ok();
  }

  // Steps through sql's rows, calling each(statement) per row.
  template <typename Each>
  Status for_rows(std::string_view sql, Each&& each) {
    auto st = db_.prepare(sql);
    GL_RETURN_IF_ERROR(st);
    for (;;) {
      auto row = st->step();
      GL_RETURN_IF_ERROR(row);
      if (!*row) return ok();
      GL_RETURN_IF_ERROR(each(*st));
      GL_RETURN_IF_ERROR(wrote());
    }
  }

  Status own_teks() {
    auto insert = db_.prepare(
        "INSERT INTO own_tek_next(id, rolling_start_interval, rolling_period, created_at, sealed) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    GL_RETURN_IF_ERROR(insert);
    const std::string_view select =
        v1_ ? "SELECT id, rolling_start_interval, rolling_period, created_at, key_data FROM own_tek"
            : "SELECT id, rolling_start_interval, rolling_period, created_at, sealed FROM own_tek";
    return for_rows(select, [&](Statement& row) -> Status {
      const std::int64_t start = row.column_int64(1);
      const auto context = rows::be64(start);
      auto key = v1_ ? Result<SecretBytes>(SecretBytes(row.column_blob(4)))
                     : from_.open(rows::kOwnTek, context, row.column_blob(4));
      GL_RETURN_IF_ERROR(key);
      auto sealed = to_.seal(rows::kOwnTek, context, key->span());
      GL_RETURN_IF_ERROR(sealed);
      insert->bind(1, row.column_int64(0))
          .bind(2, start)
          .bind(3, row.column_int64(2))
          .bind(4, row.column_int64(3))
          .bind(5, ByteSpan(*sealed));
      return insert->run();
    });
  }

  Status encounters() {
    auto insert = db_.prepare(
        "INSERT INTO encounter_next(tag, bucket, first_seen, last_seen, scan_count, max_rssi, "
        "sealed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    GL_RETURN_IF_ERROR(insert);
    const std::string_view select =
        v1_ ? "SELECT bucket, first_seen, last_seen, scan_count, max_rssi, rpi, aem, scans "
              "FROM encounter"
            : "SELECT bucket, first_seen, last_seen, scan_count, max_rssi, tag, sealed "
              "FROM encounter";
    return for_rows(select, [&](Statement& row) -> Status {
      Bytes plain;
      if (v1_) {
        const ByteSpan rpi = row.column_blob(5);
        const ByteSpan aem = row.column_blob(6);
        if (rpi.size() != Rpi{}.size() || aem.size() != Aem{}.size()) {
          return make_error(ErrorCode::kInternal, "version-1 encounter row with rpi of " +
                                                      std::to_string(rpi.size()) + " bytes");
        }
        plain.assign(rpi.begin(), rpi.end());
        plain.insert(plain.end(), aem.begin(), aem.end());
        const ByteSpan scans = row.column_blob(7);
        plain.insert(plain.end(), scans.begin(), scans.end());
      } else {
        auto opened = from_.open(rows::kEncounter, row.column_blob(5), row.column_blob(6));
        GL_RETURN_IF_ERROR(opened);
        plain.assign(opened->span().begin(), opened->span().end());
      }
      auto payload = rows::decode_encounter(plain);
      secure_wipe(plain.data(), plain.size());
      GL_RETURN_IF_ERROR(payload);
      const Bytes tag = to_.lookup_tag(rows::kEncounter, payload->rpi);
      const Bytes encoded = rows::encode_encounter(payload->rpi, payload->aem, payload->scans);
      auto sealed = to_.seal(rows::kEncounter, tag, encoded);
      GL_RETURN_IF_ERROR(sealed);
      insert->bind(1, ByteSpan(tag))
          .bind(2, row.column_int64(0))
          .bind(3, row.column_int64(1))
          .bind(4, row.column_int64(2))
          .bind(5, row.column_int64(3))
          .bind(6, row.column_int64(4))
          .bind(7, ByteSpan(*sealed));
      return insert->run();
    });
  }

  Status windows() {
    auto insert =
        db_.prepare("INSERT INTO exposure_window_next(id, key_tag, sealed) VALUES (?1, ?2, ?3)");
    GL_RETURN_IF_ERROR(insert);
    const std::string_view select =
        v1_ ? "SELECT id, key_tag, start_time, report_type, days_since_onset, "
              "calibration_confidence, scans FROM exposure_window"
            : "SELECT id, key_tag, sealed FROM exposure_window";
    return for_rows(select, [&](Statement& row) -> Status {
      rows::WindowPayload payload;
      if (v1_) {
        const ByteSpan tag = row.column_blob(1);
        if (tag.size() != payload.tag.size()) {
          return make_error(ErrorCode::kInternal, "version-1 exposure window with a key tag of " +
                                                      std::to_string(tag.size()) + " bytes");
        }
        std::copy(tag.begin(), tag.end(), payload.tag.begin());
        // The version-1 columns hold the window's fields; the packed scans have the same
        // layout in both versions, so the decoder reads them from a version-2 payload.
        ExposureWindow w;
        w.start_time = row.column_int64(2);
        const std::int64_t type = row.column_int64(3);
        w.report_type =
            (type >= 0 && type <= 5) ? static_cast<ReportType>(type) : ReportType::kUnknown;
        if (!row.column_is_null(4)) {
          w.days_since_onset = static_cast<std::int32_t>(row.column_int64(4));
        }
        w.calibration_confidence = static_cast<std::uint8_t>(row.column_int64(5) & 0x3);
        Bytes with_scans = rows::encode_window(payload.tag, w);
        const ByteSpan scans = row.column_blob(6);
        with_scans.insert(with_scans.end(), scans.begin(), scans.end());
        auto decoded = rows::decode_window(with_scans);
        GL_RETURN_IF_ERROR(decoded);
        payload = std::move(*decoded);
      } else {
        auto opened = from_.open(rows::kExposureWindow, row.column_blob(1), row.column_blob(2));
        GL_RETURN_IF_ERROR(opened);
        auto decoded = rows::decode_window(opened->span());
        GL_RETURN_IF_ERROR(decoded);
        payload = std::move(*decoded);
      }
      const Bytes tag = to_.lookup_tag(rows::kExposureWindow, payload.tag);
      auto sealed =
          to_.seal(rows::kExposureWindow, tag, rows::encode_window(payload.tag, payload.window));
      GL_RETURN_IF_ERROR(sealed);
      insert->bind(1, row.column_int64(0)).bind(2, ByteSpan(tag)).bind(3, ByteSpan(*sealed));
      return insert->run();
    });
  }

  Status own_test() {
    auto insert = db_.prepare("INSERT INTO own_test_next(id, sealed) VALUES (1, ?1)");
    GL_RETURN_IF_ERROR(insert);
    const std::string_view select = v1_ ? "SELECT test_time FROM own_test WHERE id = 1"
                                        : "SELECT sealed FROM own_test WHERE id = 1";
    return for_rows(select, [&](Statement& row) -> Status {
      std::int64_t test_time = 0;
      if (v1_) {
        test_time = row.column_int64(0);
      } else {
        auto opened = from_.open(rows::kOwnTest, {}, row.column_blob(0));
        GL_RETURN_IF_ERROR(opened);
        test_time = rows::read_be64(opened->span());
      }
      auto sealed = to_.seal(rows::kOwnTest, {}, rows::be64(test_time));
      GL_RETURN_IF_ERROR(sealed);
      insert->bind(1, ByteSpan(*sealed));
      return insert->run();
    });
  }

  // An unfinished upload keeps the own keys and the HMAC key sealed (uploader.cpp); its table
  // exists once the uploader was opened.
  Status upload_state() {
    auto exists =
        db_.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'upload_state'");
    GL_RETURN_IF_ERROR(exists);
    auto found = exists->step();
    GL_RETURN_IF_ERROR(found);
    if (!*found) return ok();
    auto update = db_.prepare("UPDATE upload_state SET hmac_key = ?1, keys = ?2 WHERE id = 1");
    GL_RETURN_IF_ERROR(update);
    return for_rows("SELECT hmac_key, keys FROM upload_state WHERE id = 1",
                    [&](Statement& row) -> Status {
                      auto hmac_key = reseal(rows::kUploadHmacKey, row.column_blob(0));
                      GL_RETURN_IF_ERROR(hmac_key);
                      auto keys = reseal(rows::kUploadKeys, row.column_blob(1));
                      GL_RETURN_IF_ERROR(keys);
                      update->bind(1, ByteSpan(*hmac_key)).bind(2, ByteSpan(*keys));
                      return update->run();
                    });
  }

  // A finished upload keeps empty values, which stay empty.
  Result<Bytes> reseal(std::string_view label, ByteSpan value) {
    if (value.empty()) return Bytes{};
    auto plain = from_.open(label, {}, value);
    GL_RETURN_IF_ERROR(plain);
    return to_.seal(label, {}, plain->span());
  }

  Database& db_;
  bool v1_;
  const StoreCipher& from_;
  const StoreCipher& to_;
  const MigrationObserver& observer_;
  std::int64_t rows_ = 0;
};

Status write_meta(Database& db, const StoreCipher& cipher, ByteSpan salt, bool scrub_pending) {
  auto st = db.prepare(
      "INSERT OR REPLACE INTO store_meta(id, encrypted, salt, verifier, scrub_pending) "
      "VALUES (1, ?1, ?2, ?3, ?4)");
  GL_RETURN_IF_ERROR(st);
  st->bind(1, cipher.encrypted() ? 1 : 0)
      .bind(2, salt)
      .bind(3, ByteSpan(cipher.verifier()))
      .bind(4, scrub_pending ? 1 : 0);
  return st->run();
}

// Rebuilds the sensitive tables under to, in one transaction.
Status rebuild(Database& db, bool from_version1, const StoreCipher& from, const StoreCipher& to,
               ByteSpan salt, const MigrationObserver& observer) {
  auto tx = Transaction::begin(db);
  GL_RETURN_IF_ERROR(tx);
  GL_RETURN_IF_ERROR(db.exec(kNextTables));
  Rebuild copy(db, from_version1, from, to, observer);
  GL_RETURN_IF_ERROR(copy.run());
  GL_RETURN_IF_ERROR(db.exec(kSwapTables));
  GL_RETURN_IF_ERROR(write_meta(db, to, salt, to.encrypted()));
  GL_RETURN_IF_ERROR(db.exec("PRAGMA user_version = " + std::to_string(kDeviceStoreSchemaVersion)));
  GL_RETURN_IF_ERROR(tx->commit());
  if (observer) observer(-1);
  return ok();
}

// Leaves no plaintext of the old tables in the file or the WAL: secure_delete has zeroed the
// freed pages; VACUUM rewrites the file without them and the truncating checkpoint empties
// the WAL.
Status scrub(Database& db) {
  GL_RETURN_IF_ERROR(db.checkpoint_truncate());
  GL_RETURN_IF_ERROR(db.exec("VACUUM"));
  GL_RETURN_IF_ERROR(db.exec("UPDATE store_meta SET scrub_pending = 0 WHERE id = 1"));
  return db.checkpoint_truncate();
}

}  // namespace

Result<StoreCipher> open_device_store(Database& db, const std::optional<StoreKey>& key,
                                      const MigrationObserver& observer) {
  auto version = db.schema_version();
  GL_RETURN_IF_ERROR(version);
  if (*version > kDeviceStoreSchemaVersion) {
    return make_error(ErrorCode::kFailedPrecondition,
                      "database schema version " + std::to_string(*version) +
                          " is newer than this library (" +
                          std::to_string(kDeviceStoreSchemaVersion) + ")");
  }
  std::optional<StoreMeta> meta;
  if (*version == kDeviceStoreSchemaVersion) {
    auto read = read_meta(db);
    GL_RETURN_IF_ERROR(read);
    if (!*read) {
      return make_error(ErrorCode::kInternal, "device store of version 2 without store_meta");
    }
    meta = std::move(*read);
  }

  if (meta && meta->encrypted) {
    if (!key) {
      return make_error(ErrorCode::kFailedPrecondition,
                        "the device database is encrypted: open it with its store key");
    }
    auto cipher = StoreCipher::derive(*key, meta->salt);
    GL_RETURN_IF_ERROR(cipher);
    if (!cipher->matches(meta->verifier)) {
      return make_error(ErrorCode::kAuthentication,
                        "wrong store key: it does not open this device database");
    }
    if (meta->scrub_pending) {
      GL_RETURN_IF_ERROR(scrub(db));
    }
    return cipher;
  }
  if (meta && !key) return StoreCipher{};

  // Version 1 (earlier release or new file), or a plaintext store that gets a key now.
  StoreCipher to;
  ByteArray<kStoreSaltSize> salt{};
  if (key) {
    system_random().fill(salt);
    auto derived = StoreCipher::derive(*key, salt);
    GL_RETURN_IF_ERROR(derived);
    to = std::move(*derived);
  }
  GL_RETURN_IF_ERROR(rebuild(db, !meta.has_value(), StoreCipher{}, to, salt, observer));
  if (to.encrypted()) {
    GL_RETURN_IF_ERROR(scrub(db));
  }
  return to;
}

}  // namespace greenlight::client

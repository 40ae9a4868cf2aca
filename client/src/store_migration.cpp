#include "internal/store_migration.h"

#include <string>

#include "greenlight/crypto/random.h"
#include "internal/device_rows.h"

namespace greenlight::client {
namespace {

// The version-4 tables, created under a temporary name and renamed once filled.
constexpr std::string_view kNextTables = R"sql(
CREATE TABLE own_tek_next(
  id INTEGER PRIMARY KEY,
  sealed BLOB NOT NULL);
CREATE TABLE encounter_next(
  tag BLOB PRIMARY KEY NOT NULL,
  sealed BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE scan_next(
  id INTEGER PRIMARY KEY,
  sealed BLOB NOT NULL);
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
DROP TABLE scan;
DROP TABLE exposure_window;
DROP TABLE own_test;
ALTER TABLE own_tek_next RENAME TO own_tek;
ALTER TABLE encounter_next RENAME TO encounter;
ALTER TABLE scan_next RENAME TO scan;
ALTER TABLE exposure_window_next RENAME TO exposure_window;
ALTER TABLE own_test_next RENAME TO own_test;
CREATE INDEX exposure_window_by_key ON exposure_window(key_tag);
CREATE TABLE IF NOT EXISTS store_meta(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  encrypted INTEGER NOT NULL,
  salt BLOB NOT NULL,
  verifier BLOB NOT NULL,
  scrub_pending INTEGER NOT NULL);
)sql";

// venue_warning_match (created by the check-in store, checkin_store.cpp) when it exists.
constexpr std::string_view kVenueMatchNext = R"sql(
CREATE TABLE venue_warning_match_next(
  id INTEGER PRIMARY KEY,
  checkin_id INTEGER NOT NULL,
  sealed BLOB NOT NULL);
)sql";
constexpr std::string_view kVenueMatchSwap = R"sql(
DROP TABLE venue_warning_match;
ALTER TABLE venue_warning_match_next RENAME TO venue_warning_match;
CREATE INDEX venue_warning_match_by_checkin ON venue_warning_match(checkin_id);
)sql";

Result<bool> table_exists(Database& db, std::string_view name) {
  auto st = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  GL_RETURN_IF_ERROR(st);
  st->bind_text(1, name);
  return st->step();
}

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

// Copies every row of the source tables (version 1 in the clear, versions 2 to 4 under from)
// into the version-4 *_next tables under to.
class Rebuild {
 public:
  Rebuild(Database& db, std::int64_t from_version, const StoreCipher& from, const StoreCipher& to,
          const MigrationObserver& observer)
      : db_(db), version_(from_version), from_(from), to_(to), observer_(observer) {}

  Status run() {
    GL_RETURN_IF_ERROR(own_teks());
    GL_RETURN_IF_ERROR(encounters());
    GL_RETURN_IF_ERROR(scans());
    GL_RETURN_IF_ERROR(windows());
    GL_RETURN_IF_ERROR(own_test());
    GL_RETURN_IF_ERROR(upload_state());
    return venue_matches();
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

  // Before version 4 the start and period were clear columns and the key was sealed under
  // BE64(start); version 4 seals all three (device_rows.h).
  Status own_teks() {
    auto insert = db_.prepare("INSERT INTO own_tek_next(id, sealed) VALUES (?1, ?2)");
    GL_RETURN_IF_ERROR(insert);
    const std::string_view select =
        version_ == 1  ? "SELECT id, key_data, rolling_start_interval, rolling_period FROM own_tek"
        : version_ < 4 ? "SELECT id, sealed, rolling_start_interval, rolling_period FROM own_tek"
                       : "SELECT id, sealed FROM own_tek";
    return for_rows(select, [&](Statement& row) -> Status {
      TemporaryExposureKey key;
      if (version_ < 4) {
        const std::int64_t start = row.column_int64(2);
        auto data = version_ == 1
                        ? Result<SecretBytes>(SecretBytes(row.column_blob(1)))
                        : from_.open(rows::kOwnTek, rows::be64(start), row.column_blob(1));
        GL_RETURN_IF_ERROR(data);
        GL_ASSIGN_OR_RETURN(key.key_data, Tek::from_span(data->span()));
        key.rolling_start_interval_number = {static_cast<std::uint32_t>(start)};
        key.rolling_period = static_cast<std::uint32_t>(row.column_int64(3));
      } else {
        GL_ASSIGN_OR_RETURN(auto plain, from_.open(rows::kOwnTek, {}, row.column_blob(1)));
        GL_ASSIGN_OR_RETURN(key, rows::decode_own_key(plain.span()));
      }
      const SecretBytes plain = rows::encode_own_key(key);
      GL_ASSIGN_OR_RETURN(const Bytes sealed, to_.seal(rows::kOwnTek, {}, plain.span()));
      insert->bind(1, row.column_int64(0)).bind(2, ByteSpan(sealed));
      return insert->run();
    });
  }

  // The encounter row's payload as the source version stores it.
  Result<rows::EncounterPayload> source_encounter(Statement& row) {
    if (version_ == 1) {
      // first_seen, rpi, aem, scans
      const ByteSpan rpi = row.column_blob(1);
      const ByteSpan aem = row.column_blob(2);
      if (rpi.size() != Rpi{}.size() || aem.size() != Aem{}.size()) {
        return make_error(ErrorCode::kInternal, "version-1 encounter row with rpi of " +
                                                    std::to_string(rpi.size()) + " bytes");
      }
      Bytes plain(rpi.begin(), rpi.end());
      plain.insert(plain.end(), aem.begin(), aem.end());
      const ByteSpan scans = row.column_blob(3);
      plain.insert(plain.end(), scans.begin(), scans.end());
      return rows::decode_encounter_v2(plain, row.column_int64(0));
    }
    // Version 2: first_seen, tag, sealed (rpi | aem | sightings); from version 3: tag, sealed.
    const int tag_column = version_ == 2 ? 1 : 0;
    auto opened =
        from_.open(rows::kEncounter, row.column_blob(tag_column), row.column_blob(tag_column + 1));
    GL_RETURN_IF_ERROR(opened);
    if (version_ == 2) return rows::decode_encounter_v2(opened->span(), row.column_int64(0));
    return rows::decode_encounter(opened->span());
  }

  Status encounters() {
    auto insert = db_.prepare("INSERT INTO encounter_next(tag, sealed) VALUES (?1, ?2)");
    GL_RETURN_IF_ERROR(insert);
    const std::string_view select =
        version_ == 1   ? "SELECT first_seen, rpi, aem, scans FROM encounter"
        : version_ == 2 ? "SELECT first_seen, tag, sealed FROM encounter"
                        : "SELECT tag, sealed FROM encounter";
    return for_rows(select, [&](Statement& row) -> Status {
      GL_ASSIGN_OR_RETURN(auto payload, source_encounter(row));
      const Bytes tag = to_.lookup_tag(rows::kEncounter, payload.rpi);
      Bytes encoded =
          rows::encode_encounter(payload.rpi, payload.aem, payload.first_seen, payload.scans);
      auto sealed = to_.seal(rows::kEncounter, tag, encoded);
      secure_wipe(encoded.data(), encoded.size());
      GL_RETURN_IF_ERROR(sealed);
      insert->bind(1, ByteSpan(tag)).bind(2, ByteSpan(*sealed));
      return insert->run();
    });
  }

  Status scans() {
    auto insert = db_.prepare("INSERT INTO scan_next(sealed) VALUES (?1)");
    GL_RETURN_IF_ERROR(insert);
    const std::string_view select = version_ < 3 ? "SELECT time FROM scan ORDER BY time"
                                                 : "SELECT sealed FROM scan ORDER BY id";
    return for_rows(select, [&](Statement& row) -> Status {
      std::int64_t time = 0;
      if (version_ < 3) {
        time = row.column_int64(0);
      } else {
        GL_ASSIGN_OR_RETURN(auto plain, from_.open(rows::kScan, {}, row.column_blob(0)));
        time = rows::read_be64(plain.span());
      }
      GL_ASSIGN_OR_RETURN(auto sealed, to_.seal(rows::kScan, {}, rows::be64(time)));
      insert->bind(1, ByteSpan(sealed));
      return insert->run();
    });
  }

  Status windows() {
    auto insert =
        db_.prepare("INSERT INTO exposure_window_next(id, key_tag, sealed) VALUES (?1, ?2, ?3)");
    GL_RETURN_IF_ERROR(insert);
    const std::string_view select =
        version_ == 1 ? "SELECT id, key_tag, start_time, report_type, days_since_onset, "
                        "calibration_confidence, scans FROM exposure_window"
                      : "SELECT id, key_tag, sealed FROM exposure_window";
    return for_rows(select, [&](Statement& row) -> Status {
      rows::WindowPayload payload;
      if (version_ == 1) {
        const ByteSpan tag = row.column_blob(1);
        if (tag.size() != payload.tag.size()) {
          return make_error(ErrorCode::kInternal, "version-1 exposure window with a key tag of " +
                                                      std::to_string(tag.size()) + " bytes");
        }
        std::copy(tag.begin(), tag.end(), payload.tag.begin());
        // The version-1 columns hold the window's fields; the packed scans have the same
        // layout in all versions, so the decoder reads them from a version-3 payload.
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
    const std::string_view select = version_ == 1 ? "SELECT test_time FROM own_test WHERE id = 1"
                                                  : "SELECT sealed FROM own_test WHERE id = 1";
    return for_rows(select, [&](Statement& row) -> Status {
      std::int64_t test_time = 0;
      if (version_ == 1) {
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

  // An unfinished upload keeps its secrets sealed (uploader.cpp); the table exists once the
  // uploader was opened. Before version 3 the code, token and certificate were in the clear.
  Status upload_state() {
    GL_ASSIGN_OR_RETURN(const bool exists, table_exists(db_, "upload_state"));
    if (!exists) return ok();
    auto update = db_.prepare(
        "UPDATE upload_state SET hmac_key = ?1, keys = ?2, code = ?3, token = ?4, "
        "certificate = ?5 WHERE id = 1");
    GL_RETURN_IF_ERROR(update);
    return for_rows(
        "SELECT hmac_key, keys, code, token, certificate FROM upload_state WHERE id = 1",
        [&](Statement& row) -> Status {
          GL_ASSIGN_OR_RETURN(auto hmac_key, reseal(rows::kUploadHmacKey, row.column_blob(0)));
          GL_ASSIGN_OR_RETURN(auto keys, reseal(rows::kUploadKeys, row.column_blob(1)));
          const bool clear = version_ < 3;
          GL_ASSIGN_OR_RETURN(auto code, reseal(rows::kUploadCode, row.column_blob(2), clear));
          GL_ASSIGN_OR_RETURN(auto token, reseal(rows::kUploadToken, row.column_blob(3), clear));
          GL_ASSIGN_OR_RETURN(auto certificate,
                              reseal(rows::kUploadCertificate, row.column_blob(4), clear));
          update->bind(1, ByteSpan(hmac_key))
              .bind(2, ByteSpan(keys))
              .bind(3, ByteSpan(code))
              .bind(4, ByteSpan(token))
              .bind(5, ByteSpan(certificate));
          return update->run();
        });
  }

  // A finished upload keeps empty values, which stay empty. clear: the source value was
  // stored in the clear.
  Result<Bytes> reseal(std::string_view label, ByteSpan value, bool clear = false) {
    if (value.empty()) return Bytes{};
    if (clear) return to_.seal(label, {}, value);
    auto plain = from_.open(label, {}, value);
    GL_RETURN_IF_ERROR(plain);
    return to_.seal(label, {}, plain->span());
  }

  // Matched venue warnings: (checkin_id, day, minutes) in the clear before version 3.
  Status venue_matches() {
    GL_ASSIGN_OR_RETURN(const bool exists, table_exists(db_, "venue_warning_match"));
    if (!exists) return ok();
    GL_RETURN_IF_ERROR(db_.exec(kVenueMatchNext));
    auto insert =
        db_.prepare("INSERT INTO venue_warning_match_next(checkin_id, sealed) VALUES (?1, ?2)");
    GL_RETURN_IF_ERROR(insert);
    const std::string_view select =
        version_ < 3 ? "SELECT checkin_id, day, overlap_minutes FROM venue_warning_match"
                     : "SELECT checkin_id, sealed FROM venue_warning_match";
    GL_RETURN_IF_ERROR(for_rows(select, [&](Statement& row) -> Status {
      const std::int64_t checkin_id = row.column_int64(0);
      const auto context = rows::be64(checkin_id);
      rows::VenueMatchPayload match;
      if (version_ < 3) {
        match = {row.column_int64(1), row.column_int64(2)};
      } else {
        GL_ASSIGN_OR_RETURN(auto plain,
                            from_.open(rows::kVenueWarningMatch, context, row.column_blob(1)));
        GL_ASSIGN_OR_RETURN(match, rows::decode_venue_match(plain.span()));
      }
      GL_ASSIGN_OR_RETURN(auto sealed, to_.seal(rows::kVenueWarningMatch, context,
                                                rows::encode_venue_match(match)));
      insert->bind(1, checkin_id).bind(2, ByteSpan(sealed));
      return insert->run();
    }));
    return db_.exec(kVenueMatchSwap);
  }

  Database& db_;
  std::int64_t version_;
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
Status rebuild(Database& db, std::int64_t from_version, const StoreCipher& from,
               const StoreCipher& to, ByteSpan salt, const MigrationObserver& observer) {
  auto tx = Transaction::begin(db);
  GL_RETURN_IF_ERROR(tx);
  GL_RETURN_IF_ERROR(db.exec(kNextTables));
  Rebuild copy(db, from_version, from, to, observer);
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
  if (*version >= 2) {
    auto read = read_meta(db);
    GL_RETURN_IF_ERROR(read);
    if (!*read) {
      return make_error(ErrorCode::kInternal, "device store of version " +
                                                  std::to_string(*version) + " without store_meta");
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
    if (*version < kDeviceStoreSchemaVersion) {
      // Version 2 kept encounter times, RSSI and scan times in the clear, version 3 the own
      // keys' days: reseal them.
      GL_RETURN_IF_ERROR(rebuild(db, *version, *cipher, *cipher, meta->salt, observer));
      GL_RETURN_IF_ERROR(scrub(db));
    } else if (meta->scrub_pending) {
      GL_RETURN_IF_ERROR(scrub(db));
    }
    return cipher;
  }
  if (meta && !key) {
    if (*version < kDeviceStoreSchemaVersion) {
      GL_RETURN_IF_ERROR(rebuild(db, *version, StoreCipher{}, StoreCipher{},
                                 ByteArray<kStoreSaltSize>{}, observer));
    }
    return StoreCipher{};
  }

  // Version 1 (earlier release or new file), or a plaintext store that gets a key now.
  StoreCipher to;
  ByteArray<kStoreSaltSize> salt{};
  if (key) {
    system_random().fill(salt);
    auto derived = StoreCipher::derive(*key, salt);
    GL_RETURN_IF_ERROR(derived);
    to = std::move(*derived);
  }
  GL_RETURN_IF_ERROR(rebuild(db, meta ? *version : 1, StoreCipher{}, to, salt, observer));
  if (to.encrypted()) {
    GL_RETURN_IF_ERROR(scrub(db));
  }
  return to;
}

Result<StoreCipher> rotate_device_store(Database& db, const StoreKey& new_key,
                                        const MigrationObserver& observer) {
  auto version = db.schema_version();
  GL_RETURN_IF_ERROR(version);
  if (*version != kDeviceStoreSchemaVersion) {
    return make_error(ErrorCode::kFailedPrecondition,
                      "the device store must be at schema version " +
                          std::to_string(kDeviceStoreSchemaVersion) + " to rotate its key, got " +
                          std::to_string(*version));
  }
  ByteArray<kStoreSaltSize> salt{};
  system_random().fill(salt);
  GL_ASSIGN_OR_RETURN(auto to, StoreCipher::derive(new_key, salt));
  GL_RETURN_IF_ERROR(rebuild(db, *version, db.cipher(), to, salt, observer));
  GL_RETURN_IF_ERROR(scrub(db));
  return to;
}

}  // namespace greenlight::client

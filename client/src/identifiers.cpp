#include "greenlight/client/identifiers.h"

#include <algorithm>

#include "internal/device_rows.h"

namespace greenlight::client {

struct IdentifierManager::CachedKey {
  std::int64_t id = 0;
  // The key's validity [start, end): while it covers the interval asked for, no other key
  // can (a newer one only comes from a same-day release, which drops the cache).
  std::uint32_t start = 0;
  std::uint32_t end = 0;
  Rpik rpik;
  Aemk aemk;

  bool covers(EnIntervalNumber interval) const {
    return start <= interval.value && interval.value < end;
  }
};

ByteArray<kAdvertisementPayloadSize> Advertisement::payload() const {
  ByteArray<kAdvertisementPayloadSize> out{};
  std::copy(rpi.begin(), rpi.end(), out.begin());
  std::copy(aem.begin(), aem.end(), out.begin() + static_cast<std::ptrdiff_t>(rpi.size()));
  return out;
}

namespace {

// An own_tek row's sealed value (device_rows.h): the key with its start and period.
Result<Bytes> seal_key(const Database& db, const TemporaryExposureKey& key) {
  const SecretBytes plain = rows::encode_own_key(key);
  return db.cipher().seal(rows::kOwnTek, {}, plain.span());
}

}  // namespace

IdentifierManager::IdentifierManager(Database& db, RandomSource& random, BluetoothMetadata metadata)
    : db_(db), random_(random), metadata_(metadata) {}

IdentifierManager::~IdentifierManager() = default;

// The table holds one key a day for the retention period (a few more after same-day
// releases): small enough to open whole, which keeps the days out of any clear column.
Result<std::vector<IdentifierManager::StoredKey>> IdentifierManager::stored_keys() {
  auto st = db_.cached("SELECT id, sealed FROM own_tek ORDER BY id");
  GL_RETURN_IF_ERROR(st);
  std::vector<StoredKey> out;
  for (;;) {
    GL_ASSIGN_OR_RETURN(const bool row, (*st)->step());
    if (!row) return out;
    GL_ASSIGN_OR_RETURN(auto plain, db_.cipher().open(rows::kOwnTek, {}, (*st)->column_blob(1)));
    StoredKey stored;
    stored.id = (*st)->column_int64(0);
    GL_ASSIGN_OR_RETURN(stored.key, rows::decode_own_key(plain.span()));
    out.push_back(std::move(stored));
  }
}

Result<std::optional<IdentifierManager::StoredKey>> IdentifierManager::newest_covering(
    EnIntervalNumber interval) {
  GL_ASSIGN_OR_RETURN(auto keys, stored_keys());
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
    const TemporaryExposureKey& key = it->key;
    if (key.rolling_start_interval_number.value <= interval.value &&
        interval.value < key.end_interval().value) {
      return std::optional<StoredKey>(std::move(*it));
    }
  }
  return std::optional<StoredKey>{};
}

Result<IdentifierManager::StoredKey> IdentifierManager::create_key(EnIntervalNumber start,
                                                                   std::uint32_t period) {
  StoredKey stored;
  random_.fill(stored.key.key_data.mutable_span());
  stored.key.rolling_start_interval_number = start;
  stored.key.rolling_period = period;
  GL_ASSIGN_OR_RETURN(const Bytes sealed, seal_key(db_, stored.key));
  // No time of creation: the moment the app first advertised would show when the phone
  // was in use.
  auto st = db_.cached("INSERT INTO own_tek(sealed) VALUES (?1)");
  GL_RETURN_IF_ERROR(st);
  (*st)->bind(1, ByteSpan(sealed));
  GL_RETURN_IF_ERROR((*st)->run());
  stored.id = db_.last_insert_rowid();
  return stored;
}

Result<TemporaryExposureKey> IdentifierManager::current_key(std::int64_t now) {
  const EnIntervalNumber interval = interval_from_unix_seconds(now);
  auto found = newest_covering(interval);
  GL_RETURN_IF_ERROR(found);
  if (*found) return std::move((*found)->key);
  auto created = create_key(day_start(interval), kTekRollingPeriod);
  GL_RETURN_IF_ERROR(created);
  return std::move(created->key);
}

Result<Advertisement> IdentifierManager::advertisement(std::int64_t now) {
  const EnIntervalNumber interval = interval_from_unix_seconds(now);
  if (!cache_ || !cache_->covers(interval)) {
    GL_ASSIGN_OR_RETURN(auto found, newest_covering(interval));
    std::optional<StoredKey> key = std::move(found);
    if (!key) {
      GL_ASSIGN_OR_RETURN(key, create_key(day_start(interval), kTekRollingPeriod));
    }
    auto cached = std::make_unique<CachedKey>();
    cached->id = key->id;
    cached->start = key->key.rolling_start_interval_number.value;
    cached->end = key->key.end_interval().value;
    cached->rpik = derive_rpik(key->key.key_data);
    cached->aemk = derive_aemk(key->key.key_data);
    cache_ = std::move(cached);
  }
  Advertisement ad;
  ad.interval = interval;
  ad.rpi = make_rpi(cache_->rpik, interval);
  ad.aem = encrypt_aem(cache_->aemk, ad.rpi, encode_metadata(metadata_));
  return ad;
}

Result<std::vector<TemporaryExposureKey>> IdentifierManager::keys_for_upload(
    std::int64_t now, SameDayRelease release, std::int64_t retention_seconds) {
  const EnIntervalNumber interval = interval_from_unix_seconds(now);
  auto tx = Transaction::begin(db_);
  GL_RETURN_IF_ERROR(tx);

  std::int64_t released_id = -1;
  if (release == SameDayRelease::kYes) {
    auto found = newest_covering(interval);
    GL_RETURN_IF_ERROR(found);
    if (*found) {
      StoredKey& current = **found;
      current.key.rolling_period =
          interval.value - current.key.rolling_start_interval_number.value + 1;
      GL_ASSIGN_OR_RETURN(const Bytes sealed, seal_key(db_, current.key));
      auto st = db_.cached("UPDATE own_tek SET sealed = ?1 WHERE id = ?2");
      GL_RETURN_IF_ERROR(st);
      (*st)->bind(1, ByteSpan(sealed)).bind(2, current.id);
      GL_RETURN_IF_ERROR((*st)->run());
      released_id = current.id;
      // The replacement runs from this interval to the end of the UTC day.
      const std::uint32_t to_midnight =
          day_start(interval).value + kTekRollingPeriod - interval.value;
      auto created = create_key(interval, to_midnight);
      GL_RETURN_IF_ERROR(created);
      cache_.reset();
    }
  }

  const std::int64_t cutoff_interval = interval_from_unix_seconds(now - retention_seconds).value;
  GL_ASSIGN_OR_RETURN(auto stored, stored_keys());
  std::stable_sort(stored.begin(), stored.end(), [](const StoredKey& a, const StoredKey& b) {
    return a.key.rolling_start_interval_number.value < b.key.rolling_start_interval_number.value;
  });
  std::vector<TemporaryExposureKey> keys;
  for (StoredKey& s : stored) {
    const TemporaryExposureKey& key = s.key;
    if (static_cast<std::int64_t>(key.end_interval().value) <= cutoff_interval) continue;
    const bool ended = key.end_interval().value <= interval.value;
    if (ended || s.id == released_id) keys.push_back(std::move(s.key));
  }
  GL_RETURN_IF_ERROR(tx->commit());
  return keys;
}

Status IdentifierManager::delete_older_than(std::int64_t cutoff) {
  cache_.reset();
  GL_ASSIGN_OR_RETURN(const auto stored, stored_keys());
  auto st = db_.cached("DELETE FROM own_tek WHERE id = ?1");
  GL_RETURN_IF_ERROR(st);
  for (const StoredKey& s : stored) {
    if (unix_seconds_from_interval(s.key.end_interval()) > cutoff) continue;
    (*st)->bind(1, s.id);
    GL_RETURN_IF_ERROR((*st)->run());
  }
  return ok();
}

}  // namespace greenlight::client

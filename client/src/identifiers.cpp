#include "greenlight/client/identifiers.h"

#include <algorithm>

#include "internal/device_rows.h"

namespace greenlight::client {

struct IdentifierManager::CachedKey {
  std::int64_t id = 0;
  Rpik rpik;
  Aemk aemk;
};

ByteArray<kAdvertisementPayloadSize> Advertisement::payload() const {
  ByteArray<kAdvertisementPayloadSize> out{};
  std::copy(rpi.begin(), rpi.end(), out.begin());
  std::copy(aem.begin(), aem.end(), out.begin() + static_cast<std::ptrdiff_t>(rpi.size()));
  return out;
}

namespace {

// key_data of an own_tek row, sealed under the store key with its start interval as context.
Result<Tek> open_key(const Database& db, std::int64_t start, ByteSpan sealed) {
  auto data = db.cipher().open(rows::kOwnTek, rows::be64(start), sealed);
  GL_RETURN_IF_ERROR(data);
  if (data->size() != Tek::size()) {
    return make_error(ErrorCode::kInternal,
                      "stored key_data must be 16 bytes, got " + std::to_string(data->size()));
  }
  return Tek::from_span(data->span());
}

}  // namespace

IdentifierManager::IdentifierManager(Database& db, RandomSource& random, BluetoothMetadata metadata)
    : db_(db), random_(random), metadata_(metadata) {}

IdentifierManager::~IdentifierManager() = default;

Result<std::optional<IdentifierManager::StoredKey>> IdentifierManager::newest_covering(
    EnIntervalNumber interval) {
  auto st = db_.cached(
      "SELECT id, sealed, rolling_start_interval, rolling_period FROM own_tek "
      "WHERE rolling_start_interval <= ?1 AND rolling_start_interval + rolling_period > ?1 "
      "ORDER BY id DESC LIMIT 1");
  GL_RETURN_IF_ERROR(st);
  (*st)->bind(1, static_cast<std::int64_t>(interval.value));
  auto row = (*st)->step();
  GL_RETURN_IF_ERROR(row);
  if (!*row) return std::optional<StoredKey>{};
  StoredKey stored;
  stored.id = (*st)->column_int64(0);
  auto data = open_key(db_, (*st)->column_int64(2), (*st)->column_blob(1));
  GL_RETURN_IF_ERROR(data);
  stored.key.key_data = std::move(*data);
  stored.key.rolling_start_interval_number = {static_cast<std::uint32_t>((*st)->column_int64(2))};
  stored.key.rolling_period = static_cast<std::uint32_t>((*st)->column_int64(3));
  return std::optional<StoredKey>(std::move(stored));
}

Result<IdentifierManager::StoredKey> IdentifierManager::create_key(EnIntervalNumber start,
                                                                   std::uint32_t period,
                                                                   std::int64_t /*now*/) {
  StoredKey stored;
  random_.fill(stored.key.key_data.mutable_span());
  stored.key.rolling_start_interval_number = start;
  stored.key.rolling_period = period;
  auto sealed =
      db_.cipher().seal(rows::kOwnTek, rows::be64(start.value), stored.key.key_data.span());
  GL_RETURN_IF_ERROR(sealed);
  auto st = db_.cached(
      "INSERT INTO own_tek(sealed, rolling_start_interval, rolling_period, created_at) "
      "VALUES (?1, ?2, ?3, ?4)");
  GL_RETURN_IF_ERROR(st);
  (*st)
      ->bind(1, ByteSpan(*sealed))
      .bind(2, static_cast<std::int64_t>(start.value))
      .bind(3, static_cast<std::int64_t>(period))
      // Not now: the moment the app first advertised would show when the phone was in use.
      // The start of the key's validity says nothing the start interval does not.
      .bind(4, static_cast<std::int64_t>(start.value) * kIntervalSeconds);
  GL_RETURN_IF_ERROR((*st)->run());
  stored.id = db_.last_insert_rowid();
  return stored;
}

Result<TemporaryExposureKey> IdentifierManager::current_key(std::int64_t now) {
  const EnIntervalNumber interval = interval_from_unix_seconds(now);
  auto found = newest_covering(interval);
  GL_RETURN_IF_ERROR(found);
  if (*found) return std::move((*found)->key);
  auto created = create_key(day_start(interval), kTekRollingPeriod, now);
  GL_RETURN_IF_ERROR(created);
  return std::move(created->key);
}

Result<Advertisement> IdentifierManager::advertisement(std::int64_t now) {
  const EnIntervalNumber interval = interval_from_unix_seconds(now);
  auto found = newest_covering(interval);
  GL_RETURN_IF_ERROR(found);
  std::optional<StoredKey> key = std::move(*found);
  if (!key) {
    auto created = create_key(day_start(interval), kTekRollingPeriod, now);
    GL_RETURN_IF_ERROR(created);
    key = std::move(*created);
  }
  if (!cache_ || cache_->id != key->id) {
    auto cached = std::make_unique<CachedKey>();
    cached->id = key->id;
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
      const StoredKey& current = **found;
      const std::uint32_t truncated =
          interval.value - current.key.rolling_start_interval_number.value + 1;
      auto st = db_.cached("UPDATE own_tek SET rolling_period = ?1 WHERE id = ?2");
      GL_RETURN_IF_ERROR(st);
      (*st)->bind(1, static_cast<std::int64_t>(truncated)).bind(2, current.id);
      GL_RETURN_IF_ERROR((*st)->run());
      released_id = current.id;
      // The replacement runs from this interval to the end of the UTC day.
      const std::uint32_t to_midnight =
          day_start(interval).value + kTekRollingPeriod - interval.value;
      auto created = create_key(interval, to_midnight, now);
      GL_RETURN_IF_ERROR(created);
      cache_.reset();
    }
  }

  const std::int64_t cutoff_interval = interval_from_unix_seconds(now - retention_seconds).value;
  auto st = db_.cached(
      "SELECT id, sealed, rolling_start_interval, rolling_period FROM own_tek "
      "WHERE rolling_start_interval + rolling_period > ?1 "
      "ORDER BY rolling_start_interval, id");
  GL_RETURN_IF_ERROR(st);
  (*st)->bind(1, cutoff_interval);
  std::vector<TemporaryExposureKey> keys;
  for (;;) {
    auto row = (*st)->step();
    GL_RETURN_IF_ERROR(row);
    if (!*row) break;
    const std::int64_t id = (*st)->column_int64(0);
    TemporaryExposureKey key;
    auto data = open_key(db_, (*st)->column_int64(2), (*st)->column_blob(1));
    GL_RETURN_IF_ERROR(data);
    key.key_data = std::move(*data);
    key.rolling_start_interval_number = {static_cast<std::uint32_t>((*st)->column_int64(2))};
    key.rolling_period = static_cast<std::uint32_t>((*st)->column_int64(3));
    const bool ended = key.end_interval().value <= interval.value;
    if (ended || id == released_id) keys.push_back(std::move(key));
  }
  GL_RETURN_IF_ERROR(tx->commit());
  return keys;
}

Status IdentifierManager::delete_older_than(std::int64_t cutoff) {
  auto st =
      db_.cached("DELETE FROM own_tek WHERE (rolling_start_interval + rolling_period) * 600 <= ?1");
  GL_RETURN_IF_ERROR(st);
  (*st)->bind(1, cutoff);
  cache_.reset();
  return (*st)->run();
}

}  // namespace greenlight::client

// Own identifiers: the daily Temporary Exposure Key, the RPI + AEM to advertise now, and the
// keys to upload after a positive test (spec/protocol.md "Proximity identifiers",
// reference/gaen.md sections 1 and 5).
//
// Rotation rules:
// - A key covers the ENIN range [rolling_start, rolling_start + rolling_period). When no
//   stored key covers "now", a new one is drawn from the injected RandomSource (a CSPRNG in
//   production) with rolling_start = 00:00 UTC of today and rolling_period 144, so a new key
//   begins at every UTC midnight. Successive keys are independent random values.
// - The advertisement for "now" is RPI_j (j = ENIN of now) and AEM_j of the newest key that
//   covers j, with the configured Bluetooth metadata (version, TX power).
// - keys_for_upload() returns the own keys that were valid at some point in the last
//   retention period (14 days), oldest first, and never a key that is still valid, unless a
//   same-day release is requested: then the current key is cut short (rolling_period =
//   j - rolling_start + 1, it did advertise during interval j) and replaced by a new random
//   key starting at j and running to the end of the UTC day. A released key is never
//   advertised again.
// - Keys older than the retention period are deleted by delete_older_than().
//
// Keys are stored in the device database (table own_tek). Not thread-safe: one owner
// serialises calls (Client does).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "greenlight/client/database.h"
#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/random.h"
#include "greenlight/crypto/result.h"

namespace greenlight::client {

// The 20-byte service-data payload of the 0xFD6F advertisement: RPI || AEM.
inline constexpr std::size_t kAdvertisementPayloadSize = 20;

struct Advertisement {
  Rpi rpi{};
  Aem aem{};
  EnIntervalNumber interval;
  ByteArray<kAdvertisementPayloadSize> payload() const;
};

enum class SameDayRelease { kNo, kYes };

class IdentifierManager {
 public:
  // db and random must outlive the manager.
  IdentifierManager(Database& db, RandomSource& random, BluetoothMetadata metadata);
  ~IdentifierManager();
  IdentifierManager(const IdentifierManager&) = delete;
  IdentifierManager& operator=(const IdentifierManager&) = delete;

  // The key that covers now, creating (and storing) one if none does.
  [[nodiscard]] Result<TemporaryExposureKey> current_key(std::int64_t now);
  [[nodiscard]] Result<Advertisement> advertisement(std::int64_t now);
  // report_type and days_since_onset are left unset: the server fills them in from the
  // health authority's certificate.
  [[nodiscard]] Result<std::vector<TemporaryExposureKey>> keys_for_upload(
      std::int64_t now, SameDayRelease release, std::int64_t retention_seconds);
  // Deletes every key whose validity ended before cutoff (unix seconds).
  [[nodiscard]] Status delete_older_than(std::int64_t cutoff);

  const BluetoothMetadata& metadata() const { return metadata_; }

 private:
  struct StoredKey {
    std::int64_t id = 0;
    TemporaryExposureKey key;
  };
  struct CachedKey;

  // Every stored key, oldest row first.
  [[nodiscard]] Result<std::vector<StoredKey>> stored_keys();
  [[nodiscard]] Result<std::optional<StoredKey>> newest_covering(EnIntervalNumber interval);
  [[nodiscard]] Result<StoredKey> create_key(EnIntervalNumber start, std::uint32_t period);

  Database& db_;
  RandomSource& random_;
  BluetoothMetadata metadata_;
  std::unique_ptr<CachedKey> cache_;
};

}  // namespace greenlight::client

// The row formats of the device database's sensitive tables (schema version 2), shared by
// the stores that read and write them and by the migration that (re)builds them
// (store_migration.h). What each table shows without the store key is listed in
// docs/client.md "Encrypted device store".
//
//   own_tek(id, rolling_start_interval, rolling_period, created_at, sealed)
//     sealed = seal("own_tek", BE64(rolling_start_interval), key_data)
//   encounter(tag, bucket, first_seen, last_seen, scan_count, max_rssi, sealed)
//     tag = lookup_tag("encounter", rpi); sealed = seal("encounter", tag, rpi || aem || scans)
//   exposure_window(id, key_tag, day, recorded_at, sealed)
//     key_tag = lookup_tag("exposure_window", KeyTag);
//     sealed = seal("exposure_window", key_tag, encode_window(KeyTag, window))
//   own_test(id = 1, sealed)
//     sealed = seal("own_test", {}, BE64(test_time))
//   upload_state.keys, upload_state.hmac_key (unfinished upload only; empty when finished)
//     seal("upload_keys", {}, keys), seal("upload_hmac_key", {}, hmac key)
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "greenlight/client/exposure_window.h"
#include "greenlight/client/store_cipher.h"
#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/result.h"

namespace greenlight::client::rows {

inline constexpr std::string_view kOwnTek = "own_tek";
inline constexpr std::string_view kEncounter = "encounter";
inline constexpr std::string_view kExposureWindow = "exposure_window";
inline constexpr std::string_view kOwnTest = "own_test";
// upload_state (uploader.cpp) while an upload is unfinished: the encoded own keys and the
// HMAC key that binds them, each seal(label, {}, value).
inline constexpr std::string_view kUploadKeys = "upload_keys";
inline constexpr std::string_view kUploadHmacKey = "upload_hmac_key";

ByteArray<8> be64(std::int64_t value);
std::int64_t read_be64(ByteSpan in);

// The sealed part of an encounter row: the RPI, its AEM and the packed sightings.
struct EncounterPayload {
  Rpi rpi{};
  Aem aem{};
  Bytes scans;
};
Bytes encode_encounter(const Rpi& rpi, const Aem& aem, ByteSpan scans);
[[nodiscard]] Result<EncounterPayload> decode_encounter(ByteSpan plain);

// The sealed part of an exposure window row: the diagnosis key's tag and the whole window.
struct WindowPayload {
  KeyTag tag{};
  ExposureWindow window;
};
Bytes encode_window(const KeyTag& tag, const ExposureWindow& window);
[[nodiscard]] Result<WindowPayload> decode_window(ByteSpan plain);

}  // namespace greenlight::client::rows

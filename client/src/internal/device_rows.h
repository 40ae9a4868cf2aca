// The row formats of the device database's sensitive tables (schema version 4), shared by
// the stores that read and write them and by the migration that (re)builds them
// (store_migration.h). What each table shows without the store key is listed in
// docs/client.md "Encrypted device store".
//
//   own_tek(id, sealed)
//     sealed = seal("own_tek", {}, encode_own_key(key)): the start and period are sealed with
//     the key (until version 3 they were clear columns, and the key was sealed under
//     BE64(rolling_start_interval)), so the file does not show on which days the app ran
//   encounter(tag, sealed)
//     tag = lookup_tag("encounter", rpi);
//     sealed = seal("encounter", tag, encode_encounter(rpi, aem, first_seen, sightings))
//   scan(id, sealed)
//     sealed = seal("scan", {}, BE64(scan time))
//   exposure_window(id, key_tag, sealed)
//     key_tag = lookup_tag("exposure_window", KeyTag);
//     sealed = seal("exposure_window", key_tag, encode_window(KeyTag, window))
//   own_test(id = 1, sealed)
//     sealed = seal("own_test", {}, BE64(test_time))
//   upload_state.code, .token, .certificate, .keys, .hmac_key (unfinished upload only; empty
//     when finished): seal(label, {}, value) with the labels below
//   venue_warning_match(id, checkin_id, sealed)
//     sealed = seal("venue_warning_match", BE64(checkin_id), BE64(day) || BE64(minutes))
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
#include "greenlight/crypto/secret_bytes.h"

namespace greenlight::client::rows {

inline constexpr std::string_view kOwnTek = "own_tek";
inline constexpr std::string_view kEncounter = "encounter";
inline constexpr std::string_view kExposureWindow = "exposure_window";
inline constexpr std::string_view kOwnTest = "own_test";
inline constexpr std::string_view kScan = "scan";
inline constexpr std::string_view kVenueWarningMatch = "venue_warning_match";
// upload_state (uploader.cpp) while an upload is unfinished: the encoded own keys, the HMAC
// key that binds them, the verification code, the token and the certificate, each
// seal(label, {}, value).
inline constexpr std::string_view kUploadKeys = "upload_keys";
inline constexpr std::string_view kUploadHmacKey = "upload_hmac_key";
inline constexpr std::string_view kUploadCode = "upload_code";
inline constexpr std::string_view kUploadToken = "upload_token";
inline constexpr std::string_view kUploadCertificate = "upload_certificate";

// One packed sighting of an encounter: u16 offset from first_seen (s), i16 RSSI sum, u8
// count, i8 strongest RSSI, little-endian (encounter_log.cpp).
inline constexpr std::size_t kPackedSightingSize = 6;
// Sightings are padded to a multiple of this many slots, so the size of a sealed row does
// not tell how often its RPI was heard (the default max_scans_per_rpi fits in one block).
inline constexpr std::size_t kSightingSlotBlock = 8;

ByteArray<8> be64(std::int64_t value);
std::int64_t read_be64(ByteSpan in);

// The sealed part of an encounter row: the RPI, its AEM, the time of its first sighting and
// the packed sightings (scans.size() is a multiple of kPackedSightingSize).
// Encoded: rpi (16) | aem (4) | BE64 first_seen | u8 n | n sightings | zero padding to a
// multiple of kSightingSlotBlock sightings.
struct EncounterPayload {
  Rpi rpi{};
  Aem aem{};
  std::int64_t first_seen = 0;
  Bytes scans;
};
Bytes encode_encounter(const Rpi& rpi, const Aem& aem, std::int64_t first_seen, ByteSpan scans);
[[nodiscard]] Result<EncounterPayload> decode_encounter(ByteSpan plain);
// Schema version 2's sealed encounter (rpi | aem | sightings; first_seen was a clear column),
// read by the migration only.
[[nodiscard]] Result<EncounterPayload> decode_encounter_v2(ByteSpan plain, std::int64_t first_seen);

// An own key (own_tek.sealed): BE64 rolling start interval | BE64 rolling period | key_data.
// The encoding holds the key: wiped when the SecretBytes goes.
SecretBytes encode_own_key(const TemporaryExposureKey& key);
[[nodiscard]] Result<TemporaryExposureKey> decode_own_key(ByteSpan plain);

// A matched venue warning (venue_warning_match.sealed): BE64 day | BE64 overlap minutes.
struct VenueMatchPayload {
  std::int64_t day = 0;
  std::int64_t overlap_minutes = 0;
};
Bytes encode_venue_match(const VenueMatchPayload& match);
[[nodiscard]] Result<VenueMatchPayload> decode_venue_match(ByteSpan plain);

// The sealed part of an exposure window row: the diagnosis key's tag and the whole window.
struct WindowPayload {
  KeyTag tag{};
  ExposureWindow window;
};
Bytes encode_window(const KeyTag& tag, const ExposureWindow& window);
[[nodiscard]] Result<WindowPayload> decode_window(ByteSpan plain);

}  // namespace greenlight::client::rows

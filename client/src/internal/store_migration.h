// Opening the device store: the key check and the build of the current schema (docs/client.md
// "Encrypted device store").
//
// Schema version 4 replaces the tables of version 1 (all in the clear), of version 2
// (encounter times, RSSI and scan times still in the clear) and of version 3 (own keys' start
// interval and period still in the clear) by the sealed rows of device_rows.h (own_tek,
// encounter, scan, exposure_window, own_test, and upload_state's and venue_warning_match's
// values when those tables exist) and keeps store_meta:
//   store_meta(id = 1, encrypted, salt, verifier, scrub_pending)
// open_device_store() runs at Database::open, after the SQL migrations:
// - an encrypted store: the key is required and checked against the verifier before
//   anything is written, so a wrong or missing key changes nothing;
// - a database of an earlier version (an earlier release, or a new file): its rows are
//   rebuilt into the version-4 tables, sealed under the key (or in the clear without one), in
//   ONE transaction: a crash or kill -9 at any point leaves either the old tables or the new
//   ones, never a mix, and the next open starts again;
// - a plaintext store opened with a key is encrypted the same way.
// After a rebuild from plaintext the old bytes are scrubbed (VACUUM, WAL checkpoint with
// truncation); store_meta.scrub_pending makes the next open finish a scrub a crash cut short.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "greenlight/client/database.h"
#include "greenlight/client/store_cipher.h"
#include "greenlight/crypto/result.h"

namespace greenlight::client {

inline constexpr std::int64_t kDeviceStoreSchemaVersion = 4;

// Test hook: called with the number of rows written so far after each row a rebuild writes,
// and with -1 after the rebuild committed, before the scrub.
using MigrationObserver = std::function<void(std::int64_t)>;

[[nodiscard]] Result<StoreCipher> open_device_store(Database& db,
                                                    const std::optional<StoreKey>& key,
                                                    const MigrationObserver& observer = {});

// Re-seals every row and re-tags every lookup of db (opened under its current key, or
// without one) under new_key with a fresh salt, and replaces the verifier, in ONE
// transaction: killed at any point, the file opens with exactly one of the two keys. Then
// scrubs the old bytes. Returns the new cipher; db.cipher() is still the old one, so the
// caller reopens the database with new_key.
[[nodiscard]] Result<StoreCipher> rotate_device_store(Database& db, const StoreKey& new_key,
                                                      const MigrationObserver& observer = {});

}  // namespace greenlight::client

// The tables of the server's own store, in the portable SQL of store.h, shared by the
// SQLite and PostgreSQL backends so that both hold the same schema.
#pragma once

#include <array>
#include <string_view>

namespace greenlight::server::internal {

inline constexpr std::array<std::string_view, 11> kStoreSchema = {
    "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, value BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS codes(code_hash BLOB PRIMARY KEY, kind INTEGER NOT NULL, "
    "report_type INTEGER NOT NULL, symptom_onset INTEGER, purpose TEXT NOT NULL, "
    "issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, "
    "claimed INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS tokens(token_hash BLOB PRIMARY KEY, "
    "report_type INTEGER NOT NULL, symptom_onset INTEGER, purpose TEXT NOT NULL, "
    "expires_at INTEGER NOT NULL, claimed INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS used_certificates(jti TEXT PRIMARY KEY, "
    "expires_at INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS exposure_keys(key_data BLOB PRIMARY KEY, "
    "rolling_start INTEGER NOT NULL, rolling_period INTEGER NOT NULL, "
    "transmission_risk INTEGER NOT NULL, report_type INTEGER NOT NULL, "
    "days_since_onset INTEGER, available_at INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS exposure_keys_available ON exposure_keys(available_at)",
    "CREATE TABLE IF NOT EXISTS export_batches(window_end INTEGER PRIMARY KEY, "
    "window_start INTEGER NOT NULL, created_at INTEGER NOT NULL, "
    "real_key_count INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS export_files(path TEXT PRIMARY KEY, "
    "window_start INTEGER NOT NULL, window_end INTEGER NOT NULL, created_at INTEGER NOT NULL, "
    "key_count INTEGER NOT NULL, sha256 TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS short_code_failures(window_start INTEGER PRIMARY KEY, "
    "failures INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS leases(name TEXT PRIMARY KEY, holder TEXT NOT NULL, "
    "expires_at INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS export_files_window ON export_files(window_end)",
};

// Statements used by both backends (portable SQL, '?' placeholders).
inline constexpr std::string_view kAddShortCodeFailure =
    "INSERT INTO short_code_failures(window_start, failures) VALUES(?, 1) "
    "ON CONFLICT(window_start) DO UPDATE SET failures = short_code_failures.failures + 1";
inline constexpr std::string_view kShortCodeFailures =
    "SELECT failures FROM short_code_failures WHERE window_start = ?";
// Changes one row iff the lease is free, expired or already held by this holder.
inline constexpr std::string_view kAcquireLease =
    "INSERT INTO leases(name, holder, expires_at) VALUES(?, ?, ?) "
    "ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at "
    "WHERE leases.expires_at <= ? OR leases.holder = excluded.holder";
inline constexpr std::string_view kReleaseLease =
    "DELETE FROM leases WHERE name = ? AND holder = ?";
inline constexpr std::string_view kUpsertExportFile =
    "INSERT INTO export_files(path, window_start, window_end, created_at, key_count, sha256) "
    "VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET window_start = "
    "excluded.window_start, window_end = excluded.window_end, created_at = excluded.created_at, "
    "key_count = excluded.key_count, sha256 = excluded.sha256";

}  // namespace greenlight::server::internal

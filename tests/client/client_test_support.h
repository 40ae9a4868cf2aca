// Shared helpers for the client tests: temporary directories, a test export signing key,
// signed export files, raw byte scans of files, and the time origin used by the tests.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/client/encounter_log.h"
#include "greenlight/client/identifiers.h"
#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/gaen.h"
#include "greenlight/wire/export_file.h"

namespace greenlight::client::test {

// 2024-05-01T00:00:00Z, a UTC midnight (ENIN 2857536, a multiple of 144).
inline constexpr std::int64_t kDay0 = 1714521600;
inline constexpr std::int64_t kHour = 3600;
inline constexpr std::int64_t kMinute = 60;

// A fresh directory under the system temp dir, removed with its content on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct TestSigner {
  EcdsaP256PrivateKey private_key;
  wire::TrustedSigningKey trusted() const;
  wire::ExportSigner signer() const;
};
// A fresh P-256 key with key id "310", version "v1".
TestSigner make_signer();

// A signed export zip holding keys (and revised keys) for the window [start, end).
Bytes build_export(const std::vector<TemporaryExposureKey>& keys, const TestSigner& signer,
                   std::int64_t start, std::int64_t end,
                   const std::vector<TemporaryExposureKey>& revised = {});

Bytes read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, ByteSpan data);
// Whether needle occurs anywhere in the file (false when the file does not exist).
bool file_contains(const std::filesystem::path& path, ByteSpan needle);
// The database file and its -wal, -shm and -journal companions.
std::vector<std::filesystem::path> database_files(const std::string& db_path);

// What a receiver hears from an advertisement.
Observation heard(const Advertisement& ad, std::int8_t rssi_dbm);
// The advertisement of key for interval j with the given TX power (metadata v1.0).
Advertisement advertise(const TemporaryExposureKey& key, EnIntervalNumber j,
                        std::int8_t tx_power_dbm);
// A key with random bytes for the UTC day containing day_time.
TemporaryExposureKey random_key(RandomSource& random, std::int64_t day_time,
                                ReportType type = ReportType::kConfirmedTest);

}  // namespace greenlight::client::test

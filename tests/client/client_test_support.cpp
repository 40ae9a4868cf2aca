#include "client_test_support.h"

#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "greenlight/client/clock.h"

namespace greenlight::client::test {

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "greenlight-client-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

wire::TrustedSigningKey TestSigner::trusted() const {
  return wire::TrustedSigningKey{"310", "v1", private_key.public_key()};
}

wire::ExportSigner TestSigner::signer() const {
  wire::SignatureInfo info;
  info.verification_key_id = "310";
  info.verification_key_version = "v1";
  return wire::ExportSigner{info, private_key};
}

TestSigner make_signer() {
  auto key = EcdsaP256PrivateKey::generate();
  if (!key) throw std::runtime_error("key generation failed: " + key.error().message);
  return TestSigner{*key};
}

Bytes build_export(const std::vector<TemporaryExposureKey>& keys, const TestSigner& signer,
                   std::int64_t start, std::int64_t end,
                   const std::vector<TemporaryExposureKey>& revised) {
  wire::ExportBatch batch;
  batch.start_timestamp = static_cast<std::uint64_t>(start);
  batch.end_timestamp = static_cast<std::uint64_t>(end);
  batch.region = "XX";
  batch.keys = keys;
  batch.revised_keys = revised;
  auto zip = wire::write_export_zip(batch, {signer.signer()});
  if (!zip) throw std::runtime_error("export build failed: " + zip.error().message);
  return *zip;
}

Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::filesystem::path& path, ByteSpan data) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

bool file_contains(const std::filesystem::path& path, ByteSpan needle) {
  if (!std::filesystem::exists(path)) return false;
  const Bytes content = read_file(path);
  return std::search(content.begin(), content.end(), needle.begin(), needle.end()) != content.end();
}

std::vector<std::filesystem::path> database_files(const std::string& db_path) {
  return {db_path, db_path + "-wal", db_path + "-shm", db_path + "-journal"};
}

Observation heard(const Advertisement& ad, std::int8_t rssi_dbm) {
  return Observation{ad.rpi, ad.aem, rssi_dbm};
}

Advertisement advertise(const TemporaryExposureKey& key, EnIntervalNumber j,
                        std::int8_t tx_power_dbm) {
  Advertisement ad;
  ad.interval = j;
  ad.rpi = make_rpi(derive_rpik(key.key_data), j);
  ad.aem = encrypt_aem(derive_aemk(key.key_data), ad.rpi,
                       encode_metadata(BluetoothMetadata{0x40, tx_power_dbm}));
  return ad;
}

TemporaryExposureKey random_key(RandomSource& random, std::int64_t day_time, ReportType type) {
  TemporaryExposureKey key;
  random.fill(key.key_data.mutable_span());
  key.rolling_start_interval_number = day_start(interval_from_unix_seconds(day_time));
  key.rolling_period = kTekRollingPeriod;
  key.report_type = type;
  return key;
}

}  // namespace greenlight::client::test

// Google/Apple Exposure Notification cryptography v1.2, byte-exact
// (reference/gaen.md section 1, spec/protocol.md "Proximity identifiers").
//
//   RPIK  = HKDF-SHA256(TEK, salt = empty, "EN-RPIK", 16)
//   RPI_j = AES-128-ECB(RPIK, "EN-RPI" || 0x00 * 6 || LE32(ENIN_j))
//   AEMK  = HKDF-SHA256(TEK, salt = empty, "EN-AEMK", 16)
//   AEM   = AES-128-CTR(AEMK, IV = RPI, metadata)   (encrypt == decrypt)
//
// All functions are pure. GaenExpander holds reusable OpenSSL contexts and is the fast
// path for matching; it is not thread-safe (use one per thread).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/secret_bytes.h"

namespace greenlight {

// ENIntervalNumber: floor(unix_seconds / 600). A strong type so it is never mixed up with
// seconds or day numbers.
struct EnIntervalNumber {
  std::uint32_t value = 0;
  friend auto operator<=>(const EnIntervalNumber&, const EnIntervalNumber&) = default;
};

inline constexpr std::uint32_t kTekRollingPeriod = 144;
inline constexpr std::int64_t kIntervalSeconds = 600;
// Matching tolerance: an RPI for interval j is accepted when seen in [j - 12, j + 12].
inline constexpr std::uint32_t kMatchingClockDriftIntervals = 12;

constexpr EnIntervalNumber interval_from_unix_seconds(std::int64_t unix_seconds) {
  return {static_cast<std::uint32_t>(unix_seconds / kIntervalSeconds)};
}
constexpr std::int64_t unix_seconds_from_interval(EnIntervalNumber i) {
  return static_cast<std::int64_t>(i.value) * kIntervalSeconds;
}
// The interval number of 00:00 UTC of the day containing i.
constexpr EnIntervalNumber day_start(EnIntervalNumber i) {
  return {i.value / kTekRollingPeriod * kTekRollingPeriod};
}

// Three distinct key types of the same size: a TEK passed where an RPIK is expected does
// not compile.
using Tek = SecretArray<16, struct TekTag>;
using Rpik = SecretArray<16, struct RpikTag>;
using Aemk = SecretArray<16, struct AemkTag>;
using Rpi = ByteArray<16>;
using Aem = ByteArray<4>;
using Metadata = ByteArray<4>;

enum class ReportType : std::int32_t {
  kUnknown = 0,
  kConfirmedTest = 1,
  kConfirmedClinicalDiagnosis = 2,
  kSelfReport = 3,
  kRecursive = 4,
  kRevoked = 5,
};

// A diagnosis key as uploaded and published (the domain twin of the protobuf message).
struct TemporaryExposureKey {
  Tek key_data;
  EnIntervalNumber rolling_start_interval_number;
  std::uint32_t rolling_period = kTekRollingPeriod;  // 1..144
  std::int32_t transmission_risk_level = 0;          // 0..8, deprecated by report_type
  ReportType report_type = ReportType::kUnknown;
  std::optional<std::int32_t> days_since_onset_of_symptoms;  // -14..14

  // First interval after the key stopped being valid.
  EnIntervalNumber end_interval() const {
    return {rolling_start_interval_number.value + rolling_period};
  }
};

Rpik derive_rpik(const Tek& tek);
Aemk derive_aemk(const Tek& tek);
// The 16-byte block that is encrypted to give RPI_j.
ByteArray<16> rpi_padded_data(EnIntervalNumber interval);
Rpi make_rpi(const Rpik& rpik, EnIntervalNumber interval);
// AES-128-CTR with IV = rpi. The same call encrypts and decrypts.
Aem encrypt_aem(const Aemk& aemk, const Rpi& rpi, const Metadata& metadata);
Metadata decrypt_aem(const Aemk& aemk, const Rpi& rpi, const Aem& aem);

// Bluetooth metadata (4 bytes): byte0 version (0x40 = v1.0), byte1 TX power as int8 dBm.
struct BluetoothMetadata {
  std::uint8_t version = 0x40;
  std::int8_t tx_power_dbm = 0;
};
Metadata encode_metadata(const BluetoothMetadata& m);
BluetoothMetadata decode_metadata(const Metadata& m);

// Fast expansion of many keys: reuses its HMAC and AES contexts and encrypts all padded
// blocks of a key in one AES call.
class GaenExpander {
 public:
  GaenExpander();
  ~GaenExpander();
  GaenExpander(const GaenExpander&) = delete;
  GaenExpander& operator=(const GaenExpander&) = delete;

  // Writes RPI_{start}, ..., RPI_{start + out.size() - 1} for tek into out
  // (out.size() <= 144).
  void expand_rpis(const Tek& tek, EnIntervalNumber start, std::span<Rpi> out);
  // Same from an already derived RPIK.
  void expand_rpis_from_rpik(const Rpik& rpik, EnIntervalNumber start, std::span<Rpi> out);
  // The RPIs of the listed intervals only (any order, at most 144): out[i] = RPI of
  // intervals[i], all blocks in one AES call (for a phone that needs a few scattered RPIs
  // of its day).
  void rpis_at(const Rpik& rpik, std::span<const EnIntervalNumber> intervals, std::span<Rpi> out);
  Rpik rpik(const Tek& tek);
  Aemk aemk(const Tek& tek);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace greenlight

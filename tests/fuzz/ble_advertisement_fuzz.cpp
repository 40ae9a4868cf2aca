// libFuzzer target for received BLE advertisements (0xFD6F service data RPI || AEM, plus the
// RSSI the radio reports) through the phone's whole receive path: the encounter log with its
// flood caps (client/encounter_log.h), the snapshot, and matching against a diagnosis key
// (client/matcher.h), which decrypts the untrusted AEM and reads its TX power (A5, A8).
// Input: TEK[16] | records of 23 bytes:
//   u8 flags (bit 0: RPI derived from the TEK for the interval, else the raw bytes below;
//             bit 1: start a new scan) | u8 interval offset (mod 144) | i8 rssi |
//   RPI[16] | AEM[4]
// Invariants: matching never reports a negative attenuation, and windows only for the key.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "greenlight/client/database.h"
#include "greenlight/client/encounter_log.h"
#include "greenlight/client/matcher.h"
#include "greenlight/crypto/gaen.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace greenlight;
  if (size < 16) return 0;
  auto db = client::Database::open(":memory:");
  if (!db) __builtin_trap();
  client::EncounterLog log(*db);

  const Tek tek = Tek::from_span(ByteSpan(data, 16)).value();
  const Rpik rpik = derive_rpik(tek);
  constexpr std::uint32_t kStart = 2833200;  // a day boundary (multiple of 144)
  const std::int64_t day_start = unix_seconds_from_interval({kStart});

  std::vector<client::Observation> scan;
  std::int64_t scan_time = day_start;
  for (std::size_t off = 16; off + 23 <= size; off += 23) {
    const std::uint8_t flags = data[off];
    const std::uint32_t interval = kStart + data[off + 1] % kTekRollingPeriod;
    client::Observation o;
    o.rssi_dbm = static_cast<std::int8_t>(data[off + 2]);
    if (flags & 1) {
      o.rpi = make_rpi(rpik, {interval});
    } else {
      for (std::size_t i = 0; i < o.rpi.size(); ++i) o.rpi[i] = data[off + 3 + i];
    }
    for (std::size_t i = 0; i < o.aem.size(); ++i) o.aem[i] = data[off + 19 + i];
    const std::int64_t t = unix_seconds_from_interval({interval}) + 60;
    if ((flags & 2) && !scan.empty()) {
      (void)log.record_scan(scan_time, scan);
      scan.clear();
    }
    scan_time = std::max(scan_time, t);
    scan.push_back(o);
  }
  if (!scan.empty()) (void)log.record_scan(scan_time, scan);

  auto snapshot = log.snapshot(1);
  if (!snapshot) return 0;
  client::MatchOptions options;
  options.now = day_start + 3 * 86400;
  client::Matcher matcher(*snapshot, options);
  TemporaryExposureKey key;
  key.key_data = tek;
  key.rolling_start_interval_number = {kStart};
  key.report_type = ReportType::kConfirmedTest;
  const std::vector<TemporaryExposureKey> keys{key};
  const client::MatchResult result = matcher.match(keys);
  for (const auto& exposure : result.exposures) {
    for (const auto& window : exposure.windows) {
      for (const auto& s : window.scans) {
        if (s.min_attenuation_db < 0 || s.typical_attenuation_db < 0) __builtin_trap();
      }
    }
  }
  return 0;
}

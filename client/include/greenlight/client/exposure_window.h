// Exposure windows: what matching produces and risk scoring consumes (reference/gaen.md
// section 4a, the GAEN v2 "ExposureWindow" model).
//
// A window holds at most 30 minutes of sightings of one diagnosis key, as scan instances
// (typical = mean attenuation of the scan, min = lowest attenuation, seconds since this
// phone's previous scan: min(300, gap), or 120 when unknown). It keeps the key's published
// report type and days since symptom onset, not a derived weight, so that a new risk
// configuration can re-score stored windows. A window says nothing about where the contact
// happened or who it was.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/gaen.h"

namespace greenlight::client {

struct ScanInstance {
  std::int32_t typical_attenuation_db = 0;
  std::int32_t min_attenuation_db = 0;
  std::int32_t seconds_since_last_scan = 0;
  friend bool operator==(const ScanInstance&, const ScanInstance&) = default;
};

struct ExposureWindow {
  std::int64_t start_time = 0;  // unix seconds of the first scan instance
  std::int64_t day = 0;         // 00:00 UTC of start_time, unix seconds
  ReportType report_type = ReportType::kUnknown;
  std::optional<std::int32_t> days_since_onset;
  std::uint8_t calibration_confidence = 0;  // 0..3 from the AEM metadata
  std::vector<ScanInstance> scans;
  friend bool operator==(const ExposureWindow&, const ExposureWindow&) = default;
};

// Identifies a diagnosis key in the device database without storing the key itself:
// the first 16 bytes of SHA-256("GL-KEY-TAG" || key_data). Used to replace the windows of a
// key when it is published again or revised, and to delete them when it is revoked.
using KeyTag = ByteArray<16>;
KeyTag key_tag(const Tek& key_data);

}  // namespace greenlight::client

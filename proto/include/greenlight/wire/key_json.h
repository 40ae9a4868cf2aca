// JSON key files: the input of `greenlight export build` (docs/cli.md).
//
//   {"keys": [{"key": "75c734c6dd1a782de7a965da5eb93125",      // 32 hex digits or base64
//              "rolling_start_interval_number": 2642976,       // required, 0..2^31-1
//              "rolling_period": 144,                          // optional, 1..144 (144)
//              "transmission_risk_level": 0,                   // optional, 0..8 (0)
//              "report_type": 1,                               // optional, 0..5 (0)
//              "days_since_onset_of_symptoms": -2}],           // optional, -14..14 (absent)
//    "revised_keys": [ ...same shape... ]}                     // optional
//
// Parsing is strict: unknown fields, wrong JSON types and out-of-range values are errors
// naming the list, index and field ("keys[3].rolling_period must be 1..144, got 145").
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "greenlight/crypto/gaen.h"
#include "greenlight/crypto/result.h"

namespace greenlight::wire {

struct KeyFile {
  std::vector<TemporaryExposureKey> keys;
  std::vector<TemporaryExposureKey> revised_keys;
};

[[nodiscard]] Result<KeyFile> parse_key_file_json(std::string_view json);

// The same format, keys as lowercase hex; optional fields written only when they differ
// from their default. parse_key_file_json(key_file_to_json(f)) gives f back.
std::string key_file_to_json(const KeyFile& file);

}  // namespace greenlight::wire

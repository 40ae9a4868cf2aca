// Text form of an export file, as printed by `greenlight export inspect` (docs/cli.md):
//
//   start_timestamp: 1590159600 (2020-05-22T15:00:00Z)
//   end_timestamp: 1590246000 (2020-05-23T15:00:00Z)
//   region: US
//   batch: 1/1
//   signature_info: key_id=some_id key_version=1 algorithm=1.2.840.10045.4.3.2
//   export.sig: key_id=some_id key_version=1 algorithm=1.2.840.10045.4.3.2 signature_bytes=72
//   keys: 2 (key_hex rsin rolling_period report_type trl dsos)
//   172fc480e598490c34177604339b1543 2649980 1 0 8 -
//   ...
//   revised_keys: 0
//
// Strings from the file are printed with non-printable bytes replaced by '?', so a hostile
// file cannot inject terminal escapes. Pure functions, thread-safe.
#pragma once

#include <string>

#include "greenlight/wire/export_file.h"

namespace greenlight::wire {

// "KEY_HEX RSIN ROLLING_PERIOD REPORT_TYPE TRL DSOS" (DSOS "-" when absent), no newline.
std::string format_key_line(const TemporaryExposureKey& key);

// Every line above, each ending in '\n'.
std::string format_export_summary(const UnverifiedExport& file);

}  // namespace greenlight::wire

// Risk scoring of exposure windows (reference/gaen.md section 4c: the Corona-Warn-App v2
// algorithm) and the risk configuration, loadable from JSON so the health authority can
// publish it (signed and logged) later.
//
// Per window, with the defaults:
// 1. Report type: UNKNOWN becomes report_type_when_missing; REVOKED windows are dropped.
//    Infectiousness: days_since_onset -14..14 maps through days_since_onset_to_infectiousness,
//    otherwise infectiousness_when_dsos_missing; NONE drops the window.
// 2. Dropped when its minutes at minAttenuation < 79 dB are fewer than 5.
// 3. TRL = infectiousness offset (STANDARD 1, HIGH 2) + report type offset (CONFIRMED_TEST 6,
//    CLINICAL 4, SELF_REPORT 2, RECURSIVE 0); dropped when TRL <= 2.
// 4. weighted minutes = sum over scans of seconds_since_last_scan * w(minAttenuation) / 60,
//    w = 0.8 on [0,63), 1.0 on [63,73), 0.1 on [73,79), 0 above.
// 5. normalized minutes = TRL * 0.2 * weighted minutes.
// Per UTC day the normalized minutes of the surviving windows add up; a day is HIGH at
// >= 13, LOW above minimum_normalized_minutes (0), NONE otherwise. Windows whose day is more
// than max_encounter_age_days before today are ignored.
//
// Pure functions, thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/client/exposure_window.h"
#include "greenlight/crypto/result.h"

namespace greenlight::client {

enum class Infectiousness : std::int32_t { kNone = 0, kStandard = 1, kHigh = 2 };
enum class RiskLevel : std::int32_t { kNone = 0, kLow = 1, kHigh = 2 };

// An attenuation range [0, below_db) not covered by an earlier entry gets weight.
struct AttenuationWeight {
  std::int32_t below_db = 0;
  double weight = 0.0;
};

// How long each colour lasts (spec/protocol.md "Colour").
struct ColourConfig {
  std::int32_t isolation_days = 10;  // RED after the own verified positive test
  std::int32_t high_risk_days = 10;  // RED after a HIGH day, counted from that day
  std::int32_t low_risk_days = 10;   // YELLOW after a LOW day or a venue warning
};

struct RiskConfig {
  // Window drop rule 2.
  std::int32_t close_attenuation_below_db = 79;
  double minimum_close_minutes = 5.0;
  // Rule 4, in increasing below_db order.
  std::vector<AttenuationWeight> attenuation_weights = {{63, 0.8}, {73, 1.0}, {79, 0.1}};
  // Rule 3.
  std::int32_t infectiousness_offset_standard = 1;
  std::int32_t infectiousness_offset_high = 2;
  std::int32_t report_type_offset_confirmed_test = 6;
  std::int32_t report_type_offset_clinical = 4;
  std::int32_t report_type_offset_self_report = 2;
  std::int32_t report_type_offset_recursive = 0;
  std::int32_t drop_trl_at_most = 2;
  double trl_multiplier = 0.2;
  // Rule 1. Index d + 14 for days_since_onset d in -14..14.
  std::array<Infectiousness, 29> days_since_onset_to_infectiousness = default_infectiousness();
  Infectiousness infectiousness_when_dsos_missing = Infectiousness::kStandard;
  ReportType report_type_when_missing = ReportType::kConfirmedTest;
  // Day classification.
  double high_risk_normalized_minutes = 13.0;
  double minimum_normalized_minutes = 0.0;  // LOW needs strictly more
  std::int32_t max_encounter_age_days = 10;
  ColourConfig colour;

  // STANDARD from 14 to 3 days before onset, HIGH from 2 days before to 3 days after,
  // STANDARD later (this project's choice; CWA encodes infectiousness differently, see
  // docs/client.md).
  static std::array<Infectiousness, 29> default_infectiousness();
};

// Checks ranges: weights in [0, 2.5], attenuation edges increasing in 0..255, offsets
// 0..8, thresholds >= 0, days 0..14 (colour days 0..28).
[[nodiscard]] Status validate(const RiskConfig& config);

// JSON form (every field optional, missing ones keep the default; unknown fields are
// rejected so a typo cannot silently fall back to a default):
// {"close_attenuation_below_db": 79, "minimum_close_minutes": 5,
//  "attenuation_weights": [{"below_db": 63, "weight": 0.8}, ...],
//  "infectiousness_offsets": {"standard": 1, "high": 2},
//  "report_type_offsets": {"confirmed": 6, "clinical": 4, "self_report": 2, "recursive": 0},
//  "drop_trl_at_most": 2, "trl_multiplier": 0.2,
//  "days_since_onset_to_infectiousness": [29 x "none"|"standard"|"high"],
//  "infectiousness_when_dsos_missing": "standard",
//  "report_type_when_missing": "confirmed"|"clinical"|"self_report"|"recursive",
//  "high_risk_normalized_minutes": 13, "minimum_normalized_minutes": 0,
//  "max_encounter_age_days": 10,
//  "colour": {"isolation_days": 10, "high_risk_days": 10, "low_risk_days": 10}}
[[nodiscard]] Result<RiskConfig> risk_config_from_json(std::string_view json);
std::string risk_config_to_json(const RiskConfig& config);

enum class WindowOutcome {
  kCounted,
  kRevoked,
  kNoInfectiousness,
  kTooShortClose,  // rule 2
  kLowTrl,         // rule 3
};

struct WindowRisk {
  WindowOutcome outcome = WindowOutcome::kCounted;
  std::int32_t transmission_risk_level = 0;
  double exposure_minutes = 0.0;  // sum of seconds_since_last_scan / 60
  double close_minutes = 0.0;     // the same at minAttenuation below the close threshold
  double weighted_minutes = 0.0;
  double normalized_minutes = 0.0;
};

struct DailyRisk {
  std::int64_t day = 0;  // 00:00 UTC, unix seconds
  double normalized_minutes = 0.0;
  double exposure_minutes = 0.0;  // of counted windows
  std::int32_t windows = 0;       // counted windows
  RiskLevel level = RiskLevel::kNone;
};

struct RiskSummary {
  std::vector<DailyRisk> days;  // days with at least one counted window, ascending
  RiskLevel overall = RiskLevel::kNone;
};

WindowRisk score_window(const ExposureWindow& window, const RiskConfig& config);
// now decides which windows are too old (max_encounter_age_days before today's UTC day).
RiskSummary score_windows(std::span<const ExposureWindow> windows, const RiskConfig& config,
                          std::int64_t now);

}  // namespace greenlight::client

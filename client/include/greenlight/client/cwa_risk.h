// Corona-Warn-App risk calculation, byte for byte what CWA's apps compute from exposure
// windows (reference/gaen.md section 4c, "CWA v2"; cwa-app-android DefaultRiskLevels.kt,
// cwa-app-ios RiskCalculationExposureWindow.swift), driven by CWA's published risk
// calculation parameters in their JSON form.
//
// greenlight's own rule (risk.h) follows the same algorithm with its own fixed-form
// configuration; this file keeps CWA's general form (ranges with exclusive ends, first
// matching mapping wins, per-day "minimum distinct encounters") so that a CWA
// configuration gives CWA's answer. docs/risk.md lists where the two differ.
//
// Per window (CWA's order):
// 1. Drop it when, for any minutesAtAttenuationFilter, the minutes of its scan instances
//    whose minAttenuation is in attenuationRange fall in dropIfMinutesInRange.
// 2. TRL = trlEncoding infectiousness offset (HIGH, else STANDARD) + report type offset.
//    A report type other than the four real ones is an error (CWA throws).
// 3. Drop it when TRL is in any trlFilter's dropIfTrlInRange.
// 4. Transmission risk value = transmissionRiskValueMapping[TRL] (0 when absent) or, in
//    configurations before CWA 1.15 without that list, TRL * transmissionRiskLevelMultiplier.
// 5. Weighted minutes = sum of secondsSinceLastScan * weight(minAttenuation) / 60, weight of
//    the first minutesAtAttenuationWeight whose range holds it, else 0.
// 6. Normalized time = value * weighted minutes; its risk level is the first
//    normalizedTimePerEWToRiskLevelMapping entry holding it (none is an error).
// Per UTC date: normalized times add up, the level is the first
// normalizedTimePerDayToRiskLevelMapping entry holding the sum (none is an error); the minimum
// distinct encounters with a level count distinct (TRL, calibration confidence) pairs among
// that date's windows of that level. Total: HIGH when any date is HIGH, else LOW (also with
// no windows at all). Windows older than maxEncounterAgeInDays (when set) are ignored.
//
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/client/exposure_window.h"
#include "greenlight/client/risk.h"
#include "greenlight/crypto/result.h"

namespace greenlight::client::cwa {

// CWA's Range message: [min, max] with either end optionally exclusive.
struct Range {
  double min = 0.0;
  double max = 0.0;
  bool min_exclusive = false;
  bool max_exclusive = false;
  bool contains(double value) const;
};

struct MinutesAtAttenuationFilter {
  Range attenuation_range;
  Range drop_if_minutes_in_range;
};

struct MinutesAtAttenuationWeight {
  Range attenuation_range;
  double weight = 0.0;
};

struct NormalizedTimeToRiskLevel {
  Range normalized_time_range;
  RiskLevel risk_level = RiskLevel::kNone;  // CWA: UNSPECIFIED 0, LOW 1, HIGH 2
};

struct TrlEncoding {
  std::int32_t infectiousness_offset_standard = 0;
  std::int32_t infectiousness_offset_high = 0;
  std::int32_t report_type_offset_recursive = 0;
  std::int32_t report_type_offset_self_report = 0;
  std::int32_t report_type_offset_confirmed_clinical_diagnosis = 0;
  std::int32_t report_type_offset_confirmed_test = 0;
};

struct TransmissionRiskValue {
  std::int32_t transmission_risk_level = 0;
  double transmission_risk_value = 0.0;
};

// CWA's RiskCalculationParameters (the fields that decide the result).
struct RiskParameters {
  std::vector<MinutesAtAttenuationFilter> minutes_at_attenuation_filters;
  std::vector<Range> trl_filters;  // dropIfTrlInRange of each trlFilter
  std::vector<MinutesAtAttenuationWeight> minutes_at_attenuation_weights;
  std::vector<NormalizedTimeToRiskLevel> normalized_time_per_ew_to_risk_level;
  std::vector<NormalizedTimeToRiskLevel> normalized_time_per_day_to_risk_level;
  TrlEncoding trl_encoding;
  std::vector<TransmissionRiskValue> transmission_risk_value_mapping;
  std::optional<double> transmission_risk_level_multiplier;  // used when the mapping is empty
  std::optional<std::int32_t> max_encounter_age_in_days;
};

// Reads CWA's JSON form (protobuf JSON names, as in CWA's published parameters and its
// exposure-windows-risk-calculation.json test file):
// {"minutesAtAttenuationFilters": [{"attenuationRange": {"min": 0, "max": 79,
//    "maxExclusive": true}, "dropIfMinutesInRange": {"min": 0, "max": 5, "maxExclusive": true}}],
//  "trlFilters": [{"dropIfTrlInRange": {"min": 1, "max": 2}}],
//  "minutesAtAttenuationWeights": [{"attenuationRange": {...}, "weight": 0.8}, ...],
//  "normalizedTimePerEWToRiskLevelMapping": [{"normalizedTimeRange": {...}, "riskLevel": 1}],
//  "normalizedTimePerDayToRiskLevelMapping": [...],
//  "trlEncoding": {"infectiousnessOffsetStandard": 0, "infectiousnessOffsetHigh": 1,
//    "reportTypeOffsetRecursive": 1, "reportTypeOffsetSelfReport": 3,
//    "reportTypeOffsetConfirmedClinicalDiagnosis": 5, "reportTypeOffsetConfirmedTest": 7},
//  "transmissionRiskValueMapping": [{"transmissionRiskLevel": 3, "transmissionRiskValue": 0.6}],
//  "transmissionRiskLevelMultiplier": 0.2, "maxEncounterAgeInDays": 10}
// The object may also sit under "riskCalculationParameters" or
// "defaultRiskCalculationConfiguration" (CWA's app configuration and test file). riskLevel is
// 1/2 or "LOW"/"HIGH". Members of the whole file that CWA uses elsewhere are ignored; inside
// the objects above an unknown member is an error, so a typo cannot drop a rule silently.
// The three mapping lists, trlEncoding and one of the two TRL value forms are required.
[[nodiscard]] Result<RiskParameters> risk_parameters_from_json(std::string_view json);

// An exposure window as ENF hands it to CWA: infectiousness and report type already mapped.
struct Window {
  std::int64_t date = 0;  // 00:00 UTC, unix seconds
  ReportType report_type = ReportType::kConfirmedTest;
  Infectiousness infectiousness = Infectiousness::kStandard;
  std::int32_t calibration_confidence = 0;
  std::vector<ScanInstance> scans;
};

// {"exposureWindows": [...]} or a bare array; each window:
// {"ageInDays": 1 | "date": "2026-11-30" | "dateMillisSinceEpoch": 1796083200000,
//  "reportType": 1..4, "infectiousness": 1|2, "calibrationConfidence": 0..3,
//  "scanInstances": [{"minAttenuation": 30, "typicalAttenuation": 25,
//                     "secondsSinceLastScan": 300}]}
// (CWA's test-case shape; reportType and infectiousness may also be ENF's enum names).
// ageInDays counts back from today (00:00 UTC, unix seconds).
[[nodiscard]] Result<std::vector<Window>> windows_from_json(std::string_view json,
                                                            std::int64_t today);

// greenlight's window as ENF would hand it to CWA, with CWA's diagnosisKeysDataMapping
// (days since onset 1 -> STANDARD, 2 -> HIGH, else NONE; UNKNOWN report type -> CONFIRMED_TEST):
// the way CWA's server encodes a key's TRL in the export. nullopt when ENF would not return
// the window (NONE infectiousness, revoked key).
std::optional<Window> window_from_cwa_export(const ExposureWindow& window);

enum class Drop { kNone, kMinutesAtAttenuation, kTransmissionRiskLevel, kTooOld };

struct WindowResult {
  Drop dropped = Drop::kNone;
  std::int32_t transmission_risk_level = 0;
  double transmission_risk_value = 0.0;
  double weighted_minutes = 0.0;
  double normalized_time = 0.0;
  RiskLevel risk_level = RiskLevel::kNone;  // of a window that was not dropped
};

struct DateResult {
  std::int64_t date = 0;
  double normalized_time = 0.0;
  RiskLevel risk_level = RiskLevel::kNone;
  std::int32_t minimum_distinct_encounters_with_low_risk = 0;
  std::int32_t minimum_distinct_encounters_with_high_risk = 0;
};

struct AggregatedResult {
  std::vector<WindowResult> windows;  // in input order
  std::vector<DateResult> dates;      // dates with a counted window, newest first
  RiskLevel total_risk_level = RiskLevel::kLow;
  std::optional<std::int64_t> most_recent_date_with_low_risk;
  std::optional<std::int64_t> most_recent_date_with_high_risk;
  std::int32_t number_of_days_with_low_risk = 0;
  std::int32_t number_of_days_with_high_risk = 0;
  std::int32_t total_minimum_distinct_encounters_with_low_risk = 0;
  std::int32_t total_minimum_distinct_encounters_with_high_risk = 0;
};

// Errors where CWA's apps throw: a report type outside 1..4, a normalized time that no
// mapping entry holds.
[[nodiscard]] Result<WindowResult> score_window(const Window& window,
                                                const RiskParameters& parameters);
// today: 00:00 UTC of the phone's day, for maxEncounterAgeInDays.
[[nodiscard]] Result<AggregatedResult> aggregate(std::span<const Window> windows,
                                                 const RiskParameters& parameters,
                                                 std::int64_t today);

// The result as JSON: the aggregate with CWA's names, dates as "YYYY-MM-DD" plus their age
// in days before today, and every window's outcome.
std::string result_to_json(const AggregatedResult& result, std::int64_t today);

}  // namespace greenlight::client::cwa

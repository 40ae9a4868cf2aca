// Exposure windows and their risk score on the simulated phone (the GAEN v2
// ExposureWindow model with the Corona-Warn-App v2 rules, reference/gaen.md section 4):
//
// 1. Sightings of one diagnosis key are grouped into windows of at most 30 minutes.
// 2. A window is dropped if fewer than min_window_minutes were below
//    min_minutes_attenuation_db, or if its transmission risk level (infectiousness offset +
//    report-type offset) is at most drop_trl_at_most, or its infectiousness is NONE.
// 3. Weighted minutes = sum over scans of seconds_since_last_scan x weight(attenuation) / 60;
//    normalised minutes = TRL x trl_multiplier x weighted minutes.
// 4. Per UTC day, the sum of normalised minutes >= high_threshold_minutes is a HIGH day;
//    a day with surviving windows below it is LOW.
// Colour (spec/protocol.md "Colour"): RED for an own verified positive test or a HIGH day
// in the last max_encounter_age_days; YELLOW for a LOW day or a venue warning; GREEN
// otherwise. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "greenlight/crypto/gaen.h"
#include "greenlight/sim/config.h"

namespace greenlight::sim {

enum class Colour : std::uint8_t { kGreen = 0, kYellow = 1, kRed = 2 };
std::string_view colour_name(Colour c);

inline constexpr std::uint32_t kMaxWindowSeconds = 30 * 60;

// One scan of one key as the phone logged it. scan_index counts 5-minute scans from the
// start of the simulation (day * 288 + slot). When one scan heard the same RPI more than
// once, typical is the rounded mean and min the minimum of those attenuations (GAEN
// ScanInstance).
struct TimedScan {
  std::uint32_t scan_index = 0;
  std::uint8_t typical_db = 0;
  std::uint8_t min_db = 0;
  friend auto operator<=>(const TimedScan&, const TimedScan&) = default;
};

// One heard advertisement before aggregation.
struct RawScan {
  std::uint32_t scan_index = 0;
  std::uint8_t attenuation_db = 0;
  friend auto operator<=>(const RawScan&, const RawScan&) = default;
};

// Sorts raw scans of one key and aggregates those of the same scan.
std::vector<TimedScan> aggregate_scans(std::vector<RawScan> raw);

struct ScanInstance {
  std::uint8_t typical_attenuation_db = 0;
  std::uint8_t min_attenuation_db = 0;
  std::uint16_t seconds_since_last_scan = 0;
  friend bool operator==(const ScanInstance&, const ScanInstance&) = default;
};

struct ExposureWindow {
  std::uint32_t day = 0;               // simulation day of the window's first scan
  std::uint32_t first_scan_index = 0;  // scan_index of its first scan
  std::uint32_t key_index = 0;  // index of the diagnosis key in the run's published keys
  ReportType report_type = ReportType::kUnknown;
  std::optional<std::int32_t> days_since_onset;
  std::vector<ScanInstance> scans;
  friend bool operator==(const ExposureWindow&, const ExposureWindow&) = default;
};

// Appends the windows of one key's scans (sorted by scan_index, one per scan) to out.
void append_windows(std::span<const TimedScan> scans, std::uint32_t key_index,
                    ReportType report_type, std::optional<std::int32_t> days_since_onset,
                    std::vector<ExposureWindow>& out);

struct WindowScore {
  bool counted = false;  // survived the drop rules
  double normalized_minutes = 0;
};

class RiskScorer {
 public:
  explicit RiskScorer(const RiskConfig& config);
  WindowScore score(const ExposureWindow& window) const;
  // 0 NONE, 1 STANDARD, 2 HIGH for a key's days since onset.
  std::uint8_t infectiousness(std::optional<std::int32_t> days_since_onset) const;
  std::uint32_t transmission_risk_level(std::optional<std::int32_t> days_since_onset,
                                        ReportType report_type) const;
  bool is_high(double day_sum) const { return day_sum >= config_.high_threshold_minutes; }
  const RiskConfig& config() const { return config_; }

 private:
  RiskConfig config_;
};

}  // namespace greenlight::sim

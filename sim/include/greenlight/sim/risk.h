// Exposure windows and their risk score on the simulated phone (the GAEN v2
// ExposureWindow model with the Corona-Warn-App v2 rules, reference/gaen.md section 4):
//
// 1. Sightings of one diagnosis key are grouped into windows of at most 30 minutes.
// 2. Each window is scored by the client library's own rules (client::score_window: drop
//    rules, transmission risk level, weighted and normalised minutes), with the client
//    RiskConfig equivalent to the simulator's (to_client_risk_config).
// 3. Per UTC day, the sum of normalised minutes gives the day's level
//    (client::day_risk_level), and the colour lasts as the client's colour rule says
//    (client::rule_valid_until). The simulator holds no copy of these rules: a change to
//    the client's scoring or colour rule changes the simulation the same way.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "greenlight/client/colour.h"
#include "greenlight/client/exposure_window.h"
#include "greenlight/client/risk.h"
#include "greenlight/crypto/gaen.h"
#include "greenlight/sim/config.h"

namespace greenlight::sim {

// The phone's colour is the client's.
using client::Colour;
using client::colour_name;

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
// The same into out (cleared first), sorting raw in place.
void aggregate_scans(std::span<RawScan> raw, std::vector<TimedScan>& out);

// The client's scan instance, so that windows are scored without conversion.
using client::ScanInstance;

struct ExposureWindow {
  std::uint32_t day = 0;               // simulation day of the window's first scan
  std::uint32_t first_scan_index = 0;  // scan_index of its first scan
  std::uint32_t key_index = 0;         // index of the diagnosis key in the run's published keys
  ReportType report_type = ReportType::kUnknown;
  std::optional<std::int32_t> days_since_onset;
  std::vector<ScanInstance> scans;
  friend bool operator==(const ExposureWindow&, const ExposureWindow&) = default;
};

// Appends the windows of one key's scans (sorted by scan_index, one per scan) to out.
void append_windows(std::span<const TimedScan> scans, std::uint32_t key_index,
                    ReportType report_type, std::optional<std::int32_t> days_since_onset,
                    std::vector<ExposureWindow>& out);

// The client's risk configuration equivalent to the simulator's (the same thresholds,
// weights, offsets and days; colours last max_encounter_age_days after the exposure day).
client::RiskConfig to_client_risk_config(const RiskConfig& config);

struct WindowScore {
  bool counted = false;  // survived the drop rules
  double normalized_minutes = 0;
};

// The client's scoring with the simulator's configuration converted once.
class RiskScorer {
 public:
  explicit RiskScorer(const RiskConfig& config);
  // client::score_window on the window's scans, report type and days since onset.
  WindowScore score(const ExposureWindow& window) const;
  // client::day_risk_level of a day's sum.
  client::RiskLevel day_level(double day_sum) const {
    return client::day_risk_level(day_sum, client_config_);
  }
  bool is_high(double day_sum) const { return day_level(day_sum) == client::RiskLevel::kHigh; }
  // The client configuration's infectiousness for a key's days since onset (which of an
  // uploader's days carry venue reports).
  client::Infectiousness infectiousness(std::optional<std::int32_t> days_since_onset) const;
  const RiskConfig& config() const { return config_; }
  const client::RiskConfig& client_config() const { return client_config_; }

 private:
  RiskConfig config_;
  client::RiskConfig client_config_;
};

}  // namespace greenlight::sim

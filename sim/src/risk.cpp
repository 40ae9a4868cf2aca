#include "greenlight/sim/risk.h"

#include <algorithm>

#include "greenlight/sim/radio.h"

namespace greenlight::sim {

void append_windows(std::span<const TimedScan> scans, std::uint32_t key_index,
                    ReportType report_type, std::optional<std::int32_t> days_since_onset,
                    std::vector<ExposureWindow>& out) {
  constexpr std::uint32_t kScansPerWindow = kMaxWindowSeconds / kScanSeconds;
  std::size_t i = 0;
  while (i < scans.size()) {
    ExposureWindow w;
    w.day = scans[i].scan_index / kScansPerDay;
    w.key_index = key_index;
    w.report_type = report_type;
    w.days_since_onset = days_since_onset;
    const std::uint32_t first = scans[i].scan_index;
    w.first_scan_index = first;
    // A window never spans UTC midnight: a key is valid for one UTC day.
    while (i < scans.size() && scans[i].scan_index < first + kScansPerWindow &&
           scans[i].scan_index / kScansPerDay == w.day) {
      // The phone scans every 5 minutes whether or not it hears this key, so the time since
      // its previous scan is always one scan period.
      w.scans.push_back(
          {scans[i].typical_db, scans[i].min_db, static_cast<std::int32_t>(kScanSeconds)});
      ++i;
    }
    out.push_back(std::move(w));
  }
}

std::vector<TimedScan> aggregate_scans(std::vector<RawScan> raw) {
  std::vector<TimedScan> out;
  aggregate_scans(raw, out);
  return out;
}

void aggregate_scans(std::span<RawScan> raw, std::vector<TimedScan>& out) {
  std::sort(raw.begin(), raw.end());
  out.clear();
  std::size_t i = 0;
  while (i < raw.size()) {
    std::size_t j = i;
    std::uint32_t sum = 0;
    std::uint8_t min = 255;
    while (j < raw.size() && raw[j].scan_index == raw[i].scan_index) {
      sum += raw[j].attenuation_db;
      min = std::min(min, raw[j].attenuation_db);
      ++j;
    }
    const auto n = static_cast<std::uint32_t>(j - i);
    out.push_back({raw[i].scan_index, static_cast<std::uint8_t>((sum + n / 2) / n), min});
    i = j;
  }
}

namespace {

client::Infectiousness client_infectiousness(std::uint8_t level) {
  switch (level) {
    case 0:
      return client::Infectiousness::kNone;
    case 1:
      return client::Infectiousness::kStandard;
    default:
      return client::Infectiousness::kHigh;
  }
}

}  // namespace

client::RiskConfig to_client_risk_config(const RiskConfig& config) {
  client::RiskConfig c;
  c.close_attenuation_below_db = static_cast<std::int32_t>(config.min_minutes_attenuation_db);
  c.minimum_close_minutes = config.min_window_minutes;
  c.attenuation_weights.clear();
  for (std::size_t i = 0; i < 3; ++i) {
    c.attenuation_weights.push_back({static_cast<std::int32_t>(config.attenuation_thresholds_db[i]),
                                     config.attenuation_weights[i]});
  }
  // The simulator's last weight covers every attenuation above the last threshold.
  if (config.attenuation_weights[3] != 0) {
    c.attenuation_weights.push_back({255, config.attenuation_weights[3]});
  }
  c.infectiousness_offset_standard = 1;
  c.infectiousness_offset_high = 2;
  c.drop_trl_at_most = static_cast<std::int32_t>(config.drop_trl_at_most);
  c.trl_multiplier = config.trl_multiplier;
  for (std::size_t i = 0; i < config.dsos_infectiousness.size(); ++i) {
    c.days_since_onset_to_infectiousness[i] = client_infectiousness(config.dsos_infectiousness[i]);
  }
  c.infectiousness_when_dsos_missing =
      client_infectiousness(config.infectiousness_when_dsos_missing);
  c.report_type_when_missing = ReportType::kConfirmedTest;
  c.high_risk_normalized_minutes = config.high_threshold_minutes;
  c.minimum_normalized_minutes = 0;
  c.max_encounter_age_days = static_cast<std::int32_t>(config.max_encounter_age_days);
  c.colour.high_risk_days = static_cast<std::int32_t>(config.max_encounter_age_days);
  c.colour.low_risk_days = static_cast<std::int32_t>(config.max_encounter_age_days);
  return c;
}

RiskScorer::RiskScorer(const RiskConfig& config)
    : config_(config), client_config_(to_client_risk_config(config)) {}

client::Infectiousness RiskScorer::infectiousness(std::optional<std::int32_t> dsos) const {
  if (!dsos || *dsos < -14 || *dsos > 14) return client_config_.infectiousness_when_dsos_missing;
  return client_config_.days_since_onset_to_infectiousness[static_cast<std::size_t>(*dsos + 14)];
}

WindowScore RiskScorer::score(const ExposureWindow& window) const {
  const client::WindowRisk r = client::score_window(window.scans, window.report_type,
                                                    window.days_since_onset, client_config_);
  if (r.outcome != client::WindowOutcome::kCounted) return {};
  return {true, r.normalized_minutes};
}

}  // namespace greenlight::sim

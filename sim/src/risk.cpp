#include "greenlight/sim/risk.h"

#include <algorithm>

#include "greenlight/sim/radio.h"

namespace greenlight::sim {

std::string_view colour_name(Colour c) {
  switch (c) {
    case Colour::kGreen:
      return "green";
    case Colour::kYellow:
      return "yellow";
    case Colour::kRed:
      return "red";
  }
  return "green";
}

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
          {scans[i].typical_db, scans[i].min_db, static_cast<std::uint16_t>(kScanSeconds)});
      ++i;
    }
    out.push_back(std::move(w));
  }
}

std::vector<TimedScan> aggregate_scans(std::vector<RawScan> raw) {
  std::sort(raw.begin(), raw.end());
  std::vector<TimedScan> out;
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
  return out;
}

RiskScorer::RiskScorer(const RiskConfig& config) : config_(config) {}

std::uint8_t RiskScorer::infectiousness(std::optional<std::int32_t> dsos) const {
  if (!dsos || *dsos < -14 || *dsos > 14) return config_.infectiousness_when_dsos_missing;
  return config_.dsos_infectiousness[static_cast<std::size_t>(*dsos + 14)];
}

std::uint32_t RiskScorer::transmission_risk_level(std::optional<std::int32_t> dsos,
                                                  ReportType report_type) const {
  const std::uint8_t inf = infectiousness(dsos);
  if (inf == 0) return 0;
  // CWA: report-type offsets; an unknown report type counts as a confirmed test.
  std::uint32_t offset = 6;
  switch (report_type) {
    case ReportType::kConfirmedClinicalDiagnosis:
      offset = 4;
      break;
    case ReportType::kSelfReport:
      offset = 2;
      break;
    case ReportType::kRecursive:
      offset = 0;
      break;
    case ReportType::kRevoked:
      return 0;
    case ReportType::kUnknown:
    case ReportType::kConfirmedTest:
      offset = 6;
      break;
  }
  return inf + offset;
}

WindowScore RiskScorer::score(const ExposureWindow& window) const {
  const std::uint32_t trl = transmission_risk_level(window.days_since_onset, window.report_type);
  if (trl == 0 || trl <= config_.drop_trl_at_most) return {};
  double close_seconds = 0;
  double weighted_seconds = 0;
  for (const auto& s : window.scans) {
    if (s.min_attenuation_db < config_.min_minutes_attenuation_db) {
      close_seconds += s.seconds_since_last_scan;
    }
    const double a = s.min_attenuation_db;
    std::size_t bucket = 3;
    for (std::size_t b = 0; b < 3; ++b) {
      if (a < config_.attenuation_thresholds_db[b]) {
        bucket = b;
        break;
      }
    }
    weighted_seconds += s.seconds_since_last_scan * config_.attenuation_weights[bucket];
  }
  if (close_seconds / 60.0 < config_.min_window_minutes) return {};
  return {true, trl * config_.trl_multiplier * weighted_seconds / 60.0};
}

}  // namespace greenlight::sim

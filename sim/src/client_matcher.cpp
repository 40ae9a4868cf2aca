#include "greenlight/sim/client_matcher.h"

#include <algorithm>
#include <map>
#include <optional>

#include "greenlight/client/colour.h"
#include "greenlight/client/database.h"
#include "greenlight/client/encounter_snapshot.h"
#include "greenlight/client/exposure_window.h"
#include "greenlight/client/matcher.h"
#include "greenlight/sim/radio.h"

namespace greenlight::sim {
namespace {

constexpr std::int64_t kDaySeconds = 86400;
// Any value works: it only salts the snapshot's hash table.
constexpr std::uint64_t kSnapshotHashSeed = 0x9e3779b97f4a7c15ULL;

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

Colour from_client(client::Colour c) {
  switch (c) {
    case client::Colour::kGreen:
      return Colour::kGreen;
    case client::Colour::kYellow:
      return Colour::kYellow;
    case client::Colour::kRed:
      return Colour::kRed;
  }
  return Colour::kGreen;
}

std::uint8_t clamp_db(std::int32_t db) { return static_cast<std::uint8_t>(std::clamp(db, 0, 255)); }

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

Colour colour_of_windows(std::span<const ExposureWindow> windows, const RiskScorer& scorer,
                         std::uint32_t today) {
  std::map<std::uint32_t, double> per_day;
  for (const auto& w : windows) {
    if (w.day > today || today - w.day > scorer.config().max_encounter_age_days) continue;
    const WindowScore s = scorer.score(w);
    if (s.counted) per_day[w.day] += s.normalized_minutes;
  }
  Colour c = Colour::kGreen;
  for (const auto& [day, sum] : per_day) {
    if (scorer.is_high(sum)) return Colour::kRed;
    if (sum > 0) c = Colour::kYellow;
  }
  return c;
}

ClientPhoneMatcher::ClientPhoneMatcher(std::int64_t start_unix_seconds, const RiskConfig& risk)
    : start_(start_unix_seconds), risk_(to_client_risk_config(risk)) {}

Result<std::vector<ExposureWindow>> ClientPhoneMatcher::match(
    std::span<const Sighting> sightings, std::span<const TemporaryExposureKey> keys,
    std::int64_t now) {
  colour_ = Colour::kGreen;
  log_stats_ = {};
  rejected_ = 0;
  if (auto v = client::validate(risk_); !v) return std::unexpected(v.error());
  auto db = client::Database::open(":memory:");
  if (!db) return std::unexpected(db.error());
  client::EncounterLog log(*db);

  // One record_scan per scan time, in time order; the empty scan one period earlier first.
  std::vector<const Sighting*> order;
  order.reserve(sightings.size());
  for (const auto& s : sightings) order.push_back(&s);
  std::stable_sort(order.begin(), order.end(), [](const Sighting* a, const Sighting* b) {
    return a->unix_seconds < b->unix_seconds;
  });
  std::optional<std::int64_t> last_scan;
  std::vector<client::Observation> heard;
  for (std::size_t i = 0; i < order.size();) {
    const std::int64_t t = order[i]->unix_seconds;
    heard.clear();
    for (; i < order.size() && order[i]->unix_seconds == t; ++i) {
      client::Observation o;
      o.rpi = order[i]->rpi;
      o.aem = order[i]->aem;
      // Calibrated RSSI at TX power 0 dBm (simulated_metadata): attenuation = 0 - rssi.
      o.rssi_dbm = static_cast<std::int8_t>(-std::min<int>(order[i]->attenuation_db, 128));
      heard.push_back(o);
    }
    const std::int64_t previous = t - kScanSeconds;
    if (!last_scan || *last_scan < previous) {
      if (auto s = log.record_scan(previous, {}); !s) return std::unexpected(s.error());
    }
    if (auto s = log.record_scan(t, heard); !s) return std::unexpected(s.error());
    last_scan = t;
  }
  auto stats = log.stats();
  if (!stats) return std::unexpected(stats.error());
  log_stats_ = *stats;
  auto snapshot = log.snapshot(kSnapshotHashSeed);
  if (!snapshot) return std::unexpected(snapshot.error());

  client::MatchOptions options;
  options.now = now;
  client::Matcher matcher(*snapshot, options);
  const client::MatchResult result = matcher.match(keys);
  rejected_ = result.sightings_outside_time_window + result.sightings_bad_tx_power;

  std::map<client::KeyTag, std::uint32_t> index_of;
  for (std::uint32_t i = 0; i < keys.size(); ++i)
    index_of.emplace(client::key_tag(keys[i].key_data), i);
  std::vector<ExposureWindow> out;
  std::vector<client::ExposureWindow> all;
  for (const auto& exposure : result.exposures) {
    const auto it = index_of.find(exposure.tag);
    if (it == index_of.end()) {
      return make_error(ErrorCode::kInternal, "client matched a key that was not given to it");
    }
    for (const auto& cw : exposure.windows) {
      all.push_back(cw);
      ExposureWindow w;
      w.day = static_cast<std::uint32_t>((cw.day - start_) / kDaySeconds);
      w.first_scan_index = static_cast<std::uint32_t>((cw.start_time - start_) / kScanSeconds);
      w.key_index = it->second;
      w.report_type = cw.report_type;
      w.days_since_onset = cw.days_since_onset;
      for (const auto& s : cw.scans) {
        w.scans.push_back(
            {clamp_db(s.typical_attenuation_db), clamp_db(s.min_attenuation_db),
             static_cast<std::uint16_t>(std::clamp(s.seconds_since_last_scan, 0, 65535))});
      }
      out.push_back(std::move(w));
    }
  }
  sort_windows(out);

  const client::RiskSummary summary = client::score_windows(all, risk_, now);
  client::ColourInputs inputs;
  inputs.exposure_days = summary.days;
  colour_ = from_client(client::decide_colour(inputs, risk_, now).colour);
  return out;
}

}  // namespace greenlight::sim

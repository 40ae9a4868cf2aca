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

}  // namespace

Colour colour_of_windows(std::span<const ExposureWindow> windows, const RiskScorer& scorer,
                         std::int64_t start_unix_seconds, std::int64_t now) {
  const client::RiskConfig& config = scorer.client_config();
  const std::int64_t oldest = client::oldest_counted_day(now, config);
  std::map<std::int64_t, client::DailyRisk> per_day;
  for (const auto& w : windows) {
    const std::int64_t day = start_unix_seconds + static_cast<std::int64_t>(w.day) * kDaySeconds;
    if (day < oldest) continue;
    const WindowScore s = scorer.score(w);
    if (!s.counted) continue;
    client::DailyRisk& d = per_day[day];
    d.day = day;
    d.normalized_minutes += s.normalized_minutes;
  }
  std::vector<client::DailyRisk> days;
  for (auto& [day, d] : per_day) {
    d.level = client::day_risk_level(d.normalized_minutes, config);
    days.push_back(d);
  }
  client::ColourInputs inputs;
  inputs.exposure_days = days;
  return client::decide_colour(inputs, config, now).colour;
}

ClientPhoneMatcher::ClientPhoneMatcher(std::int64_t start_unix_seconds, const RiskConfig& risk)
    : start_(start_unix_seconds), risk_(to_client_risk_config(risk)) {}

Result<std::vector<ExposureWindow>> ClientPhoneMatcher::match(
    std::span<const Sighting> sightings, std::span<const TemporaryExposureKey> keys,
    std::int64_t now) {
  colour_ = Colour::kGreen;
  log_stats_ = {};
  rejected_ = 0;
  GL_RETURN_IF_ERROR(client::validate(risk_));
  auto db = client::Database::open(":memory:");
  GL_RETURN_IF_ERROR(db);
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
      GL_RETURN_IF_ERROR(log.record_scan(previous, {}));
    }
    GL_RETURN_IF_ERROR(log.record_scan(t, heard));
    last_scan = t;
  }
  auto stats = log.stats();
  GL_RETURN_IF_ERROR(stats);
  log_stats_ = *stats;
  auto snapshot = log.snapshot(kSnapshotHashSeed);
  GL_RETURN_IF_ERROR(snapshot);

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
      w.scans = cw.scans;
      out.push_back(std::move(w));
    }
  }
  sort_windows(out);

  const client::RiskSummary summary = client::score_windows(all, risk_, now);
  client::ColourInputs inputs;
  inputs.exposure_days = summary.days;
  colour_ = client::decide_colour(inputs, risk_, now).colour;
  return out;
}

}  // namespace greenlight::sim

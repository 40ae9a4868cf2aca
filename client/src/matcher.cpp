#include "greenlight/client/matcher.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "greenlight/client/clock.h"
#include "greenlight/crypto/hash.h"

namespace greenlight::client {

KeyTag key_tag(const Tek& key_data) {
  Sha256 hash;
  hash.update(as_bytes(std::string_view("GL-KEY-TAG")));
  hash.update(key_data.span());
  const Sha256Digest digest = hash.finish();
  KeyTag tag{};
  std::copy_n(digest.begin(), tag.size(), tag.begin());
  return tag;
}

namespace {

// One scan's accepted sightings of one key.
struct Seen {
  std::int64_t time = 0;
  std::int64_t attenuation_sum = 0;  // sum over observations of (tx_power - rssi)
  std::int64_t count = 0;
  std::int32_t min_attenuation = 0;
};

}  // namespace

std::vector<ExposureWindow> build_exposure_windows(
    const TemporaryExposureKey& key, const Aemk& aemk,
    std::span<const std::pair<std::uint32_t, const EncounterRecord*>> hits,
    const EncounterSnapshot& snapshot, const MatchOptions& options, MatchResult& counters) {
  std::vector<Seen> seen;
  std::uint8_t calibration = 0;
  bool have_calibration = false;
  for (const auto& [offset, record] : hits) {
    const BluetoothMetadata metadata = decode_metadata(decrypt_aem(aemk, record->rpi, record->aem));
    const std::int32_t tx = metadata.tx_power_dbm;
    if (tx < options.min_tx_power_dbm || tx > options.max_tx_power_dbm) {
      counters.sightings_bad_tx_power += record->sightings.size();
      continue;
    }
    const std::int64_t interval_start =
        unix_seconds_from_interval({key.rolling_start_interval_number.value + offset});
    for (const ScanSighting& s : record->sightings) {
      const std::int64_t drift = s.scan_time - interval_start;
      if (drift > options.clock_drift_seconds || drift < -options.clock_drift_seconds ||
          s.count == 0) {
        ++counters.sightings_outside_time_window;
        continue;
      }
      if (!have_calibration) {
        calibration = static_cast<std::uint8_t>((metadata.version >> 2) & 0x3U);
        have_calibration = true;
      }
      Seen one;
      one.time = s.scan_time;
      one.count = s.count;
      one.attenuation_sum = static_cast<std::int64_t>(tx) * s.count - s.rssi_sum;
      one.min_attenuation = std::max(tx - static_cast<std::int32_t>(s.max_rssi), 0);
      seen.push_back(one);
    }
  }
  std::sort(seen.begin(), seen.end(), [](const Seen& a, const Seen& b) { return a.time < b.time; });
  // Two RPIs of one key in the same scan (rotation overlap) are one scan instance.
  std::vector<Seen> merged;
  for (const Seen& s : seen) {
    if (!merged.empty() && merged.back().time == s.time) {
      merged.back().attenuation_sum += s.attenuation_sum;
      merged.back().count += s.count;
      merged.back().min_attenuation = std::min(merged.back().min_attenuation, s.min_attenuation);
    } else {
      merged.push_back(s);
    }
  }

  std::vector<ExposureWindow> windows;
  for (const Seen& s : merged) {
    if (windows.empty() || s.time - windows.back().start_time >= options.max_window_seconds) {
      ExposureWindow w;
      w.start_time = s.time;
      w.day = utc_day_start(s.time);
      w.report_type = key.report_type;
      w.days_since_onset = key.days_since_onset_of_symptoms;
      w.calibration_confidence = calibration;
      windows.push_back(std::move(w));
    }
    ScanInstance scan;
    const double mean = static_cast<double>(s.attenuation_sum) / static_cast<double>(s.count);
    scan.typical_attenuation_db = std::max(static_cast<std::int32_t>(std::lround(mean)), 0);
    scan.min_attenuation_db = s.min_attenuation;
    const auto previous = snapshot.previous_scan(s.time);
    scan.seconds_since_last_scan =
        previous ? static_cast<std::int32_t>(std::min<std::int64_t>(
                       options.max_seconds_since_last_scan, s.time - *previous))
                 : options.unknown_seconds_since_last_scan;
    windows.back().scans.push_back(scan);
  }
  return windows;
}

Matcher::Matcher(const EncounterSnapshot& snapshot, MatchOptions options)
    : snapshot_(snapshot), options_(options), rpis_(kTekRollingPeriod) {}

Matcher::~Matcher() = default;

bool Matcher::eligible(const TemporaryExposureKey& key) const {
  if (key.report_type == ReportType::kRevoked) return false;
  if (key.rolling_period < 1 || key.rolling_period > kTekRollingPeriod) return false;
  if (snapshot_.empty()) return false;
  const std::int64_t start = unix_seconds_from_interval(key.rolling_start_interval_number);
  const std::int64_t end = unix_seconds_from_interval(key.end_interval());
  if (key.end_interval() > interval_from_unix_seconds(options_.now)) return false;
  if (end <= options_.now - options_.retention_seconds) return false;
  // RPI_j can be accepted from 600 j - drift to 600 j + drift.
  const std::int64_t last_interval_start = end - kIntervalSeconds;
  if (last_interval_start + options_.clock_drift_seconds < snapshot_.earliest_sighting()) {
    return false;
  }
  if (start - options_.clock_drift_seconds > snapshot_.latest_sighting()) return false;
  return true;
}

void Matcher::collect(const TemporaryExposureKey& key, std::span<const Rpi> rpis,
                      MatchResult& result) {
  hits_.clear();
  snapshot_.find_all(rpis, hits_);
  if (hits_.empty()) return;
  const Aemk aemk = expander_.aemk(key.key_data);
  std::vector<ExposureWindow> windows =
      build_exposure_windows(key, aemk, hits_, snapshot_, options_, result);
  if (windows.empty()) return;
  ++result.keys_matched;
  result.exposures.push_back(KeyExposure{key_tag(key.key_data), std::move(windows)});
}

void Matcher::match(std::span<const TemporaryExposureKey> keys, MatchResult& result) {
  for (const TemporaryExposureKey& key : keys) {
    if (!eligible(key)) {
      ++result.keys_skipped;
      continue;
    }
    ++result.keys_expanded;
    const std::span<Rpi> out(rpis_.data(), key.rolling_period);
    expander_.expand_rpis(key.key_data, key.rolling_start_interval_number, out);
    collect(key, out, result);
  }
}

MatchResult Matcher::match(std::span<const TemporaryExposureKey> keys) {
  MatchResult result;
  match(keys, result);
  return result;
}

void Matcher::match_expanded(const TemporaryExposureKey& key, std::span<const Rpi> rpis,
                             MatchResult& result) {
  if (!eligible(key) || rpis.size() < key.rolling_period) {
    ++result.keys_skipped;
    return;
  }
  ++result.keys_expanded;
  collect(key, rpis.first(key.rolling_period), result);
}

}  // namespace greenlight::client

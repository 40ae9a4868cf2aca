#include "greenlight/client/matcher.h"

#include <catch2/catch.hpp>

#include "client_test_support.h"

namespace greenlight::client {
namespace {

using test::kDay0;
using test::kHour;
using test::kMinute;

EncounterRecord record_of(const Advertisement& ad, std::vector<ScanSighting> sightings) {
  EncounterRecord r;
  r.rpi = ad.rpi;
  r.aem = ad.aem;
  r.sightings = std::move(sightings);
  return r;
}

ScanSighting sighting(std::int64_t t, std::int8_t rssi) { return ScanSighting{t, rssi, 1, rssi}; }

TEST_CASE("an RPI counts only within +-2 h of its interval (A1, A3)", "[matcher][security]") {
  SeededRandom random(11);
  const TemporaryExposureKey key = test::random_key(random, kDay0);
  const EnIntervalNumber j{key.rolling_start_interval_number.value + 60};  // 10:00
  const Advertisement ad = test::advertise(key, j, -10);
  const std::int64_t at = unix_seconds_from_interval(j);

  struct Case {
    const char* name;
    std::int64_t delta;
    bool match;
  };
  const Case c =
      GENERATE(Case{"on time", 0, true}, Case{"+1h59m", 119 * kMinute, true},
               Case{"-1h59m", -119 * kMinute, true}, Case{"+2h exactly", 2 * kHour, true},
               Case{"+2h01m", 121 * kMinute, false}, Case{"-2h01m", -121 * kMinute, false},
               Case{"+1 day (rebroadcast after publication, A3)", 86400, false});
  CAPTURE(c.name);
  // Another RPI heard at `at` keeps the key within the log's time range, so the per-RPI
  // time check (not the cheap range check) decides.
  EncounterRecord unrelated;
  random.fill(unrelated.rpi);
  unrelated.sightings = {sighting(at, -70)};
  const EncounterSnapshot snapshot({record_of(ad, {sighting(at + c.delta, -60)}), unrelated},
                                   {at, at + c.delta}, 5);
  MatchOptions options;
  options.now = kDay0 + 3 * 86400;
  Matcher matcher(snapshot, options);
  const MatchResult result = matcher.match(std::span<const TemporaryExposureKey>(&key, 1));
  CHECK(result.keys_expanded == 1);
  CHECK(result.keys_matched == (c.match ? 1U : 0U));
  CHECK(result.sightings_outside_time_window == (c.match ? 0U : 1U));
}

TEST_CASE("keys that are still valid are not matched (A3)", "[matcher][security]") {
  SeededRandom random(12);
  const TemporaryExposureKey key = test::random_key(random, kDay0);
  const EnIntervalNumber j{key.rolling_start_interval_number.value + 60};
  const Advertisement ad = test::advertise(key, j, -10);
  const std::int64_t at = unix_seconds_from_interval(j);
  const EncounterSnapshot snapshot({record_of(ad, {sighting(at, -60)})}, {at}, 5);
  MatchOptions options;
  options.now = at + kHour;  // the key covers the rest of the day
  Matcher matcher(snapshot, options);
  CHECK_FALSE(matcher.eligible(key));
  const MatchResult result = matcher.match(std::span<const TemporaryExposureKey>(&key, 1));
  CHECK(result.keys_skipped == 1);
  CHECK(result.keys_matched == 0);
}

TEST_CASE("TX power outside [-50, +20] dBm rejects the sighting", "[matcher]") {
  SeededRandom random(13);
  const TemporaryExposureKey key = test::random_key(random, kDay0);
  const EnIntervalNumber j{key.rolling_start_interval_number.value + 30};
  const std::int64_t at = unix_seconds_from_interval(j);
  const auto tx = GENERATE(as<int>{}, -60, -51, -50, 20, 21, 30);
  const Advertisement ad = test::advertise(key, j, static_cast<std::int8_t>(tx));
  const EncounterSnapshot snapshot({record_of(ad, {sighting(at, -80)})}, {at}, 5);
  MatchOptions options;
  options.now = kDay0 + 2 * 86400;
  Matcher matcher(snapshot, options);
  const MatchResult result = matcher.match(std::span<const TemporaryExposureKey>(&key, 1));
  const bool accepted = tx >= -50 && tx <= 20;
  CAPTURE(tx);
  CHECK(result.keys_matched == (accepted ? 1U : 0U));
  CHECK(result.sightings_bad_tx_power == (accepted ? 0U : 1U));
  if (accepted) {
    CHECK(result.exposures[0].windows[0].scans[0].min_attenuation_db == std::max(tx + 80, 0));
  }
}

TEST_CASE("exposure windows hold scan instances of at most 30 minutes", "[matcher]") {
  SeededRandom random(14);
  TemporaryExposureKey key = test::random_key(random, kDay0, ReportType::kSelfReport);
  key.days_since_onset_of_symptoms = 2;
  const std::int64_t start = kDay0 + 14 * kHour;  // interval 84 of the day
  // The phone scans every 5 minutes from 13:40; the neighbour is heard from 14:00 to 14:40,
  // changing RPI every 10 minutes, with two observations per scan.
  std::vector<std::int64_t> scans;
  for (std::int64_t t = start - 20 * kMinute; t <= start + 60 * kMinute; t += 5 * kMinute) {
    scans.push_back(t);
  }
  std::vector<EncounterRecord> records;
  for (std::int64_t slot = 0; slot < 4; ++slot) {
    const std::int64_t slot_start = start + slot * 10 * kMinute;
    const Advertisement ad = test::advertise(key, interval_from_unix_seconds(slot_start), -10);
    // RSSI -60 and -64: attenuations 50 and 54, typical 52, min 50.
    records.push_back(record_of(ad, {ScanSighting{slot_start, -124, 2, -60},
                                     ScanSighting{slot_start + 5 * kMinute, -124, 2, -60}}));
  }
  const EncounterSnapshot snapshot(std::move(records), scans, 99);
  MatchOptions options;
  options.now = kDay0 + 2 * 86400;
  Matcher matcher(snapshot, options);
  const MatchResult result = matcher.match(std::span<const TemporaryExposureKey>(&key, 1));
  REQUIRE(result.keys_matched == 1);
  const std::vector<ExposureWindow>& windows = result.exposures[0].windows;
  CHECK(result.exposures[0].tag == key_tag(key.key_data));
  REQUIRE(windows.size() == 2);  // 14:00-14:25 and 14:30-14:35
  CHECK(windows[0].start_time == start);
  CHECK(windows[0].day == kDay0);
  CHECK(windows[0].scans.size() == 6);
  CHECK(windows[1].start_time == start + 30 * kMinute);
  CHECK(windows[1].scans.size() == 2);
  CHECK(windows[0].report_type == ReportType::kSelfReport);
  CHECK(windows[0].days_since_onset == 2);
  for (const ExposureWindow& w : windows) {
    for (const ScanInstance& s : w.scans) {
      CHECK(s.typical_attenuation_db == 52);
      CHECK(s.min_attenuation_db == 50);
      CHECK(s.seconds_since_last_scan == 300);
    }
  }
}

TEST_CASE("seconds since last scan is capped at 300 and 120 when unknown", "[matcher]") {
  SeededRandom random(15);
  const TemporaryExposureKey key = test::random_key(random, kDay0);
  const std::int64_t t = kDay0 + 8 * kHour;
  const Advertisement ad = test::advertise(key, interval_from_unix_seconds(t), -10);
  const std::int64_t previous = GENERATE(as<std::int64_t>{}, 0, 180, 900);
  std::vector<std::int64_t> scans{t};
  if (previous != 0) scans.push_back(t - previous);
  const EncounterSnapshot snapshot({record_of(ad, {sighting(t, -70)})}, scans, 1);
  MatchOptions options;
  options.now = kDay0 + 86400;
  Matcher matcher(snapshot, options);
  const MatchResult result = matcher.match(std::span<const TemporaryExposureKey>(&key, 1));
  REQUIRE(result.keys_matched == 1);
  const int expected =
      previous == 0 ? 120 : static_cast<int>(std::min<std::int64_t>(previous, 300));
  CHECK(result.exposures[0].windows[0].scans[0].seconds_since_last_scan == expected);
}

TEST_CASE("revoked keys, bad rolling periods and old keys are skipped", "[matcher]") {
  SeededRandom random(16);
  const std::int64_t at = kDay0 + 10 * kHour;
  TemporaryExposureKey revoked = test::random_key(random, kDay0, ReportType::kRevoked);
  TemporaryExposureKey bad_period = test::random_key(random, kDay0);
  bad_period.rolling_period = 145;
  TemporaryExposureKey old = test::random_key(random, kDay0 - 20 * 86400);
  const Advertisement ad = test::advertise(revoked, interval_from_unix_seconds(at), -10);
  const EncounterSnapshot snapshot({record_of(ad, {sighting(at, -60)})}, {at}, 1);
  MatchOptions options;
  options.now = kDay0 + 86400;
  Matcher matcher(snapshot, options);
  const std::vector<TemporaryExposureKey> keys{revoked, bad_period, old};
  const MatchResult result = matcher.match(keys);
  CHECK(result.keys_skipped == 3);
  CHECK(result.keys_expanded == 0);
}

TEST_CASE("match_expanded gives the same windows as match", "[matcher]") {
  SeededRandom random(17);
  const TemporaryExposureKey key = test::random_key(random, kDay0);
  const std::int64_t at = kDay0 + 10 * kHour;
  const Advertisement ad = test::advertise(key, interval_from_unix_seconds(at), -10);
  const EncounterSnapshot snapshot({record_of(ad, {sighting(at, -60), sighting(at + 300, -66)})},
                                   {at - 300, at, at + 300}, 1);
  MatchOptions options;
  options.now = kDay0 + 86400;
  Matcher matcher(snapshot, options);
  const MatchResult direct = matcher.match(std::span<const TemporaryExposureKey>(&key, 1));
  std::vector<Rpi> rpis(144);
  GaenExpander expander;
  expander.expand_rpis(key.key_data, key.rolling_start_interval_number, rpis);
  MatchResult shared;
  matcher.match_expanded(key, rpis, shared);
  REQUIRE(direct.exposures.size() == 1);
  REQUIRE(shared.exposures.size() == 1);
  CHECK(direct.exposures[0].windows == shared.exposures[0].windows);
}

}  // namespace
}  // namespace greenlight::client

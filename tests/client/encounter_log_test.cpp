#include "greenlight/client/encounter_log.h"

#include <catch2/catch.hpp>

#include "client_test_support.h"
#include "greenlight/client/matcher.h"

namespace greenlight::client {
namespace {

using test::kDay0;
using test::kHour;
using test::kMinute;

Observation random_observation(RandomSource& random, std::int8_t rssi) {
  Observation o;
  random.fill(o.rpi);
  random.fill(o.aem);
  o.rssi_dbm = rssi;
  return o;
}

TEST_CASE("observations aggregate per RPI and scan", "[encounter_log]") {
  auto db = Database::open(":memory:");
  REQUIRE(db);
  EncounterLog log(*db);
  SeededRandom random(1);
  Observation o = random_observation(random, -60);
  const std::int64_t t0 = kDay0 + 9 * kHour;
  REQUIRE(log.record_observation(t0, o));
  o.rssi_dbm = -70;
  REQUIRE(log.record_observation(t0 + 2, o));
  o.rssi_dbm = -50;
  REQUIRE(log.record_observation(t0 + 4, o));
  // Another RPI heard in the same scan.
  const Observation other = random_observation(random, -80);
  REQUIRE(log.record_observation(t0 + 5, other));
  // The next scan, five minutes later.
  o.rssi_dbm = -65;
  REQUIRE(log.record_scan(t0 + 300, std::span<const Observation>(&o, 1)));
  // An empty scan still counts as a scan.
  REQUIRE(log.record_scan(t0 + 600, {}));

  auto snapshot = log.snapshot(3);
  REQUIRE(snapshot);
  CHECK(snapshot->records().size() == 2);
  CHECK(snapshot->scan_times().size() == 3);
  const EncounterRecord* record = snapshot->find(o.rpi);
  REQUIRE(record != nullptr);
  CHECK(record->aem == o.aem);
  REQUIRE(record->sightings.size() == 2);
  CHECK(record->sightings[0].scan_time == t0);
  CHECK(record->sightings[0].count == 3);
  CHECK(record->sightings[0].rssi_sum == -180);
  CHECK(record->sightings[0].max_rssi == -50);
  CHECK(record->sightings[0].mean_rssi() == Approx(-60.0));
  CHECK(record->sightings[1].scan_time == t0 + 300);
  CHECK(record->sightings[1].count == 1);
  REQUIRE(snapshot->find(other.rpi) != nullptr);
  CHECK(snapshot->find(other.rpi)->sightings[0].scan_time == t0);
  CHECK(snapshot->previous_scan(t0 + 300) == t0);
  CHECK_FALSE(snapshot->previous_scan(t0).has_value());

  auto stats = log.stats();
  REQUIRE(stats);
  CHECK(stats->rpis == 2);
  CHECK(stats->confirmed == 1);
  CHECK(stats->pending == 1);
  CHECK(stats->scans == 3);
}

TEST_CASE("one RPI stores a bounded number of sightings", "[encounter_log]") {
  auto db = Database::open(":memory:");
  REQUIRE(db);
  EncounterLogLimits limits;
  EncounterLog log(*db, limits);
  SeededRandom random(2);
  const Observation o = random_observation(random, -60);
  const std::int64_t t0 = kDay0 + 9 * kHour;
  // Heard every 4 minutes for 6 hours: only max_scans_per_rpi sightings, all within 4 h.
  for (std::int64_t t = t0; t < t0 + 6 * kHour; t += 4 * kMinute) {
    REQUIRE(log.record_scan(t, std::span<const Observation>(&o, 1)));
  }
  // A sighting earlier than the stored ones is out of order and dropped.
  REQUIRE(log.record_scan(t0 - kHour, std::span<const Observation>(&o, 1)));
  auto snapshot = log.snapshot(1);
  REQUIRE(snapshot);
  const EncounterRecord* record = snapshot->find(o.rpi);
  REQUIRE(record != nullptr);
  CHECK(record->sightings.size() == limits.max_scans_per_rpi);
  for (const ScanSighting& s : record->sightings) {
    CHECK(s.scan_time >= t0);
    CHECK(s.scan_time - t0 <= limits.max_rpi_span_seconds);
  }
  auto stats = log.stats();
  REQUIRE(stats);
  CHECK(stats->dropped_sightings == 90 - static_cast<std::int64_t>(limits.max_scans_per_rpi) + 1);
}

TEST_CASE("a flood of random RPIs neither evicts a real contact nor grows the log (A8)",
          "[encounter_log][security]") {
  test::TempDir dir;
  auto db = Database::open(dir.file("device.db"));
  REQUIRE(db);
  EncounterLog log(*db);
  const EncounterLogLimits& limits = log.limits();
  SeededRandom random(3);

  // The real neighbour: 1 m away for 20 minutes around 10:00, TX power -10 dBm, heard at
  // -65 dBm (attenuation 55). The flood is closer and louder (-40 dBm).
  const TemporaryExposureKey neighbour = test::random_key(random, kDay0);
  const std::int64_t contact_start = kDay0 + 10 * kHour;
  const std::int64_t contact_end = contact_start + 20 * kMinute;

  std::size_t flood_count = 0;
  constexpr std::size_t kFloodPerScan = 348;  // 288 scans x 348 ~ 100k RPIs in the day
  for (std::int64_t t = kDay0; t < kDay0 + 86400; t += 300) {
    std::vector<Observation> heard;
    for (std::size_t i = 0; i < kFloodPerScan; ++i)
      heard.push_back(random_observation(random, -40));
    flood_count += kFloodPerScan;
    if (t >= contact_start && t < contact_end) {
      const Advertisement ad = test::advertise(neighbour, interval_from_unix_seconds(t), -10);
      heard.push_back(test::heard(ad, -65));
    }
    REQUIRE(log.record_scan(t, heard));
  }
  CHECK(flood_count >= 100000);

  auto stats = log.stats();
  REQUIRE(stats);
  const std::size_t bound = limits.max_rows(86400);
  CAPTURE(stats->rpis, bound, stats->evicted_pending, stats->evicted_one_off);
  CHECK(static_cast<std::size_t>(stats->rpis) <= bound);
  CHECK(stats->evicted_one_off > 0);  // the flood did hit the caps
  auto size = db->size_bytes();
  REQUIRE(size);
  CAPTURE(*size);
  CHECK(static_cast<std::size_t>(*size) <= bound * kMaxRowBytes);

  // Every sighting of the neighbour survived and it matches once its key is published.
  auto snapshot = log.snapshot(4);
  REQUIRE(snapshot);
  std::size_t sightings = 0;
  // The neighbour changed RPI at 10:10: two RPIs, each heard in two scans.
  for (std::int64_t t = contact_start; t < contact_end; t += 600) {
    const Advertisement ad = test::advertise(neighbour, interval_from_unix_seconds(t), -10);
    const EncounterRecord* record = snapshot->find(ad.rpi);
    REQUIRE(record != nullptr);
    sightings += record->sightings.size();
  }
  CHECK(sightings == 4);
  MatchOptions options;
  options.now = kDay0 + 86400 + 3 * kHour;
  Matcher matcher(*snapshot, options);
  const MatchResult result = matcher.match(std::span<const TemporaryExposureKey>(&neighbour, 1));
  REQUIRE(result.keys_matched == 1);
  REQUIRE(result.exposures[0].windows.size() == 1);
  CHECK(result.exposures[0].windows[0].scans.size() == 4);
}

TEST_CASE("confirmed contacts beat one-off sightings in a full interval", "[encounter_log]") {
  auto db = Database::open(":memory:");
  REQUIRE(db);
  EncounterLogLimits limits;
  limits.max_confirmed_per_interval = 2;
  limits.max_one_off_per_interval = 1;
  EncounterLog log(*db, limits);
  SeededRandom random(5);
  const std::int64_t t0 = kDay0 + 9 * kHour;
  const Observation a = random_observation(random, -70);  // 3 scans
  const Observation b = random_observation(random, -60);  // 2 scans, strong
  const Observation c = random_observation(random, -75);  // 2 scans, weak
  std::vector<Observation> first{a, b, c};
  for (int i = 0; i < 5; ++i)
    first.push_back(random_observation(random, static_cast<std::int8_t>(-50 - i)));
  REQUIRE(log.record_scan(t0, first));
  const std::vector<Observation> second{a, b, c};
  REQUIRE(log.record_scan(t0 + 240, second));
  const std::vector<Observation> third{a};
  REQUIRE(log.record_scan(t0 + 480, third));
  // Let the pending time pass so the one-off cap applies.
  REQUIRE(log.record_scan(t0 + 3600, {}));

  auto snapshot = log.snapshot(1);
  REQUIRE(snapshot);
  CHECK(snapshot->find(a.rpi) != nullptr);
  CHECK(snapshot->find(b.rpi) != nullptr);
  CHECK(snapshot->find(c.rpi) == nullptr);  // lowest ranked confirmed
  CHECK(snapshot->records().size() == 3);   // a, b and the strongest one-off
  auto stats = log.stats();
  REQUIRE(stats);
  CHECK(stats->evicted_confirmed == 1);
  CHECK(stats->evicted_one_off == 4);
}

TEST_CASE("delete_older_than removes old RPIs and scans", "[encounter_log]") {
  auto db = Database::open(":memory:");
  REQUIRE(db);
  EncounterLog log(*db);
  SeededRandom random(6);
  const Observation old_one = random_observation(random, -60);
  const Observation new_one = random_observation(random, -60);
  REQUIRE(log.record_scan(kDay0, std::span<const Observation>(&old_one, 1)));
  REQUIRE(log.record_scan(kDay0 + 86400, std::span<const Observation>(&new_one, 1)));
  REQUIRE(log.delete_older_than(kDay0 + 3600));
  auto snapshot = log.snapshot(1);
  REQUIRE(snapshot);
  CHECK(snapshot->find(old_one.rpi) == nullptr);
  CHECK(snapshot->find(new_one.rpi) != nullptr);
  CHECK(snapshot->scan_times().size() == 1);
}

}  // namespace
}  // namespace greenlight::client

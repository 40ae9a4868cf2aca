#include "greenlight/client/encounter_snapshot.h"

#include <catch2/catch.hpp>

#include "greenlight/crypto/random.h"

namespace greenlight::client {
namespace {

TEST_CASE("the snapshot finds every RPI it holds and nothing else", "[encounter_snapshot]") {
  SeededRandom random(18);
  std::vector<EncounterRecord> records(5000);
  for (auto& r : records) random.fill(r.rpi);
  // RPIs that share their first 8 bytes (a crafted flood) are still told apart.
  for (std::size_t i = 0; i < 100; ++i) {
    std::copy_n(records[0].rpi.begin(), 8, records[i + 1].rpi.begin());
  }
  const std::vector<EncounterRecord> copy = records;
  const EncounterSnapshot snapshot(std::move(records), {}, 1234);
  for (const auto& r : copy) {
    const EncounterRecord* found = snapshot.find(r.rpi);
    REQUIRE(found != nullptr);
    CHECK(found->rpi == r.rpi);
  }
  for (int i = 0; i < 1000; ++i) {
    Rpi missing{};
    random.fill(missing);
    CHECK(snapshot.find(missing) == nullptr);
  }
}

TEST_CASE("find_all reports the index and record of every hit", "[encounter_snapshot]") {
  SeededRandom random(19);
  std::vector<EncounterRecord> records(300);
  for (auto& r : records) random.fill(r.rpi);
  std::vector<Rpi> query(600);
  for (auto& q : query) random.fill(q);
  // 300 queries (more than one internal block of 256) with hits at known places.
  for (std::uint32_t i = 0; i < 600; i += 7) query[i] = records[i % records.size()].rpi;
  const EncounterSnapshot snapshot(records, {}, 77);
  std::vector<std::pair<std::uint32_t, const EncounterRecord*>> hits;
  snapshot.find_all(query, hits);
  std::size_t expected = 0;
  for (std::uint32_t i = 0; i < 600; i += 7) ++expected;
  REQUIRE(hits.size() == expected);
  for (const auto& [index, record] : hits) {
    CHECK(index % 7 == 0);
    CHECK(record->rpi == query[index]);
  }
  const EncounterSnapshot empty;
  hits.clear();
  empty.find_all(query, hits);
  CHECK(hits.empty());
  CHECK(empty.find(query[0]) == nullptr);
}

TEST_CASE("the snapshot knows the scans and the sighting range", "[encounter_snapshot]") {
  EncounterRecord r;
  r.sightings = {ScanSighting{1000, -60, 1, -60}, ScanSighting{1300, -120, 2, -58}};
  const EncounterSnapshot snapshot({r}, {1300, 700, 1000, 1000}, 1);
  CHECK(snapshot.scan_times().size() == 3);
  CHECK(snapshot.previous_scan(1000) == 700);
  CHECK(snapshot.previous_scan(1001) == 1000);
  CHECK_FALSE(snapshot.previous_scan(700).has_value());
  CHECK(snapshot.earliest_sighting() == 1000);
  CHECK(snapshot.latest_sighting() == 1300);
  CHECK(r.sightings[1].mean_rssi() == Approx(-60.0));
}

}  // namespace
}  // namespace greenlight::client

#include "greenlight/sim/publisher.h"

#include <array>
#include <catch2/catch.hpp>
#include <set>

#include "greenlight/sim/phone_keys.h"

namespace greenlight::sim {

TEST_CASE("in-memory publisher: embargo, days since onset, each key once") {
  const std::int64_t start = 1709251200;
  const TekSchedule schedule(1, start);
  InMemoryPublisher pub;
  SimUpload up;
  up.keys = {schedule.key(3, 0), schedule.key(3, 1), schedule.key(3, 2)};
  up.symptom_onset_interval = schedule.day_interval(1);
  const std::int64_t day = 86400;
  REQUIRE(pub.publish(up, start + 2 * day + 3600));
  // The key of day 2 ends at midnight of day 3 and is embargoed until 02:00.
  auto first = pub.fetch_new(start + 2 * day + 7200);
  REQUIRE(first);
  REQUIRE(first->keys.size() == 2);
  auto second = pub.fetch_new(start + 3 * day + 3600);
  REQUIRE(second);
  CHECK(second->keys.empty());
  auto third = pub.fetch_new(start + 3 * day + 7200);
  REQUIRE(third);
  REQUIRE(third->keys.size() == 1);
  CHECK(third->keys[0].days_since_onset_of_symptoms == 1);
  CHECK(third->keys[0].report_type == ReportType::kConfirmedTest);
  // Days 0 and 1 with the onset on day 1 (the batch sorted by key bytes, not by day).
  std::set<std::int32_t> dsos;
  for (const auto& k : first->keys) {
    REQUIRE(k.days_since_onset_of_symptoms.has_value());
    dsos.insert(*k.days_since_onset_of_symptoms);
  }
  CHECK(dsos == std::set<std::int32_t>{-1, 0});
  CHECK(pub.holdings().uploads == 1);
  CHECK(pub.holdings().keys == 3);
  CHECK(pub.fetch_new(start + 10 * day)->keys.empty());
}

TEST_CASE("TEKs are reproducible, distinct per phone and day") {
  const TekSchedule a(9, 1709251200);
  const TekSchedule b(9, 1709251200);
  CHECK(a.tek(5, 3) == b.tek(5, 3));
  CHECK_FALSE(a.tek(5, 3) == a.tek(6, 3));
  CHECK_FALSE(a.tek(5, 3) == a.tek(5, 4));
  CHECK_FALSE(a.tek(5, 3) == TekSchedule(10, 1709251200).tek(5, 3));
  CHECK(a.key(5, 3).rolling_start_interval_number.value == 1709251200 / 600 + 3 * 144);
  CHECK(days_since_onset(a.key(1, 10), a.day_interval(2)) == 8);
  CHECK_FALSE(days_since_onset(a.key(1, 20), a.day_interval(2)).has_value());
}

TEST_CASE("a phone's TEK is its entry of the day's chunk") {
  const TekSchedule s(9, 1709251200);
  std::array<Tek, kTekChunk> whole;
  s.chunk(2 * kTekChunk, 4, whole);
  for (const std::uint32_t i : {0u, 1u, 100u, kTekChunk - 1}) {
    CAPTURE(i);
    CHECK(s.tek(2 * kTekChunk + i, 4) == whole[i]);
  }
}

}  // namespace greenlight::sim

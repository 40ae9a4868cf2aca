#include "greenlight/sim/encounter_store.h"

#include <catch2/catch.hpp>

namespace greenlight::sim {

TEST_CASE("a run's listener is kept in three bytes, and in four above 2^24 people") {
  const std::vector<std::uint32_t> narrow{0, 1, 0xffff, 0x10000, 0x123456, 0xfffffe};
  EncounterStore small(0xffffff, 14);
  DayEncounters& a = small.begin_day(3);
  CHECK_FALSE(a.wide);
  for (std::uint32_t i = 0; i < narrow.size(); ++i) a.append_run(narrow[i], 100 + i, 7 * i);
  REQUIRE(a.runs() == narrow.size());
  for (std::uint32_t i = 0; i < narrow.size(); ++i) {
    CHECK(a.listener(i) == narrow[i]);
    CHECK(a.rpi_tag[i] == 100 + i);
    CHECK(a.meta[i] == 7 * i);
  }
  CHECK(a.listener_top.empty());
  // 2 + 1 bytes of listener, 4 of tag and 4 of meta a run, and the offsets.
  CHECK(a.memory_bytes() >= narrow.size() * 11);

  EncounterStore big(0x1000001, 14);
  DayEncounters& b = big.begin_day(3);
  CHECK(b.wide);
  const std::vector<std::uint32_t> wide{0xffffff, 0x1000000, 0x1000000 + 0x12345};
  b.resize_runs(wide.size());
  for (std::uint32_t i = 0; i < wide.size(); ++i) b.set_listener(i, wide[i]);
  for (std::uint32_t i = 0; i < wide.size(); ++i) CHECK(b.listener(i) == wide[i]);

  // A new day in the ring slot starts empty.
  DayEncounters& again = small.begin_day(3 + 15);
  CHECK(again.runs() == 0);
  CHECK(small.find(3) == nullptr);
  CHECK(small.find(18) == &again);
}

TEST_CASE("a store of some broadcasters keeps offsets for those phones only") {
  // One MPI rank's part: the runs in which phones 300..699 of 1,000 were heard.
  EncounterStore part(1000, 14, 300, 700);
  CHECK(part.first_phone() == 300);
  CHECK(part.end_phone() == 700);
  DayEncounters& d = part.begin_day(5);
  CHECK(d.first_phone == 300);
  CHECK(d.end_phone() == 700);
  REQUIRE(d.offsets.size() == 401);
  // Phone 300 + i was heard i % 3 times, by listeners anywhere in the population.
  for (std::uint32_t i = 0; i < 400; ++i) {
    d.offsets[i] = static_cast<std::uint32_t>(d.runs());
    for (std::uint32_t k = 0; k < i % 3; ++k) d.append_run((i * 7 + k) % 1000, i, k);
  }
  d.offsets[400] = static_cast<std::uint32_t>(d.runs());
  CHECK(d.runs_begin(700) == d.runs());
  for (std::uint32_t i = 0; i < 400; ++i) {
    const std::uint32_t p = 300 + i;
    REQUIRE(d.runs_begin(p + 1) - d.runs_begin(p) == i % 3);
    for (std::uint32_t r = d.runs_begin(p); r < d.runs_begin(p + 1); ++r) {
      CHECK(d.broadcaster(r) == p);
      CHECK(d.rpi_tag[r] == i);
    }
  }
  // Four bytes per phone of the part and day, not per phone of the population.
  CHECK(d.offsets.capacity() < 1000);
  // The whole population by default; a range beyond it is cut to it.
  CHECK(EncounterStore(1000, 14).begin_day(0).offsets.size() == 1001);
  EncounterStore tail(1000, 14, 900, 5000);
  CHECK(tail.end_phone() == 1000);
  CHECK(tail.begin_day(0).offsets.size() == 101);
}

}  // namespace greenlight::sim

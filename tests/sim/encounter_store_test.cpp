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

}  // namespace greenlight::sim

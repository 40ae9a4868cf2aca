#include "greenlight/sim/matching.h"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <utility>
#include <vector>

#include "greenlight/sim/phone_keys.h"

namespace greenlight::sim {

TEST_CASE("an RPI's prefix is its first 8 bytes and its tag its first 4, little-endian") {
  Rpi rpi{};
  for (std::size_t i = 0; i < rpi.size(); ++i) rpi[i] = static_cast<std::uint8_t>(0xa1 + i);
  CHECK(rpi_prefix(rpi) == 0xa8a7a6a5a4a3a2a1ULL);
  CHECK(rpi_tag(rpi) == 0xa4a3a2a1u);
}

TEST_CASE("the shared table finds every RPI of a key, and nothing else") {
  const TekSchedule schedule(42, 1709251200);
  GaenExpander expander;
  std::vector<TemporaryExposureKey> keys{schedule.key(1, 3), schedule.key(2, 3),
                                         schedule.key(1, 4)};
  SharedRpiTable table;
  REQUIRE(table.build(keys, schedule, 0, 10, expander));
  CHECK(table.keys_expanded() == 3);
  CHECK(table.entries() == 3 * 144);
  CHECK(table.days() == std::vector<std::uint32_t>{3, 4});
  for (std::uint32_t k = 0; k < keys.size(); ++k) {
    for (std::uint32_t j : {0u, 71u, 143u}) {
      const Rpi rpi = make_rpi(derive_rpik(keys[k].key_data),
                               {keys[k].rolling_start_interval_number.value + j});
      const auto e =
          table.find(schedule.day_of(keys[k].rolling_start_interval_number), rpi_tag(rpi));
      REQUIRE(e);
      CHECK(e->key_index == k);
      CHECK(e->interval_offset == j);
    }
  }
  // Another phone's RPI, and a key's RPI looked up on the wrong day, are not found.
  const Rpi other = make_rpi(derive_rpik(schedule.tek(3, 3)), schedule.day_interval(3));
  CHECK_FALSE(table.find(3, rpi_tag(other)));
  const Rpi day3 = make_rpi(derive_rpik(keys[0].key_data), schedule.day_interval(3));
  CHECK_FALSE(table.find(4, rpi_tag(day3)));
  // Keys outside the retained days are not expanded.
  SharedRpiTable old;
  REQUIRE(old.build(keys, schedule, 5, 10, expander));
  CHECK(old.entries() == 0);
}

TEST_CASE("a day whose keys are all owned keeps their RPI tags and no lookup; others keep theirs") {
  const TekSchedule schedule(42, 1709251200);
  GaenExpander expander;
  GaenExpander* const expanders[] = {&expander};
  std::vector<TemporaryExposureKey> keys{schedule.key(1, 3), schedule.key(2, 4),
                                         schedule.key(5, 3)};
  keys[2].rolling_period = 100;  // a key valid for part of its day only
  // Both keys of day 3 have a known uploader, day 4's key has none.
  const std::vector<std::uint8_t> owned{1, 0, 1};
  SharedRpiTable table;
  REQUIRE(table.build(keys, schedule, 0, 10, expanders, owned));
  CHECK(table.keys_expanded() == 3);
  CHECK(table.entries() == 2 * 144 + 100);
  const SharedRpiTable::DayTable* day3 = table.day(3);
  const SharedRpiTable::DayTable* day4 = table.day(4);
  REQUIRE(day3 != nullptr);
  REQUIRE(day4 != nullptr);
  CHECK(day3->tags_only());
  CHECK_FALSE(day4->tags_only());
  REQUIRE(day3->key_indices().size() == 2);
  for (std::size_t k = 0; k < 2; ++k) {
    const auto& key = keys[day3->key_indices()[k]];
    const auto tags = day3->key_tags(k);
    REQUIRE(tags.size() == key.rolling_period);
    const Rpik rpik = derive_rpik(key.key_data);
    for (std::uint32_t j = 0; j < tags.size(); ++j) {
      CHECK(tags[j] == rpi_tag(make_rpi(rpik, {key.rolling_start_interval_number.value + j})));
    }
    // No lookup on a tags-only day.
    CHECK_FALSE(table.find(3, tags[0]));
  }
  // Day 4 is looked up as before.
  const Rpi rpi = make_rpi(derive_rpik(keys[1].key_data), schedule.day_interval(4));
  const auto e = table.find(4, rpi_tag(rpi));
  REQUIRE(e);
  CHECK(e->key_index == 1);
  // One flag per key or none.
  const std::vector<std::uint8_t> too_few{1, 1};
  const auto wrong = table.build(keys, schedule, 0, 10, expanders, too_few);
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == ErrorCode::kInvalidArgument);
}

TEST_CASE("the shared table keeps the interval of a key that starts late in its day") {
  // A key starting at interval 130 of its day reaches offset 130 + 143 = 273 of that day;
  // its key index must survive next to an offset above 255.
  const TekSchedule schedule(11, 1709251200);
  std::vector<TemporaryExposureKey> keys{schedule.key(1, 3), schedule.key(2, 3)};
  keys[1].rolling_start_interval_number = {schedule.day_interval(3).value + 130};
  SharedRpiTable table;
  GaenExpander expander;
  REQUIRE(table.build(keys, schedule, 0, 10, expander));
  CHECK(table.entries() == 2 * 144);
  for (std::uint32_t j : {0u, 125u, 143u}) {
    const Rpi rpi =
        make_rpi(derive_rpik(keys[1].key_data), {keys[1].rolling_start_interval_number.value + j});
    const auto e = table.find(3, rpi_tag(rpi));
    REQUIRE(e);
    CHECK(e->key_index == 1);
    CHECK(e->interval_offset == 130 + j);
  }
}

TEST_CASE("the shared table visits every RPI that shares a tag") {
  // 2,000 keys of one day have 288,000 RPIs, among which about ten pairs share their first
  // four bytes (288,000^2 / 2^33); each RPI of such a pair is found by the tag.
  const TekSchedule schedule(7, 1709251200);
  std::vector<TemporaryExposureKey> keys;
  for (std::uint32_t p = 0; p < 2000; ++p) keys.push_back(schedule.key(p, 3));
  GaenExpander expander;
  SharedRpiTable table;
  REQUIRE(table.build(keys, schedule, 0, 10, expander));
  REQUIRE(table.entries() == 2000 * 144);
  struct Where {
    std::uint32_t tag;
    std::uint32_t key_index;
    std::uint32_t offset;
  };
  std::vector<Where> all;
  std::array<Rpi, kTekRollingPeriod> rpis;
  for (std::uint32_t k = 0; k < keys.size(); ++k) {
    expander.expand_rpis(keys[k].key_data, keys[k].rolling_start_interval_number, rpis);
    for (std::uint32_t j = 0; j < kTekRollingPeriod; ++j) all.push_back({rpi_tag(rpis[j]), k, j});
  }
  std::sort(all.begin(), all.end(), [](const Where& a, const Where& b) { return a.tag < b.tag; });
  const SharedRpiTable::DayTable* day = table.day(3);
  REQUIRE(day != nullptr);
  std::size_t shared = 0;
  for (std::size_t i = 0; i + 1 < all.size(); ++i) {
    if (all[i].tag != all[i + 1].tag) continue;
    ++shared;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> seen;
    const std::uint32_t tag = all[i].tag;
    day->for_each(tag, SharedRpiTable::DayTable::spread(tag), [&](const SharedRpiTable::Entry& e) {
      seen.emplace_back(e.key_index, e.interval_offset);
      return false;
    });
    CAPTURE(tag);
    CHECK(seen.size() >= 2);
    CHECK(std::find(seen.begin(), seen.end(), std::pair{all[i].key_index, all[i].offset}) !=
          seen.end());
    CHECK(std::find(seen.begin(), seen.end(), std::pair{all[i + 1].key_index, all[i + 1].offset}) !=
          seen.end());
    // Returning true stops at the first.
    std::size_t visits = 0;
    day->for_each(tag, SharedRpiTable::DayTable::spread(tag), [&](const SharedRpiTable::Entry&) {
      ++visits;
      return true;
    });
    CHECK(visits == 1);
  }
  CHECK(shared >= 3);
}

TEST_CASE("the literal matcher rejects sightings outside the +-2 h tolerance and wrong AEMs") {
  const std::int64_t start = 1709251200;
  const TekSchedule schedule(5, start);
  const TemporaryExposureKey key = schedule.key(9, 2);
  const Rpik rpik = derive_rpik(key.key_data);
  const Aemk aemk = derive_aemk(key.key_data);
  const EnIntervalNumber j{key.rolling_start_interval_number.value + 60};
  Sighting good;
  good.rpi = make_rpi(rpik, j);
  good.aem = encrypt_aem(aemk, good.rpi, simulated_metadata());
  good.unix_seconds = unix_seconds_from_interval(j) + 60;
  good.attenuation_db = 50;
  Sighting late = good;
  late.unix_seconds = unix_seconds_from_interval({j.value + 13});
  Sighting edge = good;
  edge.unix_seconds = unix_seconds_from_interval({j.value + 12});
  Sighting bad_aem = good;
  bad_aem.aem[0] ^= 1;
  LiteralPhoneMatcher matcher(start);
  const std::vector<TemporaryExposureKey> keys{key};
  auto only = [&](const Sighting& s) {
    auto w = matcher.match(std::vector<Sighting>{s}, keys, start + 86400 * 4);
    REQUIRE(w);
    return w->size();
  };
  CHECK(only(good) == 1);
  CHECK(only(edge) == 1);
  CHECK(only(late) == 0);
  CHECK(only(bad_aem) == 0);
}

}  // namespace greenlight::sim

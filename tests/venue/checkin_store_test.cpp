#include "greenlight/client/checkin_store.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "greenlight/client/database.h"
#include "venue_test_support.h"

namespace greenlight::client {
namespace {

using test::make_venue;

constexpr std::int64_t kNoon = 1764072000;  // 2025-11-25 12:00:00 UTC

CheckinStoreKey key_from(std::uint8_t fill) {
  ByteArray<32> k{};
  k.fill(fill);
  return CheckinStoreKey(k);
}

Database open_memory_db() {
  auto d = Database::open(":memory:");
  REQUIRE(d);
  return std::move(*d);
}

CheckinStore open_store(Database& db, const Clock& clock, RandomSource& rng) {
  auto s = CheckinStore::open(db, key_from(1), clock, rng);
  REQUIRE(s);
  return std::move(*s);
}

struct Fixture {
  ManualClock clock{kNoon};
  SeededRandom rng{5};
  Database db = open_memory_db();
  CheckinStore store = open_store(db, clock, rng);
};

TEST_CASE("scan shows the venue and checks its validity, storing nothing", "[venue][checkin]") {
  SeededRandom rng(1);
  wire::VenueInfo info;
  info.description = "Pop-up market";
  info.valid_from = kNoon - 3600;
  info.valid_until = kNoon + 3600;
  auto payload = wire::new_venue(info, rng);
  REQUIRE(payload);
  auto raw = wire::encode_venue_payload(payload->payload);
  REQUIRE(raw);
  auto url = wire::venue_url(wire::kDefaultVenueBaseUrl, *raw);
  REQUIRE(url);

  auto scanned = scan_venue(*url, kNoon);
  REQUIRE(scanned);
  CHECK(scanned->payload.description == "Pop-up market");
  CHECK(scan_venue(*url, kNoon - 3601).error().code == ErrorCode::kFailedPrecondition);
  CHECK(scan_venue(*url, kNoon + 3600).error().code == ErrorCode::kFailedPrecondition);
  CHECK_FALSE(scan_venue("https://greenlight.example/v1/venue#AAAA", kNoon));
}

TEST_CASE("check in, automatic and explicit check-out, list, delete", "[venue][checkin]") {
  Fixture f;
  const auto cafe = make_venue("Cafe", f.rng, 90);
  const auto gym = make_venue("Gym", f.rng, 60);

  auto a = f.store.check_in(cafe);
  REQUIRE(a);
  auto list = f.store.list();
  REQUIRE(list);
  REQUIRE(list->size() == 1);
  CHECK(list->front().id == *a);
  CHECK(list->front().venue.description == "Cafe");
  CHECK(list->front().arrival == kNoon);
  CHECK(list->front().departure == kNoon + 90 * 60);  // automatic check-out
  CHECK_FALSE(list->front().checked_out);

  SECTION("checking in elsewhere ends the open visit") {
    f.clock.advance(30 * 60);
    auto b = f.store.check_in(gym);
    REQUIRE(b);
    list = f.store.list();
    REQUIRE(list);
    REQUIRE(list->size() == 2);
    CHECK(list->at(0).id == *b);  // newest first
    CHECK(list->at(1).departure == kNoon + 30 * 60);
    CHECK(list->at(1).checked_out);
    CHECK(list->at(0).departure == kNoon + 30 * 60 + 60 * 60);
  }
  SECTION("explicit check-out") {
    f.clock.advance(20 * 60);
    REQUIRE(f.store.check_out(*a));
    list = f.store.list();
    REQUIRE(list);
    CHECK(list->front().departure == kNoon + 20 * 60);
    CHECK(list->front().checked_out);
    CHECK(f.store.check_out(*a, kNoon - 1).error().code == ErrorCode::kInvalidArgument);
    // Longer than the maximum stay is clamped.
    REQUIRE(f.store.check_out(*a, kNoon + 3 * kSecondsPerDay));
    list = f.store.list();
    REQUIRE(list);
    CHECK(list->front().departure == kNoon + kSecondsPerDay);
  }
  SECTION("check-out in the arrival second records one minute") {
    REQUIRE(f.store.check_out(*a));
    list = f.store.list();
    REQUIRE(list);
    CHECK(list->front().departure == kNoon + 60);
  }
  SECTION("delete") {
    REQUIRE(f.store.remove(*a));
    list = f.store.list();
    REQUIRE(list);
    CHECK(list->empty());
    CHECK(f.store.remove(*a).error().code == ErrorCode::kNotFound);
    CHECK(f.store.check_out(*a).error().code == ErrorCode::kNotFound);
  }
  SECTION("explicit times") {
    CHECK(f.store.check_in_at(gym, kNoon + 1).error().code == ErrorCode::kInvalidArgument);
    CHECK_FALSE(f.store.check_in_at(gym, kNoon - 100, kNoon - 100));
    CHECK_FALSE(f.store.check_in_at(gym, kNoon - 100, kNoon - 100 + kSecondsPerDay + 1));
    CHECK_FALSE(f.store.check_in_at(gym, kNoon - 15 * kSecondsPerDay));
    auto id = f.store.check_in_at(gym, kNoon - 7200, kNoon - 3600);
    REQUIRE(id);
    auto visits = f.store.visits();
    REQUIRE(visits);
    REQUIRE(visits->size() == 2);
    const auto& v = visits->at(0).checkin_id == *id ? visits->at(0) : visits->at(1);
    CHECK(v.location_id == gym.location_id);
    CHECK(v.location_tag == gym.location_tag);
    CHECK(v.arrival == kNoon - 7200);
    CHECK(v.departure == kNoon - 3600);
  }
}

TEST_CASE("an expired code cannot be checked in", "[venue][checkin]") {
  Fixture f;
  wire::VenueInfo info;
  info.description = "Concert";
  info.valid_until = kNoon;
  auto payload = wire::new_venue(info, f.rng);
  REQUIRE(payload);
  auto raw = wire::encode_venue_payload(payload->payload);
  REQUIRE(raw);
  auto venue = wire::scan_venue_payload(*raw);
  REQUIRE(venue);
  CHECK(f.store.check_in(*venue).error().code == ErrorCode::kFailedPrecondition);
  auto list = f.store.list();
  REQUIRE(list);
  CHECK(list->empty());
}

TEST_CASE("check-ins are deleted after the retention period", "[venue][checkin]") {
  Fixture f;
  const auto cafe = make_venue("Cafe", f.rng);
  for (int day = 0; day < 20; ++day) {
    REQUIRE(f.store.check_in(cafe));
    f.clock.advance(kSecondsPerDay);
    auto deleted = f.store.delete_expired(f.clock.now());
    REQUIRE(deleted);
    auto visits = f.store.visits();
    REQUIRE(visits);
    for (const auto& v : *visits) {
      CAPTURE(day, v.departure);
      CHECK(f.clock.now() - v.departure < 14 * kSecondsPerDay);
    }
  }
  auto visits = f.store.visits();
  REQUIRE(visits);
  CHECK(visits->size() >= 13);
  CHECK(visits->size() <= 14);
}

TEST_CASE("rows do not open under another key", "[venue][checkin]") {
  Fixture f;
  REQUIRE(f.store.check_in(make_venue("Cafe", f.rng)));
  auto other = CheckinStore::open(f.db, key_from(2), f.clock, f.rng);
  REQUIRE(other);
  auto list = other->list();
  REQUIRE_FALSE(list);
  CHECK(list.error().code == ErrorCode::kAuthentication);
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool contains(const std::string& haystack, ByteSpan needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
         haystack.end();
}

// A25: a snapshot of the database files (main file and WAL) without the store key reveals
// no venue names, addresses, payloads, ids or tags.
TEST_CASE("a database snapshot reveals no venue (A25)", "[venue][checkin][security]") {
  test::ScratchDir dir;
  const auto path = dir.path() / "phone.db";
  ManualClock clock(kNoon);
  SeededRandom rng(8);
  std::vector<wire::ScannedVenue> venues;
  {
    auto db = Database::open(path.string());
    REQUIRE(db);
    auto store = CheckinStore::open(*db, key_from(3), clock, rng);
    REQUIRE(store);
    for (int i = 0; i < 12; ++i) {
      venues.push_back(make_venue("Marker Venue Name " + std::to_string(i), rng));
      REQUIRE(store->check_in(venues.back()));
      clock.advance(3600);
    }
    // Snapshot with the data still in the WAL, then after a checkpoint into the main file.
    for (int pass = 0; pass < 2; ++pass) {
      std::string files;
      for (const char* suffix : {"", "-wal", "-journal"}) {
        files += slurp(path.string() + suffix);
      }
      REQUIRE(files.size() > 12 * 1000);  // the rows are there
      CHECK_FALSE(contains(files, as_bytes(std::string_view("Marker Venue"))));
      CHECK_FALSE(contains(files, as_bytes(std::string_view("Street 1"))));
      for (const auto& v : venues) {
        CHECK_FALSE(contains(files, v.raw_payload.span()));
        CHECK_FALSE(contains(files, v.payload.seed.span()));
        CHECK_FALSE(contains(files, v.location_id.span()));
        CHECK_FALSE(contains(files, v.location_tag));
        CHECK_FALSE(contains(files, ByteSpan(v.location_tag).first(8)));
      }
      REQUIRE(db->checkpoint_truncate());
    }
    auto list = store->list();
    REQUIRE(list);
    CHECK(list->size() == 12);
  }
}

}  // namespace
}  // namespace greenlight::client

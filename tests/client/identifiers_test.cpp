#include "greenlight/client/identifiers.h"

#include <catch2/catch.hpp>
#include <set>

#include "client_test_support.h"

namespace greenlight::client {
namespace {

using test::kDay0;
using test::kHour;
using test::kMinute;

constexpr std::int64_t k14Days = 14 * 86400;

struct Fixture {
  Database db = std::move(*Database::open(":memory:"));
  SeededRandom random{7};
  IdentifierManager ids{db, random, BluetoothMetadata{0x40, -12}};
};

TEST_CASE("a new key begins at every UTC midnight", "[identifiers]") {
  Fixture f;
  const std::int64_t before = kDay0 + 23 * kHour + 55 * kMinute;
  auto k1 = f.ids.current_key(before);
  REQUIRE(k1);
  CHECK(k1->rolling_start_interval_number == interval_from_unix_seconds(kDay0));
  CHECK(k1->rolling_period == 144);
  // Same key all day.
  auto again = f.ids.current_key(kDay0 + kHour);
  REQUIRE(again);
  CHECK(again->key_data == k1->key_data);

  auto k2 = f.ids.current_key(before + 10 * kMinute);
  REQUIRE(k2);
  CHECK(k2->rolling_start_interval_number == interval_from_unix_seconds(kDay0 + 86400));
  CHECK(k2->rolling_period == 144);
  CHECK_FALSE(k2->key_data == k1->key_data);

  // Right after midnight only yesterday's key may be uploaded, never today's.
  auto upload = f.ids.keys_for_upload(before + 10 * kMinute, SameDayRelease::kNo, k14Days);
  REQUIRE(upload);
  REQUIRE(upload->size() == 1);
  CHECK((*upload)[0].key_data == k1->key_data);
}

TEST_CASE("the advertisement is RPI and AEM of the current key and interval", "[identifiers]") {
  Fixture f;
  const std::int64_t now = kDay0 + 10 * kHour + 5 * kMinute;
  auto ad = f.ids.advertisement(now);
  REQUIRE(ad);
  auto key = f.ids.current_key(now);
  REQUIRE(key);
  const EnIntervalNumber j = interval_from_unix_seconds(now);
  CHECK(ad->interval == j);
  CHECK(ad->rpi == make_rpi(derive_rpik(key->key_data), j));
  const BluetoothMetadata md =
      decode_metadata(decrypt_aem(derive_aemk(key->key_data), ad->rpi, ad->aem));
  CHECK(md.version == 0x40);
  CHECK(md.tx_power_dbm == -12);
  const auto payload = ad->payload();
  CHECK(std::equal(ad->rpi.begin(), ad->rpi.end(), payload.begin()));
  CHECK(std::equal(ad->aem.begin(), ad->aem.end(), payload.begin() + 16));

  // The RPI changes with the interval, not within it.
  auto same = f.ids.advertisement(now + 4 * kMinute);
  auto next = f.ids.advertisement(now + 10 * kMinute);
  REQUIRE(same);
  REQUIRE(next);
  CHECK(same->rpi == ad->rpi);
  CHECK_FALSE(next->rpi == ad->rpi);
}

TEST_CASE("a same-day release truncates the current key and rotates to a new one",
          "[identifiers]") {
  Fixture f;
  const std::int64_t day1 = kDay0 + 86400;
  REQUIRE(f.ids.current_key(kDay0 + kHour));
  const std::int64_t now = day1 + 10 * kHour + 3 * kMinute;
  auto today = f.ids.current_key(now);
  REQUIRE(today);
  auto before = f.ids.advertisement(now);
  REQUIRE(before);

  auto released = f.ids.keys_for_upload(now, SameDayRelease::kYes, k14Days);
  REQUIRE(released);
  REQUIRE(released->size() == 2);
  const TemporaryExposureKey& cut = released->back();
  const EnIntervalNumber j = interval_from_unix_seconds(now);
  CHECK(cut.key_data == today->key_data);
  CHECK(cut.rolling_start_interval_number == day_start(j));
  CHECK(cut.rolling_period == j.value - day_start(j).value + 1);

  // The released key is never advertised again.
  auto replacement = f.ids.current_key(now);
  REQUIRE(replacement);
  CHECK_FALSE(replacement->key_data == today->key_data);
  CHECK(replacement->rolling_start_interval_number == j);
  CHECK(replacement->end_interval() == EnIntervalNumber{day_start(j).value + 144});
  auto after = f.ids.advertisement(now);
  REQUIRE(after);
  CHECK_FALSE(after->rpi == before->rpi);
  CHECK(after->rpi == make_rpi(derive_rpik(replacement->key_data), j));

  // The replacement is still valid, so a normal upload later today leaves it out.
  auto later = f.ids.keys_for_upload(now + 2 * kHour, SameDayRelease::kNo, k14Days);
  REQUIRE(later);
  for (const auto& k : *later) CHECK_FALSE(k.key_data == replacement->key_data);
  CHECK(later->size() == 2);

  // At midnight the next key is a full, aligned day again.
  auto next_day = f.ids.current_key(day1 + 86400 + kMinute);
  REQUIRE(next_day);
  CHECK(next_day->rolling_start_interval_number == interval_from_unix_seconds(day1 + 86400));
  CHECK(next_day->rolling_period == 144);
}

TEST_CASE("only keys of the last 14 days are offered for upload and kept", "[identifiers]") {
  Fixture f;
  std::set<ByteArray<16>> seen;
  for (int d = 0; d < 20; ++d) {
    auto key = f.ids.current_key(kDay0 + d * 86400 + 12 * kHour);
    REQUIRE(key);
    seen.insert(key->key_data.array());
  }
  CHECK(seen.size() == 20);  // independent random keys
  const std::int64_t now = kDay0 + 19 * 86400 + 13 * kHour;
  auto upload = f.ids.keys_for_upload(now, SameDayRelease::kNo, k14Days);
  REQUIRE(upload);
  // Days 5..18 were valid at some point in the last 14 days and have ended; day 19 is
  // still valid.
  for (const auto& k : *upload) {
    CHECK(unix_seconds_from_interval(k.end_interval()) > now - k14Days);
    CHECK(k.end_interval() <= interval_from_unix_seconds(now));
  }
  CHECK(upload->size() == 14);

  REQUIRE(f.ids.delete_older_than(now - k14Days));
  auto st = f.db.prepare("SELECT count(*) FROM own_tek");
  REQUIRE(st);
  REQUIRE(*st->step());
  CHECK(st->column_int64(0) == 15);  // days 5..19
}

TEST_CASE("keys come from the injected random source", "[identifiers]") {
  Database db1 = std::move(*Database::open(":memory:"));
  Database db2 = std::move(*Database::open(":memory:"));
  SeededRandom r1(99), r2(99);
  IdentifierManager a(db1, r1, {}), b(db2, r2, {});
  auto ka = a.current_key(kDay0);
  auto kb = b.current_key(kDay0);
  REQUIRE(ka);
  REQUIRE(kb);
  CHECK(ka->key_data == kb->key_data);
}

}  // namespace
}  // namespace greenlight::client

#include "greenlight/client/venue_upload.h"

#include <catch2/catch.hpp>
#include <set>

#include "greenlight/wire/venue_warning.h"
#include "venue_test_support.h"

namespace greenlight::client {
namespace {

using test::make_venue;

constexpr std::int64_t kMidnight = 1764028800;  // 2025-11-25 00:00:00 UTC
constexpr std::int64_t kNow = kMidnight + 5 * kSecondsPerDay;

VenueVisit visit_at(const wire::ScannedVenue& venue, std::int64_t arrival, std::int64_t departure) {
  VenueVisit v;
  v.location_id = venue.location_id;
  v.location_tag = venue.location_tag;
  v.arrival = arrival;
  v.departure = departure;
  return v;
}

TEST_CASE("split_visit widens to whole intervals and splits at midnight", "[venue][upload]") {
  const std::int64_t t = kMidnight + 12 * 3600;  // 12:00
  auto r = split_visit(t + 180, t + 1380, 4);    // 12:03-12:23 -> 12:00-12:30
  REQUIRE(r.size() == 1);
  CHECK(r[0].start_interval == interval_from_unix_seconds(t));
  CHECK(r[0].duration_intervals == 3);
  CHECK(r[0].risk_level == 4);

  r = split_visit(t, t + 600, 4);  // exactly one interval
  REQUIRE(r.size() == 1);
  CHECK(r[0].duration_intervals == 1);

  const std::int64_t next = kMidnight + kSecondsPerDay;
  r = split_visit(next - 1200, next + 600, 4);  // 23:40-00:10
  REQUIRE(r.size() == 2);
  CHECK(r[0].end_interval() == interval_from_unix_seconds(next));
  CHECK(r[0].duration_intervals == 2);
  CHECK(r[1].start_interval == interval_from_unix_seconds(next));
  CHECK(r[1].duration_intervals == 1);

  r = split_visit(kMidnight, kMidnight + kSecondsPerDay, 4);  // a whole day: one report
  REQUIRE(r.size() == 1);
  CHECK(r[0].duration_intervals == 144);

  CHECK(split_visit(t, t, 4).empty());
  CHECK(split_visit(t, t - 1, 4).empty());
}

TEST_CASE("uploads always carry the same number of same-size reports", "[venue][upload]") {
  SeededRandom rng(21);
  const auto cafe = make_venue("Cafe", rng);
  const auto bar = make_venue("Bar", rng);
  const std::int64_t from = kNow - 4 * kSecondsPerDay;
  std::vector<VenueVisit> visits = {
      visit_at(cafe, kNow - 2 * kSecondsPerDay, kNow - 2 * kSecondsPerDay + 3600),
      visit_at(bar, kNow - kSecondsPerDay - 1800, kNow - kSecondsPerDay + 1800),
      visit_at(bar, kNow - 10 * kSecondsPerDay, kNow - 10 * kSecondsPerDay + 3600),  // too old
  };
  VenueUploadOptions options;

  auto none = venue_reports_for_upload({}, from, kNow, rng, options);
  auto some = venue_reports_for_upload(visits, from, kNow, rng, options);
  const auto chaff = venue_chaff_reports(rng, options);
  REQUIRE(none);
  REQUIRE(some);
  CHECK(none->size() == options.padded_count);
  CHECK(some->size() == options.padded_count);
  CHECK(chaff.size() == options.padded_count);

  // Exactly the real stays open, each for its venue.
  int cafe_reports = 0;
  int bar_reports = 0;
  std::set<VenueLocationTag> tags;
  for (const auto& r : *some) {
    tags.insert(r.location_tag);
    if (auto rec = open_venue_report(cafe.location_id, r)) {
      ++cafe_reports;
      CHECK(unix_seconds_from_interval(rec->start_interval) == kNow - 2 * kSecondsPerDay);
      CHECK(rec->duration_intervals == 6);
    }
    if (open_venue_report(bar.location_id, r)) ++bar_reports;
  }
  CHECK(cafe_reports == 1);
  CHECK(bar_reports == 2);                         // the bar visit crossed midnight
  CHECK(tags.size() == options.padded_count - 1);  // fakes carry random tags; 2 bar reports
  for (const auto& r : *none) {
    CHECK_FALSE(open_venue_report(cafe.location_id, r));
    CHECK_FALSE(open_venue_report(bar.location_id, r));
  }
  // The wire form has one size for real, fake and chaff reports.
  const std::vector<SealedVenueReport>* lists[] = {&*none, &*some, &chaff};
  for (const auto* list : lists) {
    for (const auto& r : *list) CHECK(wire::venue_report_to_base64(r).size() == 104);
  }

  SECTION("real reports are shuffled among the fakes") {
    std::set<std::size_t> positions;
    for (int round = 0; round < 8; ++round) {
      auto again = venue_reports_for_upload(visits, from, kNow, rng, options);
      REQUIRE(again);
      for (std::size_t i = 0; i < again->size(); ++i) {
        if (open_venue_report(cafe.location_id, (*again)[i])) positions.insert(i);
      }
    }
    CHECK(positions.size() > 1);
  }
  SECTION("more real reports than the padding target round up to a multiple") {
    options.padded_count = 2;
    auto many = venue_reports_for_upload(visits, from, kNow, rng, options);
    REQUIRE(many);
    CHECK(many->size() == 4);  // 3 real
    visits.push_back(visit_at(cafe, kNow - 3600, kNow - 600));
    visits.push_back(visit_at(cafe, kNow - 7200, kNow - 6600));
    many = venue_reports_for_upload(visits, from, kNow, rng, options);
    REQUIRE(many);
    CHECK(many->size() == 6);  // 5 real
  }
  SECTION("only the part of a stay inside the contagious period is reported") {
    const std::vector<VenueVisit> one = {visit_at(cafe, from - 3600, from + 1800)};
    auto cut = venue_reports_for_upload(one, from, kNow, rng, options);
    REQUIRE(cut);
    int opened = 0;
    for (const auto& r : *cut) {
      if (auto rec = open_venue_report(cafe.location_id, r)) {
        ++opened;
        CHECK(unix_seconds_from_interval(rec->start_interval) == from);
        CHECK(rec->duration_intervals == 3);
      }
    }
    CHECK(opened == 1);
  }
}

TEST_CASE("host warnings are owner-signed, per UTC day", "[venue][upload]") {
  SeededRandom rng(22);
  const auto hall = test::make_owned_venue("Hall", rng);
  const auto owner = hall.owner();
  auto authority = EcdsaP256PrivateKey::generate();
  REQUIRE(authority);
  const std::vector<EcdsaP256PublicKey> pinned = {authority->public_key()};
  const std::int64_t start = kNow - kSecondsPerDay - 3600;
  auto warnings = host_warnings(hall.venue.location_id, owner, start, kNow - 3600, kNow, 7, rng);
  REQUIRE(warnings);
  REQUIRE(warnings->size() == 2);  // across one midnight
  for (auto w : *warnings) {
    CHECK(w.location_tag == hall.venue.location_tag);
    REQUIRE(authorize_venue_warning(w, *authority));
    const auto check =
        check_venue_warning(hall.venue.location_id, hall.venue.payload.owner_public_key, pinned, w);
    REQUIRE(check.verdict == VenueWarningVerdict::kAccepted);
    CHECK(check.record.risk_level == 7);
    CHECK(check.origin == VenueWarningOrigin::kHostWarning);
  }
  CHECK_FALSE(host_warnings(hall.venue.location_id, owner, kNow, kNow + 600, kNow, 7, rng));
  CHECK_FALSE(host_warnings(hall.venue.location_id, owner, kNow - 600, kNow - 600, kNow, 7, rng));
  CHECK_FALSE(
      host_warnings(hall.venue.location_id, owner, kNow - 15 * kSecondsPerDay, kNow, kNow, 7, rng));
  CHECK_FALSE(host_warnings(hall.venue.location_id, owner, kNow - 600, kNow, kNow, 9, rng));
}

TEST_CASE("releasing visitor reports: only this venue's open, windows kept", "[venue][upload]") {
  SeededRandom rng(23);
  const auto hall = test::make_owned_venue("Hall", rng);
  const auto other = test::make_owned_venue("Other", rng);
  std::vector<SealedVenueReport> pending;
  const VenueReportRecord stay{{2900000}, 6, 5};
  auto mine = seal_venue_report(hall.venue.location_id, stay, rng);
  REQUIRE(mine);
  pending.push_back(*mine);
  auto theirs = seal_venue_report(other.venue.location_id, stay, rng);
  REQUIRE(theirs);
  pending.push_back(*theirs);
  pending.push_back(make_fake_venue_report(rng));
  auto released = release_visitor_reports(hall.venue.location_id, hall.owner(), pending, rng);
  REQUIRE(released);
  CHECK(released->unreadable == 2);
  REQUIRE(released->records.size() == 1);
  CHECK(released->records.front() == stay);
  REQUIRE(released->warnings.size() == 1);
  auto authority = EcdsaP256PrivateKey::generate();
  REQUIRE(authority);
  SealedVenueWarning w = released->warnings.front();
  REQUIRE(authorize_venue_warning(w, *authority));
  const std::vector<EcdsaP256PublicKey> pinned = {authority->public_key()};
  const auto check =
      check_venue_warning(hall.venue.location_id, hall.venue.payload.owner_public_key, pinned, w);
  REQUIRE(check.verdict == VenueWarningVerdict::kAccepted);
  CHECK(check.record == stay);
  CHECK(check.origin == VenueWarningOrigin::kVisitorRelease);
}

}  // namespace
}  // namespace greenlight::client

#include "greenlight/client/venue_matcher.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "greenlight/client/database.h"
#include "greenlight/client/venue_upload.h"
#include "greenlight/crypto/ecdsa.h"
#include "greenlight/wire/venue_warning.h"
#include "venue_test_support.h"

namespace greenlight::client {
namespace {

using test::make_owned_venue;
using test::OwnedVenue;

// The health authority's key that phones pin.
const EcdsaP256PrivateKey& authority() {
  static const EcdsaP256PrivateKey key = [] {
    auto k = EcdsaP256PrivateKey::generate();
    REQUIRE(k);
    return *k;
  }();
  return key;
}

VenueMatchOptions options() {
  VenueMatchOptions o;
  o.authority_keys.push_back(authority().public_key());
  return o;
}

std::vector<VenueReportMatch> match(std::span<const SealedVenueWarning> warnings,
                                    std::span<const VenueVisit> visits, std::int64_t now) {
  return match_venue_warnings(warnings, visits, now, options()).matches;
}

constexpr std::int64_t kMidnight = 1764028800;  // 2025-11-25 00:00:00 UTC
constexpr std::int64_t kNow = kMidnight + 3 * kSecondsPerDay;

VenueVisit visit_at(const OwnedVenue& venue, std::int64_t arrival, std::int64_t departure,
                    std::int64_t id = 1) {
  VenueVisit v;
  v.checkin_id = id;
  v.location_id = venue.venue.location_id;
  v.location_tag = venue.venue.location_tag;
  v.owner_public_key = venue.venue.payload.owner_public_key;
  v.arrival = arrival;
  v.departure = departure;
  return v;
}

// A published two-party warning for [start, end): a positive visitor's stay released by the
// owner and authorised by the health authority.
std::vector<SealedVenueWarning> warning(const OwnedVenue& venue, std::int64_t start,
                                        std::int64_t end, RandomSource& rng) {
  std::vector<SealedVenueWarning> out;
  for (const auto& record : split_visit(start, end, 5)) {
    auto w = seal_venue_warning(venue.venue.location_id, record,
                                VenueWarningOrigin::kVisitorRelease, venue.owner(), rng);
    REQUIRE(w);
    REQUIRE(authorize_venue_warning(*w, authority()));
    out.push_back(*w);
  }
  return out;
}

SealedVenueWarning random_warning(RandomSource& rng) {
  SealedVenueWarning w;
  rng.fill(w.location_tag);
  rng.fill(w.nonce);
  rng.fill(w.ciphertext);
  rng.fill(w.authority_signature);
  return w;
}

TEST_CASE("overlap_seconds", "[venue][match]") {
  CHECK(overlap_seconds(0, 10, 10, 20) == 0);  // touching
  CHECK(overlap_seconds(10, 20, 0, 10) == 0);
  CHECK(overlap_seconds(0, 10, 20, 30) == 0);
  CHECK(overlap_seconds(0, 10, 9, 30) == 1);
  CHECK(overlap_seconds(0, 100, 20, 30) == 10);
  CHECK(overlap_seconds(20, 30, 0, 100) == 10);
}

TEST_CASE("matching against visits: overlap rules", "[venue][match]") {
  SeededRandom rng(3);
  const auto cafe = make_owned_venue("Cafe", rng);
  const auto bar = make_owned_venue("Bar", rng);
  const std::int64_t t10 = kMidnight + 10 * 3600;            // 10:00
  const auto reports = warning(cafe, t10, t10 + 3600, rng);  // 10:00-11:00
  REQUIRE(reports.size() == 1);

  struct Case {
    const char* name;
    std::int64_t arrival;
    std::int64_t departure;
    std::int64_t expected_minutes;  // 0: no match
  };
  const Case cases[] = {
      {"inside", t10 + 600, t10 + 1200, 10},
      {"covering", t10 - 3600, t10 + 7200, 60},
      {"touching before", t10 - 1800, t10, 0},
      {"touching after", t10 + 3600, t10 + 5400, 0},
      {"one minute", t10 + 3540, t10 + 5400, 1},
      {"30 s (below the minimum)", t10 + 3570, t10 + 5400, 0},
      {"61 s rounds up", t10 - 600, t10 + 61, 2},
      {"disjoint", t10 + 7200, t10 + 9000, 0},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const VenueVisit v = visit_at(cafe, c.arrival, c.departure);
    const auto matches = match(reports, std::span(&v, 1), kNow);
    if (c.expected_minutes == 0) {
      CHECK(matches.empty());
    } else {
      REQUIRE(matches.size() == 1);
      CHECK(matches[0].checkin_id == 1);
      CHECK(matches[0].warning.overlap_minutes == c.expected_minutes);
      CHECK(matches[0].warning.day == kMidnight);
      CHECK(matches[0].risk_level == 5);
    }
  }
  // Another venue at the same time never matches.
  const VenueVisit other = visit_at(bar, t10, t10 + 3600);
  CHECK(match(reports, std::span(&other, 1), kNow).empty());
}

TEST_CASE("midnight: a stay across midnight matches on the day of the overlap", "[venue][match]") {
  SeededRandom rng(4);
  const auto club = make_owned_venue("Club", rng);
  const std::int64_t night = kMidnight + kSecondsPerDay;  // 2025-11-26 00:00
  // The positive guest stayed 22:00-02:00: two reports, split at midnight.
  const auto reports = warning(club, night - 7200, night + 7200, rng);
  REQUIRE(reports.size() == 2);
  std::map<std::int64_t, std::uint32_t> durations;
  const VenueVisit any = visit_at(club, 0, 1);
  for (const auto& r : reports) {
    const auto check = check_venue_warning(club.venue.location_id, any.owner_public_key,
                                           options().authority_keys, r);
    REQUIRE(check.verdict == VenueWarningVerdict::kAccepted);
    durations[unix_seconds_from_interval(check.record.start_interval)] =
        check.record.duration_intervals;
  }
  CHECK(durations == std::map<std::int64_t, std::uint32_t>{{night - 7200, 12}, {night, 12}});

  SECTION("visitor only after midnight") {
    const VenueVisit v = visit_at(club, night + 1800, night + 3600);
    const auto m = match(reports, std::span(&v, 1), kNow);
    REQUIRE(m.size() == 1);
    CHECK(m[0].warning.day == night);
    CHECK(m[0].warning.overlap_minutes == 30);
  }
  SECTION("visitor only before midnight") {
    const VenueVisit v = visit_at(club, night - 3600, night - 1800);
    const auto m = match(reports, std::span(&v, 1), kNow);
    REQUIRE(m.size() == 1);
    CHECK(m[0].warning.day == night - kSecondsPerDay);
  }
  SECTION("visitor across midnight: one match per day") {
    const VenueVisit v = visit_at(club, night - 600, night + 600);
    const auto m = match(reports, std::span(&v, 1), kNow);
    REQUIRE(m.size() == 2);
    CHECK(m[0].warning.day != m[1].warning.day);
    CHECK(m[0].warning.overlap_minutes == 10);
    CHECK(m[1].warning.overlap_minutes == 10);
  }
  SECTION("visitor arrived exactly when the guest left") {
    const VenueVisit v = visit_at(club, night + 7200, night + 9000);
    CHECK(match(reports, std::span(&v, 1), kNow).empty());
  }
}

TEST_CASE("reports outside the retention window or far in the future are ignored",
          "[venue][match]") {
  SeededRandom rng(6);
  const auto cafe = make_owned_venue("Cafe", rng);
  const std::int64_t old_start = kNow - 15 * kSecondsPerDay;
  const auto old = warning(cafe, old_start, old_start + 3600, rng);
  const VenueVisit old_visit = visit_at(cafe, old_start, old_start + 3600);
  CHECK(match(old, std::span(&old_visit, 1), kNow).empty());

  const std::int64_t future = kNow + 3 * 3600;
  const auto ahead = warning(cafe, future, future + 3600, rng);
  const VenueVisit future_visit = visit_at(cafe, future, future + 3600);
  CHECK(match(ahead, std::span(&future_visit, 1), kNow).empty());
  CHECK(match(ahead, std::span(&future_visit, 1), future).size() == 1);
}

TEST_CASE("index parsing", "[venue][match]") {
  auto ok = parse_venue_index("v1/venues/1-2-00001.bin\r\n\nv1/venues/2-3-00001.bin\n");
  REQUIRE(ok);
  CHECK(*ok == std::vector<std::string>{"v1/venues/1-2-00001.bin", "v1/venues/2-3-00001.bin"});
  CHECK_FALSE(parse_venue_index("/etc/passwd.bin\n"));
  CHECK_FALSE(parse_venue_index("v1/../x.bin\n"));
  CHECK_FALSE(parse_venue_index("v1/venues/x.zip\n"));
  CHECK_FALSE(parse_venue_index("v1/venues/a b.bin\n"));
  CHECK_FALSE(parse_venue_index(std::string(257, 'a') + ".bin"));
}

ByteArray<8> be64_bytes(std::int64_t value) {
  ByteArray<8> out{};
  for (std::size_t i = 0; i < 8; ++i) {
    out[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(value) >> (56 - 8 * i));
  }
  return out;
}

// Encrypted like a phone's store: the matches' days and minutes are sealed.
Database open_memory_db() {
  DatabaseOptions options;
  options.store_key = StoreKey(ByteArray<kStoreKeySize>{9});
  auto d = Database::open(":memory:", options);
  REQUIRE(d);
  return std::move(*d);
}

CheckinStore open_store(Database& db, const Clock& clock, RandomSource& rng) {
  auto s = CheckinStore::open(db, CheckinStoreKey(ByteArray<32>{7}), clock, rng);
  REQUIRE(s);
  return std::move(*s);
}

EcdsaP256PrivateKey new_signing_key() {
  auto k = EcdsaP256PrivateKey::generate();
  REQUIRE(k);
  return std::move(*k);
}

struct StoreFixture {
  ManualClock clock{kNow};
  SeededRandom rng{9};
  Database db = open_memory_db();
  CheckinStore store = open_store(db, clock, rng);
  EcdsaP256PrivateKey signing = new_signing_key();

  std::vector<wire::TrustedSigningKey> trusted() const {
    return {wire::TrustedSigningKey{"310", "v1", signing.public_key()}};
  }
  Bytes batch_file(const std::vector<SealedVenueWarning>& warnings) const {
    wire::VenueWarningBatch batch;
    batch.start_timestamp = static_cast<std::uint64_t>(kNow - 3600);
    batch.end_timestamp = static_cast<std::uint64_t>(kNow);
    batch.warnings = warnings;
    auto file = wire::write_venue_warning_file(
        batch, {wire::ExportSigner{{"v1", "310", wire::kEcdsaP256Sha256Oid}, signing}});
    REQUIRE(file);
    return *file;
  }
};

TEST_CASE("VenueWarnings: verified batches, replays, stored matches", "[venue][match]") {
  StoreFixture f;
  const auto cafe = make_owned_venue("Cafe", f.rng);
  const std::int64_t t = kMidnight + 2 * kSecondsPerDay + 9 * 3600;  // 2025-11-27 09:00
  auto id = f.store.check_in_at(cafe.venue, t, t + 3600);
  REQUIRE(id);
  VenueWarnings warnings(f.store, f.clock, f.trusted(), options());

  auto reports = warning(cafe, t + 1800, t + 5400, f.rng);
  for (int i = 0; i < 20; ++i) reports.push_back(random_warning(f.rng));
  const Bytes file = f.batch_file(reports);

  SECTION("an untrusted signer is rejected and nothing is stored") {
    VenueWarnings untrusted(f.store, f.clock, {}, options());
    CHECK(untrusted.process_batch(file).error().code == ErrorCode::kAuthentication);
    auto m = untrusted.matches();
    REQUIRE(m);
    CHECK(m->empty());
  }

  auto report = warnings.process_batch(file, "v1/venues/a.bin");
  REQUIRE(report);
  CHECK(report->reports_seen == 21);
  CHECK(report->new_matches == 1);
  auto matches = warnings.matches();
  REQUIRE(matches);
  REQUIRE(matches->size() == 1);
  CHECK(matches->front().day == kMidnight + 2 * kSecondsPerDay);
  CHECK(matches->front().overlap_minutes == 30);
  {
    // On disk only the check-in id is in the clear (docs/client.md "Encrypted device store").
    auto st = f.db.prepare("SELECT checkin_id, sealed FROM venue_warning_match");
    REQUIRE(st);
    auto row = st->step();
    REQUIRE(row);
    REQUIRE(*row);
    CHECK(st->column_int64(0) == *id);
    const ByteSpan sealed = st->column_blob(1);
    const ByteArray<8> day = be64_bytes(kMidnight + 2 * kSecondsPerDay);
    const ByteArray<8> minutes = be64_bytes(30);
    CHECK(std::search(sealed.begin(), sealed.end(), day.begin(), day.end()) == sealed.end());
    CHECK(std::search(sealed.begin(), sealed.end(), minutes.begin(), minutes.end()) ==
          sealed.end());
  }

  CHECK(warnings.process_batch(file).error().code == ErrorCode::kAlreadyExists);

  SECTION("a longer overlap from another batch wins; a shorter one does not") {
    REQUIRE(warnings.process_batch(f.batch_file(warning(cafe, t, t + 3600, f.rng))));
    REQUIRE(warnings.process_batch(f.batch_file(warning(cafe, t, t + 600, f.rng))));
    matches = warnings.matches();
    REQUIRE(matches);
    REQUIRE(matches->size() == 1);
    CHECK(matches->front().overlap_minutes == 60);
  }
  SECTION("deleting the check-in removes its warning") {
    REQUIRE(f.store.remove(*id));
    matches = warnings.matches();
    REQUIRE(matches);
    CHECK(matches->empty());
  }
  SECTION("without a pinned authority key nothing is accepted; evidence is kept") {
    VenueWarnings unpinned(f.store, f.clock, f.trusted());
    auto r = unpinned.process_batch(f.batch_file(warning(cafe, t, t + 3600, f.rng)));
    REQUIRE(r);
    CHECK(r->new_matches == 0);
    CHECK(r->warnings_rejected == 1);
    auto evidence = unpinned.evidence();
    REQUIRE(evidence);
    REQUIRE(evidence->size() == 1);
    CHECK(evidence->front().verdict == VenueWarningVerdict::kNoAuthority);
    CHECK(evidence->front().checkin_id == *id);
    matches = warnings.matches();
    REQUIRE(matches);
    CHECK(matches->front().overlap_minutes == 30);
  }
  SECTION("retention removes old matches") {
    f.clock.advance(15 * kSecondsPerDay);
    REQUIRE(warnings.delete_expired(f.clock.now()));
    matches = warnings.matches();
    REQUIRE(matches);
    CHECK(matches->empty());
  }
}

}  // namespace
}  // namespace greenlight::client

#include "greenlight/sim/client_matcher.h"

#include <catch2/catch.hpp>

#include "greenlight/client/risk.h"
#include "greenlight/sim/config.h"
#include "greenlight/sim/phone_keys.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/simulation.h"

namespace greenlight::sim {
namespace {

constexpr std::int64_t kStart = 1709251200;

// Sightings of one broadcaster's key on `day`, at scan slots [first, first + count), all at
// attenuation_db.
std::vector<Sighting> heard(const TekSchedule& schedule, std::uint32_t person, std::uint32_t day,
                            std::uint32_t first, std::uint32_t count, std::uint8_t attenuation_db,
                            const Metadata& metadata) {
  const Tek tek = schedule.tek(person, day);
  const Rpik rpik = derive_rpik(tek);
  const Aemk aemk = derive_aemk(tek);
  std::vector<Sighting> out;
  for (std::uint32_t k = first; k < first + count; ++k) {
    Sighting s;
    s.rpi = make_rpi(rpik, {schedule.day_interval(day).value + k / kScansPerInterval});
    s.aem = encrypt_aem(aemk, s.rpi, metadata);
    s.unix_seconds = kStart + (static_cast<std::int64_t>(day) * kScansPerDay + k) * kScanSeconds;
    s.attenuation_db = attenuation_db;
    out.push_back(s);
  }
  return out;
}

}  // namespace

TEST_CASE("the client library and the literal matcher give the same windows") {
  const TekSchedule schedule(3, kStart);
  const Metadata metadata = simulated_metadata();
  // A long close contact with phone 1 on day 2 (longer than one 30-minute window), a short
  // one with phone 2 on day 3, and phone 3, whose key is not published.
  std::vector<Sighting> sightings = heard(schedule, 1, 2, 100, 9, 55, metadata);
  for (const auto& s : heard(schedule, 2, 3, 40, 2, 70, metadata)) sightings.push_back(s);
  for (const auto& s : heard(schedule, 3, 3, 41, 4, 50, metadata)) sightings.push_back(s);
  std::vector<TemporaryExposureKey> keys{schedule.key(2, 3), schedule.key(1, 2),
                                         schedule.key(4, 2)};
  keys[0].report_type = ReportType::kConfirmedTest;
  keys[0].days_since_onset_of_symptoms = 0;
  const std::int64_t now = kStart + 5 * 86400 + 6 * 3600;

  LiteralPhoneMatcher literal(kStart);
  ClientPhoneMatcher client(kStart, RiskConfig{});
  auto a = literal.match(sightings, keys, now);
  auto b = client.match(sightings, keys, now);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a == *b);
  // Key 1 (phone 1): 9 scans = windows of 6 and 3 scans; key 0 (phone 2): one window.
  REQUIRE(b->size() == 3);
  CHECK((*b)[0].key_index == 0);
  CHECK((*b)[0].scans.size() == 2);
  CHECK((*b)[0].days_since_onset == 0);
  CHECK((*b)[1].key_index == 1);
  CHECK((*b)[1].scans.size() == 6);
  CHECK((*b)[2].scans.size() == 3);
  for (const auto& w : *b) {
    for (const auto& s : w.scans) CHECK(s.seconds_since_last_scan == kScanSeconds);
  }
  CHECK(client.sightings_rejected() == 0);
  // 45 minutes at 55 dB on day 2: RED from the literal matcher's windows and from the
  // client's own path.
  const RiskScorer scorer{RiskConfig{}};
  CHECK(colour_of_windows(*a, scorer, kStart, now) == Colour::kRed);
  CHECK(client.colour() == Colour::kRed);
}

TEST_CASE("the client library rejects what the simulated phone should not match") {
  const TekSchedule schedule(4, kStart);
  const std::vector<TemporaryExposureKey> keys{schedule.key(7, 2)};
  const std::int64_t now = kStart + 4 * 86400;
  ClientPhoneMatcher client(kStart, RiskConfig{});
  SECTION("a TX power outside [-50, 20] dBm") {
    const auto s = heard(schedule, 7, 2, 10, 3, 50, encode_metadata(BluetoothMetadata{0x40, 21}));
    auto w = client.match(s, keys, now);
    REQUIRE(w);
    CHECK(w->empty());
    CHECK(client.sightings_rejected() == 3);
  }
  SECTION("a key that is still valid at the time of matching") {
    const auto s = heard(schedule, 7, 2, 10, 3, 50, simulated_metadata());
    auto w = client.match(s, keys, kStart + 2 * 86400 + 12 * 3600);
    REQUIRE(w);
    CHECK(w->empty());
  }
  SECTION("a key older than the 14 days a phone keeps") {
    const auto s = heard(schedule, 7, 2, 10, 3, 50, simulated_metadata());
    auto w = client.match(s, keys, kStart + 17 * 86400);
    REQUIRE(w);
    CHECK(w->empty());
  }
}

TEST_CASE("the simulator's risk configurations are valid client configurations") {
  for (const char* name : {"openabm-like", "openabm-app"}) {
    auto c = preset(name);
    REQUIRE(c);
    CAPTURE(name);
    CHECK(client::validate(to_client_risk_config(c->app.risk)));
  }
}

TEST_CASE(
    "a sample of phones matched through the client library gives the shared path's windows and "
    "colours") {
  SimConfig c;
  c.population.people = 1200;
  c.run.days = 21;
  c.run.seed = 33;
  c.run.threads = 2;
  c.run.baseline = false;
  c.disease.initial_infections = 25;
  c.app.uptake = 0.9;
  c.app.upload_consent = 1;
  c.run.verify_phones = 20;
  InMemoryPublisher publisher;
  auto sim = Simulation::create(c, publisher);
  REQUIRE(sim);
  REQUIRE((*sim)->run());
  const RunSummary s = (*sim)->summary();
  INFO("phone-syncs " << s.verified_phones << ", windows " << s.verified_windows << ", not green "
                      << s.verified_not_green << ", client evictions " << s.verify_client_evictions
                      << ", rejected " << s.verify_client_rejected);
  CHECK(s.verified_phones > 100);
  CHECK(s.verified_windows > 50);
  CHECK(s.verified_not_green > 5);
  CHECK(s.verify_mismatches == 0);
  CHECK(s.verify_colour_mismatches == 0);
  CHECK(s.verify_client_evictions == 0);
  CHECK(s.verify_client_rejected == 0);
}

}  // namespace greenlight::sim

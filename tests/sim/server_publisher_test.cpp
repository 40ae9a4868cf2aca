#include "greenlight/sim/server_publisher.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "greenlight/client/venue_upload.h"
#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/log_leaf.h"
#include "greenlight/crypto/random.h"
#include "greenlight/crypto/signed_note.h"
#include "greenlight/crypto/venue_crypto.h"
#include "greenlight/server/transparency_log.h"
#include "greenlight/sim/config.h"
#include "greenlight/sim/experiment.h"
#include "greenlight/sim/publisher.h"
#include "greenlight/sim/report.h"
#include "greenlight/wire/venue.h"

namespace greenlight::sim {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kMidnight = 1709251200 + 10 * kDay;  // 2024-03-11 00:00 UTC
constexpr std::int64_t kNoon = kMidnight + 12 * 3600;

std::unique_ptr<ServerPublisher> make_server(ServerTransport transport, std::size_t padding = 0) {
  ServerPublisherOptions o;
  o.transport = transport;
  o.export_min_keys = padding;
  o.export_padding_range = 0;
  auto s = ServerPublisher::create(o);
  REQUIRE(s);
  return std::move(*s);
}

TemporaryExposureKey key_of_day(std::int64_t midnight, SeededRandom& rng) {
  TemporaryExposureKey k;
  rng.fill(k.key_data.mutable_span());
  k.rolling_start_interval_number = interval_from_unix_seconds(midnight);
  k.rolling_period = kTekRollingPeriod;
  return k;
}

struct VenueOwner {
  VenueLocationId id;
  VenueOwnerPublicKey owner_public_key;
};

// Keys of the three days before kMidnight, onset two days before, and two venue reports with
// their owners' release.
SimUpload sample_upload(SeededRandom& rng, std::vector<VenueOwner>& owners) {
  SimUpload up;
  for (int d = 1; d <= 3; ++d) up.keys.push_back(key_of_day(kMidnight - d * kDay, rng));
  up.report_type = ReportType::kConfirmedClinicalDiagnosis;
  up.symptom_onset_interval = interval_from_unix_seconds(kMidnight - 2 * kDay);
  for (int v = 0; v < 2; ++v) {
    wire::VenueInfo info;
    info.description = "Venue " + std::to_string(v);
    auto venue = wire::new_venue(info, rng);
    REQUIRE(venue);
    auto raw = wire::encode_venue_payload(venue->payload);
    REQUIRE(raw);
    const VenueLocationId id = venue_location_id(*raw);
    VenueReportRecord rec;
    rec.start_interval = interval_from_unix_seconds(kMidnight - kDay + v * 3600);
    rec.duration_intervals = 6;
    rec.risk_level = 8;
    auto sealed = seal_venue_report(id, rec, rng);
    REQUIRE(sealed);
    up.venue_reports.push_back(*sealed);
    // The venue's owner releases it (two-party warnings).
    auto owner = wire::venue_owner_key(venue->owner_seed);
    REQUIRE(owner);
    auto released =
        client::release_visitor_reports(id, *owner, std::span(&up.venue_reports.back(), 1), rng);
    REQUIRE(released);
    REQUIRE(released->warnings.size() == 1);
    up.venue_warnings.push_back(released->warnings.front());
    owners.push_back({id, *venue->payload.owner_public_key});
  }
  return up;
}

SimUpload sample_upload(SeededRandom& rng) {
  std::vector<VenueOwner> owners;
  return sample_upload(rng, owners);
}

std::set<std::array<std::uint8_t, 16>> key_bytes(const std::vector<TemporaryExposureKey>& keys) {
  std::set<std::array<std::uint8_t, 16>> out;
  for (const auto& k : keys) out.insert(k.key_data.array());
  return out;
}

SimConfig small_run(ServerMode mode) {
  SimConfig c;
  c.population.people = 400;
  c.run.days = 21;
  c.run.seed = 11;
  c.run.threads = 2;
  c.run.baseline = false;
  c.run.server = mode;
  c.disease.initial_infections = 12;
  c.app.uptake = 0.8;
  return c;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The files the server serves, as its static index files list them.
std::vector<std::string> served_files(const std::filesystem::path& site) {
  std::vector<std::string> out;
  for (const char* index : {"v1/exports/index.txt", "v1/venues/index.txt"}) {
    const std::string text = read_text(site / index);
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      if (end > pos) out.push_back(text.substr(pos, end - pos));
      pos = end + 1;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("the in-memory publisher's publish_all is publish one upload after another") {
  // Four uploads with two owner-released venue warnings each and one without: published
  // one by one, and as one batch whose warnings are signed on three threads.
  SeededRandom rng(11);
  std::vector<VenueOwner> owners;
  std::vector<SimUpload> uploads;
  for (int i = 0; i < 4; ++i) uploads.push_back(sample_upload(rng, owners));
  SimUpload plain;
  plain.keys.push_back(key_of_day(kMidnight - kDay, rng));
  uploads.insert(uploads.begin() + 2, plain);
  InMemoryPublisher one_by_one;
  for (const auto& up : uploads) REQUIRE(one_by_one.publish(up, kNoon));
  InMemoryPublisher batch;
  REQUIRE(batch.publish_all(uploads, kNoon, 3));
  const std::int64_t later = kMidnight + kDay + 6 * 3600;
  auto want = one_by_one.fetch_new(later);
  auto got = batch.fetch_new(later);
  REQUIRE(want);
  REQUIRE(got);
  REQUIRE(got->keys.size() == 13);
  REQUIRE(got->keys.size() == want->keys.size());
  for (std::size_t i = 0; i < got->keys.size(); ++i) {
    CHECK(got->keys[i].key_data.array() == want->keys[i].key_data.array());
    CHECK(got->keys[i].days_since_onset_of_symptoms == want->keys[i].days_since_onset_of_symptoms);
  }
  // The warnings in upload order, each accepted by a phone pinning the batch's authority.
  REQUIRE(got->venue_warnings.size() == 8);
  REQUIRE(want->venue_warnings.size() == 8);
  const auto authority = batch.authority_keys();
  REQUIRE(authority.size() == 1);
  for (std::size_t i = 0; i < got->venue_warnings.size(); ++i) {
    CAPTURE(i);
    const SealedVenueWarning& w = got->venue_warnings[i];
    CHECK(w.location_tag == want->venue_warnings[i].location_tag);
    CHECK(w.ciphertext == want->venue_warnings[i].ciphertext);
    const VenueOwner& o = owners[i];
    CHECK(check_venue_warning(o.id, o.owner_public_key, authority, w).verdict ==
          VenueWarningVerdict::kAccepted);
    CHECK(check_venue_warning(o.id, o.owner_public_key, one_by_one.authority_keys(), w).verdict ==
          VenueWarningVerdict::kNoAuthority);
  }
  CHECK(got->download_bytes == want->download_bytes);
  CHECK(batch.holdings().uploads == 5);
  CHECK(batch.holdings().keys == one_by_one.holdings().keys);
  CHECK(batch.holdings().venue_reports == one_by_one.holdings().venue_reports);
  CHECK(batch.holdings().stored_bytes == one_by_one.holdings().stored_bytes);

  // A bad upload stops the batch there: the uploads before it are published, none after.
  std::vector<SimUpload> bad = {uploads[0], uploads[1], uploads[3]};
  bad[1].keys[0].rolling_period = 0;
  InMemoryPublisher stopped;
  const Status s = stopped.publish_all(bad, kNoon, 2);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == ErrorCode::kInvalidArgument);
  CHECK(stopped.holdings().uploads == 1);
  auto part = stopped.fetch_new(later);
  REQUIRE(part);
  CHECK(part->keys.size() == uploads[0].keys.size());
  CHECK(part->venue_warnings.size() == uploads[0].venue_warnings.size());
}

TEST_CASE("a publish through the server appears in the next fetch, as the in-memory rules say") {
  const auto transport = GENERATE(ServerTransport::kLoopback, ServerTransport::kInProcess);
  CAPTURE(static_cast<int>(transport));
  auto server = make_server(transport);
  InMemoryPublisher memory;
  SeededRandom rng(5);
  std::vector<VenueOwner> owners;
  const SimUpload up = sample_upload(rng, owners);

  REQUIRE(server->publish(up, kNoon));
  REQUIRE(memory.publish(up, kNoon));
  auto got = server->fetch_new(kMidnight + kDay + 6 * 3600);
  REQUIRE(got);
  auto want = memory.fetch_new(kMidnight + kDay + 6 * 3600);
  REQUIRE(want);

  // Same keys in the same order, with the health authority's report type and the days since
  // onset the server derived from the certificate.
  REQUIRE(got->keys.size() == up.keys.size());
  REQUIRE(got->keys.size() == want->keys.size());
  for (std::size_t i = 0; i < got->keys.size(); ++i) {
    CAPTURE(i);
    CHECK(got->keys[i].key_data.array() == want->keys[i].key_data.array());
    CHECK(got->keys[i].rolling_start_interval_number ==
          want->keys[i].rolling_start_interval_number);
    CHECK(got->keys[i].rolling_period == want->keys[i].rolling_period);
    CHECK(got->keys[i].report_type == ReportType::kConfirmedClinicalDiagnosis);
    CHECK(got->keys[i].days_since_onset_of_symptoms == want->keys[i].days_since_onset_of_symptoms);
  }
  // The owners' warnings, authorised by the server's health-authority key, which phones pin;
  // the in-memory publisher plays the authority with its own key.
  REQUIRE(got->venue_warnings.size() == up.venue_warnings.size());
  REQUIRE(want->venue_warnings.size() == up.venue_warnings.size());
  const auto accepted = [&](const std::vector<SealedVenueWarning>& warnings,
                            const std::vector<EcdsaP256PublicKey>& authority) {
    std::size_t n = 0;
    for (const auto& w : warnings) {
      for (const auto& o : owners) {
        if (check_venue_warning(o.id, o.owner_public_key, authority, w).verdict ==
            VenueWarningVerdict::kAccepted) {
          ++n;
        }
      }
    }
    return n;
  };
  CHECK(accepted(got->venue_warnings, server->authority_keys()) == owners.size());
  CHECK(accepted(want->venue_warnings, memory.authority_keys()) == owners.size());
  CHECK(accepted(got->venue_warnings, memory.authority_keys()) == 0);
  CHECK(got->download_bytes > 0);

  const ServerHoldings h = server->holdings();
  CHECK(h.uploads == 1);
  CHECK(h.keys == up.keys.size());
  CHECK(h.padding_keys == 0);
  CHECK(h.venue_reports == up.venue_reports.size());
  CHECK(h.stored_bytes > 0);

  // Nothing new the next day: the files already downloaded are not fetched again.
  auto again = server->fetch_new(kMidnight + 2 * kDay + 6 * 3600);
  REQUIRE(again);
  CHECK(again->keys.empty());
  CHECK(again->venue_warnings.empty());
  CHECK(again->download_bytes < got->download_bytes);
  CHECK((server->port() != 0) == (transport == ServerTransport::kLoopback));
}

TEST_CASE("the server holds back keys until 2 hours after they end, as the in-memory publisher") {
  auto server = make_server(ServerTransport::kLoopback);
  InMemoryPublisher memory;
  SeededRandom rng(6);
  SimUpload up;
  up.keys.push_back(key_of_day(kMidnight, rng));  // today's key, still valid at noon
  up.keys.push_back(key_of_day(kMidnight - kDay, rng));
  REQUIRE(server->publish(up, kNoon));
  REQUIRE(memory.publish(up, kNoon));

  for (const std::int64_t t :
       {kNoon + 4 * 3600, kMidnight + kDay + 1 * 3600, kMidnight + kDay + 3 * 3600}) {
    CAPTURE(t - kMidnight);
    auto got = server->fetch_new(t);
    auto want = memory.fetch_new(t);
    REQUIRE(got);
    REQUIRE(want);
    CHECK(key_bytes(got->keys) == key_bytes(want->keys));
  }
}

TEST_CASE("export padding keys are downloaded, verified and counted but are not uploads") {
  auto server = make_server(ServerTransport::kInProcess, 50);
  SeededRandom rng(7);
  const SimUpload up = sample_upload(rng);
  REQUIRE(server->publish(up, kNoon));
  auto got = server->fetch_new(kMidnight + kDay + 6 * 3600);
  REQUIRE(got);
  CHECK(got->keys.size() == 50);
  const auto fetched = key_bytes(got->keys);
  for (const auto& k : up.keys) CHECK(fetched.contains(k.key_data.array()));
  const ServerHoldings h = server->holdings();
  CHECK(h.padding_keys == 50 - up.keys.size());
  CHECK(h.keys == 50);
}

TEST_CASE("a bad upload is rejected by the server and stores nothing") {
  const auto transport = GENERATE(ServerTransport::kLoopback, ServerTransport::kInProcess);
  auto server = make_server(transport);
  SeededRandom rng(8);
  SimUpload up = sample_upload(rng);

  SECTION("a key field out of range") {
    up.keys[1].rolling_period = 0;
    auto s = server->publish(up, kNoon);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::kInvalidArgument);
    // The client Uploader's outcome: refused at publish, with the server's answer.
    CHECK(s.error().message.find("(rejected)") != std::string::npos);
    CHECK(s.error().message.find("HTTP 400") != std::string::npos);
    CHECK(s.error().message.find("rolling_period") != std::string::npos);
  }
  SECTION("overlapping keys") {
    up.keys.push_back(up.keys.front());
    up.keys.back().key_data.mutable_span()[0] ^= 1;
    auto s = server->publish(up, kNoon);
    REQUIRE_FALSE(s);
    // The client Uploader's outcome: refused at publish, with the server's answer.
    CHECK(s.error().message.find("(rejected)") != std::string::npos);
    CHECK(s.error().message.find("HTTP 400") != std::string::npos);
  }
  SECTION("a report type the health authority does not issue codes for") {
    up.report_type = ReportType::kRevoked;
    auto s = server->publish(up, kNoon);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::kInvalidArgument);
  }
  const ServerHoldings h = server->holdings();
  CHECK(h.uploads == 0);
  CHECK(h.keys == 0);
  CHECK(h.venue_reports == 0);
  auto got = server->fetch_new(kMidnight + kDay + 6 * 3600);
  REQUIRE(got);
  CHECK(got->keys.empty());
  CHECK(got->venue_warnings.empty());
}

TEST_CASE("the temporary server directory is removed with the publisher") {
  std::filesystem::path dir;
  {
    auto server = make_server(ServerTransport::kInProcess);
    dir = server->directory();
    CHECK(std::filesystem::exists(dir / "server.db"));
  }
  CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("a run against the real server over loopback gives the in-memory run's numbers") {
  auto none = run_once(small_run(ServerMode::kNone));
  REQUIRE(none);
  auto loopback = run_once(small_run(ServerMode::kLoopback));
  REQUIRE(loopback);
  CHECK(loopback->publisher_name.find("loopback") != std::string::npos);

  const RunSummary& a = none->summary;
  const RunSummary& b = loopback->summary;
  // The run is not trivial: people upload and phones are notified.
  REQUIRE(a.uploads > 0);
  CHECK(a.notifications_red + a.notifications_yellow > 0);
  CHECK(b.infections == a.infections);
  CHECK(b.tests == a.tests);
  CHECK(b.positives == a.positives);
  CHECK(b.uploads == a.uploads);
  CHECK(b.notifications_red == a.notifications_red);
  CHECK(b.notifications_yellow == a.notifications_yellow);
  CHECK(b.venue_notifications == a.venue_notifications);
  CHECK(b.red_precision.hits == a.red_precision.hits);
  CHECK(b.red_precision.total == a.red_precision.total);
  CHECK(b.any_recall.hits == a.any_recall.hits);
  CHECK(b.any_recall.total == a.any_recall.total);
  CHECK(b.isolation_person_days == a.isolation_person_days);
  CHECK(b.median_days_infection_to_notification == a.median_days_infection_to_notification);

  REQUIRE(loopback->daily.size() == none->daily.size());
  std::uint64_t keys_none = 0;
  std::uint64_t keys_server = 0;
  for (std::size_t d = 0; d < none->daily.size(); ++d) {
    const DailyStats& x = none->daily[d];
    const DailyStats& y = loopback->daily[d];
    CAPTURE(d);
    CHECK(y.new_infections == x.new_infections);
    CHECK(y.uploads == x.uploads);
    CHECK(y.notified_red == x.notified_red);
    CHECK(y.notified_yellow == x.notified_yellow);
    CHECK(y.venue_reports_fetched == x.venue_reports_fetched);
    CHECK(y.green == x.green);
    CHECK(y.yellow == x.yellow);
    CHECK(y.red == x.red);
    // The server pads each export file up to 1000 + a random 0-99 keys in total.
    CHECK(y.keys_fetched >= x.keys_fetched);
    keys_none += x.keys_fetched;
    keys_server += y.keys_fetched;
  }
  CHECK(keys_server > keys_none);

  // What the server holds: the same uploads and reports, and the real keys plus padding.
  const ServerHoldings& m = none->privacy.server;
  const ServerHoldings& s = loopback->privacy.server;
  CHECK(s.uploads == m.uploads);
  CHECK(s.venue_reports == m.venue_reports);
  CHECK(s.keys - s.padding_keys == m.keys);
  CHECK(s.padding_keys > 0);

  // The server's randomness comes from the run's seed: in process and over loopback give the
  // same bytes, padding counts included (1000 + rand[0, 100) keys per export file).
  auto inprocess = run_once(small_run(ServerMode::kInProcess));
  REQUIRE(inprocess);
  CHECK(inprocess->publisher_name.find("in process") != std::string::npos);
  CHECK(daily_csv(inprocess->daily) == daily_csv(loopback->daily));
  CHECK(inprocess->privacy.server.keys == s.keys);
}

TEST_CASE("every served file is logged, and the fetch verifies the log's checkpoint") {
  const auto transport = GENERATE(ServerTransport::kLoopback, ServerTransport::kInProcess);
  CAPTURE(static_cast<int>(transport));
  auto server = make_server(transport);
  SeededRandom rng(8);
  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    const std::int64_t shift = round * kDay;
    SimUpload up = sample_upload(rng);
    for (auto& k : up.keys) {
      k.rolling_start_interval_number.value += static_cast<std::uint32_t>(shift / 600);
    }
    REQUIRE(server->publish(up, kNoon + shift));
    auto got = server->fetch_new(kMidnight + kDay + 6 * 3600 + shift);
    INFO((got ? std::string() : got.error().message));
    REQUIRE(got);
    CHECK(got->keys.size() == up.keys.size());
  }

  const server::TransparencyLog& log = server->transparency_log();
  const auto served = served_files(server->directory() / "site");
  REQUIRE(served.size() >= 6);  // each round: at least one export and one venue batch
  const ServerHoldings h = server->holdings();
  CHECK(h.transparency_log);
  CHECK(h.log_leaves == served.size() + 1);  // and the venue owner policy
  CHECK(h.logged_files_verified == served.size());

  // The checkpoint verifies with the log's key and covers one leaf per served file, each
  // committing to that file's SHA-256 with the right kind.
  auto note = log.latest_checkpoint();
  REQUIRE(note);
  auto checkpoint = open_checkpoint(*note, CheckpointPolicy{log.origin(), log.verifier(), {}, 0});
  REQUIRE(checkpoint);
  CHECK(checkpoint->checkpoint.size == served.size() + 1);
  auto leaves = log.leaves(0, checkpoint->checkpoint.size);
  REQUIRE(leaves);
  std::set<std::pair<LogLeafKind, Sha256Digest>> logged;
  for (const auto& encoded : *leaves) {
    auto leaf = decode_log_leaf(encoded);
    REQUIRE(leaf);
    logged.emplace(log_leaf_kind(*leaf), log_leaf_content_sha256(*leaf));
  }
  for (const auto& path : served) {
    CAPTURE(path);
    const std::string body = read_text(server->directory() / "site" / path);
    const LogLeafKind kind = path.starts_with("v1/venues/") ? LogLeafKind::kVenueWarningBatch
                                                            : LogLeafKind::kExportBatch;
    CHECK(logged.contains({kind, sha256(as_bytes(body))}));
  }
  // The server's venue owner policy (docs/venues.md "When the owner cannot be reached").
  const std::string policy = read_text(server->directory() / "site" / "v1/venues/policy.txt");
  CHECK(policy.find("policy: require\n") != std::string::npos);
  CHECK(logged.contains({LogLeafKind::kVenueOwnerPolicy, sha256(as_bytes(policy))}));

  // A checkpoint signed by another key does not verify.
  auto other = NoteSigner::generate(log.origin());
  REQUIRE(other);
  CHECK_FALSE(open_checkpoint(*note, CheckpointPolicy{log.origin(), other->verifier(), {}, 0}));
}

}  // namespace greenlight::sim

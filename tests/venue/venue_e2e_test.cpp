// End to end over loopback: two-party venue warnings (docs/venues.md). Phones check in, a
// positive phone uploads its protected reports with its keys, the server holds them until
// the venue owner releases them with a health-authority code, and phones accept a warning
// only with both the owner's and the authority's signature. The attack tests of issue 15:
// the health authority alone (with the server and the poster), the owner alone, a copied
// poster (A23) and a forged poster (A24) warn nobody, and the rejected warnings are kept as
// evidence. Tests greenlight/client/venue_checkins.h with greenlight/server/venue_warnings.h
// and greenlight/venue_tools/host_warning.h.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "greenlight/client/http_fetcher.h"
#include "greenlight/client/venue_checkins.h"
#include "greenlight/client/venue_upload.h"
#include "greenlight/server/venue_warnings.h"
#include "greenlight/venue_tools/host_warning.h"
#include "greenlight/venue_tools/poster.h"
#include "greenlight/wire/venue_warning.h"
#include "test_server.h"
#include "venue_test_support.h"

namespace greenlight {
namespace {

namespace json = boost::json;
using server::testing::kHaKey;
using server::testing::kT0;  // 2025-11-24 16:00:00 UTC
using server::testing::TestServer;
using server::testing::TestServerConfig;

constexpr std::int64_t kDay = kT0 - 16 * 3600;  // 2025-11-24 00:00:00 UTC
constexpr std::int64_t kHour = 3600;

struct Phone {
  Phone(const std::filesystem::path& dir, const std::string& name, const client::Clock& clock,
        const EcdsaP256PublicKey& export_key, const EcdsaP256PublicKey& authority_key,
        std::uint64_t seed)
      : rng(seed) {
    client::ClientConfig config;
    config.trusted_keys.push_back(wire::TrustedSigningKey{"test", "v1", export_key});
    auto c = client::Client::open((dir / (name + ".db")).string(), config, clock, rng);
    REQUIRE(c);
    client = std::move(*c);
    ByteArray<32> key{};
    rng.fill(key);
    auto v = client::VenueCheckins::open(*client, client::CheckinStoreKey(key), rng);
    REQUIRE(v);
    venues = std::move(*v);
    venues->pin_authority_key(authority_key);
  }

  std::size_t evidence() {
    auto e = venues->warning_evidence();
    REQUIRE(e);
    return e->size();
  }

  std::int64_t check_in(const std::string& url) {
    auto venue = venues->scan(url);
    REQUIRE(venue);
    auto id = venues->store().check_in(*venue);
    REQUIRE(id);
    return *id;
  }

  client::ColourDecision sync_and_colour(std::uint16_t port) {
    client::BeastHttpFetcher fetcher;
    auto report = venues->sync(fetcher, "http://127.0.0.1:" + std::to_string(port));
    REQUIRE(report);
    CHECK(report->batches_failed == 0);
    auto colour = venues->colour();
    REQUIRE(colour);
    return *colour;
  }

  SeededRandom rng;
  std::unique_ptr<client::Client> client;
  std::unique_ptr<client::VenueCheckins> venues;
};

json::array to_json(const std::vector<SealedVenueReport>& reports) {
  json::array out;
  for (const auto& r : reports) out.push_back(json::string(wire::venue_report_to_base64(r)));
  return out;
}

json::array to_json(const std::vector<SealedVenueWarning>& warnings) {
  json::array out;
  for (const auto& w : warnings) out.push_back(json::string(wire::venue_warning_to_base64(w)));
  return out;
}

EcdsaP256PrivateKey new_authority_key() {
  auto k = EcdsaP256PrivateKey::generate();
  REQUIRE(k);
  return std::move(*k);
}

struct World {
  World() : server(config()) {}
  TestServerConfig config() {
    TestServerConfig c;
    c.before_start = [this](server::Server& s) { REQUIRE(s.add_module(module)); };
    return c;
  }

  // The health authority's venue-warning key; phones pin its public half.
  EcdsaP256PrivateKey venue_authority = new_authority_key();
  std::shared_ptr<server::VenueWarningModule> module = [this] {
    server::VenueWarningConfig config;
    config.authority_key = venue_authority;
    return std::make_shared<server::VenueWarningModule>(config);
  }();
  TestServer server;
  client::ManualClock clock{kDay};
  test::ScratchDir dir;
  SeededRandom rng{77};

  void set_time(std::int64_t t) {
    clock.set(t);
    server.clock().set(t);
  }
  EcdsaP256PublicKey authority_key() const { return venue_authority.public_key(); }
  std::unique_ptr<Phone> phone(const std::string& name, std::uint64_t seed) {
    return std::make_unique<Phone>(dir.path(), name, clock, server.export_public_key(),
                                   authority_key(), seed);
  }
  // The positive phone's authorised upload: its keys and its venue reports.
  void upload_positive(Phone& positive) {
    auto reports = positive.venues->reports_for_upload(clock.now() - 10 * 86400);
    REQUIRE(reports);
    auto c = server.client();
    const auto keys = server::testing::make_keys(2, clock.now());
    auto [cert, hmac_key] = server.authorise(c, keys);
    auto published = server.publish(c, keys, cert, hmac_key, false,
                                    json::object{{"venue_reports", to_json(*reports)}});
    INFO(published.body);
    REQUIRE(published.status == 200);
  }
  // The health authority's code for a venue host.
  std::string host_code() {
    auto c = server.client();
    auto code =
        c.post_json("/v1/codes",
                    json::serialize(json::object{
                        {"kind", "long"}, {"report_type", "confirmed"}, {"purpose", "venue_host"}}),
                    kHaKey);
    REQUIRE(code);
    REQUIRE(code->status == 200);
    return std::string(server::testing::parse_object(code->body).at("code").as_string());
  }
  venue_tools::HostWarningRequest host_request(std::string code) {
    venue_tools::HostWarningRequest request;
    request.port = server.port();
    request.code = std::move(code);
    return request;
  }
  // Whoever holds a venue_host code submits warnings for one tag (the server adds the
  // authority's signature).
  void submit(const std::vector<SealedVenueWarning>& warnings) {
    auto c = server.client();
    Bytes host_key(32);
    rng.fill(host_key);
    const std::string cert =
        certificate(c, "venue_host", wire::venue_host_mac(host_key, warnings.front().location_tag));
    auto r = c.post_json("/v1/venue-warning",
                         json::serialize(json::object{{"certificate", cert},
                                                      {"hmac_key", base64_encode(host_key)},
                                                      {"venue_warnings", to_json(warnings)}}));
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 200);
  }
  std::vector<std::string> publish() {
    auto files = module->publish_now();
    REQUIRE(files);
    std::vector<std::string> paths;
    if (*files) {
      for (const auto& f : **files) paths.push_back(f.path);
    }
    return paths;
  }
  std::string http_requests() {
    std::string all = server.server().context().metrics.prometheus_text();
    std::string out;
    std::size_t pos = 0;
    while (pos < all.size()) {
      const std::size_t end = all.find('\n', pos);
      const std::string line = all.substr(pos, end - pos);
      if (line.starts_with("greenlight_http_requests_total")) out += line + "\n";
      pos = end == std::string::npos ? all.size() : end + 1;
    }
    return out;
  }
  // Code with a purpose -> token -> certificate binding tekmac.
  std::string certificate(server::HttpClient& c, const std::string& purpose,
                          const Sha256Digest& tekmac) {
    auto code =
        c.post_json("/v1/codes",
                    json::serialize(json::object{
                        {"kind", "long"}, {"report_type", "confirmed"}, {"purpose", purpose}}),
                    kHaKey);
    REQUIRE(code);
    REQUIRE(code->status == 200);
    auto v = server.verify(
        c, std::string(server::testing::parse_object(code->body).at("code").as_string()));
    REQUIRE(v.status == 200);
    auto cert = server.certificate(
        c, std::string(server::testing::parse_object(v.body).at("token").as_string()), tekmac);
    REQUIRE(cert.status == 200);
    return std::string(server::testing::parse_object(cert.body).at("certificate").as_string());
  }
};

TEST_CASE("owner + health authority: only the phone whose stay overlaps turns YELLOW",
          "[venue][e2e]") {
  World w;
  const auto owned = test::make_owned_venue("Cafe Marker", w.rng, 60);
  const venue_tools::VenueSecret secret{owned.venue, owned.owner_seed};
  const std::string url = test::url_of(owned.venue);

  auto overlapping = w.phone("overlapping", 1);
  auto later = w.phone("later", 2);
  auto positive = w.phone("positive", 3);

  // Checking in makes no request to the server (the venue feature has no other channel).
  const std::string requests_before = w.http_requests();
  w.set_time(kDay + 10 * kHour);
  overlapping->check_in(url);  // 10:00-11:00 (automatic check-out)
  w.set_time(kDay + 10 * kHour + 30 * 60);
  positive->check_in(url);  // 10:30-11:30
  w.set_time(kDay + 13 * kHour);
  later->check_in(url);  // 13:00-14:00
  CHECK(w.http_requests() == requests_before);

  // 16:00: the positive phone uploads its keys and its venue reports, in one request. The
  // server holds them (it cannot read them) and publishes nothing without the owner.
  w.set_time(kT0);
  w.upload_positive(*positive);
  auto pending = w.module->pending_reports();
  REQUIRE(pending);
  CHECK(*pending == static_cast<std::int64_t>(client::VenueUploadOptions{}.padded_count));
  w.set_time(kT0 + kHour);
  CHECK(w.publish().empty());
  CHECK(overlapping->sync_and_colour(w.server.port()).colour == client::Colour::kGreen);

  // The health authority asks the host; the host releases with the owner key.
  auto released =
      venue_tools::release_pending_reports(secret, w.host_request(w.host_code()), w.rng);
  INFO((released ? std::string() : released.error().message));
  REQUIRE(released);
  CHECK(released->pending == 1);  // the one real report for this tag; fakes have other tags
  REQUIRE(released->released.size() == 1);
  CHECK(released->released[0].risk_level == client::VenueUploadOptions{}.risk_level);
  pending = w.module->pending_reports();
  REQUIRE(pending);
  CHECK(*pending == static_cast<std::int64_t>(client::VenueUploadOptions{}.padded_count) - 1);

  w.set_time(kT0 + 2 * kHour);
  const auto paths = w.publish();
  REQUIRE(paths.size() == 1);
  CHECK(paths[0].starts_with("v1/venues/"));

  const auto yellow = overlapping->sync_and_colour(w.server.port());
  CHECK(yellow.colour == client::Colour::kYellow);
  CHECK(yellow.explanation.rule == client::ColourRule::kVenueWarning);
  CHECK(yellow.explanation.day == kDay);
  CHECK(yellow.explanation.minutes == 30.0);
  CHECK(yellow.explanation.text.find("2025-11-24") != std::string::npos);
  CHECK(yellow.explanation.text.find("Cafe") == std::string::npos);  // never names the place
  CHECK(overlapping->evidence() == 0);

  const auto green = later->sync_and_colour(w.server.port());
  CHECK(green.colour == client::Colour::kGreen);
  CHECK(later->evidence() == 0);

  SECTION("a second sync downloads nothing new") {
    client::BeastHttpFetcher fetcher;
    auto again =
        overlapping->venues->sync(fetcher, "http://127.0.0.1:" + std::to_string(w.server.port()));
    REQUIRE(again);
    CHECK(again->batches_processed == 0);
  }
  SECTION("the owner warns the later guests with a new code; a code is single use") {
    venue_tools::HostWarningRequest request = w.host_request(w.host_code());
    request.from = kDay + 12 * kHour;
    request.until = kDay + 15 * kHour;
    auto sent = venue_tools::send_host_warning(secret, request, w.clock.now(), w.rng);
    REQUIRE(sent);
    CHECK(*sent == 1);
    CHECK(venue_tools::send_host_warning(secret, request, w.clock.now(), w.rng).error().code ==
          ErrorCode::kAuthentication);
    w.set_time(kT0 + 3 * kHour);
    REQUIRE(w.publish().size() == 1);
    const auto warned = later->sync_and_colour(w.server.port());
    CHECK(warned.colour == client::Colour::kYellow);
    CHECK(warned.explanation.minutes == 60.0);
  }
}

// Issue 15: the health authority alone, with full server access and the poster, cannot
// produce a warning any phone accepts.
TEST_CASE("the health authority alone cannot warn a venue: phones stay GREEN, keep evidence",
          "[venue][e2e][security]") {
  World w;
  const auto owned = test::make_owned_venue("Protest Square", w.rng, 120);
  const std::string url = test::url_of(owned.venue);
  auto first = w.phone("first", 31);
  auto second = w.phone("second", 32);
  auto positive = w.phone("positive", 33);
  w.set_time(kDay + 9 * kHour);
  first->check_in(url);
  positive->check_in(url);
  w.set_time(kDay + 10 * kHour);
  second->check_in(url);
  w.set_time(kT0);
  w.upload_positive(*positive);

  // The authority has the poster (hence location_id), issues itself venue_host codes, and
  // signs with its own key in place of the owner's; the server authorises and publishes it.
  auto forger = Ed25519PrivateKey::generate();
  REQUIRE(forger);
  VenueReportRecord record;
  record.start_interval = interval_from_unix_seconds(kDay);
  record.duration_intervals = 144;
  record.risk_level = 8;
  auto forged = seal_venue_warning(owned.venue.location_id, record,
                                   VenueWarningOrigin::kHostWarning, *forger, w.rng);
  REQUIRE(forged);
  w.submit({*forged});
  // It also re-seals the positive visitor's pending report (it can read it with the poster)
  // and publishes it without the owner.
  auto reports = positive->venues->reports_for_upload(kT0 - 10 * 86400);
  REQUIRE(reports);
  auto pending_release =
      client::release_visitor_reports(owned.venue.location_id, *forger, *reports, w.rng);
  REQUIRE(pending_release);
  REQUIRE(pending_release->warnings.size() == 1);
  w.submit(pending_release->warnings);
  // And it writes an authorised warning straight into the publication table.
  auto direct = seal_venue_warning(owned.venue.location_id, record,
                                   VenueWarningOrigin::kVisitorRelease, *forger, w.rng);
  REQUIRE(direct);
  REQUIRE(authorize_venue_warning(*direct, w.venue_authority));
  REQUIRE(w.server.server().context().store.transact([&](server::StoreTransaction& tx) -> Status {
    auto r = tx.execute("INSERT INTO venue_report(report, received_at) VALUES(?, ?)",
                        {wire::venue_warning_to_stored_bytes(*direct), kT0});
    GL_RETURN_IF_ERROR(r);
    return ok();
  }));
  w.set_time(kT0 + kHour);
  REQUIRE(w.publish().size() == 1);

  for (auto* phone : {first.get(), second.get(), positive.get()}) {
    client::BeastHttpFetcher fetcher;
    auto report =
        phone->venues->sync(fetcher, "http://127.0.0.1:" + std::to_string(w.server.port()));
    REQUIRE(report);
    CHECK(report->batches_processed == 1);
    CHECK(report->warnings_rejected == 3);
    auto colour = phone->venues->colour();
    REQUIRE(colour);
    CHECK(colour->colour == client::Colour::kGreen);
    auto evidence = phone->venues->warning_evidence();
    REQUIRE(evidence);
    REQUIRE(evidence->size() == 3);
    for (const auto& e : *evidence) {
      CHECK(e.verdict == VenueWarningVerdict::kBadOwnerSignature);
      CHECK(e.warning.location_tag == owned.venue.location_tag);
    }
  }
}

TEST_CASE("the owner alone cannot warn a venue: phones stay GREEN, keep evidence",
          "[venue][e2e][security]") {
  World w;
  const auto owned = test::make_owned_venue("Bar Rainbow", w.rng, 120);
  auto guest = w.phone("guest", 41);
  w.set_time(kDay + 9 * kHour);
  guest->check_in(test::url_of(owned.venue));
  w.set_time(kT0);
  VenueReportRecord record;
  record.start_interval = interval_from_unix_seconds(kDay);
  record.duration_intervals = 144;
  record.risk_level = 8;
  auto warning = seal_venue_warning(owned.venue.location_id, record,
                                    VenueWarningOrigin::kHostWarning, owned.owner(), w.rng);
  REQUIRE(warning);

  // Without a health-authority code the server refuses it and stores nothing.
  auto c = w.server.client();
  Bytes host_key(32);
  w.rng.fill(host_key);
  const std::string keys_cert =
      w.certificate(c, "keys", wire::venue_host_mac(host_key, owned.venue.location_tag));
  const std::string digest = w.server.digest();
  auto refused = c.post_json(
      "/v1/venue-warning",
      json::serialize(json::object{{"certificate", keys_cert},
                                   {"hmac_key", base64_encode(host_key)},
                                   {"venue_warnings", to_json(std::vector{*warning})}}));
  REQUIRE(refused);
  CHECK(refused->status == 401);
  CHECK(w.server.digest() == digest);

  // A file the phone trusts (a compromised CDN or export key) carrying the owner's warning
  // without, or with a forged, authority signature: not accepted.
  auto cdn_key = EcdsaP256PrivateKey::generate();
  REQUIRE(cdn_key);
  guest->client->add_trusted_key(wire::TrustedSigningKey{"cdn", "v1", cdn_key->public_key()});
  auto not_the_authority = EcdsaP256PrivateKey::generate();
  REQUIRE(not_the_authority);
  SealedVenueWarning self_signed = *warning;
  REQUIRE(authorize_venue_warning(self_signed, *not_the_authority));
  wire::VenueWarningBatch batch;
  batch.start_timestamp = static_cast<std::uint64_t>(kT0);
  batch.end_timestamp = static_cast<std::uint64_t>(kT0 + kHour);
  batch.warnings = {*warning, self_signed};
  auto file = wire::write_venue_warning_file(
      batch, {wire::ExportSigner{{"v1", "cdn", wire::kEcdsaP256Sha256Oid}, *cdn_key}});
  REQUIRE(file);
  auto processed = guest->venues->process_batch(*file, "v1/venues/cdn.bin");
  REQUIRE(processed);
  CHECK(processed->new_matches == 0);
  CHECK(processed->warnings_rejected == 2);
  auto colour = guest->venues->colour();
  REQUIRE(colour);
  CHECK(colour->colour == client::Colour::kGreen);
  auto evidence = guest->venues->warning_evidence();
  REQUIRE(evidence);
  REQUIRE(evidence->size() == 2);
  CHECK(evidence->at(0).verdict == VenueWarningVerdict::kNoAuthority);
  CHECK(evidence->at(1).verdict == VenueWarningVerdict::kNoAuthority);
}

TEST_CASE("the server validates venue reports and stores nothing from a bad upload",
          "[venue][e2e]") {
  World w;
  w.set_time(kT0);
  auto c = w.server.client();
  const auto keys = server::testing::make_keys(1, kT0);
  const std::string digest = w.server.digest();

  auto reports = client::venue_chaff_reports(w.rng);
  json::array bad = to_json(reports);
  bad.back() = json::string(base64_encode(Bytes(75, 1)));
  auto [cert, hmac_key] = w.server.authorise(c, keys);
  const std::string after_authorise = w.server.digest();
  auto response =
      w.server.publish(c, keys, cert, hmac_key, false, json::object{{"venue_reports", bad}});
  CHECK(response.status == 400);
  CHECK(w.server.digest() == after_authorise);

  json::array too_many;
  for (int i = 0; i < 513; ++i) too_many.push_back(to_json(reports).front());
  response =
      w.server.publish(c, keys, cert, hmac_key, false, json::object{{"venue_reports", too_many}});
  CHECK(response.status == 400);
  CHECK(w.server.digest() == after_authorise);

  // Chaff walks the same path and stores nothing.
  response = w.server.publish(c, keys, cert, hmac_key, true,
                              json::object{{"venue_reports", to_json(reports)}});
  CHECK(response.status == 200);
  auto pending = w.module->pending_reports();
  REQUIRE(pending);
  CHECK(*pending == 0);
  CHECK(w.publish().empty());
  CHECK(digest != after_authorise);  // the authorisation itself was recorded
}

TEST_CASE("host submissions need a venue_host certificate bound to one venue's tag",
          "[venue][e2e]") {
  World w;
  const auto owned = test::make_owned_venue("Hall", w.rng);
  const auto other = test::make_owned_venue("Other Hall", w.rng);
  w.set_time(kT0);
  auto warnings = client::host_warnings(owned.venue.location_id, owned.owner(), kDay + 12 * kHour,
                                        kDay + 13 * kHour, w.clock.now(), 8, w.rng);
  REQUIRE(warnings);
  auto c = w.server.client();
  Bytes host_key(32);
  w.rng.fill(host_key);
  const auto post = [&](const std::string& cert, const std::vector<SealedVenueWarning>& list) {
    auto r = c.post_json("/v1/venue-warning",
                         json::serialize(json::object{{"certificate", cert},
                                                      {"hmac_key", base64_encode(host_key)},
                                                      {"venue_warnings", to_json(list)}}));
    REQUIRE(r);
    return r->status;
  };
  const std::string digest = w.server.digest();
  // A certificate for another venue's tag.
  CHECK(
      post(w.certificate(c, "venue_host", wire::venue_host_mac(host_key, other.venue.location_tag)),
           *warnings) == 401);
  const std::string cert =
      w.certificate(c, "venue_host", wire::venue_host_mac(host_key, owned.venue.location_tag));
  const std::string after_certificates = w.server.digest();
  CHECK(digest != after_certificates);
  // Warnings of two venues in one submission.
  auto mixed = *warnings;
  auto foreign = client::host_warnings(other.venue.location_id, other.owner(), kDay + 12 * kHour,
                                       kDay + 13 * kHour, w.clock.now(), 8, w.rng);
  REQUIRE(foreign);
  mixed.push_back(foreign->front());
  CHECK(post(cert, mixed) == 400);
  CHECK(w.server.digest() == after_certificates);
  CHECK(post(cert, *warnings) == 200);
  CHECK(post(cert, *warnings) == 409);  // single use
  // Pending reports need the same kind of certificate.
  auto pending = c.post_json(
      "/v1/venue-pending",
      json::serialize(json::object{{"certificate", w.certificate(c, "keys", Sha256Digest{})},
                                   {"hmac_key", base64_encode(host_key)},
                                   {"location_tag", base64_encode(owned.venue.location_tag)}}));
  REQUIRE(pending);
  CHECK(pending->status == 401);
}

// A23: a copied QR code (a photo, a web page) affects only the copier's own phone, and its
// holder cannot warn others even with a health-authority code.
TEST_CASE("a copied QR code affects only the copier and warns nobody (A23)",
          "[venue][e2e][security]") {
  World w;
  const auto owned = test::make_owned_venue("Zoo", w.rng, 60);
  const venue_tools::VenueSecret secret{owned.venue, owned.owner_seed};
  const std::string url = test::url_of(owned.venue);
  auto guest = w.phone("guest", 11);
  auto copier_at_night = w.phone("copier-night", 12);
  auto copier_inside = w.phone("copier-inside", 13);
  auto bystander = w.phone("bystander", 14);
  auto other_guest = w.phone("other-guest", 15);

  w.set_time(kDay + 4 * kHour);  // 04:00: a "visit" from far away
  copier_at_night->check_in(url);
  w.set_time(kDay + 7 * kHour);
  other_guest->check_in(url);  // 07:00-08:00
  w.set_time(kDay + 9 * kHour);
  guest->check_in(url);  // 09:00-10:00, the positive guest
  w.set_time(kDay + 9 * kHour + 15 * 60);
  copier_inside->check_in(url);  // copied code used inside the window

  w.set_time(kT0);
  w.upload_positive(*guest);
  REQUIRE(venue_tools::release_pending_reports(secret, w.host_request(w.host_code()), w.rng));
  w.set_time(kT0 + kHour);
  REQUIRE(w.publish().size() == 1);

  CHECK(copier_at_night->sync_and_colour(w.server.port()).colour == client::Colour::kGreen);
  CHECK(copier_inside->sync_and_colour(w.server.port()).colour == client::Colour::kYellow);
  CHECK(bystander->sync_and_colour(w.server.port()).colour == client::Colour::kGreen);
  CHECK(other_guest->sync_and_colour(w.server.port()).colour == client::Colour::kGreen);

  // The copier holds the poster and even gets a venue_host code: without the owner key its
  // warning for the morning is rejected by every phone.
  auto copier_key = Ed25519PrivateKey::generate();
  REQUIRE(copier_key);
  auto fake = client::host_warnings(owned.venue.location_id, *copier_key, kDay + 6 * kHour,
                                    kDay + 9 * kHour, w.clock.now(), 8, w.rng);
  REQUIRE(fake);
  w.submit(*fake);
  w.set_time(kT0 + 2 * kHour);
  REQUIRE(w.publish().size() == 1);
  CHECK(other_guest->sync_and_colour(w.server.port()).colour == client::Colour::kGreen);
  CHECK(other_guest->evidence() == 1);
}

// A24: a forged or overlaid poster. Whoever prints it holds its owner key, so it can warn
// only the visitors it collected itself; the genuine venue's guests never match.
TEST_CASE("a forged poster cannot warn the genuine venue's guests (A24)",
          "[venue][e2e][security]") {
  World w;
  const auto genuine = test::make_owned_venue("Mosque Al-Noor", w.rng, 120);
  // The same name and address under the forger's own key (taped over the genuine poster).
  const auto forged = test::make_owned_venue("Mosque Al-Noor", w.rng, 120);
  // The genuine payload with only the owner key swapped for the forger's.
  wire::VenuePayload edited = genuine.venue.payload;
  edited.owner_public_key = forged.owner().public_key().raw();
  auto edited_raw = wire::encode_venue_payload(edited);
  REQUIRE(edited_raw);
  auto edited_venue = wire::scan_venue_payload(*edited_raw);
  REQUIRE(edited_venue);
  CHECK(edited_venue->location_tag != genuine.venue.location_tag);

  auto genuine_guest = w.phone("genuine", 51);
  auto fooled_guest = w.phone("fooled", 52);
  auto edited_guest = w.phone("edited", 53);
  w.set_time(kDay + 10 * kHour);
  genuine_guest->check_in(test::url_of(genuine.venue));
  fooled_guest->check_in(test::url_of(forged.venue));
  edited_guest->check_in(test::url_of(*edited_venue));

  // The forger, with a health-authority code, warns "its" venue and the genuine tag.
  w.set_time(kT0);
  const venue_tools::VenueSecret forged_secret{forged.venue, forged.owner_seed};
  venue_tools::HostWarningRequest request = w.host_request(w.host_code());
  request.from = kDay + 9 * kHour;
  request.until = kDay + 12 * kHour;
  REQUIRE(venue_tools::send_host_warning(forged_secret, request, kT0, w.rng));
  auto on_edited = client::host_warnings(edited_venue->location_id, forged.owner(),
                                         kDay + 9 * kHour, kDay + 12 * kHour, kT0, 8, w.rng);
  REQUIRE(on_edited);
  w.submit(*on_edited);
  auto on_genuine = client::host_warnings(genuine.venue.location_id, forged.owner(),
                                          kDay + 9 * kHour, kDay + 12 * kHour, kT0, 8, w.rng);
  REQUIRE(on_genuine);
  w.submit(*on_genuine);
  w.set_time(kT0 + kHour);
  REQUIRE(w.publish().size() == 1);

  CHECK(genuine_guest->sync_and_colour(w.server.port()).colour == client::Colour::kGreen);
  CHECK(genuine_guest->evidence() == 1);  // the forger's warning for the genuine tag
  // Only the visitors the forger collected itself: the inherent limit (reference A24).
  CHECK(fooled_guest->sync_and_colour(w.server.port()).colour == client::Colour::kYellow);
  CHECK(edited_guest->sync_and_colour(w.server.port()).colour == client::Colour::kYellow);
}

TEST_CASE("legacy (version 1) posters: checked in, never warned", "[venue][e2e][security]") {
  World w;
  const auto legacy = test::make_legacy_venue("Old Cafe", w.rng, 120);
  auto guest = w.phone("guest", 61);
  w.set_time(kDay + 9 * kHour);
  guest->check_in(test::url_of(legacy));
  w.set_time(kT0);
  // Whoever holds the poster and a code: an authorised warning, but no owner key to check.
  auto someone = Ed25519PrivateKey::generate();
  REQUIRE(someone);
  auto warnings = client::host_warnings(legacy.location_id, *someone, kDay + 8 * kHour,
                                        kDay + 12 * kHour, kT0, 8, w.rng);
  REQUIRE(warnings);
  w.submit(*warnings);
  w.set_time(kT0 + kHour);
  REQUIRE(w.publish().size() == 1);
  CHECK(guest->sync_and_colour(w.server.port()).colour == client::Colour::kGreen);
  auto evidence = guest->venues->warning_evidence();
  REQUIRE(evidence);
  REQUIRE(evidence->size() == 1);
  CHECK(evidence->front().verdict == VenueWarningVerdict::kLegacyVenue);
}

TEST_CASE("a host warning from venue.secret, published with the next export run", "[venue][e2e]") {
  World w;
  wire::VenueInfo info;
  info.description = "Community Hall";
  info.default_checkin_minutes = 120;
  auto created =
      venue_tools::create_venue(info, wire::kDefaultVenueBaseUrl, w.dir.path() / "hall", w.rng);
  REQUIRE(created);
  auto guest = w.phone("guest", 21);
  w.set_time(kDay + 10 * kHour);
  guest->check_in(created->url);  // 10:00-12:00

  w.set_time(kT0);
  auto secret = venue_tools::read_venue_secret(created->secret_file);
  REQUIRE(secret);
  REQUIRE(secret->owner_seed);
  venue_tools::HostWarningRequest request = w.host_request(w.host_code());
  request.from = kDay + 11 * kHour;
  request.until = kDay + 14 * kHour;
  auto sent = venue_tools::send_host_warning(*secret, request, kT0, w.rng);
  INFO((sent ? std::string() : sent.error().message));
  REQUIRE(sent);
  CHECK(*sent == 1);

  // The export run (timer or admin trigger) publishes the venue batch too.
  w.set_time(kT0 + kHour);
  REQUIRE(w.server.server().export_now());
  auto files = w.module->batch_files();
  REQUIRE(files);
  CHECK(files->size() == 1);

  const auto colour = guest->sync_and_colour(w.server.port());
  CHECK(colour.colour == client::Colour::kYellow);
  CHECK(colour.explanation.minutes == 60.0);
}

TEST_CASE("owner policy: host-only keeps no visitor reports; pending reports expire unpublished",
          "[venue][e2e]") {
  SECTION("host-only") {
    World w;
    server::VenueWarningConfig config;
    config.owner_policy = server::VenueOwnerPolicy::kHostOnly;
    config.authority_key = w.venue_authority;
    auto module = std::make_shared<server::VenueWarningModule>(config);
    server::testing::TestServerConfig sc;
    sc.before_start = [&](server::Server& s) { REQUIRE(s.add_module(module)); };
    server::testing::TestServer host_only(sc);
    host_only.clock().set(kT0);
    auto c = host_only.client();
    const auto keys = server::testing::make_keys(1, kT0);
    auto [cert, hmac_key] = host_only.authorise(c, keys);
    auto chaff = client::venue_chaff_reports(w.rng);
    REQUIRE(host_only
                .publish(c, keys, cert, hmac_key, false,
                         json::object{{"venue_reports", to_json(chaff)}})
                .status == 200);
    auto pending = module->pending_reports();
    REQUIRE(pending);
    CHECK(*pending == 0);
    REQUIRE(module->publish_now());
    auto policy = c.get("/v1/venues/policy.txt");
    REQUIRE(policy);
    CHECK(policy->status == 200);
    CHECK(policy->body.find("policy: host-only\n") != std::string::npos);
  }
  SECTION("require with a one-hour wait: pending reports go after an hour, before retention") {
    World w;
    server::VenueWarningConfig config;
    config.owner_wait_seconds = 3600;
    config.authority_key = w.venue_authority;
    auto module = std::make_shared<server::VenueWarningModule>(config);
    server::testing::TestServerConfig sc;
    sc.before_start = [&](server::Server& s) { REQUIRE(s.add_module(module)); };
    server::testing::TestServer short_wait(sc);
    short_wait.clock().set(kT0);
    auto c = short_wait.client();
    const auto keys = server::testing::make_keys(1, kT0);
    auto [cert, hmac_key] = short_wait.authorise(c, keys);
    // Real uploads whose reports happen to be fakes: the server cannot tell and keeps them.
    auto reports = client::venue_chaff_reports(w.rng);
    REQUIRE(short_wait
                .publish(c, keys, cert, hmac_key, false,
                         json::object{{"venue_reports", to_json(reports)}})
                .status == 200);
    auto pending = module->pending_reports();
    REQUIRE(pending);
    CHECK(*pending == static_cast<std::int64_t>(reports.size()));
    short_wait.clock().set(kT0 + 1800);
    REQUIRE(short_wait.server().run_retention());
    pending = module->pending_reports();
    REQUIRE(pending);
    CHECK(*pending == static_cast<std::int64_t>(reports.size()));
    short_wait.clock().set(kT0 + 2 * 3600 + 1);
    REQUIRE(short_wait.server().run_retention());
    pending = module->pending_reports();
    REQUIRE(pending);
    CHECK(*pending == 0);
    auto published = module->publish_now();
    REQUIRE(published);
    CHECK_FALSE(published->has_value());
  }
  SECTION("require: pending reports are deleted, never published, after the owner wait") {
    World w;
    auto positive = w.phone("positive", 71);
    const auto owned = test::make_owned_venue("Shop", w.rng);
    w.set_time(kDay + 9 * kHour);
    positive->check_in(test::url_of(owned.venue));
    w.set_time(kT0);
    w.upload_positive(*positive);
    auto pending = w.module->pending_reports();
    REQUIRE(pending);
    CHECK(*pending > 0);
    w.set_time(kT0 + 15 * 86400);
    REQUIRE(w.server.server().run_retention());
    pending = w.module->pending_reports();
    REQUIRE(pending);
    CHECK(*pending == 0);
    CHECK(w.publish().empty());
  }
}

}  // namespace
}  // namespace greenlight

// End to end over loopback: a venue, phones that check in, a positive phone that uploads
// its protected reports with its keys, a venue host's warning, the server's signed batches,
// and matching on the phones. Tests greenlight/client/venue_checkins.h with
// greenlight/server/venue_warnings.h.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "greenlight/client/http_fetcher.h"
#include "greenlight/client/venue_checkins.h"
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
        const EcdsaP256PublicKey& export_key, std::uint64_t seed)
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

struct World {
  World() : server(config()) {}
  TestServerConfig config() {
    TestServerConfig c;
    c.before_start = [this](server::Server& s) { REQUIRE(s.add_module(module)); };
    return c;
  }

  std::shared_ptr<server::VenueWarningModule> module =
      std::make_shared<server::VenueWarningModule>();
  TestServer server;
  client::ManualClock clock{kDay};
  test::ScratchDir dir;
  SeededRandom rng{77};

  void set_time(std::int64_t t) {
    clock.set(t);
    server.clock().set(t);
  }
  std::unique_ptr<Phone> phone(const std::string& name, std::uint64_t seed) {
    return std::make_unique<Phone>(dir.path(), name, clock, server.export_public_key(), seed);
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

TEST_CASE("end to end: only the phone whose visit overlaps turns YELLOW", "[venue][e2e]") {
  World w;
  const auto venue = test::make_venue("Cafe Marker", w.rng, 60);
  const std::string url = test::url_of(venue);

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

  // 16:00: the positive phone uploads its keys and its venue reports, in one request.
  w.set_time(kT0);
  auto reports = positive->venues->reports_for_upload(kT0 - 10 * 86400);
  REQUIRE(reports);
  REQUIRE(reports->size() == client::VenueUploadOptions{}.padded_count);
  auto c = w.server.client();
  const auto keys = server::testing::make_keys(2, kT0);
  auto [cert, hmac_key] = w.server.authorise(c, keys);
  auto published = w.server.publish(c, keys, cert, hmac_key, false,
                                    json::object{{"venue_reports", to_json(*reports)}});
  INFO(published.body);
  REQUIRE(published.status == 200);
  auto pending = w.module->pending_reports();
  REQUIRE(pending);
  CHECK(*pending == static_cast<std::int64_t>(reports->size()));

  w.set_time(kT0 + kHour);
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

  const auto green = later->sync_and_colour(w.server.port());
  CHECK(green.colour == client::Colour::kGreen);

  SECTION("a second sync downloads nothing new") {
    client::BeastHttpFetcher fetcher;
    auto again =
        overlapping->venues->sync(fetcher, "http://127.0.0.1:" + std::to_string(w.server.port()));
    REQUIRE(again);
    CHECK(again->batches_processed == 0);
  }
  SECTION("the venue host warns the later guests; the certificate binds the reports") {
    auto host_reports = client::host_warning_reports(venue.location_id, kDay + 12 * kHour,
                                                     kDay + 15 * kHour, w.clock.now(), 8, w.rng);
    REQUIRE(host_reports);
    Bytes host_key(32);
    w.rng.fill(host_key);
    const Sha256Digest mac = wire::venue_host_mac(host_key, *host_reports);
    const std::string host_cert = w.certificate(c, "venue_host", mac);
    const auto body = [&](const std::vector<SealedVenueReport>& r) {
      return json::serialize(json::object{{"certificate", host_cert},
                                          {"hmac_key", base64_encode(host_key)},
                                          {"venue_reports", to_json(r)}});
    };
    // Other reports than the certified ones: rejected, nothing stored.
    auto tampered = *host_reports;
    tampered.push_back(tampered.front());
    const std::string digest = w.server.digest();
    auto bad = c.post_json("/v1/venue-warning", body(tampered));
    REQUIRE(bad);
    CHECK(bad->status == 401);
    CHECK(w.server.digest() == digest);

    auto ok = c.post_json("/v1/venue-warning", body(*host_reports));
    REQUIRE(ok);
    INFO(ok->body);
    REQUIRE(ok->status == 200);
    auto replay = c.post_json("/v1/venue-warning", body(*host_reports));
    REQUIRE(replay);
    CHECK(replay->status == 409);

    w.set_time(kT0 + 2 * kHour);
    REQUIRE(w.publish().size() == 1);
    const auto warned = later->sync_and_colour(w.server.port());
    CHECK(warned.colour == client::Colour::kYellow);
    CHECK(warned.explanation.minutes == 60.0);
  }
  SECTION("a host warning needs a venue_host code, and all reports for one venue") {
    auto host_reports = client::host_warning_reports(venue.location_id, kDay + 12 * kHour,
                                                     kDay + 13 * kHour, w.clock.now(), 8, w.rng);
    REQUIRE(host_reports);
    Bytes host_key(32);
    w.rng.fill(host_key);
    const std::string keys_cert =
        w.certificate(c, "keys", wire::venue_host_mac(host_key, *host_reports));
    auto wrong_purpose =
        c.post_json("/v1/venue-warning",
                    json::serialize(json::object{{"certificate", keys_cert},
                                                 {"hmac_key", base64_encode(host_key)},
                                                 {"venue_reports", to_json(*host_reports)}}));
    REQUIRE(wrong_purpose);
    CHECK(wrong_purpose->status == 401);

    auto mixed = *host_reports;
    mixed.push_back(make_fake_venue_report(w.rng));
    auto mixed_response = c.post_json(
        "/v1/venue-warning", json::serialize(json::object{{"certificate", keys_cert},
                                                          {"hmac_key", base64_encode(host_key)},
                                                          {"venue_reports", to_json(mixed)}}));
    REQUIRE(mixed_response);
    CHECK(mixed_response->status == 400);
  }
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

// A23: a copied QR code (a photo, a web page) affects only the copier's own phone.
TEST_CASE("a copied QR code affects only the copier (A23)", "[venue][e2e][security]") {
  World w;
  const auto venue = test::make_venue("Zoo", w.rng, 60);
  const std::string url = test::url_of(venue);
  auto guest = w.phone("guest", 11);
  auto copier_at_night = w.phone("copier-night", 12);
  auto copier_inside = w.phone("copier-inside", 13);
  auto bystander = w.phone("bystander", 14);

  w.set_time(kDay + 4 * kHour);  // 04:00: a "visit" from far away
  copier_at_night->check_in(url);
  w.set_time(kDay + 9 * kHour);
  guest->check_in(url);  // 09:00-10:00, the positive guest
  w.set_time(kDay + 9 * kHour + 15 * 60);
  copier_inside->check_in(url);  // copied code used inside the window

  w.set_time(kT0);
  auto reports = guest->venues->reports_for_upload(kT0 - 10 * 86400);
  REQUIRE(reports);
  auto c = w.server.client();
  const auto keys = server::testing::make_keys(1, kT0);
  auto [cert, hmac_key] = w.server.authorise(c, keys);
  REQUIRE(w.server
              .publish(c, keys, cert, hmac_key, false,
                       json::object{{"venue_reports", to_json(*reports)}})
              .status == 200);
  w.set_time(kT0 + kHour);
  REQUIRE(w.publish().size() == 1);

  CHECK(copier_at_night->sync_and_colour(w.server.port()).colour == client::Colour::kGreen);
  CHECK(copier_inside->sync_and_colour(w.server.port()).colour == client::Colour::kYellow);
  CHECK(bystander->sync_and_colour(w.server.port()).colour == client::Colour::kGreen);
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
  auto c = w.server.client();
  auto code =
      c.post_json("/v1/codes",
                  json::serialize(json::object{
                      {"kind", "long"}, {"report_type", "confirmed"}, {"purpose", "venue_host"}}),
                  kHaKey);
  REQUIRE(code);
  REQUIRE(code->status == 200);
  auto secret = venue_tools::read_venue_secret(created->secret_file);
  REQUIRE(secret);
  venue_tools::HostWarningRequest request;
  request.port = w.server.port();
  request.code = std::string(server::testing::parse_object(code->body).at("code").as_string());
  request.from = kDay + 11 * kHour;
  request.until = kDay + 14 * kHour;
  auto sent = venue_tools::send_host_warning(*secret, request, kT0, w.rng);
  INFO((sent ? std::string() : sent.error().message));
  REQUIRE(sent);
  CHECK(*sent == 1);
  // A code is single use.
  CHECK(venue_tools::send_host_warning(*secret, request, kT0, w.rng).error().code ==
        ErrorCode::kAuthentication);

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

}  // namespace
}  // namespace greenlight

// The upload carries the positive user's venue check-ins (sealed, padded to 112 reports):
// once the venue's owner released them with a health-authority code (two-party warnings,
// docs/venues.md), the export run publishes them and another guest of the same place and time
// turns YELLOW.
#include <catch2/catch.hpp>

#include "greenlight/client/uploader.h"
#include "greenlight/client/venue_checkins.h"
#include "greenlight/venue_tools/host_warning.h"
#include "upload_test_support.h"
#include "venue_test_support.h"

namespace greenlight::upload_test {
namespace {

struct Guest {
  Guest(World& w, const std::string& name, std::uint64_t seed) : phone(w.phone(name, seed)) {
    ByteArray<32> key{};
    phone->rng.fill(key);
    auto v = client::VenueCheckins::open(*phone->client, client::CheckinStoreKey(key), phone->rng);
    REQUIRE(v);
    venues = std::move(*v);
    venues->pin_authority_key(venue_authority_key().public_key());
  }
  std::unique_ptr<Phone> phone;
  std::unique_ptr<client::VenueCheckins> venues;
};

TEST_CASE("upload: venue check-ins travel with the keys and warn the other guests",
          "[upload][venue][e2e]") {
  World w;
  SeededRandom venue_rng(5);
  const test::OwnedVenue owned = test::make_owned_venue("Upload Cafe", venue_rng);
  const wire::ScannedVenue& venue = owned.venue;
  Guest positive(w, "positive", 2);
  Guest guest(w, "guest", 3);
  w.set_time(kYesterday + 10 * kHour);
  REQUIRE(positive.phone->client->advertisement());
  REQUIRE(positive.venues->store().check_in(venue));
  REQUIRE(guest.venues->store().check_in(venue));
  w.set_time(server::testing::kT0);

  RecordingTransport transport(w.url());
  client::UploaderOptions options;
  options.base_url = w.url();
  auto uploader = client::Uploader::open(*positive.phone->client, transport, options);
  REQUIRE(uploader);
  client::UploadRequest request;
  request.code = w.server.issue_code();
  request.checkins = &positive.venues->store();
  request.venue_from = kYesterday;
  auto status = (*uploader)->upload(request);
  REQUIRE(status);
  INFO(status->message);
  CHECK(status->stage == client::UploadStage::kPublished);
  CHECK(status->venue_reports == 112);

  // The same body sizes as a chaff flow of a phone without check-ins.
  RecordingTransport chaff(w.url());
  auto chaff_uploader = client::Uploader::open(*guest.phone->client, chaff, options);
  REQUIRE(chaff_uploader);
  REQUIRE((*chaff_uploader)->run_chaff());
  CHECK(chaff.sent == transport.sent);

  // The health authority asks the venue's owner, who releases the pending reports.
  auto c = w.server.client();
  auto code =
      c.post_json("/v1/codes",
                  boost::json::serialize(boost::json::object{
                      {"kind", "long"}, {"report_type", "confirmed"}, {"purpose", "venue_host"}}),
                  server::testing::kHaKey);
  REQUIRE(code);
  REQUIRE(code->status == 200);
  venue_tools::HostWarningRequest host;
  host.port = w.server.port();
  host.code = std::string(server::testing::parse_object(code->body).at("code").as_string());
  auto released = venue_tools::release_pending_reports(
      venue_tools::VenueSecret{owned.venue, owned.owner_seed}, host, venue_rng);
  REQUIRE(released);
  CHECK(released->released.size() == 1);

  CHECK(w.export_real_keys() == 1);
  client::BeastHttpFetcher fetcher;
  auto report = guest.venues->sync(fetcher, w.url());
  REQUIRE(report);
  CHECK(report->batches_processed == 1);
  CHECK(report->new_matches >= 1);
  auto colour = guest.venues->colour();
  REQUIRE(colour);
  CHECK(colour->colour == client::Colour::kYellow);
}

}  // namespace
}  // namespace greenlight::upload_test

// Two servers federating on loopback (docs/federation.md): a key uploaded at A by the real
// phone uploader is pulled by B, republished in B's federated feed for region GL, and matched
// by a phone that pins only B's export key and syncs from B, by hand, through
// Client::sync over the regions it chose, and through the C API's gl_client_set_regions.
#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/client/feed_source.h"
#include "greenlight/client/uploader.h"
#include "greenlight/greenlight.h"
#include "greenlight/server/federation.h"
#include "upload_test_support.h"

namespace greenlight::upload_test {
namespace {

using server::testing::kT0;

// Server A (the World's, region GL) and server B (region BB) federating from A; `me` met
// the positive phone (and so did stay_home), whose keys were uploaded at A, exported, pulled and
// republished by B.
struct TwoRegions {
  TwoRegions() {
    server::testing::TestServerConfig config;
    config.adjust = [](server::ServerOptions& options) { options.exports.build.region = "BB"; };
    config.before_start = [&](server::Server& s) {
      federation = std::make_shared<server::FederationModule>(server::FederationConfig{
          "BB", {server::FederationPartner{"GL", w.url(), w.server.export_public_key()}}, {}});
      REQUIRE(s.add_module(federation).has_value());
    };
    b = std::make_unique<server::testing::TestServer>(config);
    positive = w.phone("positive", 2);
    // The phones of region BB pin only B's export key.
    me = std::make_unique<Phone>(w.phone_dir.path() / "me.db", w.clock, b->export_public_key(), 1);
    stay_home =
        std::make_unique<Phone>(w.phone_dir.path() / "stay.db", w.clock, b->export_public_key(), 3);
    w.meet(*me, *positive);
    w.meet(*stay_home, *positive);
    w.set_time(kT0);

    RecordingTransport transport(w.url());
    client::UploaderOptions options;
    options.base_url = w.url();
    options.max_attempts = 1;
    auto uploader = client::Uploader::open(*positive->client, transport, options);
    REQUIRE(uploader.has_value());
    client::UploadRequest request;
    request.code = w.server.issue_code();
    auto status = (*uploader)->upload(request);
    REQUIRE(status.has_value());
    REQUIRE(status->stage == client::UploadStage::kPublished);
    REQUIRE(w.export_real_keys() == 1);

    b->clock().set(w.clock.now());
    auto pulled = federation->pull();
    REQUIRE(pulled.has_value());
    CHECK(pulled->files_imported == 1);
    REQUIRE(*federation->republish() == 1);
  }
  std::string b_url() const { return base_url(b->port()); }

  World w;  // server A, region GL
  std::shared_ptr<server::FederationModule> federation;
  std::unique_ptr<server::testing::TestServer> b;
  std::unique_ptr<Phone> positive;
  std::unique_ptr<Phone> me;
  std::unique_ptr<Phone> stay_home;  // met the positive phone too, chooses no region
};

bool fetched_under(const RecordingTransport& transport, std::string_view prefix) {
  return std::any_of(transport.sent.begin(), transport.sent.end(),
                     [&](const Sent& s) { return s.path.starts_with(prefix); });
}

TEST_CASE("federation: a key uploaded at A is matched by a phone syncing from B",
          "[upload][federation][e2e]") {
  TwoRegions t;
  Phone& me = *t.me;
  const std::string b_url = t.b_url();
  client::BeastHttpFetcher fetcher;
  // B's own feed has nothing; the federated GL feed has the key, signed by B.
  auto own = me.client->sync(fetcher, b_url);
  REQUIRE(own.has_value());
  CHECK(own->keys_matched == 0);
  const client::FeedSource region = client::federated_export_source(b_url, "GL");
  auto paths = client::list_source(fetcher, region, client::utc_day_start(t.w.clock.now()));
  REQUIRE(paths.has_value());
  REQUIRE(paths->size() == 1);
  std::size_t matched = 0;
  for (const std::string& path : *paths) {
    auto zip = fetcher.get(wire::url_for(region.base_url, path));
    REQUIRE(zip.has_value());
    auto report = me.client->process_export(*zip, path);
    REQUIRE(report.has_value());
    matched += report->keys_matched;
  }
  CHECK(matched == 1);
  CHECK(me.colour() == client::Colour::kRed);

  // A's own file verifies only under A's key, which the phone of BB does not pin.
  auto a_paths = client::list_source(fetcher, client::own_export_source(t.w.url()), 0);
  REQUIRE(a_paths.has_value());
  REQUIRE(a_paths->size() == 1);
  auto a_zip = fetcher.get(wire::url_for(t.w.url(), a_paths->front()));
  REQUIRE(a_zip.has_value());
  CHECK_FALSE(me.client->process_export(*a_zip, a_paths->front()).has_value());
}

TEST_CASE("federation: a phone syncs the regions it chose, and only those",
          "[upload][federation][e2e]") {
  TwoRegions t;
  const std::string b_url = t.b_url();
  Phone& stay_home = *t.stay_home;
  RecordingTransport home_transport(b_url);
  client::TransportFetcher home_fetcher(home_transport);
  auto home = stay_home.client->sync(home_fetcher, b_url, client::region_sources(b_url, {}));
  REQUIRE(home.has_value());
  CHECK(home->keys_matched == 0);
  CHECK(home->sources_failed == 0);
  CHECK(fetched_under(home_transport, "/v1/exports/index.txt"));
  CHECK_FALSE(fetched_under(home_transport, "/v1/federated/"));
  CHECK(stay_home.colour() == client::Colour::kGreen);

  RecordingTransport transport(b_url);
  client::TransportFetcher fetcher(transport);
  const std::vector<std::string> regions{"GL"};
  auto report = t.me->client->sync(fetcher, b_url, client::region_sources(b_url, regions));
  REQUIRE(report.has_value());
  CHECK(report->exports_processed == 1);
  CHECK(report->keys_matched == 1);
  CHECK(report->exports_failed == 0);
  CHECK(fetched_under(transport, "/v1/exports/index.txt"));
  CHECK(fetched_under(transport, "/v1/federated/GL/index.txt"));
  CHECK(t.me->colour() == client::Colour::kRed);

  // The file is remembered: the next sync lists, fetches nothing else and uses no run.
  transport.sent.clear();
  auto again = t.me->client->sync(fetcher, b_url, client::region_sources(b_url, regions));
  REQUIRE(again.has_value());
  CHECK(again->exports_processed == 0);
  CHECK(transport.sent.size() == 2);  // the two indexes

  // A region B does not federate is a failed source, not a failed sync.
  const std::vector<std::string> unknown{"GL", "ZZ"};
  auto partly = t.me->client->sync(fetcher, b_url, client::region_sources(b_url, unknown));
  REQUIRE(partly.has_value());
  CHECK(partly->sources_failed == 1);
  REQUIRE(partly->errors.size() == 1);
  CHECK(partly->errors.front().find("v1/federated/ZZ/index.txt") != std::string::npos);
}

TEST_CASE("federation: the C API's region choice", "[upload][federation][e2e][c_api]") {
  TwoRegions t;
  const std::string b_url = t.b_url();
  gl_client* phone = nullptr;
  const std::string db = (t.w.phone_dir.path() / "c.db").string();
  const gl_now_fn now = [](void* clock) {
    return static_cast<const client::ManualClock*>(clock)->now();
  };
  REQUIRE(gl_client_open(db.c_str(), now, &t.w.clock, &phone, nullptr, 0) == GL_OK);
  std::unique_ptr<gl_client, decltype(&gl_client_close)> owned(phone, gl_client_close);
  const std::string pem = t.b->export_public_key().to_pem();
  REQUIRE(gl_client_pin_signing_key(phone, pem.c_str(), "test", "v1") == GL_OK);

  for (const char* bad : {"G", "gl", "GL,", "GL;BB", "ABCDEFGHI"}) {
    CAPTURE(bad);
    CHECK(gl_client_set_regions(phone, bad) == GL_ERR_INVALID_ARGUMENT);
  }
  uint32_t processed = 0;
  REQUIRE(gl_client_sync(phone, b_url.c_str(), &processed) == GL_OK);
  CHECK(processed == 0);  // no region chosen: B's own feed, which is empty
  REQUIRE(gl_client_set_regions(phone, " GL , GL") == GL_OK);
  REQUIRE(gl_client_sync(phone, b_url.c_str(), &processed) == GL_OK);
  CHECK(processed == 1);
  REQUIRE(gl_client_set_regions(phone, "GL,ZZ") == GL_OK);
  CHECK(gl_client_sync(phone, b_url.c_str(), &processed) == GL_ERR_UNAVAILABLE);
  CHECK(std::string(gl_last_error(phone)).find("ZZ") != std::string::npos);
  REQUIRE(gl_client_set_regions(phone, nullptr) == GL_OK);
  CHECK(gl_client_sync(phone, b_url.c_str(), &processed) == GL_OK);
}

}  // namespace
}  // namespace greenlight::upload_test

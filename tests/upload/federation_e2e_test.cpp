// Two servers federating on loopback (docs/federation.md): a key uploaded at A by the real
// phone uploader is pulled by B, republished in B's federated feed for region GL, and matched
// by a phone that pins only B's export key and syncs from B.
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "greenlight/client/feed_source.h"
#include "greenlight/client/uploader.h"
#include "greenlight/server/federation.h"
#include "upload_test_support.h"

namespace greenlight::upload_test {
namespace {

using server::testing::kT0;

TEST_CASE("federation: a key uploaded at A is matched by a phone syncing from B",
          "[upload][federation][e2e]") {
  World w;  // server A, region GL
  auto positive = w.phone("positive", 2);
  std::shared_ptr<server::FederationModule> federation;
  server::testing::TestServerConfig config;
  config.adjust = [](server::ServerOptions& options) { options.exports.build.region = "BB"; };
  config.before_start = [&](server::Server& s) {
    federation = std::make_shared<server::FederationModule>(server::FederationConfig{
        "BB", {server::FederationPartner{"GL", w.url(), w.server.export_public_key()}}, {}});
    REQUIRE(s.add_module(federation).has_value());
  };
  server::testing::TestServer b(config);
  // The phone of region BB pins only B's export key.
  Phone me(w.phone_dir.path() / "me.db", w.clock, b.export_public_key(), 1);
  w.meet(me, *positive);
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

  b.clock().set(w.clock.now());
  auto pulled = federation->pull();
  REQUIRE(pulled.has_value());
  CHECK(pulled->files_imported == 1);
  REQUIRE(*federation->republish() == 1);

  const std::string b_url = base_url(b.port());
  client::BeastHttpFetcher fetcher;
  // B's own feed has nothing; the federated GL feed has the key, signed by B.
  auto own = me.client->sync(fetcher, b_url);
  REQUIRE(own.has_value());
  CHECK(own->keys_matched == 0);
  const client::FeedSource region = client::federated_export_source(b_url, "GL");
  auto paths = client::list_source(fetcher, region, client::utc_day_start(w.clock.now()));
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
  auto a_paths = client::list_source(fetcher, client::own_export_source(w.url()), 0);
  REQUIRE(a_paths.has_value());
  REQUIRE(a_paths->size() == 1);
  auto a_zip = fetcher.get(wire::url_for(w.url(), a_paths->front()));
  REQUIRE(a_zip.has_value());
  CHECK_FALSE(me.client->process_export(*a_zip, a_paths->front()).has_value());
}

}  // namespace
}  // namespace greenlight::upload_test

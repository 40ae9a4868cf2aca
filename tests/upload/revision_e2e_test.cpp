// Key revision end to end (docs/server.md "EN Express API", docs/federation.md "Revised
// keys"): a self-reported key uploaded through the EN Express API is matched by a phone; a
// later confirmed upload with the revision token publishes the key in revised_keys, and the
// phone's exposure windows turn into a confirmed test: at the server itself, and at a server
// of another region that federates from it.
#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "greenlight/client/feed_source.h"
#include "greenlight/server/en_express.h"
#include "greenlight/server/federation.h"
#include "upload_test_support.h"

namespace greenlight::upload_test {
namespace {

namespace json = boost::json;
using server::testing::kT0;
using server::testing::parse_object;

std::string en_hmac(ByteSpan hmac_key, const std::vector<TemporaryExposureKey>& keys) {
  std::vector<server::EnUploadKey> en;
  for (const auto& k : keys) {
    en.push_back({base64_encode(k.key_data.span()), k.rolling_start_interval_number.value,
                  k.rolling_period, k.transmission_risk_level});
  }
  return base64_encode(hmac_sha256(hmac_key, as_bytes(server::en_canonical_key_list(en, true))));
}

json::object post(server::HttpClient& c, const std::string& path, const json::object& body) {
  auto r = c.request(server::Method::kPost, path, json::serialize(body),
                     {{"Content-Type", "application/json"}});
  REQUIRE(r.has_value());
  INFO(r->body);
  REQUIRE(r->status == 200);
  return parse_object(r->body);
}

// code -> /api/verify -> /api/certificate -> /v1/publish, as an EN Express app does it;
// returns the new revision token.
std::string en_upload(server::testing::TestServer& ts,
                      const std::vector<TemporaryExposureKey>& keys, const std::string& report_type,
                      const std::string& revision_token) {
  server::HttpClient c = ts.client();
  const std::string code = ts.issue_code("long", report_type);
  auto verify =
      post(c, "/api/verify",
           {{"code", code}, {"accept", json::array{"confirmed", "likely", "user-report"}}});
  const Bytes hmac_key = server::testing::random_bytes(32);
  auto cert = post(c, "/api/certificate",
                   {{"token", verify.at("token")}, {"ekeyhmac", en_hmac(hmac_key, keys)}});
  json::array en_keys;
  for (const auto& k : keys) {
    en_keys.push_back({{"key", base64_encode(k.key_data.span())},
                       {"rollingStartNumber", k.rolling_start_interval_number.value},
                       {"rollingPeriod", k.rolling_period},
                       {"transmissionRisk", k.transmission_risk_level}});
  }
  auto published = post(c, "/v1/publish",
                        {{"temporaryExposureKeys", std::move(en_keys)},
                         {"healthAuthorityID", "com.example.enx"},
                         {"verificationPayload", cert.at("certificate")},
                         {"hmacKey", base64_encode(hmac_key)},
                         {"revisionToken", revision_token},
                         {"padding", ""}});
  return std::string(published.at("revisionToken").as_string());
}

server::testing::TestServerConfig en_express_server(
    std::string region, std::function<void(server::Server&)> more = {}) {
  server::testing::TestServerConfig config;
  config.adjust = [region](server::ServerOptions& options) {
    options.exports.build.region = region;
  };
  config.before_start = [more](server::Server& s) {
    REQUIRE(s.add_module(server::make_en_express_module({})).has_value());
    if (more) more(s);
  };
  return config;
}

void check_report_types(Phone& phone, ReportType expected) {
  auto windows = phone.client->exposure_windows();
  REQUIRE(windows.has_value());
  REQUIRE_FALSE(windows->empty());
  for (const auto& window : *windows) CHECK(window.report_type == expected);
}

// `me` (pinning export_key) met the positive phone yesterday; now (kT0) its keys to upload.
struct Encounter {
  Encounter(World& w, const EcdsaP256PublicKey& export_key)
      : me(w.phone_dir.path() / "me.db", w.clock, export_key, 1), positive(w.phone("positive", 2)) {
    w.meet(me, *positive);
    w.set_time(kT0);
    auto released = positive->client->keys_for_upload();
    REQUIRE(released.has_value());
    REQUIRE_FALSE(released->empty());
    keys = std::move(*released);
  }

  Phone me;
  std::unique_ptr<Phone> positive;
  std::vector<TemporaryExposureKey> keys;
};

// The keys self-reported at `at`, then confirmed with the revision token; after each upload
// export_and_sync() brings the files to the phone, whose windows must show the report type.
void self_report_then_confirm(server::testing::TestServer& at,
                              const std::vector<TemporaryExposureKey>& keys, Phone& me,
                              const std::function<client::SyncReport()>& export_and_sync) {
  const std::string token = en_upload(at, keys, "self_report", "");
  CHECK(export_and_sync().keys_matched == 1);
  check_report_types(me, ReportType::kSelfReport);
  en_upload(at, keys, "confirmed", token);
  CHECK(export_and_sync().keys_matched == 1);
  check_report_types(me, ReportType::kConfirmedTest);
}

TEST_CASE("revision: a self report confirmed later changes the phone's window",
          "[upload][revision][e2e]") {
  World w;
  server::testing::TestServer en(en_express_server("GL"));
  Encounter e(w, en.export_public_key());
  Phone& me = e.me;
  en.clock().set(w.clock.now());

  const std::string url = base_url(en.port());
  client::BeastHttpFetcher fetcher;
  self_report_then_confirm(en, e.keys, me, [&] {
    w.set_time(w.clock.now() + 3 * kHour);
    en.clock().set(w.clock.now());
    REQUIRE(en.server().export_now().has_value());
    auto report = me.client->sync(fetcher, url);
    REQUIRE(report.has_value());
    return *report;
  });
}

TEST_CASE("revision: a partner's revision reaches the phones of a federating region",
          "[upload][revision][federation][e2e]") {
  World w;
  server::testing::TestServer a(en_express_server("GL"));
  std::shared_ptr<server::FederationModule> federation;
  server::testing::TestServer b(en_express_server("BB", [&](server::Server& s) {
    federation = std::make_shared<server::FederationModule>(server::FederationConfig{
        "BB", {server::FederationPartner{"GL", base_url(a.port()), a.export_public_key()}}, {}});
    REQUIRE(s.add_module(federation).has_value());
  }));
  // A phone of region BB that chose GL: it pins only B's key.
  Encounter e(w, b.export_public_key());
  Phone& me = e.me;
  a.clock().set(w.clock.now());

  const std::string b_url = base_url(b.port());
  const std::vector<std::string> regions{"GL"};
  client::BeastHttpFetcher fetcher;
  self_report_then_confirm(a, e.keys, me, [&] {
    w.set_time(w.clock.now() + 3 * kHour);
    a.clock().set(w.clock.now());
    b.clock().set(w.clock.now());
    REQUIRE(a.server().export_now().has_value());
    REQUIRE(b.server().export_now().has_value());  // pulls from A and republishes
    auto report = me.client->sync(fetcher, b_url, client::region_sources(b_url, regions));
    REQUIRE(report.has_value());
    CHECK(report->exports_failed == 0);
    return *report;
  });
}

}  // namespace
}  // namespace greenlight::upload_test

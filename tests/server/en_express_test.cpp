#include "greenlight/server/en_express.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>

#include "greenlight/server/federation.h"
#include "greenlight/wire/export_file.h"
#include "test_server.h"

namespace greenlight::server::testing {
namespace json = boost::json;

namespace {

constexpr char kDeviceKey[] = "enx-device-api-key-0001";
constexpr char kHealthAuthorityId[] = "com.example.enx";
constexpr char kEnAdminKey[] = "enx-admin-api-key-0001";

TestServerConfig en_config() {
  TestServerConfig config;
  config.before_start = [](Server& server) {
    EnExpressConfig en;
    en.device_api_keys = {kDeviceKey};
    en.admin_api_keys = {kEnAdminKey};
    en.health_authority_ids = {kHealthAuthorityId};
    REQUIRE(server.add_module(make_en_express_module(en)).has_value());
  };
  return config;
}

ClientResponse post(HttpClient& c, const std::string& path, const json::object& body,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
  headers.emplace_back("Content-Type", "application/json");
  auto r = c.request(Method::kPost, path, json::serialize(body), headers);
  REQUIRE(r.has_value());
  return *r;
}

// A key as an EN Express app sends it (Google's publish API documentation shape).
json::object en_key(const TemporaryExposureKey& k, bool with_risk = true) {
  json::object o{{"key", base64_encode(k.key_data.span())},
                 {"rollingStartNumber", k.rolling_start_interval_number.value},
                 {"rollingPeriod", k.rolling_period}};
  if (with_risk) o["transmissionRisk"] = k.transmission_risk_level;
  return o;
}

// The HMAC the app computes, written out independently of the server's code.
std::string ekeyhmac(ByteSpan hmac_key, const std::vector<TemporaryExposureKey>& keys,
                     bool with_risk = true) {
  std::vector<std::string> parts;
  for (const auto& k : keys) {
    std::string p = base64_encode(k.key_data.span()) + "." +
                    std::to_string(k.rolling_start_interval_number.value) + "." +
                    std::to_string(k.rolling_period);
    if (with_risk) p += "." + std::to_string(k.transmission_risk_level);
    parts.push_back(p);
  }
  std::sort(parts.begin(), parts.end());
  std::string joined;
  for (const auto& p : parts) joined += (joined.empty() ? "" : ",") + p;
  return base64_encode(hmac_sha256(hmac_key, as_bytes(joined)));
}

struct EnFlow {
  std::string certificate;
  Bytes hmac_key;
  json::object verify_reply;
};

// verify -> certificate, as the app does it.
EnFlow authorise(TestServer& ts, HttpClient& c, const std::vector<TemporaryExposureKey>& keys,
                 bool with_risk = true, const std::string& report_type = "confirmed") {
  const std::string code = ts.issue_code("long", report_type);
  auto v = post(c, "/api/verify",
                json::object{{"code", code},
                             {"accept", json::array{"confirmed", "likely", "user-report"}},
                             {"padding", "cGFkZGluZw=="}},
                {{"X-API-Key", kDeviceKey}});
  REQUIRE(v.status == 200);
  EnFlow flow;
  flow.verify_reply = parse_object(v.body);
  flow.hmac_key = random_bytes(32);
  auto cert = post(c, "/api/certificate",
                   json::object{{"token", flow.verify_reply.at("token")},
                                {"ekeyhmac", ekeyhmac(flow.hmac_key, keys, with_risk)},
                                {"padding", "cGFkZGluZw=="}},
                   {{"X-API-Key", kDeviceKey}});
  REQUIRE(cert.status == 200);
  flow.certificate = std::string(parse_object(cert.body).at("certificate").as_string());
  return flow;
}

json::object publish_body(const std::vector<TemporaryExposureKey>& keys, const EnFlow& flow,
                          bool with_risk = true) {
  json::array en_keys;
  for (const auto& k : keys) en_keys.push_back(en_key(k, with_risk));
  return json::object{{"temporaryExposureKeys", std::move(en_keys)},
                      {"healthAuthorityID", kHealthAuthorityId},
                      {"verificationPayload", flow.certificate},
                      {"hmacKey", base64_encode(flow.hmac_key)},
                      {"traveler", false},
                      {"revisionToken", ""},
                      {"padding", "cmFuZG9tIHBhZGRpbmc="}};
}

std::map<std::string, TemporaryExposureKey> exported(TestServer& ts) {
  ts.clock().advance(3 * 24 * 3600);
  auto run = ts.server().export_now();
  REQUIRE(run.has_value());
  std::map<std::string, TemporaryExposureKey> out;
  if (!*run) return out;
  for (const auto& f : (*run)->files) {
    auto file = ts.server().context().site.find(f.path);
    REQUIRE(file.has_value());
    auto v = wire::read_export_zip(as_bytes(*file->bytes),
                                   {wire::TrustedSigningKey{"test", "v1", ts.export_public_key()}});
    REQUIRE(v.has_value());
    for (const auto& k : v->batch.keys) out.emplace(to_hex(k.key_data.span()), k);
  }
  return out;
}

// A self-reported upload of keys; returns its revision token.
std::string publish_self_report(TestServer& ts, HttpClient& c,
                                const std::vector<TemporaryExposureKey>& keys) {
  EnFlow first = authorise(ts, c, keys, true, "self_report");
  auto r = post(c, "/v1/publish", publish_body(keys, first));
  REQUIRE(r.status == 200);
  return std::string(parse_object(r.body).at("revisionToken").as_string());
}

// A later confirmed upload of the same keys with the revision token, then the next export.
ExportRun confirm_and_export(TestServer& ts, HttpClient& c,
                             const std::vector<TemporaryExposureKey>& keys,
                             const std::string& token) {
  EnFlow second = authorise(ts, c, keys, true, "confirmed");
  json::object body = publish_body(keys, second);
  body["revisionToken"] = token;
  REQUIRE(post(c, "/v1/publish", body).status == 200);
  ts.clock().advance(2 * 3600);
  auto run = ts.server().export_now();
  REQUIRE(run.has_value());
  REQUIRE(run->has_value());
  return **run;
}

}  // namespace

TEST_CASE("EN Express: verify, certificate and publish as an unchanged app does them",
          "[en_express]") {
  TestServer ts(en_config());
  HttpClient c = ts.client();
  // Three past days and, from same-day release, two keys of today (the second starts where
  // the first was cut short, both with today's start interval as ENF reports them).
  auto keys = make_keys(3, kT0, 0);
  const std::uint32_t today = day_start(interval_from_unix_seconds(kT0)).value;
  keys.push_back(make_key(today, 50, 0));
  keys.push_back(make_key(today, 90, 0));
  keys[0].transmission_risk_level = 3;
  EnFlow flow = authorise(ts, c, keys);
  CHECK(flow.verify_reply.at("testtype") == "confirmed");
  CHECK(flow.verify_reply.contains("padding"));

  auto r = post(c, "/v1/publish", publish_body(keys, flow));
  INFO(r.body);
  REQUIRE(r.status == 200);
  const json::object reply = parse_object(r.body);
  CHECK(reply.at("insertedExposures") == 5);
  CHECK_FALSE(reply.at("revisionToken").as_string().empty());
  CHECK_FALSE(reply.contains("code"));

  SECTION("the keys are exported, transmission risk back-filled from the report type") {
    const auto out = exported(ts);
    REQUIRE(out.size() == 5);
    for (const auto& k : keys) {
      const auto it = out.find(to_hex(k.key_data.span()));
      REQUIRE(it != out.end());
      CHECK(it->second.report_type == ReportType::kConfirmedTest);
      CHECK(it->second.transmission_risk_level == (k.transmission_risk_level == 3 ? 3 : 2));
      CHECK(it->second.rolling_period == k.rolling_period);
    }
  }
  SECTION("the certificate is single use") {
    auto again = post(c, "/v1/publish", publish_body(keys, flow));
    CHECK(again.status == 401);
    CHECK(parse_object(again.body).at("code") ==
          "health_authority_verification_certificate_invalid");
  }
}

TEST_CASE("EN Express: the 3-part HMAC is accepted when every risk is 0", "[en_express]") {
  TestServer ts(en_config());
  HttpClient c = ts.client();
  auto keys = make_keys(2, kT0, 0);
  EnFlow flow = authorise(ts, c, keys, /*with_risk=*/false, "clinical");
  CHECK(flow.verify_reply.at("testtype") == "likely");
  json::object body = publish_body(keys, flow, /*with_risk=*/false);
  // Names match case-insensitively, as with Go's encoding/json.
  body["HealthAuthorityId"] = body.at("healthAuthorityID");
  body.erase("healthAuthorityID");
  auto r = post(c, "/v1/publish", body);
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(parse_object(r.body).at("insertedExposures") == 2);
  for (const auto& [hex, k] : exported(ts)) {
    CHECK(k.report_type == ReportType::kConfirmedClinicalDiagnosis);
    CHECK(k.transmission_risk_level == 4);
  }
}

TEST_CASE("EN Express: invalid keys are dropped with partial_failure", "[en_express]") {
  TestServer ts(en_config());
  HttpClient c = ts.client();
  auto keys = make_keys(3, kT0, 0);
  // The HMAC covers the keys as sent; a bad period makes one key invalid, not the upload.
  keys[1].rolling_period = 145;
  EnFlow flow = authorise(ts, c, keys);
  auto r = post(c, "/v1/publish", publish_body(keys, flow));
  INFO(r.body);
  REQUIRE(r.status == 200);
  const json::object reply = parse_object(r.body);
  CHECK(reply.at("code") == "partial_failure");
  CHECK(reply.at("insertedExposures") == 2);
  CHECK(reply.at("warnings").as_array().size() == 1);
}

TEST_CASE("EN Express: publish errors are {error, code}", "[en_express]") {
  TestServer ts(en_config());
  HttpClient c = ts.client();
  const std::uint32_t today = day_start(interval_from_unix_seconds(kT0)).value;
  SECTION("four keys sharing a start interval") {
    std::vector<TemporaryExposureKey> keys;
    for (std::uint32_t rp : {20u, 40u, 60u, 80u}) keys.push_back(make_key(today, rp, 0));
    EnFlow flow = authorise(ts, c, keys);
    auto r = post(c, "/v1/publish", publish_body(keys, flow));
    CHECK(r.status == 400);
    CHECK(parse_object(r.body).at("code") == "bad_request");
  }
  SECTION("keys of different start intervals that overlap") {
    std::vector<TemporaryExposureKey> keys{make_key(today - 144, 144, 0),
                                           make_key(today - 100, 50, 0)};
    EnFlow flow = authorise(ts, c, keys);
    auto r = post(c, "/v1/publish", publish_body(keys, flow));
    CHECK(r.status == 400);
    CHECK(parse_object(r.body).at("code") == "bad_request");
  }
  SECTION("an unknown member") {
    auto keys = make_keys(1, kT0, 0);
    EnFlow flow = authorise(ts, c, keys);
    json::object body = publish_body(keys, flow);
    body["regions"] = json::array{"US"};
    auto r = post(c, "/v1/publish", body);
    CHECK(r.status == 400);
    const json::object reply = parse_object(r.body);
    CHECK(reply.at("code") == "bad_request");
    CHECK(reply.at("error").as_string().find("regions") != std::string::npos);
  }
  SECTION("an unknown health authority") {
    auto keys = make_keys(1, kT0, 0);
    EnFlow flow = authorise(ts, c, keys);
    json::object body = publish_body(keys, flow);
    body["healthAuthorityID"] = "org.other";
    auto r = post(c, "/v1/publish", body);
    CHECK(r.status == 401);
    CHECK(parse_object(r.body).at("code") == "unknown_health_authority_id");
  }
  SECTION("an HMAC over other keys") {
    auto keys = make_keys(2, kT0, 0);
    EnFlow flow = authorise(ts, c, keys);
    keys.pop_back();
    auto r = post(c, "/v1/publish", publish_body(keys, flow));
    CHECK(r.status == 401);
    CHECK(parse_object(r.body).at("code") == "health_authority_verification_certificate_invalid");
  }
  CHECK(exported(ts).empty());
}

TEST_CASE("EN Express: X-Chaff requests answer 200, not JSON, and store nothing", "[en_express]") {
  TestServer ts(en_config());
  HttpClient c = ts.client();
  auto keys = make_keys(2, kT0, 0);
  EnFlow flow = authorise(ts, c, keys);
  const std::string digest = ts.digest();
  const std::vector<std::pair<std::string, std::string>> chaff{{"X-Chaff", "1"},
                                                               {"X-API-Key", kDeviceKey}};
  auto p = post(c, "/v1/publish", publish_body(keys, flow), chaff);
  CHECK(p.status == 200);
  CHECK(p.body.find('{') == std::string::npos);
  auto v = post(c, "/api/verify", json::object{{"code", "12345678"}}, chaff);
  CHECK(v.status == 200);
  CHECK(v.body.find('{') == std::string::npos);
  auto cert = post(c, "/api/certificate", json::object{{"token", "x"}, {"ekeyhmac", ""}}, chaff);
  CHECK(cert.status == 200);
  CHECK(ts.digest() == digest);
  // The certificate was not used up by the chaff publish.
  auto real = post(c, "/v1/publish", publish_body(keys, flow));
  CHECK(real.status == 200);
}

TEST_CASE("EN Express: verify errors are {error, errorCode}", "[en_express]") {
  TestServer ts(en_config());
  HttpClient c = ts.client();
  const std::vector<std::pair<std::string, std::string>> device{{"X-API-Key", kDeviceKey}};
  SECTION("a missing or wrong device API key") {
    auto r = post(c, "/api/verify", json::object{{"code", "12345678"}});
    CHECK(r.status == 401);
    r = post(c, "/api/verify", json::object{{"code", "12345678"}}, {{"X-API-Key", "wrong"}});
    CHECK(r.status == 401);
    CHECK(parse_object(r.body).at("errorCode") == "unauthorized");
  }
  SECTION("an unknown code") {
    auto r = post(c, "/api/verify", json::object{{"code", "00000000000000000000"}}, device);
    CHECK(r.status == 400);
    CHECK(parse_object(r.body).at("errorCode") == "code_invalid");
  }
  SECTION("a test type the app does not accept") {
    const std::string code = ts.issue_code("long", "clinical");
    auto r = post(c, "/api/verify", json::object{{"code", code}}, device);  // default confirmed
    CHECK(r.status == 412);
    CHECK(parse_object(r.body).at("errorCode") == "unsupported_test_type");
    // The code is not used up: an app that accepts "likely" (clinical) still gets a token,
    // once.
    r = post(c, "/api/verify",
             json::object{{"code", code}, {"accept", json::array{"confirmed", "likely"}}}, device);
    CHECK(r.status == 200);
    CHECK(parse_object(r.body).at("testtype") == "likely");
    r = post(c, "/api/verify", json::object{{"code", code}, {"accept", json::array{"likely"}}},
             device);
    CHECK(r.status == 400);
    CHECK(parse_object(r.body).at("errorCode") == "code_invalid");
  }
  SECTION("an invalid token or HMAC at /api/certificate") {
    auto r = post(c, "/api/certificate",
                  json::object{{"token", "nope"}, {"ekeyhmac", base64_encode(random_bytes(32))}},
                  device);
    CHECK(r.status == 400);
    CHECK(parse_object(r.body).at("errorCode") == "token_invalid");
    r = post(c, "/api/certificate", json::object{{"token", "nope"}, {"ekeyhmac", "AAAA"}}, device);
    CHECK(r.status == 400);
    CHECK(parse_object(r.body).at("errorCode") == "hmac_invalid");
  }
}

TEST_CASE("EN Express canonical key list: sorted, 4-part or 3-part", "[en_express]") {
  const std::vector<EnUploadKey> keys{{"ZZZZ", 2, 144, 5}, {"AAAA", 1, 10, 0}};
  CHECK(en_canonical_key_list(keys, true) == "AAAA.1.10.0,ZZZZ.2.144.5");
  CHECK(en_canonical_key_list(keys, false) == "AAAA.1.10,ZZZZ.2.144");
  CHECK(en_test_type(ReportType::kSelfReport) == "user-report");
  CHECK_FALSE(en_test_type(ReportType::kRevoked).has_value());
}

}  // namespace greenlight::server::testing

namespace greenlight::server::testing {

TEST_CASE("EN Express: a revision token lets a later upload confirm a self report",
          "[en_express][revision]") {
  TestServer ts(en_config());
  HttpClient c = ts.client();
  auto keys = make_keys(2, kT0, 0);
  EnFlow first = authorise(ts, c, keys, true, "self_report");
  CHECK(first.verify_reply.at("testtype") == "user-report");
  auto r1 = post(c, "/v1/publish", publish_body(keys, first));
  REQUIRE(r1.status == 200);
  const std::string token(parse_object(r1.body).at("revisionToken").as_string());
  CHECK(en_revised_keys(ts.server().context().store, 0, kT0 + 86400)->empty());

  SECTION("confirmed later: the keys are revised") {
    EnFlow second = authorise(ts, c, keys, true, "confirmed");
    json::object body = publish_body(keys, second);
    body["revisionToken"] = token;
    auto r2 = post(c, "/v1/publish", body);
    INFO(r2.body);
    REQUIRE(r2.status == 200);
    CHECK(parse_object(r2.body).at("insertedExposures") == 2);
    auto revised = en_revised_keys(ts.server().context().store, 0, kT0 + 86400);
    REQUIRE(revised.has_value());
    REQUIRE(revised->size() == 2);
    for (const auto& k : *revised) {
      CHECK(k.report_type == ReportType::kConfirmedTest);
      CHECK(k.transmission_risk_level == 2);
    }
    // The revision is published after its window, not before.
    CHECK(en_revised_keys(ts.server().context().store, 0, kT0 - 3600)->empty());
  }
  SECTION("a weaker report type is refused") {
    EnFlow second = authorise(ts, c, keys, true, "self_report");
    // Same type: nothing to revise, not an error.
    json::object body = publish_body(keys, second);
    body["revisionToken"] = token;
    CHECK(post(c, "/v1/publish", body).status == 200);
    // A confirmed upload revises, then a clinical one may not weaken it.
    EnFlow confirmed = authorise(ts, c, keys, true, "confirmed");
    body = publish_body(keys, confirmed);
    body["revisionToken"] = token;
    auto r2 = post(c, "/v1/publish", body);
    REQUIRE(r2.status == 200);
    const std::string token2(parse_object(r2.body).at("revisionToken").as_string());
    EnFlow clinical = authorise(ts, c, keys, true, "clinical");
    body = publish_body(keys, clinical);
    body["revisionToken"] = token2;
    auto r3 = post(c, "/v1/publish", body);
    CHECK(r3.status == 400);
    CHECK(parse_object(r3.body).at("code") == "invalid_revision_transition");
  }
  SECTION("a token that does not open is refused") {
    EnFlow second = authorise(ts, c, keys, true, "confirmed");
    json::object body = publish_body(keys, second);
    std::string bad = token;
    bad[bad.size() / 2] = bad[bad.size() / 2] == 'A' ? 'B' : 'A';
    body["revisionToken"] = bad;
    auto r2 = post(c, "/v1/publish", body);
    CHECK(r2.status == 400);
    CHECK(parse_object(r2.body).at("code") == "invalid_revision_token");
    CHECK(en_revised_keys(ts.server().context().store, 0, kT0 + 86400)->empty());
  }
}

}  // namespace greenlight::server::testing

namespace greenlight::server::testing {

TEST_CASE("EN Express: a revision is published in revised_keys of the next export",
          "[en_express][revision]") {
  TestServer ts(en_config());
  HttpClient c = ts.client();
  auto keys = make_keys(2, kT0, 0);
  const std::string token = publish_self_report(ts, c, keys);
  for (const auto& [hex, k] : exported(ts)) CHECK(k.report_type == ReportType::kSelfReport);

  const ExportRun run = confirm_and_export(ts, c, keys, token);
  CHECK(run.real_keys == 0);
  REQUIRE(run.files.size() == 1);
  auto file = ts.server().context().site.find(run.files[0].path);
  REQUIRE(file.has_value());
  auto v = wire::read_export_zip(as_bytes(*file->bytes),
                                 {wire::TrustedSigningKey{"test", "v1", ts.export_public_key()}});
  REQUIRE(v.has_value());
  CHECK(v->batch.keys.empty());
  REQUIRE(v->batch.revised_keys.size() == 2);
  std::set<std::string> sent;
  for (const auto& k : keys) sent.insert(to_hex(k.key_data.span()));
  for (const auto& k : v->batch.revised_keys) {
    CHECK(sent.contains(to_hex(k.key_data.span())));
    CHECK(k.report_type == ReportType::kConfirmedTest);
  }
}

}  // namespace greenlight::server::testing

namespace greenlight::server::testing {

// Two servers on loopback: A speaks the EN Express API, B federates from A.
TEST_CASE("EN Express + federation: a partner's revision is republished in revised_keys",
          "[en_express][revision][federation]") {
  TestServer a(en_config());  // region GL
  auto module = std::make_shared<std::shared_ptr<FederationModule>>();
  TestServerConfig b_config;
  b_config.adjust = [](ServerOptions& options) { options.exports.build.region = "BB"; };
  b_config.before_start = [&](Server& server) {
    *module = std::make_shared<FederationModule>(
        FederationConfig{"BB",
                         {FederationPartner{"GL", "http://127.0.0.1:" + std::to_string(a.port()),
                                            a.export_public_key()}},
                         {}});
    REQUIRE(server.add_module(*module).has_value());
  };
  TestServer b(b_config);
  FederationModule& federation = **module;
  // The newest file of B's federated GL feed, verified with B's key.
  const auto newest_federated = [&]() {
    auto index = b.server().context().site.find(federated_index_path("GL"));
    REQUIRE(index.has_value());
    const std::string& text = *index->bytes;
    REQUIRE(text.size() > 1);
    const std::size_t start = text.rfind('\n', text.size() - 2);
    const std::string path =
        text.substr(start == std::string::npos ? 0 : start + 1,
                    text.size() - (start == std::string::npos ? 0 : start + 1) - 1);
    auto file = b.server().context().site.find(path);
    REQUIRE(file.has_value());
    auto v = wire::read_export_zip(as_bytes(*file->bytes),
                                   {wire::TrustedSigningKey{"test", "v1", b.export_public_key()}});
    REQUIRE(v.has_value());
    CHECK(v->batch.region == "GL");
    return v->batch;
  };
  // Before anything was pulled, the federated index exists and is empty.
  auto empty = b.server().context().site.find(federated_index_path("GL"));
  REQUIRE(empty.has_value());
  CHECK(empty->bytes->empty());

  HttpClient c = a.client();
  auto keys = make_keys(2, kT0, 0);
  std::set<std::string> sent;
  for (const auto& k : keys) sent.insert(to_hex(k.key_data.span()));
  const std::string token = publish_self_report(a, c, keys);
  REQUIRE(exported(a).size() == 2);

  b.clock().set(a.clock().now_unix_seconds());
  auto pulled = federation.pull();
  REQUIRE(pulled.has_value());
  CHECK(pulled->files_imported == 1);
  CHECK(pulled->keys_imported == 2);
  CHECK(pulled->revisions_imported == 0);
  REQUIRE(*federation.republish() == 1);
  std::size_t self_reports = 0;
  for (const auto& k : newest_federated().keys) {
    if (sent.contains(to_hex(k.key_data.span()))) {
      CHECK(k.report_type == ReportType::kSelfReport);
      ++self_reports;
    }
  }
  CHECK(self_reports == 2);

  // The self report is confirmed at A; A exports the revision, B pulls and republishes it.
  (void)confirm_and_export(a, c, keys, token);
  b.clock().set(a.clock().now_unix_seconds());
  pulled = federation.pull();
  REQUIRE(pulled.has_value());
  CHECK(pulled->files_imported == 1);
  CHECK(pulled->keys_imported == 0);
  CHECK(pulled->revisions_imported == 2);
  b.clock().advance(1);
  REQUIRE(*federation.republish() == 1);
  const wire::ExportBatch revision = newest_federated();
  CHECK(revision.keys.empty());
  REQUIRE(revision.revised_keys.size() == 2);
  for (const auto& k : revision.revised_keys) {
    CHECK(sent.contains(to_hex(k.key_data.span())));
    CHECK(k.report_type == ReportType::kConfirmedTest);
  }

  // Nothing new: no second pull of the revision, no second republication.
  pulled = federation.pull();
  REQUIRE(pulled.has_value());
  CHECK(pulled->files_imported == 0);
  CHECK(*federation.republish() == 0);
}

}  // namespace greenlight::server::testing

namespace greenlight::server::testing {

// Google's server stores "traveler" and offers the keys to the federation partners that ask
// for travellers; greenlight offers them to every partner region's traveller feed.
TEST_CASE("EN Express: traveler: true offers the keys to every partner region",
          "[en_express][federation]") {
  auto partner_key = EcdsaP256PrivateKey::generate();
  REQUIRE(partner_key.has_value());
  std::shared_ptr<FederationModule> module;
  TestServerConfig config = en_config();
  config.before_start = [&, en = config.before_start](Server& server) {
    en(server);
    module = std::make_shared<FederationModule>(
        FederationConfig{"GL",
                         {FederationPartner{"BB", "http://127.0.0.1:9", partner_key->public_key()},
                          FederationPartner{"CC", "http://127.0.0.1:9", partner_key->public_key()}},
                         {}});
    REQUIRE(server.add_module(module).has_value());
  };
  TestServer ts(config);
  HttpClient c = ts.client();
  auto traveller = make_keys(2, kT0, 0);
  EnFlow flow = authorise(ts, c, traveller);
  json::object body = publish_body(traveller, flow);
  body["traveler"] = true;
  auto r = post(c, "/v1/publish", body);
  INFO(r.body);
  REQUIRE(r.status == 200);
  auto stay_at_home = make_keys(1, kT0, 0);
  EnFlow home_flow = authorise(ts, c, stay_at_home);
  REQUIRE(post(c, "/v1/publish", publish_body(stay_at_home, home_flow)).status == 200);

  ts.clock().advance(3 * 24 * 3600);
  REQUIRE(ts.server().export_now().has_value());  // also offers the travellers
  std::set<std::string> sent;
  for (const auto& k : traveller) sent.insert(to_hex(k.key_data.span()));
  for (const std::string region : {"BB", "CC"}) {
    CAPTURE(region);
    auto index = ts.server().context().site.find(traveller_index_path(region));
    REQUIRE(index.has_value());
    const std::string path = index->bytes->substr(0, index->bytes->find('\n'));
    auto file = ts.server().context().site.find(path);
    REQUIRE(file.has_value());
    auto v = wire::read_export_zip(as_bytes(*file->bytes),
                                   {wire::TrustedSigningKey{"test", "v1", ts.export_public_key()}});
    REQUIRE(v.has_value());
    CHECK(v->batch.region == "GL");
    std::set<std::string> offered;
    for (const auto& k : v->batch.keys) {
      if (sent.contains(to_hex(k.key_data.span()))) offered.insert(to_hex(k.key_data.span()));
      CHECK(to_hex(k.key_data.span()) != to_hex(stay_at_home[0].key_data.span()));
    }
    CHECK(offered == sent);
  }
}

}  // namespace greenlight::server::testing

namespace greenlight::server::testing {
namespace {

std::string iso_day(std::int64_t unix_seconds) {
  const std::chrono::year_month_day ymd{
      std::chrono::sys_days{std::chrono::days{unix_seconds / 86400}}};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

}  // namespace

// The health authority's side of Google's verification server (adminapi /api/issue).
TEST_CASE("EN Express: /api/issue issues a code the app then verifies", "[en_express][issue]") {
  TestServer ts(en_config());
  HttpClient c = ts.client();
  const std::vector<std::pair<std::string, std::string>> admin{{"X-API-Key", kEnAdminKey}};
  const std::int64_t now = ts.clock().now_unix_seconds();
  const std::string onset = iso_day(now - 2 * 86400);
  const std::string uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
  json::object request{{"symptomDate", onset},
                       {"testDate", iso_day(now - 86400)},
                       {"testType", "confirmed"},
                       {"tzOffset", 60},
                       {"uuid", uuid},
                       {"padding", "cGFkZGluZw=="}};

  SECTION("issued, verified, used once") {
    auto r = post(c, "/api/issue", request, admin);
    INFO(r.body);
    REQUIRE(r.status == 200);
    auto reply = parse_object(r.body);
    CHECK(reply.at("uuid").as_string() == uuid);
    const std::string code(reply.at("code").as_string());
    CHECK(code.size() == 8);
    const std::int64_t expires = reply.at("expiresAtTimestamp").as_int64();
    CHECK(expires > now);
    CHECK(expires <= now + 3600);
    CHECK(std::string(reply.at("expiresAt").as_string()).ends_with(" UTC"));

    auto v =
        post(c, "/api/verify", json::object{{"code", code}, {"accept", json::array{"confirmed"}}},
             {{"X-API-Key", kDeviceKey}});
    REQUIRE(v.status == 200);
    auto verified = parse_object(v.body);
    CHECK(verified.at("testtype") == "confirmed");
    CHECK(verified.at("symptomDate").as_string() == onset);

    // A uuid is issued once.
    r = post(c, "/api/issue", request, admin);
    CHECK(r.status == 409);
    CHECK(parse_object(r.body).at("errorCode") == "uuid_already_exists");
  }
  SECTION("without a uuid the server makes one") {
    request.erase("uuid");
    request["testType"] = "user-report";
    auto r = post(c, "/api/issue", request, admin);
    REQUIRE(r.status == 200);
    CHECK(parse_object(r.body).at("uuid").as_string().size() == 36);
  }
  SECTION("errors are {error, errorCode}") {
    CHECK(post(c, "/api/issue", request).status == 401);
    CHECK(post(c, "/api/issue", request, {{"X-API-Key", kDeviceKey}}).status == 401);
    const auto error_of = [&](json::object body) {
      auto r = post(c, "/api/issue", body, admin);
      CHECK(r.status == 400);
      return std::string(parse_object(r.body).at("errorCode").as_string());
    };
    json::object bad = request;
    bad["testType"] = "negative";
    CHECK(error_of(bad) == "invalid_test_type");
    bad = request;
    bad["symptomDate"] = iso_day(now + 2 * 86400);  // the future
    CHECK(error_of(bad) == "invalid_date");
    bad["symptomDate"] = iso_day(now - 20 * 86400);  // older than 14 days
    CHECK(error_of(bad) == "invalid_date");
    bad["symptomDate"] = "2026-02-30";
    CHECK(error_of(bad) == "invalid_date");
    bad = request;
    bad["phone"] = "+15555550100";  // greenlight sends no SMS
    CHECK(error_of(bad) == "sms_failure");
    bad = request;
    bad["unknownField"] = 1;
    CHECK(error_of(bad) == "unparsable_request");
  }
}

}  // namespace greenlight::server::testing

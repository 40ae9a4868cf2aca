#include "greenlight/server/en_express.h"

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "greenlight/wire/export_file.h"
#include "test_server.h"

namespace greenlight::server::testing {
namespace json = boost::json;

namespace {

constexpr char kDeviceKey[] = "enx-device-api-key-0001";
constexpr char kHealthAuthorityId[] = "com.example.enx";

TestServerConfig en_config() {
  TestServerConfig config;
  config.before_start = [](Server& server) {
    EnExpressConfig en;
    en.device_api_keys = {kDeviceKey};
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
  EnFlow first = authorise(ts, c, keys, true, "self_report");
  auto r1 = post(c, "/v1/publish", publish_body(keys, first));
  REQUIRE(r1.status == 200);
  const std::string token(parse_object(r1.body).at("revisionToken").as_string());
  for (const auto& [hex, k] : exported(ts)) CHECK(k.report_type == ReportType::kSelfReport);

  EnFlow second = authorise(ts, c, keys, true, "confirmed");
  json::object body = publish_body(keys, second);
  body["revisionToken"] = token;
  REQUIRE(post(c, "/v1/publish", body).status == 200);
  ts.clock().advance(2 * 3600);
  auto run = ts.server().export_now();
  REQUIRE(run.has_value());
  REQUIRE(run->has_value());
  CHECK((*run)->real_keys == 0);
  REQUIRE((*run)->files.size() == 1);
  auto file = ts.server().context().site.find((*run)->files[0].path);
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

// The health-authority console (docs/console.md) and the monitor pages writer
// (docs/monitor.md) over a real server on loopback.
#include "greenlight/server/console.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "greenlight/crypto/signed_note.h"
#include "greenlight/server/monitor_site.h"
#include "test_server.h"

namespace greenlight::server {
namespace {

using testing::kHaKey;
using testing::parse_object;
using testing::TestServer;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct ConsoleSession {
  std::string cookie;  // "gl_console=..."
  std::string csrf;
};

TestServer console_server(std::int64_t session_seconds = 15 * 60) {
  return TestServer({.before_start = [session_seconds](Server& s) {
    ConsoleConfig config;
    config.api_keys = {kHaKey};
    config.session_seconds = session_seconds;
    REQUIRE(s.add_module(make_console_module(config)));
  }});
}

ClientResponse call(HttpClient& c, Method method, const std::string& path, const std::string& body,
                    Headers headers) {
  headers.emplace_back("Content-Type", "application/json");
  auto r = c.request(method, path, body, headers);
  REQUIRE(r);
  return *r;
}

ConsoleSession sign_in(HttpClient& c) {
  auto r = call(c, Method::kPost, "/console/api/session",
                boost::json::serialize(boost::json::object{{"api_key", kHaKey}}), {});
  REQUIRE(r.status == 200);
  const std::string set_cookie(r.header("Set-Cookie").value_or(""));
  ConsoleSession session{set_cookie.substr(0, set_cookie.find(';')),
                         std::string(parse_object(r.body).at("csrf_token").as_string())};
  return session;
}

ClientResponse post(HttpClient& c, const ConsoleSession& s, const std::string& path,
                    const boost::json::object& body) {
  return call(c, Method::kPost, path, boost::json::serialize(body),
              {{"Cookie", s.cookie}, {"X-CSRF-Token", s.csrf}});
}

std::string status_of(HttpClient& c, const ConsoleSession& s, const std::string& code) {
  auto r = post(c, s, "/console/api/code-status", {{"code", code}});
  REQUIRE(r.status == 200);
  return std::string(parse_object(r.body).at("status").as_string());
}

TEST_CASE("console pages are served with a strict CSP and no caching", "[console]") {
  TestServer ts = console_server();
  HttpClient c = ts.client();
  for (const char* path : {"/console/", "/console/console.js", "/console/console.css"}) {
    CAPTURE(path);
    auto r = c.get(path);
    REQUIRE(r);
    CHECK(r->status == 200);
    const std::string csp(r->header("Content-Security-Policy").value_or(""));
    CHECK(csp.find("default-src 'none'") != std::string::npos);
    CHECK(csp.find("script-src 'self'") != std::string::npos);
    CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
    CHECK(csp.find("unsafe") == std::string::npos);
    CHECK(r->header("Cache-Control").value_or("") == "no-store");
    CHECK(r->header("X-Content-Type-Options").value_or("") == "nosniff");
  }
  auto index = c.get("/console/");
  REQUIRE(index);
  CHECK(index->body.find("<script>") == std::string::npos);  // no inline script
  CHECK(index->body.find("<label for=\"api-key\">") != std::string::npos);
  auto redirect = c.get("/console");
  REQUIRE(redirect);
  CHECK(redirect->status == 308);
  CHECK(redirect->header("Location").value_or("") == "/console/");
}

TEST_CASE("console sign-in gives a Secure HttpOnly SameSite=Strict session cookie", "[console]") {
  TestServer ts = console_server();
  HttpClient c = ts.client();
  auto wrong = call(c, Method::kPost, "/console/api/session", R"({"api_key":"nope"})", {});
  CHECK(wrong.status == 401);
  CHECK(!wrong.header("Set-Cookie"));
  auto cross = call(c, Method::kPost, "/console/api/session",
                    boost::json::serialize(boost::json::object{{"api_key", kHaKey}}),
                    {{"Sec-Fetch-Site", "cross-site"}});
  CHECK(cross.status == 401);

  auto r = call(c, Method::kPost, "/console/api/session",
                boost::json::serialize(boost::json::object{{"api_key", kHaKey}}), {});
  REQUIRE(r.status == 200);
  const std::string cookie(r.header("Set-Cookie").value_or(""));
  CHECK(cookie.starts_with("gl_console="));
  for (const char* attribute :
       {"; Secure", "; HttpOnly", "; SameSite=Strict", "; Path=/console/", "; Max-Age=900"}) {
    CAPTURE(attribute);
    CHECK(cookie.find(attribute) != std::string::npos);
  }
  CHECK(cookie.find(kHaKey) == std::string::npos);
  CHECK(parse_object(r.body).at("csrf_token").as_string().size() == 43);
}

TEST_CASE("console codes need the session and its CSRF token; status follows the code",
          "[console]") {
  TestServer ts = console_server(3600);
  HttpClient c = ts.client();
  const ConsoleSession s = sign_in(c);
  const boost::json::object request{{"kind", "long"}, {"report_type", "confirmed"}};

  CHECK(call(c, Method::kPost, "/console/api/codes", boost::json::serialize(request), {}).status ==
        401);
  CHECK(call(c, Method::kPost, "/console/api/codes", boost::json::serialize(request),
             {{"Cookie", s.cookie}})
            .status == 401);
  CHECK(call(c, Method::kPost, "/console/api/codes", boost::json::serialize(request),
             {{"Cookie", s.cookie}, {"X-CSRF-Token", std::string(43, 'A')}})
            .status == 401);
  CHECK(call(c, Method::kPost, "/console/api/codes", boost::json::serialize(request),
             {{"Cookie", s.cookie}, {"X-CSRF-Token", s.csrf}, {"Origin", "https://evil.example"}})
            .status == 401);

  auto issued =
      post(c, s, "/console/api/codes",
           {{"kind", "long"}, {"report_type", "clinical"}, {"symptom_onset", "2025-11-20"}});
  REQUIRE(issued.status == 200);
  const auto body = parse_object(issued.body);
  const std::string code(body.at("code").as_string());
  CHECK(code.size() == 20);
  CHECK(body.at("report_type").as_string() == "clinical");
  CHECK(status_of(c, s, code) == "unused");

  auto verified = ts.verify(c, code);
  REQUIRE(verified.status == 200);
  CHECK(parse_object(verified.body).at("report_type").as_string() == "clinical");
  CHECK(status_of(c, s, code) == "used");

  auto short_code = post(c, s, "/console/api/codes", {{"kind", "short"}});
  REQUIRE(short_code.status == 200);
  const std::string short_text(parse_object(short_code.body).at("code").as_string());
  CHECK(short_text.size() == 8);
  ts.clock().advance(16 * 60);
  CHECK(status_of(c, s, short_text) == "expired");
  CHECK(status_of(c, s, "12345678901234567890") == "unknown");
  CHECK(post(c, s, "/console/api/code-status", {{"code", "12ab"}}).status == 400);

  SECTION("bad requests say what was expected") {
    auto future = post(c, s, "/console/api/codes", {{"symptom_onset", "2099-01-01"}});
    CHECK(future.status == 400);
    CHECK(parse_object(future.body).at("message").as_string().find("last 28 days") !=
          std::string::npos);
    CHECK(post(c, s, "/console/api/codes", {{"report_type", "revoked"}}).status == 400);
    CHECK(post(c, s, "/console/api/codes", {{"purpose", "other"}}).status == 400);
  }
  SECTION("sign-out ends the session") {
    CHECK(post(c, s, "/console/api/logout", {}).status == 200);
    CHECK(post(c, s, "/console/api/codes", {}).status == 401);
  }
  SECTION("the session expires") {
    ts.clock().advance(3600 - 16 * 60);
    CHECK(post(c, s, "/console/api/codes", {}).status == 401);
    CHECK(call(c, Method::kGet, "/console/api/session", "", {{"Cookie", s.cookie}}).status == 401);
  }
}

TEST_CASE("console statistics: ended days only, small counts and chaff left out", "[console]") {
  TestServer ts = console_server();
  HttpClient c = ts.client();
  const ConsoleSession s = sign_in(c);
  for (int i = 0; i < 12; ++i) REQUIRE(post(c, s, "/console/api/codes", {}).status == 200);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(post(c, s, "/console/api/codes", {{"kind", "short"}}).status == 200);
  }
  for (int i = 0; i < 12; ++i) REQUIRE(ts.verify(c, "00000000000000000000", true).status == 200);

  auto today = call(c, Method::kGet, "/console/api/stats", "", {{"Cookie", s.cookie}});
  REQUIRE(today.status == 200);
  CHECK(parse_object(today.body).at("days").as_array().empty());  // the day has not ended

  ts.clock().advance(86400);
  const ConsoleSession next = sign_in(c);
  auto r = call(c, Method::kGet, "/console/api/stats", "", {{"Cookie", next.cookie}});
  REQUIRE(r.status == 200);
  const auto stats = parse_object(r.body);
  CHECK(stats.at("min_count").as_int64() == 10);
  const auto& days = stats.at("days").as_array();
  REQUIRE(days.size() == 1);
  const auto& counts = days[0].as_object().at("counts").as_object();
  CHECK(counts.at("codes_issued kind=long").as_int64() == 12);
  CHECK(!counts.contains("codes_issued kind=short"));  // 3 < 10
  for (const auto& [name, value] : counts) {
    CAPTURE(std::string(name));
    CHECK(std::string(name).find("chaff") == std::string::npos);
  }
  CHECK(call(c, Method::kGet, "/console/api/stats", "", {}).status == 401);
  // The public metrics count no console request (like POST /v1/codes, metrics.h).
  auto metrics = c.get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("/console/api") == std::string::npos);
}

TEST_CASE("monitor pages are written next to the export tree and served", "[monitor]") {
  auto signer = NoteSigner::generate("monitor.test/log");
  REQUIRE(signer);
  const std::string vkey = signer->verifier().vkey();
  const auto authority = EcdsaP256PrivateKey::generate();
  REQUIRE(authority);
  TestServer ts({.before_start = [&](Server& s) {
    REQUIRE(s.add_module(make_monitor_module({vkey, {authority->public_key()}})));
  }});
  for (const char* name : {"index.html", "monitor.js", "monitor.css", "config.json"}) {
    CAPTURE(name);
    CHECK(std::filesystem::exists(ts.dir() / "site" / "monitor" / name));
  }
  HttpClient c = ts.client();
  auto index = c.get("/monitor/");
  REQUIRE(index);
  CHECK(index->status == 200);
  CHECK(index->body.find("Content-Security-Policy") != std::string::npos);
  CHECK(index->body.find("<script>") == std::string::npos);
  auto config = c.get("/monitor/config.json");
  REQUIRE(config);
  const auto parsed = parse_object(config->body);
  CHECK(parsed.at("log_vkey").as_string() == vkey);
  CHECK(parsed.at("venue_authority_keys").as_array().at(0).as_string() ==
        base64_encode(authority->public_key().to_spki_der()));
}

}  // namespace
}  // namespace greenlight::server

#include "greenlight/server/authorization.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "greenlight/wire/upload_auth.h"
#include "test_server.h"

namespace greenlight::server::testing {
namespace json = boost::json;

TEST_CASE("long codes have 20 uniformly drawn digits (>= 64 bits) and never repeat",
          "[authorization]") {
  TestServer ts;
  std::set<std::string> codes;
  std::array<std::array<int, 10>, 20> seen{};
  for (int i = 0; i < 200; ++i) {
    const std::string code = ts.issue_code();
    REQUIRE(code.size() == 20);
    for (std::size_t p = 0; p < code.size(); ++p) {
      REQUIRE((code[p] >= '0' && code[p] <= '9'));
      ++seen[p][static_cast<std::size_t>(code[p] - '0')];
    }
    codes.insert(code);
  }
  CHECK(codes.size() == 200);
  // 200 draws per position: every digit value shows up at every position (a stuck or
  // biased position would not; the chance that a fair one misses a digit is ~ 10 * 0.9^200).
  for (const auto& position : seen) {
    for (int count : position) CHECK(count > 0);
  }
  CHECK(ts.issue_code("short").size() == 8);
}

TEST_CASE("only the health authority's API key may issue codes", "[authorization]") {
  TestServer ts;
  HttpClient c = ts.client();
  const std::string before = ts.digest();
  for (const char* key : {"", "wrong-key-wrong-key-wrong", "admin-test-key-000000000000001"}) {
    auto r = c.post_json("/v1/codes", "{}", key);
    REQUIRE(r.has_value());
    CHECK(r->status == 401);
  }
  auto bad = c.post_json("/v1/codes", R"({"kind":"medium"})", kHaKey);
  REQUIRE(bad.has_value());
  CHECK(bad->status == 400);
  CHECK(ts.digest() == before);
}

TEST_CASE("16 concurrent exchanges of one code give exactly one token", "[authorization]") {
  TestServer ts;
  for (const std::string kind : {"long", "short"}) {
    const std::string code = ts.issue_code(kind);
    std::atomic<int> tokens{0};
    std::atomic<int> rejected{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 16; ++i) {
      threads.emplace_back([&] {
        HttpClient c = ts.client();
        auto r = c.post_json("/v1/verify", json::serialize(json::object{{"code", code}}));
        if (r && r->status == 200) ++tokens;
        if (r && r->status == 401) ++rejected;
      });
    }
    for (auto& t : threads) t.join();
    CHECK(tokens == 1);
    CHECK(rejected == 15);
  }
}

TEST_CASE("tokens are single use; codes and tokens expire", "[authorization]") {
  TestServer ts;
  HttpClient c = ts.client();
  const Sha256Digest mac{};

  const std::string code = ts.issue_code();
  auto v = ts.verify(c, code);
  REQUIRE(v.status == 200);
  CHECK(ts.verify(c, code).status == 401);
  const std::string token(parse_object(v.body).at("token").as_string());
  CHECK(ts.certificate(c, token, mac).status == 200);
  CHECK(ts.certificate(c, token, mac).status == 401);

  const std::string expiring = ts.issue_code("short");
  ts.clock().advance(15 * 60);
  auto expired = ts.verify(c, expiring);
  CHECK(expired.status == 400);
  CHECK(parse_object(expired.body).at("error").as_string() ==
        error_code_name(ErrorCode::kFailedPrecondition));

  auto v2 = ts.verify(c, ts.issue_code());
  REQUIRE(v2.status == 200);
  ts.clock().advance(3600);
  CHECK(ts.certificate(c, std::string(parse_object(v2.body).at("token").as_string()), mac).status ==
        401);
}

TEST_CASE("random guesses against live codes never succeed", "[authorization]") {
  TestServer ts;
  HttpClient c = ts.client();
  std::set<std::string> live;
  for (int i = 0; i < 300; ++i) live.insert(ts.issue_code());
  const std::string before = ts.digest();
  int successes = 0;
  for (int i = 0; i < 300; ++i) {
    std::string guess(20, '0');
    for (char& ch : guess) ch = static_cast<char>('0' + system_random().uniform(10));
    if (live.count(guess) != 0) continue;
    auto r = ts.verify(c, guess);
    if (r.status == 200) ++successes;
    CHECK(r.status == 401);
  }
  CHECK(successes == 0);
  CHECK(ts.digest() == before);
}

TEST_CASE("the short-code failure budget stops guessing but not long codes", "[authorization]") {
  TestServer ts({.adjust = [](ServerOptions& o) {
    o.authorization.failure_budget = 5;
    o.authorization.failure_budget_window_seconds = 600;
  }});
  HttpClient c = ts.client();
  const std::string good_short = ts.issue_code("short");
  const std::string good_long = ts.issue_code("long");
  int failures = 0;
  for (int i = 0; failures < 5; ++i) {
    const std::string guess = std::to_string(10000000 + i);
    if (guess == good_short) continue;
    CHECK(ts.verify(c, guess).status == 401);
    ++failures;
  }
  // Budget spent: even the right short code is refused for now.
  auto limited = ts.verify(c, good_short);
  CHECK(limited.status == 429);
  CHECK(parse_object(limited.body).at("error").as_string() ==
        error_code_name(ErrorCode::kResourceExhausted));
  CHECK(ts.verify(c, good_long).status == 200);
  // The next window restores the budget; the short code is still valid (15 min lifetime).
  ts.clock().advance(600);
  CHECK(ts.verify(c, good_short).status == 200);
}

TEST_CASE("chaff walks the same path with responses of the same size and stores nothing",
          "[authorization][chaff]") {
  TestServer ts;
  HttpClient c = ts.client();
  const auto keys = make_keys(14, kT0);
  const Bytes hmac_key = random_bytes(32);
  const Sha256Digest mac = wire::compute_tekmac(hmac_key, keys);

  // Real flow, with sizes.
  const std::string code = ts.issue_code("long", "clinical");
  auto real_verify = ts.verify(c, code);
  REQUIRE(real_verify.status == 200);
  const std::size_t real_verify_bytes = c.last_response_bytes();
  auto real_cert =
      ts.certificate(c, std::string(parse_object(real_verify.body).at("token").as_string()), mac);
  REQUIRE(real_cert.status == 200);
  const std::size_t real_cert_bytes = c.last_response_bytes();
  auto real_publish = ts.publish(
      c, keys, std::string(parse_object(real_cert.body).at("certificate").as_string()), hmac_key);
  REQUIRE(real_publish.status == 200);
  const std::size_t real_publish_bytes = c.last_response_bytes();

  const std::string before = ts.digest();
  auto chaff_verify = ts.verify(c, "12345678901234567890", true);
  CHECK(chaff_verify.status == 200);
  CHECK(c.last_response_bytes() == real_verify_bytes);
  const std::string chaff_token(parse_object(chaff_verify.body).at("token").as_string());
  CHECK(chaff_token.size() ==
        std::string(parse_object(real_verify.body).at("token").as_string()).size());
  auto chaff_cert = ts.certificate(c, chaff_token, mac, true);
  CHECK(chaff_cert.status == 200);
  CHECK(c.last_response_bytes() == real_cert_bytes);
  const std::string chaff_certificate(parse_object(chaff_cert.body).at("certificate").as_string());
  // A chaff certificate never authorises anything.
  CHECK(!ts.server().context().authorization.verify_certificate(chaff_certificate).has_value());
  auto chaff_publish = ts.publish(c, make_keys(14, kT0), chaff_certificate, hmac_key, true);
  CHECK(chaff_publish.status == 200);
  CHECK(c.last_response_bytes() == real_publish_bytes);
  CHECK(ts.digest() == before);
  // Errors on these endpoints are padded to the same bucket too.
  CHECK(ts.verify(c, "00000000000000000000").status == 401);
  CHECK(c.last_response_bytes() ==
        real_verify_bytes +
            (std::string_view("401 Unauthorized").size() - std::string_view("200 OK").size()));
}

}  // namespace greenlight::server::testing

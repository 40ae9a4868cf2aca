#include "greenlight/server/server.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <set>

#include "greenlight/wire/export_file.h"
#include "greenlight/wire/upload_auth.h"
#include "test_server.h"

namespace greenlight::server::testing {
namespace {
namespace json = boost::json;

std::vector<std::string> index_lines(HttpClient& c) {
  auto r = c.get("/v1/exports/index.txt");
  REQUIRE(r.has_value());
  REQUIRE(r->status == 200);
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < r->body.size()) {
    const auto nl = r->body.find('\n', pos);
    lines.push_back(r->body.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

}  // namespace

TEST_CASE("whole flow: code, token, certificate, publish, export, read back with the public key",
          "[server]") {
  TestServer ts({.min_keys = 50, .padding_range = 10});
  HttpClient c = ts.client();
  const auto keys = make_keys(5, kT0);
  auto published = ts.upload(c, keys);
  REQUIRE(published.status == 200);
  CHECK(parse_object(published.body).at("inserted").as_int64() == 5);

  // Nothing is exportable before the arrival hour is over: the window that ends now is empty.
  auto early = ts.server().export_now();
  REQUIRE(early.has_value());
  REQUIRE(early->has_value());
  CHECK((*early)->window_end == kT0);
  CHECK((*early)->real_keys == 0);
  CHECK((*early)->files.empty());
  ts.clock().advance(3600);
  auto run = ts.server().export_now();
  REQUIRE(run.has_value());
  REQUIRE(run->has_value());
  CHECK((*run)->real_keys == 5);
  REQUIRE((*run)->files.size() == 1);

  const auto lines = index_lines(c);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == (*run)->files[0].path);
  CHECK(lines[0] ==
        "v1/exports/" + std::to_string(kT0) + "-" + std::to_string(kT0 + 3600) + "-00001.zip");

  auto zip = c.get("/" + lines[0]);
  REQUIRE(zip.has_value());
  REQUIRE(zip->status == 200);
  CHECK(zip->header("Content-Type") == "application/zip");
  const auto verified = wire::read_export_zip(
      as_bytes(zip->body), {wire::TrustedSigningKey{"test", "v1", ts.export_public_key()}});
  REQUIRE(verified.has_value());
  const auto& batch = verified->batch;
  CHECK(batch.region == "GL");
  CHECK(batch.keys.size() >= 50);
  CHECK(batch.keys.size() < 60);
  std::set<std::string> published_keys;
  for (const auto& k : batch.keys) published_keys.insert(to_hex(k.key_data.span()));
  for (const auto& k : keys) CHECK(published_keys.count(to_hex(k.key_data.span())) == 1);
  for (std::size_t i = 1; i < batch.keys.size(); ++i) {
    CHECK(to_hex(batch.keys[i - 1].key_data.span()) < to_hex(batch.keys[i].key_data.span()));
  }
  for (const auto& k : batch.keys) {
    CHECK(k.report_type == ReportType::kConfirmedTest);
    CHECK(k.transmission_risk_level == 1);
  }

  // The same bytes are on disk under the URL path, for any web server.
  std::ifstream on_disk(ts.dir() / "site" / lines[0], std::ios::binary);
  std::string disk((std::istreambuf_iterator<char>(on_disk)), std::istreambuf_iterator<char>());
  CHECK(disk == zip->body);
}

TEST_CASE("export responses carry caching headers and honour If-None-Match", "[server]") {
  TestServer ts;
  HttpClient c = ts.client();
  REQUIRE(ts.upload(c, make_keys(2, kT0)).status == 200);
  ts.clock().advance(3600);
  auto run = ts.server().export_now();
  REQUIRE(run.has_value());
  REQUIRE(run->has_value());
  const std::string path = "/" + (*run)->files.at(0).path;
  auto first = c.get(path);
  REQUIRE(first.has_value());
  REQUIRE(first->status == 200);
  const auto etag = first->header("ETag");
  REQUIRE(etag.has_value());
  CHECK(*etag == "\"" + to_hex(sha256(as_bytes(first->body))) + "\"");
  CHECK(first->header("Last-Modified").has_value());
  CHECK(first->header("Cache-Control").value_or("").find("max-age") != std::string_view::npos);

  auto again = c.request(Method::kGet, path, {}, {{"If-None-Match", std::string(*etag)}});
  REQUIRE(again.has_value());
  CHECK(again->status == 304);
  CHECK(again->body.empty());
  auto other = c.request(Method::kGet, path, {}, {{"If-None-Match", "\"0000\""}});
  REQUIRE(other.has_value());
  CHECK(other->status == 200);
  auto head = c.request(Method::kHead, path);
  REQUIRE(head.has_value());
  CHECK(head->status == 200);
  CHECK(head->body.empty());
  CHECK(head->header("Content-Length") == std::to_string(first->body.size()));
  auto missing = c.get("/v1/exports/../server.db");
  REQUIRE(missing.has_value());
  CHECK(missing->status == 404);
}

TEST_CASE("exports survive a restart and are served again", "[server]") {
  TestServer ts;
  HttpClient c = ts.client();
  REQUIRE(ts.upload(c, make_keys(3, kT0)).status == 200);
  ts.clock().advance(3600);
  REQUIRE(ts.server().export_now().has_value());
  const auto before = index_lines(c);
  REQUIRE(before.size() == 1);
  auto zip_before = c.get("/" + before[0]);
  ts.restart();
  HttpClient c2 = ts.client();
  CHECK(index_lines(c2) == before);
  auto zip_after = c2.get("/" + before[0]);
  REQUIRE(zip_after.has_value());
  CHECK(zip_after->body == zip_before->body);
  // The next window starts where the last one ended.
  REQUIRE(ts.upload(c2, make_keys(1, ts.clock().now_unix_seconds())).status == 200);
  ts.clock().advance(3600);
  auto run = ts.server().export_now();
  REQUIRE(run.has_value());
  REQUIRE(run->has_value());
  CHECK((*run)->window_start == kT0 + 3600);
  CHECK((*run)->real_keys == 1);
  CHECK(index_lines(c2).size() == 2);
}

TEST_CASE("healthz, metrics, unknown routes and wrong methods", "[server]") {
  TestServer ts;
  HttpClient c = ts.client();
  auto h = c.get("/healthz");
  REQUIRE(h.has_value());
  CHECK(h->status == 200);
  CHECK(h->body == "ok\n");
  auto nf = c.get("/nope");
  REQUIRE(nf.has_value());
  CHECK(nf->status == 404);
  CHECK(parse_object(nf->body).at("error").as_string() == error_code_name(ErrorCode::kNotFound));
  auto wrong = c.get("/v1/publish");
  REQUIRE(wrong.has_value());
  CHECK(wrong->status == 405);
  REQUIRE(ts.upload(c, make_keys(1, kT0)).status == 200);
  auto m = c.get("/metrics");
  REQUIRE(m.has_value());
  CHECK(m->status == 200);
  // Nothing of the upload flow is public (tests/server/upload_equalisation_test.cpp).
  CHECK(m->body.find("/v1/publish\",method=\"POST\"") == std::string::npos);
  CHECK(m->body.find(
            "greenlight_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1") !=
        std::string::npos);
}

TEST_CASE("malformed JSON gives 400 with a JSON error; an oversized body gives 413", "[server]") {
  TestServer ts({.max_body_bytes = 4096});
  HttpClient c = ts.client();
  for (const char* bad : {"{", "[]", "nul", "{\"keys\": 1}", ""}) {
    CAPTURE(bad);
    auto r = c.post_json("/v1/publish", bad);
    REQUIRE(r.has_value());
    CHECK(r->status == 400);
    auto body = parse_object(r->body);
    CHECK(body.at("error").as_string() == error_code_name(ErrorCode::kInvalidArgument));
    CHECK(body.at("message").is_string());
  }
  const std::string big(1 << 20, 'x');
  HttpClient c2 = ts.client();
  auto r = c2.post_json("/v1/publish", big);
  REQUIRE(r.has_value());
  CHECK(r->status == 413);
  CHECK(parse_object(r->body).at("error").as_string() ==
        error_code_name(ErrorCode::kResourceExhausted));
  // The server is still fine.
  HttpClient c3 = ts.client();
  auto h = c3.get("/healthz");
  REQUIRE(h.has_value());
  CHECK(h->status == 200);
}

TEST_CASE("logs contain no codes, tokens, keys, certificates or addresses", "[server]") {
  TestServer ts;
  HttpClient c = ts.client();
  const auto keys = make_keys(3, kT0);
  const std::string code = ts.issue_code();
  auto v = ts.verify(c, code);
  REQUIRE(v.status == 200);
  const std::string token(parse_object(v.body).at("token").as_string());
  const Bytes hmac_key = random_bytes(32);
  auto cert = ts.certificate(c, token, wire::compute_tekmac(hmac_key, keys));
  REQUIRE(cert.status == 200);
  const std::string certificate(parse_object(cert.body).at("certificate").as_string());
  REQUIRE(ts.publish(c, keys, certificate, hmac_key).status == 200);
  ts.clock().advance(3600);
  REQUIRE(ts.server().export_now().has_value());
  const auto lines = ts.log_lines();
  REQUIRE(!lines.empty());
  for (const auto& line : lines) {
    CAPTURE(line);
    CHECK(line.find(code) == std::string::npos);
    CHECK(line.find(token) == std::string::npos);
    CHECK(line.find(certificate.substr(0, 20)) == std::string::npos);
    CHECK(line.find("127.0.0.1") == std::string::npos);
    for (const auto& k : keys) {
      CHECK(line.find(to_hex(k.key_data.span())) == std::string::npos);
      CHECK(line.find(base64_encode(k.key_data.span())) == std::string::npos);
    }
  }
}

}  // namespace greenlight::server::testing

// The server answers real and chaff alike (issue 11 item 4; reference/security.md A19, A30):
// the response deadline, equal sizes and statuses, and metrics that neither separate real
// from chaff nor date diagnoses.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <tuple>

#include "greenlight/server/http.h"
#include "greenlight/server/server.h"
#include "greenlight/server/sqlite_store.h"
#include "greenlight/wire/upload_auth.h"
#include "test_server.h"

namespace greenlight::server::testing {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

constexpr auto kDeadline = 150ms;

struct Step {
  ClientResponse response;
  std::size_t bytes = 0;
  Steady::duration elapsed{};
};

// One flow of verify -> certificate -> publish, real (with a fresh code) or chaff, each step
// timed from before its request was sent to after its response was read.
struct Flow {
  Step verify, certificate, publish;
};

Flow run_flow(TestServer& ts, HttpClient& c, bool chaff) {
  const auto keys = make_keys(14, kT0);
  const Bytes hmac_key = random_bytes(32);
  const Sha256Digest mac = wire::compute_tekmac(hmac_key, keys);
  const std::string code = chaff ? "12345678901234567890" : ts.issue_code();
  Flow f;
  auto t = Steady::now();
  f.verify.response = ts.verify(c, code, chaff);
  f.verify.elapsed = Steady::now() - t;
  f.verify.bytes = c.last_response_bytes();
  REQUIRE(f.verify.response.status == 200);
  const std::string token(parse_object(f.verify.response.body).at("token").as_string());
  t = Steady::now();
  f.certificate.response = ts.certificate(c, token, mac, chaff);
  f.certificate.elapsed = Steady::now() - t;
  f.certificate.bytes = c.last_response_bytes();
  REQUIRE(f.certificate.response.status == 200);
  const std::string certificate(
      parse_object(f.certificate.response.body).at("certificate").as_string());
  t = Steady::now();
  f.publish.response = ts.publish(c, keys, certificate, hmac_key, chaff);
  f.publish.elapsed = Steady::now() - t;
  f.publish.bytes = c.last_response_bytes();
  return f;
}

TestServerConfig with_deadline() {
  TestServerConfig config;
  config.adjust = [](ServerOptions& o) { o.http.response_deadline = kDeadline; };
  return config;
}

// Counts the write transactions that modules run through transact() (the chaff commits).
class CountingStore final : public Store {
 public:
  CountingStore(std::unique_ptr<Store> inner, std::shared_ptr<std::atomic<int>> transacts)
      : inner_(std::move(inner)), transacts_(std::move(transacts)) {}
  Status insert_code(const CodeRecord& c) override { return inner_->insert_code(c); }
  Result<CodeGrant> redeem_code(const Sha256Digest& h, std::int64_t now, const Sha256Digest& t,
                                std::int64_t e) override {
    return inner_->redeem_code(h, now, t, e);
  }
  Result<CodeGrant> redeem_token(const Sha256Digest& h, std::int64_t now) override {
    return inner_->redeem_token(h, now);
  }
  Result<UploadOutcome> publish_upload(const UploadWrite& u) override {
    return inner_->publish_upload(u);
  }
  Result<std::vector<StoredKey>> keys_available(std::int64_t s, std::int64_t e) override {
    return inner_->keys_available(s, e);
  }
  Result<std::optional<std::int64_t>> last_export_end() override {
    return inner_->last_export_end();
  }
  Status record_export_batch(const ExportBatchRecord& b) override {
    return inner_->record_export_batch(b);
  }
  Result<std::vector<ExportFileRecord>> export_files() override { return inner_->export_files(); }
  Result<RetentionResult> delete_expired(std::int64_t now, std::int64_t cutoff) override {
    return inner_->delete_expired(now, cutoff);
  }
  Result<std::int64_t> add_short_code_failure(std::int64_t window_start) override {
    return inner_->add_short_code_failure(window_start);
  }
  Result<std::int64_t> short_code_failures(std::int64_t window_start) override {
    return inner_->short_code_failures(window_start);
  }
  Result<bool> acquire_lease(std::string_view name, std::string_view holder, std::int64_t now,
                             std::int64_t expires_at) override {
    return inner_->acquire_lease(name, holder, now, expires_at);
  }
  Status release_lease(std::string_view name, std::string_view holder) override {
    return inner_->release_lease(name, holder);
  }
  Result<SecretBytes> server_secret(std::string_view name) override {
    return inner_->server_secret(name);
  }
  Status ensure_schema(const std::vector<std::string>& s) override {
    return inner_->ensure_schema(s);
  }
  Status transact(std::function<Status(StoreTransaction&)> fn) override {
    ++*transacts_;
    return inner_->transact(std::move(fn));
  }
  Status read(std::function<Status(StoreTransaction&)> fn) override {
    return inner_->read(std::move(fn));
  }
  Result<std::string> content_digest() override { return inner_->content_digest(); }

 private:
  std::unique_ptr<Store> inner_;
  std::shared_ptr<std::atomic<int>> transacts_;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("response_release_time: the deadline, or the next step of its grid", "[equalise]") {
  const Steady::time_point a{1000ms};
  CHECK(response_release_time(a, a + 3ms, 100ms) == a + 100ms);
  CHECK(response_release_time(a, a, 100ms) == a + 100ms);
  CHECK(response_release_time(a, a + 100ms, 100ms) == a + 100ms);
  CHECK(response_release_time(a, a + 101ms, 100ms) == a + 200ms);
  CHECK(response_release_time(a, a + 250ms, 100ms) == a + 300ms);
  // Off: released when ready.
  CHECK(response_release_time(a, a + 3ms, 0ms) == a + 3ms);
  // Never before the arrival + deadline, whatever the readiness.
  for (auto ready : {0ms, 1ms, 99ms, 150ms, 999ms}) {
    CAPTURE(ready.count());
    const auto at = response_release_time(a, a + ready, 100ms);
    CHECK(at >= a + 100ms);
    CHECK(at >= a + ready);
    CHECK((at - a) % 100ms == Steady::duration::zero());
  }
}

TEST_CASE(
    "with the deadline on, real and chaff flows complete with equal statuses and sizes, "
    "never before the deadline",
    "[equalise]") {
  TestServer ts(with_deadline());
  HttpClient c = ts.client();
  const Flow real = run_flow(ts, c, false);
  const Flow chaff = run_flow(ts, c, true);
  for (const auto& [name, r, f] : {std::tuple{"verify", &real.verify, &chaff.verify},
                                   {"certificate", &real.certificate, &chaff.certificate},
                                   {"publish", &real.publish, &chaff.publish}}) {
    CAPTURE(name);
    CHECK(r->response.status == 200);
    CHECK(f->response.status == 200);
    CHECK(r->bytes == f->bytes);
    // The client's time brackets the server's arrival..release, so it is at least the deadline.
    CHECK(r->elapsed >= kDeadline);
    CHECK(f->elapsed >= kDeadline);
  }
  CHECK(parse_object(real.publish.response.body).at("inserted").as_int64() == 14);

  // Errors are held too.
  const auto t = Steady::now();
  CHECK(ts.verify(c, "00000000000000000000").status == 401);
  CHECK(Steady::now() - t >= kDeadline);
  const auto t2 = Steady::now();
  auto bad = c.post_json("/v1/publish", "{");
  REQUIRE(bad.has_value());
  CHECK(bad->status == 400);
  CHECK(Steady::now() - t2 >= kDeadline);
}

TEST_CASE("public /metrics holds no chaff label, no code counter and nothing of the upload flow",
          "[equalise][metrics]") {
  TestServer ts;
  HttpClient c = ts.client();
  const Flow real = run_flow(ts, c, false);
  REQUIRE(real.publish.response.status == 200);
  const Flow chaff = run_flow(ts, c, true);
  REQUIRE(chaff.publish.response.status == 200);
  CHECK(ts.verify(c, "00000000000000000000").status == 401);
  ts.clock().advance(3600);
  auto run = ts.server().export_now();
  REQUIRE(run.has_value());
  REQUIRE(run->has_value());
  REQUIRE((*run)->real_keys == 14);

  auto m = c.get("/metrics");
  REQUIRE(m.has_value());
  REQUIRE(m->status == 200);
  CAPTURE(m->body);
  for (const char* forbidden :
       {"chaff", "codes", "/v1/verify", "/v1/certificate", "/v1/publish", "uploads", "verify",
        "certificate", "keys_inserted", "real", "result="}) {
    CAPTURE(forbidden);
    CHECK(!contains(m->body, forbidden));
  }
  // Operational counters stay public.
  CHECK(contains(m->body, "greenlight_export_batches_total 1"));
  auto m2 = c.get("/metrics");
  REQUIRE(m2.has_value());
  CHECK(contains(
      m2->body,
      "greenlight_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"200\"} 1"));

  // Server logs say nothing about chaff and do not count real keys.
  for (const auto& line : ts.log_lines()) {
    CAPTURE(line);
    CHECK(!contains(line, "chaff"));
    CHECK(!contains(line, "real_keys"));
  }
}

TEST_CASE("the admin metric needs the admin key and gives per-day aggregates of ended days",
          "[equalise][metrics]") {
  TestServer ts;
  HttpClient c = ts.client();
  for (int i = 0; i < 10; ++i) REQUIRE(ts.upload(c, make_keys(2, kT0)).status == 200);
  for (int i = 0; i < 3; ++i) REQUIRE(run_flow(ts, c, true).publish.response.status == 200);

  auto no_key = c.request(Method::kGet, "/v1/admin/metrics");
  REQUIRE(no_key.has_value());
  CHECK(no_key->status == 401);
  auto wrong = c.request(Method::kGet, "/v1/admin/metrics", {}, {{"Authorization", "Bearer nope"}});
  REQUIRE(wrong.has_value());
  CHECK(wrong->status == 401);
  auto ha_key = c.request(Method::kGet, "/v1/admin/metrics", {},
                          {{"Authorization", std::string("Bearer ") + kHaKey}});
  REQUIRE(ha_key.has_value());
  CHECK(ha_key->status == 401);

  auto admin = [&] {
    auto r = c.request(Method::kGet, "/v1/admin/metrics", {},
                       {{"Authorization", std::string("Bearer ") + kAdminKey}});
    REQUIRE(r.has_value());
    REQUIRE(r->status == 200);
    return r->body;
  };
  // The day has not ended: nothing to show yet.
  CHECK(!contains(admin(), "2025-11-24"));

  ts.clock().advance(24 * 3600);
  const std::string text = admin();
  CAPTURE(text);
  CHECK(contains(text, "greenlight_codes_issued_daily{day=\"2025-11-24\",kind=\"long\"} 10\n"));
  CHECK(contains(text, "greenlight_verify_daily{day=\"2025-11-24\",result=\"ok\"} 10\n"));
  CHECK(contains(text, "greenlight_certificates_daily{day=\"2025-11-24\",result=\"ok\"} 10\n"));
  CHECK(contains(text, "greenlight_uploads_daily{day=\"2025-11-24\",result=\"ok\"} 10\n"));
  CHECK(contains(text, "greenlight_keys_inserted_daily{day=\"2025-11-24\"} 20\n"));
  // 3 chaff flows: below the threshold of 10, left out.
  CHECK(!contains(text, "chaff"));
  CHECK(ts.server().context().metrics.daily_value("greenlight_uploads_daily", {{"result", "chaff"}},
                                                  kT0) == 3);
}

}  // namespace greenlight::server::testing

namespace greenlight::server::testing {

TEST_CASE("each chaff step runs one write transaction of its own and changes no content",
          "[equalise][chaff]") {
  TempDir dir;
  ManualClock store_clock(kT0);
  auto inner = open_sqlite_store({(dir.path() / "s.db").string()}, store_clock, system_random());
  REQUIRE(inner.has_value());
  auto transacts = std::make_shared<std::atomic<int>>(0);
  ServerOptions options;
  options.export_directory = dir.path() / "site";
  options.retention_period_seconds = 0;
  ServerKeys keys{{wire::ExportSigner{{"v1", "test", wire::kEcdsaP256Sha256Oid},
                                      *EcdsaP256PrivateKey::generate()}},
                  *EcdsaP256PrivateKey::generate(),
                  {kHaKey},
                  {kAdminKey}};
  ServerEnvironment env;
  env.clock = std::make_shared<ManualClock>(kT0);
  env.store = std::make_unique<CountingStore>(std::move(*inner), transacts);
  env.log_sink = [](std::string_view) {};
  auto server = Server::create(std::move(options), std::move(keys), std::move(env));
  REQUIRE(server.has_value());
  auto port = (*server)->start();
  REQUIRE(port.has_value());
  HttpClientOptions o;
  o.port = *port;
  HttpClient c(o);
  auto digest = (*server)->context().store.content_digest();
  REQUIRE(digest.has_value());

  const auto keys14 = make_keys(14, kT0);
  const Bytes hmac_key = random_bytes(32);
  const int before = transacts->load();
  auto v = c.post_json("/v1/verify", R"({"code":"12345678901234567890","chaff":true})");
  REQUIRE(v.has_value());
  REQUIRE(v->status == 200);
  CHECK(transacts->load() == before + 1);
  auto cert = c.post_json("/v1/certificate",
                          json::serialize(json::object{
                              {"token", parse_object(v->body).at("token")},
                              {"tekmac", base64_encode(wire::compute_tekmac(hmac_key, keys14))},
                              {"chaff", true}}));
  REQUIRE(cert.has_value());
  REQUIRE(cert->status == 200);
  CHECK(transacts->load() == before + 2);
  json::array list;
  for (const auto& k : keys14) {
    list.push_back(
        json::object{{"key", base64_encode(k.key_data.span())},
                     {"rolling_start_interval_number", k.rolling_start_interval_number.value},
                     {"rolling_period", k.rolling_period},
                     {"transmission_risk_level", k.transmission_risk_level}});
  }
  auto pub = c.post_json(
      "/v1/publish",
      json::serialize(json::object{{"keys", std::move(list)},
                                   {"certificate", parse_object(cert->body).at("certificate")},
                                   {"hmac_key", base64_encode(hmac_key)},
                                   {"chaff", true}}));
  REQUIRE(pub.has_value());
  REQUIRE(pub->status == 200);
  CHECK(transacts->load() == before + 3);
  auto after = (*server)->context().store.content_digest();
  REQUIRE(after.has_value());
  CHECK(*after == *digest);
  (*server)->stop();
}

}  // namespace greenlight::server::testing

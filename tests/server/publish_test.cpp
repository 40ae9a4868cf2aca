#include "greenlight/server/publish.h"

#include <catch2/catch.hpp>
#include <set>

#include "greenlight/wire/export_file.h"
#include "greenlight/wire/upload_auth.h"
#include "test_server.h"

namespace greenlight::server::testing {
namespace json = boost::json;

namespace {

std::set<std::string> exported_keys(TestServer& ts, const ExportRun& run) {
  std::set<std::string> out;
  for (const auto& f : run.files) {
    auto file = ts.server().context().site.find(f.path);
    REQUIRE(file.has_value());
    auto v = wire::read_export_zip(as_bytes(*file->bytes),
                                   {wire::TrustedSigningKey{"test", "v1", ts.export_public_key()}});
    REQUIRE(v.has_value());
    for (const auto& k : v->batch.keys) out.insert(to_hex(k.key_data.span()));
  }
  return out;
}

}  // namespace

TEST_CASE("A11: a certificate covers exactly its key set, in any order", "[publish][A11]") {
  TestServer ts;
  HttpClient c = ts.client();
  const auto keys = make_keys(4, kT0);

  auto reordered = keys;
  std::swap(reordered[0], reordered[3]);
  auto extra = keys;
  extra.push_back(make_key(keys.back().rolling_start_interval_number.value - 144));
  auto fewer = std::vector<TemporaryExposureKey>(keys.begin() + 1, keys.end());
  auto risk_changed = keys;
  risk_changed[1].transmission_risk_level = 7;
  auto period_changed = keys;
  period_changed[2].rolling_period = 100;
  auto key_changed = keys;
  key_changed[0].key_data.mutable_span()[0] ^= 1;

  auto [certificate, hmac_key] = ts.authorise(c, keys);
  const std::string before = ts.digest();
  for (const auto& [name, set] :
       std::vector<std::pair<std::string, std::vector<TemporaryExposureKey>>>{
           {"a key added", extra},
           {"a key removed", fewer},
           {"a risk level changed", risk_changed},
           {"a rolling period changed", period_changed},
           {"a key's bytes changed", key_changed}}) {
    CAPTURE(name);
    auto r = ts.publish(c, set, certificate, hmac_key);
    CHECK(r.status == 401);
  }
  Bytes wrong_key = hmac_key;
  wrong_key[5] ^= 0x80;
  CHECK(ts.publish(c, keys, certificate, wrong_key).status == 401);
  CHECK(ts.digest() == before);

  auto accepted = ts.publish(c, reordered, certificate, hmac_key);
  CHECK(accepted.status == 200);
  CHECK(parse_object(accepted.body).at("inserted").as_int64() == 4);
  CHECK(ts.digest() != before);
}

TEST_CASE("A10: a certificate is single use", "[publish][A10]") {
  TestServer ts;
  HttpClient c = ts.client();
  const auto keys = make_keys(2, kT0);
  auto [certificate, hmac_key] = ts.authorise(c, keys);
  REQUIRE(ts.publish(c, keys, certificate, hmac_key).status == 200);
  const std::string before = ts.digest();
  auto again = ts.publish(c, keys, certificate, hmac_key);
  CHECK(again.status == 409);
  CHECK(ts.digest() == before);
}

TEST_CASE("A13: invalid key sets are rejected whole and change nothing", "[publish][A13]") {
  TestServer ts;
  HttpClient c = ts.client();
  const std::uint32_t today = day_start(interval_from_unix_seconds(kT0)).value;
  const std::uint32_t now_interval = interval_from_unix_seconds(kT0).value;

  auto too_many = make_keys(31, kT0);
  auto overlapping = make_keys(2, kT0);
  overlapping[1].rolling_start_interval_number = {
      overlapping[0].rolling_start_interval_number.value + 100};
  auto duplicate = make_keys(2, kT0);
  duplicate[1].key_data = duplicate[0].key_data;
  auto zero_period = make_keys(1, kT0);
  zero_period[0].rolling_period = 0;
  auto long_period = make_keys(1, kT0);
  long_period[0].rolling_period = 145;
  auto risky = make_keys(1, kT0);
  risky[0].transmission_risk_level = 9;
  const std::vector<TemporaryExposureKey> future{make_key(now_interval + 1, 1)};

  const std::vector<std::pair<std::string, std::vector<TemporaryExposureKey>>> cases{
      {"31 keys", too_many},
      {"overlapping keys", overlapping},
      {"the same key twice", duplicate},
      {"rolling period 0", zero_period},
      {"rolling period 145", long_period},
      {"risk level 9", risky},
      {"start in the future", future},
  };
  for (const auto& [name, keys] : cases) {
    CAPTURE(name);
    auto [certificate, hmac_key] = ts.authorise(c, keys);
    const std::string before = ts.digest();
    auto r = ts.publish(c, keys, certificate, hmac_key);
    CHECK(r.status == 400);
    CHECK(parse_object(r.body).at("error").as_string() ==
          error_code_name(ErrorCode::kInvalidArgument));
    CHECK(ts.digest() == before);
  }

  // A 15-byte key does not even parse.
  {
    const auto keys = make_keys(1, kT0);
    auto [certificate, hmac_key] = ts.authorise(c, keys);
    const std::string before = ts.digest();
    json::object body{
        {"keys", json::array{json::object{{"key", base64_encode(random_bytes(15))},
                                          {"rolling_start_interval_number", today - 144},
                                          {"rolling_period", 144},
                                          {"transmission_risk_level", 1}}}},
        {"certificate", certificate},
        {"hmac_key", base64_encode(hmac_key)}};
    auto r = c.post_json("/v1/publish", json::serialize(body));
    REQUIRE(r.has_value());
    CHECK(r->status == 400);
    CHECK(std::string(parse_object(r->body).at("message").as_string()).find("16 bytes, got 15") !=
          std::string::npos);
    CHECK(ts.digest() == before);
  }

  // 30 keys (the maximum) pass; a key older than 15 days is dropped, not an error.
  {
    auto keys = make_keys(15, kT0);
    keys.push_back(make_key(today - 16 * 144));
    auto r = ts.upload(c, keys);
    CHECK(r.status == 200);
    CHECK(parse_object(r.body).at("inserted").as_int64() == 15);
    CHECK(parse_object(r.body).at("dropped").as_int64() == 1);
  }
}

TEST_CASE("the same key through two certificates is stored once", "[publish][A13]") {
  TestServer ts;
  HttpClient c = ts.client();
  const auto keys = make_keys(3, kT0);
  CHECK(parse_object(ts.upload(c, keys).body).at("inserted").as_int64() == 3);
  auto second = ts.upload(c, keys);
  CHECK(second.status == 200);
  CHECK(parse_object(second.body).at("inserted").as_int64() == 0);
  ts.clock().advance(3600);
  auto run = ts.server().export_now();
  REQUIRE(run.has_value());
  REQUIRE(run->has_value());
  CHECK((*run)->real_keys == 3);
}

TEST_CASE("keys still valid are embargoed until 2 h after their end", "[publish][embargo]") {
  TestServer ts;
  HttpClient c = ts.client();
  const std::uint32_t today = day_start(interval_from_unix_seconds(kT0)).value;
  const auto old_keys = make_keys(1, kT0);
  const std::vector<TemporaryExposureKey> todays{make_key(today, 144)};
  auto keys = old_keys;
  keys.push_back(todays[0]);
  REQUIRE(ts.upload(c, keys).status == 200);

  ts.clock().advance(3600);
  auto first = ts.server().export_now();
  REQUIRE(first.has_value());
  REQUIRE(first->has_value());
  auto published = exported_keys(ts, **first);
  CHECK(published.count(to_hex(old_keys[0].key_data.span())) == 1);
  CHECK(published.count(to_hex(todays[0].key_data.span())) == 0);

  // Today's key ends at midnight; it is published in the window that holds 02:00.
  const std::int64_t midnight = unix_seconds_from_interval({today + 144});
  ts.clock().set(midnight + 2 * 3600 - 1);
  auto before_embargo = ts.server().export_now();
  REQUIRE(before_embargo.has_value());
  if (*before_embargo)
    CHECK(exported_keys(ts, **before_embargo).count(to_hex(todays[0].key_data.span())) == 0);
  ts.clock().set(midnight + 3 * 3600);
  auto after = ts.server().export_now();
  REQUIRE(after.has_value());
  REQUIRE(after->has_value());
  CHECK(exported_keys(ts, **after).count(to_hex(todays[0].key_data.span())) == 1);
}

TEST_CASE("validate_upload_keys sorts and checks", "[publish]") {
  PublishConfig config;
  auto keys = make_keys(3, kT0);
  auto sorted = validate_upload_keys(keys, kT0, config);
  REQUIRE(sorted.has_value());
  REQUIRE(sorted->size() == 3);
  CHECK((*sorted)[0].rolling_start_interval_number < (*sorted)[1].rolling_start_interval_number);
  auto empty = validate_upload_keys({}, kT0, config);
  REQUIRE(empty.has_value());
  CHECK(empty->empty());
}

namespace {

// A stand-in for the venue-report module: owns "venue_reports", stores one row per entry
// in its own table inside the upload's transaction.
class RecordingExtension final : public UploadExtension,
                                 public ServerModule,
                                 public std::enable_shared_from_this<RecordingExtension> {
 public:
  explicit RecordingExtension(bool fail_apply) : fail_apply_(fail_apply) {}
  std::string_view field() const override { return "venue_reports"; }
  Status attach(ServerContext& ctx) override {
    GL_RETURN_IF_ERROR(ctx.store.ensure_schema(
        {"CREATE TABLE IF NOT EXISTS test_venue_reports(report TEXT NOT NULL)"}));
    ctx.publisher.add_extension(std::shared_ptr<UploadExtension>(shared_from_this(), this));
    return ok();
  }
  Result<std::unique_ptr<UploadPart>> prepare(const json::value& value,
                                              const UploadContext& context) override {
    if (!value.is_array())
      return make_error(ErrorCode::kInvalidArgument, "venue_reports must be an array");
    if (context.claims == nullptr && !context.chaff)
      return make_error(ErrorCode::kInternal, "no claims");
    std::vector<std::string> reports;
    for (const auto& v : value.as_array()) {
      if (!v.is_string()) return make_error(ErrorCode::kInvalidArgument, "reports are strings");
      reports.emplace_back(v.as_string());
    }
    struct Part final : UploadPart {
      std::vector<std::string> reports;
      bool fail = false;
      Status apply(StoreTransaction& tx) override {
        for (const auto& r : reports) {
          auto n = tx.execute("INSERT INTO test_venue_reports(report) VALUES(?)", {r});
          GL_RETURN_IF_ERROR(n);
        }
        if (fail) return make_error(ErrorCode::kInvalidArgument, "venue report rejected");
        return ok();
      }
    };
    auto part = std::make_unique<Part>();
    part->reports = std::move(reports);
    part->fail = fail_apply_;
    return std::unique_ptr<UploadPart>(std::move(part));
  }

 private:
  bool fail_apply_;
};

std::int64_t count_reports(TestServer& ts) {
  std::int64_t n = -1;
  REQUIRE(ts.server().context().store.read([&](StoreTransaction& tx) -> Status {
    auto rows = tx.query("SELECT count(*) FROM test_venue_reports");
    GL_RETURN_IF_ERROR(rows);
    n = std::get<std::int64_t>(rows->at(0).at(0));
    return ok();
  }));
  return n;
}

}  // namespace

TEST_CASE("venue_reports without an extension: empty accepted, non-empty rejected",
          "[publish][extension]") {
  TestServer ts;
  HttpClient c = ts.client();
  const auto keys = make_keys(1, kT0);
  auto [cert, hmac_key] = ts.authorise(c, keys);
  const std::string before = ts.digest();
  auto rejected =
      ts.publish(c, keys, cert, hmac_key, false, json::object{{"venue_reports", json::array{"x"}}});
  CHECK(rejected.status == 400);
  CHECK(parse_object(rejected.body).at("message").as_string() ==
        "venue_reports are not supported by this server");
  auto unknown = ts.publish(c, keys, cert, hmac_key, false, json::object{{"surprise", 1}});
  CHECK(unknown.status == 400);
  CHECK(ts.digest() == before);
  CHECK(ts.publish(c, keys, cert, hmac_key, false, json::object{{"venue_reports", json::array{}}})
            .status == 200);
}

TEST_CASE("an upload extension stores in the same transaction; its failure undoes the keys",
          "[publish][extension]") {
  for (const bool fail : {false, true}) {
    CAPTURE(fail);
    auto ext = std::make_shared<RecordingExtension>(fail);
    TestServer ts({.before_start = [ext](Server& s) { REQUIRE(s.add_module(ext).has_value()); }});
    HttpClient c = ts.client();
    const auto keys = make_keys(2, kT0);
    auto [cert, hmac_key] = ts.authorise(c, keys);
    const std::string before = ts.digest();
    auto r = ts.publish(c, keys, cert, hmac_key, false,
                        json::object{{"venue_reports", json::array{"a", "b"}}});
    if (fail) {
      CHECK(r.status == 400);
      CHECK(ts.digest() == before);
      CHECK(count_reports(ts) == 0);
    } else {
      CHECK(r.status == 200);
      CHECK(count_reports(ts) == 2);
    }
  }
}

}  // namespace greenlight::server::testing

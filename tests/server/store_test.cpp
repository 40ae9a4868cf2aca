// Fault injection through the Store interface (greenlight/server/store.h): a store that
// fails chosen calls proves that the server answers every storage failure with a JSON 500,
// acknowledges nothing and stores nothing.
#include "greenlight/server/store.h"

#include <atomic>
#include <catch2/catch.hpp>

#include "greenlight/server/sqlite_store.h"
#include "greenlight/wire/upload_auth.h"
#include "test_server.h"

namespace greenlight::server::testing {

namespace {

class FailingStore final : public Store {
 public:
  FailingStore(std::unique_ptr<Store> inner, std::shared_ptr<std::atomic<bool>> fail)
      : inner_(std::move(inner)), fail_(std::move(fail)) {}

  Status insert_code(const CodeRecord& c) override {
    if (*fail_) return make_error(ErrorCode::kIo, "injected failure");
    return inner_->insert_code(c);
  }
  Result<CodeGrant> redeem_code(const Sha256Digest& h, std::int64_t now, const Sha256Digest& t,
                                std::int64_t e) override {
    if (*fail_) return make_error(ErrorCode::kIo, "injected failure");
    return inner_->redeem_code(h, now, t, e);
  }
  Result<CodeGrant> redeem_token(const Sha256Digest& h, std::int64_t now) override {
    if (*fail_) return make_error(ErrorCode::kIo, "injected failure");
    return inner_->redeem_token(h, now);
  }
  Result<UploadOutcome> publish_upload(const UploadWrite& u) override {
    if (*fail_) return make_error(ErrorCode::kIo, "injected failure");
    return inner_->publish_upload(u);
  }
  Result<std::vector<StoredKey>> keys_available(std::int64_t s, std::int64_t e) override {
    if (*fail_) return make_error(ErrorCode::kIo, "injected failure");
    return inner_->keys_available(s, e);
  }
  Result<std::optional<std::int64_t>> last_export_end() override {
    return inner_->last_export_end();
  }
  Status record_export_batch(const ExportBatchRecord& b) override {
    if (*fail_) return make_error(ErrorCode::kIo, "injected failure");
    return inner_->record_export_batch(b);
  }
  Result<std::vector<ExportFileRecord>> export_files() override { return inner_->export_files(); }
  Result<RetentionResult> delete_expired(std::int64_t now, std::int64_t cutoff) override {
    if (*fail_) return make_error(ErrorCode::kIo, "injected failure");
    return inner_->delete_expired(now, cutoff);
  }
  Result<std::int64_t> add_short_code_failure(std::int64_t w) override {
    if (*fail_) return make_error(ErrorCode::kIo, "injected failure");
    return inner_->add_short_code_failure(w);
  }
  Result<std::int64_t> short_code_failures(std::int64_t w) override {
    return inner_->short_code_failures(w);
  }
  Result<bool> acquire_lease(std::string_view name, std::string_view holder, std::int64_t now,
                             std::int64_t expires_at) override {
    if (*fail_) return make_error(ErrorCode::kIo, "injected failure");
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
    return inner_->transact(std::move(fn));
  }
  Status read(std::function<Status(StoreTransaction&)> fn) override {
    return inner_->read(std::move(fn));
  }
  Result<std::string> content_digest() override { return inner_->content_digest(); }

 private:
  std::unique_ptr<Store> inner_;
  std::shared_ptr<std::atomic<bool>> fail_;
};

}  // namespace

TEST_CASE("storage failures give JSON 500s, acknowledge nothing and store nothing",
          "[store][fault]") {
  TempDir dir;
  auto fail = std::make_shared<std::atomic<bool>>(false);
  ManualClock clock(kT0);
  auto inner = open_sqlite_store({(dir.path() / "s.db").string()}, clock, system_random());
  REQUIRE(inner.has_value());
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
  env.store = std::make_unique<FailingStore>(std::move(*inner), fail);
  env.log_sink = [](std::string_view) {};
  auto server = Server::create(std::move(options), std::move(keys), std::move(env));
  REQUIRE(server.has_value());
  auto port = (*server)->start();
  REQUIRE(port.has_value());
  HttpClientOptions o;
  o.port = *port;
  HttpClient c(o);
  Store& store = (*server)->context().store;

  // Each step fails once while the store fails, then works.
  *fail = true;
  auto code = c.post_json("/v1/codes", "{}", kHaKey);
  REQUIRE(code.has_value());
  CHECK(code->status == 500);
  CHECK(parse_object(code->body).at("error").as_string() == error_code_name(ErrorCode::kIo));
  *fail = false;
  code = c.post_json("/v1/codes", "{}", kHaKey);
  REQUIRE(code->status == 200);
  const std::string the_code(parse_object(code->body).at("code").as_string());

  *fail = true;
  auto v =
      c.post_json("/v1/verify", boost::json::serialize(boost::json::object{{"code", the_code}}));
  CHECK(v->status == 500);
  *fail = false;
  v = c.post_json("/v1/verify", boost::json::serialize(boost::json::object{{"code", the_code}}));
  REQUIRE(v->status == 200);

  const auto upload_keys = make_keys(2, kT0);
  const Bytes hmac_key = random_bytes(32);
  const std::string token(parse_object(v->body).at("token").as_string());
  const std::string cert_body = boost::json::serialize(boost::json::object{
      {"token", token}, {"tekmac", base64_encode(wire::compute_tekmac(hmac_key, upload_keys))}});
  *fail = true;
  CHECK(c.post_json("/v1/certificate", cert_body)->status == 500);
  *fail = false;
  auto cert = c.post_json("/v1/certificate", cert_body);
  REQUIRE(cert->status == 200);

  boost::json::array list;
  for (const auto& k : upload_keys) {
    list.push_back(boost::json::object{
        {"key", base64_encode(k.key_data.span())},
        {"rolling_start_interval_number", k.rolling_start_interval_number.value},
        {"rolling_period", k.rolling_period},
        {"transmission_risk_level", k.transmission_risk_level}});
  }
  const std::string publish_body = boost::json::serialize(
      boost::json::object{{"keys", list},
                          {"certificate", parse_object(cert->body).at("certificate")},
                          {"hmac_key", base64_encode(hmac_key)}});
  const std::string before = *store.content_digest();
  *fail = true;
  CHECK(c.post_json("/v1/publish", publish_body)->status == 500);
  CHECK(*store.content_digest() == before);
  *fail = false;
  CHECK(c.post_json("/v1/publish", publish_body)->status == 200);

  // An export that cannot read its keys publishes nothing and leaves the window pending.
  *fail = true;
  CHECK(!(*server)->export_now().has_value());
  *fail = false;
  auto index = c.get("/v1/exports/index.txt");
  REQUIRE(index.has_value());
  CHECK(index->body.empty());
  (*server)->stop();
}

}  // namespace greenlight::server::testing

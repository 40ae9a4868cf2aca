#include "greenlight/server/federation.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "greenlight/wire/export_file.h"
#include "greenlight/wire/published_layout.h"
#include "pg_test_cluster.h"
#include "test_server.h"

namespace greenlight::server::testing {
namespace {

TestServerConfig region_config(std::string region, std::function<void(Server&)> before_start = {}) {
  TestServerConfig config;
  config.adjust = [region](ServerOptions& options) { options.exports.build.region = region; };
  config.before_start = std::move(before_start);
  return config;
}

FederationPartner partner_of(const TestServer& origin, std::string region) {
  return FederationPartner{std::move(region), "http://127.0.0.1:" + std::to_string(origin.port()),
                           origin.export_public_key()};
}

// A's keys, uploaded and exported at A.
std::vector<TemporaryExposureKey> upload_and_export(TestServer& a, std::size_t n = 3) {
  HttpClient c = a.client();
  auto keys = make_keys(n, a.clock().now_unix_seconds());
  REQUIRE(a.upload(c, keys).status == 200);
  a.clock().advance(3 * 3600);
  auto run = a.server().export_now();
  REQUIRE(run.has_value());
  REQUIRE(run->has_value());
  return keys;
}

// The keys of B's federated feed for region, verified with B's export key.
std::set<std::string> federated_keys(TestServer& b, const std::string& region) {
  std::set<std::string> out;
  auto index = b.server().context().site.find(federated_index_path(region));
  if (!index) return out;
  std::vector<std::string> paths;
  for (std::size_t at = 0, end; (end = index->bytes->find('\n', at)) != std::string::npos;
       at = end + 1) {
    paths.push_back(index->bytes->substr(at, end - at));
  }
  REQUIRE_FALSE(paths.empty());
  for (const auto& path : paths) {
    CHECK(path.starts_with("v1/federated/" + region + "/"));
    auto file = b.server().context().site.find(path);
    REQUIRE(file.has_value());
    auto v = wire::read_export_zip(as_bytes(*file->bytes),
                                   {wire::TrustedSigningKey{"test", "v1", b.export_public_key()}});
    REQUIRE(v.has_value());
    CHECK(v->batch.region == region);
    for (const auto& k : v->batch.keys) out.insert(to_hex(k.key_data.span()));
  }
  return out;
}

std::set<std::string> hexes(const std::vector<TemporaryExposureKey>& keys) {
  std::set<std::string> out;
  for (const auto& k : keys) out.insert(to_hex(k.key_data.span()));
  return out;
}

bool logged(const TestServer& ts, std::string_view event) {
  for (const auto& line : ts.log_lines()) {
    if (line.find(event) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("federation: B republishes A's keys with origin AA, nothing goes back", "[federation]") {
  TestServer a(region_config("AA"));
  auto module_b = std::make_shared<std::shared_ptr<FederationModule>>();
  TestServer b(region_config("BB", [&](Server& server) {
    *module_b =
        std::make_shared<FederationModule>(FederationConfig{"BB", {partner_of(a, "AA")}, {}});
    REQUIRE(server.add_module(*module_b).has_value());
  }));
  const auto keys = upload_and_export(a);
  b.clock().set(a.clock().now_unix_seconds());

  auto pulled = (*module_b)->pull();
  REQUIRE(pulled.has_value());
  CHECK(pulled->files_imported == 1);
  CHECK(pulled->keys_imported == keys.size());
  CHECK(pulled->files_refused == 0);
  auto written = (*module_b)->republish();
  REQUIRE(written.has_value());
  CHECK(*written == 1);
  CHECK(federated_keys(b, "AA") == hexes(keys));

  SECTION("a second pull imports nothing and republishes nothing") {
    auto again = (*module_b)->pull();
    REQUIRE(again.has_value());
    CHECK(again->files_imported == 0);
    CHECK(again->files_known == 1);
    CHECK(*(*module_b)->republish() == 0);
  }
  SECTION("B's own feed does not carry A's keys, so A pulling from B gets nothing back") {
    auto own = b.server().context().site.find(std::string(wire::kExportIndexPath));
    b.clock().advance(3600);
    REQUIRE(b.server().export_now().has_value());
    own = b.server().context().site.find(std::string(wire::kExportIndexPath));
    CHECK((!own || own->bytes->empty()));
  }
  SECTION("a relay of A's keys signed by B is refused by A as not B's own region") {
    FederationPartner relay = partner_of(b, "BB");
    relay.index_path = federated_index_path("AA");
    TestServer a2(region_config("AA", [&](Server& server) {
      auto m = std::make_shared<FederationModule>(FederationConfig{"AA", {relay}, {}});
      REQUIRE(server.add_module(m).has_value());
      *module_b = m;  // reuse the holder for the second server's module
    }));
    a2.clock().set(b.clock().now_unix_seconds());
    auto r = (*module_b)->pull();
    REQUIRE(r.has_value());
    CHECK(r->files_imported == 0);
    REQUIRE(r->files_refused == 1);
    CHECK(r->refusals[0].find("is not the partner's region BB") != std::string::npos);
    CHECK(logged(a2, "federation_file_refused"));
  }
}

TEST_CASE("federation: tampered, unsigned and replayed partner files are refused and logged",
          "[federation]") {
  TestServer a(region_config("AA"));
  const auto keys = upload_and_export(a);
  const FederationFetch honest = default_federation_fetch();
  std::string mode = "tamper";
  std::string listed_path;
  FederationFetch fetch = [&](const std::string& url) -> Result<std::string> {
    if (mode == "replay" && url.ends_with("-copy.zip")) {
      // The same export.bin and export.sig in other zip bytes: a zip comment added to the
      // end-of-central-directory record (its last field, the comment length, was 0).
      auto copy = honest(url.substr(0, url.size() - 9) + ".zip");
      REQUIRE(copy.has_value());
      REQUIRE(copy->size() > 22);
      REQUIRE(copy->substr(copy->size() - 2) == std::string(2, '\0'));
      (*copy)[copy->size() - 2] = 4;
      *copy += "copy";
      return copy;
    }
    auto body = honest(url);
    if (!body) return body;
    const bool is_index = url.ends_with("index.txt");
    if (is_index) {
      listed_path = body->substr(0, body->find('\n'));
      // A replay: the same file listed again under another name.
      if (mode == "replay") *body += listed_path.substr(0, listed_path.size() - 4) + "-copy.zip\n";
      return body;
    }
    if (mode == "tamper") (*body)[body->size() / 2] ^= 0x01;
    if (mode == "foreign") {
      // Re-signed by a key the partner pin does not name (same key id and version).
      auto unverified = wire::read_export_zip_unverified(as_bytes(*body));
      REQUIRE(unverified.has_value());
      auto key = EcdsaP256PrivateKey::generate();
      REQUIRE(key.has_value());
      std::vector<wire::ExportSigner> signers;
      signers.push_back(
          wire::ExportSigner{unverified->batch.signature_infos.at(0), std::move(*key)});
      auto zip = wire::write_export_zip(unverified->batch, signers);
      REQUIRE(zip.has_value());
      return std::string(zip->begin(), zip->end());
    }
    if (mode == "unsigned") return std::string("PK not an export");
    return body;
  };
  std::shared_ptr<FederationModule> module;
  TestServer b(region_config("BB", [&](Server& server) {
    module =
        std::make_shared<FederationModule>(FederationConfig{"BB", {partner_of(a, "AA")}, fetch});
    REQUIRE(server.add_module(module).has_value());
  }));
  b.clock().set(a.clock().now_unix_seconds());

  for (std::string m : {"tamper", "foreign", "unsigned"}) {
    mode = m;
    CAPTURE(mode);
    auto r = module->pull();
    REQUIRE(r.has_value());
    CHECK(r->files_imported == 0);
    CHECK(r->files_refused == 1);
    CHECK(*module->republish() == 0);
  }
  CHECK(logged(b, "federation_file_refused"));
  // The same refused bytes are not refused (nor logged) again.
  mode = "unsigned";
  CHECK(module->pull()->files_known == 1);

  mode = "replay";
  auto r = module->pull();
  REQUIRE(r.has_value());
  CHECK(r->files_imported == 1);
  REQUIRE(r->files_refused == 1);
  CAPTURE(r->refusals);
  CHECK(r->refusals[0].find("replay of") != std::string::npos);
  REQUIRE(*module->republish() == 1);
  CHECK(federated_keys(b, "AA") == hexes(keys));
}

TEST_CASE("federation: a pull resumes where it stopped", "[federation]") {
  TestServer a(region_config("AA"));
  const auto first = upload_and_export(a, 2);
  const auto second = upload_and_export(a, 1);
  const FederationFetch honest = default_federation_fetch();
  bool broken = true;
  std::size_t zips_fetched = 0;
  FederationFetch fetch = [&](const std::string& url) -> Result<std::string> {
    if (!url.ends_with("index.txt")) {
      ++zips_fetched;
      // The partner (or the connection) dies after the first file.
      if (broken && zips_fetched > 1) return make_error(ErrorCode::kIo, "connection reset");
    }
    return honest(url);
  };
  std::shared_ptr<FederationModule> module;
  TestServer b(region_config("BB", [&](Server& server) {
    module =
        std::make_shared<FederationModule>(FederationConfig{"BB", {partner_of(a, "AA")}, fetch});
    REQUIRE(server.add_module(module).has_value());
  }));
  b.clock().set(a.clock().now_unix_seconds());
  auto r = module->pull();
  REQUIRE(r.has_value());
  CHECK(r->files_imported == 1);
  CHECK(r->files_refused == 1);
  broken = false;
  zips_fetched = 0;
  r = module->pull();
  REQUIRE(r.has_value());
  CHECK(r->files_imported == 1);
  CHECK(r->files_known == 1);
  CHECK(zips_fetched == 1);  // the file imported before is not fetched again
  REQUIRE(*module->republish() >= 1);
  auto all = hexes(first);
  for (const auto& h : hexes(second)) all.insert(h);
  CHECK(federated_keys(b, "AA") == all);
}

TEST_CASE("--federate-from REGION=URL,PEM", "[federation]") {
  auto spec = parse_federate_from("DE=https://svc.example/cdn,/etc/de.pem");
  REQUIRE(spec.has_value());
  CHECK(spec->region == "DE");
  CHECK(spec->base_url == "https://svc.example/cdn");
  CHECK(spec->pem_path == "/etc/de.pem");
  for (const char* bad :
       {"DE", "DE=https://x", "de=https://x,k.pem", "DE=ftp://x,k.pem", "DE=https://x,"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_federate_from(bad).has_value());
  }
  CHECK(valid_region("262"));
  CHECK_FALSE(valid_region("A"));
}

}  // namespace greenlight::server::testing

namespace greenlight::server::testing {

TEST_CASE("federation: traveller keys are offered to the regions visited", "[federation]") {
  std::shared_ptr<FederationModule> module_a;
  TestServer a(region_config("AA", [&](Server& server) {
    module_a = std::make_shared<FederationModule>(FederationConfig{"AA", {}, {}});
    REQUIRE(server.add_module(module_a).has_value());
  }));
  HttpClient c = a.client();
  const std::int64_t now = a.clock().now_unix_seconds();
  auto traveller = make_keys(2, now);
  auto [cert, hmac_key] = a.authorise(c, traveller);
  auto r = a.publish(c, traveller, cert, hmac_key, false,
                     boost::json::object{{"visited_regions", boost::json::array{"BB", "AA"}}});
  INFO(r.body);
  REQUIRE(r.status == 200);
  auto stay_at_home = make_keys(1, now);
  REQUIRE(a.upload(c, stay_at_home).status == 200);
  // A bad region list is refused with the upload.
  auto more = make_keys(1, now);
  auto [cert2, hmac2] = a.authorise(c, more);
  CHECK(a.publish(c, more, cert2, hmac2, false,
                  boost::json::object{{"visited_regions", boost::json::array{"b"}}})
            .status == 400);

  a.clock().advance(3 * 3600);
  REQUIRE(a.server().export_now().has_value());  // also runs offer_travellers
  CHECK(*module_a->offer_travellers() == 0);     // nothing left
  CHECK_FALSE(a.server().context().site.find(traveller_index_path("AA")).has_value());

  std::shared_ptr<FederationModule> module_b;
  FederationPartner partner = partner_of(a, "AA");
  partner.index_path = traveller_index_path("BB");
  TestServer b(region_config("BB", [&](Server& server) {
    module_b = std::make_shared<FederationModule>(FederationConfig{"BB", {partner}, {}});
    REQUIRE(server.add_module(module_b).has_value());
  }));
  b.clock().set(a.clock().now_unix_seconds());
  auto pulled = module_b->pull();
  REQUIRE(pulled.has_value());
  CHECK(pulled->files_refused == 0);
  CHECK(pulled->keys_imported == 2);
  REQUIRE(*module_b->republish() == 1);
  CHECK(federated_keys(b, "AA") == hexes(traveller));
}

TEST_CASE("--federate-from with travellers only", "[federation]") {
  auto spec = parse_federate_from("AA=http://a.example,/k.pem,travellers");
  REQUIRE(spec.has_value());
  CHECK(spec->travellers_only);
  CHECK(spec->pem_path == "/k.pem");
  CHECK_FALSE(parse_federate_from("AA=http://a.example,/k.pem")->travellers_only);
}

}  // namespace greenlight::server::testing

namespace greenlight::server::testing {

// Two instances of region BB on one PostgreSQL database and one export tree, federating from
// one partner AA (docs/federation.md "Several instances").
TEST_CASE("federation on two instances of one PostgreSQL database", "[federation][pg_store]") {
  TestServer partner(region_config("AA"));
  const auto first_keys = upload_and_export(partner);

  TempDir dir;
  const std::string database = PgTestCluster::instance().new_database();
  std::shared_ptr<FederationModule> module_a;
  std::shared_ptr<FederationModule> module_b;
  const auto instance = [&](std::shared_ptr<FederationModule>& module, const TestServer* same) {
    TestServerConfig config = region_config("BB", [&module, &partner](Server& server) {
      module = std::make_shared<FederationModule>(
          FederationConfig{"BB", {partner_of(partner, "AA")}, {}});
      REQUIRE(server.add_module(module).has_value());
    });
    config.directory = dir.path();
    config.database = database;
    config.same_keys_as = same;
    return config;
  };
  TestServer a(instance(module_a, nullptr));
  TestServer b(instance(module_b, &a));
  const auto set_time = [&](std::int64_t t) {
    a.clock().set(t);
    b.clock().set(t);
  };
  set_time(partner.clock().now_unix_seconds());
  const auto imported_rows = [&] {
    std::int64_t n = 0;
    REQUIRE(a.server().context().store.read([&](StoreTransaction& tx) -> Status {
      GL_ASSIGN_OR_RETURN(auto rows, tx.query("SELECT COUNT(*) FROM federation_file WHERE "
                                              "status = 'ok'"));
      n = std::get<std::int64_t>(rows.at(0)[0]);
      return ok();
    }));
    return n;
  };

  // While one instance holds the lease, the other neither pulls nor republishes.
  Store& store = a.server().context().store;
  REQUIRE(*store.acquire_lease("federation", "the-other-instance", a.clock().now_unix_seconds(),
                               a.clock().now_unix_seconds() + 600));
  auto refused = module_b->pull();
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kUnavailable);
  auto not_republished = module_b->republish();
  REQUIRE_FALSE(not_republished.has_value());
  CHECK(not_republished.error().code == ErrorCode::kUnavailable);
  REQUIRE(store.release_lease("federation", "the-other-instance"));

  // Both pull at once: each partner file is imported exactly once.
  Result<FederationPullReport> ra = FederationPullReport{};
  Result<FederationPullReport> rb = FederationPullReport{};
  std::thread ta([&] { ra = module_a->pull(); });
  std::thread tb([&] { rb = module_b->pull(); });
  ta.join();
  tb.join();
  std::size_t imported = 0;
  for (const auto* r : {&ra, &rb}) {
    if (r->has_value()) {
      imported += (*r)->files_imported;
    } else {
      CHECK(r->error().code == ErrorCode::kUnavailable);
    }
  }
  CHECK(imported == 1);
  CHECK(imported_rows() == 1);

  // One instance republishes; the other serves the same federated tree after its refresh.
  REQUIRE(*module_a->republish() == 1);
  CHECK(*module_b->republish() == 0);  // nothing left: the keys are batched in the database
  REQUIRE(b.server().refresh_site().has_value());  // the periodic refresh may have run already
  const std::string index_path = "/" + federated_index_path("AA");
  HttpClient ca = a.client();
  HttpClient cb = b.client();
  auto index_a = ca.get(index_path);
  auto index_b = cb.get(index_path);
  REQUIRE(index_a.has_value());
  REQUIRE(index_b.has_value());
  CHECK(index_a->status == 200);
  CHECK(index_a->body == index_b->body);
  const std::string file = index_a->body.substr(0, index_a->body.find('\n'));
  auto zip_a = ca.get("/" + file);
  auto zip_b = cb.get("/" + file);
  REQUIRE(zip_a.has_value());
  REQUIRE(zip_b.has_value());
  CHECK(zip_b->status == 200);
  CHECK(zip_a->body == zip_b->body);
  CHECK(federated_keys(b, "AA") == hexes(first_keys));

  // The next period runs on the other instance: only the partner's new file is imported.
  const auto second_keys = upload_and_export(partner);
  set_time(partner.clock().now_unix_seconds());
  auto second = module_b->pull();
  REQUIRE(second.has_value());
  CHECK(second->files_imported == 1);
  CHECK(second->files_known == 1);
  CHECK(imported_rows() == 2);
  REQUIRE(*module_b->republish() == 1);
  REQUIRE(a.server().refresh_site().has_value());
  auto again_a = ca.get(index_path);
  auto again_b = cb.get(index_path);
  REQUIRE(again_a.has_value());
  REQUIRE(again_b.has_value());
  CHECK(again_a->body == again_b->body);
  CHECK(std::count(again_a->body.begin(), again_a->body.end(), '\n') == 2);
}

}  // namespace greenlight::server::testing

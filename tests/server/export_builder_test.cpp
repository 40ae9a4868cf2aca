#include "greenlight/server/export_builder.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <set>
#include <tuple>

#include "test_server.h"

namespace greenlight::server::testing {

namespace {

std::vector<wire::ExportSigner> signers(const EcdsaP256PrivateKey& key) {
  return {wire::ExportSigner{{"v1", "test", wire::kEcdsaP256Sha256Oid}, key}};
}

using Meta =
    std::tuple<std::uint32_t, std::uint32_t, std::int32_t, ReportType, std::optional<std::int32_t>>;
Meta meta(const TemporaryExposureKey& k) {
  return {k.rolling_start_interval_number.value, k.rolling_period, k.transmission_risk_level,
          k.report_type, k.days_since_onset_of_symptoms};
}

std::vector<TemporaryExposureKey> real_keys(std::size_t n) {
  auto keys = make_keys(n, kT0);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    keys[i].report_type =
        i % 2 ? ReportType::kConfirmedTest : ReportType::kConfirmedClinicalDiagnosis;
    keys[i].days_since_onset_of_symptoms = static_cast<std::int32_t>(i % 5);
    keys[i].transmission_risk_level = static_cast<std::int32_t>(i % 9);
  }
  return keys;
}

}  // namespace

TEST_CASE("padding reaches the minimum with keys that copy real metadata", "[export_builder]") {
  const auto key = *EcdsaP256PrivateKey::generate();
  const auto keys = real_keys(7);
  std::set<Meta> real_meta;
  for (const auto& k : keys) real_meta.insert(meta(k));
  ExportBuildOptions o;
  o.min_keys = 200;
  o.padding_range = 20;
  SeededRandom rng(1);
  auto files = build_export_files(keys, kT0 - 3600, kT0, o, signers(key), rng);
  REQUIRE(files.has_value());
  REQUIRE(files->size() == 1);
  const auto& f = files->front();
  CHECK(f.key_count >= 200);
  CHECK(f.key_count < 220);
  auto v = wire::read_export_zip(f.zip, {wire::TrustedSigningKey{"test", "v1", key.public_key()}});
  REQUIRE(v.has_value());
  CHECK(v->batch.keys.size() == f.key_count);
  std::set<std::string> bytes;
  for (const auto& k : v->batch.keys) {
    CHECK(real_meta.count(meta(k)) == 1);
    bytes.insert(to_hex(k.key_data.span()));
  }
  CHECK(bytes.size() == f.key_count);
  for (const auto& k : keys) CHECK(bytes.count(to_hex(k.key_data.span())) == 1);
  CHECK(
      std::is_sorted(v->batch.keys.begin(), v->batch.keys.end(), [](const auto& a, const auto& b) {
        return std::memcmp(a.key_data.data(), b.key_data.data(), 16) < 0;
      }));
  CHECK(f.name == std::to_string(kT0 - 3600) + "-" + std::to_string(kT0) + "-00001.zip");
  CHECK(v->batch.start_timestamp == static_cast<std::uint64_t>(kT0 - 3600));
  CHECK(v->batch.end_timestamp == static_cast<std::uint64_t>(kT0));
}

TEST_CASE("no real keys, no file; more keys than the minimum, no padding", "[export_builder]") {
  const auto key = *EcdsaP256PrivateKey::generate();
  SeededRandom rng(2);
  ExportBuildOptions o;
  auto none = build_export_files({}, 0, 3600, o, signers(key), rng);
  REQUIRE(none.has_value());
  CHECK(none->empty());
  o.min_keys = 3;
  o.padding_range = 0;
  auto files = build_export_files(real_keys(5), 0, 3600, o, signers(key), rng);
  REQUIRE(files.has_value());
  CHECK(files->at(0).key_count == 5);
  CHECK(!build_export_files(real_keys(1), 3600, 3600, o, signers(key), rng).has_value());
  CHECK(!build_export_files(real_keys(1), 0, 3600, o, {}, rng).has_value());
}

TEST_CASE("large windows are split; each file is unique and sorted", "[export_builder]") {
  const auto key = *EcdsaP256PrivateKey::generate();
  SeededRandom rng(3);
  ExportBuildOptions o;
  o.min_keys = 250;
  o.padding_range = 0;
  o.max_keys_per_file = 100;
  auto files = build_export_files(real_keys(10), 0, 3600, o, signers(key), rng);
  REQUIRE(files.has_value());
  REQUIRE(files->size() == 3);
  std::string last;
  for (std::size_t i = 0; i < files->size(); ++i) {
    const auto& f = (*files)[i];
    CHECK(f.key_count == (i < 2 ? 100u : 50u));
    CHECK(f.end_timestamp == 3600 + i);
    CHECK(f.name == "0-3600-0000" + std::to_string(i + 1) + ".zip");
    auto v =
        wire::read_export_zip(f.zip, {wire::TrustedSigningKey{"test", "v1", key.public_key()}});
    REQUIRE(v.has_value());
    CHECK(v->batch.batch_num == 1);
    CHECK(v->batch.batch_size == 1);
    // Files continue each other's order.
    CHECK(to_hex(v->batch.keys.front().key_data.span()) > last);
    last = to_hex(v->batch.keys.back().key_data.span());
  }
}

TEST_CASE("A21: export content does not depend on the order of uploads", "[export_builder]") {
  const auto key = *EcdsaP256PrivateKey::generate();
  auto keys = real_keys(12);
  auto reversed = keys;
  std::reverse(reversed.begin(), reversed.end());
  ExportBuildOptions o;
  o.min_keys = 40;
  SeededRandom a(9);
  SeededRandom b(9);
  auto fa = build_export_files(keys, 0, 3600, o, signers(key), a);
  auto fb = build_export_files(reversed, 0, 3600, o, signers(key), b);
  REQUIRE(fa.has_value());
  REQUIRE(fb.has_value());
  auto ua = wire::read_export_zip_unverified(fa->at(0).zip);
  auto ub = wire::read_export_zip_unverified(fb->at(0).zip);
  REQUIRE(ua.has_value());
  REQUIRE(ub.has_value());
  // Same padding draws, same sorted content: export.bin is byte-identical (only the
  // randomised ECDSA signature differs).
  CHECK(ua->export_bin == ub->export_bin);
}

}  // namespace greenlight::server::testing

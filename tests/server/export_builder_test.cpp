#include "greenlight/server/export_builder.h"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <map>
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

// Upper tail of the chi-square distribution with df degrees of freedom: the regularized upper
// incomplete gamma function Q(df/2, x/2), by its series (x < a + 1) or continued fraction.
double chi_square_p_value(double x, double df) {
  const double a = df / 2;
  const double z = x / 2;
  if (z <= 0) return 1.0;
  const double log_front = a * std::log(z) - z - std::lgamma(a);
  if (z < a + 1) {
    double term = 1 / a;
    double sum = term;
    for (int n = 1; n < 1000 && term > sum * 1e-15; ++n) {
      term *= z / (a + n);
      sum += term;
    }
    return std::clamp(1 - std::exp(log_front) * sum, 0.0, 1.0);
  }
  // Lentz's continued fraction for Q.
  double b = z + 1 - a;
  double c = 1e300;
  double d = 1 / b;
  double h = d;
  for (int i = 1; i < 1000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (std::abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1) < 1e-15) break;
  }
  return std::clamp(std::exp(log_front) * h, 0.0, 1.0);
}

// Chi-square test of homogeneity of two samples over categories (rows: sample, columns:
// category counts). Categories empty in both samples are dropped. Returns the p-value.
double homogeneity_p_value(const std::map<Meta, std::array<double, 2>>& table) {
  double n[2] = {0, 0};
  for (const auto& [m, c] : table) {
    n[0] += c[0];
    n[1] += c[1];
  }
  double chi2 = 0;
  int categories = 0;
  for (const auto& [m, c] : table) {
    const double col = c[0] + c[1];
    if (col == 0) continue;
    ++categories;
    for (std::size_t r = 0; r < 2; ++r) {
      const double expected = n[r] * col / (n[0] + n[1]);
      chi2 += (c[r] - expected) * (c[r] - expected) / expected;
    }
  }
  return chi_square_p_value(chi2, std::max(1, categories - 1));
}

}  // namespace

TEST_CASE("A21: padding metadata is distributed like the real keys' (chi-square p > 0.01)",
          "[export_builder][attack]") {
  // The chi-square tail itself against known values: P(chi2_1 > 3.841) = 0.05,
  // P(chi2_10 > 23.209) = 0.01, P(chi2_4 > 0) = 1.
  CHECK(chi_square_p_value(3.841, 1) == Approx(0.05).epsilon(0.001));
  CHECK(chi_square_p_value(23.209, 10) == Approx(0.01).epsilon(0.001));
  CHECK(chi_square_p_value(0, 4) == 1.0);

  const auto key = *EcdsaP256PrivateKey::generate();
  // 40 real keys over 14 days with varied report types, TRL and onset, as one day's uploads.
  std::vector<TemporaryExposureKey> keys;
  SeededRandom meta_rng(21);
  for (std::size_t day = 0; day < 14; ++day) {
    auto day_keys = make_keys(3, kT0 - static_cast<std::int64_t>(day) * 86400);
    for (auto& k : day_keys) {
      k.report_type =
          meta_rng.uniform(3) == 0 ? ReportType::kSelfReport : ReportType::kConfirmedTest;
      k.transmission_risk_level = static_cast<std::int32_t>(meta_rng.uniform(3) * 3);
      k.days_since_onset_of_symptoms = static_cast<std::int32_t>(day % 3);
      keys.push_back(k);
    }
  }
  std::set<std::string> real;
  std::map<Meta, std::array<double, 2>> table;
  for (const auto& k : keys) {
    real.insert(to_hex(k.key_data.span()));
    table[meta(k)][0] += 1;
  }
  ExportBuildOptions o;
  o.min_keys = 4000;
  o.padding_range = 1;
  SeededRandom rng(2121);
  auto files = build_export_files(keys, kT0 - 3600, kT0, o, signers(key), rng);
  REQUIRE(files);
  REQUIRE(files->size() == 1);
  auto v = wire::read_export_zip(files->front().zip,
                                 {wire::TrustedSigningKey{"test", "v1", key.public_key()}});
  REQUIRE(v);
  std::size_t padding = 0;
  for (const auto& k : v->batch.keys) {
    if (real.count(to_hex(k.key_data.span()))) continue;
    ++padding;
    table[meta(k)][1] += 1;
  }
  REQUIRE(padding >= 3900);
  const double p = homogeneity_p_value(table);
  CAPTURE(p, padding);
  CHECK(p > 0.01);

  // Power: padding that always used the first real key's metadata is rejected.
  std::map<Meta, std::array<double, 2>> lazy;
  for (const auto& k : keys) lazy[meta(k)][0] += 1;
  lazy[meta(keys.front())][1] = static_cast<double>(padding);
  CHECK(homogeneity_p_value(lazy) < 1e-6);
}

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

#include "greenlight/crypto/gaen.h"

#include <openssl/evp.h>

#include <array>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/random.h"

namespace greenlight {
namespace {

template <std::size_t N>
ByteArray<N> hex(std::string_view h) {
  auto r = from_hex_fixed<N>(h);
  REQUIRE(r);
  return *r;
}

Tek tek_from_hex(std::string_view h) { return Tek(hex<16>(h)); }

// reference/gaen.md section 2a: the official Google/Apple set (INT TestVectors.java).
constexpr const char* kOfficialTek = "75c734c6dd1a782de7a965da5eb93125";
constexpr std::uint32_t kOfficialStart = 2642976;
const Metadata kOfficialMetadata = {0x40, 0x08, 0x00, 0x00};

TEST_CASE("official vector set: TEK -> RPIK and AEMK", "[gaen]") {
  const Tek tek = tek_from_hex(kOfficialTek);
  CHECK(to_hex(derive_rpik(tek).span()) == "185ad91db69ec7dd048960f1f3ba6175");
  CHECK(to_hex(derive_aemk(tek).span()) == "d57c46af7a1d83965b9bed8bd152936a");
  GaenExpander expander;
  CHECK(to_hex(expander.rpik(tek).span()) == "185ad91db69ec7dd048960f1f3ba6175");
  CHECK(to_hex(expander.aemk(tek).span()) == "d57c46af7a1d83965b9bed8bd152936a");
  CHECK(interval_from_unix_seconds(1585785600).value == kOfficialStart);
  CHECK(encode_metadata({0x40, 8}) == kOfficialMetadata);
}

TEST_CASE("official vector set: listed RPIs and AEMs", "[gaen]") {
  struct Case {
    std::uint32_t i;
    const char* rpi;
    const char* aem;
  };
  const auto c = GENERATE(values<Case>({
      {0, "8be6cd371c5c891604bfbe49df845096", "72033874"},
      {1, "3c9a1de5dd6b02afa7fded7b570b3e56", "c29211b1"},
      {2, "243ffe9a3b08bded3094bac8630bb8ad", "6adfad03"},
      {3, "dfc3ed265e97d0eabb630e168b4214ed", "f1e2f80b"},
      {4, "b3b85a69ebaec78db739852d1f34e0fa", "5668c474"},
      {5, "298abd6fdad29efbf0f85a63956cf188", "f7b97e84"},
      {6, "105e8221dd603d25b94aba0c3cc8dee1", "eeabfdc7"},
      {7, "9888ca7e6738ec4bc6e420b20f878b3a", "9f84a9a6"},
      {72, "c19a30c39c9c3a089bcadde1c6699447", "340aa382"},
      {143, "f431b62ecf443102ce4ed0407de54bd4", "1215e57e"},
  }));
  CAPTURE(c.i);
  const Tek tek = tek_from_hex(kOfficialTek);
  const EnIntervalNumber interval{kOfficialStart + c.i};
  const Rpi rpi = make_rpi(derive_rpik(tek), interval);
  CHECK(to_hex(rpi) == c.rpi);
  const Aem aem = encrypt_aem(derive_aemk(tek), rpi, kOfficialMetadata);
  CHECK(to_hex(aem) == c.aem);
  CHECK(decrypt_aem(derive_aemk(tek), rpi, aem) == kOfficialMetadata);
}

TEST_CASE("official vector set: padded data layout", "[gaen]") {
  CHECK(to_hex(rpi_padded_data({2642976})) == "454e2d52504900000000000020542800");
  CHECK(to_hex(rpi_padded_data({2643119})) == "454e2d525049000000000000af542800");
}

// SHA-256(RPI0 || AEM0 || ... || RPI143 || AEM143) over all 144 pairs of the official set.
TEST_CASE("official vector set: digest over all 144 RPI/AEM pairs", "[gaen]") {
  const Tek tek = tek_from_hex(kOfficialTek);
  const Aemk aemk = derive_aemk(tek);
  std::array<Rpi, kTekRollingPeriod> rpis{};
  GaenExpander expander;
  expander.expand_rpis(tek, {kOfficialStart}, rpis);
  Sha256 digest;
  for (const Rpi& rpi : rpis) {
    digest.update(rpi);
    digest.update(encrypt_aem(aemk, rpi, kOfficialMetadata));
  }
  CHECK(to_hex(digest.finish()) ==
        "0e691522b0c307d0ea092217a7eebb74d6c04d9c5fa7decf02bd28e0bee01e6c");
}

// reference/gaen.md section 2b: live Android device (GMS 20.18.17), cwa-app-android#75.
TEST_CASE("live Android device vector", "[gaen]") {
  const Tek tek = tek_from_hex("2765f41dbaa6306a264391913bf48723");
  const Rpik rpik = derive_rpik(tek);
  const Aemk aemk = derive_aemk(tek);
  CHECK(to_hex(rpik.span()) == "34fbbd748ee78bb386d1bab2df7b4165");
  CHECK(to_hex(aemk.span()) == "e01962eba7d4b5f40226e91ef9f6c050");
  const EnIntervalNumber interval{2652091};
  CHECK(to_hex(rpi_padded_data(interval)) == "454e2d525049000000000000bb772800");
  const Rpi rpi = make_rpi(rpik, interval);
  CHECK(to_hex(rpi) == "31fc2cf219fe6dc6765d860e979ba9e5");
  const Metadata metadata = decrypt_aem(aemk, rpi, hex<4>("10413a43"));
  CHECK(to_hex(metadata) == "40f20000");
  const BluetoothMetadata decoded = decode_metadata(metadata);
  CHECK(decoded.version == 0x40);
  CHECK(decoded.tx_power_dbm == -14);
}

// reference/gaen.md section 2c: mh-/exposure-notification-ble-python README @ 0ea3a97.
TEST_CASE("simulator vector", "[gaen]") {
  const Tek tek = tek_from_hex("7921b817fdb92074df5345594273756f");
  const Rpik rpik = derive_rpik(tek);
  const Aemk aemk = derive_aemk(tek);
  CHECK(to_hex(rpik.span()) == "eae8956644770f952871daf549c0ce7e");
  CHECK(to_hex(aemk.span()) == "a1d0bd6f94b053cf622ca88194e20611");
  const EnIntervalNumber interval{2649435};
  CHECK(day_start(interval).value == 2649312);
  CHECK(to_hex(rpi_padded_data(interval)) == "454e2d5250490000000000005b6d2800");
  const Rpi rpi = make_rpi(rpik, interval);
  CHECK(to_hex(rpi) == "5811408cf8d88d2b33f73773a7c6d45f");
  CHECK(to_hex(encrypt_aem(aemk, rpi, hex<4>("400c0000"))) == "a3e9517f");
}

TEST_CASE("metadata encoding keeps the signed TX power", "[gaen]") {
  const auto tx = GENERATE(as<int>{}, -127, -50, -14, -1, 0, 8, 20, 127);
  CAPTURE(tx);
  const BluetoothMetadata m{0x50, static_cast<std::int8_t>(tx)};
  const Metadata bytes = encode_metadata(m);
  CHECK(bytes[0] == 0x50);
  CHECK(bytes[2] == 0);
  CHECK(bytes[3] == 0);
  const BluetoothMetadata back = decode_metadata(bytes);
  CHECK(back.version == 0x50);
  CHECK(back.tx_power_dbm == tx);
}

TEST_CASE("interval helpers", "[gaen]") {
  CHECK(interval_from_unix_seconds(599).value == 0);
  CHECK(interval_from_unix_seconds(600).value == 1);
  CHECK(unix_seconds_from_interval({2642976}) == 1585785600);
  CHECK(day_start({2642976 + 143}).value == 2642976);
  CHECK(day_start({2642976 + 144}).value == 2642976 + 144);
  TemporaryExposureKey key;
  key.rolling_start_interval_number = {2649866};
  key.rolling_period = 114;
  CHECK(key.end_interval().value == 2649980);
}

TEST_CASE("GaenExpander equals make_rpi for every interval and partial count", "[gaen]") {
  SeededRandom rng(5869);
  GaenExpander expander;
  const auto count = GENERATE(as<std::size_t>{}, 0, 1, 2, 17, 114, 143, 144);
  CAPTURE(count);
  // Several keys and start intervals in a row also exercise the expander's day-aligned
  // padded blocks: the same start twice, later and earlier starts inside that day, a range
  // that runs into the next day, other days, and interval numbers that wrap.
  const std::uint32_t starts[] = {kOfficialStart,
                                  kOfficialStart,
                                  kOfficialStart + 30,
                                  kOfficialStart + 5,
                                  kOfficialStart + 100,
                                  2649980,
                                  2649866,
                                  0,
                                  0xffffffffu - 200,
                                  0xffffffffu - 10};
  for (const std::uint32_t start : starts) {
    CAPTURE(start);
    const Tek tek(rng.bytes<16>());
    const Rpik rpik = derive_rpik(tek);
    std::vector<Rpi> from_tek(count);
    std::vector<Rpi> from_rpik(count);
    expander.expand_rpis(tek, {start}, from_tek);
    expander.expand_rpis_from_rpik(rpik, {start}, from_rpik);
    REQUIRE(from_tek.size() == count);
    for (std::size_t j = 0; j < count; ++j) {
      const Rpi expected = make_rpi(rpik, {start + static_cast<std::uint32_t>(j)});
      REQUIRE(from_tek[j] == expected);
      REQUIRE(from_rpik[j] == expected);
    }
  }
}

TEST_CASE("GaenExpander on the official TEK gives all 144 official RPIs", "[gaen]") {
  const Tek tek = tek_from_hex(kOfficialTek);
  const Rpik rpik = derive_rpik(tek);
  std::array<Rpi, kTekRollingPeriod> rpis{};
  GaenExpander expander;
  expander.expand_rpis(tek, {kOfficialStart}, rpis);
  CHECK(to_hex(rpis[0]) == "8be6cd371c5c891604bfbe49df845096");
  CHECK(to_hex(rpis[72]) == "c19a30c39c9c3a089bcadde1c6699447");
  CHECK(to_hex(rpis[143]) == "f431b62ecf443102ce4ed0407de54bd4");
  for (std::uint32_t j = 0; j < kTekRollingPeriod; ++j) {
    REQUIRE(rpis[j] == make_rpi(rpik, {kOfficialStart + j}));
  }
}

// The expander re-keys AES through the provider's own functions (not EVP's init); every
// RPI must still be AES-128-ECB of its padded data under the RPIK, key after key.
TEST_CASE("GaenExpander's RPIs equal EVP AES-128-ECB key after key", "[gaen]") {
  EVP_CIPHER* aes = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
  REQUIRE(aes != nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  REQUIRE(ctx != nullptr);
  SeededRandom rng(23);
  GaenExpander ex;
  std::array<Rpi, kTekRollingPeriod> rpis;
  for (int k = 0; k < 300; ++k) {
    Tek tek;
    rng.fill(tek.mutable_span());
    const Rpik rpik = ex.rpik(tek);
    ByteArray<2> r{};
    rng.fill(r);
    const std::uint32_t count = 1 + r[0] % kTekRollingPeriod;
    const EnIntervalNumber start{2'700'000u + 144u * static_cast<std::uint32_t>(k) + r[1] % 144u};
    ex.expand_rpis_from_rpik(rpik, start, std::span<Rpi>(rpis.data(), count));
    for (std::uint32_t j = 0; j < count; ++j) {
      const ByteArray<16> padded = rpi_padded_data({start.value + j});
      std::array<std::uint8_t, 16> want{};
      int len = 0;
      REQUIRE(EVP_EncryptInit_ex2(ctx, aes, rpik.data(), nullptr, nullptr) == 1);
      REQUIRE(EVP_CIPHER_CTX_set_padding(ctx, 0) == 1);
      REQUIRE(EVP_EncryptUpdate(ctx, want.data(), &len, padded.data(), 16) == 1);
      REQUIRE(len == 16);
      CAPTURE(k, j);
      REQUIRE(to_hex(rpis[j]) == to_hex(want));
      CHECK(make_rpi(rpik, {start.value + j}) == rpis[j]);
    }
  }
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(aes);
}

TEST_CASE("GaenExpander::rpis_at gives the RPIs of scattered intervals in any order", "[gaen]") {
  SeededRandom rng(29);
  GaenExpander ex;
  std::array<EnIntervalNumber, kTekRollingPeriod> intervals;
  std::array<Rpi, kTekRollingPeriod> out;
  for (int k = 0; k < 200; ++k) {
    Tek tek;
    rng.fill(tek.mutable_span());
    const Rpik rpik = ex.rpik(tek);
    ByteArray<1> c{};
    rng.fill(c);
    const std::size_t count = 1 + c[0] % kTekRollingPeriod;
    for (std::size_t i = 0; i < count; ++i) {
      ByteArray<2> r{};
      rng.fill(r);
      // Any intervals, repeated or not, across day boundaries too.
      intervals[i] = {2'800'000u + static_cast<std::uint32_t>(k) * 7u + r[0] % 200u};
    }
    ex.rpis_at(rpik, std::span(intervals.data(), count), std::span(out.data(), count));
    for (std::size_t i = 0; i < count; ++i) {
      CAPTURE(k, i);
      REQUIRE(out[i] == make_rpi(rpik, intervals[i]));
    }
  }
}

}  // namespace
}  // namespace greenlight

#include "greenlight/sim/radio.h"

#include <catch2/catch.hpp>

namespace greenlight::sim {
namespace {

RadioConfig clean() {
  RadioConfig c;
  c.model = RadioModelKind::kClean;
  return c;
}

}  // namespace

TEST_CASE("median attenuation follows the Lovett curve") {
  const RadioModel radio(clean());
  // reference/sim.md 3.1: about 48 dB at 1 m, 56 dB at 2 m, 61 dB at 3 m.
  CHECK(radio.median_attenuation_db(1.0) == Approx(48.0).margin(0.5));
  CHECK(radio.median_attenuation_db(2.0) == Approx(56.0).margin(0.5));
  CHECK(radio.median_attenuation_db(3.0) == Approx(61.0).margin(0.5));
}

TEST_CASE("perfect radio: attenuation depends on distance only and every scan is heard") {
  for (const auto model : {RadioModelKind::kClean, RadioModelKind::kCalibrated}) {
    CAPTURE(radio_model_name(model));
    RadioConfig config;
    config.model = model;
    config.perfect = true;
    const RadioModel radio(config, 5);
    const auto a = radio.contact(1.5, RadioSetting::kHousehold, 1, 2, 1, 2).heard_by_a_db;
    CHECK(a == radio.contact(1.5, RadioSetting::kRandom, 7, 9, 999, 3).heard_by_b_db);
    CHECK(a < radio.contact(4.0, RadioSetting::kRandom, 1, 2, 1, 2).heard_by_a_db);
    for (std::uint32_t k = 0; k < 20; ++k) {
      const ScanSample s = radio.scan(a, 77, k);
      CHECK(s.detected);
      CHECK(s.attenuation_db == a);
    }
  }
}

TEST_CASE("clean radio: same key same value, different keys spread, far scans get lost") {
  const RadioModel radio(clean());
  CHECK(radio.contact_attenuation_db(2.0, true, 5) == radio.contact_attenuation_db(2.0, true, 5));
  int lower = 0;
  int higher = 0;
  const double median = radio.median_attenuation_db(2.0);
  for (std::uint64_t key = 0; key < 400; ++key) {
    const double a = radio.contact_attenuation_db(2.0, true, key);
    if (a < median - 3) ++lower;
    if (a > median + 3) ++higher;
  }
  // Noise goes both ways; walls and pockets push more towards higher attenuation.
  CHECK(lower > 10);
  CHECK(higher > lower);
  int lost = 0;
  for (std::uint32_t k = 0; k < 200; ++k) lost += radio.scan(95, 3, k).detected ? 0 : 1;
  CHECK(lost > 100);
  CHECK(radio.scan(95, 3, 7).detected == radio.scan(95, 3, 7).detected);
}

TEST_CASE("clean radio: both directions of a contact are the earlier per-direction draws") {
  const RadioModel radio(clean());
  for (std::uint64_t key = 0; key < 200; ++key) {
    const double d = 0.3 + static_cast<double>(key % 40) * 0.2;
    const bool household = key % 3 == 0;
    const auto both = radio.contact(d, household ? RadioSetting::kHousehold : RadioSetting::kVenue,
                                    static_cast<std::uint32_t>(key), 99, key, key + 1000);
    CHECK(both.heard_by_a_db == radio.contact_attenuation_db(d, household, key));
    CHECK(both.heard_by_b_db == radio.contact_attenuation_db(d, household, key + 1000));
  }
}

}  // namespace greenlight::sim

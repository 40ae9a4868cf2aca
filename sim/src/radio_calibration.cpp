#include "greenlight/sim/radio_calibration.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "internal/rng.h"

namespace greenlight::sim {
namespace {

constexpr std::string_view kLovett =
    "Lovett et al. 2020 median curve (reference/sim.md 3.1); spread: Leith & Farrell 2020 "
    "(+-10 dB when the people holding the phones change) [derived]";
constexpr std::string_view kIndoor =
    "estimate between open air and vehicles: Leith & Farrell 2020 (CCR) report that indoors "
    "the signal need not fall with distance [estimated, no published figure retrieved]";
constexpr std::string_view kVehicle =
    "Leith & Farrell 2020 tram (Italian rule <= 73 dB for 15 min fired for 50 % of pairs at "
    "all distances) and bus (Swiss rule: 0 of 60 pairs within 2 m; +-10 dB) [derived]";

constexpr std::array<RadioTarget, 9> kTargets{{
    {RadioEnvironment::kOpenAir, 1.0, 48.0, 6.0, kLovett},
    {RadioEnvironment::kOpenAir, 2.0, 56.0, 6.0, kLovett},
    {RadioEnvironment::kOpenAir, 3.0, 61.3, 6.0, kLovett},
    {RadioEnvironment::kIndoor, 1.0, 52.0, 7.0, kIndoor},
    {RadioEnvironment::kIndoor, 2.0, 57.0, 7.0, kIndoor},
    {RadioEnvironment::kIndoor, 3.0, 60.0, 7.0, kIndoor},
    {RadioEnvironment::kVehicle, 1.0, 73.0, 6.0, kVehicle},
    {RadioEnvironment::kVehicle, 2.0, 73.0, 6.0, kVehicle},
    {RadioEnvironment::kVehicle, 3.0, 73.0, 6.0, kVehicle},
}};

double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return sorted[lo] * (1 - frac) + sorted[hi] * frac;
}

}  // namespace

std::span<const RadioTarget> published_radio_targets() { return kTargets; }

std::vector<AttenuationStats> simulate_attenuation_profile(const RadioConfig& radio_config,
                                                           std::uint64_t seed,
                                                           std::span<const double> distances_m,
                                                           std::uint32_t contacts) {
  const RadioModel radio(radio_config, seed);
  std::vector<AttenuationStats> out;
  std::vector<double> values;
  for (std::size_t e = 0; e < kRadioEnvironments; ++e) {
    const auto environment = static_cast<RadioEnvironment>(e);
    for (std::size_t di = 0; di < distances_m.size(); ++di) {
      const double d = distances_m[di];
      internal::Rng rng(internal::stream_key(seed, internal::kPurposeRadio, 0xfffffffeULL, e, di));
      values.clear();
      std::uint32_t heard = 0;
      for (std::uint32_t i = 0; i < contacts; ++i) {
        const auto a = static_cast<std::uint32_t>(rng.next());
        const auto b = static_cast<std::uint32_t>(rng.next());
        const std::uint64_t key_ab = rng.next();
        const std::uint64_t key_ba = rng.next();
        double db = 0;
        std::uint8_t rounded = 0;
        if (radio.calibrated() && !radio.perfect()) {
          db = radio.calibrated_draw(d, environment, false, a, b, key_ab, key_ba).heard_by_a_db;
          rounded = static_cast<std::uint8_t>(std::clamp(db + 0.5, 0.0, 255.0));
        } else {
          rounded = radio.contact_attenuation_db(d, false, key_ab);
          db = rounded;
        }
        values.push_back(db);
        if (radio.scan(rounded, rng.next(), 0).detected) ++heard;
      }
      std::sort(values.begin(), values.end());
      AttenuationStats s;
      s.environment = environment;
      s.distance_m = d;
      s.contacts = contacts;
      double sum = 0;
      for (double v : values) sum += v;
      s.mean_db = contacts ? sum / contacts : 0;
      double sq = 0;
      for (double v : values) sq += (v - s.mean_db) * (v - s.mean_db);
      s.sd_db = contacts > 1 ? std::sqrt(sq / (contacts - 1)) : 0;
      s.p10_db = quantile(values, 0.10);
      s.p25_db = quantile(values, 0.25);
      s.median_db = quantile(values, 0.50);
      s.p75_db = quantile(values, 0.75);
      s.p90_db = quantile(values, 0.90);
      s.scans_heard = contacts ? static_cast<double>(heard) / contacts : 0;
      out.push_back(s);
    }
  }
  return out;
}

}  // namespace greenlight::sim

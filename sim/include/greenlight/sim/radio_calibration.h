// The calibrated radio next to the published Bluetooth measurements it is fitted to
// (docs/simulation.md "Radio calibration"): the published targets, and the attenuation
// statistics the radio model produces at given distances in each environment.
//
// Used by `greenlight sim radio-plot` and by tests/sim/radio_calibration_test.cpp, which
// requires the calibrated model to stay within sampling tolerance of the targets.
// Pure functions of their arguments (the seed included); thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/sim/config.h"
#include "greenlight/sim/radio.h"

namespace greenlight::sim {

// A published (or, where marked, derived from published statements) statistic of the
// per-contact attenuation that GAEN reports after calibration, phones carried as people
// carry them.
struct RadioTarget {
  RadioEnvironment environment = RadioEnvironment::kIndoor;
  double distance_m = 0;
  double median_db = 0;
  double sd_db = 0;  // per-contact standard deviation
  std::string_view source;
};
std::span<const RadioTarget> published_radio_targets();

// Statistics of simulated per-contact attenuations at one distance in one environment:
// the contact's attenuation before per-scan fading (what the mean over its scans, GAEN's
// typical attenuation, converges to), and the share of single scans that were heard.
struct AttenuationStats {
  RadioEnvironment environment = RadioEnvironment::kIndoor;
  double distance_m = 0;
  std::uint32_t contacts = 0;
  double mean_db = 0;
  double sd_db = 0;
  double p10_db = 0;
  double p25_db = 0;
  double median_db = 0;
  double p75_db = 0;
  double p90_db = 0;
  double scans_heard = 0;
};

// Simulates `contacts` contacts (random phones, so random phone models and carriages) at
// every distance in every environment, with radio as configured (the clean model has no
// environments: it gives the same statistics in each). Not a household: no walls.
std::vector<AttenuationStats> simulate_attenuation_profile(const RadioConfig& radio,
                                                           std::uint64_t seed,
                                                           std::span<const double> distances_m,
                                                           std::uint32_t contacts);

}  // namespace greenlight::sim

// Bluetooth attenuation model (reference/sim.md section 3.1).
//
// Median attenuation at distance d follows Lovett et al. 2020:
//   rssi = -exp(a + b ln d),  attenuation = tx - (rssi + correction), tx = 0.
// A contact's attenuation adds multiplicative log-normal noise on |rssi|, a loss for each
// phone that is in a pocket or bag, and (at home) a wall between the two people; each
// 5-minute scan adds Gaussian jitter, and a scan above the detection limit is missed. So
// proximity estimates are as imperfect as real measurements: the same distance gives
// different attenuations, and walls make near contacts look far.
//
// All noise is drawn from counter-based keys passed in, so the same (key, inputs) always
// gives the same attenuation: both the shared matching path and the per-phone path can
// re-create every scan. Thread-safe (const).
#pragma once

#include <cstdint>
#include <vector>

#include "greenlight/sim/config.h"

namespace greenlight::sim {

// One scan every 5 minutes; a UTC day has 288 scan slots.
inline constexpr std::uint32_t kScanSeconds = 300;
inline constexpr std::uint32_t kScansPerDay = 288;
inline constexpr std::uint32_t kScansPerInterval = 2;

struct ScanSample {
  std::uint8_t attenuation_db = 0;
  bool detected = false;
};

class RadioModel {
 public:
  explicit RadioModel(const RadioConfig& config);

  // Median attenuation at distance_m (no noise), in dB.
  double median_attenuation_db(double distance_m) const;
  // The attenuation one phone measures for a contact (before per-scan jitter), 0..255 dB.
  // household selects the wall loss.
  std::uint8_t contact_attenuation_db(double distance_m, bool household,
                                      std::uint64_t noise_key) const;
  // Scan number `scan` (0-based) of a contact with base attenuation base_db.
  ScanSample scan(std::uint8_t base_db, std::uint64_t noise_key, std::uint32_t scan) const;
  bool perfect() const { return config_.perfect; }

 private:
  RadioConfig config_;
  // Median |rssi| by distance in centimetres (0..30 m), and the log-normal contact noise
  // factor tabulated at 4096 quantiles: no transcendental function per contact.
  std::vector<float> abs_rssi_by_cm_;
  std::vector<float> noise_factor_;
};

}  // namespace greenlight::sim

// Bluetooth attenuation model (docs/simulation.md "Radio"; reference/sim.md section 3.1).
//
// Two models, chosen by RadioConfig::model:
//
// clean: the median attenuation at distance d follows Lovett et al. 2020,
//   rssi = -exp(a + b ln d),  attenuation = tx - (rssi + correction), tx = 0,
// with multiplicative log-normal noise on |rssi|, a loss for each phone that is in a pocket
// or bag, and (at home) a wall between the two people; each 5-minute scan adds Gaussian
// jitter, and a scan above the detection limit is missed. This is the earlier model, kept
// draw for draw so that runs with it are byte-identical to runs made before the calibrated
// model existed.
//
// calibrated: one contact's attenuation, as the listening phone's GAEN would report it
// after calibration, is
//   intercept(env) + slope(env) log10(d)       path loss in open air / indoors / a vehicle
//   + carriage(listener) + carriage(broadcaster)  hand/table, pocket, bag, behind the body
//   + wall (households)
//   + orientation + shadowing(env)             per contact, Gaussian
//   + tx_residual(model of broadcaster) + rx_residual(model of listener)
//                                               error left by GAEN's per-model calibration
// and each scan adds multipath fading; a scan is missed when the phone skips it or hears
// none of the advertisements sent during its scan window (each received with a
// probability that falls with attenuation). The fitted values and their sources are in
// docs/simulation.md and published_radio_targets() (radio_calibration.h).
//
// All noise is drawn from counter-based keys passed in (and, for phone models, the run's
// seed), so the same inputs always give the same attenuation: both the shared matching
// path and the per-phone path can re-create every scan. Thread-safe (const).
#pragma once

#include <array>
#include <cstdint>
#include <utility>
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

enum class RadioEnvironment : std::uint8_t { kOpenAir = 0, kIndoor = 1, kVehicle = 2 };
std::string_view radio_environment_name(RadioEnvironment environment);

// Where a contact happens; the values mirror sim::Layer (simulation.h).
enum class RadioSetting : std::uint8_t { kHousehold = 0, kSchoolWork = 1, kRandom = 2, kVenue = 3 };

// Both directions of one contact between phones a and b.
struct ContactAttenuation {
  std::uint8_t heard_by_a_db = 0;  // a listens to b's advertisements
  std::uint8_t heard_by_b_db = 0;
};

// The parts of one calibrated contact (for the calibration plot and tests).
struct ContactDraw {
  RadioEnvironment environment = RadioEnvironment::kIndoor;
  double heard_by_a_db = 0;  // before rounding and clamping
  double heard_by_b_db = 0;
};

class RadioModel {
 public:
  // seed assigns phone models to phones (calibrated model only).
  explicit RadioModel(const RadioConfig& config, std::uint64_t seed = 0);

  // Median attenuation at distance_m of the clean model (no noise), in dB.
  double median_attenuation_db(double distance_m) const;
  // Clean model: the attenuation one phone measures for a contact (before per-scan
  // jitter), 0..255 dB. household selects the wall loss.
  std::uint8_t contact_attenuation_db(double distance_m, bool household,
                                      std::uint64_t noise_key) const;

  // Both directions of a contact between phones a and b, with the configured model. The
  // clean model draws key_ab for a's side and key_ba for b's side, as before.
  ContactAttenuation contact(double distance_m, RadioSetting setting, std::uint32_t a,
                             std::uint32_t b, std::uint64_t key_ab, std::uint64_t key_ba) const;
  // The calibrated model's draw for a contact in a given environment (setting is used only
  // for the household wall), unrounded.
  ContactDraw calibrated_draw(double distance_m, RadioEnvironment environment, bool household,
                              std::uint32_t a, std::uint32_t b, std::uint64_t key_ab,
                              std::uint64_t key_ba) const;
  // The environment the calibrated model places a contact in.
  RadioEnvironment environment_of(RadioSetting setting, std::uint64_t key_ab) const;

  // Scan number `scan` (0-based) of a contact with base attenuation base_db.
  ScanSample scan(std::uint8_t base_db, std::uint64_t noise_key, std::uint32_t scan) const;
  // Probability that a scan at this (per-scan) attenuation is heard, missed scans included
  // (calibrated model; the clean model hears everything up to its detection limit).
  double scan_detection_probability(double attenuation_db) const;

  // Phone model of a phone (0 .. phone_models - 1), and that model's calibration residuals.
  std::uint32_t phone_model(std::uint32_t phone) const;
  double tx_residual_db(std::uint32_t model) const { return tx_residual_[model]; }
  double rx_residual_db(std::uint32_t model) const { return rx_residual_[model]; }

  bool perfect() const { return config_.perfect; }
  bool calibrated() const { return config_.model == RadioModelKind::kCalibrated; }
  const RadioConfig& config() const { return config_; }

 private:
  double standard_normal(std::uint64_t bits) const {
    return static_cast<double>(normal_[bits >> 52]);
  }
  double carriage_loss(std::uint64_t bits) const;

  RadioConfig config_;
  std::uint64_t model_key_;
  // Median |rssi| by distance in centimetres (0..30 m), and the log-normal contact noise
  // factor tabulated at 4096 quantiles: no transcendental function per contact.
  std::vector<float> abs_rssi_by_cm_;
  std::vector<float> noise_factor_;
  // Calibrated model: path loss by environment and centimetre, standard normal quantiles,
  // carriage cumulative shares, phone model by 12-bit quantile, per-model residuals, and
  // the probability that a scan is heard by attenuation in dB.
  std::array<std::vector<float>, kRadioEnvironments> path_loss_by_cm_;
  std::vector<float> normal_;
  std::array<double, kCarriageStates> carriage_cumulative_{};
  std::array<double, kRadioEnvironments> environment_cumulative_{};
  std::vector<std::uint16_t> model_by_quantile_;
  std::vector<double> tx_residual_;
  std::vector<double> rx_residual_;
  std::array<double, 256> scan_heard_{};
};

}  // namespace greenlight::sim

#include "greenlight/sim/radio.h"

#include <algorithm>
#include <cmath>

#include "internal/rng.h"

namespace greenlight::sim {

RadioModel::RadioModel(const RadioConfig& config) : config_(config) {}

double RadioModel::median_attenuation_db(double distance_m) const {
  const double d = std::max(distance_m, 0.05);
  const double rssi = -std::exp(config_.lovett_intercept + config_.lovett_slope * std::log(d));
  return -(rssi + config_.rssi_correction_db);
}

std::uint8_t RadioModel::contact_attenuation_db(double distance_m, bool household,
                                                std::uint64_t noise_key) const {
  double log_rssi_abs =
      config_.lovett_intercept + config_.lovett_slope * std::log(std::max(distance_m, 0.05));
  double loss = 0;
  if (!config_.perfect) {
    internal::Rng rng(noise_key);
    log_rssi_abs += config_.contact_noise_sigma * rng.normal();
    if (rng.bernoulli(config_.pocket_probability)) loss += config_.pocket_loss_db;
    if (rng.bernoulli(config_.pocket_probability)) loss += config_.pocket_loss_db;
    if (household && rng.bernoulli(config_.household_wall_probability)) {
      loss += config_.wall_loss_db;
    }
  }
  const double attenuation = std::exp(log_rssi_abs) - config_.rssi_correction_db + loss;
  return static_cast<std::uint8_t>(std::clamp(std::lround(attenuation), 0L, 255L));
}

ScanSample RadioModel::scan(std::uint8_t base_db, std::uint64_t noise_key,
                            std::uint32_t scan) const {
  if (config_.perfect) return {base_db, true};
  internal::Rng rng(internal::mix64(noise_key ^ (0x5ca1ab1eULL + scan)));
  const double a = base_db + config_.scan_noise_sd_db * rng.normal();
  const auto rounded = static_cast<std::uint8_t>(std::clamp(std::lround(a), 0L, 255L));
  return {rounded, a <= config_.detection_limit_db};
}

}  // namespace greenlight::sim

#include "greenlight/sim/radio.h"

#include <algorithm>
#include <cmath>

#include "internal/rng.h"

namespace greenlight::sim {

namespace {
constexpr std::size_t kMaxCentimetres = 3000;
constexpr std::size_t kNoiseLevels = 4096;
}  // namespace

RadioModel::RadioModel(const RadioConfig& config) : config_(config) {
  abs_rssi_by_cm_.resize(kMaxCentimetres + 1);
  for (std::size_t cm = 0; cm <= kMaxCentimetres; ++cm) {
    const double d = std::max(static_cast<double>(cm) / 100.0, 0.05);
    abs_rssi_by_cm_[cm] =
        static_cast<float>(std::exp(config.lovett_intercept + config.lovett_slope * std::log(d)));
  }
  noise_factor_.resize(kNoiseLevels);
  for (std::size_t k = 0; k < kNoiseLevels; ++k) {
    const double z = internal::inverse_normal_cdf((static_cast<double>(k) + 0.5) / kNoiseLevels);
    noise_factor_[k] = static_cast<float>(std::exp(config.contact_noise_sigma * z));
  }
}

double RadioModel::median_attenuation_db(double distance_m) const {
  const double d = std::max(distance_m, 0.05);
  const double rssi = -std::exp(config_.lovett_intercept + config_.lovett_slope * std::log(d));
  return -(rssi + config_.rssi_correction_db);
}

std::uint8_t RadioModel::contact_attenuation_db(double distance_m, bool household,
                                                std::uint64_t noise_key) const {
  const auto cm = static_cast<std::size_t>(
      std::clamp(distance_m * 100 + 0.5, 0.0, static_cast<double>(kMaxCentimetres)));
  double rssi_abs = abs_rssi_by_cm_[cm];
  double loss = 0;
  if (!config_.perfect) {
    internal::Rng rng(noise_key);
    rssi_abs *= static_cast<double>(noise_factor_[rng.next() >> 52]);
    if (rng.bernoulli(config_.pocket_probability)) loss += config_.pocket_loss_db;
    if (rng.bernoulli(config_.pocket_probability)) loss += config_.pocket_loss_db;
    if (household && rng.bernoulli(config_.household_wall_probability)) {
      loss += config_.wall_loss_db;
    }
  }
  const double attenuation = rssi_abs - config_.rssi_correction_db + loss;
  return static_cast<std::uint8_t>(std::clamp(attenuation + 0.5, 0.0, 255.0));
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

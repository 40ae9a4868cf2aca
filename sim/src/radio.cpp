#include "greenlight/sim/radio.h"

#include <algorithm>
#include <cmath>

#include "greenlight/sim/simulation.h"
#include "internal/rng.h"

namespace greenlight::sim {

static_assert(static_cast<int>(RadioSetting::kHousehold) == static_cast<int>(Layer::kHousehold));
static_assert(static_cast<int>(RadioSetting::kSchoolWork) == static_cast<int>(Layer::kSchoolWork));
static_assert(static_cast<int>(RadioSetting::kRandom) == static_cast<int>(Layer::kRandom));
static_assert(static_cast<int>(RadioSetting::kVenue) == static_cast<int>(Layer::kVenue));

namespace {
constexpr std::size_t kMaxCentimetres = 3000;
constexpr std::size_t kNoiseLevels = 4096;
// Phone-model residuals are a property of the hardware: the same for every seed.
constexpr std::uint64_t kModelResidualKey = 0x6d6f64656c526164ULL;
constexpr std::uint64_t kEnvironmentSalt = 0x656e7669726f6e6dULL;

double unit_interval(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

// Index of the first cumulative share above u (shares sum to 1). The shares are
// non-decreasing, so that index is the number of shares at or below u: counted without
// branches, because u is random and a branch per share was mispredicted per contact.
template <std::size_t N>
std::size_t pick(const std::array<double, N>& cumulative, double u) {
  std::size_t k = 0;
  for (std::size_t i = 0; i + 1 < N; ++i) k += static_cast<std::size_t>(u >= cumulative[i]);
  return k;
}

template <std::size_t N>
std::array<double, N> cumulative_shares(const std::array<double, N>& shares) {
  double total = 0;
  for (double s : shares) total += s;
  std::array<double, N> out{};
  double acc = 0;
  for (std::size_t k = 0; k < N; ++k) {
    acc += total > 0 ? shares[k] / total : 1.0 / N;
    out[k] = acc;
  }
  out[N - 1] = 1.0;
  return out;
}

}  // namespace

std::string_view radio_environment_name(RadioEnvironment environment) {
  switch (environment) {
    case RadioEnvironment::kOpenAir:
      return "open-air";
    case RadioEnvironment::kIndoor:
      return "indoor";
    case RadioEnvironment::kVehicle:
      return "vehicle";
  }
  return "indoor";
}

RadioModel::RadioModel(const RadioConfig& config, std::uint64_t seed)
    : config_(config),
      model_key_(internal::stream_key(seed, internal::kPurposeRadio, 0xffffffffULL, 1)) {
  abs_rssi_by_cm_.resize(kMaxCentimetres + 1);
  for (std::size_t cm = 0; cm <= kMaxCentimetres; ++cm) {
    const double d = std::max(static_cast<double>(cm) / 100.0, 0.05);
    abs_rssi_by_cm_[cm] =
        static_cast<float>(std::exp(config.lovett_intercept + config.lovett_slope * std::log(d)));
  }
  noise_factor_.resize(kNoiseLevels);
  normal_.resize(kNoiseLevels);
  for (std::size_t k = 0; k < kNoiseLevels; ++k) {
    const double z = internal::inverse_normal_cdf((static_cast<double>(k) + 0.5) / kNoiseLevels);
    noise_factor_[k] = static_cast<float>(std::exp(config.contact_noise_sigma * z));
    normal_[k] = static_cast<float>(z);
  }
  if (config.model != RadioModelKind::kCalibrated) return;

  for (std::size_t e = 0; e < kRadioEnvironments; ++e) {
    auto& table = path_loss_by_cm_[e];
    table.resize(kMaxCentimetres + 1);
    for (std::size_t cm = 0; cm <= kMaxCentimetres; ++cm) {
      const double d = std::max(static_cast<double>(cm) / 100.0, 0.1);
      table[cm] = static_cast<float>(config.env_intercept_db[e] +
                                     config.env_slope_db_per_decade[e] * std::log10(d));
    }
  }
  carriage_cumulative_ = cumulative_shares(config.carriage_shares);
  environment_cumulative_ = cumulative_shares(config.random_environment_shares);

  // Market shares of phone models fall off as 1 / rank.
  const std::uint32_t models = std::max<std::uint32_t>(1, config.phone_models);
  std::vector<double> cumulative(models);
  double total = 0;
  for (std::uint32_t k = 0; k < models; ++k) total += 1.0 / (k + 1);
  double acc = 0;
  for (std::uint32_t k = 0; k < models; ++k) {
    acc += 1.0 / (k + 1) / total;
    cumulative[k] = acc;
  }
  model_by_quantile_.resize(kNoiseLevels);
  for (std::size_t q = 0; q < kNoiseLevels; ++q) {
    const double u = (static_cast<double>(q) + 0.5) / kNoiseLevels;
    const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
    model_by_quantile_[q] = static_cast<std::uint16_t>(
        std::min<std::ptrdiff_t>(it - cumulative.begin(), static_cast<std::ptrdiff_t>(models) - 1));
  }
  tx_residual_.resize(models);
  rx_residual_.resize(models);
  for (std::uint32_t k = 0; k < models; ++k) {
    const double u_tx = (unit_interval(internal::mix64(kModelResidualKey ^ (2ULL * k))) + 1e-12);
    const double u_rx =
        (unit_interval(internal::mix64(kModelResidualKey ^ (2ULL * k + 1))) + 1e-12);
    tx_residual_[k] =
        config.model_tx_residual_sd_db * internal::inverse_normal_cdf(std::min(u_tx, 1 - 1e-12));
    rx_residual_[k] =
        config.model_rx_residual_sd_db * internal::inverse_normal_cdf(std::min(u_rx, 1 - 1e-12));
  }

  // A scan hears the contact if the phone scans at all and at least one of the
  // advertisements sent during its window arrives.
  const double adverts = std::max(
      1.0, std::round(config.scan_window_seconds * 1000.0 / config.advertising_interval_ms));
  for (std::size_t a = 0; a < scan_heard_.size(); ++a) {
    const double one = 1.0 / (1.0 + std::exp((static_cast<double>(a) - config.sensitivity_db) /
                                             config.sensitivity_width_db));
    scan_heard_[a] = (1.0 - config.missed_scan_probability) * (1.0 - std::pow(1.0 - one, adverts));
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

std::uint32_t RadioModel::phone_model(std::uint32_t phone) const {
  if (model_by_quantile_.empty()) return 0;
  return model_by_quantile_[internal::mix64(model_key_ ^ phone) >> 52];
}

double RadioModel::carriage_loss(std::uint64_t bits) const {
  return config_.carriage_loss_db[pick(carriage_cumulative_, unit_interval(bits))];
}

RadioEnvironment RadioModel::environment_of(RadioSetting setting, std::uint64_t key_ab) const {
  if (setting != RadioSetting::kRandom) return RadioEnvironment::kIndoor;
  const double u = unit_interval(internal::mix64(key_ab ^ kEnvironmentSalt));
  return static_cast<RadioEnvironment>(pick(environment_cumulative_, u));
}

ContactDraw RadioModel::calibrated_draw(double distance_m, RadioEnvironment environment,
                                        bool household, std::uint32_t a, std::uint32_t b,
                                        std::uint64_t key_ab, std::uint64_t /*key_ba*/) const {
  const auto e = static_cast<std::size_t>(environment);
  const auto cm = static_cast<std::size_t>(
      std::clamp(distance_m * 100 + 0.5, 0.0, static_cast<double>(kMaxCentimetres)));
  // Everything but the phones' calibration residuals is shared by both directions: the
  // path, the two carriages, the wall, the orientation and the placement's shadowing.
  internal::Rng rng(key_ab);
  double common = path_loss_by_cm_[e][cm];
  common += carriage_loss(rng.next());
  common += carriage_loss(rng.next());
  const double wall_draw = rng.uniform();
  if (household && wall_draw < config_.household_wall_probability) common += config_.wall_loss_db;
  common += config_.orientation_sd_db * standard_normal(rng.next());
  common += config_.env_shadowing_sd_db[e] * standard_normal(rng.next());
  const std::uint32_t model_a = phone_model(a);
  const std::uint32_t model_b = phone_model(b);
  ContactDraw out;
  out.environment = environment;
  out.heard_by_a_db = common + tx_residual_[model_b] + rx_residual_[model_a];
  out.heard_by_b_db = common + tx_residual_[model_a] + rx_residual_[model_b];
  return out;
}

ContactAttenuation RadioModel::contact(double distance_m, RadioSetting setting, std::uint32_t a,
                                       std::uint32_t b, std::uint64_t key_ab,
                                       std::uint64_t key_ba) const {
  const bool household = setting == RadioSetting::kHousehold;
  if (!calibrated() || config_.perfect) {
    ContactAttenuation out;
    out.heard_by_a_db = contact_attenuation_db(distance_m, household, key_ab);
    out.heard_by_b_db = contact_attenuation_db(distance_m, household, key_ba);
    return out;
  }
  const ContactDraw d =
      calibrated_draw(distance_m, environment_of(setting, key_ab), household, a, b, key_ab, key_ba);
  auto to_db = [](double v) { return static_cast<std::uint8_t>(std::clamp(v + 0.5, 0.0, 255.0)); };
  return {to_db(d.heard_by_a_db), to_db(d.heard_by_b_db)};
}

double RadioModel::scan_detection_probability(double attenuation_db) const {
  if (config_.perfect) return 1.0;
  if (!calibrated()) return attenuation_db <= config_.detection_limit_db ? 1.0 : 0.0;
  const auto a = static_cast<std::size_t>(std::clamp(std::lround(attenuation_db), 0L, 255L));
  return scan_heard_[a];
}

ScanSample RadioModel::scan(std::uint8_t base_db, std::uint64_t noise_key,
                            std::uint32_t scan) const {
  if (config_.perfect) return {base_db, true};
  internal::Rng rng(internal::mix64(noise_key ^ (0x5ca1ab1eULL + scan)));
  if (!calibrated()) {
    const double a = base_db + config_.scan_noise_sd_db * rng.normal();
    const auto rounded = static_cast<std::uint8_t>(std::clamp(std::lround(a), 0L, 255L));
    return {rounded, a <= config_.detection_limit_db};
  }
  const double a = base_db + config_.fading_sd_db * standard_normal(rng.next());
  const auto rounded = static_cast<std::uint8_t>(std::clamp(std::lround(a), 0L, 255L));
  return {rounded, rng.uniform() < scan_heard_[rounded]};
}

}  // namespace greenlight::sim

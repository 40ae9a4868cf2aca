// Counter-based random streams for the simulator (not for secrets: TEKs come from the
// crypto library's SeededRandom).
//
// Every random decision draws from a stream named by (seed, purpose, a, b, c): a day, a
// shard, a person. A stream's values depend only on its name, never on which thread runs
// it or in which order shards are processed, so a run is reproducible byte for byte from
// its seed at any thread count. The generator is SplitMix64 (Steele, Lea and Flood 2014),
// whose output function is a strong 64-bit mixer; stream names are hashed through it too.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace greenlight::sim::internal {

constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Names a stream. purpose keeps streams of different decisions apart.
constexpr std::uint64_t stream_key(std::uint64_t seed, std::uint64_t purpose, std::uint64_t a = 0,
                                   std::uint64_t b = 0, std::uint64_t c = 0) {
  std::uint64_t h = mix64(seed ^ 0x6a09e667f3bcc908ULL);
  h = mix64(h ^ (purpose * 0x9e3779b97f4a7c15ULL));
  h = mix64(h ^ (a + 0x3c6ef372fe94f82bULL));
  h = mix64(h ^ (b + 0xa54ff53a5f1d36f1ULL));
  return mix64(h ^ (c + 0x510e527fade682d1ULL));
}

// What a stream is used for (values are part of the reproducibility contract).
enum Purpose : std::uint64_t {
  kPurposePopulation = 1,
  kPurposeHouseholdAges = 2,
  kPurposeSchools = 3,
  kPurposeWorkplaces = 4,
  kPurposeLinks = 5,
  kPurposeVenues = 6,
  kPurposeAppUsers = 7,
  kPurposeSeedInfections = 8,
  kPurposeProgression = 9,
  kPurposeHouseholdContacts = 10,
  kPurposeLinkContacts = 11,
  kPurposeRandomShuffle = 12,
  kPurposeRandomContacts = 13,
  kPurposeVisits = 14,
  kPurposeVenueContacts = 15,
  kPurposeScanNoise = 16,
  kPurposeTesting = 17,
  kPurposeBehaviour = 18,
  kPurposeFalseSymptoms = 19,
  kPurposeTek = 20,
  kPurposeUpload = 21,
  kPurposeRandomCounts = 22,
  kPurposeVenuePayload = 23,
  kPurposeCalibration = 24,
  kPurposeTransmission = 25,
  kPurposeRadio = 26,
  kPurposeVerify = 27,
  kPurposeDistancing = 28,
  kPurposeRecall = 29,
  kPurposeAppStart = 30,
  kPurposeVaccination = 31,
  kPurposeVariant = 32,
  kPurposeImmunity = 33,
  kPurposeScreening = 34,
  kPurposeCommuters = 35,
  kPurposeTravel = 36,
  kPurposeImports = 37,
  kPurposeAppStop = 38,
  kPurposeInfectiousness = 39,
  kPurposeStaff = 40,
  kPurposeHospitalContacts = 41,
  kPurposeCareResidents = 42,
  kPurposeCareStaff = 43,
  kPurposeCareContacts = 44,
  kPurposeDeathInHome = 45,
  kPurposeCareVisits = 46,
  kPurposeCareAgency = 47,
  kPurposeAgencyShifts = 48,
  kPurposeGuestList = 49,
  kPurposeSelfNotify = 50,
};

// Inverse of the standard normal CDF: Acklam's rational approximation (relative error
// below 1.2e-9). No transcendental function in the central 95 %, which makes normal draws
// several times cheaper than Box-Muller.
inline double inverse_normal_cdf(double p) {
  constexpr std::array<double, 6> a{-3.969683028665376e+01, 2.209460984245205e+02,
                                    -2.759285104469687e+02, 1.383577518672690e+02,
                                    -3.066479806614716e+01, 2.506628277459239e+00};
  constexpr std::array<double, 5> b{-5.447609879822406e+01, 1.615858368580409e+02,
                                    -1.556989798598866e+02, 6.680131188771972e+01,
                                    -1.328068155288572e+01};
  constexpr std::array<double, 6> c{-7.784894002430293e-03, -3.223964580411365e-01,
                                    -2.400758277161838e+00, -2.549732539343734e+00,
                                    4.374664141464968e+00,  2.938163982698783e+00};
  constexpr std::array<double, 4> d{7.784695709041462e-03, 3.224671290700398e-01,
                                    2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  auto tail = [&](double q) {
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  };
  if (p < kLow) return tail(std::sqrt(-2 * std::log(p)));
  if (p > 1 - kLow) return -tail(std::sqrt(-2 * std::log(1 - p)));
  const double q = p - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

class Rng {
 public:
  explicit constexpr Rng(std::uint64_t key) : state_(key) {}

  constexpr std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix64(state_);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n) (Lemire's multiply-shift; the bias is below 2^-32 for the n used here).
  std::uint32_t below(std::uint32_t n) {
    return static_cast<std::uint32_t>(((next() >> 32) * static_cast<std::uint64_t>(n)) >> 32);
  }
  bool bernoulli(double p) { return uniform() < p; }
  // Uniform in the open interval (0, 1).
  double open_uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
  double normal() { return inverse_normal_cdf(open_uniform()); }
  double exponential(double mean) { return -mean * std::log(1.0 - uniform()); }
  // Marsaglia and Tsang (2000); shape > 0.
  double gamma(double shape, double scale) {
    if (shape < 1.0) {
      const double u = uniform();
      return gamma(shape + 1.0, scale) * std::pow(1.0 - u, 1.0 / shape);
    }
    const double d = shape - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      double x = 0;
      double v = 0;
      do {
        x = normal();
        v = 1.0 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const double u = 1.0 - uniform();
      if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v * scale;
    }
  }
  double gamma_mean_sd(double mean, double sd) {
    const double shape = (mean * mean) / (sd * sd);
    return gamma(shape, mean / shape);
  }
  // Knuth's method for small means, a normal approximation above 30.
  std::uint32_t poisson(double mean) {
    if (mean <= 0) return 0;
    if (mean > 30) {
      const double x = mean + std::sqrt(mean) * normal() + 0.5;
      return x <= 0 ? 0u : static_cast<std::uint32_t>(x);
    }
    const double limit = std::exp(-mean);
    double p = uniform();
    std::uint32_t k = 0;
    while (p > limit) {
      p *= uniform();
      ++k;
    }
    return k;
  }
  // Negative binomial with the given mean and standard deviation (sd^2 > mean), as a
  // gamma-Poisson mixture; Poisson when sd^2 <= mean.
  std::uint32_t negative_binomial(double mean, double sd) {
    const double var = sd * sd;
    if (var <= mean) return poisson(mean);
    const double k = mean * mean / (var - mean);
    return poisson(gamma(k, mean / k));
  }

 private:
  std::uint64_t state_;
};

// Samples a fixed continuous distribution by its quantile function, tabulated at
// construction (kSize points, linear interpolation; the top 1/kSize of the mass is spread
// up to the 1 - 1e-6 quantile). Much cheaper than rejection sampling in hot loops.
class QuantileTable {
 public:
  static constexpr std::size_t kSize = 4096;
  template <typename Pdf>
  QuantileTable(Pdf pdf, double upper) : q_(kSize + 1) {
    constexpr std::size_t kSteps = 1 << 18;
    const double h = upper / kSteps;
    std::vector<double> cdf(kSteps + 1, 0.0);
    double prev = pdf(0.0);
    for (std::size_t i = 1; i <= kSteps; ++i) {
      const double cur = pdf(h * static_cast<double>(i));
      cdf[i] = cdf[i - 1] + (prev + cur) * h / 2;
      prev = cur;
    }
    const double total = cdf[kSteps];
    std::size_t j = 0;
    for (std::size_t k = 0; k <= kSize; ++k) {
      const double target =
          std::min(static_cast<double>(k) / static_cast<double>(kSize), 1 - 1e-6) * total;
      while (j < kSteps && cdf[j + 1] < target) ++j;
      const double span = cdf[j + 1] - cdf[j];
      const double frac = span > 0 ? (target - cdf[j]) / span : 0;
      q_[k] = h * (static_cast<double>(j) + frac);
    }
  }
  // From a quantile function q(u), u in [0, 1].
  template <typename Quantile>
  static QuantileTable from_quantile(Quantile q) {
    QuantileTable t;
    t.q_.resize(kSize + 1);
    for (std::size_t k = 0; k <= kSize; ++k) {
      t.q_[k] = q(std::min(static_cast<double>(k) / static_cast<double>(kSize), 1 - 1e-6));
    }
    return t;
  }
  double sample(Rng& rng) const {
    const double x = rng.uniform() * static_cast<double>(kSize);
    const auto i = static_cast<std::size_t>(x);
    const double f = x - static_cast<double>(i);
    return q_[i] + f * (q_[i + 1] - q_[i]);
  }

 private:
  QuantileTable() = default;
  std::vector<double> q_;
};

// Whole minutes of a capped exponential duration, as
//   static_cast<std::uint16_t>(std::min(cap, base + rng.exponential(mean)))
// gives them, from the same one draw, without a logarithm per draw. That expression is a
// non-decreasing step function of the draw's top 53 bits, so each whole minute starts at a
// threshold, found once by bisection with the expression itself; a draw is placed among the
// thresholds through a table of its top 12 bits. A draw within kGuard of a threshold (about
// one in ten million) is computed by the expression, so a logarithm rounded a few ulps off
// near a threshold cannot change a result: the table gives exactly the expression's value.
class WholeMinutes {
 public:
  WholeMinutes(double base, double mean, double cap) : base_(base), mean_(mean), cap_(cap) {
    // kGuard draws move the expression by at least mean * 2^-33 minutes, far more than its
    // rounding (a few ulps of at most 4096) when the mean is not tiny.
    const bool tabulable = base >= 0 && mean >= 0.125 && cap >= base && cap <= 4096;
    if (!tabulable) return;
    first_ = minutes(0);
    const std::uint16_t last = minutes(kDraws - 1);
    start_.push_back(0);
    for (std::uint32_t k = first_ + 1u; k <= last; ++k) {
      // The first draw whose minutes reach k (the expression at kDraws - 1 does).
      std::uint64_t lo = start_.back();
      std::uint64_t hi = kDraws - 1;
      while (lo < hi) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        if (minutes(mid) >= k) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      start_.push_back(lo);
    }
    bucket_.resize(kBuckets);
    std::uint32_t i = 0;
    for (std::uint64_t b = 0; b < kBuckets; ++b) {
      while (i + 1 < start_.size() && start_[i + 1] <= (b << kBucketShift)) ++i;
      bucket_[b] = i;
    }
  }

  std::uint16_t sample(Rng& rng) const { return draw(rng.next() >> 11); }

  // The value for a draw's top 53 bits (next() >> 11).
  std::uint16_t draw(std::uint64_t bits) const {
    if (start_.empty()) return minutes(bits);
    std::uint32_t i = bucket_[bits >> kBucketShift];
    while (i + 1 < start_.size() && start_[i + 1] <= bits) ++i;
    const bool near_below = i > 0 && bits - start_[i] < kGuard;
    const bool near_above = i + 1 < start_.size() && start_[i + 1] - bits <= kGuard;
    if (near_below || near_above) return minutes(bits);
    return static_cast<std::uint16_t>(first_ + i);
  }

  // The expression itself.
  std::uint16_t minutes(std::uint64_t bits) const {
    const double u = static_cast<double>(bits) * 0x1.0p-53;
    return static_cast<std::uint16_t>(std::min(cap_, base_ + -mean_ * std::log(1.0 - u)));
  }

  static constexpr std::uint64_t kDraws = std::uint64_t{1} << 53;
  static constexpr std::uint64_t kGuard = std::uint64_t{1} << 20;
  // Draw thresholds (for tests): element i is the first draw of minute first + i.
  std::span<const std::uint64_t> thresholds() const { return start_; }

 private:
  static constexpr std::uint32_t kBucketShift = 41;
  static constexpr std::uint64_t kBuckets = kDraws >> kBucketShift;

  double base_;
  double mean_;
  double cap_;
  std::uint16_t first_ = 0;
  std::vector<std::uint64_t> start_;
  std::vector<std::uint32_t> bucket_;
};

inline QuantileTable gamma_table(double shape, double scale) {
  const double log_norm = -std::lgamma(shape) - shape * std::log(scale);
  return QuantileTable(
      [=](double x) {
        return x <= 0 ? 0.0 : std::exp(log_norm + (shape - 1) * std::log(x) - x / scale);
      },
      shape * scale + 14 * std::sqrt(shape) * scale);
}

}  // namespace greenlight::sim::internal

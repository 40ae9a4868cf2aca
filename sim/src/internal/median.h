// Quantiles of a list of numbers, linear between the order statistics (numpy's default, type 7
// of Hyndman and Fan: the value at rank (n - 1) x q; 0 for an empty list); the median is the
// quantile 0.5 (the mean of the middle two for an even count): the summary's delays, the
// sweep's medians and bands over seeds and the spread over regions.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

namespace greenlight::sim::internal {

inline double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double h = static_cast<double>(v.size() - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= v.size()) return v.back();
  // (1 - f) a + f b: for the median of an even count exactly (a + b) / 2.
  const double f = h - static_cast<double>(lo);
  return (1 - f) * v[lo] + f * v[lo + 1];
}

inline double median(std::vector<double> v) { return quantile(std::move(v), 0.5); }

}  // namespace greenlight::sim::internal

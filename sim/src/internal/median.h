// The median of a list of numbers (the mean of the middle two for an even count; 0 for none):
// the summary's delays, the sweep's medians over seeds and the spread over regions.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace greenlight::sim::internal {

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

}  // namespace greenlight::sim::internal

// Draws a region from a row of relative weights: the workplace region of a commuter
// (population.commuting_matrix or commuting_flows) and the destination of a traveller
// (contacts.travel_matrix or travel_flows).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace greenlight::sim::internal {

class RegionChoice {
 public:
  RegionChoice() = default;
  // From a dense matrix (empty: no choice) or from [from, to, weight] flows over `regions`
  // regions (empty: no choice); validate_config has checked either (every row with some
  // weight). Only positive weights are kept, row by row (12 bytes each).
  RegionChoice(const std::vector<std::vector<double>>& matrix,
               const std::vector<std::vector<double>>& flows, std::uint32_t regions) {
    if (!matrix.empty()) {
      start_.push_back(0);
      for (const auto& row : matrix) {
        double sum = 0;
        for (std::size_t s = 0; s < row.size(); ++s) {
          if (row[s] <= 0) continue;
          sum += row[s];
          to_.push_back(static_cast<std::uint32_t>(s));
          cumulative_.push_back(sum);
        }
        start_.push_back(to_.size());
      }
      return;
    }
    if (flows.empty()) return;
    // The flows in (from, to) order: each row's destinations ascending, as a matrix's.
    std::vector<std::size_t> order(flows.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    const auto key = [&](std::size_t i) {
      return std::pair{static_cast<std::uint32_t>(flows[i][0]),
                       static_cast<std::uint32_t>(flows[i][1])};
    };
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
    start_.assign(std::size_t{regions} + 1, 0);
    double sum = 0;
    std::uint32_t row = 0;
    for (const std::size_t i : order) {
      const auto [from, to] = key(i);
      if (flows[i][2] <= 0) continue;
      if (from != row) sum = 0;
      while (row < from) start_[++row] = to_.size();
      sum += flows[i][2];
      to_.push_back(to);
      cumulative_.push_back(sum);
    }
    while (row < regions) start_[++row] = to_.size();
  }
  bool empty() const { return start_.empty(); }
  // Region s with probability w[r][s] / sum(w[r]), for u uniform in [0, 1): the first region
  // whose cumulative weight exceeds u x the row's total (never one of weight 0).
  std::uint32_t draw(std::uint32_t r, double u) const {
    const double* first = cumulative_.data() + start_[r];
    const double* last = cumulative_.data() + start_[r + 1];
    const auto k = std::upper_bound(first, last, u * last[-1]) - first;
    // u x total rounded up to the total: the row's last region.
    return to_[start_[r] + std::min<std::size_t>(static_cast<std::size_t>(k),
                                                 static_cast<std::size_t>(last - first) - 1)];
  }

 private:
  std::vector<std::size_t> start_;  // row r's entries: [start_[r], start_[r + 1])
  std::vector<std::uint32_t> to_;   // each entry's region
  std::vector<double> cumulative_;  // each entry's cumulative weight within its row
};

}  // namespace greenlight::sim::internal

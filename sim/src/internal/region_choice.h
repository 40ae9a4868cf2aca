// Draws a region from a row of relative weights: the workplace region of a commuter
// (population.commuting_matrix) and the destination of a traveller (contacts.travel_matrix).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace greenlight::sim::internal {

class RegionChoice {
 public:
  RegionChoice() = default;
  // rows: empty (no choice), or n rows of n non-negative weights, each row with some weight
  // (validate_config).
  explicit RegionChoice(const std::vector<std::vector<double>>& rows) : n_(rows.size()) {
    cumulative_.reserve(n_ * n_);
    last_.reserve(n_);
    for (const auto& row : rows) {
      double sum = 0;
      std::uint32_t last = 0;
      for (std::size_t s = 0; s < row.size(); ++s) {
        sum += row[s];
        if (row[s] > 0) last = static_cast<std::uint32_t>(s);
        cumulative_.push_back(sum);
      }
      last_.push_back(last);
    }
  }
  bool empty() const { return n_ == 0; }
  // Region s with probability rows[r][s] / sum(rows[r]), for u uniform in [0, 1): the first
  // region whose cumulative weight exceeds u x the row's total (never one of weight 0).
  std::uint32_t draw(std::uint32_t r, double u) const {
    const double* row = cumulative_.data() + std::size_t{r} * n_;
    const auto s =
        static_cast<std::uint32_t>(std::upper_bound(row, row + n_, u * row[n_ - 1]) - row);
    return std::min(s, last_[r]);  // u x total rounded up to the total
  }

 private:
  std::size_t n_ = 0;
  std::vector<double> cumulative_;   // row by row, n_ x n_
  std::vector<std::uint32_t> last_;  // each row's last region of positive weight
};

}  // namespace greenlight::sim::internal

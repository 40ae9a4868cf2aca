// Prometheus counters (text exposition format 0.0.4) for /metrics. Label values must come
// from bounded sets (route patterns, status codes, result names): never from request data,
// so the metrics hold no codes, tokens, keys or addresses.
//
// Thread-safe. References returned by counter() stay valid for the life of the Metrics.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace greenlight::server {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Metrics {
 public:
  // Declares the help text of a metric family (optional; shown as # HELP).
  void describe(const std::string& name, std::string help);
  Counter& counter(const std::string& name, const Labels& labels = {});
  // The current value, 0 if the counter was never created.
  std::uint64_t value(const std::string& name, const Labels& labels = {}) const;
  std::string prometheus_text() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> help_;
  std::map<std::string, std::map<std::string, Counter>> families_;  // name -> label text -> counter
};

}  // namespace greenlight::server

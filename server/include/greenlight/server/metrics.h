// Prometheus counters (text exposition format 0.0.4) for /metrics. Label values must come
// from bounded sets (route patterns, status codes, result names): never from request data,
// so the metrics hold no codes, tokens, keys or addresses.
//
// Two kinds, kept apart because GET /metrics needs no key:
// - counter(): public, live. Never count anything of the upload flow here (codes issued,
//   verify/certificate/publish results, real vs chaff, keys or venue reports stored): polling
//   it would tell real uploads from chaff or date a diagnosis.
// - add_daily(): for operators only (GET /v1/admin/metrics, behind the admin API key): counts
//   per UTC day, kept for kDailyDays days. daily_text reports only days that have ended and
//   leaves out every count below a threshold, so even the key holder cannot date an event
//   within a day or single out a rare one.
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

  static constexpr std::int64_t kDailyDays = 14;
  // Adds n to the count of (name, labels) on the UTC day of unix_seconds. Days older than
  // kDailyDays before the newest day seen are dropped.
  void add_daily(const std::string& name, const Labels& labels, std::int64_t unix_seconds,
                 std::uint64_t n = 1);
  // The count of (name, labels) on the UTC day of unix_seconds (unfiltered; for tests).
  std::uint64_t daily_value(const std::string& name, const Labels& labels,
                            std::int64_t unix_seconds) const;
  // Prometheus text of the daily counts of the days that ended before the UTC day of now,
  // each series with a day="YYYY-MM-DD" label first; counts below min_count are left out.
  std::string daily_text(std::int64_t now, std::uint64_t min_count) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> help_;
  std::map<std::string, std::map<std::string, Counter>> families_;  // name -> label text -> counter
  // day number (unix days) -> name -> label text without the day -> count
  std::map<std::int64_t, std::map<std::string, std::map<std::string, std::uint64_t>>> daily_;
};

}  // namespace greenlight::server

// Injectable wall clock for the key server. Every protocol rule that depends on time
// (code and token expiry, certificate validity, embargo, export windows, retention) reads
// time through a Clock, so tests and simulations control it exactly.
//
// Thread-safety: both implementations may be read from any thread; ManualClock may be set
// from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace greenlight::server {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch (UTC).
  virtual std::int64_t now_unix_seconds() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_unix_seconds() const override;
};

// A clock that only moves when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t unix_seconds) : now_(unix_seconds) {}
  std::int64_t now_unix_seconds() const override { return now_.load(); }
  void set(std::int64_t unix_seconds) { now_.store(unix_seconds); }
  void advance(std::int64_t seconds) { now_.fetch_add(seconds); }

 private:
  std::atomic<std::int64_t> now_;
};

// floor(t / granularity) * granularity, for t >= 0 and granularity > 0.
constexpr std::int64_t floor_to(std::int64_t t, std::int64_t granularity) {
  return t / granularity * granularity;
}

}  // namespace greenlight::server

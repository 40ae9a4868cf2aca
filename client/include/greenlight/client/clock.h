// Time behind an injectable interface, so that every rule that depends on "now" (key
// rotation, the +-2 h matching window, retention, colour expiry) is testable and every
// simulation is reproducible.
//
// now() returns UTC unix seconds. SystemClock reads the system's real-time clock;
// ManualClock only moves when told to. Both are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>

namespace greenlight::client {

inline constexpr std::int64_t kSecondsPerDay = 86400;

class Clock {
 public:
  virtual ~Clock() = default;
  // UTC unix seconds.
  virtual std::int64_t now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now() const override;
};

// A clock for tests and simulations: starts at the given time and moves only through
// set() and advance().
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t unix_seconds = 0) : now_(unix_seconds) {}
  std::int64_t now() const override { return now_.load(std::memory_order_relaxed); }
  void set(std::int64_t unix_seconds) { now_.store(unix_seconds, std::memory_order_relaxed); }
  void advance(std::int64_t seconds) { now_.fetch_add(seconds, std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> now_;
};

// 00:00 UTC of the day containing unix_seconds (floor, also for times before 1970).
constexpr std::int64_t utc_day_start(std::int64_t unix_seconds) {
  const std::int64_t r = unix_seconds % kSecondsPerDay;
  return unix_seconds - (r < 0 ? r + kSecondsPerDay : r);
}

}  // namespace greenlight::client

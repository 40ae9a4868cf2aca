#include "greenlight/server/clock.h"

#include <chrono>

namespace greenlight::server {

std::int64_t SystemClock::now_unix_seconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace greenlight::server

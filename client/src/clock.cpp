#include "greenlight/client/clock.h"

#include <chrono>

namespace greenlight::client {

std::int64_t SystemClock::now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace greenlight::client

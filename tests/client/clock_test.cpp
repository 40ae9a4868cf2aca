#include "greenlight/client/clock.h"

#include <catch2/catch.hpp>

#include "client_test_support.h"

namespace greenlight::client {
namespace {

TEST_CASE("ManualClock moves only when told to", "[clock]") {
  ManualClock clock(test::kDay0);
  CHECK(clock.now() == test::kDay0);
  clock.advance(90);
  CHECK(clock.now() == test::kDay0 + 90);
  clock.set(42);
  CHECK(clock.now() == 42);
}

TEST_CASE("SystemClock reads the real time", "[clock]") {
  // Any date after this code was written; a broken clock source would give 0 or garbage.
  CHECK(SystemClock().now() > test::kDay0);
}

TEST_CASE("utc_day_start floors to 00:00 UTC", "[clock]") {
  CHECK(utc_day_start(test::kDay0) == test::kDay0);
  CHECK(utc_day_start(test::kDay0 + 86399) == test::kDay0);
  CHECK(utc_day_start(test::kDay0 + 86400) == test::kDay0 + 86400);
  CHECK(utc_day_start(-1) == -86400);
}

}  // namespace
}  // namespace greenlight::client

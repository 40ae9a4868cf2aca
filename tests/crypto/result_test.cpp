#include "greenlight/crypto/result.h"

#include <catch2/catch.hpp>

namespace greenlight {
namespace {

TEST_CASE("make_error carries code and message", "[result]") {
  Result<int> r = make_error(ErrorCode::kNotFound, "no key with id 7");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::kNotFound);
  CHECK(r.error().message == "no key with id 7");
  CHECK(error_code_name(r.error().code) == "not_found");
}

TEST_CASE("authentication_failed is one generic message", "[result]") {
  Status s = authentication_failed();
  REQUIRE_FALSE(s);
  CHECK(s.error().code == ErrorCode::kAuthentication);
  CHECK(s.error().message == "authentication failed");
  CHECK(ok().has_value());
}

TEST_CASE("every error code has a distinct name", "[result]") {
  const ErrorCode codes[] = {
      ErrorCode::kInvalidArgument,
      ErrorCode::kAuthentication,
      ErrorCode::kNotFound,
      ErrorCode::kAlreadyExists,
      ErrorCode::kFailedPrecondition,
      ErrorCode::kResourceExhausted,
      ErrorCode::kIo,
      ErrorCode::kUnavailable,
      ErrorCode::kInternal,
  };
  for (const auto a : codes) {
    CHECK_FALSE(error_code_name(a).empty());
    for (const auto b : codes) {
      if (a != b) CHECK(error_code_name(a) != error_code_name(b));
    }
  }
}

}  // namespace
}  // namespace greenlight

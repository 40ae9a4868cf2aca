#include "greenlight/client/sync.h"

#include <catch2/catch.hpp>

namespace greenlight::client {
namespace {

TEST_CASE("the export index lists relative zip paths", "[sync]") {
  auto paths = parse_export_index("v1/exports/1-2-00001.zip\r\n\nv1/exports/3-4-00002.zip");
  REQUIRE(paths);
  REQUIRE(paths->size() == 2);
  CHECK((*paths)[0] == "v1/exports/1-2-00001.zip");
  CHECK((*paths)[1] == "v1/exports/3-4-00002.zip");
  auto empty = parse_export_index("");
  REQUIRE(empty);
  CHECK(empty->empty());
}

TEST_CASE("a malformed export index is rejected with the line number", "[sync]") {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case c = GENERATE(
      Case{"v1/exports/a.zip\n/etc/passwd.zip", "line 2: expected a relative path"},
      Case{"v1/../../x.zip", "'..'"}, Case{"v1/exports/a.txt", "ending in .zip"},
      Case{"v1/exports/a b.zip", "[A-Za-z0-9._/-]"}, Case{"http://evil/x.zip", "[A-Za-z0-9._/-]"});
  CAPTURE(c.text);
  auto paths = parse_export_index(c.text);
  REQUIRE_FALSE(paths);
  CHECK(paths.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(paths.error().message, Catch::Contains(c.message));
}

TEST_CASE("an oversized export index is refused", "[sync]") {
  const std::string big(kMaxIndexBytes + 1, 'a');
  auto paths = parse_export_index(big);
  REQUIRE_FALSE(paths);
  CHECK(paths.error().code == ErrorCode::kResourceExhausted);
}

}  // namespace
}  // namespace greenlight::client

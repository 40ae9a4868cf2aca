#include "greenlight/wire/published_layout.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace greenlight::wire {
namespace {

TEST_CASE("layout: file paths follow the naming rule and parse back", "[wire][layout]") {
  const std::string exp = feed_file_path(Feed::kExports, 1764000000, 1764003600, 1);
  CHECK(exp == "v1/exports/1764000000-1764003600-00001.zip");
  const std::string venue = feed_file_path(Feed::kVenueWarnings, 1764000000, 1764003600, 12);
  CHECK(venue == "v1/venues/1764000000-1764003600-00012.bin");
  const std::vector<std::string> paths{exp, feed_file_path(Feed::kExports, 1, 2, 2)};
  auto parsed = parse_feed_index(Feed::kExports, format_feed_index(paths));
  REQUIRE(parsed);
  CHECK(*parsed == paths);
  CHECK(url_for("http://h:1//", "/v1/verify") == "http://h:1/v1/verify");
  CHECK(url_for("https://h", kExportIndexPath) == "https://h/v1/exports/index.txt");
}

TEST_CASE("layout: an index line outside the grammar rejects the index", "[wire][layout]") {
  struct Case {
    Feed feed;
    const char* text;
    const char* message;
  };
  const Case c = GENERATE(Case{Feed::kExports, "v1/exports/a.zip\n/etc/x.zip", "line 2"},
                          Case{Feed::kExports, "v1/exports/../x.zip", "'..'"},
                          Case{Feed::kExports, "v1/exports/./x.zip", "'.'"},
                          Case{Feed::kExports, "v1/exports//x.zip", "empty"},
                          Case{Feed::kExports, "v1/venues/x.zip", "under v1/exports/"},
                          Case{Feed::kExports, "v1/exports/x.bin", "ending in .zip"},
                          Case{Feed::kExports, "v1/exports/.zip", "ending in .zip"},
                          Case{Feed::kVenueWarnings, "v1/exports/x.bin", "under v1/venues/"},
                          Case{Feed::kVenueWarnings, "v1/venues/x.zip", "ending in .bin"},
                          Case{Feed::kVenueWarnings, "v1/venues/a b.bin", "[A-Za-z0-9._/-]"});
  CAPTURE(c.text);
  auto parsed = parse_feed_index(c.feed, c.text);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(parsed.error().message, Catch::Contains(c.message));
}

TEST_CASE("layout: published paths are relative and clean", "[wire][layout]") {
  CHECK(valid_published_path("v1/log/leaves/3"));
  CHECK_FALSE(valid_published_path(""));
  CHECK_FALSE(valid_published_path("/v1/x"));
  CHECK_FALSE(valid_published_path("v1/x/"));
  CHECK_FALSE(valid_published_path("v1/../x"));
  CHECK_FALSE(valid_published_path("v1/x?y"));
  CHECK_FALSE(valid_published_path(std::string(513, 'a')));
}

TEST_CASE("layout: one report-type mapping, no other spelling", "[wire][layout]") {
  for (ReportType t : {ReportType::kConfirmedTest, ReportType::kConfirmedClinicalDiagnosis,
                       ReportType::kSelfReport, ReportType::kRecursive, ReportType::kRevoked,
                       ReportType::kUnknown}) {
    auto back = parse_report_type(report_type_name(t));
    REQUIRE(back);
    CHECK(*back == t);
  }
  CHECK(report_type_name(ReportType::kConfirmedTest) == "confirmed");
  for (const char* other : {"confirmed_test", "CONFIRMED", "confirmed ", "", "1"}) {
    CAPTURE(other);
    auto parsed = parse_report_type(other);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace greenlight::wire

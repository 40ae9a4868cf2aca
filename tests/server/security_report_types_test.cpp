// POST /v1/codes accepts only the report types docs/api.md lists (confirmed, clinical,
// self_report): revoked, recursive and unknown are states of published keys, and a code for
// them would let an upload publish keys as REVOKED (issue 16 finding; reference/security.md A13).
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <string>

#include "test_server.h"

namespace greenlight::server::testing {
namespace {

namespace json = boost::json;

TEST_CASE("codes are issued only for the documented report types", "[security][authorization]") {
  TestServer ts;
  HttpClient c = ts.client();
  const std::string before = ts.digest();
  for (const char* type : {"revoked", "recursive", "unknown", "REVOKED", "", "confirmed "}) {
    CAPTURE(type);
    auto r = c.post_json("/v1/codes", json::serialize(json::object{{"report_type", type}}), kHaKey);
    REQUIRE(r.has_value());
    CHECK(r->status == 400);
    CHECK(r->body.find("report_type must be one of confirmed, clinical, self_report") !=
          std::string::npos);
  }
  CHECK(ts.digest() == before);
  for (const char* type : {"confirmed", "clinical", "self_report"}) {
    CAPTURE(type);
    auto r = c.post_json("/v1/codes", json::serialize(json::object{{"report_type", type}}), kHaKey);
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
  }
}

}  // namespace
}  // namespace greenlight::server::testing

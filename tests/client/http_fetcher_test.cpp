#include "greenlight/client/http_fetcher.h"

#include <catch2/catch.hpp>

#include "client_test_support.h"
#include "test_http_server.h"

namespace greenlight::client {
namespace {

TEST_CASE("BeastHttpFetcher gets files over loopback HTTP", "[http]") {
  test::TempDir site;
  const std::string body = "hello\nexports\n";
  test::write_file(site.path() / "v1/exports/index.txt", as_bytes(body));
  test::TestHttpServer server(site.path());
  BeastHttpFetcher fetcher;

  auto got = fetcher.get(server.base_url() + "/v1/exports/index.txt");
  REQUIRE(got);
  CHECK(as_string_view(*got) == body);

  auto missing = fetcher.get(server.base_url() + "/v1/exports/none.zip");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::kNotFound);

  BeastHttpFetcherOptions small;
  small.max_body_bytes = 4;
  BeastHttpFetcher limited(small);
  auto too_big = limited.get(server.base_url() + "/v1/exports/index.txt");
  REQUIRE_FALSE(too_big);
  CHECK(too_big.error().code == ErrorCode::kResourceExhausted);
}

TEST_CASE("BeastHttpFetcher accepts only http and https URLs", "[http]") {
  BeastHttpFetcher fetcher;
  for (const char* url :
       {"ftp://example.org/x", "not a url", "file:///etc/passwd", "http://", "https://"}) {
    CAPTURE(url);
    auto got = fetcher.get(url);
    REQUIRE_FALSE(got);
    CHECK(got.error().code == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("a closed port is reported as unavailable", "[http]") {
  // Bind and release a port so that nothing listens on it.
  std::string url;
  {
    test::TempDir site;
    test::TestHttpServer server(site.path());
    url = server.base_url() + "/index.txt";
  }
  BeastHttpFetcher fetcher;
  auto got = fetcher.get(url);
  REQUIRE_FALSE(got);
  CHECK(got.error().code == ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace greenlight::client

#include "greenlight/server/router.h"

#include <catch2/catch.hpp>
#include <stdexcept>

namespace greenlight::server {
namespace {

Handler says(std::string what) {
  return [what](const HttpRequest&) { return HttpResponse::text(200, what); };
}

HttpRequest request(Method m, std::string path) {
  HttpRequest r;
  r.method = m;
  r.path = std::move(path);
  return r;
}

}  // namespace

TEST_CASE("exact routes win, then the longest prefix", "[router]") {
  Router router;
  router.add(Method::kGet, "/v1/exports/index.txt", says("index"));
  router.add_prefix(Method::kGet, "/v1/", says("v1"));
  router.add_prefix(Method::kGet, "/v1/exports/", says("exports"));
  std::string route;
  CHECK(*router.dispatch(request(Method::kGet, "/v1/exports/index.txt"), &route).body == "index");
  CHECK(route == "/v1/exports/index.txt");
  CHECK(*router.dispatch(request(Method::kGet, "/v1/exports/a.zip"), &route).body == "exports");
  CHECK(route == "/v1/exports/");
  CHECK(*router.dispatch(request(Method::kGet, "/v1/log/x"), &route).body == "v1");
  CHECK(*router.dispatch(request(Method::kHead, "/v1/log/x")).body == "v1");
  CHECK(router.dispatch(request(Method::kGet, "/other"), &route).status == 404);
  CHECK(route == "unmatched");
  CHECK(router.dispatch(request(Method::kPost, "/v1/exports/index.txt")).status == 405);
  CHECK(router.dispatch(request(Method::kPost, "/v1/exports/a.zip")).status == 405);
}

TEST_CASE("a later registration replaces the handler; a throwing handler gives 500", "[router]") {
  Router router;
  router.add(Method::kPost, "/x", says("old"));
  router.add(Method::kPost, "/x", says("new"));
  CHECK(*router.dispatch(request(Method::kPost, "/x")).body == "new");
  router.add(Method::kGet, "/boom",
             [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("secret detail"); });
  auto r = router.dispatch(request(Method::kGet, "/boom"));
  CHECK(r.status == 500);
  CHECK(r.body->find("secret detail") == std::string::npos);
}

TEST_CASE("one function maps error codes to statuses and JSON bodies", "[router][http]") {
  CHECK(http_status_for(ErrorCode::kInvalidArgument) == 400);
  CHECK(http_status_for(ErrorCode::kAuthentication) == 401);
  CHECK(http_status_for(ErrorCode::kNotFound) == 404);
  CHECK(http_status_for(ErrorCode::kAlreadyExists) == 409);
  CHECK(http_status_for(ErrorCode::kResourceExhausted) == 429);
  CHECK(http_status_for(ErrorCode::kUnavailable) == 503);
  CHECK(http_status_for(ErrorCode::kInternal) == 500);
  auto r = error_response(Error{ErrorCode::kInvalidArgument, "x must be 1"});
  CHECK(r.status == 400);
  CHECK(r.content_type == "application/json");
  CHECK(*r.body == std::string("{\"error\":\"") +
                       std::string(error_code_name(ErrorCode::kInvalidArgument)) +
                       "\",\"message\":\"x must be 1\"}");
  CHECK(error_response(Error{ErrorCode::kResourceExhausted, "big"}, 413).status == 413);
  CHECK(http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");
}

}  // namespace greenlight::server

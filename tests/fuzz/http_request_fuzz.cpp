// libFuzzer target for the server's HTTP request parsing (server/src/internal/http_request.h,
// the function the transport's sessions use): the input is a connection's byte stream, parsed
// request after request as a keep-alive connection would, each request routed through a
// Router like the server's (exact and prefix routes, bearer tokens read). Invariants: a parsed
// request never exceeds the body limit, and parsing always makes progress.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "greenlight/server/router.h"
#include "internal/http_request.h"

namespace {

const greenlight::server::Router& router() {
  using greenlight::server::HttpRequest;
  using greenlight::server::HttpResponse;
  using greenlight::server::Method;
  static const auto* r = [] {
    auto* out = new greenlight::server::Router;  // lives for the whole fuzzing process
    out->add(Method::kPost, "/v1/publish", [](const HttpRequest& req) {
      return HttpResponse::text(req.bearer_token() ? 200u : 401u, req.body);
    });
    out->add(Method::kGet, "/v1/log/checkpoint",
             [](const HttpRequest& req) { return HttpResponse::text(200, req.query); });
    out->add_prefix(Method::kGet, "/v1/exports/", [](const HttpRequest& req) {
      return HttpResponse::text(200, std::string(req.header("Host").value_or("")));
    });
    return out;
  }();
  return *r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  greenlight::server::HttpOptions options;
  options.max_body_bytes = 4096;
  options.max_header_bytes = 1024;
  std::string_view stream(reinterpret_cast<const char*>(data), size);
  for (int i = 0; i < 16 && !stream.empty(); ++i) {
    auto parsed = greenlight::server::internal::parse_http_request(stream, options);
    if (!parsed) break;
    if (parsed->request.body.size() > options.max_body_bytes) __builtin_trap();
    if (parsed->consumed == 0 || parsed->consumed > stream.size()) __builtin_trap();
    (void)router().dispatch(parsed->request);
    if (!parsed->keep_alive) break;
    stream.remove_prefix(parsed->consumed);
  }
  return 0;
}

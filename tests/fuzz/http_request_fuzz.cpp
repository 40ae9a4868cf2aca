// libFuzzer target for the server's HTTP request parsing (server/src/internal/http_request.h,
// the function the transport's sessions use): the input is a connection's byte stream, parsed
// request after request as a keep-alive connection would, each request routed through a
// Router like the server's (exact and prefix routes, bearer tokens read). Invariants: a parsed
// request never exceeds the body limit, parsing always makes progress, and no request with a
// smuggling-prone framing (a Transfer-Encoding other than exactly one "chunked", or one next
// to Content-Length) is ever accepted.
#include <cctype>
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

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Whether the request's framing is one the server must refuse (see check_request_header).
bool smuggling_framing(const greenlight::server::HttpRequest& request) {
  int transfer_encodings = 0;
  bool chunked_only = true;
  bool content_length = false;
  for (const auto& [name, value] : request.headers) {
    if (iequals(name, "Transfer-Encoding")) {
      ++transfer_encodings;
      std::string_view v = value;
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      chunked_only = chunked_only && iequals(v, "chunked");
    }
    if (iequals(name, "Content-Length")) content_length = true;
  }
  return transfer_encodings > 1 || (transfer_encodings == 1 && (!chunked_only || content_length));
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
    if (smuggling_framing(parsed->request)) __builtin_trap();
    (void)router().dispatch(parsed->request);
    if (!parsed->keep_alive) break;
    stream.remove_prefix(parsed->consumed);
  }
  return 0;
}

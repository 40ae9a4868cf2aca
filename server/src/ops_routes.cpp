// GET /healthz and GET /metrics.
#include "internal/routes.h"

namespace greenlight::server::internal {

void add_ops_routes(ServerContext& ctx) {
  ctx.router.add(Method::kGet, "/healthz",
                 [](const HttpRequest&) { return HttpResponse::text(200, "ok\n"); });
  Metrics& metrics = ctx.metrics;
  ctx.router.add(Method::kGet, "/metrics", [&metrics](const HttpRequest&) {
    return HttpResponse::text(200, metrics.prometheus_text(),
                              "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace greenlight::server::internal

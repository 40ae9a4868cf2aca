// GET /healthz, GET /metrics (public) and GET /v1/admin/metrics (admin API key).
#include "internal/routes.h"

namespace greenlight::server::internal {

namespace {
// A daily count below this is left out of /v1/admin/metrics (docs/api.md "Operations").
constexpr std::uint64_t kAdminMetricsMinCount = 10;
constexpr char kPrometheusType[] = "text/plain; version=0.0.4; charset=utf-8";
}  // namespace

void add_ops_routes(ServerContext& ctx, ApiKeys admin) {
  ctx.router.add(Method::kGet, "/healthz",
                 [](const HttpRequest&) { return HttpResponse::text(200, "ok\n"); });
  Metrics& metrics = ctx.metrics;
  ctx.router.add(Method::kGet, "/metrics", [&metrics](const HttpRequest&) {
    return HttpResponse::text(200, metrics.prometheus_text(), kPrometheusType);
  });
  if (admin.empty()) return;
  const Clock& clock = ctx.clock;
  ctx.router.add(Method::kGet, "/v1/admin/metrics",
                 [&metrics, &clock, admin](const HttpRequest& req) {
                   if (!admin.allows(req)) return error_response(authentication_failed().error());
                   return HttpResponse::text(
                       200, metrics.daily_text(clock.now_unix_seconds(), kAdminMetricsMinCount),
                       kPrometheusType);
                 });
}

}  // namespace greenlight::server::internal

// GET /v1/exports/... (static content) and the admin actions POST /v1/admin/export and
// POST /v1/admin/retention.
#include <boost/json.hpp>

#include "internal/routes.h"

namespace greenlight::server::internal {
namespace json = boost::json;

void add_export_routes(ServerContext& ctx, ApiKeys admin, AdminActions actions) {
  StaticSite& site = ctx.site;
  ctx.router.add_prefix(Method::kGet, "/" + ctx.exporter.config().directory,
                        [&site](const HttpRequest& req) { return site.serve(req); });
  if (admin.empty()) return;

  ctx.router.add(Method::kPost, "/v1/admin/export", [admin, actions](const HttpRequest& req) {
    if (!admin.allows(req)) return error_response(authentication_failed().error());
    auto run = actions.export_now();
    if (!run) return error_response(run.error());
    json::object body{{"exported", run->has_value()}};
    if (*run) {
      json::array files;
      for (const auto& f : (*run)->files) files.push_back(json::value(f.path));
      body["window_start"] = (*run)->window_start;
      body["window_end"] = (*run)->window_end;
      body["real_keys"] = (*run)->real_keys;
      body["files"] = std::move(files);
    }
    return HttpResponse::json(200, body);
  });

  ctx.router.add(Method::kPost, "/v1/admin/retention", [admin, actions](const HttpRequest& req) {
    if (!admin.allows(req)) return error_response(authentication_failed().error());
    auto r = actions.run_retention();
    if (!r) return error_response(r.error());
    return HttpResponse::json(200, json::object{{"keys", r->keys},
                                                {"codes", r->codes},
                                                {"tokens", r->tokens},
                                                {"certificates", r->certificates},
                                                {"export_files", r->export_paths.size()}});
  });
}

}  // namespace greenlight::server::internal

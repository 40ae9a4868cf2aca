// POST /v1/publish.
#include <boost/json.hpp>

#include "internal/routes.h"

namespace greenlight::server::internal {
namespace json = boost::json;

Status add_publish_routes(ServerContext& ctx) {
  GL_RETURN_IF_ERROR(ensure_chaff_commit_schema(ctx.store));
  const std::size_t bucket = ctx.options.http.response_padding_bucket;
  Metrics& metrics = ctx.metrics;
  Publisher& publisher = ctx.publisher;
  Store& store = ctx.store;
  const Clock& clock = ctx.clock;
  // Per UTC day for operators only (metrics.h): a public live count would date real uploads.
  metrics.describe("greenlight_uploads_daily",
                   "Uploads (POST /v1/publish) per UTC day, by result.");
  metrics.describe("greenlight_keys_inserted_daily", "Diagnosis keys newly stored per UTC day.");

  ctx.router.add(Method::kPost, "/v1/publish",
                 [&publisher, &metrics, &store, &clock, bucket](const HttpRequest& req) {
                   auto count = [&](const std::string& result, std::uint64_t n = 1) {
                     metrics.add_daily("greenlight_uploads_daily", {{"result", result}},
                                       clock.now_unix_seconds(), n);
                   };
                   auto reject = [&](const Error& e) {
                     count(std::string(error_code_name(e.code)));
                     return padded_error(e, bucket);
                   };
                   auto body = parse_json_object(req.body);
                   if (!body) return reject(body.error());
                   auto request = parse_upload_request(*body);
                   if (!request) return reject(request.error());
                   auto outcome = publisher.publish(*request);
                   if (!outcome) return reject(outcome.error());
                   if (request->chaff) {
                     // A real upload waits for its durable commit; chaff waits for one too.
                     if (auto s = chaff_commit(store); !s) return reject(s.error());
                     count("chaff");
                   } else {
                     count("ok");
                     metrics.add_daily("greenlight_keys_inserted_daily", {},
                                       clock.now_unix_seconds(), outcome->inserted);
                   }
                   return padded_json(
                       200,
                       json::object{{"inserted", outcome->inserted}, {"dropped", outcome->dropped}},
                       bucket);
                 });
  return ok();
}

}  // namespace greenlight::server::internal

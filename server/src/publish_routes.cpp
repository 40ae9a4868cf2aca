// POST /v1/publish.
#include <boost/json.hpp>

#include "internal/routes.h"

namespace greenlight::server::internal {
namespace json = boost::json;

void add_publish_routes(ServerContext& ctx) {
  const std::size_t bucket = ctx.options.http.response_padding_bucket;
  Metrics& metrics = ctx.metrics;
  Publisher& publisher = ctx.publisher;
  metrics.describe("greenlight_uploads_total", "Uploads (POST /v1/publish), by result.");
  metrics.describe("greenlight_keys_inserted_total", "Diagnosis keys newly stored.");

  ctx.router.add(
      Method::kPost, "/v1/publish", [&publisher, &metrics, bucket](const HttpRequest& req) {
        auto reject = [&](const Error& e) {
          metrics
              .counter("greenlight_uploads_total",
                       {{"result", std::string(error_code_name(e.code))}})
              .add();
          return padded_error(e, bucket);
        };
        auto body = parse_json_object(req.body);
        if (!body) return reject(body.error());
        auto request = parse_upload_request(*body);
        if (!request) return reject(request.error());
        auto outcome = publisher.publish(*request);
        if (!outcome) return reject(outcome.error());
        metrics.counter("greenlight_uploads_total", {{"result", request->chaff ? "chaff" : "ok"}})
            .add();
        if (!request->chaff)
          metrics.counter("greenlight_keys_inserted_total").add(outcome->inserted);
        return padded_json(
            200, json::object{{"inserted", outcome->inserted}, {"dropped", outcome->dropped}},
            bucket);
      });
}

}  // namespace greenlight::server::internal

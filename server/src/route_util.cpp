#include <boost/json.hpp>

#include "greenlight/crypto/secret_bytes.h"
#include "internal/routes.h"

namespace greenlight::server::internal {
namespace json = boost::json;

ApiKeys::ApiKeys(const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    if (!k.empty()) digests_.push_back(sha256(as_bytes(k)));
  }
}

bool ApiKeys::allows(const HttpRequest& request) const {
  const auto token = request.bearer_token();
  if (!token || digests_.empty()) return false;
  const Sha256Digest presented = sha256(as_bytes(*token));
  bool match = false;
  for (const auto& d : digests_) match = constant_time_equal(d, presented) || match;
  return match;
}

Result<json::object> parse_json_object(const std::string& body) {
  json::parse_options opts;
  opts.max_depth = 16;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, {}, opts);
  if (ec) {
    return make_error(ErrorCode::kInvalidArgument,
                      "request body must be a JSON object: " + ec.message());
  }
  if (!v.is_object()) {
    return make_error(ErrorCode::kInvalidArgument, "request body must be a JSON object");
  }
  return std::move(v.as_object());
}

HttpResponse padded_json(unsigned status, json::object body, std::size_t bucket) {
  body["padding"] = "";
  std::string text = json::serialize(body);
  if (bucket > 0 && text.size() % bucket != 0) {
    const std::size_t extra = bucket - text.size() % bucket;
    body["padding"] = std::string(extra, 'x');
    text = json::serialize(body);
  }
  return HttpResponse::text(status, std::move(text), "application/json");
}

HttpResponse padded_error(const Error& error, std::size_t bucket) {
  return padded_json(http_status_for(error.code), error_body(error), bucket);
}

}  // namespace greenlight::server::internal

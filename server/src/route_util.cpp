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
  HttpResponse response = HttpResponse::text(status, std::move(text), "application/json");
  response.upload_flow = true;
  return response;
}

HttpResponse padded_error(const Error& error, std::size_t bucket) {
  return padded_json(http_status_for(error.code), error_body(error), bucket);
}

Handler upload_flow_handler(Handler handler) {
  return [handler = std::move(handler)](const HttpRequest& request) {
    HttpResponse response = handler(request);
    response.upload_flow = true;
    return response;
  };
}

namespace {
const std::vector<std::string> kChaffCommitSchema = {
    "CREATE TABLE IF NOT EXISTS chaff_commit(n INTEGER NOT NULL)"};
}  // namespace

Status ensure_chaff_commit_schema(Store& store) { return store.ensure_schema(kChaffCommitSchema); }

Status chaff_commit(Store& store) {
  return store.transact([](StoreTransaction& tx) -> Status {
    GL_RETURN_IF_ERROR(tx.execute("INSERT INTO chaff_commit(n) VALUES(?)", {std::int64_t{0}}));
    GL_RETURN_IF_ERROR(tx.execute("DELETE FROM chaff_commit", {}));
    return ok();
  });
}

}  // namespace greenlight::server::internal

// The server's own route files (server/src/*_routes.cpp) and the helpers they share.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "greenlight/crypto/hash.h"
#include "greenlight/server/server.h"

namespace greenlight::server::internal {

// API keys held as SHA-256 digests; checked in constant time against every entry.
class ApiKeys {
 public:
  explicit ApiKeys(const std::vector<std::string>& keys);
  bool empty() const { return digests_.empty(); }
  bool allows(const HttpRequest& request) const;

 private:
  std::vector<Sha256Digest> digests_;
};

// Parses a request body that must be one JSON object (depth-limited).
[[nodiscard]] Result<boost::json::object> parse_json_object(const std::string& body);

// body + a "padding" member so that the serialized size is a multiple of bucket. The
// response is marked HttpResponse::upload_flow (released at the response deadline, not in
// the public metrics): padding is only for upload-flow responses.
HttpResponse padded_json(unsigned status, boost::json::object body, std::size_t bucket);
HttpResponse padded_error(const Error& error, std::size_t bucket);

// handler, with every response marked HttpResponse::upload_flow (for upload-flow routes
// whose responses are not padded, e.g. POST /v1/codes).
Handler upload_flow_handler(Handler handler);

// A chaff request commits like a real one: one durable transaction through the store's
// writer that inserts and deletes a row of its own table, so it waits for the same
// group-commit fsync as a real code or token claim and leaves the content unchanged.
// ensure_chaff_commit_schema creates the table (before the server starts).
[[nodiscard]] Status ensure_chaff_commit_schema(Store& store);
[[nodiscard]] Status chaff_commit(Store& store);

struct AdminActions {
  std::function<Result<std::optional<ExportRun>>()> export_now;
  std::function<Result<RetentionResult>()> run_retention;
};

[[nodiscard]] Status add_authorization_routes(ServerContext& context, ApiKeys health_authority);
[[nodiscard]] Status add_publish_routes(ServerContext& context);
void add_export_routes(ServerContext& context, ApiKeys admin, AdminActions actions);
// GET /healthz, GET /metrics (public) and, with admin keys, GET /v1/admin/metrics.
void add_ops_routes(ServerContext& context, ApiKeys admin);

}  // namespace greenlight::server::internal

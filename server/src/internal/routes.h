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

// body + a "padding" member so that the serialized size is a multiple of bucket.
HttpResponse padded_json(unsigned status, boost::json::object body, std::size_t bucket);
HttpResponse padded_error(const Error& error, std::size_t bucket);

struct AdminActions {
  std::function<Result<std::optional<ExportRun>>()> export_now;
  std::function<Result<RetentionResult>()> run_retention;
};

void add_authorization_routes(ServerContext& context, ApiKeys health_authority);
void add_publish_routes(ServerContext& context);
void add_export_routes(ServerContext& context, ApiKeys admin, AdminActions actions);
void add_ops_routes(ServerContext& context);

}  // namespace greenlight::server::internal

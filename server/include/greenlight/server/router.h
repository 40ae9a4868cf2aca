// Request routing. Each module adds its routes from its own file (server/src/*_routes.cpp,
// or a ServerModule of another part) before the server starts:
//
//   router.add(Method::kPost, "/v1/publish", handler);          // exact path
//   router.add_prefix(Method::kGet, "/v1/exports/", handler);   // longest prefix wins
//
// Exact routes win over prefix routes. A known path with another method gives 405, an
// unknown path 404 (both JSON errors). HEAD is served by the GET handler with the body
// dropped by the transport. A handler that throws gives 500; the exception text is not
// sent to the client.
//
// Handlers run on a pool of worker threads and may block (database commits); they must be
// thread-safe. Registration is not thread-safe and must finish before Server::start().
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "greenlight/server/http.h"

namespace greenlight::server {

using Handler = std::function<HttpResponse(const HttpRequest&)>;

struct RouteMatch {
  const Handler* handler = nullptr;
  // The registered pattern ("/v1/exports/" for a prefix route): a bounded label for metrics
  // and logs that never contains codes or tokens from the URL.
  std::string route;
  bool method_not_allowed = false;
};

class Router {
 public:
  // Replaces an existing route with the same method and path.
  void add(Method method, std::string path, Handler handler);
  void add_prefix(Method method, std::string prefix, Handler handler);

  RouteMatch match(Method method, std::string_view path) const;
  // match + call, turning every failure into an HTTP response. route_out receives the
  // route label ("unmatched" when nothing matched).
  HttpResponse dispatch(const HttpRequest& request, std::string* route_out = nullptr) const;

 private:
  std::map<std::pair<std::string, Method>, Handler> exact_;
  std::vector<std::pair<std::string, std::map<Method, Handler>>> prefixes_;
};

}  // namespace greenlight::server

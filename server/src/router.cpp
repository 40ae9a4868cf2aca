#include "greenlight/server/router.h"

#include <exception>

namespace greenlight::server {

void Router::add(Method method, std::string path, Handler handler) {
  exact_[{std::move(path), method}] = std::move(handler);
}

void Router::add_prefix(Method method, std::string prefix, Handler handler) {
  for (auto& [p, handlers] : prefixes_) {
    if (p == prefix) {
      handlers[method] = std::move(handler);
      return;
    }
  }
  prefixes_.push_back({std::move(prefix), {}});
  prefixes_.back().second[method] = std::move(handler);
}

RouteMatch Router::match(Method method, std::string_view path) const {
  const Method lookup = method == Method::kHead ? Method::kGet : method;
  RouteMatch m;
  bool path_known = false;
  for (const auto& [key, handler] : exact_) {
    if (key.first != path) continue;
    path_known = true;
    if (key.second == lookup) {
      m.handler = &handler;
      m.route = key.first;
      return m;
    }
  }
  if (path_known) {
    m.route = std::string(path);
    m.method_not_allowed = true;
    return m;
  }
  const std::pair<std::string, std::map<Method, Handler>>* best = nullptr;
  for (const auto& entry : prefixes_) {
    if (path.starts_with(entry.first) &&
        (best == nullptr || entry.first.size() > best->first.size())) {
      best = &entry;
    }
  }
  if (best != nullptr) {
    m.route = best->first;
    auto it = best->second.find(lookup);
    if (it == best->second.end()) {
      m.method_not_allowed = true;
    } else {
      m.handler = &it->second;
    }
    return m;
  }
  m.route = "unmatched";
  return m;
}

HttpResponse Router::dispatch(const HttpRequest& request, std::string* route_out) const {
  RouteMatch m = match(request.method, request.path);
  if (route_out != nullptr) *route_out = m.route;
  if (m.method_not_allowed) {
    return error_response(Error{ErrorCode::kInvalidArgument,
                                std::string(method_name(request.method)) + " is not allowed here"},
                          405);
  }
  if (m.handler == nullptr) return error_response(Error{ErrorCode::kNotFound, "no such resource"});
  try {
    return (*m.handler)(request);
  } catch (const std::exception&) {
    return error_response(Error{ErrorCode::kInternal, "internal error"});
  }
}

}  // namespace greenlight::server

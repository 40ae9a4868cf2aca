#include "internal/publisher_transport.h"

#include <boost/url/parse.hpp>
#include <string>

namespace greenlight::sim::internal {

Result<std::string> url_target(std::string_view url) {
  auto parsed = boost::urls::parse_uri(boost::core::string_view(url.data(), url.size()));
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https")) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "expected an absolute http:// or https:// URL, got '" + std::string(url) + "'");
  }
  std::string target(parsed->encoded_path());
  if (target.empty()) target = "/";
  if (parsed->has_query()) {
    target += '?';
    target += parsed->encoded_query();
  }
  return target;
}

Result<client::TransportResponse> PublisherTransport::send(
    const client::TransportRequest& request) {
  auto target = url_target(request.url);
  GL_RETURN_IF_ERROR(target);
  if (observer_) observer_(request);
  ++requests_;
  auto reply = call_(request, *target);
  GL_RETURN_IF_ERROR(reply);
  received_bytes_ += reply->bytes;
  return std::move(reply->response);
}

}  // namespace greenlight::sim::internal

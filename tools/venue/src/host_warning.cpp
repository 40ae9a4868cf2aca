#include "greenlight/venue_tools/host_warning.h"

#include <boost/json.hpp>
#include <memory>

#include "greenlight/client/venue_upload.h"
#include "greenlight/server/http_client.h"
#include "greenlight/wire/venue_warning.h"

namespace greenlight::venue_tools {
namespace {

namespace json = boost::json;

// POSTs body and returns the JSON object of a 200 answer; otherwise the server's message.
Result<json::object> post(server::HttpClient& client, std::string_view target,
                          const json::object& body) {
  auto response = client.post_json(target, json::serialize(body));
  GL_RETURN_IF_ERROR(response);
  boost::system::error_code ec;
  json::value v = json::parse(response->body, ec);
  if (ec || !v.is_object()) {
    return make_error(ErrorCode::kIo, std::string(target) + ": the server's answer is not JSON");
  }
  if (response->status != 200) {
    const json::value* message = v.as_object().if_contains("message");
    return make_error(
        response->status == 401 ? ErrorCode::kAuthentication : ErrorCode::kIo,
        std::string(target) + ": server answered " + std::to_string(response->status) +
            (message != nullptr && message->is_string() ? ": " + std::string(message->as_string())
                                                        : std::string()));
  }
  return std::move(v.as_object());
}

Result<std::string> string_member(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) {
    return make_error(ErrorCode::kIo, "the server's answer has no \"" + std::string(name) + "\"");
  }
  return std::string(v->as_string());
}

// code -> token -> certificate bound to the venue's tag, over one connection.
struct Certified {
  std::unique_ptr<server::HttpClient> http;
  std::string certificate;
  SecretArray<32> hmac_key;
};

Result<Certified> certify(const VenueLocationTag& tag, const HostWarningRequest& request,
                          RandomSource& rng) {
  if (request.code.empty()) return make_error(ErrorCode::kInvalidArgument, "a code is required");
  Certified out;
  rng.fill(out.hmac_key.mutable_span());
  const Sha256Digest mac = wire::venue_host_mac(out.hmac_key.span(), tag);
  server::HttpClientOptions options;
  options.host = request.host;
  options.port = request.port;
  options.tls = request.tls;
  options.ca_file = request.ca_file;
  out.http = std::make_unique<server::HttpClient>(options);
  auto verified = post(*out.http, "/v1/verify", json::object{{"code", request.code}});
  GL_RETURN_IF_ERROR(verified);
  auto token = string_member(*verified, "token");
  GL_RETURN_IF_ERROR(token);
  auto certified = post(*out.http, "/v1/certificate",
                        json::object{{"token", *token}, {"tekmac", base64_encode(mac)}});
  GL_RETURN_IF_ERROR(certified);
  auto certificate = string_member(*certified, "certificate");
  GL_RETURN_IF_ERROR(certificate);
  out.certificate = std::move(*certificate);
  return out;
}

Result<std::size_t> post_warnings(Certified& c, const std::vector<SealedVenueWarning>& warnings,
                                  bool resolve_pending) {
  json::array list;
  for (const auto& w : warnings) list.push_back(json::string(wire::venue_warning_to_base64(w)));
  auto stored = post(*c.http, "/v1/venue-warning",
                     json::object{{"certificate", c.certificate},
                                  {"hmac_key", base64_encode(c.hmac_key.span())},
                                  {"venue_warnings", std::move(list)},
                                  {"resolve_pending", resolve_pending}});
  GL_RETURN_IF_ERROR(stored);
  return warnings.size();
}

}  // namespace

Result<std::size_t> send_host_warning(const VenueSecret& secret, const HostWarningRequest& request,
                                      std::int64_t now, RandomSource& rng) {
  auto owner = venue_owner_key(secret);
  GL_RETURN_IF_ERROR(owner);
  auto warnings = client::host_warnings(secret.venue.location_id, *owner, request.from,
                                        request.until, now, request.risk_level, rng);
  GL_RETURN_IF_ERROR(warnings);
  auto certified = certify(secret.venue.location_tag, request, rng);
  GL_RETURN_IF_ERROR(certified);
  return post_warnings(*certified, *warnings, false);
}

Result<ReleaseResult> release_pending_reports(const VenueSecret& secret,
                                              const HostWarningRequest& request,
                                              RandomSource& rng) {
  auto owner = venue_owner_key(secret);
  GL_RETURN_IF_ERROR(owner);
  auto certified = certify(secret.venue.location_tag, request, rng);
  GL_RETURN_IF_ERROR(certified);
  auto answer = post(*certified->http, "/v1/venue-pending",
                     json::object{{"certificate", certified->certificate},
                                  {"hmac_key", base64_encode(certified->hmac_key.span())},
                                  {"location_tag", base64_encode(secret.venue.location_tag)}});
  GL_RETURN_IF_ERROR(answer);
  const json::value* list = answer->if_contains("venue_reports");
  if (list == nullptr || !list->is_array()) {
    return make_error(ErrorCode::kIo, "the server's answer has no \"venue_reports\" array");
  }
  std::vector<SealedVenueReport> pending;
  for (const auto& item : list->as_array()) {
    if (!item.is_string()) return make_error(ErrorCode::kIo, "a pending report is not a string");
    auto report = wire::venue_report_from_base64(std::string_view(item.as_string()));
    GL_RETURN_IF_ERROR(report);
    pending.push_back(*report);
  }
  ReleaseResult result;
  result.pending = pending.size();
  auto release = client::release_visitor_reports(secret.venue.location_id, *owner, pending, rng);
  GL_RETURN_IF_ERROR(release);
  result.unreadable = release->unreadable;
  if (release->warnings.empty()) return result;
  auto posted = post_warnings(*certified, release->warnings, true);
  GL_RETURN_IF_ERROR(posted);
  result.released = std::move(release->records);
  return result;
}

}  // namespace greenlight::venue_tools

#include "greenlight/venue_tools/host_warning.h"

#include <boost/json.hpp>

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
  if (!response) return std::unexpected(response.error());
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

}  // namespace

Result<std::size_t> send_host_warning(const wire::ScannedVenue& venue,
                                      const HostWarningRequest& request, std::int64_t now,
                                      RandomSource& rng) {
  if (request.code.empty()) return make_error(ErrorCode::kInvalidArgument, "a code is required");
  auto reports = client::host_warning_reports(venue.location_id, request.from, request.until, now,
                                              request.risk_level, rng);
  if (!reports) return std::unexpected(reports.error());
  SecretArray<32> hmac_key;
  rng.fill(hmac_key.mutable_span());
  const Sha256Digest mac = wire::venue_host_mac(hmac_key.span(), *reports);

  server::HttpClientOptions options;
  options.host = request.host;
  options.port = request.port;
  options.tls = request.tls;
  options.ca_file = request.ca_file;
  server::HttpClient http(options);

  auto verified = post(http, "/v1/verify", json::object{{"code", request.code}});
  if (!verified) return std::unexpected(verified.error());
  auto token = string_member(*verified, "token");
  if (!token) return std::unexpected(token.error());
  auto certified = post(http, "/v1/certificate",
                        json::object{{"token", *token}, {"tekmac", base64_encode(mac)}});
  if (!certified) return std::unexpected(certified.error());
  auto certificate = string_member(*certified, "certificate");
  if (!certificate) return std::unexpected(certificate.error());

  json::array list;
  for (const auto& r : *reports) list.push_back(json::string(wire::venue_report_to_base64(r)));
  auto stored = post(http, "/v1/venue-warning",
                     json::object{{"certificate", *certificate},
                                  {"hmac_key", base64_encode(hmac_key.span())},
                                  {"venue_reports", std::move(list)}});
  if (!stored) return std::unexpected(stored.error());
  return reports->size();
}

}  // namespace greenlight::venue_tools

// Runs the C day of c_api_upload_day.c against a real server on loopback, and provides it
// with the server and the "platform HTTP stack" behind the app's transport callback.
#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "greenlight/client/http_fetcher.h"
#include "greenlight/greenlight.h"
#include "greenlight/venue_tools/host_warning.h"
#include "upload_test_support.h"
#include "venue_test_support.h"

namespace {

greenlight::server::testing::TestServer* g_server = nullptr;
std::string g_base;
std::string g_pem;
std::string g_venue_url;
std::optional<greenlight::test::OwnedVenue> g_venue;
std::string g_authority_pem;

}  // namespace

extern "C" {

int gl_c_api_upload_day(const char* dir);

const char* gl_test_base_url(void) { return g_base.c_str(); }
const char* gl_test_export_key_pem(void) { return g_pem.c_str(); }
const char* gl_test_venue_url(void) { return g_venue_url.c_str(); }
int64_t gl_test_yesterday(void) { return greenlight::upload_test::kYesterday; }
void gl_test_set_server_time(int64_t now) { g_server->clock().set(now); }

int gl_test_issue_code(char* code, size_t size) {
  const std::string c = g_server->issue_code();
  if (c.size() + 1 > size) return 1;
  std::memcpy(code, c.c_str(), c.size() + 1);
  return 0;
}

const char* gl_test_venue_authority_pem(void) { return g_authority_pem.c_str(); }

// The venue's owner releases the positive visitor's pending report with a health-authority
// code (two-party warnings, docs/venues.md).
int gl_test_release_venue(void) {
  try {
    auto c = g_server->client();
    auto code =
        c.post_json("/v1/codes",
                    boost::json::serialize(boost::json::object{
                        {"kind", "long"}, {"report_type", "confirmed"}, {"purpose", "venue_host"}}),
                    greenlight::server::testing::kHaKey);
    if (!code || code->status != 200) return 1;
    greenlight::venue_tools::HostWarningRequest host;
    host.port = g_server->port();
    host.code =
        std::string(greenlight::server::testing::parse_object(code->body).at("code").as_string());
    greenlight::SeededRandom rng(22);
    auto released = greenlight::venue_tools::release_pending_reports(
        greenlight::venue_tools::VenueSecret{g_venue->venue, g_venue->owner_seed}, host, rng);
    return released && released->released.size() == 1 ? 0 : 2;
  } catch (...) {
    return 3;
  }
}

int gl_test_export_now(void) {
  auto run = g_server->server().export_now();
  return run && run->has_value() ? 0 : 1;
}

// The platform's HTTP stack (URLSession / OkHttp in an app): here the library's own client.
gl_status gl_test_platform_http(const char* method, const char* url,
                                const char* const* header_names, const char* const* header_values,
                                size_t header_count, const uint8_t* body, size_t body_len,
                                gl_http_response* response) {
  namespace client = greenlight::client;
  client::TransportRequest request;
  request.method =
      std::string(method) == "POST" ? client::HttpMethod::kPost : client::HttpMethod::kGet;
  request.url = url;
  for (size_t i = 0; i < header_count; ++i)
    request.headers.emplace_back(header_names[i], header_values[i]);
  if (body != nullptr) request.body.assign(reinterpret_cast<const char*>(body), body_len);
  client::BeastHttpFetcher stack;
  auto r = stack.send(request);
  if (!r) return GL_ERR_UNAVAILABLE;
  gl_http_response_set_status(response, static_cast<int>(r->status));
  for (const auto& [name, value] : r->headers) {
    if (gl_http_response_add_header(response, name.c_str(), value.c_str()) != GL_OK)
      return GL_ERR_IO;
  }
  return gl_http_response_set_body(response, reinterpret_cast<const uint8_t*>(r->body.data()),
                                   r->body.size());
}

}  // extern "C"

TEST_CASE("C API: a day ending with an upload and a chaff flow through the app's transport",
          "[upload][c_api]") {
  greenlight::server::testing::TestServer server(greenlight::upload_test::server_with_venues());
  greenlight::server::testing::TempDir dir;
  g_server = &server;
  g_base = greenlight::upload_test::base_url(server.port());
  g_pem = server.export_public_key().to_pem();
  greenlight::SeededRandom venue_rng(21);
  g_venue = greenlight::test::make_owned_venue("C Cafe", venue_rng);
  g_venue_url = greenlight::test::url_of(g_venue->venue);
  g_authority_pem = greenlight::upload_test::venue_authority_key().public_key().to_pem();
  const int failed_line = gl_c_api_upload_day(dir.path().c_str());
  g_server = nullptr;
  CHECK(failed_line == 0);
}

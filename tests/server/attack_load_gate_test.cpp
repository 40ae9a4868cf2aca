// A31 load gate (reference/security.md A31): while clients flood the upload, code-exchange and
// download endpoints with junk, chaff, oversized bodies and unknown paths, every request gets
// an HTTP answer (no dropped connection, no 5xx other than 503) and a legitimate upload made
// during the flood succeeds. A behaviour gate, not a speed test: bench/server_load.cpp
// measures throughput and latency.
#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "test_server.h"

namespace greenlight::server::testing {

TEST_CASE("A31: a flood of junk, chaff and oversized requests leaves the server serving",
          "[security][A31]") {
  TestServer ts({.max_body_bytes = 16 * 1024});
  constexpr int kThreads = 4;
  constexpr int kRequestsPerThread = 60;
  std::atomic<int> answered{0};
  std::atomic<int> unanswered{0};
  std::atomic<int> bad_status{0};
  std::vector<std::thread> flood;
  const std::string oversized(64 * 1024, 'x');
  for (int t = 0; t < kThreads; ++t) {
    flood.emplace_back([&, t] {
      HttpClient c = ts.client();
      for (int i = 0; i < kRequestsPerThread; ++i) {
        Result<ClientResponse> r = make_error(ErrorCode::kInternal, "unset");
        switch ((t + i) % 5) {
          case 0:
            r = c.post_json("/v1/publish", R"({"keys":[{"key":"AAAA"}],"certificate":"x.y.z"})");
            break;
          case 1:
            r = c.post_json("/v1/verify", R"({"code":"","chaff":true})");
            break;
          case 2:
            r = c.post_json("/v1/publish", oversized);
            break;
          case 3:
            r = c.get("/v1/exports/index.txt");
            break;
          default:
            r = c.get("/v1/does-not-exist/" + std::to_string(i));
            break;
        }
        if (!r) {
          ++unanswered;
          c.close();
          continue;
        }
        ++answered;
        const unsigned s = r->status;
        const bool expected = s == 200 || s == 400 || s == 401 || s == 404 || s == 405 ||
                              s == 413 || s == 429 || s == 503;
        if (!expected) ++bad_status;
        if (s == 413) c.close();  // the server closes after refusing a body
      }
    });
  }
  // A legitimate upload in the middle of the flood.
  HttpClient legit = ts.client();
  const ClientResponse published = ts.upload(legit, make_keys(3, kT0));
  for (auto& th : flood) th.join();

  CHECK(published.status == 200);
  CHECK(bad_status.load() == 0);
  CHECK(unanswered.load() == 0);
  CHECK(answered.load() == kThreads * kRequestsPerThread);
  // Still serving afterwards.
  HttpClient after = ts.client();
  auto health = after.get("/healthz");
  REQUIRE(health.has_value());
  CHECK(health->status == 200);
}

}  // namespace greenlight::server::testing

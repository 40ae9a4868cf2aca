// The simulated phones upload through the client library's Uploader, not a copy of the flow:
// every request a simulated upload sends is one the Uploader builds (its paths, its padded
// bodies, "chaff": false), the Uploader's persisted outcome is kPublished with the upload's
// keys, and a whole run over the real server has as many client uploads as positive uploads.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "greenlight/client/uploader.h"
#include "greenlight/crypto/random.h"
#include "greenlight/sim/experiment.h"
#include "greenlight/sim/server_publisher.h"
#include "greenlight/wire/published_layout.h"

namespace greenlight::sim {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kMidnight = 1709251200 + 10 * kDay;  // 2024-03-11 00:00 UTC

SimUpload three_keys(SeededRandom& rng) {
  SimUpload up;
  for (int d = 1; d <= 3; ++d) {
    TemporaryExposureKey k;
    rng.fill(k.key_data.mutable_span());
    k.rolling_start_interval_number = interval_from_unix_seconds(kMidnight - d * kDay);
    k.rolling_period = kTekRollingPeriod;
    up.keys.push_back(k);
  }
  up.symptom_onset_interval = interval_from_unix_seconds(kMidnight - 2 * kDay);
  return up;
}

std::string path_of(const std::string& url) {
  const std::size_t scheme = url.find("://");
  const std::size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

}  // namespace

TEST_CASE("a simulated upload is the client Uploader's requests, padded as every phone pads") {
  const auto transport = GENERATE(ServerTransport::kInProcess, ServerTransport::kLoopback);
  CAPTURE(transport == ServerTransport::kLoopback);
  std::vector<client::TransportRequest> seen;
  ServerPublisherOptions o;
  o.transport = transport;
  o.export_min_keys = 0;
  o.export_padding_range = 0;
  o.seed = 3;
  o.phone_request_observer = [&](const client::TransportRequest& r) { seen.push_back(r); };
  auto server = ServerPublisher::create(o);
  REQUIRE(server);
  CHECK((*server)->last_upload().stage == client::UploadStage::kNone);

  SeededRandom rng(5);
  const SimUpload up = three_keys(rng);
  REQUIRE((*server)->publish(up, kMidnight + 12 * 3600));

  REQUIRE(seen.size() == 3);
  const std::vector<std::string> paths{"/" + std::string(wire::kVerifyPath),
                                       "/" + std::string(wire::kCertificatePath),
                                       "/" + std::string(wire::kPublishPath)};
  for (std::size_t i = 0; i < seen.size(); ++i) {
    CAPTURE(i, seen[i].url);
    CHECK(seen[i].method == client::HttpMethod::kPost);
    CHECK(path_of(seen[i].url) == paths[i]);
    // The Uploader's signature: a "padding" member and a body of whole buckets.
    const std::size_t bucket =
        i == 2 ? wire::kPublishRequestPaddingBucket : wire::kSmallRequestPaddingBucket;
    CHECK(seen[i].body.size() % bucket == 0);
    CHECK(seen[i].body.find("\"padding\"") != std::string::npos);
    CHECK(seen[i].body.find("\"chaff\":false") != std::string::npos);
  }
  const client::UploadStatus& status = (*server)->last_upload();
  CHECK(status.stage == client::UploadStage::kPublished);
  CHECK(status.keys == up.keys.size());
  CHECK(status.inserted == up.keys.size());
  CHECK(status.attempts == 3);
  CHECK(status.report_type == "confirmed");

  auto got = (*server)->fetch_new(kMidnight + kDay + 6 * 3600);
  REQUIRE(got);
  CHECK(got->keys.size() == up.keys.size());
}

TEST_CASE("a refused simulated upload reports the client Uploader's failure and stores nothing") {
  ServerPublisherOptions o;
  o.transport = ServerTransport::kInProcess;
  o.export_min_keys = 0;
  o.export_padding_range = 0;
  auto server = ServerPublisher::create(o);
  REQUIRE(server);
  SeededRandom rng(6);
  SimUpload up = three_keys(rng);
  up.keys[1].rolling_period = 0;
  auto s = (*server)->publish(up, kMidnight + 12 * 3600);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == ErrorCode::kInvalidArgument);
  CHECK(s.error().message.find("rejected") != std::string::npos);
  CHECK(s.error().message.find("HTTP 400") != std::string::npos);
  CHECK((*server)->last_upload().stage == client::UploadStage::kFailed);
  CHECK((*server)->last_upload().failure == client::UploadFailure::kRejected);
  CHECK((*server)->holdings().keys == 0);
}

}  // namespace greenlight::sim

namespace greenlight::sim {

TEST_CASE("every upload of a simulated run goes through the client Uploader") {
  SimConfig c;
  c.population.people = 400;
  c.run.days = 21;
  c.run.seed = 11;
  c.run.threads = 2;
  c.run.baseline = false;
  c.disease.initial_infections = 12;
  c.app.uptake = 0.8;
  std::uint64_t client_publishes = 0;
  ServerPublisherOptions o;
  o.transport = ServerTransport::kInProcess;
  o.seed = c.run.seed;
  o.phone_request_observer = [&](const client::TransportRequest& r) {
    if (r.url.ends_with("/" + std::string(wire::kPublishPath))) ++client_publishes;
  };
  auto server = ServerPublisher::create(o);
  REQUIRE(server);
  auto sim = Simulation::create(c, **server);
  REQUIRE(sim);
  REQUIRE((*sim)->run());
  const RunSummary s = (*sim)->summary();
  REQUIRE(s.uploads > 0);
  CHECK(client_publishes == s.uploads);
  CHECK((*server)->holdings().uploads == s.uploads);
  CHECK((*server)->last_upload().stage == client::UploadStage::kPublished);
}

}  // namespace greenlight::sim

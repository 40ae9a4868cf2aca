// The chaff scheduler (client/chaff_scheduler.h): exponential inter-arrival times at the
// configured mean rate from the injected RandomSource and clock, persisted, and a real upload
// takes the place of the next fake so the number of flows does not change.
#include "greenlight/client/chaff_scheduler.h"

#include <catch2/catch.hpp>
#include <string>

#include "greenlight/client/uploader.h"
#include "upload_test_support.h"

namespace greenlight::upload_test {
namespace {

// Answers every step as the server answers chaff, without a network.
class CannedServer final : public client::HttpTransport {
 public:
  Result<client::TransportResponse> send(const client::TransportRequest& request) override {
    ++requests;
    client::TransportResponse r;
    r.status = 200;
    if (request.url.ends_with("/v1/verify")) {
      r.body =
          R"({"token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","report_type":"confirmed"})";
    } else if (request.url.ends_with("/v1/certificate")) {
      r.body = R"({"certificate":"x.y.z"})";
    } else {
      r.body = R"({"inserted":14,"dropped":0})";
    }
    return r;
  }
  std::size_t requests = 0;
};

struct Device {
  explicit Device(const std::filesystem::path& dir, std::uint64_t seed)
      : rng(seed), schedule_rng(seed + 1000) {
    auto c = client::Client::open((dir / "phone.db").string(), {}, clock, rng);
    REQUIRE(c);
    client = std::move(*c);
    client::UploaderOptions options;
    options.base_url = "http://chaff.invalid";
    auto u = client::Uploader::open(*client, transport, options);
    REQUIRE(u);
    uploader = std::move(*u);
  }
  client::ManualClock clock{kYesterday};
  SeededRandom rng;
  // The schedule's own stream, so that flows (which draw keys and codes) and skipped events
  // leave the event times alone.
  SeededRandom schedule_rng;
  CannedServer transport;
  std::unique_ptr<client::Client> client;
  std::unique_ptr<client::Uploader> uploader;
};

struct Tally {
  std::size_t fakes = 0;
  std::size_t skipped = 0;
};

// Calls run_due every hour for `days` days; real uploads are recorded at the given hours.
Tally run_days(Device& d, client::ChaffScheduler& scheduler, int days,
               const std::vector<int>& real_upload_hours = {}) {
  Tally t;
  for (int hour = 0; hour < days * 24; ++hour) {
    d.clock.advance(3600);
    for (int h : real_upload_hours) {
      if (h == hour) REQUIRE(client::ChaffScheduler::record_real_upload(d.client->database()));
    }
    auto run = scheduler.run_due(*d.uploader);
    REQUIRE(run);
    if (run->ran) {
      ++t.fakes;
      CHECK(run->completed);
    }
    if (run->skipped) ++t.skipped;
    CHECK(run->next_due > d.clock.now());
  }
  return t;
}

TEST_CASE("chaff scheduler: flows at the configured mean rate", "[upload][chaff][scheduler]") {
  server::testing::TempDir dir;
  Device d(dir.path(), 7);
  auto scheduler = client::ChaffScheduler::open(d.client->database(), d.clock, d.schedule_rng,
                                                client::ChaffOptions{86400.0});
  REQUIRE(scheduler);
  auto due = scheduler->due();
  REQUIRE(due);
  CHECK_FALSE(*due);  // a fresh phone waits for its first draw
  // 400 days at one a day: Poisson(400) (sd 20); with hourly polling a few events that fall
  // in the same hour merge, so the count is a little below.
  const Tally t = run_days(d, *scheduler, 400);
  CHECK(t.fakes >= 330);
  CHECK(t.fakes <= 460);
  CHECK(t.skipped == 0);
  CHECK(d.transport.requests == 3 * t.fakes);
}

TEST_CASE("chaff scheduler: a real upload replaces the next fake", "[upload][chaff][scheduler]") {
  server::testing::TempDir dir_a;
  server::testing::TempDir dir_b;
  Device a(dir_a.path(), 11);
  Device b(dir_b.path(), 11);  // the same seed: the same event times
  auto sa = client::ChaffScheduler::open(a.client->database(), a.clock, a.schedule_rng,
                                         client::ChaffOptions{3 * 86400.0});
  auto sb = client::ChaffScheduler::open(b.client->database(), b.clock, b.schedule_rng,
                                         client::ChaffOptions{3 * 86400.0});
  REQUIRE(sa);
  REQUIRE(sb);
  const Tally without = run_days(a, *sa, 60);
  const Tally with = run_days(b, *sb, 60, {24 * 5, 24 * 30, 24 * 50});
  CHECK(with.skipped == 3);
  // Real + fake flows = the fake flows of the same phone without a real upload.
  CHECK(with.fakes + with.skipped == without.fakes);
}

TEST_CASE("chaff scheduler: the schedule survives a restart", "[upload][chaff][scheduler]") {
  server::testing::TempDir dir;
  std::int64_t due_at = 0;
  {
    Device d(dir.path(), 5);
    auto s = client::ChaffScheduler::open(d.client->database(), d.clock, d.schedule_rng);
    REQUIRE(s);
    auto next = s->next_due();
    REQUIRE(next);
    due_at = *next;
    CHECK(due_at > d.clock.now());
  }
  Device again(dir.path(), 6);
  auto s = client::ChaffScheduler::open(again.client->database(), again.clock, again.schedule_rng);
  REQUIRE(s);
  auto next = s->next_due();
  REQUIRE(next);
  CHECK(*next == due_at);
  CHECK_FALSE(client::ChaffScheduler::open(again.client->database(), again.clock,
                                           again.schedule_rng, client::ChaffOptions{0.0}));
}

}  // namespace
}  // namespace greenlight::upload_test

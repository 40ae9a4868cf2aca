// The phone's upload (client/uploader.h) against a real server on loopback: the happy path
// ends in the next export, wrong / used / expired codes fail clearly, a crash or a lost
// answer between any two steps resumes or fails cleanly with exactly one publication, and
// chaff flows are the same on the wire as a real one.
#include "greenlight/client/uploader.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "greenlight/client/chaff_scheduler.h"
#include "upload_test_support.h"

namespace greenlight::upload_test {
namespace {

using client::UploadFailure;
using client::UploadStage;
using server::testing::kT0;

std::unique_ptr<client::Uploader> make_uploader(Phone& phone, client::HttpTransport& transport,
                                                const std::string& url) {
  client::UploaderOptions options;
  options.base_url = url;
  options.max_attempts = 1;
  auto uploader = client::Uploader::open(*phone.client, transport, options);
  if (!uploader) FAIL("open uploader: " << uploader.error().message);
  return std::move(*uploader);
}

client::UploadStatus upload(client::Uploader& uploader, const std::string& code) {
  client::UploadRequest request;
  request.code = code;
  auto status = uploader.upload(request);
  if (!status) FAIL("upload: " << status.error().message);
  return *status;
}

client::UploadStatus resume(client::Uploader& uploader) {
  auto status = uploader.resume();
  if (!status) FAIL("resume: " << status.error().message);
  return *status;
}

TEST_CASE("upload: the key is in the next export and the contact turns RED", "[upload][e2e]") {
  World w;
  auto me = w.phone("me", 1);
  auto positive = w.phone("positive", 2);
  w.meet(*me, *positive);
  w.set_time(kT0);

  RecordingTransport transport(w.url());
  auto uploader = make_uploader(*positive, transport, w.url());
  auto before = uploader->status();
  REQUIRE(before);
  CHECK(before->stage == UploadStage::kNone);

  const client::UploadStatus s = upload(*uploader, w.server.issue_code());
  INFO(s.message);
  CHECK(s.stage == UploadStage::kPublished);
  CHECK(s.failure == UploadFailure::kNone);
  CHECK(s.keys == 1);
  CHECK(s.inserted == 1);
  CHECK_FALSE(s.already_uploaded);
  CHECK(s.report_type == "confirmed");
  CHECK(s.venue_reports == 112);
  REQUIRE(transport.sent.size() == 3);
  CHECK(transport.sent[0].path == "/v1/verify");
  CHECK(transport.sent[1].path == "/v1/certificate");
  CHECK(transport.sent[2].path == "/v1/publish");

  // The status survives a restart; the secrets are gone from the row.
  positive->reopen();
  auto again = make_uploader(*positive, transport, w.url());
  auto stored = again->status();
  REQUIRE(stored);
  CHECK(stored->stage == UploadStage::kPublished);
  CHECK(stored->keys == 1);

  CHECK(w.export_real_keys() == 1);
  client::BeastHttpFetcher fetcher;
  auto report = me->client->sync(fetcher, w.url());
  REQUIRE(report);
  CHECK(report->keys_matched == 1);
  CHECK(me->colour() == client::Colour::kRed);
}

TEST_CASE("upload: wrong, used and expired codes end with a clear failure", "[upload][e2e]") {
  World w;
  auto positive = w.phone("positive", 2);
  auto other = w.phone("other", 3);
  w.meet(*other, *positive);
  REQUIRE(other->client->advertisement());  // other has a key of yesterday too
  w.set_time(kT0);
  RecordingTransport transport(w.url());
  auto uploader = make_uploader(*positive, transport, w.url());

  SECTION("wrong") {
    const auto s = upload(*uploader, "12345678901234567890");
    CHECK(s.stage == UploadStage::kFailed);
    CHECK(s.failure == UploadFailure::kInvalidCode);
    CHECK_THAT(s.message, Catch::Contains("wrong or was already used"));
    CHECK(transport.sent.size() == 1);
    CHECK(w.export_real_keys() == 0);
    // The failure is final and says so; a new upload may start with another code.
    auto stored = uploader->status();
    REQUIRE(stored);
    CHECK(stored->stage == UploadStage::kFailed);
    CHECK(upload(*uploader, w.server.issue_code()).stage == UploadStage::kPublished);
  }
  SECTION("used") {
    const std::string code = w.server.issue_code();
    REQUIRE(upload(*uploader, code).stage == UploadStage::kPublished);
    auto second = make_uploader(*other, transport, w.url());
    const auto s = upload(*second, code);
    CHECK(s.stage == UploadStage::kFailed);
    CHECK(s.failure == UploadFailure::kInvalidCode);
    CHECK(w.export_real_keys() == 1);  // the first upload only
  }
  SECTION("expired") {
    const std::string code = w.server.issue_code();
    w.set_time(kT0 + 25 * kHour);
    const auto s = upload(*uploader, code);
    CHECK(s.stage == UploadStage::kFailed);
    CHECK(s.failure == UploadFailure::kExpiredCode);
    CHECK_THAT(s.message, Catch::Contains("expired"));
    CHECK(w.export_real_keys() == 0);
  }
  SECTION("not digits") {
    client::UploadRequest request;
    request.code = "12ab";
    auto s = uploader->upload(request);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::kInvalidArgument);
    CHECK(transport.sent.empty());
  }
}

TEST_CASE("upload: a crash or a lost answer between steps resumes, never publishes twice",
          "[upload][e2e][crash]") {
  World w;
  auto me = w.phone("me", 1);
  auto positive = w.phone("positive", 2);
  w.meet(*me, *positive);
  w.set_time(kT0);
  const std::string code = w.server.issue_code();

  struct Case {
    const char* name;
    std::size_t fail_before;       // the n-th request never leaves
    std::size_t drop_response_of;  // the n-th request arrives, its answer is lost
    UploadStage stuck;             // where the interrupted upload stands
    UploadStage final_stage;
    UploadFailure failure;
    std::size_t published_keys;
    bool already_uploaded;
  };
  const Case c = GENERATE(
      Case{"verify never sent", 1, 0, UploadStage::kStarted, UploadStage::kPublished,
           UploadFailure::kNone, 1, false},
      Case{"certificate never sent", 2, 0, UploadStage::kVerified, UploadStage::kPublished,
           UploadFailure::kNone, 1, false},
      Case{"publish never sent", 3, 0, UploadStage::kCertified, UploadStage::kPublished,
           UploadFailure::kNone, 1, false},
      // The code and the token are single use: a lost answer spends them; the phone says so.
      Case{"verify answer lost", 0, 1, UploadStage::kStarted, UploadStage::kFailed,
           UploadFailure::kInvalidCode, 0, false},
      Case{"certificate answer lost", 0, 2, UploadStage::kVerified, UploadStage::kFailed,
           UploadFailure::kExpiredAuthorisation, 0, false},
      // The publish went through: the replay is refused (409) and reported as uploaded.
      Case{"publish answer lost", 0, 3, UploadStage::kCertified, UploadStage::kPublished,
           UploadFailure::kNone, 1, true});
  CAPTURE(c.name);

  RecordingTransport faulty(w.url());
  faulty.fail_before = c.fail_before;
  faulty.drop_response_of = c.drop_response_of;
  {
    auto uploader = make_uploader(*positive, faulty, w.url());
    const auto interrupted = upload(*uploader, code);
    CHECK(interrupted.stage == c.stuck);
    CHECK_THAT(interrupted.message, Catch::Contains("resumes later"));
  }
  // The app is killed and restarted: a new Client on the same database.
  positive->reopen();
  RecordingTransport transport(w.url());
  auto uploader = make_uploader(*positive, transport, w.url());
  auto stored = uploader->status();
  REQUIRE(stored);
  CHECK(stored->stage == c.stuck);
  // A second upload cannot start while this one is unfinished.
  client::UploadRequest another;
  another.code = "11111111111111111111";
  auto refused = uploader->upload(another);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kFailedPrecondition);

  const auto resumed = resume(*uploader);
  INFO(resumed.message);
  CHECK(resumed.stage == c.final_stage);
  CHECK(resumed.failure == c.failure);
  CHECK(resumed.already_uploaded == c.already_uploaded);
  if (c.already_uploaded) CHECK_THAT(resumed.message, Catch::Contains("already uploaded"));
  // Resuming a finished upload sends nothing.
  const std::size_t sent = transport.sent.size();
  CHECK(resume(*uploader).stage == c.final_stage);
  CHECK(transport.sent.size() == sent);

  CHECK(w.export_real_keys() == c.published_keys);
  if (c.published_keys == 1) {
    client::BeastHttpFetcher fetcher;
    auto report = me->client->sync(fetcher, w.url());
    REQUIRE(report);
    CHECK(report->keys_matched == 1);
  }
}

// What a network observer sees of one flow: the requests and their body sizes.
std::vector<Sent> observed(const RecordingTransport& t) { return t.sent; }

TEST_CASE("chaff: the same requests and body sizes as a real upload", "[upload][chaff]") {
  World w;
  auto positive = w.phone("positive", 2);
  auto quiet = w.phone("quiet", 3);
  w.meet(*quiet, *positive);
  REQUIRE(quiet->client->advertisement());
  w.set_time(kT0);

  RecordingTransport real(w.url());
  auto uploader = make_uploader(*positive, real, w.url());
  REQUIRE(upload(*uploader, w.server.issue_code()).stage == UploadStage::kPublished);

  for (int i = 0; i < 3; ++i) {
    RecordingTransport chaff(w.url());
    auto chaff_uploader = make_uploader(*quiet, chaff, w.url());
    auto report = chaff_uploader->run_chaff();
    REQUIRE(report);
    CHECK(report->completed);
    CHECK(report->requests == 3);
    CHECK(observed(chaff) == observed(real));
  }
  // A short code gives the same sizes too (every body is padded).
  RecordingTransport short_code(w.url());
  auto third = make_uploader(*quiet, short_code, w.url());
  REQUIRE(upload(*third, w.server.issue_code("short")).stage == UploadStage::kPublished);
  CHECK(observed(short_code) == observed(real));

  // Chaff stores nothing: only the two real uploads' keys are exported.
  CHECK(w.export_real_keys() == 2);
}

TEST_CASE("chaff: a lost answer is retried like a real step", "[upload][chaff]") {
  World w;
  auto phone = w.phone("phone", 2);
  w.meet(*phone, *phone);
  w.set_time(kT0);
  client::UploaderOptions options;
  options.base_url = w.url();
  options.max_attempts = 2;
  std::vector<std::chrono::milliseconds> pauses;
  options.pause = [&](std::chrono::milliseconds d) { pauses.push_back(d); };
  options.step_pause_min = std::chrono::milliseconds(100);
  options.step_pause_max = std::chrono::milliseconds(200);

  RecordingTransport chaff_transport(w.url());
  chaff_transport.drop_response_of = 2;
  auto chaff_uploader = client::Uploader::open(*phone->client, chaff_transport, options);
  REQUIRE(chaff_uploader);
  auto chaff = (*chaff_uploader)->run_chaff();
  REQUIRE(chaff);
  CHECK(chaff->completed);
  const std::vector<std::chrono::milliseconds> chaff_pauses = pauses;

  pauses.clear();
  RecordingTransport real_transport(w.url());
  real_transport.fail_before = 2;
  auto real_uploader = client::Uploader::open(*phone->client, real_transport, options);
  REQUIRE(real_uploader);
  client::UploadRequest request;
  request.code = w.server.issue_code();
  auto real = (*real_uploader)->upload(request);
  REQUIRE(real);
  CHECK(real->stage == UploadStage::kPublished);

  // Same sequence (the retried step twice), same sizes, the same number of pauses in the
  // same ranges.
  CHECK(observed(chaff_transport) == observed(real_transport));
  REQUIRE(pauses.size() == chaff_pauses.size());
  REQUIRE(pauses.size() == 3);  // step, retry, step
  for (std::size_t i = 0; i < pauses.size(); ++i) {
    const bool retry = i == 1;
    CAPTURE(i);
    if (retry) {
      CHECK(pauses[i] == options.retry_pause);
      CHECK(chaff_pauses[i] == options.retry_pause);
    } else {
      CHECK(pauses[i] >= options.step_pause_min);
      CHECK(pauses[i] <= options.step_pause_max);
      CHECK(chaff_pauses[i] >= options.step_pause_min);
      CHECK(chaff_pauses[i] <= options.step_pause_max);
    }
  }
}

}  // namespace
}  // namespace greenlight::upload_test

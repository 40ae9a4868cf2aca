// client::PhoneFolder's upload, resume, status and chaff (the library under `greenlight phone
// upload|upload-status|chaff`) against a real server on loopback: a folder phone uploads
// after a lost connection, the contact's folder phone turns RED after the export, a reused
// code is refused, and a chaff flow publishes nothing.
#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "greenlight/client/phone_folder.h"
#include "upload_test_support.h"

namespace greenlight::upload_test {
namespace {

using client::UploadFailure;
using client::UploadStage;
using server::testing::kT0;

// A network that is down: every request fails before it leaves the phone.
class DownTransport final : public client::HttpTransport {
 public:
  Result<client::TransportResponse> send(const client::TransportRequest&) override {
    ++requests;
    return make_error(ErrorCode::kUnavailable, "injected: connection refused");
  }
  std::size_t requests = 0;
};

struct FolderPhone {
  FolderPhone(World& w, const std::string& name, std::uint64_t seed) : rng(seed) {
    dir = w.phone_dir.path() / name;
    REQUIRE(client::PhoneFolder::init(dir, rng));
    open(w);
    REQUIRE(folder->pin_export_key({"test", "v1", w.server.export_public_key().to_pem()}));
  }
  void open(World& w) {
    folder.reset();
    auto opened = client::PhoneFolder::open(dir, w.clock, rng);
    if (!opened) FAIL("open folder: " << opened.error().message);
    folder = std::move(*opened);
  }
  std::filesystem::path dir;
  SeededRandom rng;
  std::unique_ptr<client::PhoneFolder> folder;
};

// Yesterday 10:00-10:30 `me` hears `positive` (six scans at -65 dBm), as World::meet; `me`
// advertises too, so it has a key of yesterday.
void meet(World& w, FolderPhone& me, FolderPhone& positive) {
  w.set_time(kYesterday + 10 * kHour);
  REQUIRE(me.folder->client().advertisement());
  for (int scan = 0; scan < 6; ++scan) {
    auto ad = positive.folder->client().advertisement();
    REQUIRE(ad);
    REQUIRE(me.folder->client().record_observation(client::Observation{ad->rpi, ad->aem, -65}));
    w.set_time(w.clock.now() + 300);
  }
}

TEST_CASE("phone folder: an interrupted upload resumes, the contact turns RED",
          "[upload][phone_folder]") {
  World w;
  FolderPhone a(w, "A", 1);
  FolderPhone b(w, "B", 2);
  meet(w, b, a);
  w.set_time(kT0);

  auto none = a.folder->upload_status();
  REQUIRE(none);
  CHECK(none->stage == UploadStage::kNone);

  // The connection is down: the upload is kept at its first stage, nothing is spent.
  const std::string code = w.server.issue_code();
  DownTransport down;
  auto interrupted = a.folder->upload(down, w.url(), code);
  REQUIRE(interrupted);
  CHECK(interrupted->stage == UploadStage::kStarted);
  CHECK(interrupted->failure == UploadFailure::kNone);
  CHECK_THAT(interrupted->message, Catch::Contains("resumes later"));
  CHECK(down.requests == 3);  // UploaderOptions::max_attempts

  // A new process (the next `greenlight phone` command) sees where it stands and resumes.
  a.open(w);
  auto stored = a.folder->upload_status();
  REQUIRE(stored);
  CHECK(stored->stage == UploadStage::kStarted);
  CHECK(stored->keys == 1);
  auto another = a.folder->upload(down, w.url(), w.server.issue_code());
  REQUIRE_FALSE(another);
  CHECK(another.error().code == ErrorCode::kFailedPrecondition);

  client::BeastHttpFetcher network;
  auto published = a.folder->resume_upload(network, w.url());
  REQUIRE(published);
  INFO(published->message);
  CHECK(published->stage == UploadStage::kPublished);
  CHECK(published->inserted == 1);
  CHECK(published->venue_reports == 112);  // no check-ins: fake reports only, same size
  CHECK(published->report_type == "confirmed");
  auto again = a.folder->resume_upload(network, w.url());  // finished: returned as is
  REQUIRE(again);
  CHECK(again->stage == UploadStage::kPublished);

  CHECK(w.export_real_keys() == 1);
  auto report = b.folder->client().sync(network, w.url());
  REQUIRE(report);
  CHECK(report->keys_matched == 1);
  auto colour = b.folder->colour();
  REQUIRE(colour);
  CHECK(colour->colour == client::Colour::kRed);

  // The used code is refused for B: a final failure that says so; nothing is published.
  auto reused = b.folder->upload(network, w.url(), code);
  REQUIRE(reused);
  CHECK(reused->stage == UploadStage::kFailed);
  CHECK(reused->failure == UploadFailure::kInvalidCode);
  CHECK_THAT(reused->message, Catch::Contains("wrong or was already used"));
  CHECK(w.export_real_keys() == 0);
}

TEST_CASE("phone folder: a chaff flow completes and publishes nothing", "[upload][phone_folder]") {
  World w;
  FolderPhone a(w, "A", 3);
  REQUIRE(a.folder->client().advertisement());
  w.set_time(kT0);
  client::BeastHttpFetcher network;
  auto chaff = a.folder->chaff(network, w.url());
  REQUIRE(chaff);
  CHECK(chaff->completed);
  CHECK(chaff->requests == 3);
  auto status = a.folder->upload_status();
  REQUIRE(status);
  CHECK(status->stage == UploadStage::kNone);
  CHECK(w.export_real_keys() == 0);

  DownTransport down;
  auto lost = a.folder->chaff(down, w.url());
  REQUIRE(lost);
  CHECK_FALSE(lost->completed);
}

}  // namespace
}  // namespace greenlight::upload_test

#include "greenlight/client/exposure_store.h"

#include <catch2/catch.hpp>

namespace greenlight::client {
namespace {

constexpr std::int64_t kDay0 = 1714521600;

ExposureWindow make_window(std::int64_t start, std::optional<std::int32_t> dsos) {
  ExposureWindow w;
  w.start_time = start;
  w.day = start - start % 86400;
  w.report_type = ReportType::kSelfReport;
  w.days_since_onset = dsos;
  w.calibration_confidence = 2;
  w.scans = {ScanInstance{52, 50, 300}, ScanInstance{300, -4, 120}};
  return w;
}

TEST_CASE("exposure windows are stored per key tag and replaced, not duplicated",
          "[exposure_store]") {
  auto db = Database::open(":memory:");
  REQUIRE(db);
  ExposureStore store(*db);
  const KeyTag a{1};
  const KeyTag b{2};
  const std::vector<ExposureWindow> first{make_window(kDay0 + 3600, 3),
                                          make_window(kDay0 + 7200, std::nullopt)};
  REQUIRE(store.replace_windows(a, first, kDay0 + 86400));
  REQUIRE(store.replace_windows(b, std::vector{make_window(kDay0 + 100, -2)}, kDay0 + 86400));
  auto windows = store.windows();
  REQUIRE(windows);
  REQUIRE(windows->size() == 3);
  CHECK((*windows)[0].start_time == kDay0 + 100);
  const ExposureWindow& w = (*windows)[1];
  CHECK(w.start_time == kDay0 + 3600);
  CHECK(w.day == kDay0);
  CHECK(w.report_type == ReportType::kSelfReport);
  CHECK(w.days_since_onset == 3);
  CHECK(w.calibration_confidence == 2);
  REQUIRE(w.scans.size() == 2);
  CHECK(w.scans[0] == ScanInstance{52, 50, 300});
  CHECK(w.scans[1] == ScanInstance{255, 0, 120});  // attenuations clamp to 0..255
  CHECK_FALSE((*windows)[2].days_since_onset.has_value());

  REQUIRE(store.replace_windows(a, std::vector{make_window(kDay0 + 9000, 1)}, kDay0 + 86400));
  windows = store.windows();
  REQUIRE(windows);
  CHECK(windows->size() == 2);
  REQUIRE(store.delete_windows(b));
  windows = store.windows();
  REQUIRE(windows);
  REQUIRE(windows->size() == 1);
  CHECK(windows->front().start_time == kDay0 + 9000);
}

TEST_CASE("processed exports are remembered by hash and by path", "[exposure_store]") {
  auto db = Database::open(":memory:");
  REQUIRE(db);
  ExposureStore store(*db);
  const Sha256Digest hash{9, 9, 9};
  CHECK_FALSE(*store.is_processed(hash));
  REQUIRE(store.mark_processed(hash, "v1/exports/1.zip", kDay0));
  CHECK(*store.is_processed(hash));
  CHECK(*store.is_path_processed("v1/exports/1.zip"));
  CHECK_FALSE(*store.is_path_processed("v1/exports/2.zip"));
  REQUIRE(store.mark_processed(hash, "", kDay0));  // no path: allowed
}

TEST_CASE("the positive test and retention", "[exposure_store]") {
  auto db = Database::open(":memory:");
  REQUIRE(db);
  ExposureStore store(*db);
  CHECK_FALSE(store.positive_test()->has_value());
  REQUIRE(store.set_positive_test(kDay0));
  CHECK(store.positive_test()->value() == kDay0);
  REQUIRE(store.replace_windows(KeyTag{1}, std::vector{make_window(kDay0, 0)}, kDay0));
  REQUIRE(store.mark_processed(Sha256Digest{1}, "a.zip", kDay0));

  // Older than the cutoff but still within the isolation period: the test stays.
  REQUIRE(store.delete_older_than(kDay0 + 1, kDay0 - 1));
  CHECK(store.positive_test()->has_value());
  CHECK(store.windows()->empty());
  CHECK_FALSE(*store.is_processed(Sha256Digest{1}));
  REQUIRE(store.delete_older_than(kDay0 + 1, kDay0 + 1));
  CHECK_FALSE(store.positive_test()->has_value());
  REQUIRE(store.set_positive_test(kDay0));
  REQUIRE(store.clear_positive_test());
  CHECK_FALSE(store.positive_test()->has_value());
}

}  // namespace
}  // namespace greenlight::client

#include "greenlight/server/metrics.h"

#include <catch2/catch.hpp>
#include <string>

namespace greenlight::server {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kNov24 = 1763942400;  // 2025-11-24 00:00:00 UTC

bool has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

}  // namespace

TEST_CASE("daily counts: only days that ended, counts below the threshold left out", "[metrics]") {
  Metrics m;
  m.describe("greenlight_uploads_daily", "Uploads per UTC day.");
  for (int i = 0; i < 12; ++i)
    m.add_daily("greenlight_uploads_daily", {{"result", "ok"}}, kNov24 + i);
  m.add_daily("greenlight_uploads_daily", {{"result", "authentication"}}, kNov24 + 5, 3);
  m.add_daily("greenlight_keys_daily", {}, kNov24 + kDay - 1, 140);
  m.add_daily("greenlight_uploads_daily", {{"result", "ok"}}, kNov24 + kDay, 50);
  CHECK(m.daily_value("greenlight_uploads_daily", {{"result", "ok"}}, kNov24 + 100) == 12);
  CHECK(m.daily_value("greenlight_uploads_daily", {{"result", "ok"}}, kNov24 + kDay) == 50);

  // During the day itself nothing of it is shown.
  CHECK(m.daily_text(kNov24 + kDay - 1, 10).empty());
  const std::string text = m.daily_text(kNov24 + kDay, 10);
  CHECK(has(text, "# HELP greenlight_uploads_daily Uploads per UTC day.\n"));
  CHECK(has(text, "# TYPE greenlight_uploads_daily gauge\n"));
  CHECK(has(text, "greenlight_uploads_daily{day=\"2025-11-24\",result=\"ok\"} 12\n"));
  CHECK(has(text, "greenlight_keys_daily{day=\"2025-11-24\"} 140\n"));
  CHECK(!has(text, "authentication"));  // 3 < 10
  CHECK(!has(text, "2025-11-25"));      // not ended
  CHECK(has(m.daily_text(kNov24 + 2 * kDay, 10),
            "greenlight_uploads_daily{day=\"2025-11-25\",result=\"ok\"} 50\n"));
  CHECK(has(m.daily_text(kNov24 + kDay, 1), "result=\"authentication\"} 3\n"));
  // Daily counts never reach the public text.
  CHECK(m.prometheus_text().empty());
}

TEST_CASE("daily counts are kept for 14 days", "[metrics]") {
  Metrics m;
  m.add_daily("x_daily", {}, kNov24, 20);
  m.add_daily("x_daily", {}, kNov24 + 13 * kDay, 20);
  CHECK(m.daily_value("x_daily", {}, kNov24) == 20);
  m.add_daily("x_daily", {}, kNov24 + 14 * kDay, 20);
  CHECK(m.daily_value("x_daily", {}, kNov24) == 0);
  CHECK(m.daily_value("x_daily", {}, kNov24 + 13 * kDay) == 20);
  // A late event for a dropped day is not recorded.
  m.add_daily("x_daily", {}, kNov24, 20);
  CHECK(m.daily_value("x_daily", {}, kNov24) == 0);
  CHECK(!has(m.daily_text(kNov24 + 15 * kDay, 1), "2025-11-24"));
}

}  // namespace greenlight::server

#include "greenlight/client/chaff_scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "greenlight/client/uploader.h"

namespace greenlight::client {
namespace {

constexpr std::string_view kChaffSchema = R"sql(
CREATE TABLE IF NOT EXISTS chaff_schedule(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  next_due INTEGER NOT NULL,
  skip_next INTEGER NOT NULL);
)sql";

// Uniform in (0, 1] with 53 random bits.
double uniform_open_closed(RandomSource& random) {
  const std::uint64_t bits = random.next_u64() >> 11;
  return (static_cast<double>(bits) + 1.0) / 9007199254740992.0;  // 2^53
}

}  // namespace

ChaffScheduler::ChaffScheduler(Database& db, const Clock& clock, RandomSource& random,
                               ChaffOptions options)
    : db_(&db), clock_(&clock), random_(&random), options_(options) {}

Result<ChaffScheduler> ChaffScheduler::open(Database& db, const Clock& clock, RandomSource& random,
                                            ChaffOptions options) {
  if (!(options.mean_interval_seconds >= 60.0) || !std::isfinite(options.mean_interval_seconds)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "mean_interval_seconds must be a finite number of at least 60, got " +
                          std::to_string(options.mean_interval_seconds));
  }
  GL_RETURN_IF_ERROR(db.exec(kChaffSchema));
  ChaffScheduler scheduler(db, clock, random, options);
  auto stmt = db.cached("SELECT next_due, skip_next FROM chaff_schedule WHERE id = 1");
  GL_RETURN_IF_ERROR(stmt);
  auto row = (*stmt)->step();
  GL_RETURN_IF_ERROR(row);
  // No schedule yet, or only a real upload recorded before the first open (next_due 0).
  const bool known = *row && (*stmt)->column_int64(0) != 0;
  const bool skip = *row && (*stmt)->column_int64(1) != 0;
  (*stmt)->reset();
  if (!known) {
    GL_RETURN_IF_ERROR(scheduler.store(clock.now() + scheduler.draw_interval(), skip));
  }
  return scheduler;
}

std::int64_t ChaffScheduler::draw_interval() {
  // Exponential inter-arrival times: -mean * ln(U), U in (0, 1].
  const double seconds = -options_.mean_interval_seconds * std::log(uniform_open_closed(*random_));
  const double capped = std::min(seconds, 1e12);
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(capped)));
}

Status ChaffScheduler::store(std::int64_t next_due, bool skip_next) {
  auto stmt = db_->cached(
      "INSERT INTO chaff_schedule(id, next_due, skip_next) VALUES(1, ?, ?) "
      "ON CONFLICT(id) DO UPDATE SET next_due = excluded.next_due, skip_next = excluded.skip_next");
  GL_RETURN_IF_ERROR(stmt);
  (*stmt)->bind(1, next_due).bind(2, skip_next ? 1 : 0);
  return (*stmt)->run();
}

Status ChaffScheduler::record_real_upload(Database& db) {
  GL_RETURN_IF_ERROR(db.exec(kChaffSchema));
  // Without a schedule yet (the app never opened one), the first fake is skipped too.
  auto stmt = db.cached(
      "INSERT INTO chaff_schedule(id, next_due, skip_next) VALUES(1, 0, 1) "
      "ON CONFLICT(id) DO UPDATE SET skip_next = 1");
  GL_RETURN_IF_ERROR(stmt);
  return (*stmt)->run();
}

Result<std::int64_t> ChaffScheduler::next_due() {
  auto stmt = db_->cached("SELECT next_due FROM chaff_schedule WHERE id = 1");
  GL_RETURN_IF_ERROR(stmt);
  auto row = (*stmt)->step();
  GL_RETURN_IF_ERROR(row);
  if (!*row) return make_error(ErrorCode::kInternal, "the chaff schedule is missing");
  return (*stmt)->column_int64(0);
}

Result<bool> ChaffScheduler::due() {
  auto next = next_due();
  GL_RETURN_IF_ERROR(next);
  return clock_->now() >= *next;
}

Status ChaffScheduler::set_options(ChaffOptions options) {
  if (!(options.mean_interval_seconds >= 60.0) || !std::isfinite(options.mean_interval_seconds)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "mean_interval_seconds must be a finite number of at least 60, got " +
                          std::to_string(options.mean_interval_seconds));
  }
  options_ = options;
  auto stmt = db_->cached("SELECT skip_next FROM chaff_schedule WHERE id = 1");
  GL_RETURN_IF_ERROR(stmt);
  auto row = (*stmt)->step();
  GL_RETURN_IF_ERROR(row);
  const bool skip = *row && (*stmt)->column_int64(0) != 0;
  (*stmt)->reset();
  return store(clock_->now() + draw_interval(), skip);
}

Result<ChaffRun> ChaffScheduler::run_due(Uploader& uploader) {
  ChaffRun run;
  auto stmt = db_->cached("SELECT next_due, skip_next FROM chaff_schedule WHERE id = 1");
  GL_RETURN_IF_ERROR(stmt);
  auto row = (*stmt)->step();
  GL_RETURN_IF_ERROR(row);
  if (!*row) return make_error(ErrorCode::kInternal, "the chaff schedule is missing");
  const std::int64_t due_at = (*stmt)->column_int64(0);
  const bool skip = (*stmt)->column_int64(1) != 0;
  (*stmt)->reset();
  const std::int64_t now = clock_->now();
  if (now < due_at) {
    run.next_due = due_at;
    return run;
  }
  // Draw and store the next time before the flow, so a crash during it does not repeat it.
  run.next_due = now + draw_interval();
  GL_RETURN_IF_ERROR(store(run.next_due, false));
  if (skip) {
    run.skipped = true;
    return run;
  }
  auto report = uploader.run_chaff();
  GL_RETURN_IF_ERROR(report);
  run.ran = true;
  run.completed = report->completed;
  return run;
}

}  // namespace greenlight::client

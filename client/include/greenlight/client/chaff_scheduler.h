// When the phone sends fake (chaff) uploads (docs/client.md "Chaff"): every phone runs a
// chaff flow at the events of a Poisson process of configurable mean interval (e.g. one
// every three days), so a network observer sees upload flows from every phone and cannot
// tell which one carried real keys.
//
// - Inter-arrival times are exponential with mean mean_interval_seconds, drawn from the
//   injected RandomSource; the next due time is persisted in the device database, so the
//   schedule survives restarts and app kills.
// - A real upload takes the place of the next scheduled fake: Uploader::upload() records
//   it (record_real_upload), and the next due event is then skipped (rescheduled without a
//   flow), so the number of flows per phone keeps the same rate.
// - Driven by the injected clock: the app calls run_due() from its background task (at any
//   frequency; a missed event runs once, late, and the next one is drawn from then). Nothing
//   here starts a thread, a timer or a request by itself.
//
// Not thread-safe: one owner serialises calls.
#pragma once

#include <cstdint>
#include <optional>

#include "greenlight/client/clock.h"
#include "greenlight/client/database.h"
#include "greenlight/crypto/random.h"
#include "greenlight/crypto/result.h"

namespace greenlight::client {

class Uploader;

struct ChaffOptions {
  double mean_interval_seconds = 3.0 * 86400.0;
};

struct ChaffRun {
  bool ran = false;      // a chaff flow was sent
  bool skipped = false;  // the event was taken by a real upload
  bool completed = false;
  std::int64_t next_due = 0;
};

class ChaffScheduler {
 public:
  // db, clock and random must outlive the scheduler. Creates its table; a fresh phone
  // draws its first due time from now.
  [[nodiscard]] static Result<ChaffScheduler> open(Database& db, const Clock& clock,
                                                   RandomSource& random, ChaffOptions options = {});

  // The next due time (unix seconds).
  [[nodiscard]] Result<std::int64_t> next_due();
  [[nodiscard]] Result<bool> due();
  // When due: runs one chaff flow through the uploader (or skips it if a real upload took
  // its place) and draws the next due time. Otherwise does nothing. A chaff flow that fails
  // on the network still counts as run (a real flow would also have been seen).
  [[nodiscard]] Result<ChaffRun> run_due(Uploader& uploader);
  // Changes the rate; the next due time is redrawn from now.
  [[nodiscard]] Status set_options(ChaffOptions options);

  // Called by Uploader::upload() inside its transaction.
  [[nodiscard]] static Status record_real_upload(Database& db);

 private:
  ChaffScheduler(Database& db, const Clock& clock, RandomSource& random, ChaffOptions options);
  std::int64_t draw_interval();
  [[nodiscard]] Status store(std::int64_t next_due, bool skip_next);

  Database* db_;
  const Clock* clock_;
  RandomSource* random_;
  ChaffOptions options_;
};

}  // namespace greenlight::client

#include "greenlight/client/database.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "client_test_support.h"
#include "greenlight/client/encounter_log.h"

namespace greenlight::client {
namespace {

std::int64_t query(Database& db, std::string_view sql) {
  auto st = db.prepare(sql);
  REQUIRE(st);
  auto row = st->step();
  REQUIRE(row);
  REQUIRE(*row);
  return st->column_int64(0);
}

std::string query_text(Database& db, std::string_view sql) {
  auto st = db.prepare(sql);
  REQUIRE(st);
  auto row = st->step();
  REQUIRE(row);
  REQUIRE(*row);
  return std::string(st->column_text(0));
}

TEST_CASE("the device database is durable and deletes securely", "[database]") {
  test::TempDir dir;
  auto db = Database::open(dir.file("device.db"));
  REQUIRE(db);
  CHECK(query_text(*db, "PRAGMA journal_mode") == "wal");
  CHECK(query(*db, "PRAGMA synchronous") == 2);  // FULL
  CHECK(query(*db, "PRAGMA secure_delete") == 1);
  auto version = db->schema_version();
  REQUIRE(version);
  CHECK(*version >= 1);
  auto check = db->integrity_check();
  REQUIRE(check);
  CHECK(*check == "ok");
}

TEST_CASE("a transaction rolls back in its destructor unless committed", "[database]") {
  test::TempDir dir;
  auto db = Database::open(dir.file("device.db"));
  REQUIRE(db);
  {
    auto tx = Transaction::begin(*db);
    REQUIRE(tx);
    REQUIRE(db->exec("INSERT INTO scan(id, sealed) VALUES (1, x'')"));
  }
  CHECK(query(*db, "SELECT count(*) FROM scan") == 0);
  {
    auto tx = Transaction::begin(*db);
    REQUIRE(tx);
    REQUIRE(db->exec("INSERT INTO scan(id, sealed) VALUES (2, x'')"));
    {
      auto inner = Transaction::begin(*db);
      REQUIRE(inner);
      REQUIRE(db->exec("INSERT INTO scan(id, sealed) VALUES (3, x'')"));
    }
    REQUIRE(tx->commit());
  }
  CHECK(query(*db, "SELECT count(*) FROM scan") == 1);
  CHECK(query(*db, "SELECT id FROM scan") == 2);
}

TEST_CASE("statement errors say what failed", "[database]") {
  auto db = Database::open(":memory:");
  REQUIRE(db);
  auto bad = db->prepare("SELECT nope FROM nowhere");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("no such table") != std::string::npos);
  REQUIRE(db->exec("INSERT INTO scan(id, sealed) VALUES (5, x'')"));
  auto dup = db->exec("INSERT INTO scan(id, sealed) VALUES (5, x'')");
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == ErrorCode::kAlreadyExists);
}

TEST_CASE("a database from a newer library version is refused", "[database]") {
  test::TempDir dir;
  {
    auto db = Database::open(dir.file("device.db"));
    REQUIRE(db);
    REQUIRE(db->exec("PRAGMA user_version = 999"));
  }
  auto db = Database::open(dir.file("device.db"));
  REQUIRE_FALSE(db);
  CHECK(db.error().code == ErrorCode::kFailedPrecondition);
}

Rpi numbered_rpi(std::uint32_t i) {
  Rpi rpi{};
  std::memcpy(rpi.data(), "crash-test-rpi", 12);
  std::memcpy(rpi.data() + 12, &i, sizeof i);
  return rpi;
}

TEST_CASE("a crash in the middle of writing loses no committed row", "[database][crash]") {
  test::TempDir dir;
  const std::string path = dir.file("device.db");
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Child: write scans forever, reporting each committed one; never returns.
    close(fds[0]);
    auto db = Database::open(path);
    if (!db) _exit(2);
    EncounterLog log(*db);
    for (std::uint32_t i = 0;; ++i) {
      const Observation o{numbered_rpi(i), Aem{}, -60};
      if (!log.record_scan(test::kDay0 + static_cast<std::int64_t>(i) * 61,
                           std::span<const Observation>(&o, 1))) {
        _exit(3);
      }
      if (write(fds[1], &i, sizeof i) != static_cast<ssize_t>(sizeof i)) _exit(4);
    }
  }
  close(fds[1]);
  std::uint32_t last = 0;
  std::uint32_t reported = 0;
  while (reported < 200) {
    REQUIRE(read(fds[0], &last, sizeof last) == static_cast<ssize_t>(sizeof last));
    ++reported;
  }
  REQUIRE(kill(child, SIGKILL) == 0);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  // Commits reported between our last read and the kill count too.
  std::uint32_t more = 0;
  while (read(fds[0], &more, sizeof more) == static_cast<ssize_t>(sizeof more)) last = more;
  close(fds[0]);

  auto db = Database::open(path);
  REQUIRE(db);
  auto check = db->integrity_check();
  REQUIRE(check);
  CHECK(*check == "ok");
  EncounterLog log(*db);
  auto snapshot = log.snapshot(1);
  REQUIRE(snapshot);
  CAPTURE(last);
  for (std::uint32_t i = 0; i <= last; ++i) {
    CAPTURE(i);
    REQUIRE(snapshot->find(numbered_rpi(i)) != nullptr);
  }
  CHECK(query(*db, "SELECT count(*) FROM scan") >= static_cast<std::int64_t>(last) + 1);
}

}  // namespace
}  // namespace greenlight::client

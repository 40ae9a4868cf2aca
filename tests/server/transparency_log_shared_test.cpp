// The transparency log in a database shared by several server instances
// (TransparencyLog::open_in over the server's store): two instances appending at the same
// time produce one log, never a fork, on SQLite and on PostgreSQL (a cluster the test starts
// itself, pg_test_cluster.h).
#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "greenlight/crypto/random.h"
#include "greenlight/server/store.h"
#include "greenlight/server/transparency_log.h"
#include "pg_test_cluster.h"
#include "test_server.h"

namespace greenlight::server::testing {
namespace {

constexpr char kOrigin[] = "greenlight.test/shared-log";

NoteSigner shared_signer(std::uint64_t seed = 3) { return seeded_note_signer(kOrigin, seed); }

LogLeaf instance_leaf(int instance, int i) {
  const std::string tag = "instance-" + std::to_string(instance) + "-batch-" + std::to_string(i);
  return ExportBatchLeaf{sha256(as_bytes(tag)), 1764000000u + 3600u * static_cast<unsigned>(i),
                         1764003600u + 3600u * static_cast<unsigned>(i), 10, "GL"};
}

// One instance's view: its own store object (its own connections) on the shared database,
// and the log opened in it.
struct Instance {
  Instance(const std::string& database, ManualClock& clock) {
    auto opened = open_store(database, clock, system_random());
    if (!opened) FAIL("open store: " << opened.error().message);
    store = std::shared_ptr<Store>(std::move(*opened));
    auto opened_log = TransparencyLog::open_in(store, kOrigin, shared_signer());
    if (!opened_log) FAIL("open log: " << opened_log.error().message);
    log = std::move(*opened_log);
  }
  std::shared_ptr<Store> store;
  std::unique_ptr<TransparencyLog> log;
};

std::string shared_database(const std::string& backend, const TempDir& dir) {
  if (backend == "postgresql") return PgTestCluster::instance().new_database();
  return (dir.path() / "server.db").string();
}

}  // namespace

TEST_CASE("two instances append to one log in the shared database without forking it",
          "[transparency_log][pg_store]") {
  const std::string backend = GENERATE(std::string("sqlite"), std::string("postgresql"));
  INFO("backend " << backend);
  TempDir dir;
  ManualClock clock(kT0);
  const std::string database = shared_database(backend, dir);
  Instance a(database, clock);
  Instance b(database, clock);
  REQUIRE(a.log->published_size() == 0);
  REQUIRE(b.log->published_size() == 0);

  constexpr int kPerInstance = 24;
  // Both instances also publish one identical batch: it must be logged once.
  const LogLeaf common = instance_leaf(9, 0);
  std::vector<LogReceipt> receipts_a;
  std::vector<LogReceipt> receipts_b;
  std::vector<std::string> errors;
  std::mutex errors_mutex;
  const auto run = [&](Instance& instance, int id, std::vector<LogReceipt>& receipts) {
    for (int i = 0; i < kPerInstance; ++i) {
      auto receipt = instance.log->publish(i == kPerInstance / 2 ? common : instance_leaf(id, i));
      if (!receipt) {
        std::lock_guard lock(errors_mutex);
        errors.push_back(receipt.error().message);
        return;
      }
      receipts.push_back(*receipt);
    }
  };
  std::thread ta(run, std::ref(a), 1, std::ref(receipts_a));
  std::thread tb(run, std::ref(b), 2, std::ref(receipts_b));
  ta.join();
  tb.join();
  INFO((errors.empty() ? std::string() : errors.front()));
  REQUIRE(errors.empty());

  // Every publish got a checkpoint covering its leaf; indexes are unique except the shared
  // batch, which both were given at one index.
  std::set<std::uint64_t> indexes;
  for (const auto* receipts : {&receipts_a, &receipts_b}) {
    for (const LogReceipt& r : *receipts) {
      CHECK(r.index < r.size);
      indexes.insert(r.index);
    }
  }
  const std::uint64_t expected_size = 2 * kPerInstance - 1;
  CHECK(indexes.size() == expected_size);
  CHECK(receipts_a[kPerInstance / 2].index == receipts_b[kPerInstance / 2].index);
  CHECK(receipts_a[kPerInstance / 2].newly_appended != receipts_b[kPerInstance / 2].newly_appended);

  // Both catch up to the same log: same size, same checkpoint note, same leaves.
  REQUIRE(a.log->refresh().has_value());
  REQUIRE(b.log->refresh().has_value());
  REQUIRE(a.log->size() == expected_size);
  REQUIRE(b.log->size() == expected_size);
  REQUIRE(a.log->published_size() == expected_size);
  REQUIRE(b.log->published_size() == expected_size);
  CHECK(a.log->latest_checkpoint().value() == b.log->latest_checkpoint().value());
  CHECK(a.log->leaves(0, expected_size).value() == b.log->leaves(0, expected_size).value());
  // A refresh with nothing new changes nothing.
  CHECK(a.log->refresh().value() == false);

  // Every checkpoint either instance handed out is a prefix of the final tree (no fork):
  // the consistency proof from its size to the final size verifies against its root.
  const MerkleHash final_root = a.log->root_at(expected_size).value();
  for (const auto* receipts : {&receipts_a, &receipts_b}) {
    for (const LogReceipt& r : *receipts) {
      const auto cp = parse_checkpoint(parse_note(r.checkpoint).value().text).value();
      CHECK(cp.size == r.size);
      const auto proof = a.log->consistency_proof(r.size, expected_size).value();
      CHECK(verify_merkle_consistency(r.size, expected_size, cp.root, final_root, proof));
      const MerkleHash leaf_hash =
          merkle_leaf_hash(a.log->leaves(r.index, r.index + 1).value().at(0));
      CHECK(verify_merkle_inclusion(leaf_hash, r.index, r.size,
                                    a.log->inclusion_proof(r.index, r.size).value(), cp.root));
    }
  }

  // A third instance opening the database re-verifies every stored leaf and checkpoint.
  Instance c(database, clock);
  CHECK(c.log->published_size() == expected_size);
  CHECK(c.log->latest_checkpoint().value() == a.log->latest_checkpoint().value());
}

TEST_CASE("a log in the shared database refuses another origin and another key",
          "[transparency_log]") {
  TempDir dir;
  ManualClock clock(kT0);
  const std::string database = (dir.path() / "server.db").string();
  Instance a(database, clock);
  REQUIRE(a.log->publish(instance_leaf(1, 0)).has_value());

  auto opened = open_store(database, clock, system_random());
  REQUIRE(opened);
  std::shared_ptr<Store> store(std::move(*opened));
  auto other_key = TransparencyLog::open_in(store, kOrigin, shared_signer(4));
  REQUIRE_FALSE(other_key);
  CHECK(other_key.error().code == ErrorCode::kFailedPrecondition);
  CHECK(other_key.error().message.find("another key") != std::string::npos);

  auto other_origin = TransparencyLog::open_in(
      store, "greenlight.test/other-origin", seeded_note_signer("greenlight.test/other-origin", 3));
  REQUIRE_FALSE(other_origin);
  CHECK(other_origin.error().message.find("another origin") != std::string::npos);
}

}  // namespace greenlight::server::testing

#include "greenlight/server/transparency_log.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "greenlight/crypto/random.h"
#include "greenlight/server/static_site.h"
#include "test_server.h"

namespace greenlight::server {
namespace {

using testing::TempDir;

constexpr char kOrigin[] = "greenlight.test/log";

NoteSigner test_signer(std::uint64_t seed = 1) {
  return testing::seeded_note_signer(kOrigin, seed);
}

// Leaf number i of the deterministic test sequence.
LogLeaf test_leaf(std::uint64_t i) {
  const std::string tag = "export-" + std::to_string(i);
  return ExportBatchLeaf{sha256(as_bytes(tag)), 1764000000 + 3600 * i, 1764003600 + 3600 * i,
                         static_cast<std::uint32_t>(i % 97), "DE"};
}

std::unique_ptr<TransparencyLog> open_log(const std::filesystem::path& db, std::uint64_t seed = 1) {
  auto log = TransparencyLog::open(db, kOrigin, test_signer(seed));
  if (!log) FAIL("open: " << log.error().message);
  return std::move(*log);
}

Checkpoint open_cp(const std::string& note, const NoteVerifier& verifier) {
  CheckpointPolicy policy{kOrigin, verifier, {}, 0};
  auto cp = open_checkpoint(note, policy);
  if (!cp) FAIL("checkpoint: " << cp.error().message);
  return cp->checkpoint;
}

std::vector<MerkleHash> parse_hash_lines(const std::string& body) {
  std::vector<MerkleHash> out;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    auto raw = base64_decode(line);
    REQUIRE(raw);
    REQUIRE(raw->size() == 32);
    MerkleHash h{};
    std::copy(raw->begin(), raw->end(), h.begin());
    out.push_back(h);
  }
  return out;
}

HttpRequest get(std::string path, std::string query = {}) {
  HttpRequest r;
  r.method = Method::kGet;
  r.path = std::move(path);
  r.query = std::move(query);
  return r;
}

}  // namespace

TEST_CASE("transparency log: append, sign, read back and prove", "[transparency_log]") {
  TempDir dir;
  auto log = open_log(dir.path() / "log.db");
  const NoteVerifier verifier = log->verifier();

  // A fresh log publishes the empty tree.
  Checkpoint cp = open_cp(log->latest_checkpoint().value(), verifier);
  CHECK(cp.size == 0);
  CHECK(cp.root == merkle_empty_root());

  std::vector<MerkleHash> leaf_hashes;
  std::map<std::uint64_t, MerkleHash> roots{{0, merkle_empty_root()}};
  for (std::uint64_t i = 0; i < 40; ++i) {
    auto receipt = log->publish(test_leaf(i));
    REQUIRE(receipt);
    CHECK(receipt->index == i);
    CHECK(receipt->newly_appended);
    CHECK(receipt->size == i + 1);
    leaf_hashes.push_back(merkle_leaf_hash(encode_log_leaf(test_leaf(i)).value()));
    cp = open_cp(receipt->checkpoint, verifier);
    CHECK(cp.size == i + 1);
    CHECK(cp.root == merkle_root(leaf_hashes));
    roots[cp.size] = cp.root;
  }
  CHECK(log->published_size() == 40);
  CHECK(log->latest_checkpoint().value() == log->checkpoint_at(40).value());

  auto leaves = log->leaves(0, 40);
  REQUIRE(leaves);
  for (std::uint64_t i = 0; i < 40; ++i) {
    CHECK(decode_log_leaf((*leaves)[i]).value() == test_leaf(i));
  }
  for (std::uint64_t n = 1; n <= 40; n += 3) {
    for (std::uint64_t i = 0; i < n; ++i) {
      auto proof = log->inclusion_proof(i, n);
      REQUIRE(proof);
      CHECK(verify_merkle_inclusion(leaf_hashes[i], i, n, *proof, roots[n]));
    }
    for (std::uint64_t m = 0; m <= n; ++m) {
      auto proof = log->consistency_proof(m, n);
      REQUIRE(proof);
      CHECK(verify_merkle_consistency(m, n, roots[m], roots[n], *proof));
    }
    CHECK(log->frontier(n).value().root() == roots[n]);
    CHECK(log->find(leaf_hashes[n - 1]) == n - 1);
  }

  SECTION("identical leaves are logged once") {
    auto again = log->publish(test_leaf(7));
    REQUIRE(again);
    CHECK(again->index == 7);
    CHECK_FALSE(again->newly_appended);
    CHECK(again->size == 40);
    CHECK(log->size() == 40);
  }

  SECTION("nothing beyond the latest checkpoint is readable") {
    REQUIRE(log->append(test_leaf(40)).value() == 40);
    CHECK(log->size() == 41);
    CHECK(log->published_size() == 40);
    CHECK_FALSE(log->leaves(0, 41));
    CHECK_FALSE(log->inclusion_proof(40, 41));
    CHECK_FALSE(log->consistency_proof(40, 41));
    CHECK_FALSE(log->frontier(41));
    CHECK_FALSE(log->find(merkle_leaf_hash(encode_log_leaf(test_leaf(40)).value())));
    auto note = log->sign_checkpoint();
    REQUIRE(note);
    CHECK(open_cp(*note, verifier).size == 41);
    CHECK(log->leaves(40, 41));
    // Re-signing an unchanged size returns the stored note.
    CHECK(log->sign_checkpoint().value() == *note);
  }

  SECTION("reopen: same checkpoints; another origin is refused") {
    const std::string latest = log->latest_checkpoint().value();
    log.reset();
    auto reopened = open_log(dir.path() / "log.db");
    CHECK(reopened->latest_checkpoint().value() == latest);
    CHECK(reopened->size() == 40);
    CHECK(reopened->root_at(17).value() == roots[17]);
    reopened.reset();
    auto other = TransparencyLog::open(dir.path() / "log.db", "other.test/log", test_signer());
    CHECK_FALSE(other);
  }

  SECTION("another signing key is refused, even with leaves waiting to be signed") {
    REQUIRE(log->append(test_leaf(40)));
    log.reset();
    auto other = TransparencyLog::open(dir.path() / "log.db", kOrigin, test_signer(2));
    REQUIRE_FALSE(other);
    CHECK(other.error().code == ErrorCode::kFailedPrecondition);
    CHECK_THAT(other.error().message, Catch::Contains("signed with another key"));
    auto reopened = open_log(dir.path() / "log.db");
    CHECK(reopened->published_size() == 41);
    CHECK(open_cp(reopened->latest_checkpoint().value(), verifier).size == 41);
  }

  SECTION("leaves appended but not signed before a restart are signed at open") {
    REQUIRE(log->append(test_leaf(40)));
    REQUIRE(log->append(test_leaf(41)));
    log.reset();
    auto reopened = open_log(dir.path() / "log.db");
    CHECK(reopened->published_size() == 42);
    CHECK(open_cp(reopened->latest_checkpoint().value(), verifier).size == 42);
  }
}

TEST_CASE("transparency log: invalid leaves and origins are refused", "[transparency_log]") {
  TempDir dir;
  CHECK_FALSE(TransparencyLog::open(dir.path() / "a.db", "", test_signer()));
  CHECK_FALSE(TransparencyLog::open(dir.path() / "b.db", "two\nlines", test_signer()));
  auto log = open_log(dir.path() / "log.db");
  CHECK_FALSE(log->publish(ExportBatchLeaf{{}, 10, 9, 1, ""}));
  CHECK(log->size() == 0);
}

TEST_CASE("transparency log: killed between append and sign never forks (A28, L7)",
          "[transparency_log][crash]") {
  TempDir dir;
  const auto db = dir.path() / "log.db";
  { open_log(db); }  // create
  SeededRandom rng(2024);
  // size -> note, as reported by children before they were killed.
  std::map<std::uint64_t, std::string> seen_notes;
  std::uint64_t acknowledged = 0;  // leaves [0, acknowledged) were acknowledged as durable

  for (int round = 0; round < 12; ++round) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      auto log = TransparencyLog::open(db, kOrigin, test_signer());
      if (!log) ::_exit(3);
      SeededRandom child_rng(static_cast<std::uint64_t>(round) + 1);
      for (std::uint64_t i = (*log)->size();; ++i) {
        auto index = (*log)->append(test_leaf(i));
        if (!index || *index != i) ::_exit(4);
        const std::string ack = "A " + std::to_string(i) + "\n";
        if (::write(fds[1], ack.data(), ack.size()) < 0) ::_exit(5);
        if (child_rng.uniform(3) == 0) {
          auto note = (*log)->sign_checkpoint();
          if (!note) ::_exit(6);
          const std::string line = "C " + base64_encode(as_bytes(*note)) + "\n";
          if (::write(fds[1], line.data(), line.size()) < 0) ::_exit(7);
        }
      }
    }
    ::close(fds[1]);
    // Let the child make some progress (0..4 acknowledged appends), then kill it at a random
    // moment of whatever it is doing: appending, committing, signing or storing.
    std::string reported;
    // The first round always waits for an acknowledgement, so the run exercises at least one
    // acknowledged leaf however slow the machine is.
    const std::uint64_t wait_for = round == 0 ? 1 + rng.uniform(4) : rng.uniform(5);
    std::uint64_t acks = 0;
    char buf[4096];
    while (acks < wait_for) {
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      reported.append(buf, static_cast<std::size_t>(n));
      acks = 0;
      for (std::size_t pos = 0; pos < reported.size();) {
        if (reported.compare(pos, 2, "A ") == 0) ++acks;
        const std::size_t eol = reported.find('\n', pos);
        if (eol == std::string::npos) break;
        pos = eol + 1;
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng.uniform(5000)));
    ::kill(pid, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) {
      reported.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    std::istringstream lines(reported);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("A ")) {
        acknowledged = std::max<std::uint64_t>(acknowledged, std::stoull(line.substr(2)) + 1);
      } else if (line.starts_with("C ")) {
        auto note = base64_decode(line.substr(2));
        REQUIRE(note);
        const std::string text(as_string_view(*note));
        const Checkpoint cp = open_cp(text, test_signer().verifier());
        auto [it, fresh] = seen_notes.emplace(cp.size, text);
        CAPTURE(cp.size);
        CHECK(it->second == text);  // one size, one note
      }
    }

    // Reopen after the kill: every invariant holds.
    auto log = open_log(db);
    CAPTURE(round, acknowledged, log->size());
    REQUIRE(log->size() >= acknowledged);
    REQUIRE(log->published_size() == log->size());
    auto all = log->leaves(0, log->size());
    REQUIRE(all);
    std::vector<MerkleHash> hashes;
    for (std::uint64_t i = 0; i < all->size(); ++i) {
      CHECK(decode_log_leaf((*all)[i]).value() == test_leaf(i));
      hashes.push_back(merkle_leaf_hash((*all)[i]));
    }
    for (const auto& [size, note] : seen_notes) {
      CAPTURE(size);
      REQUIRE(size <= hashes.size());
      CHECK(log->checkpoint_at(size).value() == note);
      CHECK(open_cp(note, log->verifier()).root == merkle_root(std::span(hashes).first(size)));
    }
    const Checkpoint latest = open_cp(log->latest_checkpoint().value(), log->verifier());
    CHECK(latest.root == merkle_root(hashes));
    seen_notes.emplace(latest.size, log->latest_checkpoint().value());
  }
  CHECK(acknowledged > 0);
}

TEST_CASE("log endpoints: text bodies, ranges, proofs and errors", "[transparency_log][http]") {
  TempDir dir;
  auto log = open_log(dir.path() / "log.db");
  for (std::uint64_t i = 0; i < 10; ++i) REQUIRE(log->publish(test_leaf(i)));
  const NoteVerifier verifier = log->verifier();

  auto r = handle_log_request(*log, get("/v1/log/checkpoint"));
  CHECK(r.status == 200);
  CHECK(r.header("Cache-Control") == "no-cache");
  const Checkpoint cp = open_cp(*r.body, verifier);
  CHECK(cp.size == 10);

  r = handle_log_request(*log, get("/v1/log/leaves", "start=3&end=7"));
  REQUIRE(r.status == 200);
  CHECK(r.header("Cache-Control") == "public, max-age=31536000, immutable");
  std::istringstream in(*r.body);
  std::uint64_t i = 3;
  for (std::string line; std::getline(in, line); ++i) {
    CHECK(decode_log_leaf(base64_decode(line).value()).value() == test_leaf(i));
  }
  CHECK(i == 7);

  r = handle_log_request(*log, get("/v1/log/proof/inclusion", "index=4&size=10"));
  REQUIRE(r.status == 200);
  CHECK(verify_merkle_inclusion(merkle_leaf_hash(encode_log_leaf(test_leaf(4)).value()), 4, 10,
                                parse_hash_lines(*r.body), cp.root));

  r = handle_log_request(*log, get("/v1/log/proof/consistency", "old=6&new=10"));
  REQUIRE(r.status == 200);
  CHECK(verify_merkle_consistency(6, 10, log->root_at(6).value(), cp.root,
                                  parse_hash_lines(*r.body)));

  r = handle_log_request(*log, get("/v1/log/frontier", "size=7"));
  REQUIRE(r.status == 200);
  CHECK(MerkleFrontier::from_hashes(7, parse_hash_lines(*r.body)).value().root() ==
        log->root_at(7).value());

  const std::vector<std::pair<std::string, std::string>> bad_400 = {
      {"/v1/log/leaves", "start=3"},
      {"/v1/log/leaves", "start=5&end=3"},
      {"/v1/log/leaves", "start=0&end=1001"},
      {"/v1/log/leaves", "start=01&end=3"},
      {"/v1/log/leaves", "start=-1&end=3"},
      {"/v1/log/leaves", "start=1&start=2&end=3"},
      {"/v1/log/leaves", "start=x&end=3"},
      {"/v1/log/proof/inclusion", "index=10&size=10"},
      {"/v1/log/proof/consistency", "old=7&new=6"},
  };
  for (const auto& [path, query] : bad_400) {
    CAPTURE(path, query);
    CHECK(handle_log_request(*log, get(path, query)).status == 400);
  }
  CHECK(handle_log_request(*log, get("/v1/log/leaves", "start=0&end=11")).status == 404);
  CHECK(handle_log_request(*log, get("/v1/log/proof/consistency", "old=1&new=11")).status == 404);
  CHECK(handle_log_request(*log, get("/v1/log/nothing")).status == 404);
  HttpRequest post = get("/v1/log/checkpoint");
  post.method = Method::kPost;
  CHECK(handle_log_request(*log, post).status == 405);
}

TEST_CASE("publication hook mapping and static mirror", "[transparency_log]") {
  Publication p;
  p.path = "v1/exports/a.zip";
  p.kind = "export";
  p.sha256 = sha256(as_bytes("zip"));
  p.window_start = 100;
  p.window_end = 200;
  p.item_count = 42;
  p.region = "DE";
  CHECK(log_leaf_for_publication(p).value() ==
        LogLeaf{ExportBatchLeaf{p.sha256, 100, 200, 42, "DE"}});
  p.kind = "venue_warnings";
  CHECK(log_leaf_for_publication(p).value() ==
        LogLeaf{VenueWarningBatchLeaf{p.sha256, 100, 200, 42}});
  p.kind = "risk_config";
  CHECK(log_leaf_for_publication(p).value() == LogLeaf{RiskConfigLeaf{p.sha256, 42}});
  p.kind = "something_else";
  CHECK_FALSE(log_leaf_for_publication(p));
  p.kind = "export";
  p.window_start = -1;
  CHECK_FALSE(log_leaf_for_publication(p));

  TempDir dir;
  auto log = open_log(dir.path() / "log.db");
  for (std::uint64_t i = 0; i < kLogBundleSize + 5; ++i) REQUIRE(log->append(test_leaf(i)));
  REQUIRE(log->sign_checkpoint());
  ManualClock clock(1764000000);
  StaticSite site(dir.path() / "site", clock);
  REQUIRE(write_log_mirror(*log, site));
  const auto read = [&](const std::string& rel) {
    std::ifstream f(dir.path() / "site" / rel, std::ios::binary);
    REQUIRE(f);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  CHECK(read("v1/log/checkpoint") == log->latest_checkpoint().value());
  std::istringstream b0(read("v1/log/leaves/0"));
  std::istringstream b1(read("v1/log/leaves/1"));
  std::uint64_t n = 0;
  for (std::string line; std::getline(b0, line); ++n) {
    CHECK(decode_log_leaf(base64_decode(line).value()).value() == test_leaf(n));
  }
  CHECK(n == kLogBundleSize);
  for (std::string line; std::getline(b1, line); ++n) {
    CHECK(decode_log_leaf(base64_decode(line).value()).value() == test_leaf(n));
  }
  CHECK(n == kLogBundleSize + 5);
  CHECK(site.find("v1/log/leaves/0")->cache_control == "public, max-age=31536000, immutable");
  CHECK(site.find("v1/log/leaves/1")->cache_control == "no-cache");
}

TEST_CASE("server module: every export is logged before it is served",
          "[transparency_log][server]") {
  TempDir log_dir;
  std::shared_ptr<TransparencyLog> log = open_log(log_dir.path() / "log.db");
  testing::TestServer ts({.before_start = [&](Server& s) {
    REQUIRE(s.add_module(make_transparency_log_module(log)));
  }});
  HttpClient c = ts.client();
  REQUIRE(ts.upload(c, testing::make_keys(3, testing::kT0)).status == 200);
  ts.clock().advance(3600);
  auto run = ts.server().export_now();
  REQUIRE(run);
  REQUIRE(run->has_value());
  REQUIRE((*run)->files.size() == 1);

  auto cp_response = c.get("/v1/log/checkpoint");
  REQUIRE(cp_response);
  REQUIRE(cp_response->status == 200);
  const Checkpoint cp = open_cp(cp_response->body, log->verifier());
  REQUIRE(cp.size == 1);

  auto zip = c.get("/" + (*run)->files[0].path);
  REQUIRE(zip);
  REQUIRE(zip->status == 200);
  auto leaves = c.get("/v1/log/leaves?start=0&end=1");
  REQUIRE(leaves);
  REQUIRE(leaves->status == 200);
  const LogLeaf leaf =
      decode_log_leaf(base64_decode(leaves->body.substr(0, leaves->body.size() - 1)).value())
          .value();
  const auto* batch = std::get_if<ExportBatchLeaf>(&leaf);
  REQUIRE(batch != nullptr);
  CHECK(batch->zip_sha256 == sha256(as_bytes(zip->body)));
  CHECK(batch->window_end == static_cast<std::uint64_t>((*run)->window_end));

  auto bundle = c.get("/v1/log/leaves/0");
  REQUIRE(bundle);
  CHECK(bundle->status == 200);
  CHECK(bundle->body == leaves->body);
  std::ifstream mirrored(ts.dir() / "site" / "v1" / "log" / "checkpoint", std::ios::binary);
  REQUIRE(mirrored);
  CHECK(std::string(std::istreambuf_iterator<char>(mirrored), {}) == cp_response->body);
}

}  // namespace greenlight::server

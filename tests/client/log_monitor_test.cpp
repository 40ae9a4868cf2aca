#include "greenlight/client/log_monitor.h"

#include <catch2/catch.hpp>
#include <charconv>
#include <map>
#include <string>
#include <vector>

#include "greenlight/crypto/random.h"

namespace greenlight::client {
namespace {

constexpr char kOrigin[] = "greenlight.test/log";

NoteSigner make_signer(const std::string& name, std::uint64_t seed) {
  SeededRandom rng(seed);
  auto key = Ed25519PrivateKey::from_seed(rng.bytes<32>());
  REQUIRE(key);
  auto signer = NoteSigner::create(name, *key);
  REQUIRE(signer);
  return *signer;
}

const NoteSigner& log_key() {
  static const NoteSigner signer = make_signer(kOrigin, 1);
  return signer;
}

LogLeaf export_leaf(std::uint64_t i) {
  return ExportBatchLeaf{sha256(as_bytes("export zip " + std::to_string(i))), 1764000000 + 7200 * i,
                         1764007200 + 7200 * i, 10, "DE"};
}

LogLeaf warning_leaf(const std::string& tag) {
  return VenueWarningBatchLeaf{sha256(as_bytes("venue warnings " + tag)), 1764000000, 1764007200,
                               1};
}

// An in-memory log server speaking the /v1/log paths, with knobs for misbehaviour.
class FakeLog final : public LogFetcher {
 public:
  explicit FakeLog(const NoteSigner& signer = log_key()) : signer_(signer) {}

  void append(const LogLeaf& leaf) {
    leaves_.push_back(encode_log_leaf(leaf).value());
    rebuild();
  }
  void set_leaves(std::vector<Bytes> leaves) {
    leaves_ = std::move(leaves);
    rebuild();
  }
  const std::vector<Bytes>& leaves() const { return leaves_; }
  std::string checkpoint_note(std::uint64_t size) const {
    return sign_checkpoint(Checkpoint{kOrigin, size, tree_.root_at(size).value(), {}}, signer_)
        .value();
  }
  std::string latest() const { return checkpoint_note(tree_.size()); }

  // Serve this note instead of the latest checkpoint.
  std::optional<std::string> served_checkpoint;
  // Serve these leaves instead of the real ones (a lying leaves endpoint).
  std::optional<std::vector<Bytes>> served_leaves;
  bool refuse_proofs = false;
  std::vector<std::string> requests;

  Result<Bytes> fetch(std::string_view path) override {
    requests.emplace_back(path);
    const std::size_t q = path.find('?');
    const std::string_view route = path.substr(0, q);
    std::map<std::string, std::uint64_t> params;
    if (q != std::string_view::npos) {
      std::string_view rest = path.substr(q + 1);
      while (!rest.empty()) {
        const std::size_t amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        const std::size_t eq = pair.find('=');
        std::uint64_t v = 0;
        std::from_chars(pair.data() + eq + 1, pair.data() + pair.size(), v);
        params[std::string(pair.substr(0, eq))] = v;
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
      }
    }
    if (route == "v1/log/checkpoint") {
      const std::string note = served_checkpoint.value_or(latest());
      return Bytes(note.begin(), note.end());
    }
    if (route == "v1/log/leaves") {
      const auto& source = served_leaves ? *served_leaves : leaves_;
      if (params["end"] > source.size() || params["start"] > params["end"]) return not_found();
      std::string body;
      for (std::uint64_t i = params["start"]; i < params["end"]; ++i) {
        body += base64_encode(source[i]) + "\n";
      }
      return Bytes(body.begin(), body.end());
    }
    if (refuse_proofs) return not_found();
    if (route == "v1/log/proof/consistency") {
      auto proof = tree_.consistency_proof(params["old"], params["new"]);
      if (!proof) return not_found();
      return lines(*proof);
    }
    if (route == "v1/log/proof/inclusion") {
      auto proof = tree_.inclusion_proof(params["index"], params["size"]);
      if (!proof) return not_found();
      return lines(*proof);
    }
    if (route == "v1/log/frontier") {
      auto f = tree_.frontier_at(params["size"]);
      if (!f) return not_found();
      return lines(f->hashes());
    }
    return not_found();
  }

 private:
  static Result<Bytes> not_found() { return make_error(ErrorCode::kNotFound, "404"); }
  static Bytes lines(const std::vector<MerkleHash>& hashes) {
    std::string body;
    for (const MerkleHash& h : hashes) body += base64_encode(h) + "\n";
    return Bytes(body.begin(), body.end());
  }
  void rebuild() {
    tree_ = MerkleTree();
    for (const Bytes& l : leaves_) tree_.append(merkle_leaf_hash(l));
  }

  NoteSigner signer_;
  std::vector<Bytes> leaves_;
  MerkleTree tree_;
};

LogMonitorConfig config(std::uint64_t bootstrap = 4096) {
  return LogMonitorConfig{CheckpointPolicy{kOrigin, log_key().verifier(), {}, 0}, bootstrap, 4};
}

FakeLog honest_log(std::uint64_t n) {
  FakeLog log;
  for (std::uint64_t i = 0; i < n; ++i) log.append(export_leaf(i));
  return log;
}

const Sha256Digest& sha_of(const LogLeaf& leaf) { return log_leaf_content_sha256(leaf); }

}  // namespace

TEST_CASE("log monitor: bootstrap, follow the log, require logged content, persist",
          "[log_monitor]") {
  FakeLog server = honest_log(10);
  LogMonitor phone(config());
  CHECK_FALSE(phone.initialized());

  auto first = phone.sync(server);
  REQUIRE(first);
  CHECK(first->bootstrapped);
  CHECK(first->new_size == 10);
  CHECK(first->new_leaves.size() == 10);
  CHECK(phone.size() == 10);
  CHECK(phone.checkpoint_note() == server.latest());
  CHECK(phone.require_logged(LogLeafKind::kExportBatch, sha_of(export_leaf(3))));
  // The same hash under another kind is not covered.
  CHECK_FALSE(phone.require_logged(LogLeafKind::kVenueWarningBatch, sha_of(export_leaf(3))));

  server.append(export_leaf(10));
  server.append(warning_leaf("w1"));
  const std::string old_note = phone.checkpoint_note();
  auto next = phone.sync(server);
  REQUIRE(next);
  CHECK_FALSE(next->bootstrapped);
  CHECK(next->old_size == 10);
  CHECK(next->new_size == 12);
  REQUIRE(next->new_leaves.size() == 2);
  CHECK(next->new_leaves[1].first == 11);
  CHECK(next->new_leaves[1].second == warning_leaf("w1"));
  CHECK(phone.previous_checkpoint_note() == old_note);
  CHECK(phone.require_logged(LogLeafKind::kVenueWarningBatch, sha_of(warning_leaf("w1"))));
  CHECK(phone.evidence().size() == 1);  // the kind mismatch above

  // Syncing an unchanged log is a no-op.
  auto same = phone.sync(server);
  REQUIRE(same);
  CHECK(same->new_leaves.empty());

  // Persist and restore.
  auto restored = LogMonitor::restore(config(), phone.state());
  REQUIRE(restored);
  CHECK(restored->size() == 12);
  CHECK(restored->root() == phone.root());
  CHECK(restored->checkpoint_note() == phone.checkpoint_note());
  CHECK(restored->covered() == phone.covered());
  CHECK(restored->evidence() == phone.evidence());
  CHECK(restored->state() == phone.state());
  server.append(export_leaf(12));
  CHECK(restored->sync(server));

  // Malformed or mismatching state is refused.
  const Bytes state = phone.state();
  for (std::size_t n = 0; n < state.size(); n += 7) {
    CHECK_FALSE(LogMonitor::restore(config(), ByteSpan(state).first(n)));
  }
  Bytes trailing = state;
  trailing.push_back(0);
  CHECK_FALSE(LogMonitor::restore(config(), trailing));
  LogMonitorConfig other_key = config();
  other_key.policy.log_key = make_signer(kOrigin, 99).verifier();
  CHECK_FALSE(LogMonitor::restore(other_key, state));
  SeededRandom rng(3);
  for (int i = 0; i < 300; ++i) {
    Bytes junk = state;
    junk[rng.uniform(junk.size())] ^= static_cast<std::uint8_t>(1 + rng.uniform(255));
    (void)LogMonitor::restore(config(), junk);  // must not crash
  }
}

TEST_CASE("log monitor: a fresh install verifies the newest leaves against the frontier",
          "[log_monitor]") {
  FakeLog server;
  server.append(RiskConfigLeaf{sha256(as_bytes("risk config v1")), 1});
  for (std::uint64_t i = 0; i < 40; ++i) server.append(export_leaf(i));
  LogMonitor phone(config(10));
  auto report = phone.sync(server);
  REQUIRE(report);
  CHECK(report->new_leaves.size() == 10);
  CHECK(report->new_leaves.front().first == 31);
  CHECK(phone.size() == 41);
  CHECK(phone.require_logged(LogLeafKind::kExportBatch, sha_of(export_leaf(39))));
  // Older content needs an inclusion proof.
  const Sha256Digest config_sha = sha256(as_bytes("risk config v1"));
  CHECK_FALSE(phone.require_logged(LogLeafKind::kRiskConfig, config_sha));
  CHECK_FALSE(phone.verify_logged_at(server, 0, LogLeafKind::kRiskConfig, sha256(as_bytes("v2"))));
  CHECK_FALSE(phone.verify_logged_at(server, 1, LogLeafKind::kRiskConfig, config_sha));
  REQUIRE(phone.verify_logged_at(server, 0, LogLeafKind::kRiskConfig, config_sha));
  CHECK(phone.require_logged(LogLeafKind::kRiskConfig, config_sha));

  // A server whose frontier does not match the leaves and the root is refused.
  FakeLog liar = honest_log(40);
  liar.served_leaves = liar.leaves();
  (*liar.served_leaves)[35] = encode_log_leaf(warning_leaf("inserted")).value();
  LogMonitor other(config(10));
  CHECK_FALSE(other.sync(liar));
  CHECK_FALSE(other.initialized());
}

TEST_CASE("L5/L6: a split view with a targeted warning is detected when views meet",
          "[log_monitor][split_view]") {
  // The honest log everybody should see.
  FakeLog honest = honest_log(10);
  // The server shows phone A a fork with a targeted venue warning that phone B never sees.
  FakeLog fork_for_a = honest_log(10);
  fork_for_a.append(warning_leaf("targeted at A"));
  honest.append(export_leaf(10));

  LogMonitor phone_a(config());
  LogMonitor phone_b(config());
  REQUIRE(phone_a.sync(fork_for_a));
  REQUIRE(phone_b.sync(honest));
  REQUIRE(phone_a.size() == 11);
  REQUIRE(phone_b.size() == 11);
  // A would act on the targeted warning: it is covered in A's view.
  CHECK(phone_a.require_logged(LogLeafKind::kVenueWarningBatch,
                               sha_of(warning_leaf("targeted at A"))));
  CHECK_FALSE(phone_b.require_logged(LogLeafKind::kVenueWarningBatch,
                                     sha_of(warning_leaf("targeted at A"))));
  // B refuses the file and keeps it as evidence; that is B's only evidence so far.
  REQUIRE(phone_b.evidence().size() == 1);
  CHECK(phone_b.evidence()[0].kind == EvidenceKind::kUnloggedContent);

  SECTION("B's checkpoint of the same size (gossip): two roots, both signed") {
    auto s = phone_a.compare(phone_b.checkpoint_note(), fork_for_a);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::kAuthentication);
    REQUIRE(phone_a.evidence().size() == 1);
    const Evidence& e = phone_a.evidence()[0];
    CHECK(e.kind == EvidenceKind::kSameSizeDifferentRoot);
    CHECK(e.first_note == phone_a.checkpoint_note());
    CHECK(e.second_note == phone_b.checkpoint_note());
    // Both notes verify under the log key: the evidence is non-repudiable.
    const CheckpointPolicy policy{kOrigin, log_key().verifier(), {}, 0};
    const auto c1 = open_checkpoint(e.first_note, policy).value().checkpoint;
    const auto c2 = open_checkpoint(e.second_note, policy).value().checkpoint;
    CHECK(c1.size == c2.size);
    CHECK(c1.root != c2.root);
    const std::string text = format_evidence(e);
    CHECK(text.find(e.first_note) != std::string::npos);
    CHECK(text.find(e.second_note) != std::string::npos);
    // B detects it the same way with A's checkpoint.
    CHECK_FALSE(phone_b.compare(phone_a.checkpoint_note(), honest));
    REQUIRE(phone_b.evidence().size() == 2);
    CHECK(phone_b.evidence()[1].kind == EvidenceKind::kSameSizeDifferentRoot);
  }

  SECTION("a later honest checkpoint (a witness's) is not consistent with A's") {
    for (std::uint64_t i = 11; i < 20; ++i) honest.append(export_leaf(i));
    const std::string witness_view = honest.latest();
    // Even the malicious server cannot produce a proof; the honest one's proof fails.
    CHECK_FALSE(phone_a.compare(witness_view, honest));
    REQUIRE(phone_a.evidence().size() == 1);
    CHECK(phone_a.evidence()[0].kind == EvidenceKind::kInconsistentTrees);
    CHECK_FALSE(phone_a.compare(witness_view, fork_for_a));  // no proof exists there either
    // B's view is consistent with the witness.
    CHECK(phone_b.compare(witness_view, honest));
    CHECK(phone_b.evidence().size() == 1);  // still only the refused file
  }

  SECTION("the server moves A back to the honest branch") {
    for (std::uint64_t i = 11; i < 14; ++i) honest.append(export_leaf(i));
    const std::string before = phone_a.checkpoint_note();
    auto s = phone_a.sync(honest);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::kAuthentication);
    CHECK(phone_a.checkpoint_note() == before);  // state unchanged
    REQUIRE(phone_a.evidence().size() == 1);
    CHECK(phone_a.evidence()[0].kind == EvidenceKind::kInconsistentTrees);
    CHECK(phone_a.evidence()[0].second_note == honest.latest());
    CHECK(phone_b.sync(honest));
  }

  SECTION("a witness policy refuses the uncosigned fork") {
    const NoteSigner witness = make_signer("witness.test", 7);
    LogMonitorConfig cfg = config();
    cfg.policy.witnesses = {witness.verifier()};
    cfg.policy.witness_threshold = 1;
    LogMonitor phone_c(cfg);
    // The witness cosigns only the honest branch.
    honest.served_checkpoint = cosign_note(honest.latest(), witness).value();
    REQUIRE(phone_c.sync(honest));
    LogMonitor phone_d(cfg);
    auto s = phone_d.sync(fork_for_a);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::kAuthentication);
    CHECK_FALSE(phone_d.initialized());
  }

  SECTION("no proof available: undecided, no evidence") {
    for (std::uint64_t i = 11; i < 20; ++i) honest.append(export_leaf(i));
    fork_for_a.refuse_proofs = true;
    auto s = phone_a.compare(honest.latest(), fork_for_a);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::kUnavailable);
    CHECK(phone_a.evidence().empty());
  }
}

TEST_CASE("L5: deleted leaf, shrunk tree, forged signature, unlogged content", "[log_monitor]") {
  FakeLog server = honest_log(12);
  LogMonitor phone(config());
  REQUIRE(phone.sync(server));
  const std::string verified = phone.checkpoint_note();
  const Bytes state_before = phone.state();

  SECTION("a deleted leaf, with the tree grown past the old size") {
    std::vector<Bytes> rewritten = server.leaves();
    rewritten.erase(rewritten.begin() + 4);
    server.set_leaves(rewritten);
    server.append(export_leaf(100));
    server.append(export_leaf(101));
    auto s = phone.sync(server);
    REQUIRE_FALSE(s);
    REQUIRE(phone.evidence().size() == 1);
    CHECK(phone.evidence()[0].kind == EvidenceKind::kInconsistentTrees);
    CHECK(phone.checkpoint_note() == verified);
  }

  SECTION("a deleted leaf that shrinks the tree") {
    std::vector<Bytes> rewritten = server.leaves();
    rewritten.erase(rewritten.begin() + 4);
    server.set_leaves(rewritten);
    CHECK_FALSE(phone.sync(server));
    REQUIRE(phone.evidence().size() == 1);
    CHECK(phone.evidence()[0].kind == EvidenceKind::kShrunkTree);
    CHECK(phone.state() != state_before);  // only the evidence was added
    CHECK(phone.checkpoint_note() == verified);
  }

  SECTION("an older checkpoint (rollback)") {
    server.served_checkpoint = server.checkpoint_note(5);
    CHECK_FALSE(phone.sync(server));
    REQUIRE(phone.evidence().size() == 1);
    CHECK(phone.evidence()[0].kind == EvidenceKind::kShrunkTree);
    CHECK(phone.evidence()[0].second_note == server.checkpoint_note(5));
    CHECK(phone.size() == 12);
  }

  SECTION("a forged checkpoint signature is refused without evidence") {
    FakeLog forger(make_signer(kOrigin, 666));  // same name, another key
    for (const Bytes& l : server.leaves()) forger.append(decode_log_leaf(l).value());
    forger.append(warning_leaf("forged"));
    auto s = phone.sync(forger);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::kAuthentication);
    std::string flipped = server.latest();
    flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
    server.served_checkpoint = flipped;
    CHECK_FALSE(phone.sync(server));
    CHECK(phone.evidence().empty());
    CHECK(phone.state() == state_before);
  }

  SECTION("wrong leaves for a consistent checkpoint: refused, no evidence") {
    server.append(export_leaf(12));
    server.append(export_leaf(13));
    server.served_leaves = server.leaves();
    (*server.served_leaves)[13] = encode_log_leaf(warning_leaf("swapped")).value();
    CHECK_FALSE(phone.sync(server));
    CHECK(phone.evidence().empty());
    CHECK(phone.size() == 12);
    server.served_leaves.reset();
    CHECK(phone.sync(server));
    CHECK(phone.size() == 14);
  }

  SECTION("content not covered by a leaf is refused and kept as evidence") {
    const Sha256Digest unlogged = sha256(as_bytes("an export the log never saw"));
    auto s = phone.require_logged(LogLeafKind::kExportBatch, unlogged, &server);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::kFailedPrecondition);
    REQUIRE(phone.evidence().size() == 1);
    CHECK(phone.evidence()[0].kind == EvidenceKind::kUnloggedContent);
    CHECK(phone.evidence()[0].content_sha256 == unlogged);
    CHECK(phone.evidence()[0].first_note == verified);
    // Content logged after the phone's last sync is found by the one resync.
    server.append(export_leaf(50));
    CHECK(phone.require_logged(LogLeafKind::kExportBatch, sha_of(export_leaf(50)), &server));
    CHECK(phone.evidence().size() == 1);
  }

  SECTION("retention prunes old batch leaves only") {
    server.append(RiskConfigLeaf{sha256(as_bytes("cfg")), 3});
    REQUIRE(phone.sync(server));
    phone.prune_covered(1764007200 + 7200 * 6);
    CHECK_FALSE(phone.require_logged(LogLeafKind::kExportBatch, sha_of(export_leaf(5))));
    CHECK(phone.require_logged(LogLeafKind::kExportBatch, sha_of(export_leaf(6))));
    CHECK(phone.require_logged(LogLeafKind::kRiskConfig, sha256(as_bytes("cfg"))));
  }
}

}  // namespace greenlight::client

#include "greenlight/client/log_auditor.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "greenlight/crypto/random.h"

namespace greenlight::client {
namespace {

namespace fs = std::filesystem;

constexpr char kOrigin[] = "greenlight.test/log";

NoteSigner make_signer(std::uint64_t seed) {
  SeededRandom rng(seed);
  auto key = Ed25519PrivateKey::from_seed(rng.bytes<32>());
  REQUIRE(key);
  auto signer = NoteSigner::create(kOrigin, *key);
  REQUIRE(signer);
  return *signer;
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("gl-audit-" + to_hex(system_random().bytes<8>()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write(const fs::path& path, std::string_view contents) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

// A published site: leaves, checkpoint, exports and their index, as the server writes them.
struct Site {
  explicit Site(fs::path site_root) : root(std::move(site_root)) {}

  std::string add_export(std::uint64_t i) {
    const std::string zip = "zip bytes of export " + std::to_string(i);
    const std::string path = "v1/exports/" + std::to_string(i) + ".zip";
    write(root / path, zip);
    index += path + "\n";
    add_leaf(ExportBatchLeaf{sha256(as_bytes(zip)), 1764000000 + 3600 * i, 1764003600 + 3600 * i, 5,
                             "DE"});
    return path;
  }
  void add_leaf(const LogLeaf& leaf) {
    leaves.push_back(encode_log_leaf(leaf).value());
    tree.append(merkle_leaf_hash(leaves.back()));
  }
  std::string note(std::uint64_t size) const {
    return sign_checkpoint(Checkpoint{kOrigin, size, tree.root_at(size).value(), {}}, signer)
        .value();
  }
  void publish() {
    for (std::uint64_t b = 0; b * 256 < leaves.size(); ++b) {
      std::string bundle;
      for (std::uint64_t i = b * 256; i < std::min<std::uint64_t>(leaves.size(), b * 256 + 256);
           ++i) {
        bundle += base64_encode(leaves[i]) + "\n";
      }
      write(root / "v1/log/leaves" / std::to_string(b), bundle);
    }
    write(root / "v1/log/checkpoint", note(leaves.size()));
    write(root / "v1/exports/index.txt", index);
  }

  fs::path root;
  NoteSigner signer = make_signer(1);
  std::vector<Bytes> leaves;
  MerkleTree tree;
  std::string index;
};

// The audit runs 1001 hours after the first export window: with 14-day retention, exports
// whose window ended before hour 665 may be gone; export 1000 must be served.
constexpr std::int64_t kAuditNow = 1764000000 + 3600 * 1001;

AuditOptions options(std::optional<std::string> previous = std::nullopt) {
  return AuditOptions{.policy = CheckpointPolicy{kOrigin, make_signer(1).verifier(), {}, 0},
                      .previous_checkpoint = std::move(previous),
                      .now = kAuditNow};
}

Site populated(const fs::path& root) {
  Site site(root);
  site.add_leaf(RiskConfigLeaf{sha256(as_bytes("config")), 2});
  for (std::uint64_t i = 0; i < 300; ++i) {
    if (i % 50 == 0) {
      site.add_export(i);
    } else {
      // Exports already deleted by retention: logged, no longer served.
      site.add_leaf(
          ExportBatchLeaf{sha256(as_bytes("gone " + std::to_string(i))), i, i + 1, 1, ""});
    }
  }
  site.publish();
  return site;
}

}  // namespace

TEST_CASE("auditor: a clean log passes", "[log_auditor]") {
  TempDir dir;
  Site site = populated(dir.path());
  DirectoryLogSource source(dir.path());
  auto report = audit_log(source, options());
  REQUIRE(report);
  CAPTURE(format_audit_report(*report));
  CHECK(report->ok());
  CHECK(report->size == 301);
  CHECK(report->root == site.tree.root());
  CHECK(report->files_checked == 6);
  CHECK(report->leaves_by_kind[LogLeafKind::kExportBatch] == 300);
  REQUIRE(report->notable.size() == 1);
  CHECK(report->notable[0].find("RISK_CONFIG") != std::string::npos);
  CHECK(report->checkpoint_note == site.note(301));
  CHECK(format_audit_report(*report).starts_with("OK: log of 301 leaves"));

  // The next audit with the saved state: the log grew consistently.
  site.add_export(1000);
  site.publish();
  auto next = audit_log(source, options(report->checkpoint_note));
  REQUIRE(next);
  CHECK(next->ok());
  CHECK(next->previous_size == 301);
}

TEST_CASE("auditor: every failure is reported as FAIL", "[log_auditor]") {
  TempDir dir;
  Site site = populated(dir.path());
  DirectoryLogSource source(dir.path());
  const auto fails = [&](const AuditOptions& o) {
    auto report = audit_log(source, o);
    REQUIRE(report);
    CAPTURE(format_audit_report(*report));
    CHECK_FALSE(report->ok());
    CHECK(format_audit_report(*report).starts_with("FAIL: "));
    return *report;
  };

  SECTION("a served file the log does not cover") {
    write(dir.path() / "v1/exports/secret.zip", "targeted export");
    write(dir.path() / "v1/exports/index.txt", site.index + "v1/exports/secret.zip\n");
    const AuditReport r = fails(options());
    REQUIRE(r.failures.size() == 1);
    CHECK(r.failures[0].find("v1/exports/secret.zip") != std::string::npos);
  }

  SECTION("a leaf changed in the mirror") {
    // The bundle changes, the signed checkpoint (from the honest tree) does not.
    site.leaves[260] = encode_log_leaf(RiskConfigLeaf{sha256(as_bytes("evil")), 9}).value();
    site.publish();
    const AuditReport r = fails(options());
    CHECK(r.failures[0].find("recomputed") != std::string::npos);
  }

  SECTION("a checkpoint not signed by the log key") {
    Site forged(dir.path());
    forged.signer = make_signer(2);
    forged.leaves = site.leaves;
    forged.tree = site.tree;
    forged.index = site.index;
    forged.publish();
    fails(options());
  }

  SECTION("not an extension of the checkpoint saved last time") {
    Site fork(dir.path() / "elsewhere");
    for (std::uint64_t i = 0; i < 100; ++i) fork.add_leaf(RiskConfigLeaf{sha256(as_bytes("x")), i});
    fails(options(fork.note(100)));
    // A saved checkpoint larger than the log: it shrank.
    Site bigger = populated(dir.path() / "bigger");
    bigger.add_export(5000);
    fails(options(bigger.note(302)));
  }

  SECTION("a missing leaf bundle and an unsafe index path") {
    fs::remove(dir.path() / "v1/log/leaves/1");
    fails(options());
    site.publish();
    write(dir.path() / "v1/exports/index.txt", "../../etc/passwd\n");
    fails(options());
  }

  SECTION("unreadable checkpoint") {
    fs::remove(dir.path() / "v1/log/checkpoint");
    CHECK_FALSE(audit_log(source, options()));
  }
}

TEST_CASE("auditor: suppression and a lying index fail (A17)", "[log_auditor][security]") {
  TempDir dir;
  Site site = populated(dir.path());
  const std::string recent = site.add_export(900);  // window ends hour 901: must be served
  site.publish();
  DirectoryLogSource source(dir.path());
  {
    auto clean = audit_log(source, options());
    REQUIRE(clean);
    CAPTURE(format_audit_report(*clean));
    CHECK(clean->ok());
    CHECK(clean->batches_required == 1);
  }
  const std::string index_without_recent = site.index.substr(0, site.index.find(recent));
  const auto failure = [&](std::string_view text) {
    auto report = audit_log(source, options());
    REQUIRE(report);
    CAPTURE(format_audit_report(*report));
    CHECK_FALSE(report->ok());
    bool found = false;
    for (const std::string& f : report->failures) found = found || f.find(text) != f.npos;
    CHECK(found);
  };

  SECTION("a logged export and its index line deleted together") {
    fs::remove(dir.path() / recent);
    write(dir.path() / "v1/exports/index.txt", index_without_recent);
    failure("is not served: a published batch is withheld");
  }
  SECTION("the whole index deleted") {
    fs::remove(dir.path() / "v1/exports/index.txt");
    failure("is not served");
  }
  SECTION("a listed export that is missing") {
    fs::remove(dir.path() / recent);
    failure("listed file " + recent + " cannot be read");
  }
  SECTION("a listed export replaced by junk") {
    write(dir.path() / recent, "junk");
    failure("served file " + recent);
  }
  SECTION("the index lists one export twice") {
    write(dir.path() / "v1/exports/index.txt", site.index + recent + "\n");
    failure("more than once");
  }
  SECTION("the index names a window the leaf contradicts") {
    const std::string renamed = "v1/exports/1764000000-1764003600-00001.zip";
    fs::rename(dir.path() / recent, dir.path() / renamed);
    write(dir.path() / "v1/exports/index.txt", index_without_recent + renamed + "\n");
    failure("names the window 1764000000-1764003600");
  }
  SECTION("the export index serves a venue-warning batch") {
    write(dir.path() / "v1/exports/venue.zip", "venue batch");
    site.add_leaf(VenueWarningBatchLeaf{sha256(as_bytes("venue batch")), 1, 2, 3});
    site.index += "v1/exports/venue.zip\n";
    site.publish();
    failure("is logged as VENUE_WARNING_BATCH");
  }
  SECTION("retention: a batch that ended 14 days before now may be gone") {
    AuditOptions later = options();
    later.now = kAuditNow + 14 * 86400;
    fs::remove(dir.path() / recent);
    write(dir.path() / "v1/exports/index.txt", index_without_recent);
    auto report = audit_log(source, later);
    REQUIRE(report);
    CAPTURE(format_audit_report(*report));
    CHECK(report->ok());
  }
}

TEST_CASE("auditor: bounded memory on huge or hostile indexes", "[log_auditor][security]") {
  TempDir dir;
  Site site = populated(dir.path());
  DirectoryLogSource source(dir.path());
  SECTION("an index over the size cap fails without being parsed") {
    write(dir.path() / "v1/exports/index.txt", std::string(kMaxAuditIndexBytes + 1, '\n'));
    auto report = audit_log(source, options());
    REQUIRE(report);
    CHECK_FALSE(report->ok());
    CHECK(report->failures.front().find("bytes, more than") != std::string::npos);
  }
  SECTION("thousands of bogus lines keep at most kMaxAuditMessages lines") {
    std::string index;
    for (int i = 0; i < 3000; ++i) index += "v1/exports/missing-" + std::to_string(i) + ".zip\n";
    write(dir.path() / "v1/exports/index.txt", index);
    auto report = audit_log(source, options());
    REQUIRE(report);
    CHECK_FALSE(report->ok());
    CHECK(report->failures.size() == kMaxAuditMessages);
    CHECK(report->failures_omitted > 2000);
    CHECK(format_audit_report(*report).find("more\n") != std::string::npos);
  }
}

TEST_CASE("auditor: index parsing", "[log_auditor]") {
  CHECK(parse_content_index("a/b.zip\r\n\nc.zip\n").value() ==
        std::vector<std::string>{"a/b.zip", "c.zip"});
  for (const char* bad : {"/abs.zip\n", "a/../b\n", "a//b\n", "./a\n", "a b\n", "a\\b\n", "v1/\n",
                          "v1/exports/\n", "a/..\n"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_content_index(bad));
  }
}

}  // namespace greenlight::client

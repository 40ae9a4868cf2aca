#include "greenlight/crypto/merkle.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/random.h"

namespace greenlight {
namespace {

// The eight test leaves of RFC 6962 (certificate-transparency reference test suite), as
// listed in reference/security.md section 0.1.
const std::vector<std::string> kRfc6962LeavesHex = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

MerkleHash hash_from_hex(std::string_view hex) {
  auto h = from_hex_fixed<32>(hex);
  REQUIRE(h);
  return *h;
}

std::vector<MerkleHash> rfc6962_leaf_hashes() {
  std::vector<MerkleHash> out;
  for (const std::string& hex : kRfc6962LeavesHex) {
    auto data = from_hex(hex);
    REQUIRE(data);
    out.push_back(merkle_leaf_hash(*data));
  }
  return out;
}

// Straightforward recursive definitions of RFC 9162 section 2.1, independent of the
// iterative and cached code under test.
MerkleHash ref_mth(std::span<const MerkleHash> d) {
  if (d.empty()) return sha256({});
  if (d.size() == 1) return d[0];
  std::size_t k = 1;
  while (k * 2 < d.size()) k *= 2;
  return merkle_node_hash(ref_mth(d.first(k)), ref_mth(d.subspan(k)));
}

std::vector<MerkleHash> ref_path(std::size_t m, std::span<const MerkleHash> d) {
  if (d.size() <= 1) return {};
  std::size_t k = 1;
  while (k * 2 < d.size()) k *= 2;
  std::vector<MerkleHash> out;
  if (m < k) {
    out = ref_path(m, d.first(k));
    out.push_back(ref_mth(d.subspan(k)));
  } else {
    out = ref_path(m - k, d.subspan(k));
    out.push_back(ref_mth(d.first(k)));
  }
  return out;
}

std::vector<MerkleHash> ref_subproof(std::size_t m, std::span<const MerkleHash> d, bool b) {
  if (m == d.size()) {
    if (b) return {};
    return {ref_mth(d)};
  }
  std::size_t k = 1;
  while (k * 2 < d.size()) k *= 2;
  std::vector<MerkleHash> out;
  if (m <= k) {
    out = ref_subproof(m, d.first(k), b);
    out.push_back(ref_mth(d.subspan(k)));
  } else {
    out = ref_subproof(m - k, d.subspan(k), false);
    out.push_back(ref_mth(d.first(k)));
  }
  return out;
}

std::vector<MerkleHash> random_leaf_hashes(std::size_t n, std::uint64_t seed) {
  SeededRandom rng(seed);
  std::vector<MerkleHash> out;
  for (std::size_t i = 0; i < n; ++i) {
    Bytes data(rng.uniform(40));
    rng.fill(data);
    out.push_back(merkle_leaf_hash(data));
  }
  return out;
}

MerkleHash flip(MerkleHash h) {
  h[7] ^= 0x20;
  return h;
}

}  // namespace

TEST_CASE("L1: RFC 6962 test-leaf roots for sizes 0..8", "[merkle]") {
  const std::vector<std::string> roots = {
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };
  // The abbreviated roots printed in reference/security.md section 0.1 (prefix…suffix).
  const std::vector<std::pair<std::string, std::string>> abbreviated = {
      {"e3b0c442", "b855"}, {"6e340b9c", "a01d"}, {"fac54203", "c125"},
      {"aeb6bcfe", "6e77"}, {"d37ee418", "14b7"}, {"4e3bbb1f", "64d4"},
      {"76e67dad", "87ef"}, {"ddb89be4", "4c8c"}, {"5dc9da79", "4328"},
  };
  const std::vector<MerkleHash> leaves = rfc6962_leaf_hashes();
  const MerkleTree tree(leaves);
  MerkleFrontier frontier;
  for (std::size_t n = 0; n <= 8; ++n) {
    CAPTURE(n);
    REQUIRE(roots[n].starts_with(abbreviated[n].first));
    REQUIRE(roots[n].ends_with(abbreviated[n].second));
    const MerkleHash expected = hash_from_hex(roots[n]);
    CHECK(merkle_root(std::span(leaves).first(n)) == expected);
    CHECK(tree.root_at(n).value() == expected);
    CHECK(frontier.root() == expected);
    CHECK(frontier.size() == n);
    if (n < 8) frontier.append(leaves[n]);
  }
  CHECK(tree.root() == hash_from_hex(roots[8]));
  CHECK(merkle_empty_root() == hash_from_hex(roots[0]));
}

TEST_CASE("RFC 6962 reference-suite inclusion and consistency proofs", "[merkle]") {
  const MerkleTree tree(rfc6962_leaf_hashes());
  struct Inclusion {
    std::uint64_t index, size;
    std::vector<std::string> path;
  };
  const std::vector<Inclusion> inclusions = {
      {0, 1, {}},
      {0,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {5,
       8,
       {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
      {1,
       5,
       {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  for (const Inclusion& v : inclusions) {
    CAPTURE(v.index, v.size);
    std::vector<MerkleHash> expected;
    for (const std::string& h : v.path) expected.push_back(hash_from_hex(h));
    CHECK(tree.inclusion_proof(v.index, v.size).value() == expected);
    CHECK(verify_merkle_inclusion(tree.leaf_hash(v.index), v.index, v.size, expected,
                                  tree.root_at(v.size).value()));
  }
  struct Consistency {
    std::uint64_t old_size, new_size;
    std::vector<std::string> proof;
  };
  const std::vector<Consistency> consistencies = {
      {1, 1, {}},
      {1,
       8,
       {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
      {6,
       8,
       {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
      {2,
       5,
       {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
  };
  for (const Consistency& v : consistencies) {
    CAPTURE(v.old_size, v.new_size);
    std::vector<MerkleHash> expected;
    for (const std::string& h : v.proof) expected.push_back(hash_from_hex(h));
    CHECK(tree.consistency_proof(v.old_size, v.new_size).value() == expected);
    CHECK(verify_merkle_consistency(v.old_size, v.new_size, tree.root_at(v.old_size).value(),
                                    tree.root_at(v.new_size).value(), expected));
  }
}

TEST_CASE("L2: inclusion proofs for every (index, size) up to 64", "[merkle]") {
  const std::vector<MerkleHash> leaves = random_leaf_hashes(65, 2);
  const MerkleTree tree(leaves);
  std::vector<MerkleHash> roots;
  for (std::uint64_t n = 0; n <= 65; ++n) roots.push_back(tree.root_at(n).value());
  const MerkleHash stranger = merkle_leaf_hash(as_bytes("not a leaf"));
  for (std::uint64_t n = 1; n <= 64; ++n) {
    const std::span<const MerkleHash> d = std::span(leaves).first(n);
    const MerkleHash root = ref_mth(d);
    REQUIRE(tree.root_at(n).value() == root);
    for (std::uint64_t i = 0; i < n; ++i) {
      CAPTURE(n, i);
      const auto proof = tree.inclusion_proof(i, n);
      REQUIRE(proof);
      REQUIRE(*proof == ref_path(i, d));
      REQUIRE(verify_merkle_inclusion(leaves[i], i, n, *proof, root));
      // Wrong leaf, index, size or root.
      CHECK_FALSE(verify_merkle_inclusion(stranger, i, n, *proof, root));
      if (i + 1 < n) CHECK_FALSE(verify_merkle_inclusion(leaves[i], i + 1, n, *proof, root));
      if (i > 0) CHECK_FALSE(verify_merkle_inclusion(leaves[i], i - 1, n, *proof, root));
      // A proof for one tree size does not prove inclusion in the tree of another size.
      CHECK_FALSE(verify_merkle_inclusion(leaves[i], i, n + 1, *proof, roots[n + 1]));
      if (i + 1 < n) {
        CHECK_FALSE(verify_merkle_inclusion(leaves[i], i, n - 1, *proof, roots[n - 1]));
      }
      CHECK_FALSE(verify_merkle_inclusion(leaves[i], n, n, *proof, root));
      CHECK_FALSE(verify_merkle_inclusion(leaves[i], i, n, *proof, flip(root)));
      // Every single changed, dropped or added proof hash.
      for (std::size_t j = 0; j < proof->size(); ++j) {
        auto bad = *proof;
        bad[j] = flip(bad[j]);
        CHECK_FALSE(verify_merkle_inclusion(leaves[i], i, n, bad, root));
      }
      if (!proof->empty()) {
        auto shorter = *proof;
        shorter.pop_back();
        CHECK_FALSE(verify_merkle_inclusion(leaves[i], i, n, shorter, root));
      }
      auto longer = *proof;
      longer.push_back(root);
      CHECK_FALSE(verify_merkle_inclusion(leaves[i], i, n, longer, root));
    }
  }
  CHECK_FALSE(tree.inclusion_proof(65, 65));
  CHECK_FALSE(tree.inclusion_proof(0, 66));
  CHECK_FALSE(verify_merkle_inclusion(leaves[0], 0, 0, {}, merkle_empty_root()));
}

TEST_CASE("L3: consistency proofs for every m < n <= 64", "[merkle]") {
  constexpr std::size_t kMax = 64;
  const std::vector<MerkleHash> leaves = random_leaf_hashes(kMax, 3);
  const MerkleTree tree(leaves);
  std::vector<MerkleHash> roots;
  for (std::size_t n = 0; n <= kMax; ++n) roots.push_back(ref_mth(std::span(leaves).first(n)));
  // tampered[m][j]: the root of the first m leaves with leaf j < m replaced.
  std::vector<std::vector<MerkleHash>> tampered(kMax + 1);
  for (std::size_t m = 1; m <= kMax; ++m) {
    for (std::size_t j = 0; j < m; ++j) {
      std::vector<MerkleHash> d(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(m));
      d[j] = flip(d[j]);
      tampered[m].push_back(ref_mth(d));
    }
  }
  for (std::uint64_t n = 1; n <= kMax; ++n) {
    for (std::uint64_t m = 1; m < n; ++m) {
      CAPTURE(m, n);
      const auto proof = tree.consistency_proof(m, n);
      REQUIRE(proof);
      REQUIRE(*proof == ref_subproof(m, std::span(leaves).first(n), true));
      REQUIRE(verify_merkle_consistency(m, n, roots[m], roots[n], *proof));
      for (std::size_t j = 0; j < m; ++j) {
        CHECK_FALSE(verify_merkle_consistency(m, n, tampered[m][j], roots[n], *proof));
      }
      CHECK_FALSE(verify_merkle_consistency(m, n, roots[m], flip(roots[n]), *proof));
      CHECK_FALSE(verify_merkle_consistency(m, n, roots[m - 1], roots[n], *proof));
      CHECK_FALSE(verify_merkle_consistency(m, n - 1, roots[m], roots[n - 1], *proof));
      CHECK_FALSE(verify_merkle_consistency(n, m, roots[n], roots[m], *proof));
      for (std::size_t j = 0; j < proof->size(); ++j) {
        auto bad = *proof;
        bad[j] = flip(bad[j]);
        CHECK_FALSE(verify_merkle_consistency(m, n, roots[m], roots[n], bad));
      }
      auto shorter = *proof;
      shorter.pop_back();
      CHECK_FALSE(verify_merkle_consistency(m, n, roots[m], roots[n], shorter));
      auto longer = *proof;
      longer.push_back(roots[n]);
      CHECK_FALSE(verify_merkle_consistency(m, n, roots[m], roots[n], longer));
      // The frontier of size m checks the same proof against its own root.
      const MerkleFrontier f = tree.frontier_at(m).value();
      CHECK(f.verify_consistency(n, roots[n], *proof));
      CHECK_FALSE(f.verify_consistency(n, flip(roots[n]), *proof));
    }
    // Edge cases: m == n and m == 0 need an empty proof.
    CHECK(tree.consistency_proof(n, n).value().empty());
    CHECK(tree.consistency_proof(0, n).value().empty());
    CHECK(verify_merkle_consistency(n, n, roots[n], roots[n], {}));
    CHECK_FALSE(verify_merkle_consistency(n, n, roots[n], flip(roots[n]), {}));
    CHECK_FALSE(verify_merkle_consistency(n, n, roots[n], roots[n], std::vector{roots[n]}));
    CHECK(verify_merkle_consistency(0, n, merkle_empty_root(), roots[n], {}));
    CHECK_FALSE(verify_merkle_consistency(0, n, roots[n], roots[n], {}));
  }
  CHECK_FALSE(tree.consistency_proof(3, 2));
  CHECK_FALSE(tree.consistency_proof(1, kMax + 1));
}

TEST_CASE("L4: frontier folding of random append sequences equals recomputation", "[merkle]") {
  const std::uint64_t seed = GENERATE(11u, 12u, 13u);
  CAPTURE(seed);
  SeededRandom rng(seed);
  const std::vector<MerkleHash> leaves = random_leaf_hashes(300, seed + 100);
  MerkleFrontier frontier;
  MerkleTree tree;
  std::size_t done = 0;
  while (done < leaves.size()) {
    const std::size_t chunk = std::min<std::size_t>(rng.uniform(20), leaves.size() - done);
    const std::span<const MerkleHash> fresh = std::span(leaves).subspan(done, chunk);
    const MerkleHash new_root = ref_mth(std::span(leaves).first(done + chunk));
    // A wrong root or wrong leaves leave the frontier unchanged.
    const MerkleFrontier before = frontier;
    CHECK_FALSE(frontier.extend(fresh, done + chunk, flip(new_root)));
    CHECK(frontier == before);
    if (chunk > 0) {
      std::vector<MerkleHash> altered(fresh.begin(), fresh.end());
      altered[rng.uniform(chunk)] = flip(altered[0]);
      CHECK_FALSE(frontier.extend(altered, done + chunk, new_root));
      CHECK(frontier == before);
      CHECK_FALSE(frontier.extend(fresh.first(chunk - 1), done + chunk, new_root));
      CHECK(frontier == before);
    }
    REQUIRE(frontier.extend(fresh, done + chunk, new_root));
    for (const MerkleHash& h : fresh) tree.append(h);
    done += chunk;
    CAPTURE(done);
    REQUIRE(frontier.size() == done);
    CHECK(frontier.root() == new_root);
    CHECK(tree.root() == new_root);
    CHECK(frontier == tree.frontier_at(done).value());
    CHECK(frontier.hashes().size() == static_cast<std::size_t>(std::popcount(done)));
    auto round = MerkleFrontier::deserialize(frontier.serialize());
    REQUIRE(round);
    CHECK(*round == frontier);
  }
  // A deleted leaf: folding what is left cannot reach the honest root.
  MerkleFrontier start = tree.frontier_at(100).value();
  std::vector<MerkleHash> without(leaves.begin() + 100, leaves.begin() + 200);
  without.erase(without.begin() + 37);
  without.push_back(leaves[200]);
  CHECK_FALSE(start.extend(without, 200, tree.root_at(200).value()));
}

TEST_CASE("frontier encoding rejects malformed bytes", "[merkle]") {
  CHECK_FALSE(MerkleFrontier::deserialize({}));
  CHECK_FALSE(MerkleFrontier::deserialize(Bytes(7, 0)));
  CHECK(MerkleFrontier::deserialize(Bytes(8, 0)));  // the empty frontier
  Bytes three(8, 0);
  three[7] = 3;  // size 3 needs two hashes
  three.resize(8 + 32);
  CHECK_FALSE(MerkleFrontier::deserialize(three));
  three.resize(8 + 64);
  CHECK(MerkleFrontier::deserialize(three));
  three.push_back(0);
  CHECK_FALSE(MerkleFrontier::deserialize(three));
  Bytes huge(8, 0xff);  // 2^64 - 1 leaves: 64 hashes expected
  CHECK_FALSE(MerkleFrontier::deserialize(huge));
  CHECK_FALSE(MerkleFrontier::from_hashes(5, {}));
  CHECK(MerkleFrontier::from_hashes(0, {}).value().root() == merkle_empty_root());
}

}  // namespace greenlight

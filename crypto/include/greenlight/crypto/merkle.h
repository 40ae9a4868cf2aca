// RFC 9162 (Certificate Transparency v2) Merkle tree hashing over SHA-256, the math of the
// greenlight transparency log (spec/protocol.md "Transparency log", reference/security.md
// section 2). Pure functions and in-memory values: no I/O.
//
// Hashes (RFC 9162 section 2.1.1):
//   empty tree     MTH({})      = SHA-256()
//   leaf           leaf_hash(d) = SHA-256(0x00 || d)
//   interior node  node_hash    = SHA-256(0x01 || left || right)
//   MTH(D[n]) for n > 1 splits at k, the largest power of two smaller than n.
//
// Proofs follow RFC 9162 section 2.1.3 (inclusion) and 2.1.4 (consistency): generation by the
// recursive definitions PATH and PROOF, verification by the iterative algorithms of sections
// 2.1.3.2 and 2.1.4.2. Verification never reads out of bounds whatever the proof length or
// sizes, and fails with kAuthentication when the proof does not prove what is claimed.
//
// MerkleTree keeps every complete aligned subtree root, so that roots, proofs and frontiers
// for any earlier size cost O(log n) hashes. MerkleFrontier keeps only the right edge
// (<= log2(n) + 1 hashes): what a phone stores to check that each new checkpoint extends
// the last one it saw.
//
// Thread-safety: values; concurrent const use is safe, mutation needs external locking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/result.h"

namespace greenlight {

using MerkleHash = Sha256Digest;

// SHA-256 of the empty string: the root of the empty tree.
MerkleHash merkle_empty_root();
// SHA-256(0x00 || leaf_data).
MerkleHash merkle_leaf_hash(ByteSpan leaf_data);
// SHA-256(0x01 || left || right).
MerkleHash merkle_node_hash(const MerkleHash& left, const MerkleHash& right);

// MTH over the given leaf hashes (any count, including 0 and non-powers of two).
// O(n) hashes; for repeated queries use MerkleTree.
MerkleHash merkle_root(std::span<const MerkleHash> leaf_hashes);

// Largest power of two strictly smaller than n (n >= 2).
std::uint64_t merkle_split_point(std::uint64_t n);

// Recomputes the root of a tree of tree_size leaves from one leaf hash and its RFC 9162
// inclusion proof (section 2.1.3.2). kInvalidArgument when index >= tree_size or the proof
// has the wrong length for (index, tree_size).
[[nodiscard]] Result<MerkleHash> merkle_root_from_inclusion_proof(
    const MerkleHash& leaf_hash, std::uint64_t index, std::uint64_t tree_size,
    std::span<const MerkleHash> proof);

// Succeeds iff proof shows that leaf_hash is leaf number index of the tree of tree_size
// leaves whose root is root.
[[nodiscard]] Status verify_merkle_inclusion(const MerkleHash& leaf_hash, std::uint64_t index,
                                             std::uint64_t tree_size,
                                             std::span<const MerkleHash> proof,
                                             const MerkleHash& root);

// Succeeds iff proof shows that the tree (new_size, new_root) extends (old_size, old_root)
// (section 2.1.4.2). Edge cases: old_size == new_size requires an empty proof and equal
// roots; old_size == 0 requires an empty proof and old_root == merkle_empty_root();
// old_size > new_size always fails.
[[nodiscard]] Status verify_merkle_consistency(std::uint64_t old_size, std::uint64_t new_size,
                                               const MerkleHash& old_root,
                                               const MerkleHash& new_root,
                                               std::span<const MerkleHash> proof);

class MerkleFrontier;

// An append-only in-memory tree of leaf hashes with every complete aligned subtree root
// cached (about 2n hashes of memory). append() costs O(log n) hashes amortised; root_at,
// inclusion_proof, consistency_proof and frontier_at cost O(log n).
class MerkleTree {
 public:
  MerkleTree() = default;
  explicit MerkleTree(std::span<const MerkleHash> leaf_hashes);

  void append(const MerkleHash& leaf_hash);
  std::uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  const MerkleHash& leaf_hash(std::uint64_t index) const { return levels_[0][index]; }

  MerkleHash root() const { return subtree_root(0, size()); }
  // Root of the tree formed by the first tree_size leaves; kInvalidArgument if
  // tree_size > size().
  [[nodiscard]] Result<MerkleHash> root_at(std::uint64_t tree_size) const;
  // RFC 9162 PATH(index, D[0:tree_size]); requires index < tree_size <= size().
  [[nodiscard]] Result<std::vector<MerkleHash>> inclusion_proof(std::uint64_t index,
                                                                std::uint64_t tree_size) const;
  // RFC 9162 PROOF(old_size, D[0:new_size]); requires old_size <= new_size <= size(). Empty
  // when old_size is 0 or equals new_size.
  [[nodiscard]] Result<std::vector<MerkleHash>> consistency_proof(std::uint64_t old_size,
                                                                  std::uint64_t new_size) const;
  // The compact range of the first tree_size leaves; requires tree_size <= size().
  [[nodiscard]] Result<MerkleFrontier> frontier_at(std::uint64_t tree_size) const;

 private:
  // MTH(D[begin:end]); every call made by the RFC recursions hits O(log n) cached nodes.
  MerkleHash subtree_root(std::uint64_t begin, std::uint64_t end) const;
  void path(std::uint64_t index, std::uint64_t begin, std::uint64_t end,
            std::vector<MerkleHash>& out) const;
  void subproof(std::uint64_t m, std::uint64_t begin, std::uint64_t end, bool whole,
                std::vector<MerkleHash>& out) const;

  // levels_[k][i] = root of the complete subtree of 2^k leaves starting at leaf i * 2^k.
  std::vector<std::vector<MerkleHash>> levels_;
};

// The right edge of a tree ("compact range" [0, size)): the roots of the complete subtrees
// of the binary decomposition of size, largest (leftmost) first; popcount(size) hashes.
// Enough to compute the root and to append further leaves, nothing else.
class MerkleFrontier {
 public:
  MerkleFrontier() = default;
  // Validates that hashes has exactly popcount(size) entries.
  [[nodiscard]] static Result<MerkleFrontier> from_hashes(std::uint64_t size,
                                                          std::vector<MerkleHash> hashes);

  std::uint64_t size() const { return size_; }
  const std::vector<MerkleHash>& hashes() const { return hashes_; }
  MerkleHash root() const;

  void append(const MerkleHash& leaf_hash);
  void append(std::span<const MerkleHash> leaf_hashes);

  // The cheap client check of reference/security.md section 2.4 step 3: folds
  // new_leaf_hashes (leaves [size(), new_size)) into a copy of this frontier and succeeds
  // iff the result has new_size leaves and root new_root; only then is this frontier
  // replaced. One check proves both that (new_size, new_root) extends (size(), root()) and
  // that every new leaf is in it. On failure this frontier is unchanged.
  [[nodiscard]] Status extend(std::span<const MerkleHash> new_leaf_hashes, std::uint64_t new_size,
                              const MerkleHash& new_root);

  // Verifies an RFC 9162 consistency proof from (size(), root()) to (new_size, new_root)
  // without the new leaves; the frontier itself is not changed (it cannot be advanced
  // without the leaves).
  [[nodiscard]] Status verify_consistency(std::uint64_t new_size, const MerkleHash& new_root,
                                          std::span<const MerkleHash> proof) const;

  // Fixed encoding: u64 big-endian size, then popcount(size) hashes of 32 bytes.
  Bytes serialize() const;
  [[nodiscard]] static Result<MerkleFrontier> deserialize(ByteSpan bytes);

  friend bool operator==(const MerkleFrontier&, const MerkleFrontier&) = default;

 private:
  MerkleFrontier(std::uint64_t size, std::vector<MerkleHash> hashes)
      : size_(size), hashes_(std::move(hashes)) {}
  std::uint64_t size_ = 0;
  std::vector<MerkleHash> hashes_;
};

}  // namespace greenlight

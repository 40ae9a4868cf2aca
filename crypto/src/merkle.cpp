#include "greenlight/crypto/merkle.h"

#include <array>
#include <bit>
#include <string>

namespace greenlight {
namespace {

std::string num(std::uint64_t v) { return std::to_string(v); }

bool is_power_of_two(std::uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

// Right-shifts fn and sn together until fn is odd or zero (RFC 9162 section 2.1.3.2 step
// 4.2 and section 2.1.4.2 step 6.2.2).
void shift_until_odd(std::uint64_t& fn, std::uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

MerkleHash merkle_empty_root() { return sha256({}); }

MerkleHash merkle_leaf_hash(ByteSpan leaf_data) {
  Sha256 h;
  const std::array<std::uint8_t, 1> prefix{0x00};
  h.update(prefix);
  h.update(leaf_data);
  return h.finish();
}

MerkleHash merkle_node_hash(const MerkleHash& left, const MerkleHash& right) {
  std::array<std::uint8_t, 65> buf{};
  buf[0] = 0x01;
  for (std::size_t i = 0; i < 32; ++i) {
    buf[1 + i] = left[i];
    buf[33 + i] = right[i];
  }
  return sha256(buf);
}

std::uint64_t merkle_split_point(std::uint64_t n) { return std::bit_floor(n - 1); }

MerkleHash merkle_root(std::span<const MerkleHash> leaf_hashes) {
  if (leaf_hashes.empty()) return merkle_empty_root();
  MerkleFrontier frontier;
  frontier.append(leaf_hashes);
  return frontier.root();
}

Result<MerkleHash> merkle_root_from_inclusion_proof(const MerkleHash& leaf_hash,
                                                    std::uint64_t index, std::uint64_t tree_size,
                                                    std::span<const MerkleHash> proof) {
  if (index >= tree_size) {
    return make_error(ErrorCode::kInvalidArgument, "inclusion proof: leaf index " + num(index) +
                                                       " is not below tree size " + num(tree_size));
  }
  std::uint64_t fn = index;
  std::uint64_t sn = tree_size - 1;
  MerkleHash r = leaf_hash;
  for (const MerkleHash& p : proof) {
    if (sn == 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        "inclusion proof for leaf " + num(index) + " of " + num(tree_size) +
                            " has too many hashes (" + num(proof.size()) + ")");
    }
    if ((fn & 1) != 0 || fn == sn) {
      r = merkle_node_hash(p, r);
      shift_until_odd(fn, sn);
    } else {
      r = merkle_node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "inclusion proof for leaf " + num(index) + " of " + num(tree_size) +
                          " has too few hashes (" + num(proof.size()) + ")");
  }
  return r;
}

Status verify_merkle_inclusion(const MerkleHash& leaf_hash, std::uint64_t index,
                               std::uint64_t tree_size, std::span<const MerkleHash> proof,
                               const MerkleHash& root) {
  auto computed = merkle_root_from_inclusion_proof(leaf_hash, index, tree_size, proof);
  if (!computed) return make_error(ErrorCode::kAuthentication, computed.error().message);
  if (*computed != root) {
    return make_error(ErrorCode::kAuthentication, "inclusion proof for leaf " + num(index) +
                                                      " of " + num(tree_size) +
                                                      " does not lead to the expected root");
  }
  return ok();
}

Status verify_merkle_consistency(std::uint64_t old_size, std::uint64_t new_size,
                                 const MerkleHash& old_root, const MerkleHash& new_root,
                                 std::span<const MerkleHash> proof) {
  const std::string what = "consistency proof " + num(old_size) + " -> " + num(new_size);
  if (old_size > new_size) {
    return make_error(ErrorCode::kAuthentication, what + ": the tree shrank");
  }
  if (old_size == new_size || old_size == 0) {
    if (!proof.empty()) {
      return make_error(ErrorCode::kAuthentication,
                        what + ": expected an empty proof, got " + num(proof.size()) + " hashes");
    }
    const MerkleHash expected_old = old_size == 0 ? merkle_empty_root() : new_root;
    if (old_root != expected_old) {
      return make_error(ErrorCode::kAuthentication, what + ": roots differ");
    }
    return ok();
  }
  if (proof.empty()) {
    return make_error(ErrorCode::kAuthentication, what + ": the proof is empty");
  }
  // Step 2: when old_size is a power of two the old root is the first node of the path.
  std::size_t next = 0;
  MerkleHash fr;
  if (is_power_of_two(old_size)) {
    fr = old_root;
  } else {
    fr = proof[0];
    next = 1;
  }
  MerkleHash sr = fr;
  std::uint64_t fn = old_size - 1;
  std::uint64_t sn = new_size - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  for (; next < proof.size(); ++next) {
    const MerkleHash& c = proof[next];
    if (sn == 0) {
      return make_error(ErrorCode::kAuthentication,
                        what + ": too many hashes (" + num(proof.size()) + ")");
    }
    if ((fn & 1) != 0 || fn == sn) {
      fr = merkle_node_hash(c, fr);
      sr = merkle_node_hash(c, sr);
      shift_until_odd(fn, sn);
    } else {
      sr = merkle_node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return make_error(ErrorCode::kAuthentication,
                      what + ": too few hashes (" + num(proof.size()) + ")");
  }
  if (fr != old_root) {
    return make_error(ErrorCode::kAuthentication, what + ": does not lead to the old root");
  }
  if (sr != new_root) {
    return make_error(ErrorCode::kAuthentication, what + ": does not lead to the new root");
  }
  return ok();
}

// MerkleTree ---------------------------------------------------------------------------

MerkleTree::MerkleTree(std::span<const MerkleHash> leaf_hashes) {
  for (const MerkleHash& h : leaf_hashes) append(h);
}

void MerkleTree::append(const MerkleHash& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  for (std::size_t level = 0; levels_[level].size() % 2 == 0; ++level) {
    if (level + 1 == levels_.size()) levels_.emplace_back();
    const std::vector<MerkleHash>& below = levels_[level];
    MerkleHash parent = merkle_node_hash(below[below.size() - 2], below[below.size() - 1]);
    levels_[level + 1].push_back(parent);
  }
}

MerkleHash MerkleTree::subtree_root(std::uint64_t begin, std::uint64_t end) const {
  const std::uint64_t n = end - begin;
  if (n == 0) return merkle_empty_root();
  if (is_power_of_two(n) && begin % n == 0) {
    const auto level = static_cast<std::size_t>(std::countr_zero(n));
    return levels_[level][begin >> level];
  }
  const std::uint64_t k = merkle_split_point(n);
  return merkle_node_hash(subtree_root(begin, begin + k), subtree_root(begin + k, end));
}

Result<MerkleHash> MerkleTree::root_at(std::uint64_t tree_size) const {
  if (tree_size > size()) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "tree size " + num(tree_size) + " is above the " + num(size()) + " leaves held");
  }
  return subtree_root(0, tree_size);
}

void MerkleTree::path(std::uint64_t index, std::uint64_t begin, std::uint64_t end,
                      std::vector<MerkleHash>& out) const {
  const std::uint64_t n = end - begin;
  if (n <= 1) return;
  const std::uint64_t k = merkle_split_point(n);
  if (index < k) {
    path(index, begin, begin + k, out);
    out.push_back(subtree_root(begin + k, end));
  } else {
    path(index - k, begin + k, end, out);
    out.push_back(subtree_root(begin, begin + k));
  }
}

Result<std::vector<MerkleHash>> MerkleTree::inclusion_proof(std::uint64_t index,
                                                            std::uint64_t tree_size) const {
  if (tree_size > size() || index >= tree_size) {
    return make_error(ErrorCode::kInvalidArgument,
                      "inclusion proof needs index < tree size <= " + num(size()) + ", got index " +
                          num(index) + " and tree size " + num(tree_size));
  }
  std::vector<MerkleHash> out;
  path(index, 0, tree_size, out);
  return out;
}

void MerkleTree::subproof(std::uint64_t m, std::uint64_t begin, std::uint64_t end, bool whole,
                          std::vector<MerkleHash>& out) const {
  const std::uint64_t n = end - begin;
  if (m == n) {
    if (!whole) out.push_back(subtree_root(begin, end));
    return;
  }
  const std::uint64_t k = merkle_split_point(n);
  if (m <= k) {
    subproof(m, begin, begin + k, whole, out);
    out.push_back(subtree_root(begin + k, end));
  } else {
    subproof(m - k, begin + k, end, false, out);
    out.push_back(subtree_root(begin, begin + k));
  }
}

Result<std::vector<MerkleHash>> MerkleTree::consistency_proof(std::uint64_t old_size,
                                                              std::uint64_t new_size) const {
  if (new_size > size() || old_size > new_size) {
    return make_error(ErrorCode::kInvalidArgument,
                      "consistency proof needs old <= new <= " + num(size()) + ", got old " +
                          num(old_size) + " and new " + num(new_size));
  }
  std::vector<MerkleHash> out;
  if (old_size == 0 || old_size == new_size) return out;
  subproof(old_size, 0, new_size, true, out);
  return out;
}

Result<MerkleFrontier> MerkleTree::frontier_at(std::uint64_t tree_size) const {
  if (tree_size > size()) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "frontier size " + num(tree_size) + " is above the " + num(size()) + " leaves held");
  }
  std::vector<MerkleHash> hashes;
  std::uint64_t offset = 0;
  for (int bit = 63; bit >= 0; --bit) {
    const std::uint64_t width = std::uint64_t{1} << bit;
    if ((tree_size & width) == 0) continue;
    const auto level = static_cast<std::size_t>(bit);
    hashes.push_back(levels_[level][offset >> level]);
    offset += width;
  }
  return MerkleFrontier::from_hashes(tree_size, std::move(hashes));
}

// MerkleFrontier -----------------------------------------------------------------------

Result<MerkleFrontier> MerkleFrontier::from_hashes(std::uint64_t size,
                                                   std::vector<MerkleHash> hashes) {
  const auto expected = static_cast<std::size_t>(std::popcount(size));
  if (hashes.size() != expected) {
    return make_error(ErrorCode::kInvalidArgument, "a frontier of " + num(size) + " leaves has " +
                                                       num(expected) + " hashes, got " +
                                                       num(hashes.size()));
  }
  return MerkleFrontier(size, std::move(hashes));
}

MerkleHash MerkleFrontier::root() const {
  if (hashes_.empty()) return merkle_empty_root();
  MerkleHash r = hashes_.back();
  for (std::size_t i = hashes_.size() - 1; i > 0; --i) r = merkle_node_hash(hashes_[i - 1], r);
  return r;
}

void MerkleFrontier::append(const MerkleHash& leaf_hash) {
  MerkleHash h = leaf_hash;
  // Each trailing one bit of the old size is a complete subtree that the new leaf closes.
  for (std::uint64_t s = size_; (s & 1) != 0; s >>= 1) {
    h = merkle_node_hash(hashes_.back(), h);
    hashes_.pop_back();
  }
  hashes_.push_back(h);
  ++size_;
}

void MerkleFrontier::append(std::span<const MerkleHash> leaf_hashes) {
  for (const MerkleHash& h : leaf_hashes) append(h);
}

Status MerkleFrontier::extend(std::span<const MerkleHash> new_leaf_hashes, std::uint64_t new_size,
                              const MerkleHash& new_root) {
  if (new_size < size_ || new_size - size_ != new_leaf_hashes.size()) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "extending a frontier of " + num(size_) + " leaves to " + num(new_size) + " needs " +
            (new_size < size_ ? std::string("a larger size") : num(new_size - size_) + " leaves") +
            ", got " + num(new_leaf_hashes.size()));
  }
  MerkleFrontier next = *this;
  next.append(new_leaf_hashes);
  if (next.root() != new_root) {
    return make_error(ErrorCode::kAuthentication, "the " + num(new_leaf_hashes.size()) +
                                                      " new leaves do not extend the tree of " +
                                                      num(size_) + " leaves to the root of size " +
                                                      num(new_size));
  }
  *this = std::move(next);
  return ok();
}

Status MerkleFrontier::verify_consistency(std::uint64_t new_size, const MerkleHash& new_root,
                                          std::span<const MerkleHash> proof) const {
  return verify_merkle_consistency(size_, new_size, root(), new_root, proof);
}

Bytes MerkleFrontier::serialize() const {
  Bytes out;
  out.reserve(8 + 32 * hashes_.size());
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(size_ >> shift));
  }
  for (const MerkleHash& h : hashes_) out.insert(out.end(), h.begin(), h.end());
  return out;
}

Result<MerkleFrontier> MerkleFrontier::deserialize(ByteSpan bytes) {
  if (bytes.size() < 8) {
    return make_error(ErrorCode::kInvalidArgument,
                      "frontier needs at least 8 bytes, got " + num(bytes.size()));
  }
  std::uint64_t size = 0;
  for (std::size_t i = 0; i < 8; ++i) size = (size << 8) | bytes[i];
  const auto count = static_cast<std::size_t>(std::popcount(size));
  if (bytes.size() != 8 + 32 * count) {
    return make_error(ErrorCode::kInvalidArgument, "frontier of " + num(size) + " leaves needs " +
                                                       num(8 + 32 * count) + " bytes, got " +
                                                       num(bytes.size()));
  }
  std::vector<MerkleHash> hashes(count);
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t j = 0; j < 32; ++j) hashes[i][j] = bytes[8 + 32 * i + j];
  }
  return MerkleFrontier(size, std::move(hashes));
}

}  // namespace greenlight

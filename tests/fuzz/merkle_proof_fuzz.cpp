// libFuzzer target for RFC 9162 inclusion and consistency proofs and the serialized frontier
// (crypto/include/greenlight/crypto/merkle.h), as a phone or auditor gets them from a server:
//   u64 index or old size | u64 tree size | 32-byte leaf hash | 32-byte root | proof hashes...
// (big-endian; a trailing partial hash is ignored). The same bytes are also tried as a
// serialized MerkleFrontier. An honest proof from a tree built from the input must verify and
// must stop verifying when the claimed root changes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "greenlight/crypto/merkle.h"

namespace {

std::uint64_t be64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

greenlight::MerkleHash hash_at(const std::uint8_t* p) {
  greenlight::MerkleHash h{};
  std::copy_n(p, h.size(), h.begin());
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using greenlight::MerkleHash;
  (void)greenlight::MerkleFrontier::deserialize(greenlight::ByteSpan(data, size));
  if (size < 80) return 0;
  const std::uint64_t a = be64(data);
  const std::uint64_t n = be64(data + 8);
  const MerkleHash leaf = hash_at(data + 16);
  const MerkleHash root = hash_at(data + 48);
  std::vector<MerkleHash> proof;
  for (std::size_t off = 80; off + 32 <= size; off += 32) proof.push_back(hash_at(data + off));

  // Untrusted proofs with arbitrary (possibly huge) indexes and sizes.
  (void)greenlight::merkle_root_from_inclusion_proof(leaf, a, n, proof);
  (void)greenlight::verify_merkle_inclusion(leaf, a, n, proof, root);
  (void)greenlight::verify_merkle_consistency(a, n, leaf, root, proof);

  // Honest proofs over a small tree whose leaves are the proof hashes.
  if (proof.empty() || proof.size() > 64) return 0;
  greenlight::MerkleTree tree;
  for (const MerkleHash& h : proof) tree.append(h);
  const std::uint64_t size_n = tree.size();
  const std::uint64_t index = a % size_n;
  const std::uint64_t old_size = n % (size_n + 1);
  auto full_root = tree.root_at(size_n);
  auto inclusion = tree.inclusion_proof(index, size_n);
  if (!full_root || !inclusion) __builtin_trap();
  if (!greenlight::verify_merkle_inclusion(proof[index], index, size_n, *inclusion, *full_root)) {
    __builtin_trap();
  }
  if (root != *full_root &&
      greenlight::verify_merkle_inclusion(proof[index], index, size_n, *inclusion, root)) {
    __builtin_trap();
  }
  auto old_root = tree.root_at(old_size);
  auto consistency = tree.consistency_proof(old_size, size_n);
  if (!old_root || !consistency) __builtin_trap();
  if (!greenlight::verify_merkle_consistency(old_size, size_n, *old_root, *full_root,
                                             *consistency)) {
    __builtin_trap();
  }
  // The frontier check agrees with the proof.
  auto frontier = tree.frontier_at(old_size);
  if (!frontier) __builtin_trap();
  if (!frontier->verify_consistency(size_n, *full_root, *consistency)) __builtin_trap();
  return 0;
}

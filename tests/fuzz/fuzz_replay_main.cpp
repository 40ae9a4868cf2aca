// Replays a fuzz target's seed corpus without libFuzzer (for compilers without
// -fsanitize=fuzzer, such as gcc): every seed file, every truncation of it and every
// single-bit flip of its first 512 bytes go through LLVMFuzzerTestOneInput. Deterministic.
// Usage: TARGET_replay CORPUS_DIR...
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

constexpr std::size_t kMaxFlippedBytes = 512;

void run(const std::vector<std::uint8_t>& input) {
  LLVMFuzzerTestOneInput(input.data(), input.size());
}

std::size_t replay(const std::vector<std::uint8_t>& seed) {
  std::size_t runs = 0;
  for (std::size_t n = 0; n <= seed.size(); ++n, ++runs) {
    run(std::vector<std::uint8_t>(seed.begin(), seed.begin() + static_cast<std::ptrdiff_t>(n)));
  }
  std::vector<std::uint8_t> mutated = seed;
  for (std::size_t i = 0; i < std::min(seed.size(), kMaxFlippedBytes); ++i) {
    for (int bit = 0; bit < 8; ++bit, ++runs) {
      mutated[i] = static_cast<std::uint8_t>(seed[i] ^ (1u << bit));
      run(mutated);
    }
    mutated[i] = seed[i];
  }
  return runs;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t seeds = 0;
  std::size_t runs = 0;
  for (int a = 1; a < argc; ++a) {
    std::error_code ec;
    std::filesystem::directory_iterator dir(argv[a], ec);
    if (ec) {
      std::fprintf(stderr, "cannot read corpus %s: %s\n", argv[a], ec.message().c_str());
      return 1;
    }
    for (const auto& entry : dir) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      const std::vector<std::uint8_t> seed((std::istreambuf_iterator<char>(in)),
                                           std::istreambuf_iterator<char>());
      runs += replay(seed);
      ++seeds;
    }
  }
  if (seeds == 0) {
    std::fprintf(stderr, "no seed files found\n");
    return 1;
  }
  std::printf("%zu seeds, %zu runs, no crash\n", seeds, runs);
  return 0;
}

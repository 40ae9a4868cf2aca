// Building the signed export files of one window (reference/gaen.md sections 3 and 5;
// spec/protocol.md "Export files"). Pure: no I/O, no clock.
//
// - Padding: when the window holds fewer than min_keys + uniform[0, padding_range) real
//   keys, random keys are added up to that count; each copies the rolling start, rolling
//   period, transmission risk, report type and days since onset of a randomly chosen real
//   key, so padding is indistinguishable by metadata. A window without real keys gives no
//   file.
// - All keys (real and padding) are sorted by key bytes, which also removes any trace of
//   upload order, then cut into files of at most max_keys_per_file keys.
// - As the reference server does, every file says batch 1 of 1; file i (0-based) of a
//   split window has end_timestamp = window end + i so that each file is unique.
// - Names: "<start>-<end>-<NNNNN>.zip" with NNNNN the 1-based file number.
//
// Thread-safe if the RandomSource is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "greenlight/crypto/random.h"
#include "greenlight/wire/export_file.h"

namespace greenlight::server {

struct ExportBuildOptions {
  std::string region = "GL";
  std::size_t min_keys = 1000;
  std::size_t padding_range = 100;
  std::size_t max_keys_per_file = 30000;
};

struct BuiltExportFile {
  std::string name;
  Bytes zip;
  std::size_t key_count = 0;  // padding included
  std::uint64_t start_timestamp = 0;
  std::uint64_t end_timestamp = 0;
};

// Real keys are taken by value (they are sorted in place).
[[nodiscard]] Result<std::vector<BuiltExportFile>> build_export_files(
    std::vector<TemporaryExposureKey> keys, std::int64_t window_start, std::int64_t window_end,
    const ExportBuildOptions& options, const std::vector<wire::ExportSigner>& signers,
    RandomSource& rng);

// The file of a window that carries only revised_keys (GAEN: keys published before whose
// report type changed, or that were revoked), numbered `number` after the window's key
// files (end_timestamp = window end + number - 1). Not padded: revisions are rare and the
// keys are public already. revised must not be empty.
[[nodiscard]] Result<BuiltExportFile> build_revised_export_file(
    std::vector<TemporaryExposureKey> revised, std::int64_t window_start, std::int64_t window_end,
    std::size_t number, const std::string& region, const std::vector<wire::ExportSigner>& signers);

}  // namespace greenlight::server

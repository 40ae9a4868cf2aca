// What the phone remembers about matching: the exposure windows found so far (per
// diagnosis key tag, so a republished or revised key replaces its windows and a revoked one
// removes them), the export files already processed (by SHA-256 of the zip, to refuse
// replays, and by index path, to avoid fetching them again), and the user's own verified
// positive test. Tables exposure_window, processed_export, own_test of the device database.
//
// Callers group changes in a Transaction. Not thread-safe: one owner serialises calls.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "greenlight/client/database.h"
#include "greenlight/client/exposure_window.h"
#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/result.h"

namespace greenlight::client {

class ExposureStore {
 public:
  // db must outlive the store.
  explicit ExposureStore(Database& db) : db_(db) {}

  [[nodiscard]] Result<bool> is_processed(const Sha256Digest& zip_sha256);
  [[nodiscard]] Result<bool> is_path_processed(std::string_view path);
  [[nodiscard]] Status mark_processed(const Sha256Digest& zip_sha256, std::string_view path,
                                      std::int64_t now);

  [[nodiscard]] Status replace_windows(const KeyTag& tag, std::span<const ExposureWindow> windows,
                                       std::int64_t now);
  [[nodiscard]] Status delete_windows(const KeyTag& tag);
  [[nodiscard]] Result<std::vector<ExposureWindow>> windows();

  [[nodiscard]] Status set_positive_test(std::int64_t test_time);
  [[nodiscard]] Status clear_positive_test();
  [[nodiscard]] Result<std::optional<std::int64_t>> positive_test();

  // Deletes windows that started, and export records made, before cutoff, and the positive
  // test once it is older than both cutoff and keep_test_until_after.
  [[nodiscard]] Status delete_older_than(std::int64_t cutoff, std::int64_t keep_test_until_after);

 private:
  Database& db_;
};

}  // namespace greenlight::client

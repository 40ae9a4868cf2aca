#include "greenlight/server/export_builder.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <numeric>

#include "greenlight/wire/published_layout.h"

namespace greenlight::server {

namespace {

std::string file_name(std::int64_t start, std::int64_t end, std::size_t number) {
  char suffix[24];
  std::snprintf(suffix, sizeof(suffix), "%05zu", number);
  return std::to_string(start) + "-" + std::to_string(end) + "-" + suffix +
         std::string(wire::kExportSuffix);
}

}  // namespace

Result<std::vector<BuiltExportFile>> build_export_files(
    std::vector<TemporaryExposureKey> keys, std::int64_t window_start, std::int64_t window_end,
    const ExportBuildOptions& options, const std::vector<wire::ExportSigner>& signers,
    RandomSource& rng) {
  if (signers.empty()) return make_error(ErrorCode::kInvalidArgument, "no export signing key");
  if (window_start < 0 || window_end <= window_start) {
    return make_error(ErrorCode::kInvalidArgument,
                      "export window must have 0 <= start < end, got " +
                          std::to_string(window_start) + ".." + std::to_string(window_end));
  }
  if (options.max_keys_per_file == 0) {
    return make_error(ErrorCode::kInvalidArgument, "max_keys_per_file must be > 0");
  }
  std::vector<BuiltExportFile> files;
  if (keys.empty()) return files;

  const auto by_bytes = [](const TemporaryExposureKey& a, const TemporaryExposureKey& b) {
    return std::memcmp(a.key_data.data(), b.key_data.data(), 16) < 0;
  };
  // Canonical order first, so that the padding (which picks model keys by index) does not
  // depend on the order in which keys arrived.
  std::sort(keys.begin(), keys.end(), by_bytes);
  const std::size_t real = keys.size();
  const std::size_t target =
      options.min_keys + (options.padding_range > 0 ? rng.uniform(options.padding_range) : 0);
  if (real < target) {
    keys.reserve(target);
    for (std::size_t i = real; i < target; ++i) {
      const TemporaryExposureKey& model = keys[rng.uniform(real)];
      TemporaryExposureKey fake;
      rng.fill(fake.key_data.mutable_span());
      fake.rolling_start_interval_number = model.rolling_start_interval_number;
      fake.rolling_period = model.rolling_period;
      fake.transmission_risk_level = model.transmission_risk_level;
      fake.report_type = model.report_type;
      fake.days_since_onset_of_symptoms = model.days_since_onset_of_symptoms;
      keys.push_back(std::move(fake));
    }
  }
  std::vector<std::size_t> order(keys.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return by_bytes(keys[a], keys[b]); });

  std::vector<wire::SignatureInfo> infos;
  for (const auto& s : signers) infos.push_back(s.info);
  const std::size_t per_file = options.max_keys_per_file;
  const std::size_t count = (keys.size() + per_file - 1) / per_file;
  files.reserve(count);
  for (std::size_t f = 0; f < count; ++f) {
    wire::ExportBatch batch;
    batch.start_timestamp = static_cast<std::uint64_t>(window_start);
    batch.end_timestamp = static_cast<std::uint64_t>(window_end) + f;
    batch.region = options.region;
    batch.batch_num = 1;
    batch.batch_size = 1;
    batch.signature_infos = infos;
    const std::size_t begin = f * per_file;
    const std::size_t end = std::min(keys.size(), begin + per_file);
    batch.keys.reserve(end - begin);
    for (std::size_t i = begin; i < end; ++i) batch.keys.push_back(keys[order[i]]);
    auto zip = wire::write_export_zip(batch, signers);
    GL_RETURN_IF_ERROR(zip);
    files.push_back(BuiltExportFile{file_name(window_start, window_end, f + 1), std::move(*zip),
                                    end - begin, batch.start_timestamp, batch.end_timestamp});
  }
  return files;
}

Result<BuiltExportFile> build_revised_export_file(std::vector<TemporaryExposureKey> revised,
                                                  std::int64_t window_start,
                                                  std::int64_t window_end, std::size_t number,
                                                  const std::string& region,
                                                  const std::vector<wire::ExportSigner>& signers) {
  if (revised.empty() || number == 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "a revised-keys file needs keys and a file number from 1");
  }
  wire::ExportBatch batch;
  batch.revised_keys = std::move(revised);
  batch.start_timestamp = static_cast<std::uint64_t>(window_start);
  batch.end_timestamp = static_cast<std::uint64_t>(window_end) + (number - 1);
  batch.region = region;
  for (const auto& s : signers) batch.signature_infos.push_back(s.info);
  GL_ASSIGN_OR_RETURN(Bytes zip, wire::write_export_zip(batch, signers));
  return BuiltExportFile{file_name(window_start, window_end, number), std::move(zip),
                         batch.revised_keys.size(), batch.start_timestamp, batch.end_timestamp};
}

}  // namespace greenlight::server

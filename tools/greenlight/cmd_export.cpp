// `greenlight export`: build and inspect GAEN key export files (docs/cli.md).
//
//   greenlight export inspect FILE.zip [--public-key PEM] [--key-id ID --key-version V]
//   greenlight export build --keys FILE.json --private-key PEM -o FILE.zip [--region R]
//       [--key-id ID] [--key-version V] [--start-timestamp T] [--end-timestamp T]
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "command.h"
#include "greenlight/crypto/ecdsa.h"
#include "greenlight/crypto/secret_bytes.h"
#include "greenlight/wire/export_file.h"
#include "greenlight/wire/export_text.h"
#include "greenlight/wire/key_json.h"

namespace greenlight::cli {
namespace {

constexpr std::uintmax_t kMaxKeyFileBytes = 64u << 20;
constexpr std::uintmax_t kMaxPemBytes = 64u << 10;

std::string read_file(const std::string& path, std::uintmax_t max_bytes) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw CommandError{"cannot read " + path + ": " + ec.message()};
  if (size > max_bytes) {
    throw CommandError{path + " must be at most " + std::to_string(max_bytes) + " bytes, got " +
                       std::to_string(size)};
  }
  std::ifstream in(path, std::ios::binary);
  std::string data(static_cast<std::size_t>(size), '\0');
  if (!in || !in.read(data.data(), static_cast<std::streamsize>(data.size()))) {
    throw CommandError{"cannot read " + path};
  }
  return data;
}

void write_file(const std::string& path, ByteSpan data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) throw CommandError{"cannot write " + path};
}

EcdsaP256PublicKey load_public_key(const std::string& path) {
  auto key = EcdsaP256PublicKey::from_pem(read_file(path, kMaxPemBytes));
  if (!key) throw CommandError{path + ": " + key.error().message};
  return *key;
}

EcdsaP256PrivateKey load_private_key(const std::string& path) {
  std::string pem = read_file(path, kMaxPemBytes);
  auto key = EcdsaP256PrivateKey::from_pem(pem);
  secure_wipe(pem.data(), pem.size());
  if (!key) throw CommandError{path + ": " + key.error().message};
  return *key;
}

struct InspectOptions {
  std::string zip_path;
  std::string public_key_path;
  std::string key_id;
  std::string key_version;
  // Without a key nothing is authenticated, so export.bin is capped well below the verified
  // limit: protobuf spends about 70 bytes per (even empty) key message, and a 61 KB zip can
  // inflate to 60 MB of 2-byte key messages.
  std::size_t max_unverified_bytes = 4u << 20;
};

void run_inspect(const InspectOptions& options) {
  const std::string zip = read_file(options.zip_path, wire::ExportReadLimits{}.max_zip_bytes);
  if (options.public_key_path.empty()) {
    wire::ExportReadLimits limits;
    limits.max_export_bin_bytes = options.max_unverified_bytes;
    auto parsed = wire::read_export_zip_unverified(as_bytes(zip), limits);
    if (!parsed) throw CommandError{options.zip_path + ": " + parsed.error().message};
    std::fputs(wire::format_export_summary(*parsed).c_str(), stdout);
    std::puts("signature: not checked (no --public-key)");
    return;
  }
  // With a key: the signature is verified over the exact export.bin bytes before the
  // protobuf is parsed (reference/security.md A14, A27); only export.sig is read first, to
  // learn which key ids the file claims.
  const EcdsaP256PublicKey public_key = load_public_key(options.public_key_path);
  auto signatures = wire::read_export_signatures(as_bytes(zip));
  if (!signatures) throw CommandError{options.zip_path + ": " + signatures.error().message};
  std::vector<wire::TrustedSigningKey> trusted;
  if (!options.key_id.empty()) {
    trusted.push_back({options.key_id, options.key_version, public_key});
  } else {
    // No id given: trust the key under whatever id/version each signature names.
    for (const auto& signature : *signatures) {
      trusted.push_back({signature.info.verification_key_id,
                         signature.info.verification_key_version, public_key});
    }
  }
  auto verified = wire::read_export_zip(as_bytes(zip), trusted);
  if (!verified) {
    std::puts("signature: NOT verified");
    std::fflush(stdout);
    throw CommandError{options.zip_path + ": signature does not verify with " +
                       options.public_key_path + " (" + verified.error().message + ")"};
  }
  wire::UnverifiedExport summary{std::move(verified->batch), {}, {}};
  for (auto& signature : *signatures) {
    summary.signatures.emplace_back(std::move(signature.info), std::move(signature.signature));
  }
  std::fputs(wire::format_export_summary(summary).c_str(), stdout);
  std::printf("signature: verified (key_id=%s key_version=%s)\n",
              verified->signed_by.verification_key_id.c_str(),
              verified->signed_by.verification_key_version.c_str());
}

struct BuildOptions {
  std::string keys_path;
  std::string private_key_path;
  std::string output_path;
  std::string region = "XX";
  std::string key_id = "greenlight";
  std::string key_version = "v1";
  std::optional<std::uint64_t> start_timestamp;
  std::optional<std::uint64_t> end_timestamp;
};

void run_build(const BuildOptions& options) {
  auto key_file = wire::parse_key_file_json(read_file(options.keys_path, kMaxKeyFileBytes));
  if (!key_file) throw CommandError{options.keys_path + ": " + key_file.error().message};

  wire::ExportBatch batch;
  batch.region = options.region;
  batch.keys = std::move(key_file->keys);
  batch.revised_keys = std::move(key_file->revised_keys);
  wire::sort_keys_by_key_data(batch.keys);
  wire::sort_keys_by_key_data(batch.revised_keys);

  // Default window: from the start of the earliest key to the end of the latest one.
  std::optional<std::uint64_t> first;
  std::optional<std::uint64_t> last;
  for (const auto* list : {&batch.keys, &batch.revised_keys}) {
    for (const auto& key : *list) {
      const auto start =
          static_cast<std::uint64_t>(unix_seconds_from_interval(key.rolling_start_interval_number));
      const auto end = static_cast<std::uint64_t>(unix_seconds_from_interval(key.end_interval()));
      first = first ? std::min(*first, start) : start;
      last = last ? std::max(*last, end) : end;
    }
  }
  if ((!options.start_timestamp && !first) || (!options.end_timestamp && !last)) {
    throw CommandError{"--start-timestamp and --end-timestamp are required when " +
                       options.keys_path + " holds no keys"};
  }
  batch.start_timestamp = options.start_timestamp.value_or(first.value_or(0));
  batch.end_timestamp = options.end_timestamp.value_or(last.value_or(0));
  if (batch.start_timestamp > batch.end_timestamp) {
    throw CommandError{"--start-timestamp must not be after --end-timestamp, got " +
                       std::to_string(batch.start_timestamp) + " > " +
                       std::to_string(batch.end_timestamp)};
  }

  wire::ExportSigner signer{{options.key_version, options.key_id, wire::kEcdsaP256Sha256Oid},
                            load_private_key(options.private_key_path)};
  batch.signature_infos = {signer.info};
  auto zip = wire::write_export_zip(batch, {signer});
  if (!zip) throw CommandError{zip.error().message};
  write_file(options.output_path, *zip);
  std::printf("wrote %s: %zu keys, %zu revised keys, %zu bytes\n", options.output_path.c_str(),
              batch.keys.size(), batch.revised_keys.size(), zip->size());
}

void setup_export(CLI::App& app) {
  CLI::App* command = app.add_subcommand("export", "Build and inspect GAEN key export files");
  command->require_subcommand(1);

  auto inspect_options = std::make_shared<InspectOptions>();
  CLI::App* inspect = command->add_subcommand(
      "inspect", "Print an export's header fields and keys; check its signature with --public-key");
  inspect->footer(
      "Key lines: KEY_HEX RSIN ROLLING_PERIOD REPORT_TYPE TRL DSOS (DSOS '-' when absent).\n"
      "Last line: 'signature: verified (...)', 'signature: NOT verified' (exit code 1) or\n"
      "'signature: not checked (no --public-key)'.");
  inspect->add_option("file", inspect_options->zip_path, "Export zip")->required();
  CLI::Option* public_key = inspect->add_option("--public-key", inspect_options->public_key_path,
                                                "PEM public key (P-256 SPKI) to verify with");
  CLI::Option* key_id = inspect->add_option(
      "--key-id", inspect_options->key_id,
      "verification_key_id the key is trusted for (default: whatever export.sig names)");
  CLI::Option* key_version = inspect->add_option("--key-version", inspect_options->key_version,
                                                 "verification_key_version (with --key-id)");
  key_id->needs(public_key)->needs(key_version);
  key_version->needs(key_id);
  inspect
      ->add_option("--max-unverified-bytes", inspect_options->max_unverified_bytes,
                   "Without --public-key, refuse an export.bin larger than this (default 4 MiB)")
      ->check(CLI::Range(std::size_t{16}, std::size_t{64} << 20));
  inspect->callback([inspect_options] { run_inspect(*inspect_options); });

  auto build_options = std::make_shared<BuildOptions>();
  CLI::App* build =
      command->add_subcommand("build", "Write a signed export zip from a JSON key file");
  build->footer(
      "Key file (docs/cli.md):\n"
      "  {\"keys\": [{\"key\": \"32 hex digits or base64\",\n"
      "             \"rolling_start_interval_number\": N,  (required)\n"
      "             \"rolling_period\": 1..144,             (default 144)\n"
      "             \"transmission_risk_level\": 0..8,      (default 0)\n"
      "             \"report_type\": 0..5,                  (default 0)\n"
      "             \"days_since_onset_of_symptoms\": -14..14}],  (default absent)\n"
      "   \"revised_keys\": [same shape, optional]}");
  build->add_option("--keys", build_options->keys_path, "JSON key file")->required();
  build->add_option("--private-key", build_options->private_key_path, "PEM P-256 private key")
      ->required();
  build->add_option("-o,--output", build_options->output_path, "Output zip")->required();
  build->add_option("--region", build_options->region, "Region (default XX)");
  build->add_option("--key-id", build_options->key_id, "verification_key_id (default greenlight)");
  build->add_option("--key-version", build_options->key_version,
                    "verification_key_version (default v1)");
  build
      ->add_option("--start-timestamp", build_options->start_timestamp,
                   "UTC seconds (default: start of the earliest key)")
      ->transform(not_negative());
  build
      ->add_option("--end-timestamp", build_options->end_timestamp,
                   "UTC seconds (default: end of the latest key)")
      ->transform(not_negative());
  build->callback([build_options] { run_build(*build_options); });
}

}  // namespace

GREENLIGHT_REGISTER_COMMAND(export, setup_export);

}  // namespace greenlight::cli

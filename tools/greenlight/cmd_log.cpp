// `greenlight log`: transparency-log tools (docs/transparency.md).
//   greenlight log keygen --name NAME --out FILE
//   greenlight log audit (--server URL | --dir DIR) --log-key VKEY [--state FILE] ...
#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
#include "greenlight/client/http_fetcher.h"
#include "greenlight/client/log_auditor.h"
#include "greenlight/client/log_monitor.h"
#include "greenlight/crypto/signed_note.h"

namespace greenlight::cli {
namespace {

namespace fs = std::filesystem;

struct AuditCliOptions {
  std::string server;
  std::string dir;
  std::string log_key;
  std::string origin;
  std::string state;
  std::vector<std::string> witnesses;
  std::size_t witness_threshold = 0;
  std::vector<std::string> indexes;
  std::int64_t now = 0;  // 0: the system clock
  std::int64_t retention_days = 14;
  bool verbose = false;
};

struct KeygenOptions {
  std::string name;
  std::string out;
};

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// A vkey given inline or as the path of a file that holds one.
NoteVerifier load_verifier(const std::string& value, const std::string& flag) {
  std::string text = value;
  std::error_code ec;
  if (fs::is_regular_file(value, ec)) {
    auto contents = read_text(value);
    if (!contents) throw CommandError{flag + ": cannot read " + value};
    text = trim(*contents);
  }
  auto verifier = NoteVerifier::from_vkey(text);
  if (!verifier) throw CommandError{flag + ": " + verifier.error().message};
  return *verifier;
}

// Writes via a temporary file and rename, so an interrupted run never leaves half a state.
void write_atomically(const std::string& path, const std::string& contents, mode_t mode) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw CommandError{"cannot write " + tmp};
    out << contents;
    out.flush();
    if (!out) throw CommandError{"cannot write " + tmp};
  }
  ::chmod(tmp.c_str(), mode);
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw CommandError{"cannot replace " + path + ": " + ec.message()};
}

void run_keygen(const KeygenOptions& options) {
  std::error_code ec;
  if (fs::exists(options.out, ec)) {
    throw CommandError{options.out + " exists; refusing to overwrite a signing key"};
  }
  auto signer = NoteSigner::generate(options.name);
  if (!signer) throw CommandError{"--name: " + signer.error().message};
  const SecretBytes skey = signer->skey();
  std::string text(as_string_view(skey.span()));
  text += "\n";
  write_atomically(options.out, text, S_IRUSR | S_IWUSR);
  secure_wipe(text.data(), text.size());
  std::printf("%s\n", signer->verifier().vkey().c_str());
}

void run_audit(const AuditCliOptions& options) {
  if (options.server.empty() == options.dir.empty()) {
    throw CommandError{"give exactly one of --server URL or --dir DIR"};
  }
  const NoteVerifier log_key = load_verifier(options.log_key, "--log-key");
  std::vector<NoteVerifier> witnesses;
  for (const std::string& w : options.witnesses) witnesses.push_back(load_verifier(w, "--witness"));
  if (options.witness_threshold > witnesses.size()) {
    throw CommandError{"--witness-threshold " + std::to_string(options.witness_threshold) +
                       " is above the " + std::to_string(witnesses.size()) + " witnesses given"};
  }
  client::AuditOptions audit{
      .policy = CheckpointPolicy{options.origin.empty() ? log_key.name() : options.origin, log_key,
                                 witnesses, options.witness_threshold}};
  if (!options.indexes.empty()) {
    audit.content_indexes = options.indexes;
  } else {
    audit.content_indexes = {"v1/exports/index.txt"};
  }
  if (options.retention_days < 0) throw CommandError{"--retention-days must be >= 0"};
  audit.now = options.now != 0 ? options.now : static_cast<std::int64_t>(std::time(nullptr));
  audit.retention_seconds = options.retention_days * 24 * 3600;
  if (!options.state.empty()) {
    std::error_code ec;
    if (fs::exists(options.state, ec)) {
      auto previous = read_text(options.state);
      if (!previous) throw CommandError{"--state: cannot read " + options.state};
      audit.previous_checkpoint = *previous;
    }
  }

  Result<client::AuditReport> report = make_error(ErrorCode::kInternal, "no source");
  if (!options.dir.empty()) {
    client::DirectoryLogSource source(options.dir);
    report = client::audit_log(source, audit);
  } else {
    client::BeastHttpFetcher http;
    client::HttpLogFetcher fetcher(http, options.server);
    client::FetcherLogSource source(fetcher);
    report = client::audit_log(source, audit);
  }
  if (!report) {
    std::printf("FAIL: cannot read the log: %s\n", report.error().message.c_str());
    throw CommandError{"audit failed"};
  }
  std::fputs(client::format_audit_report(*report).c_str(), stdout);
  if (options.verbose) {
    std::printf("checkpoint:\n%s", report->checkpoint_note.c_str());
  }
  if (!report->ok()) throw CommandError{"audit failed"};
  if (!options.state.empty()) write_atomically(options.state, report->checkpoint_note, 0644);
}

void setup_log(CLI::App& app) {
  CLI::App* command = app.add_subcommand("log", "Transparency-log tools (docs/transparency.md)");
  command->require_subcommand(1);

  auto keygen = std::make_shared<KeygenOptions>();
  CLI::App* kg = command->add_subcommand(
      "keygen",
      "Generate an Ed25519 signed-note key: writes the private key (PRIVATE+KEY+...) to --out "
      "with mode 0600 and prints the verifier key (NAME+HASH+KEY)");
  kg->add_option("--name", keygen->name, "Key name, normally the log origin")->required();
  kg->add_option("--out", keygen->out, "Private key file to create")->required();
  kg->callback([keygen] { run_keygen(*keygen); });

  auto audit = std::make_shared<AuditCliOptions>();
  CLI::App* au = command->add_subcommand(
      "audit",
      "Re-verify the whole log: checkpoint signature, root recomputed from every leaf, "
      "consistency with the checkpoint saved in --state, that every served file is logged and "
      "every logged batch younger than --retention-days is served. "
      "Prints OK: ... or FAIL: ...; exit code 0 or 1");
  au->add_option("--server", audit->server, "Server base URL, e.g. http://127.0.0.1:8080");
  au->add_option("--dir", audit->dir, "Directory mirror of the server's static files");
  au->add_option("--log-key", audit->log_key, "Log verifier key (NAME+HASH+KEY) or a file with it")
      ->required();
  au->add_option("--origin", audit->origin, "Checkpoint origin (default: the log key's name)");
  au->add_option("--state", audit->state,
                 "File with the checkpoint verified last time; replaced after a passing audit");
  au->add_option("--witness", audit->witnesses, "Witness verifier key (repeatable)");
  au->add_option("--witness-threshold", audit->witness_threshold,
                 "Witness cosignatures required (default 0)")
      ->transform(not_negative());
  au->add_option("--index", audit->indexes,
                 "Content index path to check (repeatable; default v1/exports/index.txt)");
  au->add_option("--retention-days", audit->retention_days,
                 "Batches whose window ended this long ago may be deleted (default 14); "
                 "every younger logged batch must be served")
      ->check(CLI::Range(0, 3650));
  au->add_option("--now", audit->now, "Audit time in unix seconds (default: the system clock)");
  au->add_flag("--verbose", audit->verbose, "Also print the verified checkpoint");
  au->callback([audit] { run_audit(*audit); });
}

}  // namespace

GREENLIGHT_REGISTER_COMMAND(log, setup_log);

}  // namespace greenlight::cli

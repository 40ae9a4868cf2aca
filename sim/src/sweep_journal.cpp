#include "greenlight/sim/sweep_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <system_error>
#include <type_traits>

#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/hash.h"

namespace greenlight::sim {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr int kFormat = 1;
constexpr std::string_view kFormatKey = "greenlight_sweep_run";
// The results are kept as their bytes: the journal is only read back by the build that wrote
// it.
static_assert(std::is_trivially_copyable_v<RunSummary>);
static_assert(std::is_trivially_copyable_v<ScenarioMetrics>);
static_assert(std::is_trivially_copyable_v<ServerHoldings>);
static_assert(std::is_trivially_copyable_v<DailyStats>);

std::unexpected<Error> io_error(const std::string& what, const fs::path& path) {
  return make_error(ErrorCode::kIo, what + " " + path.string() + ": " + std::strerror(errno));
}

struct RunFile {
  std::string build;
  std::string config_hash;
  std::string summary_hex;
  std::string scenario_hex;  // empty: not recorded (sim sweep, threshold-sweep)
  std::string server_hex;
  std::string days_hex;  // empty: not recorded (all but sim fit)
};

// A trivially copyable T from its bytes in hex.
template <typename T>
Result<T> from_hex_bytes(const fs::path& path, const std::string& hex, const char* what) {
  auto bytes = from_hex(hex);
  if (!bytes || bytes->size() != sizeof(T)) {
    return make_error(ErrorCode::kInvalidArgument,
                      path.string() + ": " + what + " must be " + std::to_string(sizeof(T)) +
                          " bytes in hex; remove this file (the folder's other runs stay usable)");
  }
  T out;
  std::memcpy(&out, bytes->data(), sizeof out);
  return out;
}

template <typename T>
std::string hex_bytes(const T& v) {
  return to_hex(ByteSpan(reinterpret_cast<const std::uint8_t*>(&v), sizeof v));
}

Result<RunFile> read_run_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot read", path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  boost::system::error_code ec;
  const json::value doc = json::parse(text, ec);
  const json::object* o = ec ? nullptr : doc.if_object();
  const auto string_at = [o](std::string_view key) -> const json::string* {
    const json::value* v = o != nullptr ? o->if_contains(key) : nullptr;
    return v != nullptr ? v->if_string() : nullptr;
  };
  const json::value* format = o != nullptr ? o->if_contains(kFormatKey) : nullptr;
  const json::string* build = string_at("build");
  const json::string* hash = string_at("config_sha256");
  const json::string* summary = string_at("summary");
  if (format == nullptr || !format->is_int64() || format->as_int64() != kFormat ||
      build == nullptr || hash == nullptr || summary == nullptr) {
    return make_error(ErrorCode::kInvalidArgument,
                      path.string() +
                          ": not a sweep run of this format (expected a JSON object "
                          "with greenlight_sweep_run 1, build, config_sha256 and "
                          "summary); remove this file (the folder's other runs stay usable)");
  }
  const json::string* scenario = string_at("scenario");
  const json::string* server = string_at("server");
  const json::string* days = string_at("days");
  return RunFile{std::string(*build),
                 std::string(*hash),
                 std::string(*summary),
                 scenario != nullptr ? std::string(*scenario) : std::string(),
                 server != nullptr ? std::string(*server) : std::string(),
                 days != nullptr ? std::string(*days) : std::string()};
}

// Writes `text` to `path` so that a crash leaves the old file or the new one, never a part.
Status write_durably(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(tmp.c_str(), "wb"),
                                                            &std::fclose);
    if (!f) return io_error("cannot create", tmp);
    if (std::fwrite(text.data(), 1, text.size(), f.get()) != text.size() ||
        std::fflush(f.get()) != 0 || ::fsync(::fileno(f.get())) != 0) {
      return io_error("cannot write", tmp);
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return io_error("cannot rename", tmp);
  // The rename itself survives a crash once the folder is synced.
  const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return io_error("cannot open", path.parent_path());
  const bool synced = ::fsync(dir) == 0;
  ::close(dir);
  if (!synced) return io_error("cannot sync", path.parent_path());
  return ok();
}

}  // namespace

Result<std::string> executable_identity() {
  const fs::path self = "/proc/self/exe";
  std::ifstream in(self, std::ios::binary);
  if (!in) return io_error("cannot read", self);
  Sha256 hash;
  std::array<char, 1 << 16> buffer;
  while (in) {
    in.read(buffer.data(), buffer.size());
    const auto n = static_cast<std::size_t>(in.gcount());
    hash.update(ByteSpan(reinterpret_cast<const std::uint8_t*>(buffer.data()), n));
  }
  if (in.bad()) return io_error("cannot read", self);
  return to_hex(hash.finish());
}

Result<SweepJournal> SweepJournal::open(fs::path dir, bool resume) {
  auto build = executable_identity();
  GL_RETURN_IF_ERROR(build);
  SweepJournal journal(dir, std::move(*build));
  std::error_code ec;
  if (!fs::exists(dir, ec)) return journal;  // made by the first record()
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".json") continue;  // a crash's leftover .tmp files too
    ++journal.runs_at_open_;
    if (!resume) continue;
    auto file = read_run_file(entry.path());
    GL_RETURN_IF_ERROR(file);
    if (file->build != journal.build_) {
      return make_error(ErrorCode::kFailedPrecondition,
                        entry.path().string() +
                            " was written by another greenlight build, whose results may "
                            "differ from this one's; remove " +
                            dir.string() + " to start the sweep over");
    }
  }
  if (ec) return make_error(ErrorCode::kIo, "cannot list " + dir.string() + ": " + ec.message());
  if (!resume && journal.runs_at_open_ > 0) {
    return make_error(ErrorCode::kFailedPrecondition,
                      dir.string() + " holds " + std::to_string(journal.runs_at_open_) +
                          " finished run(s) of an interrupted sweep: add --resume to reuse "
                          "them, or remove the folder to start over");
  }
  return journal;
}

fs::path SweepJournal::file_for(const std::string& hash) const {
  return dir_ / (hash.substr(0, 32) + ".json");
}

struct SweepJournal::Found {
  fs::path path;
  RunFile file;
};

Result<std::optional<SweepJournal::Found>> SweepJournal::find_file(const SimConfig& config) const {
  const std::string hash = config_hash(config);
  const fs::path path = file_for(hash);
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::optional<Found>{};
  auto file = read_run_file(path);
  GL_RETURN_IF_ERROR(file);
  // The name holds half the hash: the file must be of this very configuration and build.
  if (file->config_hash != hash || file->build != build_) {
    return std::optional<Found>{};
  }
  used_.insert(path);
  return std::optional<Found>(Found{path, std::move(*file)});
}

Result<std::optional<RunSummary>> SweepJournal::find(const SimConfig& config) const {
  auto found = find_file(config);
  GL_RETURN_IF_ERROR(found);
  if (!*found) return std::optional<RunSummary>{};
  auto summary = from_hex_bytes<RunSummary>((*found)->path, (*found)->file.summary_hex, "summary");
  GL_RETURN_IF_ERROR(summary);
  return std::optional<RunSummary>(*summary);
}

Result<std::optional<SweepJournal::Outcome>> SweepJournal::find_outcome(
    const SimConfig& config) const {
  auto found = find_file(config);
  GL_RETURN_IF_ERROR(found);
  if (!*found || (*found)->file.scenario_hex.empty()) return std::optional<Outcome>{};
  const Found& f = **found;
  auto summary = from_hex_bytes<RunSummary>(f.path, f.file.summary_hex, "summary");
  GL_RETURN_IF_ERROR(summary);
  auto scenario = from_hex_bytes<ScenarioMetrics>(f.path, f.file.scenario_hex, "scenario");
  GL_RETURN_IF_ERROR(scenario);
  auto server = from_hex_bytes<ServerHoldings>(f.path, f.file.server_hex, "server");
  GL_RETURN_IF_ERROR(server);
  return std::optional<Outcome>(Outcome{*summary, *scenario, *server});
}

Status SweepJournal::record(const SimConfig& config, const RunSummary& summary) const {
  return write(config, summary, nullptr);
}

Status SweepJournal::record_outcome(const SimConfig& config, const Outcome& outcome) const {
  return write(config, outcome.summary, &outcome);
}

Result<std::optional<std::vector<DailyStats>>> SweepJournal::find_days(
    const SimConfig& config) const {
  using Days = std::vector<DailyStats>;
  auto found = find_file(config);
  GL_RETURN_IF_ERROR(found);
  if (!*found || (*found)->file.days_hex.empty()) return std::optional<Days>{};
  auto bytes = from_hex((*found)->file.days_hex);
  if (!bytes || bytes->size() % sizeof(DailyStats) != 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      (*found)->path.string() + ": days must be a whole number of " +
                          std::to_string(sizeof(DailyStats)) +
                          "-byte days in hex; remove the folder to start over");
  }
  // A run of this configuration has run.days days (a file cut short gave the missing days as
  // zeros to the fit).
  if (bytes->size() / sizeof(DailyStats) != config.run.days) {
    return make_error(ErrorCode::kInvalidArgument,
                      (*found)->path.string() + ": holds " +
                          std::to_string(bytes->size() / sizeof(DailyStats)) +
                          " days, its run has " + std::to_string(config.run.days) +
                          "; remove this file (the folder's other runs stay usable)");
  }
  Days days(bytes->size() / sizeof(DailyStats));
  if (!days.empty()) std::memcpy(days.data(), bytes->data(), bytes->size());
  return std::optional<Days>(std::move(days));
}

Status SweepJournal::record_days(const SimConfig& config, const RunSummary& summary,
                                 std::span<const DailyStats> days) const {
  return write(config, summary, nullptr, days);
}

Status SweepJournal::write(const SimConfig& config, const RunSummary& summary,
                           const Outcome* outcome, std::span<const DailyStats> days) const {
  const std::string hash = config_hash(config);
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return make_error(ErrorCode::kIo, "cannot create " + dir_.string() + ": " + ec.message());
  json::object o;
  o[kFormatKey] = kFormat;
  o["build"] = build_;
  o["config_sha256"] = hash;
  o["infections"] = summary.infections;  // for a reader of the folder; not read back
  o["deaths"] = summary.deaths;
  o["summary"] = hex_bytes(summary);
  if (outcome != nullptr) {
    o["scenario"] = hex_bytes(outcome->scenario);
    o["server"] = hex_bytes(outcome->server);
  }
  if (!days.empty()) {
    o["days"] = to_hex(ByteSpan(reinterpret_cast<const std::uint8_t*>(days.data()),
                                days.size() * sizeof(DailyStats)));
  }
  o["config"] = json::parse(config_to_json(config));  // for a reader; not read back
  const fs::path path = file_for(hash);
  GL_RETURN_IF_ERROR(write_durably(path, json::serialize(o) + "\n"));
  used_.insert(path);
  return ok();
}

Result<std::size_t> SweepJournal::remove() const {
  const auto failed = [&](const fs::path& what, const std::error_code& ec) {
    return make_error(ErrorCode::kIo, "cannot remove " + what.string() + ": " + ec.message());
  };
  std::error_code ec;
  for (const fs::path& path : used_) {
    if (!fs::remove(path, ec) && ec) return failed(path, ec);
  }
  if (!fs::exists(dir_, ec)) return std::size_t{0};
  std::size_t kept = 0;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().extension() == ".json") ++kept;
  }
  if (ec) return failed(dir_, ec);
  if (kept == 0) {
    fs::remove_all(dir_, ec);  // and any temporary file of an interrupted write
    if (ec) return failed(dir_, ec);
  }
  return kept;
}

}  // namespace greenlight::sim

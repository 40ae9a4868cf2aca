// GET /v1/log/... (docs/transparency.md "Endpoints"), the static mirror of the log, and the
// ServerModule that wires the log into a Server: routes plus the before-publish hook that
// logs every publication before it is served.
#include <charconv>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "greenlight/server/transparency_log.h"

namespace greenlight::server {
namespace {

constexpr std::string_view kTextType = "text/plain; charset=utf-8";
// Leaf ranges and proofs for sizes a checkpoint covers never change.
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kRevalidate = "no-cache";

std::string num(std::uint64_t v) { return std::to_string(v); }

Result<std::map<std::string, std::string, std::less<>>> parse_query(std::string_view query) {
  std::map<std::string, std::string, std::less<>> out;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      return make_error(ErrorCode::kInvalidArgument,
                        "query parameter without a value: " + std::string(pair.substr(0, 32)));
    }
    const std::string name(pair.substr(0, eq));
    if (!out.emplace(name, std::string(pair.substr(eq + 1))).second) {
      return make_error(ErrorCode::kInvalidArgument, "query parameter " + name + " given twice");
    }
  }
  return out;
}

Result<std::uint64_t> number_param(const std::map<std::string, std::string, std::less<>>& params,
                                   std::string_view name) {
  const auto it = params.find(name);
  if (it == params.end()) {
    return make_error(ErrorCode::kInvalidArgument, "missing query parameter " + std::string(name));
  }
  const std::string& v = it->second;
  std::uint64_t out = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || v.size() > 20 || ec != std::errc() || end != v.data() + v.size() ||
      (v.size() > 1 && v[0] == '0')) {
    return make_error(ErrorCode::kInvalidArgument,
                      "query parameter " + std::string(name) + " must be a decimal number");
  }
  return out;
}

std::string hash_lines(const std::vector<MerkleHash>& hashes) {
  std::string out;
  for (const MerkleHash& h : hashes) out += base64_encode(h) + "\n";
  return out;
}

std::string leaf_lines(const std::vector<Bytes>& leaves) {
  std::string out;
  for (const Bytes& l : leaves) out += base64_encode(l) + "\n";
  return out;
}

HttpResponse text_response(std::string body, std::string_view cache_control) {
  HttpResponse r = HttpResponse::text(200, std::move(body), std::string(kTextType));
  r.set_header("Cache-Control", std::string(cache_control));
  return r;
}

HttpResponse route(const TransparencyLog& log, const HttpRequest& request) {
  auto params = parse_query(request.query);
  if (!params) return error_response(params.error());
  const std::string_view path = request.path;

  if (path == "/v1/log/checkpoint") {
    auto note = log.latest_checkpoint();
    if (!note) return error_response(note.error());
    return text_response(std::move(*note), kRevalidate);
  }
  if (path == "/v1/log/leaves") {
    auto start = number_param(*params, "start");
    if (!start) return error_response(start.error());
    auto end = number_param(*params, "end");
    if (!end) return error_response(end.error());
    if (*end < *start || *end - *start > kMaxLogLeavesPerRequest) {
      return error_response(
          Error{ErrorCode::kInvalidArgument,
                "leaf range must have start <= end <= start + " + num(kMaxLogLeavesPerRequest)});
    }
    auto leaves = log.leaves(*start, *end);
    if (!leaves) return error_response(leaves.error());
    return text_response(leaf_lines(*leaves), kImmutable);
  }
  if (path == "/v1/log/proof/inclusion") {
    auto index = number_param(*params, "index");
    if (!index) return error_response(index.error());
    auto size = number_param(*params, "size");
    if (!size) return error_response(size.error());
    auto proof = log.inclusion_proof(*index, *size);
    if (!proof) return error_response(proof.error());
    return text_response(hash_lines(*proof), kImmutable);
  }
  if (path == "/v1/log/proof/consistency") {
    auto old_size = number_param(*params, "old");
    if (!old_size) return error_response(old_size.error());
    auto new_size = number_param(*params, "new");
    if (!new_size) return error_response(new_size.error());
    auto proof = log.consistency_proof(*old_size, *new_size);
    if (!proof) return error_response(proof.error());
    return text_response(hash_lines(*proof), kImmutable);
  }
  if (path == "/v1/log/frontier") {
    auto size = number_param(*params, "size");
    if (!size) return error_response(size.error());
    auto frontier = log.frontier(*size);
    if (!frontier) return error_response(frontier.error());
    return text_response(hash_lines(frontier->hashes()), kImmutable);
  }
  return error_response(Error{ErrorCode::kNotFound, "no such log resource"});
}

class TransparencyLogModule final : public ServerModule {
 public:
  explicit TransparencyLogModule(std::shared_ptr<TransparencyLog> log) : log_(std::move(log)) {}

  Status attach(ServerContext& context) override {
    const std::shared_ptr<TransparencyLog> log = log_;
    const auto handler = [log](const HttpRequest& request) {
      return handle_log_request(*log, request);
    };
    for (const char* path : {"/v1/log/checkpoint", "/v1/log/leaves", "/v1/log/proof/inclusion",
                             "/v1/log/proof/consistency", "/v1/log/frontier"}) {
      context.router.add(Method::kGet, path, handler);
    }
    StaticSite& site = context.site;
    context.router.add_prefix(Method::kGet, "/v1/log/leaves/",
                              [&site](const HttpRequest& request) { return site.serve(request); });

    auto mirror_mutex = std::make_shared<std::mutex>();
    site.add_before_publish_hook([log, &site, mirror_mutex](const Publication& p) -> Status {
      auto leaf = log_leaf_for_publication(p);
      GL_RETURN_IF_ERROR(leaf);
      std::lock_guard lock(*mirror_mutex);
      const std::uint64_t before = log->published_size();
      auto receipt = log->publish(*leaf);
      GL_RETURN_IF_ERROR(receipt);
      return write_log_mirror(*log, site, before);
    });
    // Another instance on the same database appended and signed: serve its checkpoint and
    // leaves here too (the proofs come from the caught-up tree).
    context.add_site_refresh_job([log, &site, mirror_mutex]() -> Result<bool> {
      std::lock_guard lock(*mirror_mutex);
      const std::uint64_t before = log->published_size();
      GL_ASSIGN_OR_RETURN(const bool changed, log->refresh());
      if (changed) GL_RETURN_IF_ERROR(write_log_mirror(*log, site, before));
      return changed;
    });
    std::lock_guard lock(*mirror_mutex);
    return write_log_mirror(*log_, site, 0);
  }

 private:
  std::shared_ptr<TransparencyLog> log_;
};

}  // namespace

HttpResponse handle_log_request(const TransparencyLog& log, const HttpRequest& request) {
  if (request.method != Method::kGet && request.method != Method::kHead) {
    return error_response(Error{ErrorCode::kInvalidArgument, "the log is read-only: use GET"}, 405);
  }
  return route(log, request);
}

Status write_log_mirror(const TransparencyLog& log, StaticSite& site, std::uint64_t first_leaf) {
  auto note = log.latest_checkpoint();
  GL_RETURN_IF_ERROR(note);
  auto parsed = parse_note(*note);
  GL_RETURN_IF_ERROR(parsed);
  auto checkpoint = parse_checkpoint(parsed->text);
  GL_RETURN_IF_ERROR(checkpoint);
  const std::uint64_t size = checkpoint->size;
  // Bundles first, then the checkpoint: a mirror never shows a checkpoint whose leaves it
  // does not have yet.
  for (std::uint64_t bundle = first_leaf / kLogBundleSize; bundle * kLogBundleSize < size;
       ++bundle) {
    const std::uint64_t start = bundle * kLogBundleSize;
    const std::uint64_t end = std::min(size, start + kLogBundleSize);
    auto leaves = log.leaves(start, end);
    GL_RETURN_IF_ERROR(leaves);
    const bool full = end - start == kLogBundleSize;
    GL_RETURN_IF_ERROR(site.write_metadata("v1/log/leaves/" + num(bundle), leaf_lines(*leaves),
                                           std::string(kTextType),
                                           std::string(full ? kImmutable : kRevalidate)));
  }
  return site.write_metadata("v1/log/checkpoint", std::move(*note), std::string(kTextType),
                             std::string(kRevalidate));
}

std::shared_ptr<ServerModule> make_transparency_log_module(std::shared_ptr<TransparencyLog> log) {
  return std::make_shared<TransparencyLogModule>(std::move(log));
}

}  // namespace greenlight::server

#include "greenlight/server/console.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>

#include "greenlight/crypto/hash.h"
#include "greenlight/crypto/secret_bytes.h"
#include "internal/routes.h"
#include "internal/web_assets.h"

namespace greenlight::server {
namespace json = boost::json;
using internal::parse_json_object;

namespace {

constexpr char kCookieName[] = "gl_console";
constexpr char kAssetPrefix[] = "console/";
constexpr char kCsp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
// A case worker enters the symptom onset date; older onsets are not a reason for an upload
// (the keys of the last 14 days are what counts, docs/console.md).
constexpr std::int64_t kMaxOnsetAgeDays = 28;
constexpr std::int64_t kDaySeconds = 86400;

HttpResponse harden(HttpResponse response) {
  response.set_header("Content-Security-Policy", kCsp);
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("Cache-Control", "no-store");
  response.set_header("X-Frame-Options", "DENY");
  response.set_header("Cross-Origin-Opener-Policy", "same-origin");
  response.set_header("Cross-Origin-Resource-Policy", "same-origin");
  return response;
}

// Console API responses are upload-flow responses (http.h): left out of the public request
// metrics, so /metrics does not count codes issued or sign-ins, and released at the deadline.
HttpResponse api_response(HttpResponse response) {
  response.upload_flow = true;
  return harden(std::move(response));
}

HttpResponse json_ok(const json::object& body) { return HttpResponse::json(200, body); }

// A console API handler: its error becomes the server's JSON error response.
Handler api(std::function<Result<HttpResponse>(const HttpRequest&)> handler) {
  return [handler = std::move(handler)](const HttpRequest& request) {
    Result<HttpResponse> response = handler(request);
    return api_response(response ? std::move(*response) : error_response(response.error()));
  };
}

std::optional<std::string_view> cookie(const HttpRequest& request, std::string_view name) {
  auto header = request.header("Cookie");
  if (!header) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    const std::size_t end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
  }
  return std::nullopt;
}

// Refuses what a browser marks as cross-site: Sec-Fetch-Site other than same-origin, or an
// Origin whose host is not the Host the request was sent to.
bool same_origin(const HttpRequest& request) {
  if (auto site = request.header("Sec-Fetch-Site"); site && *site != "same-origin") return false;
  auto origin = request.header("Origin");
  if (!origin) return true;
  const std::size_t scheme = origin->find("://");
  auto host = request.header("Host");
  return scheme != std::string_view::npos && host && origin->substr(scheme + 3) == *host;
}

Result<std::string> string_member(const json::object& body, std::string_view name,
                                  std::size_t max_length) {
  const json::value* v = body.if_contains(name);
  if (v == nullptr) return std::string();
  if (!v->is_string() || v->as_string().size() > max_length) {
    return make_error(ErrorCode::kInvalidArgument, std::string(name) +
                                                       " must be a string of at most " +
                                                       std::to_string(max_length) + " characters");
  }
  return std::string(v->as_string());
}

// "YYYY-MM-DD" -> unix day, or an error naming what arrived.
Result<std::int64_t> parse_day(std::string_view text) {
  int y = 0;
  unsigned m = 0, d = 0;
  const bool shape = text.size() == 10 && text[4] == '-' && text[7] == '-' &&
                     std::sscanf(std::string(text).c_str(), "%4d-%2u-%2u", &y, &m, &d) == 3;
  const std::chrono::year_month_day date{std::chrono::year{y}, std::chrono::month{m},
                                         std::chrono::day{d}};
  if (!shape || !date.ok()) {
    return make_error(
        ErrorCode::kInvalidArgument,
        "symptom_onset must be a date YYYY-MM-DD, got \"" + std::string(text.substr(0, 16)) + "\"");
  }
  return std::chrono::sys_days{date}.time_since_epoch().count();
}

Result<CodeRequest> parse_console_code_request(const json::object& body, std::int64_t now) {
  CodeRequest request;
  GL_ASSIGN_OR_RETURN(auto kind, string_member(body, "kind", 8));
  if (kind == "short") {
    request.kind = CodeKind::kShort;
  } else if (!kind.empty() && kind != "long") {
    return make_error(ErrorCode::kInvalidArgument,
                      "kind must be \"long\" or \"short\", got \"" + kind + "\"");
  }
  GL_ASSIGN_OR_RETURN(auto report_type, string_member(body, "report_type", 32));
  if (!report_type.empty()) {
    auto rt = parse_report_type(report_type);
    if (!rt || (*rt != ReportType::kConfirmedTest &&
                *rt != ReportType::kConfirmedClinicalDiagnosis && *rt != ReportType::kSelfReport)) {
      return make_error(ErrorCode::kInvalidArgument,
                        "report_type must be one of confirmed, clinical, self_report, got \"" +
                            report_type + "\"");
    }
    request.grant.report_type = *rt;
  }
  GL_ASSIGN_OR_RETURN(auto purpose, string_member(body, "purpose", 16));
  if (!purpose.empty()) {
    if (purpose != "keys" && purpose != "venue_host") {
      return make_error(ErrorCode::kInvalidArgument,
                        "purpose must be \"keys\" or \"venue_host\", got \"" + purpose + "\"");
    }
    request.grant.purpose = purpose;
  }
  GL_ASSIGN_OR_RETURN(auto onset, string_member(body, "symptom_onset", 16));
  if (!onset.empty()) {
    GL_ASSIGN_OR_RETURN(auto day, parse_day(onset));
    const std::int64_t today = now / kDaySeconds;
    if (day > today || day < today - kMaxOnsetAgeDays) {
      return make_error(ErrorCode::kInvalidArgument, "symptom_onset must be within the last " +
                                                         std::to_string(kMaxOnsetAgeDays) +
                                                         " days, got " + onset);
    }
    request.grant.symptom_onset_interval = static_cast<std::int32_t>(day * 144);
  }
  return request;
}

// Metrics::daily_text -> {"days": [{"day": D, "counts": {"codes_issued kind=long": N}}]},
// without any series labelled chaff.
json::object daily_statistics(const std::string& text, std::uint64_t min_count) {
  std::map<std::string, json::object> days;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    const std::size_t open = line.find('{');
    const std::size_t close = line.rfind("} ");
    if (line.empty() || line.front() == '#' || open == std::string_view::npos ||
        close == std::string_view::npos || close < open) {
      continue;
    }
    std::string_view name = line.substr(0, open);
    if (name.starts_with("greenlight_")) name.remove_prefix(11);
    if (name.ends_with("_daily")) name.remove_suffix(6);
    std::string day;
    std::string series(name);
    bool chaff = false;
    std::string_view labels = line.substr(open + 1, close - open - 1);
    while (!labels.empty()) {
      const std::size_t eq = labels.find("=\"");
      const std::size_t quote = eq == std::string_view::npos ? eq : labels.find('"', eq + 2);
      if (quote == std::string_view::npos) break;
      const std::string_view key = labels.substr(0, eq);
      const std::string_view value = labels.substr(eq + 2, quote - eq - 2);
      if (key == "day") {
        day = value;
      } else {
        series += " " + std::string(key) + "=" + std::string(value);
        chaff = chaff || value == "chaff";
      }
      labels = labels.substr(std::min(labels.size(), quote + 2));
    }
    if (day.empty() || chaff) continue;
    days[day][series] = std::stoll(std::string(line.substr(close + 2)));
  }
  json::array out;
  for (auto& [day, counts] : days) out.push_back(json::object{{"day", day}, {"counts", counts}});
  return json::object{{"min_count", min_count}, {"days", std::move(out)}};
}

class ConsoleModule final : public ServerModule {
 public:
  explicit ConsoleModule(ConsoleConfig config)
      : config_(std::move(config)), keys_(config_.api_keys) {}

  Status attach(ServerContext& ctx) override {
    if (keys_.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "the console needs at least one health-authority API key");
    }
    GL_ASSIGN_OR_RETURN(pepper_, ctx.store.server_secret("code_pepper"));
    ctx_ = &ctx;
    add_assets(ctx.router);
    ctx.router.add(Method::kPost, "/console/api/session",
                   api([this](const HttpRequest& r) { return sign_in(r); }));
    ctx.router.add(
        Method::kGet, "/console/api/session",
        api([this](const HttpRequest& r) -> Result<HttpResponse> {
          GL_ASSIGN_OR_RETURN(const Session session, find_session(r, false));
          return json_ok({{"csrf_token", session.csrf}, {"expires_at", session.expires_at}});
        }));
    ctx.router.add(Method::kPost, "/console/api/logout",
                   api([this](const HttpRequest& r) { return sign_out(r); }));
    ctx.router.add(Method::kPost, "/console/api/codes",
                   api([this](const HttpRequest& r) { return issue_code(r); }));
    ctx.router.add(Method::kPost, "/console/api/code-status",
                   api([this](const HttpRequest& r) { return code_status(r); }));
    ctx.router.add(Method::kGet, "/console/api/stats",
                   api([this](const HttpRequest& r) -> Result<HttpResponse> {
                     GL_RETURN_IF_ERROR(find_session(r, false));
                     const std::int64_t now = ctx_->clock.now_unix_seconds();
                     return json_ok(daily_statistics(
                         ctx_->metrics.daily_text(now, config_.min_count), config_.min_count));
                   }));
    return ok();
  }

 private:
  struct Session {
    std::string csrf;
    std::int64_t expires_at = 0;
  };

  void add_assets(Router& router) {
    for (const internal::WebAsset& asset : internal::web_assets()) {
      if (!asset.path.starts_with(kAssetPrefix)) continue;
      Handler serve = [&asset](const HttpRequest&) {
        return harden(
            HttpResponse::text(200, std::string(asset.bytes), std::string(asset.content_type)));
      };
      router.add(Method::kGet, "/" + std::string(asset.path), serve);
      if (asset.path.ends_with("/index.html")) router.add(Method::kGet, "/console/", serve);
    }
    router.add(Method::kGet, "/console", [](const HttpRequest&) {
      HttpResponse response = HttpResponse::text(308, "");
      response.set_header("Location", "/console/");
      return harden(std::move(response));
    });
  }

  std::string random_token() {
    ByteArray<32> bytes{};
    ctx_->rng.fill(bytes);
    return base64url_encode(bytes);
  }

  Result<HttpResponse> sign_in(const HttpRequest& request) {
    if (!same_origin(request)) return std::unexpected(cross_site());
    GL_ASSIGN_OR_RETURN(auto body, parse_json_object(request.body));
    GL_ASSIGN_OR_RETURN(auto key, string_member(body, "api_key", 512));
    HttpRequest presented;
    presented.headers.emplace_back("Authorization", "Bearer " + key);
    if (key.empty() || !keys_.allows(presented)) return authentication_failed();
    const std::int64_t now = ctx_->clock.now_unix_seconds();
    const std::string id = random_token();
    Session session{random_token(), now + config_.session_seconds};
    {
      std::lock_guard lock(mutex_);
      std::erase_if(sessions_, [now](const auto& s) { return s.second.expires_at <= now; });
      if (sessions_.size() >= config_.max_sessions) {
        return make_error(ErrorCode::kUnavailable, "too many console sessions; try again later");
      }
      sessions_[sha256(as_bytes(id))] = session;
    }
    HttpResponse response =
        json_ok({{"csrf_token", session.csrf}, {"expires_at", session.expires_at}});
    response.set_header("Set-Cookie",
                        std::string(kCookieName) + "=" + id +
                            "; Path=/console/; Max-Age=" + std::to_string(config_.session_seconds) +
                            "; Secure; HttpOnly; SameSite=Strict");
    return response;
  }

  Result<HttpResponse> sign_out(const HttpRequest& request) {
    GL_RETURN_IF_ERROR(find_session(request, true));
    if (auto id = cookie(request, kCookieName)) {
      std::lock_guard lock(mutex_);
      sessions_.erase(sha256(as_bytes(*id)));
    }
    HttpResponse response = json_ok({{"signed_out", true}});
    response.set_header("Set-Cookie", std::string(kCookieName) +
                                          "=; Path=/console/; Max-Age=0; Secure; HttpOnly; "
                                          "SameSite=Strict");
    return response;
  }

  // The signed-in session of the request; for a POST (csrf) also the CSRF token and origin.
  Result<Session> find_session(const HttpRequest& request, bool csrf) {
    if (csrf && !same_origin(request)) return std::unexpected(cross_site());
    auto id = cookie(request, kCookieName);
    if (!id) return make_error(ErrorCode::kAuthentication, "not signed in");
    const std::int64_t now = ctx_->clock.now_unix_seconds();
    Session session;
    {
      std::lock_guard lock(mutex_);
      auto it = sessions_.find(sha256(as_bytes(*id)));
      if (it == sessions_.end() || it->second.expires_at <= now) {
        return make_error(ErrorCode::kAuthentication, "not signed in or the session expired");
      }
      session = it->second;
    }
    if (csrf) {
      auto token = request.header("X-CSRF-Token");
      if (!token || !constant_time_equal(as_bytes(*token), as_bytes(session.csrf))) {
        return make_error(ErrorCode::kAuthentication, "missing or wrong CSRF token");
      }
    }
    return session;
  }

  static Error cross_site() {
    return Error{ErrorCode::kAuthentication, "cross-site request refused"};
  }

  Result<HttpResponse> issue_code(const HttpRequest& request) {
    GL_RETURN_IF_ERROR(find_session(request, true));
    const std::int64_t now = ctx_->clock.now_unix_seconds();
    GL_ASSIGN_OR_RETURN(auto body, parse_json_object(request.body));
    GL_ASSIGN_OR_RETURN(auto code_request, parse_console_code_request(body, now));
    GL_ASSIGN_OR_RETURN(auto code, ctx_->authorization.issue_code(code_request));
    const bool is_short = code.kind == CodeKind::kShort;
    // The same daily count as POST /v1/codes (metrics.h): operators see one figure.
    ctx_->metrics.add_daily("greenlight_codes_issued_daily",
                            {{"kind", is_short ? "short" : "long"}}, now);
    json::object issued{{"code", code.code},
                        {"kind", is_short ? "short" : "long"},
                        {"expires_at", code.expires_at},
                        {"purpose", code_request.grant.purpose}};
    issued["report_type"] = report_type_name(code_request.grant.report_type);
    return json_ok(issued);
  }

  Result<HttpResponse> code_status(const HttpRequest& request) {
    GL_RETURN_IF_ERROR(find_session(request, true));
    GL_ASSIGN_OR_RETURN(auto body, parse_json_object(request.body));
    GL_ASSIGN_OR_RETURN(auto code, string_member(body, "code", 64));
    code.erase(
        std::remove_if(code.begin(), code.end(), [](char c) { return c == ' ' || c == '-'; }),
        code.end());
    if (code.empty() ||
        !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return make_error(ErrorCode::kInvalidArgument, "code must be digits");
    }
    const Sha256Digest hash = hmac_sha256(pepper_.span(), as_bytes(code));
    const std::int64_t now = ctx_->clock.now_unix_seconds();
    std::string status = "unknown";
    Status read = ctx_->store.read([&](StoreTransaction& tx) -> Status {
      GL_ASSIGN_OR_RETURN(auto rows,
                          tx.query("SELECT claimed, expires_at FROM codes WHERE code_hash = ?",
                                   {Bytes(hash.begin(), hash.end())}));
      if (rows.empty()) return ok();
      const auto* claimed = std::get_if<std::int64_t>(&rows[0][0]);
      const auto* expires = std::get_if<std::int64_t>(&rows[0][1]);
      if (claimed != nullptr && *claimed != 0) {
        status = "used";
      } else {
        status = expires != nullptr && *expires > now ? "unused" : "expired";
      }
      return ok();
    });
    GL_RETURN_IF_ERROR(read);
    return json_ok({{"status", status}});
  }

  ConsoleConfig config_;
  internal::ApiKeys keys_;
  SecretBytes pepper_;
  ServerContext* ctx_ = nullptr;
  std::mutex mutex_;
  std::map<Sha256Digest, Session> sessions_;
};

}  // namespace

std::shared_ptr<ServerModule> make_console_module(ConsoleConfig config) {
  return std::make_shared<ConsoleModule>(std::move(config));
}

}  // namespace greenlight::server

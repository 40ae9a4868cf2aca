// POST /v1/codes (health authority), POST /v1/verify and POST /v1/certificate (phone).
#include <boost/json.hpp>

#include "internal/routes.h"

namespace greenlight::server::internal {
namespace json = boost::json;

namespace {

Result<std::optional<std::string_view>> optional_string(const json::object& o,
                                                        std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return std::optional<std::string_view>{};
  if (!v->is_string()) {
    return make_error(ErrorCode::kInvalidArgument, std::string(name) + " must be a string");
  }
  return std::optional<std::string_view>(v->as_string());
}

Result<bool> chaff_flag(const json::object& o) {
  const json::value* v = o.if_contains("chaff");
  if (v == nullptr) return false;
  if (!v->is_bool()) return make_error(ErrorCode::kInvalidArgument, "chaff must be a boolean");
  return v->as_bool();
}

Result<CodeRequest> parse_code_request(const json::object& body) {
  CodeRequest request;
  auto report_type = optional_string(body, "report_type");
  GL_RETURN_IF_ERROR(report_type);
  if (*report_type) {
    // Only what a test result can be (docs/api.md); revoked, recursive and unknown are states
    // of published keys, never grounds for an upload.
    auto rt = parse_report_type(**report_type);
    if (!rt || (*rt != ReportType::kConfirmedTest &&
                *rt != ReportType::kConfirmedClinicalDiagnosis && *rt != ReportType::kSelfReport)) {
      return make_error(ErrorCode::kInvalidArgument,
                        "report_type must be one of confirmed, clinical, self_report, got \"" +
                            std::string((**report_type).substr(0, 32)) + "\"");
    }
    request.grant.report_type = *rt;
  }
  auto kind = optional_string(body, "kind");
  GL_RETURN_IF_ERROR(kind);
  if (*kind) {
    if (**kind == "short") {
      request.kind = CodeKind::kShort;
    } else if (**kind != "long") {
      return make_error(ErrorCode::kInvalidArgument, "kind must be \"long\" or \"short\", got \"" +
                                                         std::string((**kind).substr(0, 32)) +
                                                         "\"");
    }
  }
  auto purpose = optional_string(body, "purpose");
  GL_RETURN_IF_ERROR(purpose);
  if (*purpose) request.grant.purpose = std::string(**purpose);
  if (const json::value* onset = body.if_contains("symptom_onset_interval")) {
    if (!onset->is_int64() || onset->as_int64() < 0 || onset->as_int64() > INT32_MAX) {
      return make_error(ErrorCode::kInvalidArgument,
                        "symptom_onset_interval must be an interval number (0..2^31-1)");
    }
    request.grant.symptom_onset_interval = static_cast<std::int32_t>(onset->as_int64());
  }
  return request;
}

}  // namespace

Status add_authorization_routes(ServerContext& ctx, ApiKeys health_authority) {
  GL_RETURN_IF_ERROR(ensure_chaff_commit_schema(ctx.store));
  const std::size_t bucket = ctx.options.http.response_padding_bucket;
  Metrics& metrics = ctx.metrics;
  Authorization& auth = ctx.authorization;
  Store& store = ctx.store;
  const Clock& clock = ctx.clock;
  // Counted per UTC day for operators only (metrics.h): live public counts of codes or of
  // verify/certificate results would date diagnoses and tell real requests from chaff.
  metrics.describe("greenlight_codes_issued_daily", "Verification codes issued per UTC day.");
  metrics.describe("greenlight_verify_daily", "Code exchanges per UTC day, by result.");
  metrics.describe("greenlight_certificates_daily", "Certificate requests per UTC day, by result.");
  auto count = [&metrics, &clock](const char* name, std::string result) {
    metrics.add_daily(name, {{"result", std::move(result)}}, clock.now_unix_seconds());
  };

  ctx.router.add(
      Method::kPost, "/v1/codes",
      upload_flow_handler([&auth, &metrics, &clock, health_authority](const HttpRequest& req) {
        if (!health_authority.allows(req)) return error_response(authentication_failed().error());
        auto body = parse_json_object(req.body);
        if (!body) return error_response(body.error());
        auto request = parse_code_request(*body);
        if (!request) return error_response(request.error());
        auto code = auth.issue_code(*request);
        if (!code) return error_response(code.error());
        const bool is_short = code->kind == CodeKind::kShort;
        metrics.add_daily("greenlight_codes_issued_daily", {{"kind", is_short ? "short" : "long"}},
                          clock.now_unix_seconds());
        return HttpResponse::json(200, json::object{{"code", code->code},
                                                    {"kind", is_short ? "short" : "long"},
                                                    {"expires_at", code->expires_at}});
      }));

  ctx.router.add(
      Method::kPost, "/v1/verify", [&auth, &store, count, bucket](const HttpRequest& req) {
        auto body = parse_json_object(req.body);
        if (!body) return padded_error(body.error(), bucket);
        auto chaff = chaff_flag(*body);
        if (!chaff) return padded_error(chaff.error(), bucket);
        auto code = optional_string(*body, "code");
        if (!code) return padded_error(code.error(), bucket);
        if (!*code)
          return padded_error(Error{ErrorCode::kInvalidArgument, "code is required"}, bucket);
        IssuedToken token;
        if (*chaff) {
          token = auth.chaff_token();
          if (auto s = chaff_commit(store); !s) return padded_error(s.error(), bucket);
          count("greenlight_verify_daily", "chaff");
        } else {
          auto t = auth.exchange_code(**code);
          if (!t) {
            count("greenlight_verify_daily", std::string(error_code_name(t.error().code)));
            return padded_error(t.error(), bucket);
          }
          count("greenlight_verify_daily", "ok");
          token = std::move(*t);
        }
        return padded_json(200,
                           json::object{{"token", token.token},
                                        {"report_type", report_type_name(token.grant.report_type)},
                                        {"purpose", token.grant.purpose}},
                           bucket);
      });

  ctx.router.add(
      Method::kPost, "/v1/certificate", [&auth, &store, count, bucket](const HttpRequest& req) {
        auto body = parse_json_object(req.body);
        if (!body) return padded_error(body.error(), bucket);
        auto chaff = chaff_flag(*body);
        if (!chaff) return padded_error(chaff.error(), bucket);
        auto token = optional_string(*body, "token");
        if (!token) return padded_error(token.error(), bucket);
        auto tekmac_text = optional_string(*body, "tekmac");
        if (!tekmac_text) return padded_error(tekmac_text.error(), bucket);
        if (!*token || !*tekmac_text) {
          return padded_error(Error{ErrorCode::kInvalidArgument, "token and tekmac are required"},
                              bucket);
        }
        auto mac = base64_decode(**tekmac_text);
        if (!mac || mac->size() != 32) {
          return padded_error(
              Error{ErrorCode::kInvalidArgument, "tekmac must be base64 of 32 bytes"}, bucket);
        }
        Sha256Digest tekmac{};
        std::copy(mac->begin(), mac->end(), tekmac.begin());
        auto certificate =
            *chaff ? auth.chaff_certificate(tekmac) : auth.issue_certificate(**token, tekmac);
        if (*chaff && certificate) {
          if (auto s = chaff_commit(store); !s) return padded_error(s.error(), bucket);
        }
        count("greenlight_certificates_daily",
              *chaff        ? "chaff"
              : certificate ? "ok"
                            : std::string(error_code_name(certificate.error().code)));
        if (!certificate) return padded_error(certificate.error(), bucket);
        return padded_json(200, json::object{{"certificate", *certificate}}, bucket);
      });
  return ok();
}

}  // namespace greenlight::server::internal

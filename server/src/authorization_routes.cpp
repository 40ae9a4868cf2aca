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
  if (!report_type) return std::unexpected(report_type.error());
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
  if (!kind) return std::unexpected(kind.error());
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
  if (!purpose) return std::unexpected(purpose.error());
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

void add_authorization_routes(ServerContext& ctx, ApiKeys health_authority) {
  const std::size_t bucket = ctx.options.http.response_padding_bucket;
  Metrics& metrics = ctx.metrics;
  Authorization& auth = ctx.authorization;
  metrics.describe("greenlight_codes_issued_total", "Verification codes issued, by kind.");
  metrics.describe("greenlight_verify_total", "Code exchanges (POST /v1/verify), by result.");
  metrics.describe("greenlight_certificates_total", "Certificate requests, by result.");

  ctx.router.add(
      Method::kPost, "/v1/codes", [&auth, &metrics, health_authority](const HttpRequest& req) {
        if (!health_authority.allows(req)) return error_response(authentication_failed().error());
        auto body = parse_json_object(req.body);
        if (!body) return error_response(body.error());
        auto request = parse_code_request(*body);
        if (!request) return error_response(request.error());
        auto code = auth.issue_code(*request);
        if (!code) return error_response(code.error());
        const bool is_short = code->kind == CodeKind::kShort;
        metrics.counter("greenlight_codes_issued_total", {{"kind", is_short ? "short" : "long"}})
            .add();
        return HttpResponse::json(200, json::object{{"code", code->code},
                                                    {"kind", is_short ? "short" : "long"},
                                                    {"expires_at", code->expires_at}});
      });

  ctx.router.add(Method::kPost, "/v1/verify", [&auth, &metrics, bucket](const HttpRequest& req) {
    auto body = parse_json_object(req.body);
    if (!body) return padded_error(body.error(), bucket);
    auto chaff = chaff_flag(*body);
    if (!chaff) return padded_error(chaff.error(), bucket);
    auto code = optional_string(*body, "code");
    if (!code) return padded_error(code.error(), bucket);
    if (!*code) return padded_error(Error{ErrorCode::kInvalidArgument, "code is required"}, bucket);
    IssuedToken token;
    if (*chaff) {
      token = auth.chaff_token();
      metrics.counter("greenlight_verify_total", {{"result", "chaff"}}).add();
    } else {
      auto t = auth.exchange_code(**code);
      if (!t) {
        metrics
            .counter("greenlight_verify_total",
                     {{"result", std::string(error_code_name(t.error().code))}})
            .add();
        return padded_error(t.error(), bucket);
      }
      metrics.counter("greenlight_verify_total", {{"result", "ok"}}).add();
      token = std::move(*t);
    }
    return padded_json(200,
                       json::object{{"token", token.token},
                                    {"report_type", report_type_name(token.grant.report_type)},
                                    {"purpose", token.grant.purpose}},
                       bucket);
  });

  ctx.router.add(
      Method::kPost, "/v1/certificate", [&auth, &metrics, bucket](const HttpRequest& req) {
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
        const std::string result = *chaff ? "chaff"
                                   : certificate
                                       ? "ok"
                                       : std::string(error_code_name(certificate.error().code));
        metrics.counter("greenlight_certificates_total", {{"result", result}}).add();
        if (!certificate) return padded_error(certificate.error(), bucket);
        return padded_json(200, json::object{{"certificate", *certificate}}, bucket);
      });
}

}  // namespace greenlight::server::internal

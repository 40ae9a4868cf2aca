#include "greenlight/server/monitor_site.h"

#include <boost/json.hpp>

#include "internal/web_assets.h"

namespace greenlight::server {
namespace json = boost::json;

std::vector<MonitorFile> monitor_files(const MonitorConfig& config) {
  std::vector<MonitorFile> files;
  const std::string prefix = std::string(kMonitorDirectory) + "/";
  for (const internal::WebAsset& asset : internal::web_assets()) {
    if (!asset.path.starts_with(prefix)) continue;
    files.push_back(
        {std::string(asset.path), std::string(asset.content_type), std::string(asset.bytes)});
  }
  json::array authorities;
  for (const auto& key : config.venue_authority_keys) {
    authorities.emplace_back(base64_encode(key.to_spki_der()));
  }
  json::object settings{{"log_vkey", config.log_vkey},
                        {"venue_authority_keys", std::move(authorities)}};
  files.push_back({prefix + "config.json", "application/json", json::serialize(settings) + "\n"});
  return files;
}

Status write_monitor_pages(StaticSite& site, const MonitorConfig& config) {
  for (MonitorFile& file : monitor_files(config)) {
    GL_RETURN_IF_ERROR(
        site.write_metadata(file.path, std::move(file.bytes), file.content_type, "no-cache"));
  }
  return ok();
}

namespace {

class MonitorModule final : public ServerModule {
 public:
  explicit MonitorModule(MonitorConfig config) : config_(std::move(config)) {}

  Status attach(ServerContext& ctx) override {
    GL_RETURN_IF_ERROR(write_monitor_pages(ctx.site, config_));
    const StaticSite& site = ctx.site;
    const std::string prefix = "/" + std::string(kMonitorDirectory) + "/";
    ctx.router.add_prefix(Method::kGet, prefix, [&site, prefix](const HttpRequest& request) {
      if (request.path != prefix) return site.serve(request);
      HttpRequest index = request;
      index.path = prefix + "index.html";
      return site.serve(index);
    });
    return ok();
  }

 private:
  MonitorConfig config_;
};

}  // namespace

std::shared_ptr<ServerModule> make_monitor_module(MonitorConfig config) {
  return std::make_shared<MonitorModule>(std::move(config));
}

}  // namespace greenlight::server

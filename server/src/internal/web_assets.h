// The web assets of the health-authority console and the public monitor (server/web/),
// embedded in the library at build time by server/web/embed.cmake (docs/console.md "Assets").
#pragma once

#include <span>
#include <string_view>

namespace greenlight::server::internal {

struct WebAsset {
  std::string_view path;  // relative to server/web/, e.g. "console/index.html"
  std::string_view content_type;
  std::string_view bytes;
};

// Every embedded asset, in the order of server/CMakeLists.txt.
std::span<const WebAsset> web_assets();

}  // namespace greenlight::server::internal

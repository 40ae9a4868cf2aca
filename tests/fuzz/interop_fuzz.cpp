// libFuzzer target for what a phone reads from other servers and health authorities
// (docs/risk.md, docs/federation.md): CWA risk calculation parameters and exposure windows
// (client/cwa_risk.h) and other servers' index files (client/feed_source.h). Nothing may
// crash; every accepted index path must be a safe relative path (safe_path.h), every accepted
// parameter set must score the accepted windows without crashing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "greenlight/client/cwa_risk.h"
#include "greenlight/client/feed_source.h"
#include "safe_path.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr std::int64_t kToday = 1796256000;
  if (auto paths = greenlight::client::parse_foreign_index(text)) {
    for (const std::string& p : *paths) {
      if (!greenlight::fuzz::safe_relative_path(p)) __builtin_trap();
    }
  }
  auto parameters = greenlight::client::cwa::risk_parameters_from_json(text);
  auto windows = greenlight::client::cwa::windows_from_json(text, kToday);
  if (parameters && windows) {
    auto result = greenlight::client::cwa::aggregate(*windows, *parameters, kToday);
    if (result) (void)greenlight::client::cwa::result_to_json(*result, kToday);
  }
  return 0;
}

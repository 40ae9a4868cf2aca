#include "greenlight/client/sync.h"

namespace greenlight::client {

Result<std::vector<std::string>> parse_export_index(std::string_view text) {
  return wire::parse_feed_index(wire::Feed::kExports, text);
}

}  // namespace greenlight::client

#include "greenlight/client/feed_sync.h"

#include "greenlight/client/feed_source.h"

namespace greenlight::client {

Result<FeedSyncCounts> sync_feed(HttpFetcher& fetcher, std::string_view base_url, wire::Feed feed,
                                 FeedConsumer& consumer) {
  const wire::FeedLayout& layout = wire::feed_layout(feed);
  auto index = fetcher.get(wire::url_for(base_url, layout.index_path));
  GL_RETURN_IF_ERROR(index);
  auto paths = wire::parse_feed_index(feed, as_string_view(*index));
  GL_RETURN_IF_ERROR(paths);
  return sync_paths(fetcher, base_url, *paths, consumer);
}

}  // namespace greenlight::client

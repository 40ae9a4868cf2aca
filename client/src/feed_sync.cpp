#include "greenlight/client/feed_sync.h"

namespace greenlight::client {

Result<FeedSyncCounts> sync_feed(HttpFetcher& fetcher, std::string_view base_url, wire::Feed feed,
                                 FeedConsumer& consumer) {
  const wire::FeedLayout& layout = wire::feed_layout(feed);
  auto index = fetcher.get(wire::url_for(base_url, layout.index_path));
  GL_RETURN_IF_ERROR(index);
  auto paths = wire::parse_feed_index(feed, as_string_view(*index));
  GL_RETURN_IF_ERROR(paths);

  FeedSyncCounts counts;
  for (const std::string& path : *paths) {
    auto known = consumer.known(path);
    GL_RETURN_IF_ERROR(known);
    if (*known) continue;
    auto file = fetcher.get(wire::url_for(base_url, path));
    if (!file) {
      ++counts.failed;
      counts.errors.push_back(path + ": " + file.error().message);
      continue;
    }
    auto consumed = consumer.consume(*file, path);
    if (consumed) {
      ++counts.processed;
      continue;
    }
    if (consumed.error().code == ErrorCode::kAlreadyExists) {
      ++counts.already_processed;
      continue;
    }
    if (consumed.error().code == ErrorCode::kFailedPrecondition) ++counts.unlogged;
    ++counts.failed;
    counts.errors.push_back(path + ": " + consumed.error().message);
  }
  return counts;
}

}  // namespace greenlight::client

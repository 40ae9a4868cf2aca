// The one feed-sync pipeline of the phone (docs/client.md "Sync"), shared by the diagnosis-key
// exports (Client::sync) and the venue-warning batches (VenueWarnings::sync):
//
//   fetch <base>/<index> -> parse it (wire::parse_feed_index: the published layout)
//   -> for every path not remembered yet: fetch <base>/<path>
//      -> FeedConsumer::consume: verify the signature, require log coverage, apply, remember
//         (the consumer's own transaction; kAlreadyExists for a replay)
//
// Only a missing or malformed index fails the sync; a file that cannot be fetched or is
// refused is counted with a one-line error and retried next time (it is not remembered).
// Not thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "greenlight/client/http_fetcher.h"
#include "greenlight/crypto/bytes.h"
#include "greenlight/crypto/result.h"
#include "greenlight/wire/published_layout.h"

namespace greenlight::client {

class FeedConsumer {
 public:
  virtual ~FeedConsumer() = default;
  // Whether the file at this index path was processed before (then it is not fetched).
  [[nodiscard]] virtual Result<bool> known(std::string_view path) = 0;
  // Verifies, checks the log, applies and remembers one file. kAlreadyExists: a replay of
  // content processed under another path; kFailedPrecondition: not covered by the log.
  [[nodiscard]] virtual Status consume(ByteSpan file, std::string_view path) = 0;
};

struct FeedSyncCounts {
  std::size_t processed = 0;
  std::size_t already_processed = 0;
  std::size_t failed = 0;           // fetch failures and refusals (unlogged included)
  std::size_t unlogged = 0;         // refused with kFailedPrecondition (no log coverage)
  std::vector<std::string> errors;  // "<path>: <why>", one per failure
};

// Runs the pipeline for one feed; fails only when the index cannot be fetched or parsed or
// consumer.known() fails (the database).
[[nodiscard]] Result<FeedSyncCounts> sync_feed(HttpFetcher& fetcher, std::string_view base_url,
                                               wire::Feed feed, FeedConsumer& consumer);

}  // namespace greenlight::client

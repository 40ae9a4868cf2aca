#include "greenlight/client/feed_source.h"

#include <catch2/catch.hpp>
#include <map>

namespace greenlight::client {
namespace {

constexpr std::int64_t kToday = 1796256000;  // 2026-12-03 00:00 UTC

// Serves a fixed map of URLs; everything else is 404.
class MapFetcher final : public HttpFetcher {
 public:
  std::map<std::string, std::string> files;
  std::vector<std::string> requested;
  Result<Bytes> get(std::string_view url) override {
    requested.emplace_back(url);
    auto it = files.find(std::string(url));
    if (it == files.end()) return make_error(ErrorCode::kNotFound, std::string(url) + ": 404");
    return Bytes(it->second.begin(), it->second.end());
  }
};

// Remembers what it consumed; refuses files whose bytes it saw before (as the phone does by
// the SHA-256 of export.bin).
class RecordingConsumer final : public FeedConsumer {
 public:
  std::vector<std::string> consumed;
  std::vector<std::string> contents;
  Result<bool> known(std::string_view path) override {
    return std::find(consumed.begin(), consumed.end(), path) != consumed.end();
  }
  Status consume(ByteSpan file, std::string_view path) override {
    const std::string bytes(as_string_view(file));
    if (std::find(contents.begin(), contents.end(), bytes) != contents.end()) {
      return make_error(ErrorCode::kAlreadyExists, "processed before");
    }
    contents.push_back(bytes);
    consumed.emplace_back(path);
    return ok();
  }
};

TEST_CASE("other servers' index entries are accepted as written", "[feed_source]") {
  // Google's reference server: no trailing newline, prefix directory, ".zip" names.
  auto google = parse_foreign_index(
      "exposureKeyExport-US/1592438400-1592442000-00001.zip\n"
      "exposureKeyExport-US/1592442000-1592445600-00001.zip");
  REQUIRE(google.has_value());
  CHECK(google->size() == 2);
  CHECK(google->back() == "exposureKeyExport-US/1592442000-1592445600-00001.zip");
  // CRLF, blank lines, deeper paths, names without ".zip".
  auto other = parse_foreign_index("\r\na/b/c/d/batch-7\r\n\r\n  keys/2026-12-01  \r\n");
  REQUIRE(other.has_value());
  CHECK(*other == std::vector<std::string>{"a/b/c/d/batch-7", "keys/2026-12-01"});
  for (const char* bad : {"https://evil.example/x.zip", "/abs/x.zip", "a/../x.zip", "a//x.zip",
                          "a/./x.zip", "a/x y.zip"}) {
    CAPTURE(bad);
    auto r = parse_foreign_index(std::string("ok.zip\n") + bad + "\n");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("index line 2") != std::string::npos);
  }
}

TEST_CASE("an index URL and a base URL apart", "[feed_source]") {
  MapFetcher fetcher;
  fetcher.files["https://cdn.example/bucket/exposureKeyExport-US/index.txt"] =
      "exposureKeyExport-US/1-2-00001.zip\nexposureKeyExport-US/2-3-00001.zip";
  fetcher.files["https://cdn.example/bucket/exposureKeyExport-US/1-2-00001.zip"] = "one";
  fetcher.files["https://cdn.example/bucket/exposureKeyExport-US/2-3-00001.zip"] = "one";
  const FeedSource source = index_source(
      "https://cdn.example/bucket/exposureKeyExport-US/index.txt", "https://cdn.example/bucket/");
  auto paths = list_source(fetcher, source, kToday);
  REQUIRE(paths.has_value());
  RecordingConsumer consumer;
  auto counts = sync_paths(fetcher, source.base_url, *paths, consumer);
  REQUIRE(counts.has_value());
  // The second file holds the same bytes (a re-signed or re-listed copy): refused as known.
  CHECK(counts->processed == 1);
  CHECK(counts->already_processed == 1);
  CHECK(counts->failed == 0);
  // A second sync fetches nothing the consumer knows by path.
  fetcher.requested.clear();
  REQUIRE(sync_paths(fetcher, source.base_url, *paths, consumer).has_value());
  CHECK(fetcher.requested.size() == 1);  // the copy, not remembered under its path
}

TEST_CASE("greenlight's own and federated sources", "[feed_source]") {
  const FeedSource own = own_export_source("http://127.0.0.1:8080/");
  CHECK(own.index_url == "http://127.0.0.1:8080/v1/exports/index.txt");
  const FeedSource aa = federated_export_source("http://127.0.0.1:8080", "AA");
  CHECK(aa.index_url == "http://127.0.0.1:8080/v1/federated/AA/index.txt");
  CHECK(aa.base_url == "http://127.0.0.1:8080");
}

TEST_CASE("the regions a phone chose become its feed sources", "[feed_source]") {
  auto regions = parse_region_list(" AA,262 ,AA,CC");
  REQUIRE(regions.has_value());
  CHECK(*regions == std::vector<std::string>{"AA", "262", "CC"});
  CHECK(parse_region_list("")->empty());
  for (const char* bad : {"A", "aa", "AA,", ",AA", "AA;CC", "ABCDEFGHI", "A A"}) {
    CAPTURE(bad);
    auto r = parse_region_list(bad);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::kInvalidArgument);
  }
  const std::vector<FeedSource> sources = region_sources("http://bb.example/", *regions);
  REQUIRE(sources.size() == 4);
  CHECK(sources[0].index_url == "http://bb.example/v1/exports/index.txt");
  CHECK(sources[1].index_url == "http://bb.example/v1/federated/AA/index.txt");
  CHECK(sources[3].index_url == "http://bb.example/v1/federated/CC/index.txt");
  CHECK(region_sources("http://bb.example", {}).size() == 1);
}

TEST_CASE("CWA's distribution layout through the adapter", "[feed_source]") {
  MapFetcher fetcher;
  const std::string root = "https://cwa.example/version/v1/diagnosis-keys/country/DE/date";
  fetcher.files[root] = R"(["2026-11-30","2026-12-01"])";
  fetcher.files[root + "/2026-12-02/hour"] = "[0,1,2]";
  fetcher.files[root + "/2026-12-03/hour"] = "[]";
  auto paths = list_source(fetcher, cwa_source("https://cwa.example", "DE"), kToday);
  REQUIRE(paths.has_value());
  const std::string rel = "version/v1/diagnosis-keys/country/DE/date";
  CHECK(*paths == std::vector<std::string>{rel + "/2026-11-30", rel + "/2026-12-01",
                                           rel + "/2026-12-02/hour/0", rel + "/2026-12-02/hour/1",
                                           rel + "/2026-12-02/hour/2"});
  SECTION("a closed day is not read hour by hour") {
    fetcher.files[root] = R"(["2026-12-02"])";
    fetcher.files.erase(root + "/2026-12-03/hour");
    auto closed = list_source(fetcher, cwa_source("https://cwa.example", "DE"), kToday);
    REQUIRE(closed.has_value());
    CHECK(*closed == std::vector<std::string>{rel + "/2026-12-02"});
  }
  SECTION("malformed listings are refused") {
    for (const char* bad : {R"({"a":1})", R"(["../../etc"])", "[25]", "not json"}) {
      CAPTURE(bad);
      fetcher.files[root] = bad;
      CHECK_FALSE(list_source(fetcher, cwa_source("https://cwa.example", "DE"), kToday));
    }
  }
  SECTION("a missing day listing fails the sync") {
    CHECK_FALSE(list_source(fetcher, cwa_source("https://cwa.example", "FR"), kToday));
    CHECK_FALSE(list_source(fetcher, cwa_source("https://cwa.example", "../x"), kToday));
  }
}

}  // namespace
}  // namespace greenlight::client

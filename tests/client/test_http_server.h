// A tiny test-only HTTP/1.1 file server (Boost.Beast) on 127.0.0.1 with an ephemeral port:
// GET /<path> returns the file root/<path> with status 200, or 404. One request per
// connection. Runs on its own thread from construction to destruction. Deliberately
// independent of server/: the client meets the real server only over HTTP.
#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

namespace greenlight::client::test {

class TestHttpServer {
 public:
  explicit TestHttpServer(std::filesystem::path root);
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  // "http://127.0.0.1:PORT"
  std::string base_url() const;
  // Requests received so far (any status).
  std::size_t requests() const { return requests_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<std::size_t> requests_{0};
  std::thread thread_;
};

}  // namespace greenlight::client::test

// Exports behind any web server (docs/deploy.md): nginx, run unprivileged from its own
// configuration in a temporary folder, serves the server's published tree on a loopback
// port, and a phone (greenlight::client) syncs from nginx alone.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "greenlight/client/client.h"
#include "greenlight/client/clock.h"
#include "greenlight/client/http_fetcher.h"
#include "greenlight/crypto/random.h"
#include "pg_test_cluster.h"
#include "test_server.h"

namespace greenlight::server::testing {
namespace fs = std::filesystem;

namespace {

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path find_nginx() {
  for (const char* p : {"/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"}) {
    if (fs::exists(p)) return p;
  }
  return {};
}

// nginx in the foreground, unprivileged, everything it writes under dir.
class Nginx {
 public:
  Nginx(const fs::path& dir, const fs::path& root) : dir_(dir), port_(free_port()) {
    const fs::path binary = find_nginx();
    REQUIRE_FALSE(binary.empty());
    fs::create_directories(dir_ / "tmp");
    const std::string d = dir_.string();
    std::ofstream conf(dir_ / "nginx.conf");
    conf << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
         << "pid " << d << "/nginx.pid;\nerror_log " << d << "/error.log warn;\n"
         << "events { worker_connections 64; }\n"
         << "http {\n  access_log off;\n"
         << "  client_body_temp_path " << d << "/tmp/body;\n"
         << "  proxy_temp_path " << d << "/tmp/proxy;\n"
         << "  fastcgi_temp_path " << d << "/tmp/fastcgi;\n"
         << "  uwsgi_temp_path " << d << "/tmp/uwsgi;\n"
         << "  scgi_temp_path " << d << "/tmp/scgi;\n"
         << "  types { application/zip zip; text/plain txt; }\n"
         << "  default_type application/octet-stream;\n"
         << "  server {\n    listen 127.0.0.1:" << port_ << ";\n"
         << "    root " << root.string() << ";\n"
         << "    location / { try_files $uri =404; }\n  }\n}\n";
    conf.close();
    // The unprivileged user must reach the tree and write its own folder.
    make_reachable(dir_);
    pid_ = spawn_unprivileged(
        {binary.string(), "-p", d, "-c", d + "/nginx.conf", "-e", d + "/error.log"},
        dir_ / "stderr.log", "nobody", SIGTERM);
    REQUIRE(pid_ > 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (true) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("nginx exited: " << read_text(dir_ / "stderr.log") << read_text(dir_ / "error.log"));
      }
      HttpClientOptions o;
      o.port = port_;
      o.timeout = std::chrono::milliseconds(1000);
      if (HttpClient(o).get("/").has_value()) break;
      if (std::chrono::steady_clock::now() > deadline) FAIL("nginx did not start");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~Nginx() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  std::uint16_t port() const { return port_; }

  // As root, nginx runs as nobody: it must traverse to its folder and write in it.
  static void make_reachable(const fs::path& dir) {
    if (::geteuid() != 0) return;
    ::chmod(dir.parent_path().c_str(), 0755);
    ::chmod(dir.c_str(), 0777);
    ::chmod((dir / "tmp").c_str(), 0777);
  }

 private:
  fs::path dir_;
  std::uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace

TEST_CASE("nginx serves the published tree and a phone syncs from it", "[deploy][nginx]") {
  TestServer ts({.min_keys = 0});
  // The tree's folders must be readable by nginx's unprivileged user.
  ::chmod(ts.dir().c_str(), 0755);
  HttpClient c = ts.client();
  const auto keys = make_keys(4, kT0);
  REQUIRE(ts.upload(c, keys).status == 200);
  ts.clock().advance(3600);
  auto run = ts.server().export_now();
  REQUIRE(run.has_value());
  REQUIRE(run->has_value());
  for (const auto& entry : fs::recursive_directory_iterator(ts.dir() / "site")) {
    ::chmod(entry.path().c_str(), entry.is_directory() ? 0755 : 0644);
  }
  // The application server is gone: only nginx serves the tree.
  ts.stop();

  TempDir web;
  Nginx nginx(web.path() / "nginx", ts.dir() / "site");
  HttpClientOptions o;
  o.port = nginx.port();
  HttpClient web_client(o);
  auto index = web_client.get("/v1/exports/index.txt");
  REQUIRE(index.has_value());
  CHECK(index->status == 200);
  CHECK(index->body == (*run)->files.at(0).path + "\n");

  TempDir phone_dir;
  client::ManualClock phone_clock(kT0 + 3600);
  SeededRandom rng(13);
  client::ClientConfig config;
  config.trusted_keys.push_back(wire::TrustedSigningKey{"test", "v1", ts.export_public_key()});
  auto phone =
      client::Client::open((phone_dir.path() / "phone.db").string(), config, phone_clock, rng);
  REQUIRE(phone.has_value());
  client::BeastHttpFetcher fetcher;
  auto report = (*phone)->sync(fetcher, "http://127.0.0.1:" + std::to_string(nginx.port()));
  REQUIRE(report.has_value());
  CHECK(report->exports_processed == 1);
  CHECK(report->exports_failed == 0);
  CHECK(report->keys_in_exports == keys.size());
  // Synced once: the next sync has nothing new.
  auto again = (*phone)->sync(fetcher, "http://127.0.0.1:" + std::to_string(nginx.port()));
  REQUIRE(again.has_value());
  CHECK(again->exports_processed == 0);
}

}  // namespace greenlight::server::testing

// Failover (docs/deploy.md): two server processes on one PostgreSQL database behind the
// test's own round-robin client; one is killed with SIGKILL during a burst of uploads.
// Every acknowledged upload is stored, the other instance keeps serving, and the killed
// one restarts and rejoins.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "greenlight/server/store.h"
#include "greenlight/wire/upload_auth.h"
#include "pg_test_cluster.h"
#include "test_server.h"

namespace greenlight::server::testing {
namespace json = boost::json;

namespace {

struct Service {
  std::string database;
  std::filesystem::path dir;  // keys, API key file and the shared export tree
};

void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// Starts one `greenlight server run` process (forked while other threads run, so the child
// only execs); returns its pid and port. The child dies with the test process.
std::pair<pid_t, std::uint16_t> start_instance(const Service& service) {
  const std::string binary =
      (std::filesystem::path(GREENLIGHT_BINARY_DIR) / "tools" / "greenlight").string();
  REQUIRE(std::filesystem::exists(binary));
  const std::string site = (service.dir / "site").string();
  const std::string ek = (service.dir / "export.pem").string();
  const std::string ak = (service.dir / "authority.pem").string();
  const std::string ha = (service.dir / "ha.key").string();
  std::vector<std::string> argv = {binary,
                                   "server",
                                   "run",
                                   "--db",
                                   service.database,
                                   "--export-dir",
                                   site,
                                   "--signing-key",
                                   ek,
                                   "--authority-key",
                                   ak,
                                   "--ha-api-key-file",
                                   ha,
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--export-period",
                                   "0",
                                   "--retention-period",
                                   "0",
                                   "--workers",
                                   "8"};
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  int out[2];
  REQUIRE(::pipe(out) == 0);
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  char ch = 0;
  while (::read(out[0], &ch, 1) == 1 && ch != '\n') line += ch;
  ::close(out[0]);
  INFO(line);
  REQUIRE(line.starts_with("listening on 127.0.0.1:"));
  return {child, static_cast<std::uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)))};
}

// The test's load balancer: each request goes to the next instance; a request that gets
// no answer (instance down) is sent once to the other one.
class RoundRobin {
 public:
  explicit RoundRobin(std::array<std::uint16_t, 2> ports) {
    ports_[0] = ports[0];
    ports_[1] = ports[1];
  }
  void set_port(std::size_t i, std::uint16_t port) { ports_[i] = port; }

  std::optional<ClientResponse> post(const std::string& target, const std::string& body,
                                     const std::string& api_key = {}) {
    const std::size_t first = next_++ % 2;
    for (std::size_t i : {first, 1 - first}) {
      HttpClientOptions o;
      o.port = ports_[i].load();
      o.timeout = std::chrono::milliseconds(5000);
      HttpClient c(o);
      auto r = c.post_json(target, body, api_key);
      if (r) return *r;
    }
    return std::nullopt;
  }

 private:
  std::array<std::atomic<std::uint16_t>, 2> ports_{};
  std::atomic<std::size_t> next_{0};
};

struct Acknowledged {
  std::mutex mutex;
  std::vector<std::string> keys;
  std::atomic<int> uploads{0};
};

// One whole upload through the balancer; records its keys if acknowledged.
void upload_once(RoundRobin& lb, Acknowledged& acked) {
  // The instances run on the system clock.
  const auto keys = make_keys(2, SystemClock().now_unix_seconds());
  boost::system::error_code ec;
  auto code = lb.post("/v1/codes", R"({"kind":"long"})", kHaKey);
  if (!code || code->status != 200) return;
  auto v = lb.post("/v1/verify",
                   json::serialize(json::object{{"code", json::parse(code->body, ec).at("code")}}));
  if (!v || v->status != 200) return;
  const Bytes hmac_key = random_bytes(32);
  auto cert = lb.post("/v1/certificate",
                      json::serialize(json::object{
                          {"token", json::parse(v->body, ec).at("token")},
                          {"tekmac", base64_encode(wire::compute_tekmac(hmac_key, keys))}}));
  if (!cert || cert->status != 200) return;
  json::array list;
  for (const auto& k : keys) {
    list.push_back(
        json::object{{"key", base64_encode(k.key_data.span())},
                     {"rolling_start_interval_number", k.rolling_start_interval_number.value},
                     {"rolling_period", k.rolling_period},
                     {"transmission_risk_level", k.transmission_risk_level}});
  }
  auto pub = lb.post(
      "/v1/publish",
      json::serialize(json::object{{"keys", list},
                                   {"certificate", json::parse(cert->body, ec).at("certificate")},
                                   {"hmac_key", base64_encode(hmac_key)}}));
  if (!pub || pub->status != 200) return;
  std::lock_guard lock(acked.mutex);
  for (const auto& k : keys) acked.keys.push_back(to_hex(k.key_data.span()));
  ++acked.uploads;
}

// Waits (bounded) until pred holds.
template <class Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace

TEST_CASE("SIGKILL of one of two instances on PostgreSQL during uploads",
          "[server][instances][failover][A28]") {
  TempDir dir;
  const Service service{PgTestCluster::instance().new_database(), dir.path()};
  write_text(dir.path() / "export.pem", EcdsaP256PrivateKey::generate()->to_pem());
  write_text(dir.path() / "authority.pem", EcdsaP256PrivateKey::generate()->to_pem());
  write_text(dir.path() / "ha.key", std::string(kHaKey) + "\n");
  auto [pid_a, port_a] = start_instance(service);
  auto [pid_b, port_b] = start_instance(service);
  RoundRobin lb({port_a, port_b});
  Acknowledged acked;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int n = 0; n < 5000 && !stop; ++n) upload_once(lb, acked);
    });
  }
  const bool burst = eventually([&] { return acked.uploads >= 30; });
  REQUIRE(::kill(pid_a, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(pid_a, &status, 0) == pid_a);
  CHECK(WIFSIGNALED(status));
  const int at_kill = acked.uploads;
  // The other instance carries the load alone.
  const bool survived = eventually([&] { return acked.uploads >= at_kill + 30; });
  // The killed instance restarts on the same database and rejoins.
  auto [pid_a2, port_a2] = start_instance(service);
  lb.set_port(0, port_a2);
  const int at_restart = acked.uploads;
  const bool rejoined = eventually([&] { return acked.uploads >= at_restart + 30; });
  stop = true;
  for (auto& t : threads) t.join();
  CHECK(burst);
  CHECK(survived);
  CHECK(rejoined);
  {
    // The restarted instance serves the whole flow by itself.
    RoundRobin only_a({port_a2, port_a2});
    const int before = acked.uploads;
    upload_once(only_a, acked);
    CHECK(acked.uploads == before + 1);
  }
  for (pid_t pid : {pid_a2, pid_b}) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }

  ManualClock clock(kT0);
  auto store = open_store(service.database, clock, system_random());
  REQUIRE(store.has_value());
  auto keys = (*store)->keys_available(0, INT64_MAX);
  REQUIRE(keys.has_value());
  std::set<std::string> stored;
  for (const auto& k : *keys) stored.insert(to_hex(k.key.key_data.span()));
  std::lock_guard lock(acked.mutex);
  REQUIRE(acked.keys.size() >= 180);
  std::size_t missing = 0;
  for (const auto& k : acked.keys) missing += stored.count(k) == 1 ? 0u : 1u;
  CHECK(missing == 0);
}

}  // namespace greenlight::server::testing

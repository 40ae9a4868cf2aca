#include "pg_test_cluster.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

namespace greenlight::server::testing {
namespace fs = std::filesystem;

namespace {

constexpr char kUser[] = "postgres";

fs::path find_bin() {
  if (const char* env = std::getenv("GREENLIGHT_PG_BIN"); env != nullptr && *env != '\0') {
    return env;
  }
  fs::path best;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const fs::path bin = entry.path() / "bin";
    if (fs::exists(bin / "postgres") && (best.empty() || bin > best)) best = bin;
  }
  return best;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string conninfo(const fs::path& dir, const std::string& database) {
  return "host=" + dir.string() + " port=5432 user=" + kUser + " dbname=" + database;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

pid_t spawn_unprivileged(const std::vector<std::string>& argv, const fs::path& log_file,
                         const std::string& user, int death_signal) {
  // Everything the child needs is prepared before fork (no allocation after it).
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const bool root = ::geteuid() == 0;
  uid_t uid = 0;
  gid_t gid = 0;
  if (root) {
    const passwd* pw = ::getpwnam(user.c_str());
    if (pw == nullptr) return -1;
    uid = pw->pw_uid;
    gid = pw->pw_gid;
  }
  const int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return -1;
  if (root) (void)::fchown(log_fd, uid, gid);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid != 0) {
    ::close(log_fd);
    return pid;
  }
  ::dup2(log_fd, 1);
  ::dup2(log_fd, 2);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, 0);
  if (root && (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)) {
    ::_exit(126);
  }
  // After the credential change, which would clear it.
  ::prctl(PR_SET_PDEATHSIG, death_signal);
  if (::getppid() != parent) ::_exit(125);
  ::execv(args[0], args.data());
  ::_exit(127);
}

PgTestCluster& PgTestCluster::instance() {
  static PgTestCluster cluster;
  return cluster;
}

PgTestCluster::PgTestCluster() { start(); }

void PgTestCluster::start() {
  bin_ = find_bin();
  REQUIRE_FALSE(bin_.empty());
  std::string pattern = (fs::temp_directory_path() / "greenlight-pg-XXXXXX").string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  dir_ = pattern;
  if (::geteuid() == 0) {
    const passwd* pw = ::getpwnam(kUser);
    REQUIRE(pw != nullptr);
    REQUIRE(::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) == 0);
  }
  const fs::path data = dir_ / "data";
  const pid_t initdb =
      spawn_unprivileged({(bin_ / "initdb").string(), "-D", data.string(), "-U", kUser, "-A",
                          "trust", "-E", "UTF8", "--locale=C", "--no-sync"},
                         dir_ / "initdb.log", kUser, SIGKILL);
  REQUIRE(initdb > 0);
  const int initdb_status = wait_exit(initdb);
  INFO(read_text(dir_ / "initdb.log"));
  REQUIRE(initdb_status == 0);
  postgres_ =
      spawn_unprivileged({(bin_ / "postgres").string(), "-D", data.string(), "-c",
                          "listen_addresses=", "-c", "unix_socket_directories=" + dir_.string(),
                          "-c", "max_connections=300", "-c", "shared_buffers=32MB"},
                         dir_ / "postgres.log", kUser, SIGINT);
  REQUIRE(postgres_ > 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::string last_error;
  while (true) {
    int status = 0;
    if (::waitpid(postgres_, &status, WNOHANG) == postgres_) {
      postgres_ = -1;
      FAIL("postgres exited: " << read_text(dir_ / "postgres.log"));
    }
    try {
      pqxx::connection c(conninfo(dir_, "postgres"));
      break;
    } catch (const std::exception& e) {
      last_error = e.what();
    }
    if (std::chrono::steady_clock::now() > deadline) {
      FAIL("postgres did not accept connections: " << last_error << "\n"
                                                   << read_text(dir_ / "postgres.log"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

PgTestCluster::~PgTestCluster() {
  if (postgres_ > 0) {
    ::kill(postgres_, SIGINT);  // fast shutdown
    (void)wait_exit(postgres_);
  }
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

std::string PgTestCluster::new_database() {
  const std::string name = "greenlight_test_" + std::to_string(++next_database_);
  pqxx::connection c(conninfo(dir_, "postgres"));
  pqxx::nontransaction tx(c);
  tx.exec("CREATE DATABASE " + name);
  return conninfo(dir_, name);
}

}  // namespace greenlight::server::testing

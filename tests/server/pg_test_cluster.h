// A throwaway PostgreSQL cluster for tests (no installed service needed): initdb in a
// temporary folder, postgres listening only on a Unix socket in that folder, run as the
// `postgres` user when the tests run as root (initdb and postgres refuse root). Started on
// first use, once per test process; stopped and deleted at process exit. postgres gets a
// parent-death signal, so it also stops when the test process dies abnormally.
//
// The server binaries are taken from $GREENLIGHT_PG_BIN, else the newest
// /usr/lib/postgresql/*/bin (Debian's postgresql package).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace greenlight::server::testing {

class PgTestCluster {
 public:
  // The running cluster; fails the current test (REQUIRE) if it cannot be started.
  static PgTestCluster& instance();
  ~PgTestCluster();

  // A new empty database; returns its libpq connection string.
  std::string new_database();
  const std::filesystem::path& directory() const { return dir_; }

 private:
  PgTestCluster();
  void start();

  std::filesystem::path dir_;
  std::filesystem::path bin_;
  pid_t postgres_ = -1;
  int next_database_ = 0;
};

// Runs argv (argv[0] an absolute path) as `user` when this process is root, otherwise as
// this user; the child gets death_signal when this process dies; stdout and stderr go to
// log_file. Returns the child's pid, or -1.
pid_t spawn_unprivileged(const std::vector<std::string>& argv,
                         const std::filesystem::path& log_file, const std::string& user,
                         int death_signal);

}  // namespace greenlight::server::testing

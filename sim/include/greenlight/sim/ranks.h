// The processes one simulation is spread over (docs/simulation.md "MPI: one population over
// several processes").
//
// Ranks is either this process alone (single(): no MPI call is ever made) or every rank of
// MPI_COMM_WORLD (world(), when this process was launched by mpirun or srun and MpiSession
// initialised MPI). Its collectives are the only communication of a partitioned run: every
// rank must call the same collectives in the same order with the same element type, which the
// simulation guarantees by running the same day loop on every rank. With size() == 1 they
// return their input and call nothing, so a run outside mpirun takes the same code path.
//
// MPI is used from the calling (main) thread only (MPI_THREAD_FUNNELED). The greenlight build
// can leave MPI out (GREENLIGHT_MPI=OFF or no MPI found): then world() is single() and
// MpiSession refuses to start under mpirun with K > 1 (see MpiSession::start).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "greenlight/crypto/result.h"

namespace greenlight::sim {

class Ranks {
 public:
  // This process alone.
  static Ranks single() { return Ranks(false, 0, 1); }
  // Every rank of MPI_COMM_WORLD when MPI is initialised, otherwise single().
  static Ranks world();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool root() const { return rank_ == 0; }

  // Collectives (every rank calls them in the same order).
  // The sum over ranks of each element, in place.
  void sum(std::span<std::uint64_t> values) const;
  std::uint64_t sum(std::uint64_t value) const {
    sum(std::span<std::uint64_t>(&value, 1));
    return value;
  }
  // Every rank's items, concatenated in rank order, on every rank.
  template <typename T>
  std::vector<T> gather_all(std::span<const T> mine) const {
    static_assert(std::is_trivially_copyable_v<T>, "gather_all sends raw bytes");
    if (size_ == 1) return std::vector<T>(mine.begin(), mine.end());
    const std::vector<std::byte> bytes = gather_all_bytes(std::as_bytes(mine));
    std::vector<T> out(bytes.size() / sizeof(T));
    if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
    return out;
  }
  // Personalised exchange: `items` are grouped by destination, counts[r] of them for rank r
  // (counts.size() == size()); `out` receives what every rank sent to this one, in rank
  // order (its capacity is reused from day to day).
  template <typename T>
  void exchange(std::span<const T> items, std::span<const std::size_t> counts,
                std::vector<T>& out) const {
    static_assert(std::is_trivially_copyable_v<T>, "exchange sends raw bytes");
    if (size_ == 1) {
      out.assign(items.begin(), items.end());
      return;
    }
    exchange_bytes(items.data(), counts, sizeof(T), [&out](std::size_t n) -> void* {
      out.resize(n);
      return out.data();
    });
  }
  // Ends every rank of the run with `message` on stderr (MPI_Abort); in a single process it
  // prints the message and exits with status 1. For errors that one rank meets alone.
  [[noreturn]] void abort(std::string_view message) const;

 private:
  Ranks(bool world, int rank, int size) : world_(world), rank_(rank), size_(size) {}
  std::vector<std::byte> gather_all_bytes(std::span<const std::byte> mine) const;
  // receive(n) returns room for the n items this rank receives.
  void exchange_bytes(const void* items, std::span<const std::size_t> counts,
                      std::size_t item_bytes,
                      const std::function<void*(std::size_t)>& receive) const;

  bool world_;
  int rank_;
  int size_;
};

// True when this process was started by an MPI launcher (mpirun/mpiexec or srun: the
// launcher's rank variables are set), whether or not this build has MPI.
bool launched_by_mpi();
// True when this build can run over MPI ranks.
bool built_with_mpi();

// Initialises MPI for the lifetime of the object when the process was launched by an MPI
// launcher, and finalises it at the end; does nothing otherwise (a plain `greenlight sim run`
// never touches MPI). Not copyable; at most one per process.
class MpiSession {
 public:
  // An error when launched by mpirun with more than one rank by a build without MPI (every
  // rank would run the whole simulation and write the same files).
  [[nodiscard]] static Result<MpiSession> start();
  MpiSession(MpiSession&& other) noexcept : active_(other.active_) { other.active_ = false; }
  MpiSession& operator=(MpiSession&&) = delete;
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  ~MpiSession();
  bool active() const { return active_; }

 private:
  explicit MpiSession(bool active) : active_(active) {}
  bool active_;
};

}  // namespace greenlight::sim

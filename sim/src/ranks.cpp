#include "greenlight/sim/ranks.h"

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#if GREENLIGHT_SIM_HAS_MPI
// The MPI C API only: Open MPI's and MPICH's headers would otherwise pull in their deprecated
// C++ bindings, which live in another library.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace greenlight::sim {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

#if !GREENLIGHT_SIM_HAS_MPI
// The number of ranks the launcher started, from its environment (1 when unknown).
long launcher_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"}) {
    if (const char* v = env(name)) return std::strtol(v, nullptr, 10);
  }
  return 1;
}
#else
// Completes a non-blocking collective. A blocking one would spin at full speed while it
// waits for the slowest rank; ranks often share cores (mpirun --oversubscribe, a laptop, a
// node with other jobs), where the spinning rank takes the CPU the late rank needs. So this
// polls MPI_Test (which also moves the data) and, after a short spin, sleeps 50 us between
// polls.
void wait(MPI_Request& request) {
  int done = 0;
  for (int polls = 0;; ++polls) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done != 0) return;
    if (polls >= 100) std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

bool mpi_initialised() {
  int initialised = 0;
  int finalised = 0;
  MPI_Initialized(&initialised);
  MPI_Finalized(&finalised);
  return initialised != 0 && finalised == 0;
}
#endif

}  // namespace

bool launched_by_mpi() {
  // Open MPI's mpirun, PMIx launchers (srun --mpi=pmix, prterun), PMI-2 launchers (MPICH's
  // hydra, srun --mpi=pmi2).
  return env("OMPI_COMM_WORLD_RANK") != nullptr || env("PMIX_RANK") != nullptr ||
         env("PMI_RANK") != nullptr;
}

bool built_with_mpi() { return GREENLIGHT_SIM_HAS_MPI != 0; }

Ranks Ranks::world() {
#if GREENLIGHT_SIM_HAS_MPI
  if (mpi_initialised()) {
    int rank = 0;
    int size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return Ranks(true, rank, size);
  }
#endif
  return single();
}

void Ranks::sum(std::span<std::uint64_t> values) const {
  if (size_ == 1 || values.empty()) return;
#if GREENLIGHT_SIM_HAS_MPI
  if (values.size() > static_cast<std::size_t>(INT_MAX)) abort("sum: too many values");
  MPI_Request request;
  MPI_Iallreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_UINT64_T,
                 MPI_SUM, MPI_COMM_WORLD, &request);
  wait(request);
#endif
}

std::vector<std::byte> Ranks::gather_all_bytes(std::span<const std::byte> mine) const {
#if GREENLIGHT_SIM_HAS_MPI
  if (world_ && size_ > 1) {
    // Counts first, then the bytes; MPI counts are int, so a rank's part (and the total)
    // must stay below 2 GiB: a day's hits or close contacts are far smaller.
    if (mine.size() > static_cast<std::size_t>(INT_MAX)) abort("gather: a rank's part over 2 GiB");
    const int count = static_cast<int>(mine.size());
    std::vector<int> counts(static_cast<std::size_t>(size_));
    MPI_Request request;
    MPI_Iallgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD, &request);
    wait(request);
    std::vector<int> displs(counts.size());
    std::size_t total = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
      if (total > static_cast<std::size_t>(INT_MAX)) abort("gather: over 2 GiB in all");
      displs[r] = static_cast<int>(total);
      total += static_cast<std::size_t>(counts[r]);
    }
    if (total > static_cast<std::size_t>(INT_MAX)) abort("gather: over 2 GiB in all");
    std::vector<std::byte> out(total);
    MPI_Iallgatherv(mine.data(), count, MPI_BYTE, out.data(), counts.data(), displs.data(),
                    MPI_BYTE, MPI_COMM_WORLD, &request);
    wait(request);
    return out;
  }
#endif
  return std::vector<std::byte>(mine.begin(), mine.end());
}

void Ranks::exchange_bytes(const void* items, std::span<const std::size_t> counts,
                           std::size_t item_bytes,
                           const std::function<void*(std::size_t)>& receive) const {
#if GREENLIGHT_SIM_HAS_MPI
  if (world_ && size_ > 1) {
    if (counts.size() != static_cast<std::size_t>(size_)) abort("exchange: one count per rank");
    // Counted in items (an MPI contiguous type), so a part may reach 2^31 items.
    std::vector<int> send_counts(counts.size());
    std::vector<int> send_displs(counts.size());
    std::size_t sent = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
      if (counts[r] > static_cast<std::size_t>(INT_MAX) ||
          sent > static_cast<std::size_t>(INT_MAX)) {
        abort("exchange: over 2^31 items");
      }
      send_counts[r] = static_cast<int>(counts[r]);
      send_displs[r] = static_cast<int>(sent);
      sent += counts[r];
    }
    std::vector<int> recv_counts(counts.size());
    MPI_Request request;
    MPI_Ialltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT, MPI_COMM_WORLD,
                  &request);
    wait(request);
    std::vector<int> recv_displs(counts.size());
    std::size_t total = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
      if (total > static_cast<std::size_t>(INT_MAX)) abort("exchange: over 2^31 items in all");
      recv_displs[r] = static_cast<int>(total);
      total += static_cast<std::size_t>(recv_counts[r]);
    }
    void* out = receive(total);
    MPI_Datatype item;
    MPI_Type_contiguous(static_cast<int>(item_bytes), MPI_BYTE, &item);
    MPI_Type_commit(&item);
    MPI_Ialltoallv(items, send_counts.data(), send_displs.data(), item, out, recv_counts.data(),
                   recv_displs.data(), item, MPI_COMM_WORLD, &request);
    wait(request);
    MPI_Type_free(&item);
    return;
  }
#endif
  // One rank: what it sends to itself.
  std::size_t total = 0;
  for (const std::size_t c : counts) total += c;
  void* out = receive(total);
  if (total > 0) std::memcpy(out, items, total * item_bytes);
}

void Ranks::abort(std::string_view message) const {
  if (size_ > 1) {
    std::fprintf(stderr, "greenlight: rank %d of %d: %.*s (stopping all ranks)\n", rank_, size_,
                 static_cast<int>(message.size()), message.data());
  } else {
    std::fprintf(stderr, "greenlight: %.*s\n", static_cast<int>(message.size()), message.data());
  }
  std::fflush(stderr);
#if GREENLIGHT_SIM_HAS_MPI
  if (world_ && mpi_initialised()) MPI_Abort(MPI_COMM_WORLD, 1);
#endif
  std::exit(1);
}

Result<MpiSession> MpiSession::start() {
  if (!launched_by_mpi()) return MpiSession(false);
#if GREENLIGHT_SIM_HAS_MPI
  if (mpi_initialised()) return MpiSession(false);  // someone else owns MPI's lifetime
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
    return make_error(ErrorCode::kInternal, "MPI_Init_thread failed");
  }
  if (provided < MPI_THREAD_FUNNELED) {
    MPI_Finalize();
    return make_error(ErrorCode::kInternal,
                      "MPI must support MPI_THREAD_FUNNELED (worker threads beside MPI calls "
                      "from the main thread), got level " +
                          std::to_string(provided));
  }
  return MpiSession(true);
#else
  if (launcher_size() > 1) {
    return make_error(ErrorCode::kInvalidArgument,
                      "launched by mpirun with " + std::to_string(launcher_size()) +
                          " ranks, but this greenlight was built without MPI (GREENLIGHT_MPI=OFF "
                          "or no MPI found): run it without mpirun or rebuild with libopenmpi-dev");
  }
  return MpiSession(false);
#endif
}

MpiSession::~MpiSession() {
#if GREENLIGHT_SIM_HAS_MPI
  if (active_ && mpi_initialised()) MPI_Finalize();
#endif
}

}  // namespace greenlight::sim

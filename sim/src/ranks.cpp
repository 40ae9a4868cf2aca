#include "greenlight/sim/ranks.h"

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>

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
  MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_UINT64_T, MPI_SUM,
                MPI_COMM_WORLD);
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
    MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
    std::vector<int> displs(counts.size());
    std::size_t total = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
      if (total > static_cast<std::size_t>(INT_MAX)) abort("gather: over 2 GiB in all");
      displs[r] = static_cast<int>(total);
      total += static_cast<std::size_t>(counts[r]);
    }
    if (total > static_cast<std::size_t>(INT_MAX)) abort("gather: over 2 GiB in all");
    std::vector<std::byte> out(total);
    MPI_Allgatherv(mine.data(), count, MPI_BYTE, out.data(), counts.data(), displs.data(), MPI_BYTE,
                   MPI_COMM_WORLD);
    return out;
  }
#endif
  return std::vector<std::byte>(mine.begin(), mine.end());
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

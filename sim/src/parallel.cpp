// The process-wide pool behind parallel_for (internal/parallel.h).
#include "internal/parallel.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace greenlight::sim::internal {
namespace {

class Pool {
 public:
  Pool() = default;
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool() {
    {
      const std::lock_guard lock(mutex_);
      stop_ = true;
    }
    work_.notify_all();
    for (auto& t : threads_) t.join();
  }

  void run(PoolJob& job) {
    {
      const std::lock_guard lock(mutex_);
      while (threads_.size() < job.helpers_wanted) threads_.emplace_back([this] { serve(); });
      queue_.push_back(&job);
    }
    work_.notify_all();
    std::exception_ptr failure;
    try {
      job.run(job.body, 0);
    } catch (...) {
      failure = std::current_exception();  // the helpers still use the job: wait for them
    }
    std::unique_lock lock(mutex_);
    job.closed = true;
    if (const auto it = std::find(queue_.begin(), queue_.end(), &job); it != queue_.end()) {
      queue_.erase(it);
    }
    done_.wait(lock, [&] { return job.finished == job.joined; });
    lock.unlock();
    if (failure) std::rethrow_exception(failure);
  }

 private:
  void serve() {
    std::unique_lock lock(mutex_);
    for (;;) {
      work_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      PoolJob& job = *queue_.front();
      const std::uint32_t worker = ++job.joined;
      if (job.joined == job.helpers_wanted) queue_.pop_front();
      lock.unlock();
      job.run(job.body, worker);  // an exception here ends the process, as in any thread
      lock.lock();
      ++job.finished;
      if (job.closed && job.finished == job.joined) done_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable work_;
  std::condition_variable done_;
  std::deque<PoolJob*> queue_;
  std::vector<std::thread> threads_;
  bool stop_ = false;
};

}  // namespace

void run_pooled(PoolJob& job) {
  static Pool pool;
  pool.run(job);
}

}  // namespace greenlight::sim::internal

// The kernels' thread pool: persistent workers, created on first need, that run parallelFor
// jobs together with the calling thread. One job at a time (concurrent callers queue on a
// mutex); tasks are handed out dynamically from an atomic counter, which is safe because the
// cell code makes every task's result independent of the thread that runs it.
//
// Idle workers spin for a short while (back-to-back jobs, e.g. one per timestep, then start
// without a futex round trip) and then sleep on a condition variable, so an idle pool burns no
// CPU.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "internal.h"

#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

namespace rnnad {
namespace {

// Upper bound for setThreads: far above any core count, low enough that a typo cannot try to
// start a million threads.
constexpr int kMaxThreads = 1024;
constexpr auto kSpinTime = std::chrono::microseconds(200);

void cpuRelax() {
#if defined(__x86_64__) || defined(_M_X64)
  _mm_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

// CPUs this process may run on (respects taskset and cgroup cpusets), at least 1.
int availableCpus() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return count;
  }
#endif
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

// True while this thread runs a task: a nested parallelFor then runs inline.
thread_local bool insideTask = false;

struct Job {
  TaskFunction fn;
  void* context;
  int tasks;
  int helpers;  // workers with an index below this take part
  std::atomic<int> next{0};
  std::atomic<int> done{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;  // written once, by the thread that set `failed`
};

class ThreadPool {
 public:
  static ThreadPool& instance() {
    // Deliberately never destroyed: detached workers may still be asleep on its condition
    // variables while the process exits, and destroying those under them is undefined.
    static ThreadPool* const pool = new ThreadPool();
    return *pool;
  }

  void setThreads(int n) { threads_.store(n, std::memory_order_relaxed); }
  int threads() const { return threads_.load(std::memory_order_relaxed); }

  void run(int tasks, TaskFunction fn, void* context) {
    std::lock_guard<std::mutex> submitLock(submitMutex_);
    const int helpers = startWorkers(tasks);
    if (helpers == 0) return runInline(tasks, fn, context);

    Job job;
    job.fn = fn;
    job.context = context;
    job.tasks = tasks;
    job.helpers = helpers;
    publish(&job);
    {
      const DenormalGuard flush;
      work(job);
    }
    awaitCompletion(job);
    if (job.error) std::rethrow_exception(job.error);
  }

  static void runInline(int tasks, TaskFunction fn, void* context) {
    const DenormalGuard flush;
    const bool outer = !insideTask;
    insideTask = true;
    try {
      for (int t = 0; t < tasks; ++t) fn(context, t);
    } catch (...) {
      if (outer) insideTask = false;
      throw;
    }
    if (outer) insideTask = false;
  }

 private:
  ThreadPool() : threads_(availableCpus()) {}

  // Makes sure enough workers exist for this job; returns how many take part.
  int startWorkers(int tasks) {
    int wanted = threads() - 1;
    if (wanted > tasks - 1) wanted = tasks - 1;
    while (static_cast<int>(workerCount_) < wanted) {
      try {
        // The worker starts from the current generation, so it joins the job published next
        // even if the thread only gets scheduled after the publication.
        std::thread(&ThreadPool::workerLoop, this, static_cast<int>(workerCount_),
                    generation_.load(std::memory_order_acquire))
            .detach();
      } catch (const std::system_error&) {
        break;  // the system refuses more threads: run with those we have
      }
      ++workerCount_;
    }
    return wanted < static_cast<int>(workerCount_) ? wanted : static_cast<int>(workerCount_);
  }

  void publish(Job* job) {
    bool wake;
    {
      std::lock_guard<std::mutex> lock(wakeMutex_);
      job_.store(job, std::memory_order_seq_cst);
      generation_.fetch_add(1, std::memory_order_seq_cst);
      wake = sleepers_ > 0;
    }
    if (wake) wakeCv_.notify_all();
  }

  // Runs tasks of the job until none is left. Called with denormals flushed.
  static void work(Job& job) {
    const bool outer = !insideTask;
    insideTask = true;
    for (;;) {
      const int task = job.next.fetch_add(1, std::memory_order_relaxed);
      if (task >= job.tasks) break;
      if (!job.failed.load(std::memory_order_relaxed)) {
        try {
          job.fn(job.context, task);
        } catch (...) {
          if (!job.failed.exchange(true)) job.error = std::current_exception();
        }
      }
      job.done.fetch_add(1, std::memory_order_acq_rel);
    }
    if (outer) insideTask = false;
  }

  void awaitCompletion(Job& job) {
    waitUntil([&] { return job.done.load(std::memory_order_acquire) == job.tasks; });
    // Workers that saw the job but have not yet left it must be waited for: `job` lives on
    // this stack frame. A worker announces itself in `inside_` before re-reading job_, so after
    // job_ is cleared either it is counted here or it will read null (Dekker, seq_cst).
    job_.store(nullptr, std::memory_order_seq_cst);
    waitUntil([&] { return inside_.load(std::memory_order_seq_cst) == 0; });
  }

  template <class Done>
  void waitUntil(Done done) {
    const auto spinUntil = std::chrono::steady_clock::now() + kSpinTime;
    while (!done()) {
      if (std::chrono::steady_clock::now() < spinUntil) {
        for (int i = 0; i < 64 && !done(); ++i) cpuRelax();
        continue;
      }
      std::unique_lock<std::mutex> lock(doneMutex_);
      doneCv_.wait(lock, done);
    }
  }

  void notifyProgress() {
    std::lock_guard<std::mutex> lock(doneMutex_);
    doneCv_.notify_all();
  }

  void workerLoop(int index, uint64_t seen) {
    for (;;) {
      seen = awaitGeneration(seen);
      inside_.fetch_add(1, std::memory_order_seq_cst);
      Job* job = job_.load(std::memory_order_seq_cst);
      if (job != nullptr && index < job->helpers) {
        const DenormalGuard flush;
        work(*job);
        if (job->done.load(std::memory_order_acquire) == job->tasks) notifyProgress();
      }
      if (inside_.fetch_sub(1, std::memory_order_seq_cst) == 1) notifyProgress();
    }
  }

  // Returns once generation_ differs from `seen` (a new job was published).
  uint64_t awaitGeneration(uint64_t seen) {
    const auto spinUntil = std::chrono::steady_clock::now() + kSpinTime;
    for (;;) {
      for (int i = 0; i < 64; ++i) {
        const uint64_t g = generation_.load(std::memory_order_acquire);
        if (g != seen) return g;
        cpuRelax();
      }
      if (std::chrono::steady_clock::now() >= spinUntil) break;
    }
    std::unique_lock<std::mutex> lock(wakeMutex_);
    ++sleepers_;
    wakeCv_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
    --sleepers_;
    return generation_.load(std::memory_order_acquire);
  }

  std::atomic<int> threads_;
  std::mutex submitMutex_;  // one job at a time; also guards workerCount_
  size_t workerCount_ = 0;

  std::mutex wakeMutex_;  // guards sleepers_; generation_ changes under it
  std::condition_variable wakeCv_;
  int sleepers_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::atomic<Job*> job_{nullptr};
  std::atomic<int> inside_{0};  // workers currently looking at job_

  std::mutex doneMutex_;
  std::condition_variable doneCv_;
};

}  // namespace

void setThreads(int n) {
  if (n < 1 || n > kMaxThreads) {
    throw KernelError("setThreads: n must be between 1 and " + std::to_string(kMaxThreads) + " (got " +
                      std::to_string(n) + ")");
  }
  ThreadPool::instance().setThreads(n);
}

int threads() { return ThreadPool::instance().threads(); }

void parallelForTasks(int tasks, TaskFunction fn, void* context) {
  if (tasks <= 0) return;
  if (fn == nullptr) throw KernelError("parallelFor: fn is null");
  // One task, one thread or a nested call: nothing to share out.
  if (tasks == 1 || insideTask || threads() == 1) {
    return ThreadPool::runInline(tasks, fn, context);
  }
  ThreadPool::instance().run(tasks, fn, context);
}

}  // namespace rnnad

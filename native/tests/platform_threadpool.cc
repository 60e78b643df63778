// The thread pool: every task runs exactly once for any thread count, the caller takes part,
// exceptions reach the caller, nested and concurrent callers work, setThreads validates, tasks
// run with denormals flushed while the caller's mode is restored, and idle workers sleep.
#include <atomic>
#include <chrono>
#include <cstring>
#include <ctime>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "internal.h"
#include "platform_check.h"

using namespace rnnad;

namespace {

rnnad_test::Checker checker("platform_threadpool");

struct TaskError : std::runtime_error {
  explicit TaskError(int task) : std::runtime_error("task " + std::to_string(task)), task(task) {}
  int task;
};

// True when arithmetic on this thread flushes denormals (operand and result).
bool flushesDenormals() {
  volatile float tiny = 1e-39f;  // a denormal
  volatile float one = 1.f;
  return tiny * one == 0.f;
}

double processCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

void checkEveryTaskOnce() {
  for (int n : {1, 2, 3, 8}) {
    setThreads(n);
    checker.check(threads() == n, "threads() = %d after setThreads(%d)", threads(), n);
    for (int tasks : {0, 1, 2, 7, 1000}) {
      std::vector<std::atomic<int>> runs(tasks);
      for (auto& r : runs) r.store(0);
      parallelFor(tasks, [&](int t) { runs[t].fetch_add(1); });
      int wrong = 0;
      for (auto& r : runs) wrong += r.load() != 1;
      checker.check(wrong == 0, "threads %d, %d tasks: %d tasks did not run exactly once", n, tasks, wrong);
    }
  }
}

void checkThreadsUsed() {
  const std::thread::id caller = std::this_thread::get_id();
  std::mutex m;
  std::set<std::thread::id> ids;
  auto record = [&](int) {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    std::lock_guard<std::mutex> lock(m);
    ids.insert(std::this_thread::get_id());
  };
  setThreads(1);
  parallelFor(6, record);
  checker.check(ids.size() == 1 && ids.count(caller) == 1, "with 1 thread every task must run on the caller");
  ids.clear();
  setThreads(3);
  parallelFor(12, record);
  // Sleeping tasks leave the caller no way to take all 12 before a worker wakes (3 ms each).
  checker.check(ids.size() > 1 && ids.size() <= 3, "with 3 threads, %zu distinct threads ran the tasks", ids.size());
  checker.check(ids.count(caller) == 1, "the caller must take part in the job");
}

void checkExceptions() {
  setThreads(3);
  try {
    parallelFor(100, [](int t) {
      if (t == 37) throw TaskError(t);
    });
    checker.check(false, "an exception in task 37 must reach the caller");
  } catch (const TaskError& e) {
    checker.check(e.task == 37, "the rethrown exception must be the task's (got task %d)", e.task);
  }
  try {
    parallelFor(100, [](int t) {
      if (t % 10 == 3) throw TaskError(t);
    });
    checker.check(false, "exceptions in several tasks must reach the caller");
  } catch (const TaskError& e) {
    checker.check(e.task % 10 == 3, "the rethrown exception must come from a failing task (got task %d)", e.task);
  }
  // The inline path (one thread) reports the same way, and the pool still works afterwards.
  setThreads(1);
  try {
    parallelFor(5, [](int t) {
      if (t == 2) throw TaskError(t);
    });
    checker.check(false, "an exception with 1 thread must reach the caller");
  } catch (const TaskError& e) {
    checker.check(e.task == 2, "1 thread: rethrown task %d, expected 2", e.task);
  }
  setThreads(3);
  std::atomic<int> count{0};
  parallelFor(50, [&](int) { count.fetch_add(1); });
  checker.check(count.load() == 50, "after exceptions, a job ran %d of 50 tasks", count.load());
}

void checkNested() {
  setThreads(3);
  std::atomic<int> inner{0};
  std::atomic<int> foreign{0};
  parallelFor(8, [&](int) {
    const std::thread::id outer = std::this_thread::get_id();
    parallelFor(10, [&](int) {
      inner.fetch_add(1);
      if (std::this_thread::get_id() != outer) foreign.fetch_add(1);
    });
  });
  checker.check(inner.load() == 80, "nested jobs ran %d of 80 inner tasks", inner.load());
  checker.check(foreign.load() == 0, "nested tasks must run on the thread of their outer task");
  try {
    parallelFor(4, [&](int t) {
      parallelFor(4, [&](int u) {
        if (t == 1 && u == 3) throw TaskError(13);
      });
    });
    checker.check(false, "an exception in a nested task must reach the outer caller");
  } catch (const TaskError& e) {
    checker.check(e.task == 13, "nested exception: got task %d", e.task);
  }
}

void checkConcurrentCallers() {
  setThreads(3);
  constexpr int kCallers = 4, kJobs = 150, kTasks = 33;
  std::vector<long> sums(kCallers, 0);
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      for (int j = 0; j < kJobs; ++j) {
        std::atomic<long> sum{0};
        parallelFor(kTasks, [&](int t) { sum.fetch_add(t + 1 + c); });
        sums[c] += sum.load();
      }
    });
  }
  for (auto& t : callers) t.join();
  for (int c = 0; c < kCallers; ++c) {
    const long expected = static_cast<long>(kJobs) * (kTasks * (kTasks + 1) / 2 + static_cast<long>(kTasks) * c);
    checker.check(sums[c] == expected, "concurrent caller %d summed %ld, expected %ld", c, sums[c], expected);
  }
}

void checkSetThreadsValidation() {
  setThreads(2);
  for (int bad : {0, -1, 1 << 20}) {
    bool threw = false;
    try {
      setThreads(bad);
    } catch (const KernelError& e) {
      threw = std::strstr(e.what(), "setThreads") != nullptr;
    }
    checker.check(threw, "setThreads(%d) must throw a KernelError naming setThreads", bad);
    checker.check(threads() == 2, "a rejected setThreads(%d) changed threads() to %d", bad, threads());
  }
}

void checkDenormalsInTasks() {
  checker.check(!flushesDenormals(), "this test expects the default (non-flushing) mode on entry");
  for (int n : {1, 3}) {
    setThreads(n);
    std::atomic<int> flushed{0};
    parallelFor(40, [&](int) {
      if (flushesDenormals()) flushed.fetch_add(1);
    });
    checker.check(flushed.load() == 40, "threads %d: %d of 40 tasks ran with denormals flushed", n, flushed.load());
    checker.check(!flushesDenormals(), "threads %d: the caller's denormal mode was not restored", n);
  }
}

void checkIdleWorkersSleep() {
  setThreads(3);
  std::atomic<int> count{0};
  parallelFor(30, [&](int) { count.fetch_add(1); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past the workers' spin time
  const double before = processCpuSeconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const double used = processCpuSeconds() - before;
  checker.check(used < 0.03, "idle workers used %.3f s of CPU in 0.2 s", used);
}

}  // namespace

int main() {
  checker.check(threads() >= 1 && threads() <= 4096, "default threads() = %d", threads());
  checkEveryTaskOnce();
  checkThreadsUsed();
  checkExceptions();
  checkNested();
  checkConcurrentCallers();
  checkSetThreadsValidation();
  checkDenormalsInTasks();
  checkIdleWorkersSleep();
  return checker.finish();
}

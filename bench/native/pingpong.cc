// Cache-line round trip between two cores: thread A (pinned to CPU 0) writes an odd value to a
// line, thread B (CPU 1) sees it and writes the next even value, A sees that. One round trip
// is the cost a 2-thread kernel pays at least once per synchronisation (a barrier per
// timestep, for example), so it is recorded beside every 2-thread figure.
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <thread>
#include <vector>

#include "bench_common.h"

namespace {

struct alignas(64) Line {
  std::atomic<uint64_t> value{0};
};

bool pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

double roundTripNs(long trips) {
  Line line;
  bool pinned = true;
  std::thread responder([&] {
    pinned = pin(1) && pinned;
    for (long i = 0; i < trips; ++i) {
      uint64_t want = 2 * static_cast<uint64_t>(i) + 1;
      while (line.value.load(std::memory_order_acquire) != want) {
      }
      line.value.store(want + 1, std::memory_order_release);
    }
  });
  pin(0);
  auto t0 = bench::Clock::now();
  for (long i = 0; i < trips; ++i) {
    uint64_t sent = 2 * static_cast<uint64_t>(i) + 1;
    line.value.store(sent, std::memory_order_release);
    while (line.value.load(std::memory_order_acquire) != sent + 1) {
    }
  }
  double ns = bench::msSince(t0) * 1e6 / trips;
  responder.join();
  return ns;
}

}  // namespace

int main(int argc, char** argv) {
  return bench::runMain(argc, argv, [](const bench::Args& args) {
    if (std::thread::hardware_concurrency() < 2) throw std::runtime_error("needs two CPUs");
    long trips = args.integer("trips", 100000);
    int reps = args.integer("reps", 7);
    roundTripNs(trips / 10);
    std::vector<double> samples;
    for (int r = 0; r < reps; ++r) samples.push_back(roundTripNs(trips));
    std::printf("{\"roundTripNs\":%s}\n", bench::statJson(bench::summarize(samples)).c_str());
  });
}

// Peak fused-multiply-add throughput of this CPU: the ceiling any float32 kernel can reach.
// Each thread runs chains of independent FMAs on registers only (no memory traffic), enough of
// them that the FMA ports never wait on a result. Reported for AVX-512 and AVX2, on 1 and 2
// threads, as GFLOP/s (an FMA is 2 FLOPs per lane).
#include <immintrin.h>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "bench_common.h"

namespace {

constexpr long kIterations = 20'000'000;

// Each chain is x = x * a + x = x * (1 + a) with a slightly negative: it decays slowly and stays
// far from denormals, and needs a single constant register, leaving the others for chains.
// FMA latency is 4 cycles here, so n chains sustain at most n / 4 FMAs per cycle: 24 zmm
// chains (of 32 registers) and 15 ymm chains (of the 16 an AVX2-only function may use) cover
// up to 6 and 3.75 FMAs per cycle, more than the FMA ports can start.
constexpr int kZmmChains = 24;
constexpr int kYmmChains = 15;

// Distinct starting values: identical chains would be merged by the compiler.
__attribute__((target("avx512f"))) float fmaLoopAvx512(long iterations) {
  __m512 x[kZmmChains];
  for (int c = 0; c < kZmmChains; ++c) x[c] = _mm512_set1_ps(0.5f + 0.01f * c);
  const __m512 a = _mm512_set1_ps(-1e-7f);
  for (long i = 0; i < iterations; ++i) {
#pragma GCC unroll 24
    for (int c = 0; c < kZmmChains; ++c) x[c] = _mm512_fmadd_ps(x[c], a, x[c]);
  }
  alignas(64) float lanes[16];
  float total = 0;
  for (int c = 0; c < kZmmChains; ++c) {
    _mm512_store_ps(lanes, x[c]);
    total += lanes[0];
  }
  return total;
}
constexpr int kAvx512Flops = kZmmChains * 16 * 2;  // chains x lanes x 2 per iteration

__attribute__((target("avx2,fma"))) float fmaLoopAvx2(long iterations) {
  __m256 x[kYmmChains];
  for (int c = 0; c < kYmmChains; ++c) x[c] = _mm256_set1_ps(0.5f + 0.01f * c);
  const __m256 a = _mm256_set1_ps(-1e-7f);
  for (long i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < kYmmChains; ++c) x[c] = _mm256_fmadd_ps(x[c], a, x[c]);
  }
  alignas(32) float lanes[8];
  float total = 0;
  for (int c = 0; c < kYmmChains; ++c) {
    _mm256_store_ps(lanes, x[c]);
    total += lanes[0];
  }
  return total;
}
constexpr int kAvx2Flops = kYmmChains * 8 * 2;

std::atomic<float> sink{0};

// One repetition: every thread runs the loop once; GFLOP/s over the wall time of the slowest.
double runOnce(float (*loop)(long), int flopsPerIteration, int threads, long iterations) {
  std::vector<std::thread> pool;
  auto t0 = bench::Clock::now();
  for (int t = 0; t < threads; ++t) pool.emplace_back([&] { sink.store(sink.load() + loop(iterations)); });
  for (auto& th : pool) th.join();
  double seconds = bench::msSince(t0) / 1000.0;
  return static_cast<double>(flopsPerIteration) * iterations * threads / seconds / 1e9;
}

void report(const char* isa, float (*loop)(long), int flopsPerIteration, int threads, int reps, bool* first) {
  runOnce(loop, flopsPerIteration, threads, kIterations / 4);  // warm-up: clocks settle
  std::vector<double> samples;
  for (int r = 0; r < reps; ++r) samples.push_back(runOnce(loop, flopsPerIteration, threads, kIterations));
  std::printf("%s{\"isa\":\"%s\",\"threads\":%d,\"gflops\":%s}", *first ? "" : ",", isa, threads,
              bench::statJson(bench::summarize(samples)).c_str());
  *first = false;
}

}  // namespace

int main(int argc, char** argv) {
  return bench::runMain(argc, argv, [](const bench::Args& args) {
    int reps = args.integer("reps", 5);
    int maxThreads = args.integer("max-threads", 2);
    bool first = true;
    std::printf("{\"peaks\":[");
    for (int threads = 1; threads <= maxThreads; ++threads) {
      if (__builtin_cpu_supports("avx512f")) report("avx512", fmaLoopAvx512, kAvx512Flops, threads, reps, &first);
      if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        report("avx2", fmaLoopAvx2, kAvx2Flops, threads, reps, &first);
    }
    std::printf("]}\n");
  });
}

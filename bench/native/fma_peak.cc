// Peak fused-multiply-add throughput of this CPU: the ceiling any float32 kernel can reach.
// Each thread runs chains of independent FMAs on registers only (no memory traffic); there are
// more chains than FMA latency x FMA ports, so the ports never wait on a result. Reported for
// AVX-512 and AVX2, on 1 and 2 threads, as GFLOP/s (an FMA is 2 FLOPs per lane).
#include <immintrin.h>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "bench_common.h"

namespace {

constexpr long kIterations = 20'000'000;

// 16 chains of zmm FMAs: x = x * a + b stays bounded for |a| < 1.
__attribute__((target("avx512f"))) float fmaLoopAvx512(long iterations) {
  __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-6f);
  __m512 x0 = _mm512_set1_ps(0.1f), x1 = _mm512_set1_ps(0.2f), x2 = _mm512_set1_ps(0.3f), x3 = _mm512_set1_ps(0.4f);
  __m512 x4 = _mm512_set1_ps(0.5f), x5 = _mm512_set1_ps(0.6f), x6 = _mm512_set1_ps(0.7f), x7 = _mm512_set1_ps(0.8f);
  __m512 x8 = x0, x9 = x1, x10 = x2, x11 = x3, x12 = x4, x13 = x5, x14 = x6, x15 = x7;
  for (long i = 0; i < iterations; ++i) {
    x0 = _mm512_fmadd_ps(x0, a, b); x1 = _mm512_fmadd_ps(x1, a, b); x2 = _mm512_fmadd_ps(x2, a, b);
    x3 = _mm512_fmadd_ps(x3, a, b); x4 = _mm512_fmadd_ps(x4, a, b); x5 = _mm512_fmadd_ps(x5, a, b);
    x6 = _mm512_fmadd_ps(x6, a, b); x7 = _mm512_fmadd_ps(x7, a, b); x8 = _mm512_fmadd_ps(x8, a, b);
    x9 = _mm512_fmadd_ps(x9, a, b); x10 = _mm512_fmadd_ps(x10, a, b); x11 = _mm512_fmadd_ps(x11, a, b);
    x12 = _mm512_fmadd_ps(x12, a, b); x13 = _mm512_fmadd_ps(x13, a, b); x14 = _mm512_fmadd_ps(x14, a, b);
    x15 = _mm512_fmadd_ps(x15, a, b);
  }
  __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(x0, x1), _mm512_add_ps(x2, x3)),
                           _mm512_add_ps(_mm512_add_ps(x4, x5), _mm512_add_ps(x6, x7)));
  s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(x8, x9), _mm512_add_ps(x10, x11)),
                                     _mm512_add_ps(_mm512_add_ps(x12, x13), _mm512_add_ps(x14, x15))));
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, s);
  float total = 0;
  for (float v : lanes) total += v;
  return total;
}
constexpr int kAvx512Flops = 16 * 16 * 2;  // chains x lanes x 2 per iteration

// 12 chains of ymm FMAs (16 ymm registers: 12 chains + 2 constants).
__attribute__((target("avx2,fma"))) float fmaLoopAvx2(long iterations) {
  __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-6f);
  __m256 x0 = _mm256_set1_ps(0.1f), x1 = _mm256_set1_ps(0.2f), x2 = _mm256_set1_ps(0.3f), x3 = _mm256_set1_ps(0.4f);
  __m256 x4 = _mm256_set1_ps(0.5f), x5 = _mm256_set1_ps(0.6f), x6 = _mm256_set1_ps(0.7f), x7 = _mm256_set1_ps(0.8f);
  __m256 x8 = x0, x9 = x1, x10 = x2, x11 = x3;
  for (long i = 0; i < iterations; ++i) {
    x0 = _mm256_fmadd_ps(x0, a, b); x1 = _mm256_fmadd_ps(x1, a, b); x2 = _mm256_fmadd_ps(x2, a, b);
    x3 = _mm256_fmadd_ps(x3, a, b); x4 = _mm256_fmadd_ps(x4, a, b); x5 = _mm256_fmadd_ps(x5, a, b);
    x6 = _mm256_fmadd_ps(x6, a, b); x7 = _mm256_fmadd_ps(x7, a, b); x8 = _mm256_fmadd_ps(x8, a, b);
    x9 = _mm256_fmadd_ps(x9, a, b); x10 = _mm256_fmadd_ps(x10, a, b); x11 = _mm256_fmadd_ps(x11, a, b);
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(x0, x1), _mm256_add_ps(x2, x3)),
                           _mm256_add_ps(_mm256_add_ps(x4, x5), _mm256_add_ps(x6, x7)));
  s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(x8, x9), _mm256_add_ps(x10, x11)));
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  h = _mm_hadd_ps(h, h);
  h = _mm_hadd_ps(h, h);
  return _mm_cvtss_f32(h);
}
constexpr int kAvx2Flops = 12 * 8 * 2;

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

// Contracts between the cell code (cells_impl.h, stack.cc, model.cc) and the platform layer
// (vector types, GEMM, packing, ISA dispatch, thread pool). Not part of the public API.
//
// RULE (prevents SIGILL on CPUs without AVX2/AVX-512): table_avx2.cc and table_avx512.cc are
// compiled with ISA flags and may only run after the CPU check. Every function they compile
// must have internal linkage (anonymous namespace, or a template instantiated with the
// anonymous-namespace vector type), and they must not instantiate std:: templates or inline
// std:: functions (vector, function, algorithm, std::min/max, string...) nor allocate: the
// linker keeps one copy of each such external inline function, possibly the AVX-512 one, and
// baseline code would call it. Allocation and std:: code live in baseline files.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

#include "api.h"

namespace rnnad {

// ---------------------------------------------------------------------------------------------
// Vector types. Each ISA translation unit defines one struct with this shape and instantiates
// the templated cell code with it:
//   struct VecScalar / VecAvx2 / VecAvx512 / VecNeon {
//     using reg = ...; static constexpr int width;          // floats per register
//     using mask = ...;                                     // result of comparisons
//     static reg zero(); static reg set1(float);
//     static reg load(const float*); static void store(float*, reg);          // unaligned
//     static reg loadn(const float*, int n); static void storen(float*, reg, int n);  // n < width, tail
//         (lanes >= n are neither read nor written; loadn zero-fills them)
//     static reg add(reg, reg), sub(reg, reg), mul(reg, reg), div(reg, reg);
//     static reg max(reg a, reg b), min(reg a, reg b);  // b when either is NaN, on every path
//     static reg fma(reg a, reg b, reg c);      // a*b + c (VecScalar: two roundings)
//     static reg fnma(reg a, reg b, reg c);     // c - a*b
//     static reg abs(reg), neg(reg);
//     static mask lt(reg a, reg b);             // a < b, false for NaN
//     static mask isnan(reg);
//     static reg select(mask, reg ifTrue, reg ifFalse);
//     static reg sigmoid(reg), tanh(reg);        // accuracy stated in simd_math.h, NaN propagates
//     static float hsum(reg);
//   };
// The scalar type is the reference every other path is tested against.
// ---------------------------------------------------------------------------------------------

// GEMM, C = A * op(B) (+ C if accumulate), row-major, strides in floats.
// Contract relied on by the cells for determinism: every element of C is accumulated over k in
// the same order whatever M, the row block it falls in, or the thread that computes it, so a
// row of C depends only on its row of A and on B (batch slicing never changes results). Within
// one table only: different ISAs round differently.
// A weight matrix [N][K] (PyTorch layout) packed once for C = A * W^T. Packed weights belong to
// the table that packed them (panel widths differ): gemmPacked of another table traps. Since
// forceIsa() can switch kernels() at any time, keep the table pointer used for packing next to
// the packed weights and repack when kernels() returns another table.
struct PackedWeights;
struct PackedWeightsDeleter {
  void operator()(PackedWeights*) const;
};
using PackedWeightsPtr = std::unique_ptr<PackedWeights, PackedWeightsDeleter>;

struct KernelTable {
  Isa isa;
  // Packing for C[M][N] = A[M][K] * W^T, W given [N][K] row-major with row stride ldw >= K.
  // Returns an owned pointer (wrap it in PackedWeightsPtr); throws KernelError on bad shapes.
  PackedWeights* (*packNT)(const float* W, int N, int K, int ldw);
  // Packing for C[M][K] = A[M][N] * W, W given [N][K] (the backward direction dX = dG * W).
  PackedWeights* (*packNN)(const float* W, int N, int K, int ldw);
  // C[M][cols] (+)= A[M][depth] * packed; cols/depth as packed (packNT: N/K, packNN: K/N).
  // Single-threaded; to parallelise, give each thread a range of rows of A and C (offset A and
  // C by r0 rows, pass the range's M). B must come from this table's packNT/packNN.
  void (*gemmPacked)(int M, const float* A, int lda, const PackedWeights* B, float* C, int ldc, bool accumulate);
  // gemmPacked with the column panels walked last to first: bitwise the same C. Weights larger
  // than L1 are streamed from L2 on every call; alternating the two directions on consecutive
  // calls over the same weights (the single-step path) starts each call on the panels the
  // previous one read last, still in L1.
  void (*gemmPackedDescending)(int M, const float* A, int lda, const PackedWeights* B, float* C, int ldc,
                               bool accumulate);
  // C[N][K] (+)= A^T * B with A [M][N] (lda), B [M][K] (ldb): weight gradients over all rows.
  // Every element is summed over m = 0..M-1 in order. Single-threaded; to parallelise, give
  // each thread a range [n0, n1) of rows of C:
  //     gemmTN(M, n1 - n0, K, A + n0, lda, B, ldb, C + n0 * ldc, ldc, accumulate)
  // (results are bitwise independent of the split). Splitting M instead would change the order.
  void (*gemmTN)(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc,
                 bool accumulate);
  // y[i] = sigmoid(x[i]) / tanh(x[i]) for i < n, with the accuracy of the vector type. x == y
  // is allowed.
  void (*sigmoidArray)(const float* x, float* y, size_t n);
  void (*tanhArray)(const float* x, float* y, size_t n);
  // Cell code for this ISA (filled by the cells translation unit of the same ISA).
  const struct CellKernels* cells;
};

const KernelTable& kernels();        // the active table (activeIsa())
const KernelTable& kernelsFor(Isa);  // throws KernelError when the CPU lacks it

// The tables, one per table_*.cc. Reach them through kernels()/kernelsFor(), which check the
// CPU first: calling an ISA table's function on a CPU without the ISA is SIGILL.
const KernelTable& scalarKernelTable();
#if defined(__x86_64__) || defined(_M_X64)
const KernelTable& avx2KernelTable();
const KernelTable& avx512KernelTable();
#endif
#if defined(__aarch64__)
const KernelTable& neonKernelTable();
#endif

// Thread pool. Runs fn(task) for task in [0, tasks) on up to threads() workers, the calling
// thread included; returns when all are done. fn and everything it references stay owned by
// the caller (no copy, no allocation: parallelFor takes any callable by reference, not a
// std::function). Denormals are flushed (DenormalGuard) on every
// thread running tasks, the caller included, so results never depend on which thread ran a
// task. Exceptions in a task are rethrown on the caller (first one wins; tasks not yet started
// are skipped). Nested calls (from inside a task) run their tasks inline on that thread;
// concurrent calls from several threads are queued one job at a time.
using TaskFunction = void (*)(void* context, int task);
void parallelForTasks(int tasks, TaskFunction fn, void* context);

template <class Fn>
void parallelFor(int tasks, Fn&& fn) {
  using Callable = std::remove_reference_t<Fn>;
  parallelForTasks(
      tasks, [](void* context, int task) { (*static_cast<Callable*>(context))(task); },
      const_cast<void*>(static_cast<const void*>(&fn)));
}

}  // namespace rnnad

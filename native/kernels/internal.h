// Internal contracts between the cell code (cells_*.h, stack.cc, model.cc) and the platform
// layer (vector types, GEMM, dispatch, thread pool). Not part of the public API.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

#include "api.h"

namespace rnnad {

// ---------------------------------------------------------------------------------------------
// Vector types. Each ISA translation unit defines one struct with this shape and instantiates
// the templated cell code with it:
//   struct VecScalar / VecAvx2 / VecAvx512 / VecNeon {
//     using reg = ...; static constexpr int width;          // floats per register
//     static reg zero(); static reg set1(float);
//     static reg load(const float*); static void store(float*, reg);          // unaligned
//     static reg loadn(const float*, int n); static void storen(float*, reg, int n);  // n < width, tail
//     static reg add(reg, reg), sub(reg, reg), mul(reg, reg), max(reg, reg);
//     static reg fma(reg a, reg b, reg c);      // a*b + c
//     static reg fnma(reg a, reg b, reg c);     // c - a*b
//     static reg sigmoid(reg), tanh(reg);        // accuracy stated in simd_math.h, NaN propagates
//     static float hsum(reg);
//   };
// The scalar type is the reference every other path is tested against.
// ---------------------------------------------------------------------------------------------

// GEMM, C = A * op(B) (+ C if accumulate), row-major, strides in floats.
// Contract relied on by the cells for determinism: every element of C is accumulated over k in
// the same order whatever M, the row block it falls in, or the thread that computes it, so a
// row of C depends only on its row of A and on B (batch slicing never changes results).
struct PackedWeights;  // a weight matrix [N][K] (PyTorch layout) packed once for C = A * W^T
struct PackedWeightsDeleter { void operator()(PackedWeights*) const; };
using PackedWeightsPtr = std::unique_ptr<PackedWeights, PackedWeightsDeleter>;

struct KernelTable {
  Isa isa;
  // Packing for C[M][N] = A[M][K] * W^T, W given [N][K] row-major with row stride ldw.
  PackedWeights* (*packNT)(const float* W, int N, int K, int ldw);
  // Packing for C[M][K] = A[M][N] * W, W given [N][K] (the backward direction dX = dG * W).
  PackedWeights* (*packNN)(const float* W, int N, int K, int ldw);
  // C[M][cols] (+)= A[M][depth] * packed; cols/depth as packed. Single-threaded.
  void (*gemmPacked)(int M, const float* A, int lda, const PackedWeights* B, float* C, int ldc,
                     bool accumulate);
  // C[N][K] (+)= A^T * B with A [M][N] (lda), B [M][K] (ldb): weight gradients over all rows.
  // Single-threaded; the caller splits N (rows of C) across threads.
  void (*gemmTN)(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C,
                 int ldc, bool accumulate);
  // Cell code for this ISA (filled by the cells translation unit of the same ISA).
  const struct CellKernels* cells;
};

const KernelTable& kernels();  // the active table (activeIsa())
const KernelTable& kernelsFor(Isa);  // throws KernelError when the CPU lacks it

// Thread pool. Runs fn(task) for task in [0, tasks) on up to threads() workers, the calling
// thread included; returns when all are done. Denormals are flushed on every worker for the
// duration. Exceptions in a task are rethrown on the caller (first one wins).
void parallelFor(int tasks, const std::function<void(int task)>& fn);

}  // namespace rnnad

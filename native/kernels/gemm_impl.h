// Register-blocked GEMM kernels, templated over a vector type V (simd_*.h). Each table_*.cc
// instantiates them for its ISA. Everything has internal linkage and uses no std:: templates and
// no allocation (see the RULE in internal.h).
//
// One micro-kernel, `tile`, serves both GEMMs: it keeps a Rows x (Panels * Vecs vectors) block
// of C in registers and walks the shared dimension ("depth") one step at a time, broadcasting
// one element of A per row and loading Panels * Vecs vectors of B per step:
//     acc[r][j] = fma(a(r, d), b(d, j), acc[r][j])       for d = 0, 1, 2, ...
// Every element of C is therefore one fused multiply-add chain over the depth in increasing
// order, started from 0 (or from C when accumulating) - whatever the tile shape, the row block,
// the thread or the depth block (a depth block stores its partial sums to C and the next block
// reloads them exactly). That is the determinism contract of internal.h.
#pragma once
#include <cstddef>

#include "packed_weights.h"

namespace rnnad {
namespace {
namespace gemm {

// Depth (gemmPacked) or rows-of-A (gemmTN) per block: keeps the B slab a tile streams over at
// 16 KiB, half of a 32 KiB L1, so it stays cached while the row blocks reuse it.
constexpr int kSlabBytes = 16 * 1024;

// Columns actually valid in vector j of a tile whose first `valid` columns exist.
template <int W>
inline int lanesOf(int valid, int j) {
  const int lanes = valid - j * W;
  return lanes < 0 ? 0 : (lanes > W ? W : lanes);
}

// C[Rows][valid] (+)= sum over d < depth of a(r, d) * b(d, col).
//   a(r, d) = a[r * aRow + d * aStep]
//   b(d, col) for col = p * (Vecs * W) + x: b[p * bPanel + d * bStep + x]
// WholeLoads: B may be read in whole vectors (packed panels are zero padded, or the tile is
// full). Otherwise vectors past `valid` are loaded lane-exactly, never reading beyond B.
// PrefetchA > 0: prefetch a(0, d + PrefetchA) while within the depth (see gemmTN).
template <class V, int Rows, int Panels, int Vecs, bool WholeLoads, int PrefetchA = 0>
inline void tile(int depth, const float* a, ptrdiff_t aRow, ptrdiff_t aStep, const float* b, ptrdiff_t bPanel,
                 ptrdiff_t bStep, float* c, ptrdiff_t ldc, int valid, bool loadC) {
  using reg = typename V::reg;
  constexpr int W = V::width;
  constexpr int J = Panels * Vecs;

  const float* bCol[J];
  int lanes[J];
#pragma GCC unroll 16
  for (int j = 0; j < J; ++j) {
    bCol[j] = b + (j / Vecs) * bPanel + (j % Vecs) * W;
    lanes[j] = lanesOf<W>(valid, j);
  }

  reg acc[Rows][J];
#pragma GCC unroll 16
  for (int r = 0; r < Rows; ++r) {
#pragma GCC unroll 16
    for (int j = 0; j < J; ++j) {
      float* cp = c + r * ldc + j * W;
      if (!loadC || lanes[j] == 0) {
        acc[r][j] = V::zero();
      } else {
        acc[r][j] = lanes[j] == W ? V::load(cp) : V::loadn(cp, lanes[j]);
      }
    }
  }

  for (int d = 0; d < depth; ++d) {
    if (PrefetchA && d + PrefetchA < depth) __builtin_prefetch(a + (d + PrefetchA) * aStep);
    reg bv[J];
#pragma GCC unroll 16
    for (int j = 0; j < J; ++j) {
      const float* bp = bCol[j] + d * bStep;
      bv[j] = (WholeLoads || lanes[j] == W) ? V::load(bp) : V::loadn(bp, lanes[j]);
    }
#pragma GCC unroll 16
    for (int r = 0; r < Rows; ++r) {
      const reg av = V::set1(a[r * aRow + d * aStep]);
#pragma GCC unroll 16
      for (int j = 0; j < J; ++j) acc[r][j] = V::fma(av, bv[j], acc[r][j]);
    }
  }

#pragma GCC unroll 16
  for (int r = 0; r < Rows; ++r) {
#pragma GCC unroll 16
    for (int j = 0; j < J; ++j) {
      float* cp = c + r * ldc + j * W;
      if (lanes[j] == W) {
        V::store(cp, acc[r][j]);
      } else if (lanes[j] > 0) {
        V::storen(cp, acc[r][j], lanes[j]);
      }
    }
  }
}

// A short row block (Rows < the main block) has too few accumulators to hide FMA latency on
// one panel, so it takes several panels at once: about 8 independent accumulators. A single
// row is bound by its B loads (one per FMA) rather than by FMA latency, so two panels do as
// well from L1, and from L2 narrower groups let alternating directions reuse more of L1
// (measured on the GRU H64 streaming step, AVX-512: 4 panels 0.64 us, 3: 0.63, 2: 0.585, 1: 0.62).
template <int Rows, int Vecs>
constexpr int panelsPerTailTile() {
  if (Rows == 1) return 2;
  return Rows * Vecs >= 8 ? 1 : (8 + Rows * Vecs - 1) / (Rows * Vecs);
}

// Where one depth block of gemmPacked reads and writes.
struct PackedBlock {
  int depth;       // length of this depth block
  const float* a;  // A at (row 0, first depth of the block)
  ptrdiff_t lda;
  const float* b;         // packed panel 0 at the first depth of the block
  ptrdiff_t panelStride;  // floats between consecutive panels
  float* c;
  ptrdiff_t ldc;
  int cols;  // valid columns of C
  int panels;
  bool loadC;
};

// Rows [0, Rows) of the block over panels [first, end), grouped G at a time, then a smaller
// group for the rest: ascending from `first`, or (Descending) descending from `end` with the
// rest at the low end.
template <class V, int Rows, int Vecs, int G, bool Descending>
inline void packedRowGroup(const PackedBlock& k, int first, int end) {
  constexpr int P = Vecs * V::width;
  auto run = [&](int p) {
    tile<V, Rows, G, Vecs, true>(k.depth, k.a, k.lda, 1, k.b + p * k.panelStride, k.panelStride, P, k.c + p * P, k.ldc,
                                 k.cols - p * P, k.loadC);
  };
  const int rest = (end - first) % G;
  if (Descending) {
    for (int p = end - G; p >= first + rest; p -= G) run(p);
  } else {
    for (int p = first; p + G <= end; p += G) run(p);
  }
  if constexpr (G > 1) {
    if (rest > 0) {
      const int restFirst = Descending ? first : end - rest;
      // rest < G: dispatch to the group size that covers exactly the remaining panels.
      if constexpr (G >= 4) {
        if (rest == 3) return packedRowGroup<V, Rows, Vecs, 3, Descending>(k, restFirst, restFirst + 3);
      }
      if constexpr (G >= 3) {
        if (rest == 2) return packedRowGroup<V, Rows, Vecs, 2, Descending>(k, restFirst, restFirst + 2);
      }
      packedRowGroup<V, Rows, Vecs, 1, Descending>(k, restFirst, restFirst + 1);
    }
  }
}

template <class V, int Rows, int MR, int Vecs, bool Descending>
inline void packedTailRows(int rows, const PackedBlock& k) {
  if constexpr (Rows < MR) {
    if (rows == Rows) {
      constexpr int G = panelsPerTailTile<Rows, Vecs>();
      static_assert(G <= 4, "packedRowGroup dispatches remainders of groups up to 4 panels");
      return packedRowGroup<V, Rows, Vecs, G, Descending>(k, 0, k.panels);
    }
    packedTailRows<V, Rows + 1, MR, Vecs, Descending>(rows, k);
  }
}

// C[M][cols] (+)= A[M][depth] * B, B packed in panels of Vecs * V::width columns.
// Descending walks the column panels from the last to the first. Results are bitwise the same
// (panels are independent columns); what changes is which weights were read last, see
// KernelTable::gemmPackedDescending.
template <class V, int MR, int Vecs, bool Descending = false>
void gemmPacked(int M, const float* A, int lda, const PackedWeights* B, float* C, int ldc, bool accumulate) {
  constexpr int P = Vecs * V::width;
  // Weights packed by another table have another panel width: a caller bug that would
  // otherwise read out of bounds.
  if (B->panel != P) __builtin_trap();
  const int cols = B->cols, depth = B->depth;
  if (M <= 0 || cols <= 0) return;
  if (depth == 0) {
    if (!accumulate) {
      for (int i = 0; i < M; ++i)
        for (int j = 0; j < cols; ++j) C[static_cast<ptrdiff_t>(i) * ldc + j] = 0.f;
    }
    return;
  }
  constexpr int kDepthBlock = kSlabBytes / (P * static_cast<int>(sizeof(float)));
  const int fullRows = M - M % MR;
  const ptrdiff_t panelStride = static_cast<ptrdiff_t>(depth) * P;
  const int panels = (cols + P - 1) / P;
  for (int d0 = 0; d0 < depth; d0 += kDepthBlock) {
    const int len = depth - d0 < kDepthBlock ? depth - d0 : kDepthBlock;
    const bool loadC = accumulate || d0 > 0;
    const float* bBlock = B->data + static_cast<ptrdiff_t>(d0) * P;
    for (int q = 0; q < panels; ++q) {
      const int p = Descending ? panels - 1 - q : q;
      for (int i = 0; i < fullRows; i += MR) {
        tile<V, MR, 1, Vecs, true>(len, A + static_cast<ptrdiff_t>(i) * lda + d0, lda, 1, bBlock + p * panelStride,
                                   panelStride, P, C + static_cast<ptrdiff_t>(i) * ldc + p * P, ldc, cols - p * P,
                                   loadC);
      }
    }
    if (fullRows < M) {
      const float* aTail = A + static_cast<ptrdiff_t>(fullRows) * lda + d0;
      float* cTail = C + static_cast<ptrdiff_t>(fullRows) * ldc;
      const PackedBlock k{len, aTail, lda, bBlock, panelStride, cTail, ldc, cols, panels, loadC};
      packedTailRows<V, 1, MR, Vecs, Descending>(M - fullRows, k);
    }
  }
}

// Where one block of rows of A/B (the depth of gemmTN) reads and writes.
struct TnBlock {
  int depth;        // rows of A and B in this block
  const float* a;   // A at (first row of the block, column n0), in place or as a strip
  ptrdiff_t aStep;  // floats between consecutive rows of a
  const float* b;   // B at (first row of the block, column k0)
  ptrdiff_t ldb;
  float* c;  // C at (n0, k0)
  ptrdiff_t ldc;
  int valid;  // columns of C left from k0
  bool loadC;
};

// gemmTN reads its broadcast operand A down a column, one row (and, at large N, one page) per
// depth step, which the hardware prefetchers do not follow across pages: the tile prefetches
// the row this many steps ahead (AVX-512, N=1024, M=6400: K=32 42 -> 97 GFLOP/s, K=64
// 65 -> 106, K=256 64 -> 92; 8 and 16 steps ahead gain less).
constexpr int kTnPrefetchRows = 32;

// One column strip of C (Vecs vectors wide, or fewer at the right edge) for Rows rows.
template <class V, int Rows, int Vecs>
inline void tnTile(const TnBlock& k) {
  constexpr int W = V::width;
  if (k.valid >= Vecs * W) {
    tile<V, Rows, 1, Vecs, true, kTnPrefetchRows>(k.depth, k.a, 1, k.aStep, k.b, 0, k.ldb, k.c, k.ldc, Vecs * W,
                                                  k.loadC);
    return;
  }
  // Right edge: just enough vectors, loaded lane-exactly (B has no padding).
  if constexpr (Vecs > 1) {
    if (k.valid <= (Vecs - 1) * W) return tnTile<V, Rows, Vecs - 1>(k);
  }
  tile<V, Rows, 1, Vecs, false>(k.depth, k.a, 1, k.aStep, k.b, 0, k.ldb, k.c, k.ldc, k.valid, k.loadC);
}

// Rows of C [0, Rows) of one row block, across all columns.
template <class V, int Rows, int Vecs>
inline void tnRows(TnBlock k, float* c, int K) {
  constexpr int P = Vecs * V::width;
  const float* b = k.b;
  for (int k0 = 0; k0 < K; k0 += P) {
    k.b = b + k0;
    k.c = c + k0;
    k.valid = K - k0;
    tnTile<V, Rows, Vecs>(k);
  }
}

template <class V, int Rows, int MR, int Vecs>
inline void tnTailRows(int rows, const TnBlock& k, float* c, int K) {
  if constexpr (Rows < MR) {
    if (rows == Rows) return tnRows<V, Rows, Vecs>(k, c, K);
    tnTailRows<V, Rows + 1, MR, Vecs>(rows, k, c, K);
  }
}

// dst[m * Cols + r] = src[m * ld + r]: a fixed-length copy per row, compiled to plain moves.
template <int Cols>
inline void copyStrip(const float* src, ptrdiff_t ld, int rows, float* dst) {
  for (int m = 0; m < rows; ++m) {
#pragma GCC unroll 16
    for (int r = 0; r < Cols; ++r) dst[m * Cols + r] = src[m * ld + r];
  }
}

// C[N][K] (+)= A^T * B, A [M][N], B [M][K]: sum over the M rows, in row order for every element.
template <class V, int MR, int Vecs>
void gemmTN(int M, int N, int K, const float* A, int lda, const float* B, int ldb, float* C, int ldc, bool accumulate) {
  constexpr int P = Vecs * V::width;
  if (N <= 0 || K <= 0) return;
  if (M <= 0) {
    if (!accumulate) {
      for (int n = 0; n < N; ++n)
        for (int j = 0; j < K; ++j) C[static_cast<ptrdiff_t>(n) * ldc + j] = 0.f;
    }
    return;
  }
  constexpr int kRowBlock = kSlabBytes / (P * static_cast<int>(sizeof(float)));
  // The MR columns of A that a row block of C broadcasts from lie lda apart, one cache line and
  // one page per row (TLB misses at large N), and are reread for every column panel. With
  // more than two panels they are first copied into a contiguous strip (measured: 73 -> 103
  // GFLOP/s at N=1024, K=256); with fewer the copy costs more than it saves. Copying changes
  // no value and no summation order.
  const bool useStrip = K > 2 * P;
  float strip[kRowBlock * MR];
  for (int m0 = 0; m0 < M; m0 += kRowBlock) {
    const int len = M - m0 < kRowBlock ? M - m0 : kRowBlock;
    const float* aBlock = A + static_cast<ptrdiff_t>(m0) * lda;
    TnBlock k{len, nullptr, useStrip ? MR : lda, B + static_cast<ptrdiff_t>(m0) * ldb, ldb, nullptr,
              ldc, 0,       accumulate || m0 > 0};
    for (int n0 = 0; n0 < N; n0 += MR) {
      const int rows = N - n0 < MR ? N - n0 : MR;
      if (!useStrip) {
        k.a = aBlock + n0;
      } else if (rows == MR) {
        copyStrip<MR>(aBlock + n0, lda, len, strip);
        k.a = strip;
      } else {
        for (int m = 0; m < len; ++m)
          for (int r = 0; r < rows; ++r) strip[m * MR + r] = aBlock[m * lda + n0 + r];
        k.a = strip;
      }
      float* c = C + static_cast<ptrdiff_t>(n0) * ldc;
      if (rows == MR) {
        tnRows<V, MR, Vecs>(k, c, K);
      } else {
        tnTailRows<V, 1, MR, Vecs>(rows, k, c, K);
      }
    }
  }
}

// y[i] = f(x[i]) over an array, whole vectors then one partial vector.
template <class V>
void sigmoidArray(const float* x, float* y, size_t n) {
  size_t i = 0;
  for (; i + V::width <= n; i += V::width) V::store(y + i, V::sigmoid(V::load(x + i)));
  if (i < n) {
    const int rest = static_cast<int>(n - i);
    V::storen(y + i, V::sigmoid(V::loadn(x + i, rest)), rest);
  }
}

template <class V>
void tanhArray(const float* x, float* y, size_t n) {
  size_t i = 0;
  for (; i + V::width <= n; i += V::width) V::store(y + i, V::tanh(V::load(x + i)));
  if (i < n) {
    const int rest = static_cast<int>(n - i);
    V::storen(y + i, V::tanh(V::loadn(x + i, rest)), rest);
  }
}

}  // namespace gemm
}  // namespace
}  // namespace rnnad

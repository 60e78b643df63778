// The AVX2 + FMA kernel table. Compiled with -mavx2 -mfma -mf16c: only reachable through
// kernelsFor()/kernels() after the CPU check, and bound by the RULE in internal.h.
// GEMM tiles of 6 rows x 16 columns: 12 ymm accumulators, 2 for B, 1 broadcast (16 registers).
#include "internal.h"
#include "simd_avx2.h"
#include "gemm_impl.h"
#include "cells_impl.h"

namespace rnnad {

const KernelTable& avx2KernelTable() {
  // Built on first use, i.e. after the CPU check: even the initialisation may use AVX2.
  static const KernelTable table = {
      Isa::Avx2,
      &packNTPanels<16>,
      &packNNPanels<16>,
      &gemm::gemmPacked<VecAvx2, 6, 2>,
      &gemm::gemmPacked<VecAvx2, 6, 2, true>,
      &gemm::gemmTN<VecAvx2, 6, 2>,
      &gemm::sigmoidArray<VecAvx2>,
      &gemm::tanhArray<VecAvx2>,
      cellKernelsFor<VecAvx2>(),
  };
  return table;
}

}  // namespace rnnad

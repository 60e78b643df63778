// The NEON kernel table (AArch64; Advanced SIMD is part of the base ISA, so no CPU check).
// GEMM tiles of 8 rows x 8 columns: 16 q-register accumulators (of 32).
#include "internal.h"
#include "simd_neon.h"
#include "gemm_impl.h"
#include "cells_impl.h"

namespace rnnad {

const KernelTable& neonKernelTable() {
  static const KernelTable table = {
      Isa::Neon,
      &packNTPanels<8>,
      &packNNPanels<8>,
      &gemm::gemmPacked<VecNeon, 8, 2>,
      &gemm::gemmPacked<VecNeon, 8, 2, true>,
      &gemm::gemmTN<VecNeon, 8, 2>,
      &gemm::sigmoidArray<VecNeon>,
      &gemm::tanhArray<VecNeon>,
      cellKernelsFor<VecNeon>(),
  };
  return table;
}

}  // namespace rnnad

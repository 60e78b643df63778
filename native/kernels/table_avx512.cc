// The AVX-512 (F/BW/DQ/VL) kernel table. Compiled with AVX-512 flags: only reachable through
// kernelsFor()/kernels() after the CPU check, and bound by the RULE in internal.h.
// GEMM tiles of 8 rows x 32 columns: 16 zmm accumulators (of 32 registers).
#include "internal.h"
#include "simd_avx512.h"
#include "gemm_impl.h"
#include "cells_impl.h"

namespace rnnad {

const KernelTable& avx512KernelTable() {
  // Built on first use, i.e. after the CPU check: even the initialisation may use AVX-512.
  static const KernelTable table = {
      Isa::Avx512,
      &packNTPanels<32>,
      &packNNPanels<32>,
      &gemm::gemmPacked<VecAvx512, 8, 2>,
      &gemm::gemmPacked<VecAvx512, 8, 2, true>,
      &gemm::gemmTN<VecAvx512, 8, 2>,
      &gemm::sigmoidArray<VecAvx512>,
      &gemm::tanhArray<VecAvx512>,
      cellKernelsFor<VecAvx512>(),
  };
  return table;
}

}  // namespace rnnad

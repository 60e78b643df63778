// The scalar kernel table (baseline ISA): the reference the SIMD paths are tested against, and
// the path of last resort. 4 x 4 register tiles.
#include "internal.h"
#include "simd_scalar.h"
#include "gemm_impl.h"
#include "cells_impl.h"

namespace rnnad {

const KernelTable& scalarKernelTable() {
  static const KernelTable table = {
      Isa::Scalar,
      &packNTPanels<4>,
      &packNNPanels<4>,
      &gemm::gemmPacked<VecScalar, 4, 4>,
      &gemm::gemmPacked<VecScalar, 4, 4, true>,
      &gemm::gemmTN<VecScalar, 4, 4>,
      &gemm::sigmoidArray<VecScalar>,
      &gemm::tanhArray<VecScalar>,
      cellKernelsFor<VecScalar>(),
  };
  return table;
}

}  // namespace rnnad

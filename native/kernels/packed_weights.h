// The packed layout of a GEMM operand B (depth x cols) shared by every ISA: columns cut into
// panels of `panel` columns (the micro-kernel's register width), each panel stored depth-major,
//     data[p * depth * panel + d * panel + x] = B(d, p * panel + x), 0 past the last column,
// so the micro-kernel reads one contiguous, aligned run of `panel` floats per depth step.
//
// Packing is plain data movement, so it is compiled once for the baseline ISA
// (packed_weights.cc) and the ISA tables point at the instantiation of their panel width: no
// allocation or std:: code ends up in an ISA-specific translation unit.
#pragma once

namespace rnnad {

// Plain data on purpose (no member functions): ISA-specific code reads it, and an inline member
// function would be an externally visible symbol compiled once per ISA (see internal.h).
struct PackedWeights {
  int cols;     // columns of C the product yields
  int depth;    // the shared dimension
  int panel;    // columns per panel
  float* data;  // ceil(cols / panel) * depth * panel floats, 64-byte aligned
};

// C = A * W^T: B(d, n) = W[n * ldw + d], W [N][K], cols = N, depth = K.
template <int Panel>
PackedWeights* packNTPanels(const float* W, int N, int K, int ldw);
// C = A * W: B(d, k) = W[d * ldw + k], W [N][K], cols = K, depth = N.
template <int Panel>
PackedWeights* packNNPanels(const float* W, int N, int K, int ldw);

}  // namespace rnnad

// Packing into the panel layout of packed_weights.h (baseline ISA, see there).
#include "packed_weights.h"

#include <cstddef>
#include <string>

#include "buffers.h"
#include "internal.h"

namespace rnnad {
namespace {

void checkShape(const char* fn, const float* W, int N, int K, int ldw) {
  if (N < 0 || K < 0) {
    throw KernelError(std::string(fn) + ": N and K must be >= 0 (got N=" + std::to_string(N) +
                      ", K=" + std::to_string(K) + ")");
  }
  if (ldw < K) {
    throw KernelError(std::string(fn) + ": ldw must be >= K (got ldw=" + std::to_string(ldw) +
                      ", K=" + std::to_string(K) + ")");
  }
  if (W == nullptr && N > 0 && K > 0) throw KernelError(std::string(fn) + ": W is null");
}

size_t panelBytes(int cols, int depth, int panel) {
  const size_t panels = (static_cast<size_t>(cols) + panel - 1) / panel;
  return panels * static_cast<size_t>(depth) * panel * sizeof(float);
}

// Allocates the layout for cols x depth; the caller fills every float (padding included).
PackedWeights* allocatePanels(int cols, int depth, int panel) {
  auto* packed = new PackedWeights{cols, depth, panel, nullptr};
  try {
    packed->data = static_cast<float*>(allocateBuffer(panelBytes(cols, depth, panel)));
  } catch (...) {
    delete packed;
    throw;
  }
  return packed;
}

// Fills the panels from B(d, c) = src[d * dStride + c * cStride].
void fillPanels(PackedWeights& packed, const float* src, ptrdiff_t dStride, ptrdiff_t cStride) {
  const int panel = packed.panel, depth = packed.depth, cols = packed.cols;
  float* out = packed.data;
  for (int c0 = 0; c0 < cols; c0 += panel) {
    const int width = cols - c0 < panel ? cols - c0 : panel;
    for (int d = 0; d < depth; ++d) {
      const float* row = src + d * dStride + c0 * cStride;
      int x = 0;
      for (; x < width; ++x) out[x] = row[x * cStride];
      for (; x < panel; ++x) out[x] = 0.f;
      out += panel;
    }
  }
}

}  // namespace

template <int Panel>
PackedWeights* packNTPanels(const float* W, int N, int K, int ldw) {
  checkShape("packNT", W, N, K, ldw);
  PackedWeights* packed = allocatePanels(N, K, Panel);
  fillPanels(*packed, W, 1, ldw);
  return packed;
}

template <int Panel>
PackedWeights* packNNPanels(const float* W, int N, int K, int ldw) {
  checkShape("packNN", W, N, K, ldw);
  PackedWeights* packed = allocatePanels(K, N, Panel);
  fillPanels(*packed, W, ldw, 1);
  return packed;
}

// The panel widths of the tables: scalar 4, NEON 8, AVX2 16, AVX-512 32.
template PackedWeights* packNTPanels<4>(const float*, int, int, int);
template PackedWeights* packNNPanels<4>(const float*, int, int, int);
template PackedWeights* packNTPanels<8>(const float*, int, int, int);
template PackedWeights* packNNPanels<8>(const float*, int, int, int);
template PackedWeights* packNTPanels<16>(const float*, int, int, int);
template PackedWeights* packNNPanels<16>(const float*, int, int, int);
template PackedWeights* packNTPanels<32>(const float*, int, int, int);
template PackedWeights* packNNPanels<32>(const float*, int, int, int);

void PackedWeightsDeleter::operator()(PackedWeights* packed) const {
  if (packed == nullptr) return;
  freeBuffer(packed->data, panelBytes(packed->cols, packed->depth, packed->panel));
  delete packed;
}

}  // namespace rnnad

// Dropout for training (inverted dropout, PyTorch convention): a kept element is scaled by
// 1 / (1 - p), a dropped one is zero, so inference runs the network unchanged.
//
// Masks are counter-based: element i of the mask for a key is a pure function of (key, i), so
// a mask is reproducible for a seed and training step and does not depend on the thread count
// or on how the work is split.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "api.h"

namespace rnnad {

// The key of one mask: the model's dropout seed, the 1-based optimizer step that uses it and the
// site (0 = the input, k = the output of layer k - 1, so the top layer's output entering the
// head is site `layers`).
uint64_t dropoutKey(uint64_t seed, int64_t step, int site);

// mask[i] = 1 / (1 - p) if element i is kept, else 0; each element is kept with probability
// 1 - p. p in [0, 1); p = 0 keeps everything (mask of ones).
void dropoutMask(uint64_t key, float p, size_t n, float* mask);

// out[i] = x[i] * mask[i] (forward, and backward on the gradient); out may equal x.
void applyMask(const float* x, const float* mask, size_t n, float* out);

// A recurrent stack trained with dropout on its input and between its layers: one
// single-layer RecurrentStack per layer (same flat parameter layout as a RecurrentStack of the
// whole config), the masks applied to the tensors passed between them. Training only: inference
// has no dropout, so it runs on a plain RecurrentStack with the same parameters.
class DropoutStack {
 public:
  explicit DropoutStack(const StackConfig&);
  ~DropoutStack();
  DropoutStack(const DropoutStack&) = delete;
  DropoutStack& operator=(const DropoutStack&) = delete;

  size_t paramCount() const;
  void setParams(const float* flat, size_t n);

  // x [batch][steps][inputSize]. inputMask [batch][steps][inputSize] and layerMasks
  // [layers - 1][batch][steps][hidden] hold scaled mask values (dropoutMask) or are null (no
  // dropout there); both are copied. hN [layers][batch][hidden] receives the final states
  // (zero initial states). Keeps what backward needs.
  void forward(const float* x, const float* inputMask, const float* layerMasks, int batch, int steps, float* hN);
  // BPTT for the last forward: dHN [layers][batch][hidden] (null = zero); dParams flat,
  // overwritten.
  void backward(const float* dHN, float* dParams);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rnnad

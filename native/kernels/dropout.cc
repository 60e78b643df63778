// Counter-based dropout masks and the layer-by-layer stack that applies them (dropout.h).
#include "dropout.h"

#include <algorithm>
#include <string>
#include <vector>

#include "buffers.h"
#include "internal.h"

namespace rnnad {
namespace {

constexpr size_t kMaskBlock = 1 << 16;  // mask elements per task

// SplitMix64's finalizer: a bijection of 64-bit words with full avalanche.
uint64_t mix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

uint64_t dropoutKey(uint64_t seed, int64_t step, int site) {
  return mix64(mix64(mix64(seed) ^ static_cast<uint64_t>(step)) ^ static_cast<uint64_t>(site));
}

void dropoutMask(uint64_t key, float p, size_t n, float* mask) {
  if (!(p >= 0.f && p < 1.f)) throw KernelError("dropoutMask: p must be in [0, 1), got " + std::to_string(p));
  if (!mask && n != 0) throw KernelError("dropoutMask: mask must not be null");
  const float scale = static_cast<float>(1.0 / (1.0 - static_cast<double>(p)));
  // Element i is kept when the top 24 bits of mix64(key + i), read as a fraction, are >= p.
  const uint64_t threshold = static_cast<uint64_t>(static_cast<double>(p) * 16777216.0);
  const size_t tasks = (n + kMaskBlock - 1) / kMaskBlock;
  auto fill = [&](int task) {
    const size_t begin = static_cast<size_t>(task) * kMaskBlock, end = std::min(n, begin + kMaskBlock);
    for (size_t i = begin; i < end; ++i) mask[i] = (mix64(key + i) >> 40) >= threshold ? scale : 0.f;
  };
  if (tasks <= 1) {
    if (n) fill(0);
  } else {
    parallelFor(static_cast<int>(tasks), fill);
  }
}

void applyMask(const float* x, const float* mask, size_t n, float* out) {
  if ((!x || !mask || !out) && n != 0) throw KernelError("applyMask: x, mask and out must not be null");
  for (size_t i = 0; i < n; ++i) out[i] = x[i] * mask[i];
}

struct DropoutStack::Impl {
  StackConfig cfg;
  std::vector<std::unique_ptr<RecurrentStack>> layers;
  std::vector<TrainTapePtr> tapes;
  std::vector<size_t> offsets;
  size_t total = 0;
  int batch = 0, steps = 0;
  bool filled = false;
  bool inputMasked = false, layersMasked = false;
  Buffer<float> input;                // the masked input
  Buffer<float> masks;                // copy of the layer masks
  std::vector<Buffer<float>> inputs;  // inputs[k]: layer k's masked output, the input of layer k + 1
  Buffer<float> dUpper, dLower;       // gradients passed down between layers

  explicit Impl(const StackConfig& c) : cfg(c) {
    stackParamCount(c);  // validates the config
    for (int k = 0; k < c.layers; ++k) {
      StackConfig one = c;
      one.layers = 1;
      if (k > 0) one.inputSize = c.hiddenSize;
      layers.push_back(std::make_unique<RecurrentStack>(one));
      tapes.push_back(layers.back()->makeTape());
      offsets.push_back(total);
      total += layers.back()->paramCount();
    }
    inputs.resize(c.layers > 1 ? c.layers - 1 : 0);
  }
};

DropoutStack::DropoutStack(const StackConfig& cfg) : impl_(std::make_unique<Impl>(cfg)) {}
DropoutStack::~DropoutStack() = default;

size_t DropoutStack::paramCount() const { return impl_->total; }

void DropoutStack::setParams(const float* flat, size_t n) {
  Impl& s = *impl_;
  if (!flat) throw KernelError("DropoutStack::setParams: parameters must not be null");
  if (n != s.total)
    throw KernelError("DropoutStack::setParams: expected " + std::to_string(s.total) + " parameters, got " +
                      std::to_string(n));
  for (size_t k = 0; k < s.layers.size(); ++k) s.layers[k]->setParams(flat + s.offsets[k], s.layers[k]->paramCount());
  s.filled = false;
}

void DropoutStack::forward(const float* x, const float* inputMask, const float* layerMasks, int batch, int steps,
                           float* hN) {
  Impl& s = *impl_;
  if (!x || !hN) throw KernelError("DropoutStack::forward: x and hN must not be null");
  if (batch < 1 || steps < 1)
    throw KernelError("DropoutStack::forward: batch and steps must be >= 1, got " + std::to_string(batch) + " and " +
                      std::to_string(steps));
  s.filled = false;
  const size_t rows = static_cast<size_t>(batch) * steps, H = s.cfg.hiddenSize;
  const size_t perLayer = rows * H, stateRows = static_cast<size_t>(batch) * H;
  const float* in = x;
  s.inputMasked = inputMask != nullptr;
  if (inputMask) {
    s.input.resize(rows * s.cfg.inputSize);
    applyMask(x, inputMask, s.input.size(), s.input.data());
    in = s.input.data();
  }
  s.layersMasked = layerMasks != nullptr && s.cfg.layers > 1;
  if (s.layersMasked) s.masks.assign(layerMasks, layerMasks + (s.cfg.layers - 1) * perLayer);
  for (int k = 0; k < s.cfg.layers; ++k) {
    const bool top = k == s.cfg.layers - 1;
    float* y = nullptr;
    if (!top) {
      s.inputs[k].resize(perLayer);
      y = s.inputs[k].data();
    }
    s.layers[k]->forward(in, batch, steps, nullptr, nullptr, y, hN + k * stateRows, nullptr, s.tapes[k].get());
    if (!top && s.layersMasked) applyMask(y, s.masks.data() + k * perLayer, perLayer, y);
    in = y;
  }
  s.batch = batch;
  s.steps = steps;
  s.filled = true;
}

void DropoutStack::backward(const float* dHN, float* dParams) {
  Impl& s = *impl_;
  if (!s.filled) throw KernelError("DropoutStack::backward: no forward pass to differentiate (call forward first)");
  if (!dParams) throw KernelError("DropoutStack::backward: dParams must not be null");
  const size_t perLayer = static_cast<size_t>(s.batch) * s.steps * s.cfg.hiddenSize;
  const size_t stateRows = static_cast<size_t>(s.batch) * s.cfg.hiddenSize;
  const float* dY = nullptr;  // the top layer's outputs are not used past its final state
  for (int k = s.cfg.layers - 1; k >= 0; --k) {
    float* dX = nullptr;
    if (k > 0) {
      s.dLower.resize(perLayer);
      dX = s.dLower.data();
    }
    s.layers[k]->backward(*s.tapes[k], dY, dHN ? dHN + k * stateRows : nullptr, nullptr, dX, nullptr, nullptr,
                          dParams + s.offsets[k]);
    if (k == 0) break;
    if (s.layersMasked) applyMask(dX, s.masks.data() + (k - 1) * perLayer, perLayer, dX);
    std::swap(s.dUpper, s.dLower);
    dY = s.dUpper.data();
  }
}

}  // namespace rnnad

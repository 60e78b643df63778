// The training step of a forecast model with the issue-12 options, assembled from the kernels
// of dropout.h and heads.h the way AnomalyModel is to use them, and its naive float64 twin
// (cells_reference.h's StackRef, one layer at a time, masks in between) for finite differences.
//   flat parameters: the stack, head.weight [outputs][H], head.bias [outputs]
//   masks (scaled values, or empty = no dropout there): input [B][T][D],
//     layers [L-1][B][T][H], head [B][H] (the top layer's final state entering the head)
//   loss: MSE over B * outputs, or (gaussian) the mean Gaussian NLL over B * outputs / 2
#pragma once
#include <cmath>
#include <vector>

#include "api.h"
#include "cells_reference.h"
#include "dropout.h"
#include "heads.h"

namespace heads_test {

struct Masks {
  std::vector<float> input, layers, head;
};

struct Options {
  rnnad::StackConfig stack;
  int outputs = 1;
  bool gaussian = false;
  float floor = 0.f;
};

inline const float* orNull(const std::vector<float>& v) { return v.empty() ? nullptr : v.data(); }

// Float32 kernels: returns the loss, writes the flat gradient and the head output [B][outputs].
inline double kernelStep(const Options& o, const std::vector<float>& flat, const std::vector<float>& x,
                         const std::vector<float>& target, int B, int T, const Masks& m, std::vector<float>& grads,
                         std::vector<float>& out) {
  const int H = o.stack.hiddenSize, L = o.stack.layers, O = o.outputs;
  rnnad::DropoutStack stack(o.stack);
  const size_t n = stack.paramCount();
  stack.setParams(flat.data(), n);
  std::vector<float> hN(static_cast<size_t>(L) * B * H);
  stack.forward(x.data(), orNull(m.input), orNull(m.layers), B, T, hN.data());
  const size_t topAt = static_cast<size_t>(L - 1) * B * H;
  std::vector<float> headIn(hN.begin() + topAt, hN.end());
  if (!m.head.empty()) rnnad::applyMask(headIn.data(), m.head.data(), headIn.size(), headIn.data());
  const float* W = flat.data() + n;
  const float* b = W + static_cast<size_t>(O) * H;
  out.assign(static_cast<size_t>(B) * O, 0.f);
  rnnad::denseForward(headIn.data(), B, H, W, b, O, out.data());
  std::vector<float> dOut(out.size());
  const double loss = o.gaussian
                          ? rnnad::gaussianNll(out.data(), target.data(), B, O / 2, o.floor, dOut.data(), nullptr)
                          : rnnad::mseLoss(out.data(), target.data(), out.size(), dOut.data());
  grads.assign(flat.size(), 0.f);
  std::vector<float> dHN(hN.size(), 0.f);
  float* dTop = dHN.data() + topAt;
  rnnad::denseBackward(headIn.data(), dOut.data(), B, H, W, O, dTop, grads.data() + n,
                       grads.data() + n + static_cast<size_t>(O) * H);
  if (!m.head.empty()) rnnad::applyMask(dTop, m.head.data(), static_cast<size_t>(B) * H, dTop);
  stack.backward(dHN.data(), grads.data());
  return loss;
}

// Float64 reference of the same loss.
inline double referenceLoss(const Options& o, const std::vector<double>& flat, const std::vector<float>& x,
                            const std::vector<float>& target, int B, int T, const Masks& m) {
  const int H = o.stack.hiddenSize, L = o.stack.layers, O = o.outputs;
  std::vector<double> seq(x.begin(), x.end());
  if (!m.input.empty())
    for (size_t i = 0; i < seq.size(); ++i) seq[i] *= m.input[i];
  size_t off = 0;
  std::vector<double> top;
  for (int k = 0; k < L; ++k) {
    rnnad::StackConfig one = o.stack;
    one.layers = 1;
    if (k > 0) one.inputSize = H;
    cells_ref::StackRef ref{one, {}};
    const size_t count = rnnad::stackParamCount(one);
    ref.p.assign(flat.begin() + off, flat.begin() + off + count);
    off += count;
    std::vector<double> y, hN, cN;
    ref.forward(seq.data(), B, T, nullptr, nullptr, y, hN, cN);
    if (k < L - 1 && !m.layers.empty()) {
      const size_t per = static_cast<size_t>(B) * T * H;
      for (size_t i = 0; i < per; ++i) y[i] *= m.layers[k * per + i];
    }
    seq = y;
    top = hN;
  }
  if (!m.head.empty())
    for (size_t i = 0; i < top.size(); ++i) top[i] *= m.head[i];
  const double* W = flat.data() + off;
  const double* bias = W + static_cast<size_t>(O) * H;
  double sum = 0;
  const int count = o.gaussian ? O / 2 : O;
  for (int r = 0; r < B; ++r) {
    std::vector<double> out(O);
    for (int j = 0; j < O; ++j) {
      double s = bias[j];
      for (int k = 0; k < H; ++k) s += W[static_cast<size_t>(j) * H + k] * top[static_cast<size_t>(r) * H + k];
      out[j] = s;
    }
    for (int j = 0; j < count; ++j) {
      const double y = target[static_cast<size_t>(r) * count + j];
      if (o.gaussian) {
        const double v = std::exp(out[count + j]) + o.floor;
        sum += 0.5 * (std::log(v) + (y - out[j]) * (y - out[j]) / v) + 0.5 * std::log(2 * M_PI);
      } else {
        sum += (out[j] - y) * (out[j] - y);
      }
    }
  }
  return sum / (static_cast<double>(B) * count);
}

}  // namespace heads_test

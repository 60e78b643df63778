// Dense layer, losses and optimizers over flat float buffers (api.h). The matrix products go
// through the active ISA's GEMM; the elementwise loops are simple enough for the compiler to
// vectorise at the baseline ISA and are memory-bound, so they do not need per-ISA copies.
// Row blocks and reduction orders are fixed, so results never depend on the thread count.
#include <algorithm>
#include <cmath>
#include <string>

#include "api.h"
#include "cell_kernels.h"
#include "internal.h"

namespace rnnad {
namespace {

constexpr int kDenseRowBlock = 256;            // dense forward / dX rows per task
constexpr int kDenseGradRowBlock = 32;         // dW rows per task
constexpr size_t kElementwiseBlock = 1 << 16;  // optimizer elements per task

void checkDense(const char* fn, int n, int in, int out) {
  if (n < 1) throw KernelError(std::string(fn) + ": " + "n must be >= 1, got " + std::to_string(n));
  if (in < 1) throw KernelError(std::string(fn) + ": " + "in must be >= 1, got " + std::to_string(in));
  if (out < 1) throw KernelError(std::string(fn) + ": " + "out must be >= 1, got " + std::to_string(out));
}

template <class Fn>
void forBlocks(size_t n, size_t block, Fn&& fn) {
  const size_t tasks = (n + block - 1) / block;
  if (tasks <= 1) {
    fn(size_t{0}, n);
    return;
  }
  parallelFor(static_cast<int>(tasks), [&](int t) {
    const size_t begin = static_cast<size_t>(t) * block;
    fn(begin, std::min(n, begin + block));
  });
}

}  // namespace

void denseForward(const float* x, int n, int in, const float* W, const float* b, int out, float* y) {
  checkDense("denseForward", n, in, out);
  if (!x || !W || !b || !y) throw KernelError("denseForward: x, W, b and y must not be null");
  DenormalGuard ftz;
  const KernelTable& kt = kernels();
  PackedWeightsPtr packed(kt.packNT(W, out, in, in));
  const PackedWeights* pw = packed.get();
  forBlocks(static_cast<size_t>(n), kDenseRowBlock, [&](size_t r0, size_t r1) {
    const int rows = static_cast<int>(r1 - r0);
    float* yr = y + r0 * out;
    kt.gemmPacked(rows, x + r0 * in, in, pw, yr, out, false);
    kt.cells->addBias(rows, out, yr, out, b, yr, out);
  });
}

void denseBackward(const float* x, const float* dY, int n, int in, const float* W, int out, float* dX, float* dW,
                   float* db) {
  checkDense("denseBackward", n, in, out);
  if (!x || !dY || !W || !dW || !db) throw KernelError("denseBackward: x, dY, W, dW and db must not be null");
  DenormalGuard ftz;
  const KernelTable& kt = kernels();
  if (dX) {
    PackedWeightsPtr packed(kt.packNN(W, out, in, in));
    const PackedWeights* pw = packed.get();
    forBlocks(static_cast<size_t>(n), kDenseRowBlock, [&](size_t r0, size_t r1) {
      kt.gemmPacked(static_cast<int>(r1 - r0), dY + r0 * out, out, pw, dX + r0 * in, in, false);
    });
  }
  // dW rows in fixed blocks, then one task for the bias sums.
  const int wBlocks = (out + kDenseGradRowBlock - 1) / kDenseGradRowBlock;
  parallelFor(wBlocks + 1, [&](int t) {
    if (t == wBlocks) {
      kt.cells->sumRows(n, out, dY, out, db, false);
      return;
    }
    const int r0 = t * kDenseGradRowBlock;
    const int rows = std::min(kDenseGradRowBlock, out - r0);
    kt.gemmTN(n, rows, in, dY + r0, out, x, in, dW + static_cast<size_t>(r0) * in, in, false);
  });
}

double mseLoss(const float* pred, const float* target, size_t count, float* dPred) {
  if (count < 1) throw KernelError("mseLoss: count must be >= 1");
  if (!pred || !target) throw KernelError("mseLoss: pred and target must not be null");
  // Four interleaved double accumulators: a fixed order, and no single long dependency chain.
  double acc[4] = {0, 0, 0, 0};
  const double scale = 2.0 / static_cast<double>(count);
  for (size_t i = 0; i < count; ++i) {
    const double d = static_cast<double>(pred[i]) - static_cast<double>(target[i]);
    acc[i & 3] += d * d;
    if (dPred) dPred[i] = static_cast<float>(scale * d);
  }
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) / static_cast<double>(count);
}

double sumOfSquares(const float* v, size_t n) {
  if (!v && n != 0) throw KernelError("sumOfSquares: v must not be null");
  double acc[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < n; ++i) {
    const double d = v[i];
    acc[i & 3] += d * d;
  }
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

void scaleInPlace(float* v, size_t n, float s) {
  if (!v && n != 0) throw KernelError("scaleInPlace: v must not be null");
  for (size_t i = 0; i < n; ++i) v[i] *= s;
}

void adamUpdate(float* params, const float* grads, float* m, float* v, size_t n, const AdamConfig& c, int64_t step) {
  if (!params || !grads || !m || !v) throw KernelError("adamUpdate: params, grads, m and v must not be null");
  if (step < 1)
    throw KernelError("adamUpdate: step must be >= 1 (1-based, after increment), got " + std::to_string(step));
  if (!(c.lr > 0 && c.eps > 0 && c.beta1 >= 0 && c.beta1 < 1 && c.beta2 >= 0 && c.beta2 < 1 && c.weightDecay >= 0))
    throw KernelError("adamUpdate: expects lr > 0, eps > 0, beta1 and beta2 in [0, 1), weightDecay >= 0");
  // Bias corrections in double as PyTorch computes them (Python floats), then used in float.
  const double bc1 = 1.0 - std::pow(static_cast<double>(c.beta1), static_cast<double>(step));
  const double bc2 = 1.0 - std::pow(static_cast<double>(c.beta2), static_cast<double>(step));
  const float stepSize = static_cast<float>(static_cast<double>(c.lr) / bc1);
  const float bc2Sqrt = static_cast<float>(std::sqrt(bc2));
  const float b1 = c.beta1, b2 = c.beta2, omb1 = 1.f - c.beta1, omb2 = 1.f - c.beta2, eps = c.eps, wd = c.weightDecay;
  forBlocks(n, kElementwiseBlock, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; ++i) {
      const float g = wd != 0.f ? grads[i] + wd * params[i] : grads[i];
      const float mi = b1 * m[i] + omb1 * g;
      const float vi = b2 * v[i] + omb2 * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] -= stepSize * (mi / (std::sqrt(vi) / bc2Sqrt + eps));
    }
  });
}

void sgdUpdate(float* params, const float* grads, float* velocity, size_t n, float lr, float momentum) {
  if (!params || !grads) throw KernelError("sgdUpdate: params and grads must not be null");
  if (!(lr > 0 && momentum >= 0 && momentum < 1)) throw KernelError("sgdUpdate: expects lr > 0 and momentum in [0, 1)");
  if (momentum != 0.f && !velocity) throw KernelError("sgdUpdate: velocity must not be null when momentum > 0");
  forBlocks(n, kElementwiseBlock, [&](size_t i0, size_t i1) {
    if (momentum == 0.f) {
      for (size_t i = i0; i < i1; ++i) params[i] -= lr * grads[i];
      return;
    }
    for (size_t i = i0; i < i1; ++i) {
      const float buf = momentum * velocity[i] + grads[i];
      velocity[i] = buf;
      params[i] -= lr * buf;
    }
  });
}

}  // namespace rnnad

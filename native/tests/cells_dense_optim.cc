// Dense layer, losses and optimizers against naive double loops and hand-computed values.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "api.h"
#include "cells_test_support.h"

using namespace rnnad;
using cells_test::Report;

namespace {

void dense(Report& r) {
  struct Shape {
    int n, in, out;
  };
  for (Isa isa : supportedIsas()) {
    forceIsa(isa);
    for (Shape s : {Shape{1, 1, 1}, Shape{37, 13, 5}, Shape{300, 8, 33}, Shape{4, 70, 17}}) {
      const std::string ctx = std::string("dense ") + std::to_string(s.n) + "x" + std::to_string(s.in) + "->" +
                              std::to_string(s.out) + " [" + isaName(isa) + "]";
      cells_test::Rng rng(s.n * 7 + s.in);
      std::vector<float> x = rng.vec(static_cast<size_t>(s.n) * s.in, -1.f, 1.f);
      std::vector<float> W = rng.vec(static_cast<size_t>(s.out) * s.in, -1.f, 1.f), b = rng.vec(s.out, -1.f, 1.f);
      std::vector<float> dY = rng.vec(static_cast<size_t>(s.n) * s.out, -1.f, 1.f);
      std::vector<float> y(dY.size()), dX(x.size()), dW(W.size()), db(s.out);
      denseForward(x.data(), s.n, s.in, W.data(), b.data(), s.out, y.data());
      denseBackward(x.data(), dY.data(), s.n, s.in, W.data(), s.out, dX.data(), dW.data(), db.data());
      std::vector<double> wy(y.size()), wdX(dX.size(), 0.0), wdW(dW.size(), 0.0), wdb(s.out, 0.0);
      for (int i = 0; i < s.n; ++i) {
        for (int o = 0; o < s.out; ++o) {
          double acc = b[o];
          for (int k = 0; k < s.in; ++k) acc += static_cast<double>(x[i * s.in + k]) * W[o * s.in + k];
          wy[i * s.out + o] = acc;
          const double g = dY[i * s.out + o];
          wdb[o] += g;
          for (int k = 0; k < s.in; ++k) {
            wdX[i * s.in + k] += g * W[o * s.in + k];
            wdW[o * s.in + k] += g * x[i * s.in + k];
          }
        }
      }
      const double tol = 1e-6 * std::max(s.in, s.n);
      r.expect(cells_test::normwise(y.data(), wy.data(), y.size()) <= tol, ctx + ": forward");
      r.expect(cells_test::normwise(dX.data(), wdX.data(), dX.size()) <= tol, ctx + ": dX");
      r.expect(cells_test::normwise(dW.data(), wdW.data(), dW.size()) <= tol, ctx + ": dW");
      r.expect(cells_test::normwise(db.data(), wdb.data(), db.size()) <= tol, ctx + ": db");
      std::vector<float> dW2(dW.size()), db2(s.out);
      denseBackward(x.data(), dY.data(), s.n, s.in, W.data(), s.out, nullptr, dW2.data(), db2.data());
      r.expect(dW2 == dW && db2 == db, ctx + ": dX may be null");
    }
  }
}

void losses(Report& r) {
  const float pred[3] = {1.f, 2.f, 3.f}, target[3] = {0.f, 0.f, 5.f};
  float dPred[3];
  const double l = mseLoss(pred, target, 3, dPred);
  // differences 1, 2, -2: mean of squares 9/3; gradient 2 d / 3.
  r.expect(l == 3.0, "mseLoss of a hand-computed case");
  r.expect(std::fabs(dPred[0] - 2.f / 3.f) < 1e-7f && std::fabs(dPred[1] - 4.f / 3.f) < 1e-7f &&
               std::fabs(dPred[2] + 4.f / 3.f) < 1e-7f,
           "mseLoss gradient 2 (pred - target) / count");
  const float v[2] = {3.f, 4.f};
  r.expect(sumOfSquares(v, 2) == 25.0, "sumOfSquares(3, 4) = 25");
  float s[3] = {1.f, -2.f, 0.5f};
  scaleInPlace(s, 3, 2.f);
  r.expect(s[0] == 2.f && s[1] == -4.f && s[2] == 1.f, "scaleInPlace");
}

void optimizers(Report& r) {
  // Adam, two steps on one parameter, against the textbook bias-corrected formula in double.
  {
    AdamConfig c;
    c.lr = 0.1f;
    float p = 1.f, m = 0.f, v = 0.f;
    const float g1 = 0.5f, g2 = -0.25f;
    adamUpdate(&p, &g1, &m, &v, 1, c, 1);
    // Step 1: m_hat = g, v_hat = g^2, so the step is lr * g / (|g| + eps) = 0.1.
    r.expect(std::fabs(p - 0.9f) < 1e-6f, "adam step 1 moves by lr");
    adamUpdate(&p, &g2, &m, &v, 1, c, 2);
    // The reference uses the float32 betas exactly (0.999f is not 0.999).
    const double b1 = 0.9f, b2 = 0.999f;
    const double m1 = (1 - b1) * 0.5, v1 = (1 - b2) * 0.25;
    const double m2 = b1 * m1 + (1 - b1) * -0.25, v2 = b2 * v1 + (1 - b2) * 0.0625;
    const double want = 0.9 - 0.1 * (m2 / (1 - b1 * b1)) / (std::sqrt(v2 / (1 - b2 * b2)) + 1e-8);
    r.expect(std::fabs(p - want) < 1e-6, "adam step 2: " + cells_test::fmt(p) + " vs " + cells_test::fmt(want));
    r.expect(std::fabs(m - m2) < 1e-6 * std::fabs(m2) && std::fabs(v - v2) < 1e-6 * v2,
             "adam moments: m " + cells_test::fmt(m) + ", v " + cells_test::fmt(v));
  }
  {
    // L2 weight decay joins the gradient: g' = g + wd * p = 0 here, so nothing moves.
    AdamConfig c;
    c.weightDecay = 0.5f;
    float p = 2.f, m = 0.f, v = 0.f;
    const float g = -1.f;
    adamUpdate(&p, &g, &m, &v, 1, c, 1);
    r.expect(p == 2.f && m == 0.f && v == 0.f, "adam weight decay is PyTorch's L2 term added to the gradient");
  }
  {
    // PyTorch SGD momentum: buf = mu buf + g; p -= lr buf.
    float p = 1.f, vel = 0.f;
    const float ones = 1.f, zero = 0.f;
    sgdUpdate(&p, &ones, &vel, 1, 0.1f, 0.9f);
    r.expect(std::fabs(p - 0.9f) < 1e-7f, "sgd momentum step 1");
    sgdUpdate(&p, &ones, &vel, 1, 0.1f, 0.9f);
    r.expect(std::fabs(p - 0.71f) < 1e-6f, "sgd momentum step 2");
    sgdUpdate(&p, &zero, &vel, 1, 0.1f, 0.9f);
    r.expect(std::fabs(p - 0.539f) < 1e-6f && std::fabs(vel - 1.71f) < 1e-6f, "sgd momentum step 3");
    float q = 1.f;
    sgdUpdate(&q, &ones, nullptr, 1, 0.25f, 0.f);
    r.expect(q == 0.75f, "sgd without momentum needs no velocity");
  }
  {
    // Large arrays run in parallel blocks: every element must get the same update.
    const size_t n = 200000;
    std::vector<float> p(n, 1.f), g(n, 0.5f), m(n, 0.f), v(n, 0.f);
    adamUpdate(p.data(), g.data(), m.data(), v.data(), n, AdamConfig(), 1);
    bool same = true;
    for (float x : p) same = same && x == p[0];
    r.expect(same && std::fabs(p[0] - (1.f - 1e-3f)) < 1e-6f, "adam over 200000 elements");
  }
}

void clipping(Report& r) {
  // SGD with lr 1 and clipping: the parameter change is the clipped gradient, of norm clipNorm.
  ModelConfig mc;
  mc.stack.cell = Cell::Lstm;
  mc.stack.inputSize = 3;
  mc.stack.hiddenSize = 6;
  mc.outputSize = 2;
  AnomalyModel m(mc);
  cells_test::Rng rng(4);
  std::vector<float> p = rng.vec(m.paramCount(), -0.5f, 0.5f);
  m.setParams(p.data(), p.size());
  std::vector<float> x = rng.vec(4 * 5 * 3, -1.f, 1.f), t = rng.vec(4 * 2, -3.f, 3.f), g(m.paramCount());
  m.gradient(x.data(), t.data(), 4, 5, g.data());
  const double fullNorm = std::sqrt(sumOfSquares(g.data(), g.size()));
  TrainConfig tc;
  tc.optimizer = Optimizer::Sgd;
  tc.adam.lr = 1.f;
  tc.clipNorm = static_cast<float>(fullNorm / 4);
  double reported = 0;
  m.trainStep(x.data(), t.data(), 4, 5, tc, &reported);
  double moved = 0;
  for (size_t i = 0; i < p.size(); ++i) moved += (static_cast<double>(m.params()[i]) - p[i]) * (m.params()[i] - p[i]);
  r.expect(std::fabs(reported - fullNorm) <= 1e-9 * fullNorm, "trainStep reports the norm before clipping");
  r.expect(
      std::fabs(std::sqrt(moved) - tc.clipNorm) <= 1e-4 * tc.clipNorm,
      "clipped step has norm clipNorm: " + cells_test::fmt(std::sqrt(moved)) + " vs " + cells_test::fmt(tc.clipNorm));
  r.expect(m.optimizerStep() == 1, "optimizer step counter advances");
  const std::vector<float> state = m.optimizerState();
  r.expect(state.size() == 2 * m.paramCount(), "optimizer state holds 2 * paramCount values");
  m.resetOptimizer();
  const std::vector<float> cleared = m.optimizerState();
  bool zero = m.optimizerStep() == 0;
  for (float v : cleared) zero = zero && v == 0.f;
  r.expect(zero, "resetOptimizer clears moments and step");
}

void optimizerStateRoundTrip(Report& r) {
  // Saving the Adam state mid-training and restoring it into a fresh model continues identically.
  ModelConfig mc;
  mc.stack.cell = Cell::Gru;
  mc.stack.inputSize = 2;
  mc.stack.hiddenSize = 5;
  mc.outputSize = 1;
  cells_test::Rng rng(8);
  AnomalyModel a(mc), b(mc);
  std::vector<float> p = rng.vec(a.paramCount(), -0.4f, 0.4f);
  a.setParams(p.data(), p.size());
  std::vector<float> x = rng.vec(3 * 4 * 2, -1.f, 1.f), t = rng.vec(3, -1.f, 1.f);
  TrainConfig tc;
  tc.adam.lr = 0.05f;
  a.trainStep(x.data(), t.data(), 3, 4, tc, nullptr);
  a.trainStep(x.data(), t.data(), 3, 4, tc, nullptr);
  b.setParams(a.params(), a.paramCount());
  const std::vector<float> state = a.optimizerState();
  b.setOptimizerState(state.data(), state.size());
  b.setOptimizerStep(a.optimizerStep());
  a.trainStep(x.data(), t.data(), 3, 4, tc, nullptr);
  b.trainStep(x.data(), t.data(), 3, 4, tc, nullptr);
  r.expect(std::equal(a.params(), a.params() + a.paramCount(), b.params()),
           "restored optimizer state continues identically");
}

}  // namespace

int main() {
  Report r;
  dense(r);
  losses(r);
  optimizers(r);
  clipping(r);
  optimizerStateRoundTrip(r);
  return r.finish("cells_dense_optim");
}

// The issue-12 kernels against finite differences and their stated properties:
//  - gaussianNll: gradients against central differences of the (double) loss on perturbed
//    float inputs, relative error <= 1e-6; the per-element NLL sums to the loss.
//  - dropout training step (masks from dropoutMask) with MSE and Gaussian heads: the float32
//    kernels' gradient against central differences (step 1e-5) of the float64 reference of
//    heads_test_model.h, norm-wise over sampled parameters <= 5e-5 (as cells_gradcheck).
//  - dropoutMask: reproducible for a key, identical for 1 and 2 threads, keeps 1 - p of the
//    elements (within 5 standard deviations), p = 0 keeps all, keys differ by step and site.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "api.h"
#include "cells_test_support.h"
#include "heads_test_model.h"

using namespace rnnad;
using cells_test::Report;

namespace {

void checkNll(Report& r) {
  cells_test::Rng rng(7);
  const int rows = 5, count = 3;
  for (float floor : {0.f, 1e-4f, 0.5f}) {
    std::vector<float> out = rng.vec(static_cast<size_t>(rows) * 2 * count, -2.f, 2.f);
    const std::vector<float> y = rng.vec(static_cast<size_t>(rows) * count, -2.f, 2.f);
    std::vector<float> grad(out.size()), per(y.size());
    const double loss = gaussianNll(out.data(), y.data(), rows, count, floor, grad.data(), per.data());
    double sum = 0;
    for (float v : per) sum += v;
    r.expect(std::fabs(sum / per.size() - loss) <= 1e-6 * std::max(1.0, std::fabs(loss)),
             "nll per element averages to the loss (floor " + cells_test::fmt(floor) + ")");
    double worst = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      const float keep = out[i];
      const float up = keep + 1e-3f, down = keep - 1e-3f;
      out[i] = up;
      const double lu = gaussianNll(out.data(), y.data(), rows, count, floor, nullptr, nullptr);
      out[i] = down;
      const double ld = gaussianNll(out.data(), y.data(), rows, count, floor, nullptr, nullptr);
      out[i] = keep;
      const double fd = (lu - ld) / (static_cast<double>(up) - down);
      worst = std::max(worst, std::fabs(fd - grad[i]) / std::max(1e-3, std::fabs(fd)));
    }
    r.expect(worst <= 1e-5, "gaussianNll gradient vs finite differences, floor " + cells_test::fmt(floor) +
                                ": relative error " + cells_test::fmt(worst));
    std::printf("  gaussianNll floor %-6g gradient relative error %.2e\n", floor, worst);
  }
}

struct StepCase {
  const char* name;
  Cell cell;
  int D, H, L, T, B, outputs;
  bool gaussian;
  float pInput, p;
};

void checkStep(const StepCase& sc, Report& r) {
  heads_test::Options o;
  o.stack.cell = sc.cell;
  o.stack.inputSize = sc.D;
  o.stack.hiddenSize = sc.H;
  o.stack.layers = sc.L;
  o.outputs = sc.outputs;
  o.gaussian = sc.gaussian;
  o.floor = sc.gaussian ? 1e-3f : 0.f;
  cells_test::Rng rng(static_cast<uint64_t>(sc.H) * 31 + sc.L);
  const size_t nStack = stackParamCount(o.stack);
  const size_t total = nStack + static_cast<size_t>(sc.outputs) * (sc.H + 1);
  const float k = 1.f / std::sqrt(static_cast<float>(sc.H));
  std::vector<float> flat = rng.vec(total, -k, k);
  const std::vector<float> x = rng.vec(static_cast<size_t>(sc.B) * sc.T * sc.D, -1.f, 1.f);
  const std::vector<float> target =
      rng.vec(static_cast<size_t>(sc.B) * (sc.gaussian ? sc.outputs / 2 : sc.outputs), -1.f, 1.f);
  heads_test::Masks m;
  const uint64_t seed = 99;
  m.input.resize(x.size());
  dropoutMask(dropoutKey(seed, 1, 0), sc.pInput, m.input.size(), m.input.data());
  if (sc.L > 1) {
    const size_t per = static_cast<size_t>(sc.B) * sc.T * sc.H;
    m.layers.resize((sc.L - 1) * per);
    for (int l = 0; l + 1 < sc.L; ++l) dropoutMask(dropoutKey(seed, 1, l + 1), sc.p, per, m.layers.data() + l * per);
  }
  m.head.resize(static_cast<size_t>(sc.B) * sc.H);
  dropoutMask(dropoutKey(seed, 1, sc.L), sc.p, m.head.size(), m.head.data());
  std::vector<float> grads, out;
  heads_test::kernelStep(o, flat, x, target, sc.B, sc.T, m, grads, out);
  std::vector<double> ref(flat.begin(), flat.end());
  std::vector<double> fd, got;
  for (size_t i = 0; i < total; i += 3) {
    const double keep = ref[i];
    ref[i] = keep + 1e-5;
    const double up = heads_test::referenceLoss(o, ref, x, target, sc.B, sc.T, m);
    ref[i] = keep - 1e-5;
    const double down = heads_test::referenceLoss(o, ref, x, target, sc.B, sc.T, m);
    ref[i] = keep;
    fd.push_back((up - down) / 2e-5);
    got.push_back(grads[i]);
  }
  const double err = cells_test::normwise(got.data(), fd.data(), fd.size());
  double largest = 0;
  for (double v : fd) largest = std::max(largest, std::fabs(v));
  r.expect(err <= 5e-5, std::string(sc.name) + ": gradient vs finite differences norm-wise " + cells_test::fmt(err));
  r.expect(largest > 1e-2, std::string(sc.name) + ": the checked gradient is not negligible");
  std::printf("  %-26s gradient vs finite differences %.2e (%zu parameters, max |gradient| %.2f)\n", sc.name, err,
              fd.size(), largest);
}

// AnomalyModel with dropout draws the masks of optimizer step s from dropoutKey(dropoutSeed, s,
// site): its gradient is the composed step's with those masks, the same on 1 and 2 threads, and
// inference (predict, loss) ignores dropout.
void checkModelDropout(Report& r) {
  for (bool gaussian : {false, true}) {
    const std::string ctx = gaussian ? "AnomalyModel dropout, Gaussian head" : "AnomalyModel dropout";
    ModelConfig mc;
    mc.stack.cell = Cell::Lstm;
    mc.stack.inputSize = 3;
    mc.stack.hiddenSize = 6;
    mc.stack.layers = 2;
    mc.outputSize = 4;
    mc.head = gaussian ? HeadKind::Gaussian : HeadKind::Point;
    mc.varianceFloor = 1e-3f;
    mc.inputDropout = 0.2f;
    mc.dropout = 0.4f;
    mc.dropoutSeed = 17;
    const int B = 5, T = 4;
    AnomalyModel model(mc);
    cells_test::Rng rng(3);
    const std::vector<float> flat = rng.vec(model.paramCount(), -0.4f, 0.4f);
    model.setParams(flat.data(), flat.size());
    const std::vector<float> x = rng.vec(static_cast<size_t>(B) * T * 3, -1.f, 1.f);
    const std::vector<float> target = rng.vec(static_cast<size_t>(B) * mc.outputSize, -1.f, 1.f);

    heads_test::Options o;
    o.stack = mc.stack;
    o.outputs = static_cast<int>(model.outputLength(T));
    o.gaussian = gaussian;
    o.floor = mc.varianceFloor;
    heads_test::Masks m;
    m.input.resize(x.size());
    dropoutMask(dropoutKey(17, 1, 0), mc.inputDropout, m.input.size(), m.input.data());
    m.layers.resize(static_cast<size_t>(B) * T * 6);
    dropoutMask(dropoutKey(17, 1, 1), mc.dropout, m.layers.size(), m.layers.data());
    m.head.resize(static_cast<size_t>(B) * 6);
    dropoutMask(dropoutKey(17, 1, 2), mc.dropout, m.head.size(), m.head.data());
    std::vector<float> want, out;
    const double wantLoss = heads_test::kernelStep(o, flat, x, target, B, T, m, want, out);

    std::vector<float> one(model.paramCount()), two(model.paramCount());
    setThreads(1);
    const double loss = model.gradient(x.data(), target.data(), B, T, one.data());
    setThreads(2);
    model.gradient(x.data(), target.data(), B, T, two.data());
    r.expect(std::fabs(loss - wantLoss) <= 1e-12 * std::max(1.0, std::fabs(wantLoss)),
             ctx + ": loss is the composed step's with the step-1 masks");
    r.expect(cells_test::normwise(one.data(), want.data(), want.size()) <= 1e-6,
             ctx + ": gradient is the composed step's with the step-1 masks");
    r.expect(cells_test::bitwiseEqual(one, two), ctx + ": gradient is the same on 1 and 2 threads");

    // Inference: no masks, so the plain model with the same parameters.
    heads_test::Masks none;
    std::vector<float> plainGrad, plainOut, pred(static_cast<size_t>(B) * o.outputs);
    const double plainLoss = heads_test::kernelStep(o, flat, x, target, B, T, none, plainGrad, plainOut);
    model.predict(x.data(), B, T, pred.data());
    r.expect(cells_test::normwise(pred.data(), plainOut.data(), pred.size()) <= 1e-6, ctx + ": predict has no dropout");
    r.expect(std::fabs(model.loss(x.data(), target.data(), B, T) - plainLoss) <= 1e-6 * std::max(1.0, plainLoss),
             ctx + ": loss has no dropout");

    // The next step draws new masks: a different gradient for the same batch.
    TrainConfig tc;
    tc.adam.lr = 1e-6f;  // barely moves the weights, so a changed gradient comes from the masks
    model.trainStep(x.data(), target.data(), B, T, tc, nullptr);
    std::vector<float> next(model.paramCount());
    model.gradient(x.data(), target.data(), B, T, next.data());
    r.expect(cells_test::normwise(next.data(), one.data(), one.size()) > 1e-3, ctx + ": step 2 uses other masks");
  }
}

void checkMasks(Report& r) {
  const size_t n = 300000;  // several mask blocks, so the threaded path runs
  const float p = 0.3f;
  const uint64_t key = dropoutKey(5, 12, 1);
  std::vector<float> a(n), b(n), c(n);
  setThreads(1);
  dropoutMask(key, p, n, a.data());
  setThreads(2);
  dropoutMask(key, p, n, b.data());
  dropoutMask(key, p, n, c.data());
  r.expect(cells_test::bitwiseEqual(a, b), "dropoutMask is the same on 1 and 2 threads");
  r.expect(cells_test::bitwiseEqual(b, c), "dropoutMask is reproducible for a key");
  size_t kept = 0;
  bool values = true;
  const float scale = static_cast<float>(1.0 / (1.0 - p));
  for (float v : a) {
    kept += v != 0.f;
    values = values && (v == 0.f || v == scale);
  }
  r.expect(values, "mask values are 0 or 1 / (1 - p)");
  const double expected = n * (1.0 - p), sd = std::sqrt(n * p * (1.0 - p));
  r.expect(std::fabs(kept - expected) <= 5 * sd, "kept " + std::to_string(kept) + " of " + std::to_string(n) +
                                                     ", expected about " + cells_test::fmt(expected));
  std::vector<float> prefix(1000);
  dropoutMask(key, p, prefix.size(), prefix.data());
  r.expect(std::equal(prefix.begin(), prefix.end(), a.begin()), "a shorter mask is a prefix of the longer one");
  std::vector<float> ones(1000);
  dropoutMask(key, 0.f, ones.size(), ones.data());
  r.expect(std::all_of(ones.begin(), ones.end(), [](float v) { return v == 1.f; }), "p = 0 keeps every element");
  r.expect(dropoutKey(5, 12, 1) != dropoutKey(5, 13, 1) && dropoutKey(5, 12, 1) != dropoutKey(5, 12, 2) &&
               dropoutKey(5, 12, 1) != dropoutKey(6, 12, 1),
           "keys differ by seed, step and site");
  std::vector<float> other(n);
  dropoutMask(dropoutKey(5, 13, 1), p, n, other.data());
  size_t same = 0;
  for (size_t i = 0; i < n; ++i) same += (a[i] != 0.f) == (other[i] != 0.f);
  // Independent masks agree on p^2 + (1-p)^2 = 58% of the elements.
  r.expect(std::fabs(same / static_cast<double>(n) - 0.58) < 0.01, "masks of consecutive steps are independent");
  bool threw = false;
  try {
    dropoutMask(key, 1.f, 1, a.data());
  } catch (const KernelError&) {
    threw = true;
  }
  r.expect(threw, "dropoutMask refuses p = 1");
}

}  // namespace

int main() {
  Report r;
  checkNll(r);
  const StepCase cases[] = {
      {"gru 2 layers mse", Cell::Gru, 4, 7, 2, 5, 3, 2, false, 0.2f, 0.4f},
      {"lstm 3 layers gaussian", Cell::Lstm, 3, 5, 3, 4, 3, 4, true, 0.1f, 0.3f},
      {"rnn_tanh 1 layer gaussian", Cell::RnnTanh, 2, 6, 1, 6, 2, 6, true, 0.5f, 0.5f},
  };
  for (Isa isa : supportedIsas()) {
    forceIsa(isa);
    std::printf("[%s]\n", isaName(isa));
    for (const StepCase& c : cases) checkStep(c, r);
  }
  checkMasks(r);
  checkModelDropout(r);
  return r.finish("heads_gradcheck");
}

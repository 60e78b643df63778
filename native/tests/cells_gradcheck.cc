// Gradients of the float32 kernels against central finite differences of the naive float64
// reference (cells_reference.h), for every cell, stacked layers, odd sizes (H = 37, D = 7),
// initial states h0/c0 and upstream dHN/dCN, and for both anomaly-model modes. Forward outputs
// are compared with the float64 reference too. Every ISA path this CPU supports is checked.
//   loss (stack) = sum(y * dy) + sum(hN * dHN) [+ sum(cN * dCN)]; loss (model) = MSE
// Tolerances (norm-wise over the checked elements): forward 2e-5, gradients 5e-5.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "api.h"
#include "cells_reference.h"
#include "cells_test_support.h"

using namespace rnnad;
using cells_test::Report;

namespace {

constexpr double kForwardTol = 2e-5;
constexpr double kGradTol = 5e-5;
constexpr double kStep = 1e-5;  // central-difference step in float64: truncation ~1e-10

struct StackCase {
  const char* name;
  Cell cell;
  bool resetAfter;
  int D, H, L, T, B;
  bool states;      // h0/c0 given
  bool upstreamN;   // dHN/dCN given
  int paramStride;  // finite differences for every paramStride-th parameter (primes: every
  int inputStride;  // gate block and column gets sampled), and input / initial-state element
};

std::vector<double> toDouble(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

double dot(const std::vector<double>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double worstFwd = 0, worstGrad = 0;

void checkStack(const StackCase& sc, Report& r) {
  StackConfig cfg;
  cfg.cell = sc.cell;
  cfg.resetAfter = sc.resetAfter;
  cfg.inputSize = sc.D;
  cfg.hiddenSize = sc.H;
  cfg.layers = sc.L;
  const bool lstm = sc.cell == Cell::Lstm;
  cells_test::Rng rng(static_cast<uint64_t>(sc.H) * 131 + sc.L * 17 + static_cast<int>(sc.cell) * 3 + sc.resetAfter);
  const float k = 1.f / std::sqrt(static_cast<float>(sc.H));  // PyTorch's default init range
  const size_t nParams = stackParamCount(cfg);
  std::vector<float> params = rng.vec(nParams, -k, k);
  const size_t xs = static_cast<size_t>(sc.B) * sc.T * sc.D, ys = static_cast<size_t>(sc.B) * sc.T * sc.H,
               ss = static_cast<size_t>(sc.L) * sc.B * sc.H;
  std::vector<float> x = rng.vec(xs, -1.f, 1.f);
  std::vector<float> h0 = sc.states ? rng.vec(ss, -0.5f, 0.5f) : std::vector<float>();
  std::vector<float> c0 = sc.states && lstm ? rng.vec(ss, -0.5f, 0.5f) : std::vector<float>();
  std::vector<float> dy = rng.vec(ys, -1.f, 1.f);
  std::vector<float> dhN = sc.upstreamN ? rng.vec(ss, -1.f, 1.f) : std::vector<float>();
  std::vector<float> dcN = sc.upstreamN && lstm ? rng.vec(ss, -1.f, 1.f) : std::vector<float>();
  auto ptr = [](std::vector<float>& v) { return v.empty() ? nullptr : v.data(); };

  // The float64 reference: outputs, and central differences for the sampled elements.
  cells_ref::StackRef ref{cfg, toDouble(params)};
  std::vector<double> xd = toDouble(x), h0d = toDouble(h0), c0d = toDouble(c0);
  std::vector<double> refY, refH, refC;
  auto run = [&]() {
    ref.forward(xd.data(), sc.B, sc.T, h0d.empty() ? nullptr : h0d.data(), c0d.empty() ? nullptr : c0d.data(), refY,
                refH, refC);
  };
  auto loss = [&]() {
    run();
    double l = dot(refY, dy);
    if (!dhN.empty()) l += dot(refH, dhN);
    if (!dcN.empty()) l += dot(refC, dcN);
    return l;
  };
  struct Sampled {
    const char* what;
    std::vector<size_t> at;
    std::vector<double> fd;
  };
  auto differences = [&](const char* what, std::vector<double>& var, int stride) {
    Sampled s{what, {}, {}};
    for (size_t i = 0; i < var.size(); i += stride) {
      const double keep = var[i];
      var[i] = keep + kStep;
      const double up = loss();
      var[i] = keep - kStep;
      const double down = loss();
      var[i] = keep;
      s.at.push_back(i);
      s.fd.push_back((up - down) / (2 * kStep));
    }
    return s;
  };
  const Sampled fdParams = differences("params", ref.p, sc.paramStride);
  const Sampled fdX = differences("x", xd, sc.inputStride);
  const Sampled fdH0 = differences("h0", h0d, sc.inputStride);
  const Sampled fdC0 = differences("c0", c0d, sc.inputStride);
  run();

  for (Isa isa : supportedIsas()) {
    forceIsa(isa);
    const std::string ctx = std::string(sc.name) + " [" + isaName(isa) + "]";
    RecurrentStack stack(cfg);
    stack.setParams(params.data(), params.size());
    std::vector<float> y(ys), hN(ss), cN(lstm ? ss : 0);
    TrainTapePtr tape = stack.makeTape();
    stack.forward(x.data(), sc.B, sc.T, ptr(h0), ptr(c0), y.data(), hN.data(), ptr(cN), tape.get());
    std::vector<float> dX(xs), dH0(ss), dC0(lstm ? ss : 0), dP(params.size());
    stack.backward(*tape, dy.data(), ptr(dhN), ptr(dcN), dX.data(), dH0.data(), ptr(dC0), dP.data());

    double e =
        std::max(cells_test::normwise(y.data(), refY.data(), ys), cells_test::normwise(hN.data(), refH.data(), ss));
    if (lstm) e = std::max(e, cells_test::normwise(cN.data(), refC.data(), ss));
    r.expect(e <= kForwardTol, ctx + ": forward vs float64 reference " + cells_test::fmt(e));
    worstFwd = std::max(worstFwd, e);
    for (const auto& [s, analytic] : {std::make_pair(&fdParams, &dP), std::make_pair(&fdX, &dX),
                                      std::make_pair(&fdH0, &dH0), std::make_pair(&fdC0, &dC0)}) {
      if (s->at.empty()) continue;
      std::vector<float> got;
      for (size_t i : s->at) got.push_back((*analytic)[i]);
      const double g = cells_test::normwise(got.data(), s->fd.data(), got.size());
      r.expect(g <= kGradTol, ctx + ": d loss / d " + s->what + " vs finite differences " + cells_test::fmt(g));
      worstGrad = std::max(worstGrad, g);
    }
  }
}

void checkModel(ModelMode mode, Cell cell, Report& r) {
  ModelConfig mc;
  mc.stack.cell = cell;
  mc.stack.inputSize = 3;
  mc.stack.hiddenSize = 7;
  mc.stack.layers = 2;
  mc.mode = mode;
  mc.outputSize = mode == ModelMode::Forecast ? 2 : 3;
  const int B = 3, T = 5;
  const std::string name =
      std::string(mode == ModelMode::Forecast ? "forecast model, cell " : "reconstruct model, cell ") +
      std::to_string(static_cast<int>(cell));
  cells_test::Rng rng(77 + static_cast<int>(mode) * 5 + static_cast<int>(cell));
  AnomalyModel sizing(mc);
  std::vector<float> params = rng.vec(sizing.paramCount(), -0.45f, 0.45f);
  std::vector<float> x = rng.vec(static_cast<size_t>(B) * T * 3, -1.f, 1.f);
  std::vector<float> target = rng.vec(static_cast<size_t>(B) * mc.outputSize, -1.f, 1.f);
  const float* tgt = mode == ModelMode::Forecast ? target.data() : nullptr;

  cells_ref::ModelRef ref{mc, toDouble(params)};
  const std::vector<double> xd = toDouble(x), td = toDouble(target);
  const double refLoss = ref.loss(xd.data(), td.data(), B, T);
  // Every third parameter: every tensor and gate block is still sampled.
  std::vector<size_t> at;
  std::vector<double> fd;
  for (size_t i = 0; i < params.size(); i += 3) {
    const double keep = ref.p[i];
    ref.p[i] = keep + kStep;
    const double up = ref.loss(xd.data(), td.data(), B, T);
    ref.p[i] = keep - kStep;
    const double down = ref.loss(xd.data(), td.data(), B, T);
    ref.p[i] = keep;
    at.push_back(i);
    fd.push_back((up - down) / (2 * kStep));
  }

  for (Isa isa : supportedIsas()) {
    forceIsa(isa);
    const std::string ctx = name + " [" + isaName(isa) + "]";
    AnomalyModel model(mc);
    model.setParams(params.data(), params.size());
    std::vector<float> grads(model.paramCount());
    const double l = model.gradient(x.data(), tgt, B, T, grads.data());
    r.expect(std::fabs(l - refLoss) <= 1e-5 * std::max(1.0, std::fabs(refLoss)),
             ctx + ": loss " + cells_test::fmt(l) + " vs reference " + cells_test::fmt(refLoss));
    r.expect(std::fabs(model.loss(x.data(), tgt, B, T) - l) <= 1e-12 * std::max(1.0, std::fabs(l)),
             ctx + ": loss() equals gradient()'s loss");
    std::vector<float> got;
    for (size_t i : at) got.push_back(grads[i]);
    const double e = cells_test::normwise(got.data(), fd.data(), fd.size());
    r.expect(e <= kGradTol, ctx + ": model gradient vs finite differences " + cells_test::fmt(e));
    worstGrad = std::max(worstGrad, e);
  }
}

}  // namespace

int main() {
  Report r;
  const StackCase cases[] = {
      {"rnn_tanh 1x5", Cell::RnnTanh, true, 3, 5, 1, 4, 2, false, false, 1, 1},
      {"rnn_tanh 2x37 odd", Cell::RnnTanh, true, 7, 37, 2, 6, 3, true, true, 13, 3},
      {"rnn_relu 1x5", Cell::RnnRelu, true, 3, 5, 1, 4, 2, true, false, 1, 1},
      {"rnn_relu 2x37 odd", Cell::RnnRelu, true, 7, 37, 2, 6, 3, true, true, 13, 3},
      {"gru 1x5", Cell::Gru, true, 3, 5, 1, 4, 2, false, true, 1, 1},
      {"gru 2x37 odd", Cell::Gru, true, 7, 37, 2, 6, 3, true, true, 29, 3},
      {"gru 3x4", Cell::Gru, true, 2, 4, 3, 5, 2, true, true, 1, 1},
      {"gru_reset_before 1x5", Cell::Gru, false, 3, 5, 1, 4, 2, false, true, 1, 1},
      {"gru_reset_before 2x37 odd", Cell::Gru, false, 7, 37, 2, 6, 3, true, true, 29, 3},
      {"lstm 1x5", Cell::Lstm, true, 3, 5, 1, 4, 2, false, true, 1, 1},
      {"lstm 2x37 odd", Cell::Lstm, true, 7, 37, 2, 6, 3, true, true, 31, 3},
      {"lstm 3x4", Cell::Lstm, true, 2, 4, 3, 5, 2, true, true, 1, 1},
      // Batches larger than one slice, so several tasks run the time loops.
      {"gru 1x8 b40", Cell::Gru, true, 2, 8, 1, 3, 40, true, true, 7, 5},
      {"lstm 2x6 b33", Cell::Lstm, true, 2, 6, 2, 3, 33, true, true, 7, 5},
  };
  for (const StackCase& sc : cases) checkStack(sc, r);
  for (Cell cell : {Cell::RnnTanh, Cell::Gru, Cell::Lstm}) {
    checkModel(ModelMode::Forecast, cell, r);
    checkModel(ModelMode::Reconstruct, cell, r);
  }
  std::printf("  worst norm-wise error: forward %.2e, gradients %.2e\n", worstFwd, worstGrad);
  return r.finish("cells_gradcheck");
}

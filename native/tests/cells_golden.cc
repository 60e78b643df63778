// PyTorch golden vectors (float64 autograd, test/fixtures/golden) against RecurrentStack and
// AnomalyModel on every ISA path this CPU supports. Comparison is norm-wise per array,
// max|got - want| / max(1, max|want|), as the golden README prescribes.
//   cases:  outputs and states <= 3e-5, gradients <= 1e-4
//   models: prediction, loss and gradients <= 1e-5; parameters after 3 Adam steps <= 1e-4 absolute
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "api.h"
#include "cells_test_support.h"

using namespace rnnad;
using cells_test::Json;
using cells_test::Report;

namespace {

constexpr double kForwardTol = 3e-5;
constexpr double kGradTol = 1e-4;
constexpr double kModelTol = 1e-5;
constexpr double kAdamParamTol = 1e-4;

StackConfig configOf(const Json& c) {
  StackConfig s;
  const std::string cell = c.at("cell").text;
  if (cell == "rnn_tanh")
    s.cell = Cell::RnnTanh;
  else if (cell == "rnn_relu")
    s.cell = Cell::RnnRelu;
  else if (cell == "gru")
    s.cell = Cell::Gru;
  else if (cell == "gru_reset_before")
    s.cell = Cell::Gru, s.resetAfter = false;
  else if (cell == "lstm")
    s.cell = Cell::Lstm;
  else {
    std::fprintf(stderr, "unknown golden cell %s\n", cell.c_str());
    std::exit(2);
  }
  s.inputSize = c.integer("D");
  s.hiddenSize = c.integer("H");
  s.layers = c.integer("layers");
  return s;
}

// [T][B][W] (golden) <-> [B][T][W] (API).
template <class F>
std::vector<F> swapTimeBatch(const std::vector<F>& v, int outer, int inner, int width) {
  std::vector<F> out(v.size());
  for (int a = 0; a < outer; ++a) {
    for (int b = 0; b < inner; ++b) {
      std::copy_n(v.begin() + (static_cast<size_t>(a) * inner + b) * width, width,
                  out.begin() + (static_cast<size_t>(b) * outer + a) * width);
    }
  }
  return out;
}

// Flat parameters assembled slot by slot from the golden's named tensors ({shape, data}), whose
// PyTorch shapes must match the slots' rows and cols (cols 1 for a bias vector).
std::vector<float> flatParams(const std::vector<ParamSlot>& slots, const Json& named, Report& r,
                              const std::string& ctx) {
  size_t total = 0;
  for (const ParamSlot& s : slots) total = std::max(total, s.offset + s.length);
  std::vector<float> flat(total);
  for (const ParamSlot& s : slots) {
    const Json* t = named.find(s.name);
    r.expect(t != nullptr, ctx + ": golden has tensor " + s.name);
    if (!t) continue;
    const std::vector<double>& shape = t->doubles("shape");
    const std::vector<double>& data = t->doubles("data");
    const bool shapeOk = shape.size() == 2 ? (shape[0] == s.rows && shape[1] == s.cols)
                                           : (shape.size() == 1 && shape[0] == s.rows && s.cols == 1);
    r.expect(shapeOk && data.size() == s.length, ctx + ": golden tensor " + s.name + " has the slot's shape");
    if (data.size() == s.length) std::copy(data.begin(), data.end(), flat.begin() + s.offset);
  }
  return flat;
}

struct Worst {
  double fwd = 0, grad = 0;
};

using ErrorTable = std::map<std::string, std::map<Isa, Worst>>;

void runCase(const Json& c, Isa isa, Report& r, ErrorTable& worst) {
  const std::string name = c.at("name").text;
  const std::string ctx = name + " [" + isaName(isa) + "]";
  const StackConfig cfg = configOf(c);
  const int B = c.integer("B"), T = c.integer("T"), D = cfg.inputSize, H = cfg.hiddenSize, L = cfg.layers;
  const bool lstm = cfg.cell == Cell::Lstm;
  RecurrentStack stack(cfg);
  const std::vector<ParamSlot> slots = stackParamSlots(cfg);
  stack.setParams(flatParams(slots, c.at("params"), r, ctx).data(), stack.paramCount());

  const std::vector<float> x = swapTimeBatch(c.floats("x"), T, B, D);
  const std::vector<float> h0 = c.floats("h0");
  const std::vector<float> c0 = lstm ? c.floats("c0") : std::vector<float>();
  std::vector<float> y(static_cast<size_t>(B) * T * H), hN(static_cast<size_t>(L) * B * H), cN(lstm ? hN.size() : 0);
  TrainTapePtr tape = stack.makeTape();
  stack.forward(x.data(), B, T, h0.data(), lstm ? c0.data() : nullptr, y.data(), hN.data(), lstm ? cN.data() : nullptr,
                tape.get());

  double fwd = cells_test::normwise(y.data(), swapTimeBatch(c.doubles("y"), T, B, H).data(), y.size());
  fwd = std::max(fwd, cells_test::normwise(hN.data(), c.doubles("h_n").data(), hN.size()));
  if (lstm) fwd = std::max(fwd, cells_test::normwise(cN.data(), c.doubles("c_n").data(), cN.size()));
  r.expect(fwd <= kForwardTol, ctx + ": forward norm-wise error " + cells_test::fmt(fwd) + " <= 3e-5");

  const std::vector<float> dy = swapTimeBatch(c.floats("dy"), T, B, H);
  const std::vector<float> dhN = c.floats("dh_n");
  const std::vector<float> dcN = lstm ? c.floats("dc_n") : std::vector<float>();
  std::vector<float> dX(x.size()), dH0(h0.size()), dC0(c0.size()), dP(stack.paramCount());
  stack.backward(*tape, dy.data(), dhN.data(), lstm ? dcN.data() : nullptr, dX.data(), dH0.data(),
                 lstm ? dC0.data() : nullptr, dP.data());
  const Json& g = c.at("grad");
  double grad = cells_test::normwise(dX.data(), swapTimeBatch(g.doubles("x"), T, B, D).data(), dX.size());
  grad = std::max(grad, cells_test::normwise(dH0.data(), g.doubles("h0").data(), dH0.size()));
  if (lstm) grad = std::max(grad, cells_test::normwise(dC0.data(), g.doubles("c0").data(), dC0.size()));
  for (const ParamSlot& s : slots) {
    const double e = cells_test::normwise(dP.data() + s.offset, g.doubles(s.name).data(), s.length);
    r.expect(e <= kGradTol, ctx + ": gradient of " + s.name + " norm-wise error " + cells_test::fmt(e));
    grad = std::max(grad, e);
  }
  r.expect(grad <= kGradTol, ctx + ": gradient norm-wise error " + cells_test::fmt(grad) + " <= 1e-4");

  Worst& w = worst[name][isa];
  w.fwd = fwd;
  w.grad = grad;
}

void runModel(const Json& c, Isa isa, Report& r) {
  const std::string ctx = c.at("name").text + " [" + isaName(isa) + "]";
  ModelConfig mc;
  mc.stack = configOf(c);
  mc.mode = ModelMode::Forecast;
  mc.outputSize = mc.stack.inputSize;
  const int B = c.integer("B"), T = c.integer("T"), D = mc.stack.inputSize;
  AnomalyModel model(mc);
  const std::vector<ParamSlot> slots = model.paramSlots();
  model.setParams(flatParams(slots, c.at("params"), r, ctx).data(), model.paramCount());

  const std::vector<float> x = swapTimeBatch(c.floats("x"), T, B, D);
  const std::vector<float> target = c.floats("target");
  std::vector<float> pred(static_cast<size_t>(B) * D);
  model.predict(x.data(), B, T, pred.data());
  const double predErr = cells_test::normwise(pred.data(), c.doubles("pred_step0").data(), pred.size());
  r.expect(predErr <= kModelTol, ctx + ": prediction norm-wise error " + cells_test::fmt(predErr));

  const std::vector<double>& losses = c.doubles("loss_per_step");
  const double loss0 = model.loss(x.data(), target.data(), B, T);
  r.expect(std::fabs(loss0 - losses[0]) <= kModelTol * std::max(1.0, std::fabs(losses[0])),
           ctx + ": loss " + cells_test::fmt(loss0) + " vs " + cells_test::fmt(losses[0]));

  std::vector<float> grads(model.paramCount());
  const double gl = model.gradient(x.data(), target.data(), B, T, grads.data());
  r.expect(std::fabs(gl - losses[0]) <= kModelTol * std::max(1.0, std::fabs(losses[0])),
           ctx + ": gradient() returns the loss");
  const Json& g0 = c.at("grad_step0");
  double gradErr = 0;
  for (const ParamSlot& s : slots) {
    gradErr = std::max(gradErr, cells_test::normwise(grads.data() + s.offset, g0.doubles(s.name).data(), s.length));
  }
  r.expect(gradErr <= kModelTol, ctx + ": gradient norm-wise error " + cells_test::fmt(gradErr));

  const Json& adam = c.at("adam");
  TrainConfig tc;
  tc.optimizer = Optimizer::Adam;
  tc.adam.lr = static_cast<float>(adam.at("lr").number);
  tc.adam.beta1 = static_cast<float>(adam.at("beta1").number);
  tc.adam.beta2 = static_cast<float>(adam.at("beta2").number);
  tc.adam.eps = static_cast<float>(adam.at("eps").number);
  const int steps = adam.integer("steps");
  for (int s = 0; s < steps; ++s) {
    double norm = -1;
    const double l = model.trainStep(x.data(), target.data(), B, T, tc, &norm);
    r.expect(std::fabs(l - losses[s]) <= kModelTol * std::max(1.0, std::fabs(losses[s])),
             ctx + ": loss before Adam step " + std::to_string(s + 1) + " " + cells_test::fmt(l) + " vs " +
                 cells_test::fmt(losses[s]));
    r.expect(norm > 0, ctx + ": trainStep reports the gradient norm");
  }
  r.expect(model.optimizerStep() == steps, ctx + ": optimizer step counter");
  const Json& after = c.at("params_after");
  double paramErr = 0;
  for (const ParamSlot& s : slots) {
    paramErr =
        std::max(paramErr, cells_test::maxAbsDiff(model.params() + s.offset, after.doubles(s.name).data(), s.length));
  }
  r.expect(paramErr <= kAdamParamTol, ctx + ": parameters after Adam max abs error " + cells_test::fmt(paramErr));
  std::printf("  %-16s %-7s pred %.2e  grad %.2e  params after Adam %.2e\n", c.at("name").text.c_str(), isaName(isa),
              predErr, gradErr, paramErr);
}

}  // namespace

int main() {
  Report r;
  const Json golden = cells_test::loadGolden();
  ErrorTable worst;
  const Json& cases = golden.at("cases");
  const Json& models = golden.at("models");
  r.expect(cases.items.size() == 20 && models.items.size() == 3, "golden file holds 20 cases and 3 models");
  for (Isa isa : supportedIsas()) {
    forceIsa(isa);
    for (const Json& c : cases.items) runCase(c, isa, r, worst);
    for (const Json& m : models.items) runModel(m, isa, r);
  }
  std::printf("  norm-wise error per case, forward / gradients, per ISA:\n");
  for (const auto& [name, perIsa] : worst) {
    std::printf("  %-24s", name.c_str());
    for (const auto& [isa, w] : perIsa) std::printf("  %s %.1e / %.1e", isaName(isa), w.fwd, w.grad);
    std::printf("\n");
  }
  return r.finish("cells_golden");
}

// PyTorch reference vectors of the issue-12 options (test/fixtures/golden-heads, float64
// autograd) against the kernels on every ISA path this CPU supports: dropout with the vectors'
// fixed masks, multi-step targets (k = 3) and the Gaussian head, each through the loss, every
// parameter's gradient and one Adam step. Tolerances (README there), norm-wise per array,
// max|got - want| / max(1, max|want|):
//   head output, loss, per-element NLL and gradients <= 1e-5; parameters after Adam <= 1e-5
//   absolute (with lr 0.01 an Adam step moves a parameter by about lr * sign(gradient), so a
//   wrong sign shows as an error near 0.02).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "api.h"
#include "cells_test_support.h"
#include "heads_test_model.h"

using namespace rnnad;
using cells_test::Json;
using cells_test::Report;

namespace {

constexpr double kTol = 1e-5;
constexpr double kAdamTol = 1e-5;

std::string vectorsPath() {
  std::string here = __FILE__;
  const size_t cut = here.rfind("/native/tests/");
  const std::string repo = cut == std::string::npos ? std::string(".") : here.substr(0, cut);
  return repo + "/test/fixtures/golden-heads/heads_reference.json.gz";
}

StackConfig configOf(const Json& c) {
  StackConfig s;
  const std::string cell = c.at("cell").text;
  s.cell = cell == "rnn_tanh" ? Cell::RnnTanh : cell == "gru" ? Cell::Gru : Cell::Lstm;
  if (cell != "rnn_tanh" && cell != "gru" && cell != "lstm") {
    std::fprintf(stderr, "unknown cell %s\n", cell.c_str());
    std::exit(2);
  }
  s.inputSize = c.integer("D");
  s.hiddenSize = c.integer("H");
  s.layers = c.integer("layers");
  return s;
}

std::vector<float> named(const std::vector<ParamSlot>& slots, const Json& tensors, size_t total) {
  std::vector<float> flat(total);
  for (const ParamSlot& s : slots) {
    const std::vector<double>& data = tensors.at(s.name).doubles("data");
    if (data.size() != s.length) {
      std::fprintf(stderr, "tensor %s: %zu values, slot holds %zu\n", s.name.c_str(), data.size(), s.length);
      std::exit(2);
    }
    std::copy(data.begin(), data.end(), flat.begin() + s.offset);
  }
  return flat;
}

std::vector<float> scaled(const Json& mask, double p) {
  const float scale = static_cast<float>(1.0 / (1.0 - p));
  std::vector<float> m;
  for (double v : mask.doubles("data")) m.push_back(static_cast<float>(v) * scale);
  return m;
}

struct Worst {
  double pred = 0, loss = 0, grad = 0, adam = 0;
};

void runCase(const Json& c, Isa isa, Report& r, std::map<std::string, Worst>& worst) {
  const std::string name = c.at("name").text, ctx = name + " [" + isaName(isa) + "]";
  heads_test::Options o;
  o.stack = configOf(c);
  const int B = c.integer("B"), T = c.integer("T"), k = c.integer("k"), targets = c.integer("targets");
  const Json* gaussian = c.find("gaussian");
  o.gaussian = gaussian != nullptr;
  o.floor = o.gaussian ? static_cast<float>(gaussian->at("floor").number) : 0.f;
  o.outputs = k * targets * (o.gaussian ? 2 : 1);
  ModelConfig mc;
  mc.stack = o.stack;
  mc.outputSize = k * targets;
  mc.head = o.gaussian ? HeadKind::Gaussian : HeadKind::Point;
  mc.varianceFloor = o.floor;
  AnomalyModel model(mc);
  const std::vector<ParamSlot> slots = model.paramSlots();
  const std::vector<float> flat = named(slots, c.at("params"), model.paramCount());
  model.setParams(flat.data(), flat.size());
  const std::vector<float> x = c.at("x").floats("data"), target = c.at("target").floats("data");

  // Inference: no dropout, the plain model.
  std::vector<float> pred(static_cast<size_t>(B) * o.outputs);
  model.predict(x.data(), B, T, pred.data());
  const double inferErr = cells_test::normwise(pred.data(), c.at("pred_inference").doubles("data").data(), pred.size());
  r.expect(inferErr <= kTol, ctx + ": inference output error " + cells_test::fmt(inferErr));

  heads_test::Masks m;
  if (const Json* d = c.find("dropout")) {
    const double pIn = d->at("p_input").number, p = d->at("p").number;
    m.input = scaled(d->at("input"), pIn);
    m.layers = scaled(d->at("layers"), p);
    m.head = scaled(d->at("head"), p);
  }
  std::vector<float> grads, out;
  const double loss = heads_test::kernelStep(o, flat, x, target, B, T, m, grads, out);
  Worst w;
  w.pred = cells_test::normwise(out.data(), c.at("pred").doubles("data").data(), out.size());
  const double wantLoss = c.at("loss").number;
  w.loss = std::fabs(loss - wantLoss) / std::max(1.0, std::fabs(wantLoss));
  for (const ParamSlot& s : slots) {
    w.grad = std::max(w.grad, cells_test::normwise(grads.data() + s.offset,
                                                   c.at("grad").at(s.name).doubles("data").data(), s.length));
  }
  if (o.gaussian) {
    std::vector<float> per(static_cast<size_t>(B) * k * targets);
    gaussianNll(out.data(), target.data(), B, k * targets, o.floor, nullptr, per.data());
    w.loss =
        std::max(w.loss, cells_test::normwise(per.data(), c.at("nll_per_element").doubles("data").data(), per.size()));
  }
  const Json& adam = c.at("adam");
  AdamConfig ac;
  ac.lr = static_cast<float>(adam.at("lr").number);
  ac.beta1 = static_cast<float>(adam.at("beta1").number);
  ac.beta2 = static_cast<float>(adam.at("beta2").number);
  ac.eps = static_cast<float>(adam.at("eps").number);
  if (m.input.empty()) {
    // Without dropout AnomalyModel is the whole step: multi-step targets are its head with
    // outputSize = k * targets, the Gaussian head its HeadKind::Gaussian.
    std::vector<float> g(model.paramCount());
    const double l = model.gradient(x.data(), target.data(), B, T, g.data());
    const double l2 = model.loss(x.data(), target.data(), B, T);
    w.loss = std::max({w.loss, std::fabs(l - wantLoss) / std::max(1.0, std::fabs(wantLoss)),
                       std::fabs(l2 - wantLoss) / std::max(1.0, std::fabs(wantLoss))});
    for (const ParamSlot& s : slots) {
      w.grad = std::max(
          w.grad, cells_test::normwise(g.data() + s.offset, c.at("grad").at(s.name).doubles("data").data(), s.length));
    }
    TrainConfig tc;
    tc.adam = ac;
    model.trainStep(x.data(), target.data(), B, T, tc, nullptr);
    for (const ParamSlot& s : slots) {
      w.adam =
          std::max(w.adam, cells_test::maxAbsDiff(model.params() + s.offset,
                                                  c.at("params_after").at(s.name).doubles("data").data(), s.length));
    }
  }
  r.expect(w.pred <= kTol, ctx + ": training output error " + cells_test::fmt(w.pred));
  r.expect(w.loss <= kTol, ctx + ": loss error " + cells_test::fmt(w.loss));
  r.expect(w.grad <= kTol, ctx + ": gradient error " + cells_test::fmt(w.grad));

  // One Adam step on the gradient.
  std::vector<float> after = flat, mom(flat.size(), 0.f), vel(flat.size(), 0.f);
  adamUpdate(after.data(), grads.data(), mom.data(), vel.data(), after.size(), ac, 1);
  for (const ParamSlot& s : slots) {
    w.adam = std::max(w.adam, cells_test::maxAbsDiff(after.data() + s.offset,
                                                     c.at("params_after").at(s.name).doubles("data").data(), s.length));
  }
  r.expect(w.adam <= kAdamTol, ctx + ": parameters after Adam error " + cells_test::fmt(w.adam));
  w.pred = std::max(w.pred, inferErr);
  Worst& acc = worst[name];
  acc.pred = std::max(acc.pred, w.pred);
  acc.loss = std::max(acc.loss, w.loss);
  acc.grad = std::max(acc.grad, w.grad);
  acc.adam = std::max(acc.adam, w.adam);
}

}  // namespace

int main() {
  // loadGolden reads the file named by RNNAD_GOLDEN when it is set.
  setenv("RNNAD_GOLDEN", vectorsPath().c_str(), 1);
  const Json vectors = cells_test::loadGolden();
  Report r;
  std::map<std::string, Worst> worst;
  const Json& cases = vectors.at("cases");
  r.expect(cases.items.size() >= 10, "the vectors hold every case");
  for (Isa isa : supportedIsas()) {
    forceIsa(isa);
    for (const Json& c : cases.items) runCase(c, isa, r, worst);
  }
  std::printf("worst over ISAs (norm-wise; Adam: max abs)\n");
  for (const auto& [name, w] : worst) {
    std::printf("  %-28s output %.2e  loss/nll %.2e  grad %.2e  adam %.2e\n", name.c_str(), w.pred, w.loss, w.grad,
                w.adam);
  }
  return r.finish("heads_golden");
}

// Our kernels alone, called from C++ through native/kernels/api.h: no N-API, no argument
// checks, no result allocation. The same cases as bench/workloads.ts; `--isa` forces one code
// path (scalar, avx2, avx512) to show what each instruction set brings.
#include <cmath>
#include <cstring>
#include <vector>

#include "api.h"
#include "bench_common.h"

namespace {

rnnad::Cell cellOf(const std::string& name) {
  if (name == "gru") return rnnad::Cell::Gru;
  if (name == "lstm") return rnnad::Cell::Lstm;
  if (name == "rnn_tanh") return rnnad::Cell::RnnTanh;
  throw std::invalid_argument("unknown --cell " + name);
}

rnnad::Isa isaOf(const std::string& name) {
  for (rnnad::Isa isa : rnnad::supportedIsas()) {
    if (name == rnnad::isaName(isa)) return isa;
  }
  throw std::invalid_argument("--isa " + name + " is not supported on this CPU");
}

std::vector<float> uniform(size_t n, float bound, uint32_t seed) {
  std::vector<float> v(n);
  bench::fillUniform(v.data(), n, bound, seed);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  return bench::runMain(argc, argv, [](const bench::Args& args) {
    bench::Case c(args);
    bench::Plan plan(args);
    if (args.values.count("isa")) rnnad::forceIsa(isaOf(args.str("isa")));
    rnnad::setThreads(c.threads);
    std::string label = std::string("rnn-anomaly kernels (") + rnnad::isaName(rnnad::activeIsa()) + ")";
    const float bound = 1.0f / std::sqrt(static_cast<float>(c.hiddenSize));
    const size_t H = c.hiddenSize, B = c.batch, T = c.steps, D = c.inputSize, L = c.layers;

    rnnad::StackConfig cfg;
    cfg.cell = cellOf(c.cell);
    cfg.resetAfter = c.resetAfter;
    cfg.inputSize = c.inputSize;
    cfg.hiddenSize = c.hiddenSize;
    cfg.layers = c.layers;

    if (c.mode == "train") {
      rnnad::ModelConfig mc;
      mc.stack = cfg;
      mc.mode = rnnad::ModelMode::Forecast;
      mc.outputSize = c.inputSize;
      rnnad::AnomalyModel model(mc);
      std::vector<float> params = uniform(model.paramCount(), bound, 11);
      model.setParams(params.data(), params.size());
      std::vector<float> x = uniform(B * T * D, 1.0f, 12), target = uniform(B * D, 1.0f, 13);
      rnnad::TrainConfig tc;  // Adam, lr 1e-3, no clipping
      bench::printResult(
          c, plan, [&] { model.trainStep(x.data(), target.data(), c.batch, c.steps, tc, nullptr); }, label);
      return;
    }

    rnnad::RecurrentStack stack(cfg);
    std::vector<float> params = uniform(stack.paramCount(), bound, 21);
    stack.setParams(params.data(), params.size());
    const bool lstm = cfg.cell == rnnad::Cell::Lstm;

    if (c.mode == "step") {
      const size_t ring = 1024;
      std::vector<float> xs = uniform(ring * D, 1.0f, 22), h(L * H, 0.f), cs(lstm ? L * H : 0, 0.f), y(H);
      size_t i = 0;
      bench::printResult(
          c, plan,
          [&] { stack.step(xs.data() + (i++ % ring) * D, 1, 1, h.data(), lstm ? cs.data() : nullptr, y.data()); },
          label);
      return;
    }

    std::vector<float> x = uniform(B * T * D, 1.0f, 23), y(B * T * H), hN(L * B * H), cN(lstm ? L * B * H : 0);
    if (c.mode == "infer") {
      bench::printResult(
          c, plan,
          [&] {
            stack.forward(x.data(), c.batch, c.steps, nullptr, nullptr, y.data(), hN.data(), lstm ? cN.data() : nullptr,
                          nullptr);
          },
          label);
    } else if (c.mode == "fwdbwd") {
      rnnad::TrainTapePtr tape = stack.makeTape();
      std::vector<float> dY = uniform(B * T * H, 1.0f, 24), dX(B * T * D), dH0(L * B * H), dC0(lstm ? L * B * H : 0);
      std::vector<float> dParams(stack.paramCount());
      bench::printResult(
          c, plan,
          [&] {
            stack.forward(x.data(), c.batch, c.steps, nullptr, nullptr, y.data(), hN.data(), lstm ? cN.data() : nullptr,
                          tape.get());
            stack.backward(*tape, dY.data(), nullptr, nullptr, dX.data(), dH0.data(), lstm ? dC0.data() : nullptr,
                           dParams.data());
          },
          label);
    } else {
      throw std::invalid_argument("unknown --mode " + c.mode);
    }
  });
}

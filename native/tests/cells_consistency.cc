// Consistency of the drivers among themselves, each checked against an independent path:
//  - every SIMD path against the scalar reference path (forward, BPTT, step), max abs difference
//  - bitwise identical results for 1, 2 and 3 threads (forward, backward, model gradient, Adam)
//  - inference forward == training forward, bitwise; single steps == the sequence forward
//  - forwardRepeated == forward on the repeated input
//  - streaming pushes == predict() on the completed window (forecast and reconstruct, subsets)
//  - NaN inputs reach the outputs of their own batch row only
//  - the training tape's size formula, tape reuse across shapes
//  - bad arguments throw KernelError naming the argument
#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "api.h"
#include "cells_test_support.h"

using namespace rnnad;
using cells_test::Report;

namespace {

struct Cfg {
  const char* name;
  Cell cell;
  bool resetAfter;
};

const Cfg kCells[] = {{"rnn_tanh", Cell::RnnTanh, true},
                      {"rnn_relu", Cell::RnnRelu, true},
                      {"gru", Cell::Gru, true},
                      {"gru_reset_before", Cell::Gru, false},
                      {"lstm", Cell::Lstm, true}};

StackConfig stackConfig(const Cfg& c, int D, int H, int L) {
  StackConfig s;
  s.cell = c.cell;
  s.resetAfter = c.resetAfter;
  s.inputSize = D;
  s.hiddenSize = H;
  s.layers = L;
  return s;
}

// Everything a forward + backward pass produces, for comparisons.
struct Pass {
  std::vector<float> y, hN, cN, dX, dH0, dC0, dP;
  std::vector<float> all() const {
    std::vector<float> v;
    for (const auto* p : {&y, &hN, &cN, &dX, &dH0, &dC0, &dP}) v.insert(v.end(), p->begin(), p->end());
    return v;
  }
};

struct Problem {
  StackConfig cfg;
  int B, T;
  std::vector<float> params, x, h0, c0, dy, dhN, dcN;
  Problem(const StackConfig& c, int batch, int steps, uint64_t seed) : cfg(c), B(batch), T(steps) {
    cells_test::Rng rng(seed);
    const float k = 1.f / std::sqrt(static_cast<float>(c.hiddenSize));
    params = rng.vec(stackParamCount(c), -k, k);
    const size_t ss = static_cast<size_t>(c.layers) * B * c.hiddenSize;
    x = rng.vec(static_cast<size_t>(B) * T * c.inputSize, -1.f, 1.f);
    h0 = rng.vec(ss, -0.5f, 0.5f);
    c0 = rng.vec(ss, -0.5f, 0.5f);
    dy = rng.vec(static_cast<size_t>(B) * T * c.hiddenSize, -1.f, 1.f);
    dhN = rng.vec(ss, -1.f, 1.f);
    dcN = rng.vec(ss, -1.f, 1.f);
  }
  bool lstm() const { return cfg.cell == Cell::Lstm; }

  Pass run(bool train = true) const {
    RecurrentStack s(cfg);
    s.setParams(params.data(), params.size());
    Pass p;
    const size_t ss = h0.size();
    p.y.resize(dy.size());
    p.hN.resize(ss);
    p.cN.resize(lstm() ? ss : 0);
    TrainTapePtr tape = s.makeTape();
    s.forward(x.data(), B, T, h0.data(), lstm() ? c0.data() : nullptr, p.y.data(), p.hN.data(),
              lstm() ? p.cN.data() : nullptr, train ? tape.get() : nullptr);
    if (!train) return p;
    p.dX.resize(x.size());
    p.dH0.resize(ss);
    p.dC0.resize(lstm() ? ss : 0);
    p.dP.resize(params.size());
    s.backward(*tape, dy.data(), dhN.data(), lstm() ? dcN.data() : nullptr, p.dX.data(), p.dH0.data(),
               lstm() ? p.dC0.data() : nullptr, p.dP.data());
    return p;
  }
};

void isaPathsAgreeWithScalar(Report& r) {
  double worstOut = 0, worstGrad = 0;
  for (const Cfg& c : kCells) {
    // H = 45: full vectors plus a tail on every path; B = 37: three slices.
    Problem pr(stackConfig(c, 9, 45, 2), 37, 11, 5);
    forceIsa(Isa::Scalar);
    const Pass ref = pr.run();
    for (Isa isa : supportedIsas()) {
      if (isa == Isa::Scalar) continue;
      forceIsa(isa);
      const Pass got = pr.run();
      double out = std::max(cells_test::maxAbsDiff(got.y.data(), ref.y.data(), ref.y.size()),
                            cells_test::maxAbsDiff(got.hN.data(), ref.hN.data(), ref.hN.size()));
      out = std::max(out, cells_test::maxAbsDiff(got.cN.data(), ref.cN.data(), ref.cN.size()));
      double grad = 0;
      for (const auto& [g, w] : {std::make_pair(&got.dX, &ref.dX), std::make_pair(&got.dH0, &ref.dH0),
                                 std::make_pair(&got.dC0, &ref.dC0), std::make_pair(&got.dP, &ref.dP)}) {
        grad = std::max(grad, cells_test::normwise(g->data(), w->data(), w->size()));
      }
      const std::string ctx = std::string(c.name) + " " + isaName(isa) + " vs scalar";
      r.expect(out <= 2e-6, ctx + ": outputs max abs difference " + cells_test::fmt(out) + " <= 2e-6");
      r.expect(grad <= 1e-5, ctx + ": gradients norm-wise difference " + cells_test::fmt(grad) + " <= 1e-5");
      worstOut = std::max(worstOut, out);
      worstGrad = std::max(worstGrad, grad);
    }
  }
  forceIsa(supportedIsas().back());
  std::printf("  SIMD vs scalar: outputs max abs %.2e, gradients norm-wise %.2e\n", worstOut, worstGrad);
}

void threadCountNeverChangesResults(Report& r) {
  const int saved = threads();
  for (Isa isa : supportedIsas()) {
    forceIsa(isa);
    for (const Cfg& c : kCells) {
      Problem pr(stackConfig(c, 5, 24, 2), 41, 7, 9);
      std::vector<float> first, firstInfer;
      for (int n : {1, 2, 3}) {
        setThreads(n);
        const std::vector<float> all = pr.run().all();
        const std::vector<float> infer = pr.run(false).all();
        if (n == 1) {
          first = all;
          firstInfer = infer;
          continue;
        }
        r.expect(cells_test::bitwiseEqual(all, first), std::string(c.name) + " [" + isaName(isa) +
                                                           "]: forward+backward with " + std::to_string(n) +
                                                           " threads == 1 thread, bitwise");
        r.expect(cells_test::bitwiseEqual(infer, firstInfer),
                 std::string(c.name) + " [" + isaName(isa) + "]: inference with " + std::to_string(n) + " threads");
      }
    }
    // A whole model: gradients and parameters after Adam steps.
    for (ModelMode mode : {ModelMode::Forecast, ModelMode::Reconstruct}) {
      ModelConfig mc;
      mc.stack = stackConfig(kCells[4], 4, 20, 2);
      mc.mode = mode;
      mc.outputSize = 4;
      cells_test::Rng rng(3);
      std::vector<float> first;
      for (int n : {1, 2, 3}) {
        setThreads(n);
        AnomalyModel m(mc);
        cells_test::Rng prng(11);
        std::vector<float> p = prng.vec(m.paramCount(), -0.2f, 0.2f);
        m.setParams(p.data(), p.size());
        const int B = 45, T = 6;
        std::vector<float> x = prng.vec(static_cast<size_t>(B) * T * 4, -1.f, 1.f), t = prng.vec(B * 4, -1.f, 1.f);
        std::vector<float> out(m.paramCount());
        m.gradient(x.data(), t.data(), B, T, out.data());
        TrainConfig tc;
        tc.clipNorm = 0.5f;
        for (int s = 0; s < 2; ++s) m.trainStep(x.data(), t.data(), B, T, tc, nullptr);
        out.insert(out.end(), m.params(), m.params() + m.paramCount());
        if (n == 1)
          first = out;
        else
          r.expect(cells_test::bitwiseEqual(out, first),
                   std::string("model [") + isaName(isa) + "] mode " + std::to_string(static_cast<int>(mode)) +
                       ": gradient and Adam with " + std::to_string(n) + " threads == 1 thread, bitwise");
      }
    }
  }
  setThreads(saved);
}

void driversAgree(Report& r) {
  for (Isa isa : supportedIsas()) {
    forceIsa(isa);
    for (const Cfg& c : kCells) {
      const std::string ctx = std::string(c.name) + " [" + isaName(isa) + "]";
      Problem pr(stackConfig(c, 3, 19, 2), 21, 8, 13);
      const Pass train = pr.run(), infer = pr.run(false);
      r.expect(cells_test::bitwiseEqual(train.y, infer.y) && cells_test::bitwiseEqual(train.hN, infer.hN) &&
                   cells_test::bitwiseEqual(train.cN, infer.cN),
               ctx + ": inference forward == training forward, bitwise");

      // Stepping: rows = batch, one input row each, state carried in place.
      RecurrentStack s(pr.cfg);
      s.setParams(pr.params.data(), pr.params.size());
      const int B = pr.B, T = pr.T, D = pr.cfg.inputSize, H = pr.cfg.hiddenSize;
      std::vector<float> h = pr.h0, cst = pr.c0, yStep(static_cast<size_t>(B) * H), row(static_cast<size_t>(B) * D);
      bool same = true;
      for (int t = 0; t < T; ++t) {
        for (int b = 0; b < B; ++b)
          std::copy_n(pr.x.begin() + (static_cast<size_t>(b) * T + t) * D, D, row.begin() + b * D);
        s.step(row.data(), B, 1, h.data(), pr.lstm() ? cst.data() : nullptr, yStep.data());
        for (int b = 0; b < B; ++b) {
          same = same && std::equal(yStep.begin() + b * H, yStep.begin() + (b + 1) * H,
                                    train.y.begin() + (static_cast<size_t>(b) * T + t) * H);
        }
      }
      r.expect(same && h == train.hN && (!pr.lstm() || cst == train.cN), ctx + ": step() == sequence forward, bitwise");

      // Shared inputs: 3 rows per input row, starting from different states.
      const int groups = 4, per = 3;
      std::vector<float> hs(static_cast<size_t>(pr.cfg.layers) * groups * per * H), cs(hs.size());
      cells_test::Rng rng(21);
      for (float& v : hs) v = rng.uniform(-0.5f, 0.5f);
      for (float& v : cs) v = rng.uniform(-0.5f, 0.5f);
      std::vector<float> xin = rng.vec(static_cast<size_t>(groups) * D, -1.f, 1.f), xrep;
      for (int g = 0; g < groups; ++g)
        for (int k = 0; k < per; ++k) xrep.insert(xrep.end(), xin.begin() + g * D, xin.begin() + (g + 1) * D);
      std::vector<float> h1 = hs, c1 = cs, h2 = hs, c2 = cs;
      s.step(xin.data(), groups * per, per, h1.data(), pr.lstm() ? c1.data() : nullptr, nullptr);
      s.step(xrep.data(), groups * per, 1, h2.data(), pr.lstm() ? c2.data() : nullptr, nullptr);
      r.expect(h1 == h2 && (!pr.lstm() || c1 == c2), ctx + ": rowsPerInput sharing == repeated input rows, bitwise");
    }
  }
}

// forwardRepeated == forward on the input repeated at every step: outputs bitwise (the same
// projection rows), gradients within float rounding (summed before, not after, the product).
void repeatedInput(Report& r) {
  for (Isa isa : supportedIsas()) {
    forceIsa(isa);
    for (const Cfg& c : kCells) {
      const std::string ctx = std::string(c.name) + " [" + isaName(isa) + "]";
      const StackConfig cfg = stackConfig(c, 6, 13, 2);
      RecurrentStack s(cfg);
      cells_test::Rng rng(61);
      const std::vector<float> p = rng.vec(s.paramCount(), -0.3f, 0.3f);
      s.setParams(p.data(), p.size());
      const int B = 19, T = 7, D = 6, H = 13;
      const std::vector<float> x = rng.vec(static_cast<size_t>(B) * D, -1.f, 1.f);
      const std::vector<float> dy = rng.vec(static_cast<size_t>(B) * T * H, -1.f, 1.f);
      std::vector<float> xRep;
      for (int b = 0; b < B; ++b)
        for (int t = 0; t < T; ++t) xRep.insert(xRep.end(), x.begin() + b * D, x.begin() + (b + 1) * D);
      const size_t ss = static_cast<size_t>(2) * B * H;
      std::vector<float> y1(dy.size()), y2(dy.size()), y3(dy.size()), h1(ss), h2(ss);
      TrainTapePtr t1 = s.makeTape(), t2 = s.makeTape();
      s.forward(xRep.data(), B, T, nullptr, nullptr, y1.data(), h1.data(), nullptr, t1.get());
      s.forwardRepeated(x.data(), B, T, y2.data(), h2.data(), t2.get());
      s.forwardRepeated(x.data(), B, T, y3.data(), nullptr, nullptr);
      r.expect(y1 == y2 && h1 == h2 && y1 == y3, ctx + ": forwardRepeated outputs == forward on the repeated input");
      std::vector<float> dX1(xRep.size()), dX2(x.size()), dP1(p.size()), dP2(p.size()), dH(ss);
      s.backward(*t1, dy.data(), nullptr, nullptr, dX1.data(), dH.data(), nullptr, dP1.data());
      s.backward(*t2, dy.data(), nullptr, nullptr, dX2.data(), dH.data(), nullptr, dP2.data());
      std::vector<double> dXsum(x.size(), 0.0);
      for (int b = 0; b < B; ++b)
        for (int t = 0; t < T; ++t)
          for (int k = 0; k < D; ++k) dXsum[b * D + k] += dX1[(static_cast<size_t>(b) * T + t) * D + k];
      const double ex = cells_test::normwise(dX2.data(), dXsum.data(), dX2.size());
      const double ep = cells_test::normwise(dP2.data(), dP1.data(), dP1.size());
      r.expect(ex <= 1e-5 && ep <= 1e-5, ctx + ": forwardRepeated gradients: dX summed over steps " +
                                             cells_test::fmt(ex) + ", parameters " + cells_test::fmt(ep));
    }
  }
}

void streamingEqualsPredict(Report& r) {
  for (Isa isa : supportedIsas()) {
    forceIsa(isa);
    for (const Cfg& c : {kCells[0], kCells[2], kCells[3], kCells[4]}) {
      for (ModelMode mode : {ModelMode::Forecast, ModelMode::Reconstruct}) {
        ModelConfig mc;
        mc.stack = stackConfig(c, 3, 12, 2);
        mc.mode = mode;
        mc.outputSize = 3;
        AnomalyModel m(mc);
        cells_test::Rng rng(31);
        std::vector<float> p = rng.vec(m.paramCount(), -0.3f, 0.3f);
        m.setParams(p.data(), p.size());
        const int streams = 3, W = 5, N = 17, D = 3;
        const size_t outLen = mode == ModelMode::Forecast ? 3 : static_cast<size_t>(W) * D;
        std::vector<std::vector<float>> series;
        for (int s = 0; s < streams; ++s) series.push_back(rng.vec(static_cast<size_t>(N) * D, -1.f, 1.f));
        auto st = m.makeStream(streams, W);
        std::vector<int> seen(streams, 0);
        bool readyOk = true, equal = true, untouched = true;
        const std::string ctx =
            std::string(c.name) + " mode " + std::to_string(static_cast<int>(mode)) + " [" + isaName(isa) + "]";
        for (int t = 0; t < N; ++t) {
          // Every third point goes to a subset (streams 2 and 0, in that order); the rest to all.
          const std::vector<int32_t> ids = t % 3 == 1 ? std::vector<int32_t>{2, 0} : std::vector<int32_t>{0, 1, 2};
          const int count = static_cast<int>(ids.size());
          std::vector<float> pt;
          for (int32_t s : ids)
            pt.insert(pt.end(), series[s].begin() + seen[s] * D, series[s].begin() + (seen[s] + 1) * D);
          std::vector<float> out(count * outLen, 12345.f);
          std::vector<uint8_t> ready(count, 9);
          m.streamPush(*st, pt.data(), t % 3 == 1 ? ids.data() : nullptr, count, out.data(), ready.data());
          for (int i = 0; i < count; ++i) {
            const int s = ids[i];
            seen[s] += 1;
            readyOk = readyOk && ready[i] == (seen[s] >= W ? 1 : 0);
            if (!ready[i]) {
              untouched = untouched && std::all_of(out.begin() + i * outLen, out.begin() + (i + 1) * outLen,
                                                   [](float v) { return v == 12345.f; });
              continue;
            }
            std::vector<float> window(series[s].begin() + (seen[s] - W) * D, series[s].begin() + seen[s] * D);
            std::vector<float> want(outLen);
            m.predict(window.data(), 1, W, want.data());
            equal = equal && std::equal(want.begin(), want.end(), out.begin() + i * outLen);
          }
        }
        r.expect(readyOk, ctx + ": ready flags after `steps` points");
        r.expect(untouched, ctx + ": out untouched before a window completes");
        r.expect(equal, ctx + ": every completed window == predict() on it, bitwise");

        // Reset forgets one stream's history: it needs W new points again.
        m.streamReset(*st, 1);
        std::vector<float> pt(D, 0.25f), out(outLen);
        std::vector<uint8_t> ready(1);
        const int32_t one = 1;
        bool fresh = true;
        for (int k = 0; k < W; ++k) {
          m.streamPush(*st, pt.data(), &one, 1, out.data(), ready.data());
          fresh = fresh && ready[0] == (k == W - 1 ? 1 : 0);
        }
        std::vector<float> window(static_cast<size_t>(W) * D, 0.25f), want(outLen);
        m.predict(window.data(), 1, W, want.data());
        r.expect(fresh && want == out, ctx + ": streamReset starts the stream over");
      }
    }
  }
}

void nanStaysInItsRow(Report& r) {
  for (Isa isa : supportedIsas()) {
    forceIsa(isa);
    for (const Cfg& c : kCells) {
      Problem pr(stackConfig(c, 3, 20, 2), 19, 6, 17);
      pr.x[(0 * pr.T + 3) * 3 + 1] = NAN;  // batch row 0, step 3
      const Pass p = pr.run(false);
      const int H = 20, T = pr.T;
      bool rowNan = false, othersClean = true;
      for (int j = 0; j < H; ++j) rowNan = rowNan || std::isnan(p.y[3 * H + j]);
      for (size_t i = static_cast<size_t>(T) * H; i < p.y.size(); ++i)
        othersClean = othersClean && std::isfinite(p.y[i]);
      r.expect(rowNan && othersClean,
               std::string(c.name) + " [" + isaName(isa) + "]: NaN input reaches its row's outputs only");
    }
  }
}

void tapes(Report& r) {
  for (const Cfg& c : kCells) {
    for (int L : {1, 3}) {
      const StackConfig cfg = stackConfig(c, 6, 10, L);
      RecurrentStack s(cfg);
      const size_t B = 7, T = 9, D = 6, H = 10, G = gatesOf(c.cell);
      const bool lstm = c.cell == Cell::Lstm, gru = c.cell == Cell::Gru;
      // Documented layout: the input; per layer T+1 state blocks (and cell states) and T saved
      // gate rows (4H for gru and lstm); the shared work array (G*H, 4H for gru reset-after);
      // the inter-layer gradient; one step buffer row of G*H per batch row.
      const size_t saved = (gru || lstm) ? 4 * H : 0;
      const size_t work = (gru && c.resetAfter) ? 4 * H : G * H;
      const size_t floats = T * B * D + L * ((T + 1) * B * H * (lstm ? 2 : 1) + T * B * saved) + T * B * work +
                            (L > 1 ? T * B * H : 0) + B * G * H;
      r.expect(s.tapeBytes(7, 9) == floats * 4, std::string(c.name) + ": tapeBytes follows the documented layout");
    }
    // One tape reused across shapes gives the same results as fresh tapes.
    Problem big(stackConfig(c, 4, 16, 2), 23, 9, 41), small(stackConfig(c, 4, 16, 2), 5, 4, 43);
    small.params = big.params;
    RecurrentStack s(big.cfg);
    s.setParams(big.params.data(), big.params.size());
    TrainTapePtr tape = s.makeTape();
    bool same = true;
    for (const Problem* pr : {&big, &small, &big}) {
      std::vector<float> y(pr->dy.size()), hN(pr->h0.size()), dX(pr->x.size()), dH0(pr->h0.size()),
          dP(pr->params.size());
      std::vector<float> cN(pr->lstm() ? hN.size() : 0), dC0(cN.size());
      auto nul = [](std::vector<float>& v) { return v.empty() ? nullptr : v.data(); };
      s.forward(pr->x.data(), pr->B, pr->T, pr->h0.data(), pr->lstm() ? pr->c0.data() : nullptr, y.data(), hN.data(),
                nul(cN), tape.get());
      s.backward(*tape, pr->dy.data(), pr->dhN.data(), pr->lstm() ? pr->dcN.data() : nullptr, dX.data(), dH0.data(),
                 nul(dC0), dP.data());
      const Pass fresh = pr->run();
      same = same && fresh.y == y && fresh.dX == dX && fresh.dP == dP && fresh.dH0 == dH0;
    }
    r.expect(same, std::string(c.name) + ": a reused tape gives the results of fresh tapes");
  }
}

void expectThrows(Report& r, const std::string& what, const std::string& mention, const std::function<void()>& fn) {
  try {
    fn();
    r.expect(false, what + ": expected KernelError");
  } catch (const KernelError& e) {
    r.expect(std::string(e.what()).find(mention) != std::string::npos,
             what + ": message names '" + mention + "' (got: " + e.what() + ")");
  }
}

void badArguments(Report& r) {
  StackConfig bad;
  bad.hiddenSize = 0;
  expectThrows(r, "hiddenSize 0", "hiddenSize", [&] { RecurrentStack s(bad); });
  bad = StackConfig();
  bad.layers = -1;
  expectThrows(r, "layers -1", "layers", [&] { stackParamCount(bad); });
  bad = StackConfig();
  bad.inputSize = 0;
  expectThrows(r, "inputSize 0", "inputSize", [&] { stackParamSlots(bad); });
  bad = StackConfig();
  bad.cell = static_cast<Cell>(7);
  expectThrows(r, "cell 7", "cell", [&] { RecurrentStack s(bad); });
  bad = StackConfig();
  bad.hiddenSize = 1 << 29;
  expectThrows(r, "huge hiddenSize", "hiddenSize", [&] { RecurrentStack s(bad); });

  StackConfig ok;
  ok.inputSize = 2;
  ok.hiddenSize = 3;
  RecurrentStack s(ok), other(ok);
  std::vector<float> x(2 * 4 * 2), y(2 * 4 * 3), h(2 * 3), dP(s.paramCount()), dX(x.size()), dH(h.size());
  expectThrows(r, "batch 0", "batch",
               [&] { s.forward(x.data(), 0, 4, nullptr, nullptr, y.data(), h.data(), nullptr, nullptr); });
  expectThrows(r, "steps 0", "steps",
               [&] { s.forward(x.data(), 2, 0, nullptr, nullptr, y.data(), h.data(), nullptr, nullptr); });
  expectThrows(r, "null x", "x",
               [&] { s.forward(nullptr, 2, 4, nullptr, nullptr, y.data(), h.data(), nullptr, nullptr); });
  expectThrows(r, "setParams size", "parameters", [&] { s.setParams(dP.data(), dP.size() - 1); });
  expectThrows(r, "setParam range", "offset", [&] { s.setParam(dP.size() - 1, dP.data(), 2); });
  TrainTapePtr tape = s.makeTape();
  expectThrows(r, "backward before forward", "forward",
               [&] { s.backward(*tape, nullptr, nullptr, nullptr, dX.data(), dH.data(), nullptr, dP.data()); });
  TrainTapePtr foreign = other.makeTape();
  expectThrows(r, "foreign tape", "tape",
               [&] { s.forward(x.data(), 2, 4, nullptr, nullptr, y.data(), h.data(), nullptr, foreign.get()); });
  expectThrows(r, "rowsPerInput", "rowsPerInput", [&] { s.step(x.data(), 4, 3, h.data(), nullptr, nullptr); });
  StackConfig lstm = ok;
  lstm.cell = Cell::Lstm;
  RecurrentStack ls(lstm);
  expectThrows(r, "lstm step without c", "c", [&] { ls.step(x.data(), 2, 1, h.data(), nullptr, nullptr); });

  ModelConfig mc;
  mc.stack = ok;
  mc.mode = ModelMode::Reconstruct;
  mc.outputSize = 5;
  expectThrows(r, "reconstruct outputSize", "outputSize", [&] { AnomalyModel m(mc); });
  mc.mode = ModelMode::Forecast;
  mc.outputSize = 0;
  expectThrows(r, "outputSize 0", "outputSize", [&] { AnomalyModel m(mc); });
  mc.outputSize = 1;
  AnomalyModel m(mc);
  std::vector<float> grads(m.paramCount()), state(2 * m.paramCount() + 1);
  expectThrows(r, "forecast target null", "target", [&] { m.gradient(x.data(), nullptr, 2, 4, grads.data()); });
  expectThrows(r, "optimizer state size", "values", [&] { m.setOptimizerState(state.data(), state.size()); });
  TrainConfig tc;
  tc.adam.beta1 = 1.f;
  std::vector<float> target(2);
  expectThrows(r, "beta1 1", "beta1", [&] { m.trainStep(x.data(), target.data(), 2, 4, tc, nullptr); });
  auto st = m.makeStream(3, 2);
  const int32_t dup[2] = {1, 1};
  std::vector<float> out(2);
  std::vector<uint8_t> ready(2);
  expectThrows(r, "duplicate stream ids", "repeat",
               [&] { m.streamPush(*st, x.data(), dup, 2, out.data(), ready.data()); });
  const int32_t outside[1] = {3};
  expectThrows(r, "stream id range", "ids[0]",
               [&] { m.streamPush(*st, x.data(), outside, 1, out.data(), ready.data()); });
  expectThrows(r, "makeStream steps", "steps", [&] { m.makeStream(2, 0); });
  expectThrows(r, "adam step 0", "step", [&] {
    std::vector<float> p(3), g(3), mm(3), vv(3);
    adamUpdate(p.data(), g.data(), mm.data(), vv.data(), 3, AdamConfig(), 0);
  });
  expectThrows(r, "dense n 0", "n", [&] { denseForward(x.data(), 0, 2, x.data(), x.data(), 1, y.data()); });
}

void nonFiniteTrainingLeavesParameters(Report& r) {
  ModelConfig mc;
  mc.stack.cell = Cell::Gru;
  mc.stack.inputSize = 2;
  mc.stack.hiddenSize = 5;
  mc.outputSize = 2;
  AnomalyModel m(mc);
  cells_test::Rng rng(2);
  std::vector<float> p = rng.vec(m.paramCount(), -0.3f, 0.3f);
  m.setParams(p.data(), p.size());
  std::vector<float> x = rng.vec(3 * 4 * 2, -1.f, 1.f), t = rng.vec(3 * 2, -1.f, 1.f);
  x[5] = NAN;
  double norm = 0;
  const double loss = m.trainStep(x.data(), t.data(), 3, 4, TrainConfig(), &norm);
  r.expect(std::isnan(loss) && !std::isfinite(norm), "NaN input: trainStep reports a NaN loss and gradient norm");
  r.expect(std::equal(p.begin(), p.end(), m.params()) && m.optimizerStep() == 0,
           "NaN input: parameters and optimizer step left unchanged");
}

}  // namespace

int main() {
  Report r;
  isaPathsAgreeWithScalar(r);
  threadCountNeverChangesResults(r);
  driversAgree(r);
  repeatedInput(r);
  streamingEqualsPredict(r);
  nanStaysInItsRow(r);
  tapes(r);
  badArguments(r);
  nonFiniteTrainingLeavesParameters(r);
  return r.finish("cells_consistency");
}

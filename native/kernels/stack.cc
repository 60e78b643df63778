// RecurrentStack: the flat PyTorch-layout parameters, their packed kernel form, and the
// sequence forward / BPTT / single-step drivers around the per-ISA GEMM and cell kernels.
//
// Work split: the batch is cut into slices whose size depends only on the batch (never on the
// thread count); one parallelFor task runs the whole time loop of every layer for one slice, so
// there is no barrier per timestep. Every row's result depends only on that row (GEMM contract in
// internal.h), and weight gradients are reduced over all batch*time rows in one fixed order per
// output element, so every result is bitwise identical for any number of threads.
//
// Training tape (all float32, Tp = steps + 1, per batch row the time axis has one extra row):
//   xs        [B][Tp][D]      the input, row t = x_t, row T = 0
//   hs[l]     [B][Tp][H]      row 0 = h0, row t + 1 = h_t, so row t is the state entering step t
//   cs[l]     [B][Tp][H]      lstm cell states, same convention
//   sv[l]     [B][Tp][S*H]    saved activations (cell_kernels.h), row T = 0; S = 0 rnn, 4 gru/lstm
//   work      [B][Tp][Gw*H]   input projection during forward, gate gradients dG during backward
//                             (Gw = 4 for gru reset-after and lstm, 3 gru reset-before, 1 rnn)
//   dx        [B][Tp][H]      gradient into a layer's input from the layer above (layers > 1)
//   stepBuf   [B][G*H]        per-step recurrent products and running gradients
// With every per-step array on the same (batch, Tp) row grid, the weight gradients are single
// GEMMs over B*Tp - 1 rows: dW_hh = dG^T hs[l] pairs step t with the state entering it, and
// dW_ih = dG^T (layer input) pairs it with x_t; the padding rows of dG are zero.
#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api.h"
#include "cell_kernels.h"
#include "internal.h"

namespace rnnad {
namespace {

constexpr int kGradRowBlock = 32;  // rows of a weight-gradient matrix per task
constexpr int kGradColBlock = 256;  // bias-gradient columns per task

void requireKernel(bool ok, const std::string& msg) {
  if (!ok) throw KernelError(msg);
}

size_t checkedProduct(std::initializer_list<size_t> factors, const char* what) {
  size_t p = 1;
  for (size_t f : factors) {
    if (f != 0 && p > std::numeric_limits<size_t>::max() / f) throw KernelError(std::string(what) + " overflows size_t");
    p *= f;
  }
  return p;
}

int checkedInt(size_t v, const char* what) {
  if (v > static_cast<size_t>(std::numeric_limits<int>::max())) {
    throw KernelError(std::string(what) + " (" + std::to_string(v) + ") exceeds the kernels' int range");
  }
  return static_cast<int>(v);
}

// Rows per parallel task. Larger slices reuse each recurrent weight panel over more rows per
// step; smaller ones balance better. A function of the batch only, never of the thread count.
int sliceRowsFor(int batch) {
  if (batch <= 16) return batch;
  return 16;
}

// Per-thread scratch for inference forward, grown on demand and kept for the thread's life.
float* threadScratch(size_t floats) {
  thread_local std::unique_ptr<float[]> buf;
  thread_local size_t capacity = 0;
  if (capacity < floats) {
    buf.reset();
    buf.reset(new float[floats]);
    capacity = floats;
  }
  return buf.get();
}

void zeroRows(float* p, int rows, size_t width, size_t ld) {
  for (int r = 0; r < rows; ++r) std::memset(p + r * ld, 0, width * sizeof(float));
}

void copyRows(const float* src, size_t lds, float* dst, size_t ldd, int rows, size_t width) {
  for (int r = 0; r < rows; ++r) std::memcpy(dst + r * ldd, src + r * lds, width * sizeof(float));
}

}  // namespace

// ---- packed parameters ----

namespace {

struct LayerPack {
  PackedWeightsPtr ihNT;   // x * W_ih^T
  PackedWeightsPtr hhNT;   // h * W_hh^T; gru reset-before: the r, z rows only
  PackedWeightsPtr hnNT;   // gru reset-before: (r*h) * W_hn^T
  PackedWeightsPtr ihNN;   // dG * W_ih; gru reset-after: rows in n, r, z order (dG layout)
  PackedWeightsPtr hhNN;   // dG * W_hh; gru reset-before: the r, z rows only
  PackedWeightsPtr hnNN;   // gru reset-before: dn * W_hn
  std::vector<float> bias;    // fused, see CellStepArgs::bias
  std::vector<float> biasHn;  // gru reset-after
};

struct Packs {
  const KernelTable* table = nullptr;
  std::vector<LayerPack> layers;
  std::vector<float> zeros;  // 4H zeros, read with stride 0
};

}  // namespace

struct RecurrentStack::Impl {
  StackConfig cfg;
  int G = 1, H = 1, L = 1, D = 1;
  int S = 0;   // saved width in blocks of H
  int Gw = 1;  // work (xp / dG) width in blocks of H
  std::vector<float> params;
  std::vector<size_t> layerOffset;  // start of layer k in the flat buffer

  mutable std::mutex packMutex;
  mutable std::shared_ptr<const Packs> packs;  // guarded by packMutex

  // Single-step scratch (step() is not re-entrant per object).
  mutable std::vector<float> stepXp, stepHp, stepSv;

  explicit Impl(const StackConfig& c) : cfg(c) {
    const size_t total = stackParamCount(c);  // validates the config
    G = gatesOf(c.cell);
    H = c.hiddenSize;
    L = c.layers;
    D = c.inputSize;
    const bool gru = c.cell == Cell::Gru, lstm = c.cell == Cell::Lstm;
    S = (gru || lstm) ? 4 : 0;
    Gw = lstm ? 4 : gru ? (c.resetAfter ? 4 : 3) : 1;
    params.assign(total, 0.f);
    size_t off = 0;
    for (int k = 0; k < L; ++k) {
      layerOffset.push_back(off);
      off += static_cast<size_t>(G) * H * (inSize(k) + H + 2);
    }
  }

  bool gruAfter() const { return cfg.cell == Cell::Gru && cfg.resetAfter; }
  bool gruBefore() const { return cfg.cell == Cell::Gru && !cfg.resetAfter; }
  bool lstm() const { return cfg.cell == Cell::Lstm; }
  int inSize(int layer) const { return layer == 0 ? D : H; }
  size_t GH() const { return static_cast<size_t>(G) * H; }
  const float* wih(int k) const { return params.data() + layerOffset[k]; }
  const float* whh(int k) const { return wih(k) + GH() * inSize(k); }
  const float* bih(int k) const { return whh(k) + GH() * H; }
  const float* bhh(int k) const { return bih(k) + GH(); }

  std::shared_ptr<const Packs> buildPacks(const KernelTable& kt) const {
    auto p = std::make_shared<Packs>();
    p->table = &kt;
    p->zeros.assign(4 * static_cast<size_t>(H), 0.f);
    const int gh = G * H;
    for (int k = 0; k < L; ++k) {
      LayerPack lp;
      const int in = inSize(k);
      lp.ihNT.reset(kt.packNT(wih(k), gh, in, in));
      if (gruBefore()) {
        lp.hhNT.reset(kt.packNT(whh(k), 2 * H, H, H));
        lp.hnNT.reset(kt.packNT(whh(k) + 2 * static_cast<size_t>(H) * H, H, H, H));
        lp.hhNN.reset(kt.packNN(whh(k), 2 * H, H, H));
        lp.hnNN.reset(kt.packNN(whh(k) + 2 * static_cast<size_t>(H) * H, H, H, H));
      } else {
        lp.hhNT.reset(kt.packNT(whh(k), gh, H, H));
        lp.hhNN.reset(kt.packNN(whh(k), gh, H, H));
      }
      if (gruAfter()) {
        // dG holds [dn dr dz ...], so dX = dG[0:3H] * W_ih needs W_ih's rows as n, r, z.
        std::vector<float> permuted(static_cast<size_t>(gh) * in);
        const size_t block = static_cast<size_t>(H) * in;
        std::memcpy(permuted.data(), wih(k) + 2 * block, block * sizeof(float));
        std::memcpy(permuted.data() + block, wih(k), 2 * block * sizeof(float));
        lp.ihNN.reset(kt.packNN(permuted.data(), gh, in, in));
      } else {
        lp.ihNN.reset(kt.packNN(wih(k), gh, in, in));
      }
      lp.bias.resize(gh);
      for (int j = 0; j < gh; ++j) lp.bias[j] = bih(k)[j] + bhh(k)[j];
      if (gruAfter()) {
        // n = tanh(W_in x + b_in + r * (W_hn h + b_hn)): b_hn stays inside the reset product.
        for (int j = 0; j < H; ++j) lp.bias[2 * H + j] = bih(k)[2 * H + j];
        lp.biasHn.assign(bhh(k) + 2 * H, bhh(k) + 3 * H);
      }
      p->layers.push_back(std::move(lp));
    }
    return p;
  }

  // The packs for the active ISA, repacked if the ISA was forced since they were built.
  std::shared_ptr<const Packs> currentPacks() const {
    const KernelTable& kt = kernels();
    std::lock_guard<std::mutex> lock(packMutex);
    if (!packs || packs->table != &kt) packs = buildPacks(kt);
    return packs;
  }

  void repack() {
    auto fresh = buildPacks(kernels());
    std::lock_guard<std::mutex> lock(packMutex);
    packs = std::move(fresh);
  }

  // ---- tape layout ----
  struct TapeLayout {
    size_t xs = 0, hs = 0, cs = 0, sv = 0, work = 0, dx = 0, stepBuf = 0;  // floats per array
    size_t total = 0;
  };

  TapeLayout tapeLayout(int batch, int steps) const {
    requireKernel(batch >= 1, "batch must be >= 1, got " + std::to_string(batch));
    requireKernel(steps >= 1, "steps must be >= 1, got " + std::to_string(steps));
    const size_t rows = checkedProduct({static_cast<size_t>(batch), static_cast<size_t>(steps) + 1}, "batch * (steps + 1)");
    checkedInt(rows, "batch * (steps + 1)");
    checkedInt(checkedProduct({static_cast<size_t>(steps) + 1, static_cast<size_t>(Gw) * H}, "steps * gate width"),
               "(steps + 1) * gate width");
    TapeLayout t;
    t.xs = checkedProduct({rows, static_cast<size_t>(D)}, "tape input");
    t.hs = checkedProduct({rows, static_cast<size_t>(H)}, "tape states");
    t.cs = lstm() ? t.hs : 0;
    t.sv = checkedProduct({rows, static_cast<size_t>(S) * H}, "tape activations");
    t.work = checkedProduct({rows, static_cast<size_t>(Gw) * H}, "tape work");
    t.dx = L > 1 ? t.hs : 0;
    t.stepBuf = checkedProduct({static_cast<size_t>(batch), GH()}, "tape step buffer");
    const size_t perLayer = t.hs + t.cs + t.sv;
    t.total = t.xs;
    for (size_t part : {checkedProduct({perLayer, static_cast<size_t>(L)}, "tape"), t.work, t.dx, t.stepBuf}) {
      requireKernel(t.total <= std::numeric_limits<size_t>::max() - part, "tape size overflows size_t");
      t.total += part;
    }
    requireKernel(t.total <= std::numeric_limits<size_t>::max() / sizeof(float), "tape size overflows size_t");
    return t;
  }

  void forwardInference(const Packs& pk, const float* x, int batch, int steps, const float* h0, const float* c0,
                        float* y, float* hN, float* cN) const;
  void forwardTrain(const Packs& pk, const float* x, int batch, int steps, const float* h0, const float* c0, float* y,
                    float* hN, float* cN, TrainTape& tape) const;
  void backward(const TrainTape& tape, const float* dY, const float* dHN, const float* dCN, float* dX, float* dH0,
                float* dC0, float* dParams) const;
  // One timestep of layer `layer` for rows whose state lives in place at h/c (ld H).
  void stepLayer(const Packs& pk, int layer, int rows, const float* xp, size_t ldxp, int rowsPerXp, float* h, float* c,
                 float* hp, float* sv) const;
  // The recurrent product and fused cell pass of one timestep (shared by every driver).
  void cellStep(const Packs& pk, int layer, CellStepArgs a, bool zeroState, float* hp, size_t ldhp) const;
};

struct TrainTape {
  const void* owner = nullptr;  // the RecurrentStack::Impl that made it
  std::shared_ptr<const Packs> packs;
  int batch = 0, steps = 0;
  bool filled = false;
  std::unique_ptr<float[]> arena;
  size_t capacity = 0;
  float* xs = nullptr;
  std::vector<float*> hs, cs, sv;
  float* work = nullptr;
  float* dx = nullptr;
  float* stepBuf = nullptr;
};

void TrainTapeDeleter::operator()(TrainTape* t) const { delete t; }

void RecurrentStack::Impl::cellStep(const Packs& pk, int layer, CellStepArgs a, bool zeroState, float* hp,
                                    size_t ldhp) const {
  const KernelTable& kt = *pk.table;
  const LayerPack& lp = pk.layers[layer];
  const CellKernels& ck = *kt.cells;
  const int ldPrev = static_cast<int>(a.ldhPrev);
  a.bias = lp.bias.data();
  a.biasHn = lp.biasHn.empty() ? nullptr : lp.biasHn.data();
  if (zeroState) {
    a.hp = pk.zeros.data();
    a.ldhp = 0;
  } else {
    kt.gemmPacked(a.rows, a.hPrev, ldPrev, lp.hhNT.get(), hp, static_cast<int>(ldhp), false);
    a.hp = hp;
    a.ldhp = ldhp;
  }
  switch (cfg.cell) {
    case Cell::RnnTanh:
      ck.rnnTanhForward(a);
      break;
    case Cell::RnnRelu:
      ck.rnnReluForward(a);
      break;
    case Cell::Lstm:
      ck.lstmForward(a);
      break;
    case Cell::Gru:
      if (cfg.resetAfter) {
        ck.gruForward(a);
      } else {
        ck.gruResetBeforeGates(a);
        if (!zeroState) {
          kt.gemmPacked(a.rows, a.saved + 3 * H, static_cast<int>(a.ldSaved), lp.hnNT.get(), hp + 2 * H,
                        static_cast<int>(ldhp), false);
          a.hp = hp + 2 * H;
        }
        ck.gruResetBeforeOutput(a);
      }
      break;
  }
}

void RecurrentStack::Impl::forwardInference(const Packs& pk, const float* x, int batch, int steps, const float* h0,
                                            const float* c0, float* y, float* hN, float* cN) const {
  const KernelTable& kt = *pk.table;
  const size_t T = steps, gh = GH(), h = H;
  checkedInt(checkedProduct({T, gh}, "steps * gate width"), "steps * gate width");
  const int slice = sliceRowsFor(batch);
  const int tasks = (batch + slice - 1) / slice;
  const size_t svWidth = gruBefore() ? 4 * h : 0;
  parallelFor(tasks, [&](int task) {
    const int b0 = task * slice;
    const int bs = std::min(slice, batch - b0);
    const size_t nRows = static_cast<size_t>(bs) * T;
    // xp [bs*T][GH] | layer output [bs*T][H] | hp [bs][GH] | c [bs][H] | saved [bs][4H]
    float* xp = threadScratch(nRows * gh + nRows * h + bs * gh + bs * h + bs * svWidth);
    float* out = xp + nRows * gh;
    float* hp = out + nRows * h;
    float* c = hp + bs * gh;
    float* sv = c + bs * h;
    const int M = checkedInt(nRows, "slice rows * steps");
    for (int l = 0; l < L; ++l) {
      const LayerPack& lp = pk.layers[l];
      const size_t stateOff = (static_cast<size_t>(l) * batch + b0) * h;
      if (l == 0) {
        kt.gemmPacked(M, x + static_cast<size_t>(b0) * T * D, D, lp.ihNT.get(), xp, static_cast<int>(gh), false);
      } else {
        kt.gemmPacked(M, out, H, lp.ihNT.get(), xp, static_cast<int>(gh), false);
      }
      float* layerOut = (l == L - 1 && y) ? y + static_cast<size_t>(b0) * T * h : out;
      if (lstm()) {
        if (c0) copyRows(c0 + stateOff, h, c, h, bs, h);
        else zeroRows(c, bs, h, h);
      }
      for (size_t t = 0; t < T; ++t) {
        CellStepArgs a;
        a.rows = bs;
        a.hidden = H;
        a.xp = xp + t * gh;
        a.ldxp = T * gh;
        const bool zeroState = t == 0 && !h0;
        if (t == 0) {
          a.hPrev = h0 ? h0 + stateOff : pk.zeros.data();
          a.ldhPrev = h0 ? h : 0;
        } else {
          a.hPrev = layerOut + (t - 1) * h;
          a.ldhPrev = T * h;
        }
        a.hOut = layerOut + t * h;
        a.ldhOut = T * h;
        a.cPrev = a.cOut = c;
        a.ldcPrev = a.ldcOut = h;
        a.saved = gruBefore() ? sv : nullptr;
        a.ldSaved = svWidth;
        cellStep(pk, l, a, zeroState, hp, gh);
      }
      if (hN) copyRows(layerOut + (T - 1) * h, T * h, hN + stateOff, h, bs, h);
      if (cN && lstm()) copyRows(c, h, cN + stateOff, h, bs, h);
    }
  });
}

void RecurrentStack::Impl::forwardTrain(const Packs& pk, const float* x, int batch, int steps, const float* h0,
                                        const float* c0, float* y, float* hN, float* cN, TrainTape& tp) const {
  const KernelTable& kt = *pk.table;
  const size_t T = steps, Tp = T + 1, gh = GH(), h = H, svw = static_cast<size_t>(S) * H, ww = static_cast<size_t>(Gw) * H;
  const int slice = sliceRowsFor(batch);
  const int tasks = (batch + slice - 1) / slice;
  parallelFor(tasks, [&](int task) {
    const int b0 = task * slice;
    const int bs = std::min(slice, batch - b0);
    const size_t row0 = static_cast<size_t>(b0) * Tp;  // first (batch, time) row of the slice
    const int M = static_cast<int>(bs * Tp - 1);          // the slice's rows minus its last padding row
    float* xs = tp.xs + row0 * D;
    for (int b = 0; b < bs; ++b) {
      std::memcpy(xs + b * Tp * D, x + (b0 + b) * T * D, T * D * sizeof(float));
      std::memset(xs + (b * Tp + T) * D, 0, D * sizeof(float));
    }
    float* xp = tp.work + row0 * ww;  // dense [bs*Tp][GH] inside the slice's work rows
    float* hp = tp.stepBuf + static_cast<size_t>(b0) * gh;
    for (int l = 0; l < L; ++l) {
      const LayerPack& lp = pk.layers[l];
      const size_t stateOff = (static_cast<size_t>(l) * batch + b0) * h;
      float* hs = tp.hs[l] + row0 * h;
      float* cs = lstm() ? tp.cs[l] + row0 * h : nullptr;
      float* sv = S ? tp.sv[l] + row0 * svw : nullptr;
      if (l == 0) kt.gemmPacked(M, xs, D, lp.ihNT.get(), xp, static_cast<int>(gh), false);
      else kt.gemmPacked(M, tp.hs[l - 1] + row0 * h + h, H, lp.ihNT.get(), xp, static_cast<int>(gh), false);
      if (h0) copyRows(h0 + stateOff, h, hs, Tp * h, bs, h);
      else zeroRows(hs, bs, h, Tp * h);
      if (cs) {
        if (c0) copyRows(c0 + stateOff, h, cs, Tp * h, bs, h);
        else zeroRows(cs, bs, h, Tp * h);
      }
      if (sv) zeroRows(sv + T * svw, bs, svw, Tp * svw);
      for (size_t t = 0; t < T; ++t) {
        CellStepArgs a;
        a.rows = bs;
        a.hidden = H;
        a.xp = xp + t * gh;
        a.ldxp = Tp * gh;
        a.hPrev = hs + t * h;
        a.ldhPrev = Tp * h;
        a.hOut = hs + (t + 1) * h;
        a.ldhOut = Tp * h;
        if (cs) {
          a.cPrev = cs + t * h;
          a.cOut = cs + (t + 1) * h;
          a.ldcPrev = a.ldcOut = Tp * h;
        }
        a.saved = sv ? sv + t * svw : nullptr;
        a.ldSaved = Tp * svw;
        cellStep(pk, l, a, t == 0 && !h0, hp, gh);
      }
      if (hN) copyRows(hs + T * h, Tp * h, hN + stateOff, h, bs, h);
      if (cN && cs) copyRows(cs + T * h, Tp * h, cN + stateOff, h, bs, h);
      if (l == L - 1 && y) copyRows(hs + h, Tp * h, y + static_cast<size_t>(b0) * T * h, T * h, bs, T * h);
    }
  });
}

void RecurrentStack::Impl::backward(const TrainTape& tp, const float* dY, const float* dHN, const float* dCN,
                                    float* dX, float* dH0, float* dC0, float* dParams) const {
  const Packs& pk = *tp.packs;
  const KernelTable& kt = *pk.table;
  const CellKernels& ck = *kt.cells;
  const int batch = tp.batch;
  const size_t T = tp.steps, Tp = T + 1, gh = GH(), h = H, svw = static_cast<size_t>(S) * H,
               ww = static_cast<size_t>(Gw) * H;
  const int slice = sliceRowsFor(batch);
  const int tasks = (batch + slice - 1) / slice;
  const int Mall = static_cast<int>(static_cast<size_t>(batch) * Tp - 1);
  std::vector<float> biasSum(ww);

  for (int l = L - 1; l >= 0; --l) {
    const LayerPack& lp = pk.layers[l];
    // Phase 1: BPTT per slice, then the slice's gradient into the layer input.
    parallelFor(tasks, [&](int task) {
      const int b0 = task * slice;
      const int bs = std::min(slice, batch - b0);
      const size_t row0 = static_cast<size_t>(b0) * Tp;
      const size_t stateOff = (static_cast<size_t>(l) * batch + b0) * h;
      float* dG = tp.work + row0 * ww;
      const float* hs = tp.hs[l] + row0 * h;
      const float* cs = lstm() ? tp.cs[l] + row0 * h : nullptr;
      const float* sv = S ? tp.sv[l] + row0 * svw : nullptr;
      float* dh = tp.stepBuf + static_cast<size_t>(b0) * gh;
      float* aux = dh + h;  // lstm: dc; gru reset-before: drh
      // Upstream gradient into this layer's outputs: the caller's dY on top, else the layer above.
      const float* dyBase;
      size_t lddy, dyStep;
      if (l == L - 1) {
        dyBase = dY ? dY + static_cast<size_t>(b0) * T * h : pk.zeros.data();
        lddy = dY ? T * h : 0;
        dyStep = dY ? h : 0;
      } else {
        dyBase = tp.dx + row0 * h;
        lddy = Tp * h;
        dyStep = h;
      }
      if (dHN) copyRows(dHN + stateOff, h, dh, gh, bs, h);
      else zeroRows(dh, bs, h, gh);
      if (lstm()) {
        if (dCN) copyRows(dCN + stateOff, h, aux, gh, bs, h);
        else zeroRows(aux, bs, h, gh);
      }
      zeroRows(dG + T * ww, bs, ww, Tp * ww);
      const bool needDh0 = dH0 != nullptr;
      for (size_t tt = T; tt-- > 0;) {
        CellGradArgs g;
        g.rows = bs;
        g.hidden = H;
        g.dy = dyBase + tt * dyStep;
        g.lddy = lddy;
        g.dh = dh;
        g.lddh = gh;
        g.h = hs + (tt + 1) * h;
        g.ldh = Tp * h;
        g.hPrev = hs + tt * h;
        g.ldhPrev = Tp * h;
        if (cs) {
          g.dc = aux;
          g.lddc = gh;
          g.c = cs + (tt + 1) * h;
          g.cPrev = cs + tt * h;
          g.ldc = g.ldcPrev = Tp * h;
        }
        g.saved = sv ? sv + tt * svw : nullptr;
        g.ldSaved = Tp * svw;
        g.dG = dG + tt * ww;
        g.lddG = Tp * ww;
        const bool wantDh = tt > 0 || needDh0;
        const int lddG = static_cast<int>(Tp * ww);
        switch (cfg.cell) {
          case Cell::RnnTanh:
          case Cell::RnnRelu:
          case Cell::Lstm:
            if (cfg.cell == Cell::RnnTanh) ck.rnnTanhBackward(g);
            else if (cfg.cell == Cell::RnnRelu) ck.rnnReluBackward(g);
            else ck.lstmBackward(g);
            if (wantDh) kt.gemmPacked(bs, g.dG, lddG, lp.hhNN.get(), dh, static_cast<int>(gh), false);
            break;
          case Cell::Gru:
            if (cfg.resetAfter) {
              ck.gruBackward(g);
              if (wantDh) kt.gemmPacked(bs, g.dG + h, lddG, lp.hhNN.get(), dh, static_cast<int>(gh), true);
            } else {
              ck.gruResetBeforeBackwardOutput(g);
              kt.gemmPacked(bs, g.dG + 2 * h, lddG, lp.hnNN.get(), aux, static_cast<int>(gh), false);
              g.drh = aux;
              g.lddrh = gh;
              ck.gruResetBeforeBackwardGates(g);
              if (wantDh) kt.gemmPacked(bs, g.dG, lddG, lp.hhNN.get(), dh, static_cast<int>(gh), true);
            }
            break;
        }
      }
      if (dH0) copyRows(dh, gh, dH0 + stateOff, h, bs, h);
      if (dC0 && lstm()) copyRows(aux, gh, dC0 + stateOff, h, bs, h);
      if (l > 0) {
        kt.gemmPacked(static_cast<int>(bs * Tp - 1), dG, static_cast<int>(ww), lp.ihNN.get(), tp.dx + row0 * h, H, false);
      } else if (dX) {
        for (int b = 0; b < bs; ++b) {
          kt.gemmPacked(static_cast<int>(T), dG + b * Tp * ww, static_cast<int>(ww), lp.ihNN.get(),
                        dX + (static_cast<size_t>(b0) + b) * T * D, D, false);
        }
      }
    });

    // Phase 2: weight and bias gradients over all B*Tp - 1 rows, split by output rows.
    const int in = inSize(l);
    const float* xin = l == 0 ? tp.xs : tp.hs[l - 1] + h;
    float* dWih = dParams + layerOffset[l];
    float* dWhh = dWih + gh * in;
    float* dBih = dWhh + gh * h;
    float* dBhh = dBih + gh;
    struct TnJob {
      const float* a;   // [M][n] with stride lda
      int lda, n;
      const float* b;   // [M][k]
      int ldb, k;
      float* c;         // [n][k]
    };
    std::vector<TnJob> jobs;
    const int wwi = static_cast<int>(ww);
    const float* dG = tp.work;
    if (gruAfter()) {
      jobs.push_back({dG + h, wwi, 2 * H, xin, in, in, dWih});                         // r, z rows
      jobs.push_back({dG, wwi, H, xin, in, in, dWih + 2 * h * in});                      // n rows
      jobs.push_back({dG + h, wwi, 3 * H, tp.hs[l], H, H, dWhh});                       // [dr dz dnh]
    } else if (gruBefore()) {
      jobs.push_back({dG, wwi, 3 * H, xin, in, in, dWih});
      jobs.push_back({dG, wwi, 2 * H, tp.hs[l], H, H, dWhh});                           // r, z: h_prev
      jobs.push_back({dG + 2 * h, wwi, H, tp.sv[l] + 3 * h, static_cast<int>(svw), H, dWhh + 2 * h * h});  // n: r*h_prev
    } else {
      jobs.push_back({dG, wwi, G * H, xin, in, in, dWih});
      jobs.push_back({dG, wwi, G * H, tp.hs[l], H, H, dWhh});
    }
    struct Task {
      int job, row0, rows;
    };
    std::vector<Task> gradTasks;
    for (int j = 0; j < static_cast<int>(jobs.size()); ++j) {
      for (int r = 0; r < jobs[j].n; r += kGradRowBlock) gradTasks.push_back({j, r, std::min(kGradRowBlock, jobs[j].n - r)});
    }
    const int biasCols = static_cast<int>(ww);
    for (int col = 0; col < biasCols; col += kGradColBlock) {
      gradTasks.push_back({-1, col, std::min(kGradColBlock, biasCols - col)});
    }
    parallelFor(static_cast<int>(gradTasks.size()), [&](int i) {
      const Task& w = gradTasks[i];
      if (w.job < 0) {
        ck.sumRows(Mall, w.rows, dG + w.row0, ww, biasSum.data() + w.row0, false);
        return;
      }
      const TnJob& j = jobs[w.job];
      kt.gemmTN(Mall, w.rows, j.k, j.a + w.row0, j.lda, j.b, j.ldb, j.c + static_cast<size_t>(w.row0) * j.k, j.k, false);
    });
    if (gruAfter()) {
      // biasSum = [dn dr dz dnh]: b_ih gets [dr dz dn], b_hh gets [dr dz dnh].
      std::memcpy(dBih, biasSum.data() + h, 2 * h * sizeof(float));
      std::memcpy(dBih + 2 * h, biasSum.data(), h * sizeof(float));
      std::memcpy(dBhh, biasSum.data() + h, 3 * h * sizeof(float));
    } else {
      std::memcpy(dBih, biasSum.data(), gh * sizeof(float));
      std::memcpy(dBhh, biasSum.data(), gh * sizeof(float));
    }
  }
}

void RecurrentStack::Impl::stepLayer(const Packs& pk, int layer, int rows, const float* xp, size_t ldxp,
                                     int rowsPerXp, float* h, float* c, float* hp, float* sv) const {
  CellStepArgs a;
  a.rows = rows;
  a.hidden = H;
  a.xp = xp;
  a.ldxp = ldxp;
  a.rowsPerXp = rowsPerXp;
  a.hPrev = a.hOut = h;
  a.ldhPrev = a.ldhOut = H;
  a.cPrev = a.cOut = c;
  a.ldcPrev = a.ldcOut = H;
  a.saved = sv;
  a.ldSaved = sv ? 4 * static_cast<size_t>(H) : 0;
  cellStep(pk, layer, a, false, hp, GH());
}

// ---- public API ----

RecurrentStack::RecurrentStack(const StackConfig& cfg) : cfg_(cfg), impl_(std::make_unique<Impl>(cfg)) {}
RecurrentStack::~RecurrentStack() = default;

size_t RecurrentStack::paramCount() const { return impl_->params.size(); }
const float* RecurrentStack::params() const { return impl_->params.data(); }

void RecurrentStack::setParams(const float* flat, size_t n) {
  requireKernel(flat != nullptr, "setParams: parameters must not be null");
  requireKernel(n == impl_->params.size(), "setParams: expected " + std::to_string(impl_->params.size()) +
                                               " parameters, got " + std::to_string(n));
  std::memcpy(impl_->params.data(), flat, n * sizeof(float));
  impl_->repack();
}

void RecurrentStack::setParam(size_t offset, const float* values, size_t n) {
  const size_t total = impl_->params.size();
  requireKernel(values != nullptr || n == 0, "setParam: values must not be null");
  requireKernel(offset <= total && n <= total - offset,
                "setParam: " + std::to_string(n) + " values at offset " + std::to_string(offset) +
                    " run past the end of the " + std::to_string(total) + " parameters");
  if (n) std::memcpy(impl_->params.data() + offset, values, n * sizeof(float));
  impl_->repack();
}

size_t RecurrentStack::tapeBytes(int batch, int steps) const {
  return impl_->tapeLayout(batch, steps).total * sizeof(float);
}

TrainTapePtr RecurrentStack::makeTape() const {
  TrainTapePtr t(new TrainTape);
  t->owner = impl_.get();
  return t;
}

void RecurrentStack::forward(const float* x, int batch, int steps, const float* h0, const float* c0, float* y,
                             float* hN, float* cN, TrainTape* tape) const {
  requireKernel(x != nullptr, "forward: x must not be null");
  const Impl::TapeLayout layout = impl_->tapeLayout(batch, steps);  // validates batch and steps
  DenormalGuard ftz;
  std::shared_ptr<const Packs> pk = impl_->currentPacks();
  if (!tape) {
    impl_->forwardInference(*pk, x, batch, steps, h0, c0, y, hN, cN);
    return;
  }
  requireKernel(tape->owner == impl_.get(), "forward: the tape was made by a different RecurrentStack");
  tape->filled = false;
  if (tape->capacity < layout.total) {
    tape->arena.reset();
    tape->arena.reset(new float[layout.total]);
    tape->capacity = layout.total;
  }
  float* p = tape->arena.get();
  auto take = [&p](size_t n) {
    float* r = p;
    p += n;
    return r;
  };
  const int L = impl_->L;
  tape->xs = take(layout.xs);
  tape->hs.assign(L, nullptr);
  tape->cs.assign(L, nullptr);
  tape->sv.assign(L, nullptr);
  for (int l = 0; l < L; ++l) {
    tape->hs[l] = take(layout.hs);
    if (layout.cs) tape->cs[l] = take(layout.cs);
    if (layout.sv) tape->sv[l] = take(layout.sv);
  }
  tape->work = take(layout.work);
  tape->dx = layout.dx ? take(layout.dx) : nullptr;
  tape->stepBuf = take(layout.stepBuf);
  tape->batch = batch;
  tape->steps = steps;
  tape->packs = pk;
  impl_->forwardTrain(*pk, x, batch, steps, h0, c0, y, hN, cN, *tape);
  tape->filled = true;
}

void RecurrentStack::backward(const TrainTape& tape, const float* dY, const float* dHN, const float* dCN, float* dX,
                              float* dH0, float* dC0, float* dParams) const {
  requireKernel(tape.owner == impl_.get(), "backward: the tape was made by a different RecurrentStack");
  requireKernel(tape.filled, "backward: the tape holds no forward pass (call forward with this tape first)");
  requireKernel(dParams != nullptr, "backward: dParams must not be null");
  DenormalGuard ftz;
  impl_->backward(tape, dY, dHN, dCN, dX, dH0, dC0, dParams);
}

void RecurrentStack::step(const float* x, int batch, int rowsPerInput, float* h, float* c, float* y) const {
  Impl& m = *impl_;
  requireKernel(x != nullptr && h != nullptr, "step: x and h must not be null");
  requireKernel(!m.lstm() || c != nullptr, "step: c must not be null for an lstm stack");
  requireKernel(batch >= 1, "step: batch must be >= 1, got " + std::to_string(batch));
  requireKernel(rowsPerInput >= 1 && batch % rowsPerInput == 0,
                "step: rowsPerInput must be >= 1 and divide batch (" + std::to_string(batch) + "), got " +
                    std::to_string(rowsPerInput));
  DenormalGuard ftz;
  std::shared_ptr<const Packs> pk = m.currentPacks();
  const KernelTable& kt = *pk->table;
  const size_t gh = m.GH(), hh = m.H;
  const size_t rows = static_cast<size_t>(batch);
  if (m.stepXp.size() < rows * gh) {
    m.stepXp.resize(rows * gh);
    m.stepHp.resize(rows * gh);
    if (m.gruBefore()) m.stepSv.resize(rows * 4 * hh);
  }
  // Slices start on input-group boundaries so a slice's rows map to its own input rows.
  const int groupRows = std::max(rowsPerInput, (sliceRowsFor(batch) / rowsPerInput) * rowsPerInput);
  const int tasks = (batch + groupRows - 1) / groupRows;
  struct Ctx {
    const Impl* m;
    const Packs* pk;
    const KernelTable* kt;
    const float* x;
    int batch, rowsPerInput, groupRows;
    float *h, *c;
  } ctx{&m, pk.get(), &kt, x, batch, rowsPerInput, groupRows, h, c};
  auto run = [&ctx](int task) {
    const Impl& m = *ctx.m;
    const size_t gh = m.GH(), hh = m.H;
    const int r0 = task * ctx.groupRows;
    const int rows = std::min(ctx.groupRows, ctx.batch - r0);
    float* xp = m.stepXp.data() + r0 * gh;
    float* hp = m.stepHp.data() + r0 * gh;
    float* sv = m.gruBefore() ? m.stepSv.data() + r0 * 4 * hh : nullptr;
    for (int l = 0; l < m.L; ++l) {
      const LayerPack& lp = ctx.pk->layers[l];
      float* hl = ctx.h + (static_cast<size_t>(l) * ctx.batch + r0) * hh;
      float* cl = ctx.c ? ctx.c + (static_cast<size_t>(l) * ctx.batch + r0) * hh : nullptr;
      int perXp = 1;
      if (l == 0) {
        const int inputs = rows / ctx.rowsPerInput;
        ctx.kt->gemmPacked(inputs, ctx.x + static_cast<size_t>(r0 / ctx.rowsPerInput) * m.D, m.D, lp.ihNT.get(), xp,
                           static_cast<int>(gh), false);
        perXp = ctx.rowsPerInput;
      } else {
        ctx.kt->gemmPacked(rows, hl - static_cast<size_t>(ctx.batch) * hh, m.H, lp.ihNT.get(), xp,
                           static_cast<int>(gh), false);
      }
      m.stepLayer(*ctx.pk, l, rows, xp, gh, perXp, hl, cl, hp, sv);
    }
  };
  if (tasks == 1) run(0);
  else parallelFor(tasks, run);
  if (y) std::memcpy(y, h + static_cast<size_t>(m.L - 1) * batch * hh, rows * hh * sizeof(float));
}

}  // namespace rnnad

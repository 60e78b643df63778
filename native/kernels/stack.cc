// RecurrentStack: the flat PyTorch-layout parameters, their packed kernel form, and the
// sequence forward / BPTT / single-step drivers around the per-ISA GEMM and cell kernels.
//
// Work split: the batch is cut into slices whose size depends only on the batch (never on the
// thread count). In forward, one parallelFor task runs every layer of one slice: one GEMM for
// the input projection of all its timesteps (inference: of a chunk of timesteps, carried through
// every layer before the next chunk, so the projection is still in cache when read), then the
// time loop (a recurrent GEMM and one fused cell pass per step) - no barrier at all. Backward
// runs, per layer, the BPTT loops per slice,
// then the weight gradients split by output rows. Every row's result depends only on that row
// (GEMM contract in internal.h) and weight gradients are summed over slices and timesteps in
// one fixed order, so every result is bitwise identical for any number of threads.
//
// Training tape (float32; B batch rows, T steps, H hidden, D input, G gate blocks). Every
// per-step array is slice-major and, inside a slice of bs rows, time-major: [T][bs][width], so
// one timestep of a slice is a contiguous block that the per-step GEMMs and passes stream
// through, and the slice's whole history stays together in cache.
//   xs        T   x D       the input
//   hs[l]     T+1 x H       block 0 = h0, block t+1 = h_t: block t is the state entering step t
//   cs[l]     T+1 x H       lstm cell states, same convention
//   sv[l]     T   x S*H     saved activations (cell_kernels.h); S = 0 rnn, 4 gru and lstm
//   work      T   x Gw*H    input projection in forward, gate gradients dG in backward
//                           (Gw = 4 gru reset-after and lstm, 3 gru reset-before, 1 rnn)
//   dx        T   x H       gradient into a layer's input from the layer above (layers > 1)
//   stepBuf   1   x G*H     per-step recurrent products and running gradients
//   dgSum     1   x Gw*H    forwardRepeated only: layer 0's dG summed over the steps (and xs
//                           is then 1 x D)
// ("T x W" = T blocks of W floats per batch row). Inside a slice the weight gradients are
// single GEMMs over its T*bs rows: dW_hh = dG^T hs[l] pairs step t with the state entering it
// and dW_ih = dG^T (xs, or hs[l-1] one block later) with x_t.
#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api.h"
#include "buffers.h"
#include "cell_kernels.h"
#include "internal.h"

namespace rnnad {
namespace {

using PackedGemm = decltype(KernelTable::gemmPacked);

// Weight-gradient tasks: at most this many rows of a gradient matrix each, and small enough
// that a layer's jobs make at least kMinGradTasks tasks: the jobs differ several-fold in cost
// (an input of 8 or 16 columns beside a state of 64), so a few large tasks leave one thread
// with most of the work (W3: 3 tasks per layer, 2 threads, 1.58x).
constexpr int kGradRowBlock = 512;
constexpr int kMinGradTasks = 8;
// Inference runs each slice through time in chunks whose input projection stays this small
// (floats; 512 KiB), so it is still in cache when the time loop reads it.
constexpr size_t kChunkProjectionFloats = size_t{128} << 10;

size_t checkedProduct(std::initializer_list<size_t> factors, const char* what) {
  size_t p = 1;
  for (size_t f : factors) {
    if (f != 0 && p > std::numeric_limits<size_t>::max() / f)
      throw KernelError(std::string(what) + " overflows size_t");
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

int blocks(size_t n, size_t block) { return static_cast<int>((n + block - 1) / block); }

// The batch cut into slices of `rows` rows (the last one may be shorter). Larger slices reuse
// each recurrent weight panel over more rows per step; smaller ones balance better. A function
// of the batch only, never of the thread count.
struct Slices {
  int batch, rows, count;
  explicit Slices(int b) : batch(b), rows(std::min(b, 16)), count(blocks(b, rows)) {}
  int first(int s) const { return s * rows; }
  int size(int s) const { return std::min(rows, batch - s * rows); }
  // Slice s of a slice-major array holding `blocksPerRow` blocks of `width` floats per batch row.
  template <class F>
  F* of(F* base, int s, size_t blocksPerRow, size_t width) const {
    return base + static_cast<size_t>(first(s)) * blocksPerRow * width;
  }
  // task(s) for every slice; a single slice runs on the calling thread.
  template <class Task>
  void run(Task&& task) const {
    if (count == 1)
      task(0);
    else
      parallelFor(count, task);
  }
};

void zeroRows(float* p, int rows, size_t width, size_t ld) {
  for (int r = 0; r < rows; ++r) std::memset(p + r * ld, 0, width * sizeof(float));
}

void copyRows(const float* src, size_t lds, float* dst, size_t ldd, int rows, size_t width) {
  for (int r = 0; r < rows; ++r) std::memcpy(dst + r * ldd, src + r * lds, width * sizeof(float));
}

// Batch-major rows (b0 + j, t0 + t) of x [B][T][D] into time-major [tc][bs][D].
void gatherTimeMajor(const float* x, size_t T, size_t D, int b0, int bs, size_t t0, size_t tc, float* out) {
  for (size_t t = 0; t < tc; ++t) {
    for (int j = 0; j < bs; ++j) {
      std::memcpy(out + (t * bs + j) * D, x + ((b0 + j) * T + t0 + t) * D, D * sizeof(float));
    }
  }
}

// Per-thread scratch for inference, grown on demand and kept for the thread's life (bounded by
// one slice and one time chunk).
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

struct LayerPack {
  PackedWeightsPtr ihNT;  // x * W_ih^T
  PackedWeightsPtr hhNT;  // h * W_hh^T; gru reset-before: the r, z rows only
  PackedWeightsPtr hnNT;  // gru reset-before: (r*h) * W_hn^T
  PackedWeightsPtr ihNN;  // dG * W_ih; gru reset-after: rows in n, r, z order (dG layout)
  PackedWeightsPtr hhNN;  // dG * W_hh; gru reset-before: the r, z rows only
  PackedWeightsPtr hnNN;  // gru reset-before: dn * W_hn
  Buffer<float> bias;     // fused, see CellStepArgs::bias
  Buffer<float> biasHn;   // gru reset-after
};

// Packed weights of one parameter version for one ISA table (they only work with that table).
struct Packs {
  const KernelTable* table = nullptr;
  std::vector<LayerPack> layers;
  Buffer<float> zeros;  // 4H zeros, read with stride 0
};

// ---- BPTT steps, one per cell ----
// Each runs one timestep of one slice of bs rows, backwards: the cell's pointwise pass writes
// dG for step t (CellGradArgs) and the pointwise part of the gradient into h_{t-1}; then, when
// the caller wants dh_{t-1} (every step but the first, unless dH0 is requested), a GEMM adds the
// recurrent part dG * W_hh. Shapes per slice: dG [bs][Gw*H] (row stride lddG), dh and aux
// [bs][H] (row stride lddh).
struct BpttStep {
  const KernelTable& kt;
  const LayerPack& lp;
  int rows;    // bs
  int lddG;    // Gw * H
  float* dh;   // gradient into h_t on entry, into h_{t-1} on exit
  float* aux;  // lstm: dc; gru reset-before: d(r * h_prev)
  int lddh;    // G * H (dh and aux live in the slice's step buffer)
};
using BpttStepFn = void (*)(const BpttStep&, CellGradArgs&, bool wantDh);

// rnn: dG = [da]; h_{t-1} reaches h_t only through W_hh, so dh_{t-1} = da * W_hh [bs][H].
void rnnTanhBpttStep(const BpttStep& st, CellGradArgs& g, bool wantDh) {
  st.kt.cells->rnnTanhBackward(g);
  if (wantDh) st.kt.gemmPacked(st.rows, g.dG, st.lddG, st.lp.hhNN.get(), st.dh, st.lddh, false);
}

void rnnReluBpttStep(const BpttStep& st, CellGradArgs& g, bool wantDh) {
  st.kt.cells->rnnReluBackward(g);
  if (wantDh) st.kt.gemmPacked(st.rows, g.dG, st.lddG, st.lp.hhNN.get(), st.dh, st.lddh, false);
}

// lstm: dG = [di df dg do] [bs][4H], dc_{t-1} complete in aux; dh_{t-1} = dG * W_hh.
void lstmBpttStep(const BpttStep& st, CellGradArgs& g, bool wantDh) {
  st.kt.cells->lstmBackward(g);
  if (wantDh) st.kt.gemmPacked(st.rows, g.dG, st.lddG, st.lp.hhNN.get(), st.dh, st.lddh, false);
}

// gru reset-after: dG = [dn dr dz dnh] [bs][4H]; dh_{t-1} = (pointwise z part, written by the
// cell) + [dr dz dnh] [bs][3H] * W_hh.
void gruResetAfterBpttStep(const BpttStep& st, CellGradArgs& g, bool wantDh) {
  st.kt.cells->gruBackward(g);
  const size_t h = g.hidden;
  if (wantDh) st.kt.gemmPacked(st.rows, g.dG + h, st.lddG, st.lp.hhNN.get(), st.dh, st.lddh, true);
}

// gru reset-before: dG = [dr dz dn] [bs][3H]. dn is needed first: aux = d(r * h_prev) =
// dn [bs][H] * W_hn, from which the second pass gets dr; then dh_{t-1} += [dr dz] [bs][2H] * W_hh
// (the r, z rows).
void gruResetBeforeBpttStep(const BpttStep& st, CellGradArgs& g, bool wantDh) {
  const CellKernels& ck = *st.kt.cells;
  const size_t h = g.hidden;
  ck.gruResetBeforeBackwardOutput(g);
  st.kt.gemmPacked(st.rows, g.dG + 2 * h, st.lddG, st.lp.hnNN.get(), st.aux, st.lddh, false);
  g.drh = st.aux;
  g.lddrh = static_cast<size_t>(st.lddh);
  ck.gruResetBeforeBackwardGates(g);
  if (wantDh) st.kt.gemmPacked(st.rows, g.dG, st.lddG, st.lp.hhNN.get(), st.dh, st.lddh, true);
}

BpttStepFn bpttStepFor(const StackConfig& c) {
  switch (c.cell) {
    case Cell::RnnTanh:
      return rnnTanhBpttStep;
    case Cell::RnnRelu:
      return rnnReluBpttStep;
    case Cell::Lstm:
      return lstmBpttStep;
    case Cell::Gru:
      return c.resetAfter ? gruResetAfterBpttStep : gruResetBeforeBpttStep;
  }
  throw KernelError("unknown cell");
}

}  // namespace

struct RecurrentStack::Impl {
  StackConfig cfg;
  int G = 1, H = 1, L = 1, D = 1;
  int S = 0;   // saved width in blocks of H
  int Gw = 1;  // work (xp / dG) width in blocks of H
  Buffer<float> params;
  std::vector<size_t> layerOffset;  // start of layer k in the flat buffer

  mutable std::mutex packMutex;
  mutable std::shared_ptr<const Packs> packs;  // guarded by packMutex

  // Single-step scratch (step() is not re-entrant per object).
  mutable Buffer<float> stepXp, stepHp, stepSv;
  // Consecutive steps walk the weight panels in alternating directions (see
  // KernelTable::gemmPackedDescending): weights too large for L1 then start in L1.
  mutable bool stepDescending = false;

  explicit Impl(const StackConfig& c) : cfg(c) {
    const size_t total = stackParamCount(c);  // validates the config
    G = gatesOf(c.cell);
    H = c.hiddenSize;
    L = c.layers;
    D = c.inputSize;
    const bool gru = c.cell == Cell::Gru, isLstm = c.cell == Cell::Lstm;
    S = (gru || isLstm) ? 4 : 0;
    Gw = isLstm ? 4 : gru ? (c.resetAfter ? 4 : 3) : 1;
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
    const size_t hh = static_cast<size_t>(H) * H;
    for (int k = 0; k < L; ++k) {
      LayerPack lp;
      const int in = inSize(k);
      lp.ihNT.reset(kt.packNT(wih(k), gh, in, in));
      if (gruBefore()) {
        lp.hhNT.reset(kt.packNT(whh(k), 2 * H, H, H));
        lp.hnNT.reset(kt.packNT(whh(k) + 2 * hh, H, H, H));
        lp.hhNN.reset(kt.packNN(whh(k), 2 * H, H, H));
        lp.hnNN.reset(kt.packNN(whh(k) + 2 * hh, H, H, H));
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

  void checkShape(int batch, int steps) const {
    if (batch < 1) throw KernelError("batch must be >= 1, got " + std::to_string(batch));
    if (steps < 1) throw KernelError("steps must be >= 1, got " + std::to_string(steps));
    // A slice's T+1 state blocks and the batch-major row stride T*max(D, H) are kernel ints.
    checkedInt(checkedProduct({static_cast<size_t>(steps) + 1, 16, static_cast<size_t>(std::max(D, H))}, "steps"),
               "(steps + 1) * 16 * max(inputSize, hiddenSize)");
  }

  // ---- tape layout ----
  struct TapeLayout {
    size_t xs = 0, hs = 0, cs = 0, sv = 0, work = 0, dx = 0, stepBuf = 0, dgSum = 0;  // floats per array
    size_t total = 0;
  };

  // repeated: the input is one row per batch row for every step (forwardRepeated).
  TapeLayout tapeLayout(int batch, int steps, bool repeated) const {
    checkShape(batch, steps);
    const size_t B = batch, T = steps;
    const size_t rows = checkedProduct({B, T}, "batch * steps"),
                 stateRows = checkedProduct({B, T + 1}, "batch * steps");
    TapeLayout t;
    t.xs = checkedProduct({repeated ? B : rows, static_cast<size_t>(D)}, "tape input");
    t.hs = checkedProduct({stateRows, static_cast<size_t>(H)}, "tape states");
    t.cs = lstm() ? t.hs : 0;
    t.sv = checkedProduct({rows, static_cast<size_t>(S) * H}, "tape activations");
    t.work = checkedProduct({rows, static_cast<size_t>(Gw) * H}, "tape work");
    t.dx = L > 1 ? checkedProduct({rows, static_cast<size_t>(H)}, "tape input gradient") : 0;
    t.stepBuf = checkedProduct({B, GH()}, "tape step buffer");
    t.dgSum = repeated ? checkedProduct({B, static_cast<size_t>(Gw) * H}, "tape gradient sums") : 0;
    const size_t perLayer = t.hs + t.cs + t.sv;
    t.total = t.xs;
    const size_t layers = checkedProduct({perLayer, static_cast<size_t>(L)}, "tape");
    for (size_t part : {layers, t.work, t.dx, t.stepBuf, t.dgSum}) {
      if (t.total > std::numeric_limits<size_t>::max() - part) throw KernelError("tape size overflows size_t");
      t.total += part;
    }
    if (t.total > std::numeric_limits<size_t>::max() / sizeof(float)) throw KernelError("tape size overflows size_t");
    return t;
  }

  // repeated: x is [batch][inputSize], the same input row at every step.
  void forwardTrain(const Packs& pk, const float* x, bool repeated, int batch, int steps, const float* h0,
                    const float* c0, float* y, float* hN, float* cN, TrainTape& tape) const;
  void forwardInference(const Packs& pk, const float* x, bool repeated, int batch, int steps, const float* h0,
                        const float* c0, float* y, float* hN, float* cN) const;
  // Argument checks, tape setup, then one of the two above.
  void runForward(const float* x, bool repeated, int batch, int steps, const float* h0, const float* c0, float* y,
                  float* hN, float* cN, TrainTape* tape) const;
  void backward(const TrainTape& tape, const float* dY, const float* dHN, const float* dCN, float* dX, float* dH0,
                float* dC0, float* dParams) const;
  // backward's two phases for layer l: BPTT through one slice s (its bias gradient summed into
  // biasPart [Gw*H]), then the layer's weight and bias gradients over every slice.
  void backwardSlice(const TrainTape& tape, int l, const Slices& sl, int s, BpttStepFn bpttStep, const float* dY,
                     const float* dHN, const float* dCN, float* dX, float* dH0, float* dC0, float* biasPart) const;
  void layerWeightGradients(const TrainTape& tape, int l, const Slices& sl, const std::vector<float>& biasParts,
                            std::vector<float>& biasSum, float* dParams) const;
  // The recurrent product and fused cell pass of one timestep (shared by every driver); gemm is
  // the table's gemmPacked or gemmPackedDescending.
  void cellStep(const Packs& pk, int layer, CellStepArgs a, bool zeroState, float* hp, size_t ldhp,
                PackedGemm gemm) const;
};

struct TrainTape {
  const void* owner = nullptr;  // the RecurrentStack::Impl that made it
  std::shared_ptr<const Packs> packs;
  int batch = 0, steps = 0;
  bool repeated = false;  // filled by forwardRepeated
  bool filled = false;
  Buffer<float> arena;
  float* xs = nullptr;
  std::vector<float*> hs, cs, sv;
  float* work = nullptr;
  float* dx = nullptr;
  float* stepBuf = nullptr;
  float* dgSum = nullptr;  // repeated input: layer 0's dG summed over the steps, [B][Gw*H]
};

void TrainTapeDeleter::operator()(TrainTape* t) const { delete t; }

void RecurrentStack::Impl::cellStep(const Packs& pk, int layer, CellStepArgs a, bool zeroState, float* hp, size_t ldhp,
                                    PackedGemm gemm) const {
  const KernelTable& kt = *pk.table;
  const LayerPack& lp = pk.layers[layer];
  const CellKernels& ck = *kt.cells;
  a.bias = lp.bias.data();
  a.biasHn = lp.biasHn.empty() ? nullptr : lp.biasHn.data();
  if (zeroState) {
    a.hp = pk.zeros.data();
    a.ldhp = 0;
  } else {
    gemm(a.rows, a.hPrev, static_cast<int>(a.ldhPrev), lp.hhNT.get(), hp, static_cast<int>(ldhp), false);
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
          gemm(a.rows, a.saved + 3 * H, static_cast<int>(a.ldSaved), lp.hnNT.get(), hp + 2 * H, static_cast<int>(ldhp),
               false);
          a.hp = hp + 2 * H;
        }
        ck.gruResetBeforeOutput(a);
      }
      break;
  }
}

void RecurrentStack::Impl::forwardTrain(const Packs& pk, const float* x, bool repeated, int batch, int steps,
                                        const float* h0, const float* c0, float* y, float* hN, float* cN,
                                        TrainTape& tp) const {
  const KernelTable& kt = *pk.table;
  const size_t B = batch, T = steps, Tp = T + 1, gh = GH(), h = H, svw = static_cast<size_t>(S) * H,
               ww = static_cast<size_t>(Gw) * H;
  const Slices sl(batch);
  sl.run([&](int s) {
    const int b0 = sl.first(s), bs = sl.size(s);
    const size_t blockH = bs * h;  // one timestep of the slice's states
    float* xs = sl.of(tp.xs, s, repeated ? 1 : T, D);
    float* xp = sl.of(tp.work, s, T, ww);  // used as [T][bs][G*H]
    float* hp = tp.stepBuf + b0 * gh;
    const int M = static_cast<int>(T * bs);
    if (repeated)
      std::memcpy(xs, x + b0 * D, bs * D * sizeof(float));
    else
      gatherTimeMajor(x, T, D, b0, bs, 0, T, xs);
    for (int l = 0; l < L; ++l) {
      const LayerPack& lp = pk.layers[l];
      const size_t stateOff = (l * B + b0) * h;
      float* hs = sl.of(tp.hs[l], s, Tp, h);
      float* cs = lstm() ? sl.of(tp.cs[l], s, Tp, h) : nullptr;
      float* sv = S ? sl.of(tp.sv[l], s, T, svw) : nullptr;
      const bool once = l == 0 && repeated;  // one projection row per batch row, read at every step
      if (l == 0)
        kt.gemmPacked(once ? bs : M, xs, D, lp.ihNT.get(), xp, static_cast<int>(gh), false);
      else
        kt.gemmPacked(M, sl.of(tp.hs[l - 1], s, Tp, h) + blockH, H, lp.ihNT.get(), xp, static_cast<int>(gh), false);
      if (h0)
        copyRows(h0 + stateOff, h, hs, h, bs, h);
      else
        zeroRows(hs, bs, h, h);
      if (cs) {
        if (c0)
          copyRows(c0 + stateOff, h, cs, h, bs, h);
        else
          zeroRows(cs, bs, h, h);
      }
      for (size_t t = 0; t < T; ++t) {
        CellStepArgs a;
        a.rows = bs;
        a.hidden = H;
        a.xp = once ? xp : xp + t * bs * gh;
        a.ldxp = gh;
        a.hPrev = hs + t * blockH;
        a.hOut = hs + (t + 1) * blockH;
        a.ldhPrev = a.ldhOut = h;
        if (cs) {
          a.cPrev = cs + t * blockH;
          a.cOut = cs + (t + 1) * blockH;
          a.ldcPrev = a.ldcOut = h;
        }
        if (sv) {
          a.saved = sv + t * bs * svw;
          a.ldSaved = svw;
        }
        cellStep(pk, l, a, t == 0 && !h0, hp, gh, kt.gemmPacked);
      }
      if (hN) copyRows(hs + T * blockH, h, hN + stateOff, h, bs, h);
      if (cN && cs) copyRows(cs + T * blockH, h, cN + stateOff, h, bs, h);
      if (l == L - 1 && y) {
        for (size_t t = 0; t < T; ++t) copyRows(hs + (t + 1) * blockH, h, y + (b0 * T + t) * h, T * h, bs, h);
      }
    }
  });
}

void RecurrentStack::Impl::forwardInference(const Packs& pk, const float* x, bool repeated, int batch, int steps,
                                            const float* h0, const float* c0, float* y, float* hN, float* cN) const {
  const KernelTable& kt = *pk.table;
  const size_t B = batch, T = steps, gh = GH(), h = H;
  const Slices sl(batch);
  const size_t maxRows = sl.rows;
  const size_t chunk = std::min(T, std::max<size_t>(1, kChunkProjectionFloats / (maxRows * gh)));
  sl.run([&](int s) {
    const int b0 = sl.first(s), bs = sl.size(s);
    const size_t blockH = bs * h;
    // xs [chunk][bs][D] | xp [chunk][bs][G*H] | two layer outputs [chunk][bs][H] | carried h and
    // c [L][bs][H] | hp [bs][G*H] | gates [bs][4H] | a repeated input's projection [bs][G*H]
    // Sized for a full slice, so every thread's buffer settles at one size for a given shape.
    const size_t chunkRows = chunk * bs;
    const size_t fullRows = chunk * maxRows, fullBlockH = maxRows * h;
    float* xs = threadScratch(fullRows * (D + gh + 2 * h) + 2 * L * fullBlockH + 2 * maxRows * gh + 4 * fullBlockH);
    float* xp = xs + chunkRows * D;
    float* outs[2] = {xp + chunkRows * gh, xp + chunkRows * (gh + h)};
    float* carryH = outs[1] + chunkRows * h;
    float* carryC = carryH + L * blockH;
    float* hp = carryC + L * blockH;
    float* gates = hp + bs * gh;
    float* xpOnce = gates + 4 * blockH;
    if (repeated) {
      std::memcpy(xs, x + b0 * D, bs * D * sizeof(float));
      kt.gemmPacked(bs, xs, D, pk.layers[0].ihNT.get(), xpOnce, static_cast<int>(gh), false);
    }
    for (int l = 0; l < L; ++l) {
      const size_t stateOff = (l * B + b0) * h;
      if (h0)
        copyRows(h0 + stateOff, h, carryH + l * blockH, h, bs, h);
      else
        zeroRows(carryH + l * blockH, bs, h, h);
      if (lstm()) {
        if (c0)
          copyRows(c0 + stateOff, h, carryC + l * blockH, h, bs, h);
        else
          zeroRows(carryC + l * blockH, bs, h, h);
      }
    }
    // Chunks of time, each carried through every layer before the next (a wavefront).
    for (size_t t0 = 0; t0 < T; t0 += chunk) {
      const size_t tc = std::min(chunk, T - t0);
      if (!repeated) gatherTimeMajor(x, T, D, b0, bs, t0, tc, xs);
      const float* in = xs;
      for (int l = 0; l < L; ++l) {
        const LayerPack& lp = pk.layers[l];
        const bool once = l == 0 && repeated;
        if (!once) {
          kt.gemmPacked(static_cast<int>(tc * bs), in, inSize(l), lp.ihNT.get(), xp, static_cast<int>(gh), false);
        }
        // Output row (t, j): the caller's y (top layer), else this layer's chunk buffer.
        float* outBase;
        size_t outT, outJ;
        if (l == L - 1 && y) {
          outBase = y + (b0 * T + t0) * h;
          outT = h;
          outJ = T * h;
        } else {
          outBase = outs[l % 2];
          outT = blockH;
          outJ = h;
        }
        float* hCarry = carryH + l * blockH;
        for (size_t t = 0; t < tc; ++t) {
          CellStepArgs a;
          a.rows = bs;
          a.hidden = H;
          a.xp = once ? xpOnce : xp + t * bs * gh;
          a.ldxp = gh;
          a.hPrev = t == 0 ? hCarry : outBase + (t - 1) * outT;
          a.ldhPrev = t == 0 ? h : outJ;
          a.hOut = outBase + t * outT;
          a.ldhOut = outJ;
          a.cPrev = a.cOut = carryC + l * blockH;
          a.ldcPrev = a.ldcOut = h;
          if (gruBefore()) {
            a.saved = gates;
            a.ldSaved = 4 * h;
          }
          cellStep(pk, l, a, t0 + t == 0 && !h0, hp, gh, kt.gemmPacked);
        }
        copyRows(outBase + (tc - 1) * outT, outJ, hCarry, h, bs, h);
        in = outBase;
      }
    }
    for (int l = 0; l < L; ++l) {
      const size_t stateOff = (l * B + b0) * h;
      if (hN) copyRows(carryH + l * blockH, h, hN + stateOff, h, bs, h);
      if (cN && lstm()) copyRows(carryC + l * blockH, h, cN + stateOff, h, bs, h);
    }
  });
}

void RecurrentStack::Impl::backwardSlice(const TrainTape& tp, int l, const Slices& sl, int s, BpttStepFn bpttStep,
                                         const float* dY, const float* dHN, const float* dCN, float* dX, float* dH0,
                                         float* dC0, float* biasPart) const {
  const Packs& pk = *tp.packs;
  const KernelTable& kt = *pk.table;
  const CellKernels& ck = *kt.cells;
  const LayerPack& lp = pk.layers[l];
  const size_t B = tp.batch, T = tp.steps, Tp = T + 1, gh = GH(), h = H, svw = static_cast<size_t>(S) * H,
               ww = static_cast<size_t>(Gw) * H;
  const int wwi = static_cast<int>(ww);
  const int b0 = sl.first(s), bs = sl.size(s);
  const size_t blockH = bs * h, stateOff = (l * B + b0) * h;
  const float* hs = sl.of(tp.hs[l], s, Tp, h);
  const float* cs = lstm() ? sl.of(tp.cs[l], s, Tp, h) : nullptr;
  const float* sv = S ? sl.of(tp.sv[l], s, T, svw) : nullptr;
  float* dG = sl.of(tp.work, s, T, ww);
  float* dx = l > 0 ? sl.of(tp.dx, s, T, h) : nullptr;
  float* dh = tp.stepBuf + b0 * gh;
  float* aux = dh + h;
  const BpttStep step{kt, lp, bs, wwi, dh, aux, static_cast<int>(gh)};
  // Upstream gradient into output row (t, j): the layer above's dx, the caller's dY
  // (batch-major), or zeros.
  const float* dyBase;
  size_t dyT, dyJ;
  if (l < L - 1) {
    dyBase = sl.of(tp.dx, s, T, h);
    dyT = blockH;
    dyJ = h;
  } else if (dY) {
    dyBase = dY + b0 * T * h;
    dyT = h;
    dyJ = T * h;
  } else {
    dyBase = pk.zeros.data();
    dyT = dyJ = 0;
  }
  if (dHN)
    copyRows(dHN + stateOff, h, dh, gh, bs, h);
  else
    zeroRows(dh, bs, h, gh);
  if (lstm()) {
    if (dCN)
      copyRows(dCN + stateOff, h, aux, gh, bs, h);
    else
      zeroRows(aux, bs, h, gh);
  }
  for (size_t t = T; t-- > 0;) {
    CellGradArgs g;
    g.rows = bs;
    g.hidden = H;
    g.dy = dyBase + t * dyT;
    g.lddy = dyJ;
    g.dh = dh;
    g.lddh = gh;
    g.h = hs + (t + 1) * blockH;
    g.hPrev = hs + t * blockH;
    g.ldh = g.ldhPrev = h;
    if (cs) {
      g.dc = aux;
      g.lddc = gh;
      g.c = cs + (t + 1) * blockH;
      g.cPrev = cs + t * blockH;
      g.ldc = g.ldcPrev = h;
    }
    g.saved = sv ? sv + t * bs * svw : nullptr;
    g.ldSaved = svw;
    g.dG = dG + t * bs * ww;
    g.lddG = ww;
    bpttStep(step, g, t > 0 || dH0);
    ck.sumRows(bs, wwi, g.dG, ww, biasPart, t + 1 < T);
  }
  if (dH0) copyRows(dh, gh, dH0 + stateOff, h, bs, h);
  if (dC0 && lstm()) copyRows(aux, gh, dC0 + stateOff, h, bs, h);
  // The slice's gradient into the layer input: the layer below's upstream gradient (dx,
  // overwriting what this layer just consumed) or the caller's dX.
  if (dx) {
    kt.gemmPacked(static_cast<int>(T * bs), dG, wwi, lp.ihNN.get(), dx, H, false);
  } else if (tp.repeated) {
    // One input row feeds every step: its gradients see dG summed over the steps.
    float* sum = tp.dgSum + b0 * ww;
    ck.sumRows(static_cast<int>(T), static_cast<int>(bs * ww), dG, bs * ww, sum, false);
    if (dX) kt.gemmPacked(bs, sum, wwi, lp.ihNN.get(), dX + b0 * D, D, false);
  } else if (dX) {
    // Batch-major dX: row j's timesteps are every bs-th row of dG.
    for (int j = 0; j < bs; ++j) {
      kt.gemmPacked(static_cast<int>(T), dG + j * ww, static_cast<int>(bs * ww), lp.ihNN.get(), dX + (b0 + j) * T * D,
                    D, false);
    }
  }
}

void RecurrentStack::Impl::layerWeightGradients(const TrainTape& tp, int l, const Slices& sl,
                                                const std::vector<float>& biasParts, std::vector<float>& biasSum,
                                                float* dParams) const {
  const KernelTable& kt = *tp.packs->table;
  const size_t T = tp.steps, Tp = T + 1, gh = GH(), h = H, svw = static_cast<size_t>(S) * H,
               ww = static_cast<size_t>(Gw) * H;
  const int wwi = static_cast<int>(ww);
  const int in = inSize(l);
  float* dWih = dParams + layerOffset[l];
  float* dWhh = dWih + gh * in;
  float* dBih = dWhh + gh * h;
  float* dBhh = dBih + gh;
  enum Source { Input, State, ResetState };  // the right-hand operand, per slice
  struct TnJob {
    size_t aCol;  // first dG column
    int n;        // rows of C
    Source b;
    int k;  // columns of C
    float* c;
  };
  std::vector<TnJob> jobs;
  if (gruAfter()) {
    jobs.push_back({h, 2 * H, Input, in, dWih});           // r, z rows from [dr dz]
    jobs.push_back({0, H, Input, in, dWih + 2 * h * in});  // n rows from dn
    jobs.push_back({h, 3 * H, State, H, dWhh});            // from [dr dz dnh]
  } else if (gruBefore()) {
    jobs.push_back({0, 3 * H, Input, in, dWih});
    jobs.push_back({0, 2 * H, State, H, dWhh});                   // r, z: the state h_prev
    jobs.push_back({2 * h, H, ResetState, H, dWhh + 2 * h * h});  // n: r * h_prev
  } else {
    jobs.push_back({0, G * H, Input, in, dWih});
    jobs.push_back({0, G * H, State, H, dWhh});
  }
  struct Task {
    int job, first, count;
  };
  std::vector<Task> work;
  int jobRows = 0;
  for (const TnJob& j : jobs) jobRows += j.n;
  // A multiple of 8 rows (the gemmTN row tile); the split never changes a value.
  const int rowBlock = std::min(kGradRowBlock, std::max(8, jobRows / kMinGradTasks / 8 * 8));
  for (int j = 0; j < static_cast<int>(jobs.size()); ++j) {
    for (int r = 0; r < jobs[j].n; r += rowBlock) work.push_back({j, r, std::min(rowBlock, jobs[j].n - r)});
  }
  parallelFor(static_cast<int>(work.size()), [&](int i) {
    const Task& w = work[i];
    for (int s = 0; s < sl.count; ++s) {
      const int bs = sl.size(s);
      const int M = static_cast<int>(T * bs);
      const float* dG = sl.of(tp.work, s, T, ww);
      const TnJob& j = jobs[w.job];
      const bool summed = j.b == Input && l == 0 && tp.repeated;  // rows = batch rows, not steps
      const float* b = sl.of(tp.hs[l], s, Tp, h);                 // State
      int ldb = H;
      if (j.b == Input) {
        b = l == 0 ? sl.of(tp.xs, s, tp.repeated ? 1 : T, D) : sl.of(tp.hs[l - 1], s, Tp, h) + bs * h;
        ldb = in;
      } else if (j.b == ResetState) {
        b = sl.of(tp.sv[l], s, T, svw) + 3 * h;
        ldb = static_cast<int>(svw);
      }
      const float* a = summed ? tp.dgSum + sl.first(s) * ww : dG;
      kt.gemmTN(summed ? bs : M, w.count, j.k, a + j.aCol + w.first, wwi, b, ldb,
                j.c + static_cast<size_t>(w.first) * j.k, j.k, s > 0);
    }
  });
  kt.cells->sumRows(sl.count, wwi, biasParts.data(), ww, biasSum.data(), false);
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

void RecurrentStack::Impl::backward(const TrainTape& tp, const float* dY, const float* dHN, const float* dCN, float* dX,
                                    float* dH0, float* dC0, float* dParams) const {
  const size_t ww = static_cast<size_t>(Gw) * H;
  const Slices sl(tp.batch);
  const BpttStepFn bpttStep = bpttStepFor(cfg);
  // Bias gradients: per slice, summed over its steps while dG is still in cache.
  std::vector<float> biasParts(sl.count * ww), biasSum(ww);
  for (int l = L - 1; l >= 0; --l) {
    // (A) BPTT per slice, then the slice's gradient into the layer input.
    sl.run(
        [&](int s) { backwardSlice(tp, l, sl, s, bpttStep, dY, dHN, dCN, dX, dH0, dC0, biasParts.data() + s * ww); });
    // (B) Weight and bias gradients: each task owns some output rows (or bias columns) and sums
    // them over the slices in order, and within a slice over its rows in order.
    layerWeightGradients(tp, l, sl, biasParts, biasSum, dParams);
  }
}

// ---- public API ----

RecurrentStack::RecurrentStack(const StackConfig& cfg) : cfg_(cfg), impl_(std::make_unique<Impl>(cfg)) {}
RecurrentStack::~RecurrentStack() = default;

size_t RecurrentStack::paramCount() const { return impl_->params.size(); }
const float* RecurrentStack::params() const { return impl_->params.data(); }

void RecurrentStack::setParams(const float* flat, size_t n) {
  if (!flat) throw KernelError("setParams: parameters must not be null");
  if (n != impl_->params.size())
    throw KernelError("setParams: expected " + std::to_string(impl_->params.size()) + " parameters, got " +
                      std::to_string(n));
  std::memcpy(impl_->params.data(), flat, n * sizeof(float));
  impl_->repack();
}

void RecurrentStack::setParam(size_t offset, const float* values, size_t n) {
  const size_t total = impl_->params.size();
  if (!values && n != 0) throw KernelError("setParam: values must not be null");
  if (offset > total || n > total - offset)
    throw KernelError("setParam: " + std::to_string(n) + " values at offset " + std::to_string(offset) +
                      " run past the end of the " + std::to_string(total) + " parameters");
  if (n) std::memcpy(impl_->params.data() + offset, values, n * sizeof(float));
  impl_->repack();
}

size_t RecurrentStack::tapeBytes(int batch, int steps) const {
  return impl_->tapeLayout(batch, steps, false).total * sizeof(float);
}

TrainTapePtr RecurrentStack::makeTape() const {
  TrainTapePtr t(new TrainTape);
  t->owner = impl_.get();
  return t;
}

void RecurrentStack::Impl::runForward(const float* x, bool repeated, int batch, int steps, const float* h0,
                                      const float* c0, float* y, float* hN, float* cN, TrainTape* tape) const {
  if (!x) throw KernelError("forward: x must not be null");
  DenormalGuard ftz;
  if (!tape) {
    checkShape(batch, steps);
    forwardInference(*currentPacks(), x, repeated, batch, steps, h0, c0, y, hN, cN);
    return;
  }
  if (tape->owner != this) throw KernelError("forward: the tape was made by a different RecurrentStack");
  const TapeLayout layout = tapeLayout(batch, steps, repeated);  // validates batch and steps
  std::shared_ptr<const Packs> pk = currentPacks();
  tape->filled = false;
  if (tape->arena.size() < layout.total) {
    Buffer<float>().swap(tape->arena);  // the old block goes before the larger one is taken
    tape->arena.resize(layout.total);
  }
  float* p = tape->arena.data();
  auto take = [&p](size_t n) {
    float* r = n ? p : nullptr;
    p += n;
    return r;
  };
  tape->xs = take(layout.xs);
  tape->hs.assign(L, nullptr);
  tape->cs.assign(L, nullptr);
  tape->sv.assign(L, nullptr);
  for (int l = 0; l < L; ++l) {
    tape->hs[l] = take(layout.hs);
    tape->cs[l] = take(layout.cs);
    tape->sv[l] = take(layout.sv);
  }
  tape->work = take(layout.work);
  tape->dx = take(layout.dx);
  tape->stepBuf = take(layout.stepBuf);
  tape->dgSum = take(layout.dgSum);
  tape->batch = batch;
  tape->steps = steps;
  tape->repeated = repeated;
  tape->packs = pk;
  forwardTrain(*pk, x, repeated, batch, steps, h0, c0, y, hN, cN, *tape);
  tape->filled = true;
}

void RecurrentStack::forward(const float* x, int batch, int steps, const float* h0, const float* c0, float* y,
                             float* hN, float* cN, TrainTape* tape) const {
  impl_->runForward(x, false, batch, steps, h0, c0, y, hN, cN, tape);
}

void RecurrentStack::forwardRepeated(const float* x, int batch, int steps, float* y, float* hN, TrainTape* tape) const {
  impl_->runForward(x, true, batch, steps, nullptr, nullptr, y, hN, nullptr, tape);
}

void RecurrentStack::backward(const TrainTape& tape, const float* dY, const float* dHN, const float* dCN, float* dX,
                              float* dH0, float* dC0, float* dParams) const {
  if (tape.owner != impl_.get()) throw KernelError("backward: the tape was made by a different RecurrentStack");
  if (!tape.filled) throw KernelError("backward: the tape holds no forward pass (call forward with this tape first)");
  if (!dParams) throw KernelError("backward: dParams must not be null");
  DenormalGuard ftz;
  impl_->backward(tape, dY, dHN, dCN, dX, dH0, dC0, dParams);
}

void RecurrentStack::step(const float* x, int batch, int rowsPerInput, float* h, float* c, float* y) const {
  Impl& m = *impl_;
  if (!x || !h) throw KernelError("step: x and h must not be null");
  if (m.lstm() && !c) throw KernelError("step: c must not be null for an lstm stack");
  if (batch < 1) throw KernelError("step: batch must be >= 1, got " + std::to_string(batch));
  if (rowsPerInput < 1 || batch % rowsPerInput != 0)
    throw KernelError("step: rowsPerInput must be >= 1 and divide batch (" + std::to_string(batch) + "), got " +
                      std::to_string(rowsPerInput));
  DenormalGuard ftz;
  std::shared_ptr<const Packs> pk = m.currentPacks();
  const KernelTable& kt = *pk->table;
  const size_t gh = m.GH(), hh = m.H;
  const size_t batchRows = static_cast<size_t>(batch);
  if (m.stepXp.size() < batchRows * gh) {
    m.stepXp.resize(batchRows * gh);
    m.stepHp.resize(batchRows * gh);
    if (m.gruBefore()) m.stepSv.resize(batchRows * 4 * hh);
  }
  // Slices start on input-group boundaries so a slice's rows map to its own input rows.
  const int groupRows = std::max(rowsPerInput, (Slices(batch).rows / rowsPerInput) * rowsPerInput);
  const PackedGemm gemm = m.stepDescending ? kt.gemmPackedDescending : kt.gemmPacked;
  m.stepDescending = !m.stepDescending;
  auto run = [&](int task) {
    const int r0 = task * groupRows;
    const int rows = std::min(groupRows, batch - r0);
    float* xp = m.stepXp.data() + r0 * gh;
    float* hp = m.stepHp.data() + r0 * gh;
    float* sv = m.gruBefore() ? m.stepSv.data() + r0 * 4 * hh : nullptr;
    for (int l = 0; l < m.L; ++l) {
      const LayerPack& lp = pk->layers[l];
      float* hl = h + (static_cast<size_t>(l) * batch + r0) * hh;
      float* cl = c ? c + (static_cast<size_t>(l) * batch + r0) * hh : nullptr;
      CellStepArgs a;
      a.rows = rows;
      a.hidden = m.H;
      a.xp = xp;
      a.ldxp = gh;
      if (l == 0) {
        // Rows that share an input row share its projection.
        gemm(rows / rowsPerInput, x + static_cast<size_t>(r0 / rowsPerInput) * m.D, m.D, lp.ihNT.get(), xp,
             static_cast<int>(gh), false);
        a.rowsPerXp = rowsPerInput;
      } else {
        gemm(rows, hl - batchRows * hh, m.H, lp.ihNT.get(), xp, static_cast<int>(gh), false);
      }
      a.hPrev = a.hOut = hl;
      a.ldhPrev = a.ldhOut = hh;
      a.cPrev = a.cOut = cl;
      a.ldcPrev = a.ldcOut = hh;
      a.saved = sv;
      a.ldSaved = sv ? 4 * hh : 0;
      m.cellStep(*pk, l, a, false, hp, gh, gemm);
    }
  };
  const int tasks = blocks(batchRows, static_cast<size_t>(groupRows));
  if (tasks == 1)
    run(0);
  else
    parallelFor(tasks, run);
  if (y) std::memcpy(y, h + static_cast<size_t>(m.L - 1) * batch * hh, batchRows * hh * sizeof(float));
}

}  // namespace rnnad

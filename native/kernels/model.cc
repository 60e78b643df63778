// AnomalyModel: a recurrent encoder, an optional recurrent decoder (reconstruct mode) and a
// dense head, with the loss, gradient, optimizer step and streaming drivers of api.h.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include "api.h"
#include "buffers.h"
#include "cell_kernels.h"
#include "dropout.h"
#include "heads.h"
#include "internal.h"

namespace rnnad {
namespace {

int checkedRows(size_t rows, const char* what) {
  if (rows > static_cast<size_t>(std::numeric_limits<int>::max()))
    throw KernelError(std::string(what) + " (" + std::to_string(rows) + " rows) exceeds the kernels' int range");
  return static_cast<int>(rows);
}

const ModelConfig& validated(const ModelConfig& c) {
  const int mode = static_cast<int>(c.mode);
  if (mode != 0 && mode != 1)
    throw KernelError("model config: mode must be 0 (forecast) or 1 (reconstruct), got " + std::to_string(mode));
  if (c.outputSize < 1) throw KernelError("model config: outputSize must be >= 1, got " + std::to_string(c.outputSize));
  if (c.mode == ModelMode::Reconstruct && c.outputSize != c.stack.inputSize)
    throw KernelError("model config: outputSize must equal inputSize (" + std::to_string(c.stack.inputSize) +
                      ") in reconstruct mode, got " + std::to_string(c.outputSize));
  const int head = static_cast<int>(c.head);
  if (head != 0 && head != 1)
    throw KernelError("model config: head must be 0 (point) or 1 (gaussian), got " + std::to_string(head));
  if (!(c.varianceFloor >= 0.f) || !std::isfinite(c.varianceFloor))
    throw KernelError("model config: varianceFloor must be finite and >= 0, got " + std::to_string(c.varianceFloor));
  if (!(c.inputDropout >= 0.f && c.inputDropout < 1.f) || !(c.dropout >= 0.f && c.dropout < 1.f))
    throw KernelError("model config: inputDropout and dropout must be in [0, 1), got " +
                      std::to_string(c.inputDropout) + " and " + std::to_string(c.dropout));
  if (c.mode == ModelMode::Reconstruct && (c.head != HeadKind::Point || c.inputDropout > 0.f || c.dropout > 0.f))
    throw KernelError("model config: the Gaussian head and dropout are forecast-mode options");
  const uint64_t headSize = static_cast<uint64_t>(c.outputSize) * (c.head == HeadKind::Gaussian ? 2 : 1) *
                            static_cast<uint64_t>(std::max(c.stack.hiddenSize, 1));
  if (headSize > static_cast<uint64_t>(std::numeric_limits<int>::max()))
    throw KernelError("model config: outputSize * hiddenSize exceeds 2^31 - 1");
  return c;
}

StackConfig decoderConfig(const StackConfig& enc) {
  StackConfig d = enc;
  d.inputSize = enc.hiddenSize;  // the encoder's final state is the decoder's input at every step
  return d;
}

}  // namespace

struct AnomalyModel::Impl {
  ModelConfig cfg;
  RecurrentStack enc;
  std::unique_ptr<RecurrentStack> dec;
  std::unique_ptr<DropoutStack> dropped;  // training with dropout: the encoder layer by layer
  int H, L, D, O;
  int HO;  // head rows: O, or 2 * O for the Gaussian head
  size_t encCount = 0, decCount = 0, headW = 0, headB = 0, total = 0;
  Buffer<float> params, grads, m, v;
  int64_t step = 0;
  TrainTapePtr encTape, decTape;
  // Gradient scratch, reused across calls.
  Buffer<float> hN, pred, dPred, dHN, yDec, dYDec;
  Buffer<float> inputMask, layerMasks, headMask, headIn;
  mutable std::mutex streamMutex;

  explicit Impl(const ModelConfig& c)
      : cfg(validated(c)),
        enc(c.stack),
        H(c.stack.hiddenSize),
        L(c.stack.layers),
        D(c.stack.inputSize),
        O(c.outputSize),
        HO(c.head == HeadKind::Gaussian ? 2 * c.outputSize : c.outputSize) {
    encCount = enc.paramCount();
    if (dropoutOn()) dropped = std::make_unique<DropoutStack>(c.stack);
    if (reconstruct()) {
      dec = std::make_unique<RecurrentStack>(decoderConfig(c.stack));
      decCount = dec->paramCount();
    }
    headW = encCount + decCount;
    headB = headW + static_cast<size_t>(HO) * H;
    total = headB + HO;
    params.assign(total, 0.f);
    grads.assign(total, 0.f);
    m.assign(total, 0.f);
    v.assign(total, 0.f);
    encTape = enc.makeTape();
    if (dec) decTape = dec->makeTape();
  }

  bool reconstruct() const { return cfg.mode == ModelMode::Reconstruct; }
  bool gaussian() const { return cfg.head == HeadKind::Gaussian; }
  bool dropoutOn() const { return cfg.inputDropout > 0.f || cfg.dropout > 0.f; }
  const float* W() const { return params.data() + headW; }
  const float* b() const { return params.data() + headB; }
  size_t outLen(int steps) const { return reconstruct() ? static_cast<size_t>(steps) * D : static_cast<size_t>(HO); }

  // The head's weights packed once per parameter version for the active ISA (predict and
  // streaming call the head on few rows, where packing per call would dominate).
  struct HeadPack {
    const KernelTable* table;
    PackedWeightsPtr weight;
  };
  mutable std::mutex headMutex;
  mutable std::shared_ptr<const HeadPack> head;  // guarded by headMutex

  std::shared_ptr<const HeadPack> headPack() const {
    const KernelTable& kt = kernels();
    std::lock_guard<std::mutex> lock(headMutex);
    if (!head || head->table != &kt) {
      auto fresh = std::make_shared<HeadPack>();
      fresh->table = &kt;
      fresh->weight.reset(kt.packNT(W(), HO, H, H));
      head = std::move(fresh);
    }
    return head;
  }

  // out[n][HO] = in[n][H] W^T + b: the same arithmetic as denseForward, rows in fixed blocks.
  void headForward(const float* in, int n, float* out) const {
    const std::shared_ptr<const HeadPack> hp = headPack();
    const KernelTable& kt = *hp->table;
    constexpr int kRows = 256;
    auto rows = [&](int task) {
      const int r0 = task * kRows, count = std::min(kRows, n - r0);
      float* o = out + static_cast<size_t>(r0) * HO;
      kt.gemmPacked(count, in + static_cast<size_t>(r0) * H, H, hp->weight.get(), o, HO, false);
      kt.cells->addBias(count, HO, o, HO, b(), o, HO);
    };
    const int tasks = (n + kRows - 1) / kRows;
    if (tasks == 1)
      rows(0);
    else
      parallelFor(tasks, rows);
  }

  void pushParamsToStacks() {
    enc.setParams(params.data(), encCount);
    if (dec) dec->setParams(params.data() + encCount, decCount);
    if (dropped) dropped->setParams(params.data(), encCount);
    std::lock_guard<std::mutex> lock(headMutex);
    head.reset();
  }

  void checkBatch(const char* fn, const float* x, int batch, int steps) const {
    if (!x) throw KernelError(std::string(fn) + ": x must not be null");
    if (batch < 1) throw KernelError(std::string(fn) + ": batch must be >= 1, got " + std::to_string(batch));
    if (steps < 1) throw KernelError(std::string(fn) + ": steps must be >= 1, got " + std::to_string(steps));
    if (reconstruct()) checkedRows(static_cast<size_t>(batch) * steps, fn);
  }

  // Inference into out; scratch vectors are local so concurrent const calls are safe.
  void predict(const float* x, int batch, int steps, float* out) const {
    const size_t bh = static_cast<size_t>(batch) * H;
    std::vector<float> states(static_cast<size_t>(L) * bh);
    enc.forward(x, batch, steps, nullptr, nullptr, nullptr, states.data(), nullptr, nullptr);
    const float* top = states.data() + static_cast<size_t>(L - 1) * bh;
    if (!reconstruct()) {
      headForward(top, batch, out);
      return;
    }
    // Every step's decoder input is the encoder's final top-layer state.
    std::vector<float> decoded(static_cast<size_t>(batch) * steps * H);
    dec->forwardRepeated(top, batch, steps, decoded.data(), nullptr, nullptr);
    headForward(decoded.data(), batch * steps, out);
  }

  // The forecast loss of head outputs pred [batch][HO] against target [batch][O].
  double forecastLoss(const float* out, const float* target, int batch, float* dOut) const {
    if (gaussian()) return gaussianNll(out, target, batch, O, cfg.varianceFloor, dOut, nullptr);
    return mseLoss(out, target, static_cast<size_t>(batch) * O, dOut);
  }

  // The masks of the training step `step` (1-based), one per dropout site (dropout.h).
  void drawMasks(int batch, int steps, int64_t step) {
    const size_t rows = static_cast<size_t>(batch) * steps;
    const uint64_t seed = cfg.dropoutSeed;
    inputMask.resize(rows * D);
    dropoutMask(dropoutKey(seed, step, 0), cfg.inputDropout, inputMask.size(), inputMask.data());
    const size_t perLayer = rows * H;
    layerMasks.resize(static_cast<size_t>(L - 1) * perLayer);
    for (int l = 0; l + 1 < L; ++l)
      dropoutMask(dropoutKey(seed, step, l + 1), cfg.dropout, perLayer, layerMasks.data() + l * perLayer);
    headMask.resize(static_cast<size_t>(batch) * H);
    dropoutMask(dropoutKey(seed, step, L), cfg.dropout, headMask.size(), headMask.data());
  }

  // Forecast training with dropout: the masked encoder layer by layer, the masked final state
  // into the head.
  double droppedGradient(const float* x, const float* target, int batch, int steps, float* g) {
    const size_t bh = static_cast<size_t>(batch) * H;
    drawMasks(batch, steps, step + 1);
    hN.resize(static_cast<size_t>(L) * bh);
    dHN.assign(static_cast<size_t>(L) * bh, 0.f);
    dropped->forward(x, cfg.inputDropout > 0.f ? inputMask.data() : nullptr,
                     cfg.dropout > 0.f && L > 1 ? layerMasks.data() : nullptr, batch, steps, hN.data());
    const float* top = hN.data() + static_cast<size_t>(L - 1) * bh;
    float* dTop = dHN.data() + static_cast<size_t>(L - 1) * bh;
    headIn.resize(bh);
    applyMask(top, headMask.data(), bh, headIn.data());
    const size_t n = static_cast<size_t>(batch) * HO;
    pred.resize(n);
    dPred.resize(n);
    headForward(headIn.data(), batch, pred.data());
    const double loss = forecastLoss(pred.data(), target, batch, dPred.data());
    denseBackward(headIn.data(), dPred.data(), batch, H, W(), HO, dTop, g + headW, g + headB);
    applyMask(dTop, headMask.data(), bh, dTop);
    dropped->backward(dHN.data(), g);
    return loss;
  }

  double gradient(const float* x, const float* target, int batch, int steps, float* g) {
    if (dropped) return droppedGradient(x, target, batch, steps, g);
    const size_t bh = static_cast<size_t>(batch) * H;
    hN.resize(static_cast<size_t>(L) * bh);
    dHN.assign(static_cast<size_t>(L) * bh, 0.f);
    enc.forward(x, batch, steps, nullptr, nullptr, nullptr, hN.data(), nullptr, encTape.get());
    const float* top = hN.data() + static_cast<size_t>(L - 1) * bh;
    float* dTop = dHN.data() + static_cast<size_t>(L - 1) * bh;
    float* gHeadW = g + headW;
    float* gHeadB = g + headB;
    double loss;
    if (!reconstruct()) {
      const size_t n = static_cast<size_t>(batch) * HO;
      pred.resize(n);
      dPred.resize(n);
      headForward(top, batch, pred.data());
      loss = forecastLoss(pred.data(), target, batch, dPred.data());
      denseBackward(top, dPred.data(), batch, H, W(), HO, dTop, gHeadW, gHeadB);
    } else {
      const int rows = batch * steps;
      const size_t seq = static_cast<size_t>(rows) * H, n = static_cast<size_t>(rows) * D;
      yDec.resize(seq);
      dYDec.resize(seq);
      pred.resize(n);
      dPred.resize(n);
      dec->forwardRepeated(top, batch, steps, yDec.data(), nullptr, decTape.get());
      headForward(yDec.data(), rows, pred.data());
      loss = mseLoss(pred.data(), x, n, dPred.data());
      denseBackward(yDec.data(), dPred.data(), rows, H, W(), D, dYDec.data(), gHeadW, gHeadB);
      // The decoder's input gradient, summed over its steps, flows into the encoder's final state.
      dec->backward(*decTape, dYDec.data(), nullptr, nullptr, dTop, nullptr, nullptr, g + encCount);
    }
    enc.backward(*encTape, nullptr, dHN.data(), nullptr, nullptr, nullptr, nullptr, g);
    return loss;
  }
};

AnomalyModel::AnomalyModel(const ModelConfig& cfg) : impl_(std::make_unique<Impl>(cfg)) {}
AnomalyModel::~AnomalyModel() = default;

const ModelConfig& AnomalyModel::config() const { return impl_->cfg; }
size_t AnomalyModel::paramCount() const { return impl_->total; }
const float* AnomalyModel::params() const { return impl_->params.data(); }

void AnomalyModel::setParams(const float* flat, size_t n) {
  Impl& s = *impl_;
  if (!flat) throw KernelError("setParams: parameters must not be null");
  if (n != s.total)
    throw KernelError("setParams: expected " + std::to_string(s.total) + " parameters, got " + std::to_string(n));
  std::memcpy(s.params.data(), flat, n * sizeof(float));
  s.pushParamsToStacks();
}

std::vector<ParamSlot> AnomalyModel::paramSlots() const {
  const Impl& s = *impl_;
  std::vector<ParamSlot> slots;
  for (ParamSlot p : stackParamSlots(s.cfg.stack)) {
    p.name = "rnn." + p.name;
    slots.push_back(p);
  }
  if (s.dec) {
    for (ParamSlot p : stackParamSlots(s.dec->config())) {
      p.name = "decoder." + p.name;
      p.offset += s.encCount;
      slots.push_back(p);
    }
  }
  slots.push_back({"head.weight", s.headW, static_cast<size_t>(s.HO) * s.H, s.HO, s.H});
  slots.push_back({"head.bias", s.headB, static_cast<size_t>(s.HO), s.HO, 1});
  return slots;
}

size_t AnomalyModel::outputLength(int steps) const { return impl_->outLen(steps); }

void AnomalyModel::predict(const float* x, int batch, int steps, float* out) const {
  impl_->checkBatch("predict", x, batch, steps);
  if (!out) throw KernelError("predict: out must not be null");
  DenormalGuard ftz;
  impl_->predict(x, batch, steps, out);
}

double AnomalyModel::loss(const float* x, const float* target, int batch, int steps) const {
  const Impl& s = *impl_;
  s.checkBatch("loss", x, batch, steps);
  if (!s.reconstruct() && !target) throw KernelError("loss: target must not be null in forecast mode");
  const size_t n = static_cast<size_t>(batch) * s.outLen(steps);
  std::vector<float> pred(n);
  DenormalGuard ftz;
  s.predict(x, batch, steps, pred.data());
  if (!s.reconstruct()) return s.forecastLoss(pred.data(), target, batch, nullptr);
  return mseLoss(pred.data(), x, n, nullptr);
}

double AnomalyModel::gradient(const float* x, const float* target, int batch, int steps, float* grads) {
  Impl& s = *impl_;
  s.checkBatch("gradient", x, batch, steps);
  if (!s.reconstruct() && !target) throw KernelError("gradient: target must not be null in forecast mode");
  if (!grads) throw KernelError("gradient: grads must not be null");
  DenormalGuard ftz;
  return s.gradient(x, target, batch, steps, grads);
}

double AnomalyModel::trainStep(const float* x, const float* target, int batch, int steps, const TrainConfig& tc,
                               double* gradNorm) {
  Impl& s = *impl_;
  const int opt = static_cast<int>(tc.optimizer);
  if (opt != 0 && opt != 1)
    throw KernelError("trainStep: optimizer must be 0 (adam) or 1 (sgd), got " + std::to_string(opt));
  if (!(tc.adam.lr > 0)) throw KernelError("trainStep: lr must be > 0");
  if (!(tc.clipNorm >= 0)) throw KernelError("trainStep: clipNorm must be >= 0");
  if (!(tc.optimizer == Optimizer::Sgd || (tc.adam.eps > 0 && tc.adam.beta1 >= 0 && tc.adam.beta1 < 1 &&
                                           tc.adam.beta2 >= 0 && tc.adam.beta2 < 1 && tc.adam.weightDecay >= 0)))
    throw KernelError("trainStep: adam expects eps > 0, beta1 and beta2 in [0, 1), weightDecay >= 0");
  if (tc.optimizer == Optimizer::Sgd && !(tc.momentum >= 0 && tc.momentum < 1))
    throw KernelError("trainStep: momentum must be in [0, 1)");
  s.checkBatch("trainStep", x, batch, steps);
  if (!s.reconstruct() && !target) throw KernelError("trainStep: target must not be null in forecast mode");
  DenormalGuard ftz;
  const double loss = s.gradient(x, target, batch, steps, s.grads.data());
  const double norm = std::sqrt(sumOfSquares(s.grads.data(), s.total));
  if (gradNorm) *gradNorm = norm;
  // A non-finite loss or gradient would poison every parameter: leave them (and the optimizer
  // state) untouched and let the caller see the values.
  if (!std::isfinite(loss) || !std::isfinite(norm)) return loss;
  if (tc.clipNorm > 0) {
    // PyTorch clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is below 1.
    const double coef = static_cast<double>(tc.clipNorm) / (norm + 1e-6);
    if (coef < 1.0) scaleInPlace(s.grads.data(), s.total, static_cast<float>(coef));
  }
  s.step += 1;
  if (tc.optimizer == Optimizer::Adam) {
    adamUpdate(s.params.data(), s.grads.data(), s.m.data(), s.v.data(), s.total, tc.adam, s.step);
  } else {
    sgdUpdate(s.params.data(), s.grads.data(), s.m.data(), s.total, tc.adam.lr, tc.momentum);
  }
  s.pushParamsToStacks();
  return loss;
}

void AnomalyModel::resetOptimizer() {
  Impl& s = *impl_;
  std::fill(s.m.begin(), s.m.end(), 0.f);
  std::fill(s.v.begin(), s.v.end(), 0.f);
  s.step = 0;
}

int64_t AnomalyModel::optimizerStep() const { return impl_->step; }

void AnomalyModel::setOptimizerStep(int64_t step) {
  if (step < 0) throw KernelError("setOptimizerStep: step must be >= 0, got " + std::to_string(step));
  impl_->step = step;
}

std::vector<float> AnomalyModel::optimizerState() const {
  const Impl& s = *impl_;
  std::vector<float> state(2 * s.total);
  std::copy(s.m.begin(), s.m.end(), state.begin());
  std::copy(s.v.begin(), s.v.end(), state.begin() + s.total);
  return state;
}

void AnomalyModel::setOptimizerState(const float* state, size_t n) {
  Impl& s = *impl_;
  if (!state) throw KernelError("setOptimizerState: state must not be null");
  if (n != 2 * s.total)
    throw KernelError("setOptimizerState: expected " + std::to_string(2 * s.total) + " values, got " +
                      std::to_string(n));
  std::copy(state, state + s.total, s.m.begin());
  std::copy(state + s.total, state + n, s.v.begin());
}

// ---- streaming ----
//
// Row layout: stream s owns rows [s*steps, (s+1)*steps) of the state arrays; row s*steps + k
// carries the window that started at the stream's point p with p % steps == k. Before point p
// that row is reset; after point p the row (p + 1) % steps has seen exactly `steps` points.

struct AnomalyModel::Stream {
  int streams = 0, steps = 0;
  std::vector<int64_t> seen;
  Buffer<float> h, c;           // [layers][streams*steps][H]
  Buffer<float> subH, subC;     // the listed streams' rows when pushing to a subset
  std::vector<uint8_t> listed;  // duplicate-id check
  std::vector<int> readyAt;     // positions in the push with a completed window
  Buffer<float> headIn, headOut, decoded;
};

void AnomalyModel::StreamDeleter::operator()(Stream* s) const { delete s; }

AnomalyModel::StreamPtr AnomalyModel::makeStream(int streams, int steps) const {
  const Impl& s = *impl_;
  if (streams < 1) throw KernelError("makeStream: streams must be >= 1, got " + std::to_string(streams));
  if (steps < 1) throw KernelError("makeStream: steps must be >= 1, got " + std::to_string(steps));
  const size_t rows = static_cast<size_t>(streams) * steps;
  checkedRows(rows, "makeStream: streams * steps");
  if (rows > std::numeric_limits<size_t>::max() / (static_cast<size_t>(s.L) * s.H))
    throw KernelError("makeStream: stream state size overflows size_t");
  StreamPtr st(new Stream);
  st->streams = streams;
  st->steps = steps;
  st->seen.assign(streams, 0);
  st->h.assign(static_cast<size_t>(s.L) * rows * s.H, 0.f);
  if (s.cfg.stack.cell == Cell::Lstm) st->c.assign(st->h.size(), 0.f);
  st->listed.assign(streams, 0);
  return st;
}

void AnomalyModel::streamReset(Stream& st, int streamId) const {
  const Impl& s = *impl_;
  if (streamId < 0 || streamId >= st.streams)
    throw KernelError("streamReset: streamId must be in [0, " + std::to_string(st.streams - 1) + "], got " +
                      std::to_string(streamId));
  std::lock_guard<std::mutex> lock(s.streamMutex);
  const size_t rows = static_cast<size_t>(st.streams) * st.steps, span = static_cast<size_t>(st.steps) * s.H;
  for (int l = 0; l < s.L; ++l) {
    const size_t off = (l * rows + static_cast<size_t>(streamId) * st.steps) * s.H;
    std::fill(st.h.begin() + off, st.h.begin() + off + span, 0.f);
    if (!st.c.empty()) std::fill(st.c.begin() + off, st.c.begin() + off + span, 0.f);
  }
  st.seen[streamId] = 0;
}

void AnomalyModel::streamPush(Stream& st, const float* x, const int32_t* ids, int count, float* out,
                              uint8_t* ready) const {
  const Impl& s = *impl_;
  if (!x || !out || !ready) throw KernelError("streamPush: x, out and ready must not be null");
  if (ids ? (count < 1 || count > st.streams) : count != st.streams)
    throw KernelError("streamPush: count must be in [1, " + std::to_string(st.streams) +
                      "] with ids, or equal streams (" + std::to_string(st.streams) + ") without, got " +
                      std::to_string(count));
  std::lock_guard<std::mutex> lock(s.streamMutex);
  if (ids) {
    for (int i = 0; i < count; ++i) {
      if (ids[i] < 0 || ids[i] >= st.streams)
        throw KernelError("streamPush: ids[" + std::to_string(i) + "] must be in [0, " +
                          std::to_string(st.streams - 1) + "], got " + std::to_string(ids[i]));
      if (st.listed[ids[i]]) {
        for (int j = 0; j < i; ++j) st.listed[ids[j]] = 0;
        throw KernelError("streamPush: ids must not repeat a stream, " + std::to_string(ids[i]) + " appears twice");
      }
      st.listed[ids[i]] = 1;
    }
    for (int i = 0; i < count; ++i) st.listed[ids[i]] = 0;
  }
  DenormalGuard ftz;
  const int T = st.steps, H = s.H, L = s.L;
  const size_t rows = static_cast<size_t>(st.streams) * T;
  const size_t span = static_cast<size_t>(T) * H;
  auto idOf = [&](int i) { return ids ? ids[i] : i; };
  // A new window starts in the slot whose previous window completed at the last push.
  for (int i = 0; i < count; ++i) {
    const int sid = idOf(i);
    const size_t row = static_cast<size_t>(sid) * T + static_cast<size_t>(st.seen[sid] % T);
    for (int l = 0; l < L; ++l) {
      std::fill_n(st.h.data() + (l * rows + row) * H, H, 0.f);
      if (!st.c.empty()) std::fill_n(st.c.data() + (l * rows + row) * H, H, 0.f);
    }
  }
  const int batch = count * T;
  if (!ids) {
    s.enc.step(x, batch, T, st.h.data(), st.c.empty() ? nullptr : st.c.data(), nullptr);
  } else {
    const size_t sub = static_cast<size_t>(batch) * H;
    st.subH.resize(static_cast<size_t>(L) * sub);
    if (!st.c.empty()) st.subC.resize(st.subH.size());
    auto move = [&](bool gather) {
      for (int l = 0; l < L; ++l) {
        for (int i = 0; i < count; ++i) {
          const size_t full = (l * rows + static_cast<size_t>(idOf(i)) * T) * H;
          const size_t part = l * sub + static_cast<size_t>(i) * span;
          if (gather)
            std::copy_n(st.h.data() + full, span, st.subH.data() + part);
          else
            std::copy_n(st.subH.data() + part, span, st.h.data() + full);
          if (st.c.empty()) continue;
          if (gather)
            std::copy_n(st.c.data() + full, span, st.subC.data() + part);
          else
            std::copy_n(st.subC.data() + part, span, st.c.data() + full);
        }
      }
    };
    move(true);
    s.enc.step(x, batch, T, st.subH.data(), st.c.empty() ? nullptr : st.subC.data(), nullptr);
    move(false);
  }
  // Completed windows: the top layer's state of slot seen % steps after counting this point.
  st.readyAt.clear();
  st.headIn.resize(static_cast<size_t>(count) * H);
  for (int i = 0; i < count; ++i) {
    const int sid = idOf(i);
    st.seen[sid] += 1;
    ready[i] = st.seen[sid] >= T ? 1 : 0;
    if (!ready[i]) continue;
    const size_t row = static_cast<size_t>(sid) * T + static_cast<size_t>(st.seen[sid] % T);
    std::copy_n(st.h.data() + ((L - 1) * rows + row) * H, H, st.headIn.data() + st.readyAt.size() * H);
    st.readyAt.push_back(i);
  }
  const int nReady = static_cast<int>(st.readyAt.size());
  if (nReady == 0) return;
  const size_t outLen = s.outLen(T);
  st.headOut.resize(static_cast<size_t>(nReady) * outLen);
  if (!s.reconstruct()) {
    s.headForward(st.headIn.data(), nReady, st.headOut.data());
  } else {
    st.decoded.resize(static_cast<size_t>(nReady) * span);
    s.dec->forwardRepeated(st.headIn.data(), nReady, T, st.decoded.data(), nullptr, nullptr);
    s.headForward(st.decoded.data(), checkedRows(static_cast<size_t>(nReady) * T, "streamPush"), st.headOut.data());
  }
  for (int k = 0; k < nReady; ++k) {
    std::copy_n(st.headOut.data() + k * outLen, outLen, out + static_cast<size_t>(st.readyAt[k]) * outLen);
  }
}

}  // namespace rnnad

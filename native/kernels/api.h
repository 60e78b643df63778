// Public C++ API of the recurrent kernels. No Node dependency: the N-API binding, the native
// tests and the native benchmark all include only this header.
//
// Layouts (all float32, row-major, PyTorch conventions):
//   sequence input   x      [batch][steps][inputSize]           (batch-major)
//   sequence output  y      [batch][steps][hiddenSize]          (top layer)
//   states           h, c   [layers][batch][hiddenSize]
//   parameters: one flat buffer, per layer k in order
//       weight_ih_l{k} [G*H][in_k], weight_hh_l{k} [G*H][H], bias_ih_l{k} [G*H], bias_hh_l{k} [G*H]
//   where in_0 = inputSize, in_k = H for k > 0, G = 1 (rnn), 3 (gru: r,z,n), 4 (lstm: i,f,g,o).
//   Gradients use the same flat layout as the parameters.
//
// Errors: functions that can fail on bad arguments throw rnnad::KernelError (std::runtime_error)
// with a message naming the argument; the binding validates first, this is the second line.
// Allocation failures throw std::bad_alloc.
//
// Memory: every pointer argument is owned by the caller, must hold the documented number of
// floats, and is not retained after the call returns; outputs must not overlap inputs unless a
// comment allows it. Objects own their parameters, packed weights and scratch.
//
// Threads: const member functions of RecurrentStack and AnomalyModel may run concurrently on
// one object from several threads, except RecurrentStack::step (scratch in the object) and
// the stream calls on one Stream. A non-const call must not overlap any other call
// on the same object. A TrainTape or Stream serves one call at a time and only the object
// that made it. The kernels use their own
// thread pool (setThreads); results are bitwise the same for any thread count.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace rnnad {

struct KernelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Cell : int { RnnTanh = 0, RnnRelu = 1, Gru = 2, Lstm = 3 };

struct StackConfig {
  Cell cell = Cell::Gru;
  bool resetAfter = true;  // GRU only: true = PyTorch/cuDNN/ONNX form, false = tfjs/Keras reset_after=false
  int inputSize = 1;
  int hiddenSize = 1;
  int layers = 1;
};

int gatesOf(Cell cell);                      // 1, 3 or 4
size_t stackParamCount(const StackConfig&);  // length of the flat parameter buffer
// Offset and length of each named PyTorch tensor inside the flat buffer, in buffer order.
struct ParamSlot {
  std::string name;
  size_t offset;
  size_t length;
  int rows;
  int cols;
};
std::vector<ParamSlot> stackParamSlots(const StackConfig&);

// ---- ISA dispatch (simdjson/MLAS style: one table per instruction set, chosen once) ----
enum class Isa : int { Scalar = 0, Avx2 = 1, Avx512 = 2, Neon = 3 };
const char* isaName(Isa);
Isa activeIsa();                   // chosen at first use from cpuid, or RNN_ANOMALY_ISA
std::vector<Isa> supportedIsas();  // every path this CPU can run, scalar first
void forceIsa(Isa);                // throws KernelError if the CPU lacks it (tests and benchmarks)
// RNN_ANOMALY_ISA=scalar|avx2|avx512|neon (any case) picks the path at first use. The note says
// why the chosen path differs from the request (unknown name, or a path this CPU cannot run:
// the best supported one is used instead); empty when the variable is unset, empty or honoured.
std::string isaSelectionNote();

// ---- Threads ----
void setThreads(int n);  // n >= 1; default = hardware cores
int threads();

// Saved state of a forward pass that backward needs. Opaque; reusable across calls.
struct TrainTape;
struct TrainTapeDeleter {
  void operator()(TrainTape*) const;
};
using TrainTapePtr = std::unique_ptr<TrainTape, TrainTapeDeleter>;

class RecurrentStack {
 public:
  explicit RecurrentStack(const StackConfig&);  // throws KernelError on invalid config
  ~RecurrentStack();
  RecurrentStack(const RecurrentStack&) = delete;
  RecurrentStack& operator=(const RecurrentStack&) = delete;

  const StackConfig& config() const { return cfg_; }
  size_t paramCount() const;
  const float* params() const;                                  // flat PyTorch layout (master copy)
  void setParams(const float* flat, size_t n);                  // copies and repacks into the kernel layout
  void setParam(size_t offset, const float* values, size_t n);  // part of the flat buffer, then repack

  // Bytes the training tape holds for a given batch and steps (exposed to users).
  size_t tapeBytes(int batch, int steps) const;

  // Sequence forward. h0/c0 may be null (zeros). y, hN and cN (LSTM only) may be null (not
  // written). tape may be null (inference: only running states are kept); otherwise it is
  // filled for backward, which then uses the parameters of this forward call.
  void forward(const float* x, int batch, int steps, const float* h0, const float* c0, float* y, float* hN, float* cN,
               TrainTape* tape) const;

  // forward() from zero states for an input that is the same row at every step (the decoder of
  // a sequence autoencoder): x [batch][inputSize]. Its input projection runs once per row, not
  // once per step; outputs equal forward() on the repeated input. After it, backward's dX is
  // [batch][inputSize]: the gradient summed over the steps.
  void forwardRepeated(const float* x, int batch, int steps, float* y, float* hN, TrainTape* tape) const;

  // BPTT after forward(..., tape). dY [batch][steps][H] may be null (zero), dHN/dCN may be null.
  // Writes dX (may be null), dH0, dC0 (may be null), and dParams (flat, overwritten, not added).
  void backward(const TrainTape& tape, const float* dY, const float* dHN, const float* dCN, float* dX, float* dH0,
                float* dC0, float* dParams) const;

  // One timestep for `batch` independent rows. h/c [layers][batch][H] are read and updated in
  // place; y [batch][H] receives the top layer's new state (may be null). Row r reads input row
  // x[r / rowsPerInput] ([batch / rowsPerInput][inputSize]; batch % rowsPerInput == 0): rows that
  // share an input share one input projection (staggered windows of one stream). No heap
  // allocation after the first call with a given batch size; the scratch lives in the object,
  // so step is not re-entrant: one call at a time per object.
  void step(const float* x, int batch, int rowsPerInput, float* h, float* c, float* y) const;

  TrainTapePtr makeTape() const;

 private:
  struct Impl;
  StackConfig cfg_;
  std::unique_ptr<Impl> impl_;
};

// ---- Dense layer, losses, optimizers over flat buffers ----
// y[n][out] = x[n][in] * W^T + b, W [out][in] (PyTorch Linear).
void denseForward(const float* x, int n, int in, const float* W, const float* b, int out, float* y);
// dX (may be null) = dY W; dW = dY^T x; db = sum_n dY (dW/db overwritten).
void denseBackward(const float* x, const float* dY, int n, int in, const float* W, int out, float* dX, float* dW,
                   float* db);
// Mean squared error over count elements; writes d(loss)/d(pred) into dPred when not null.
double mseLoss(const float* pred, const float* target, size_t count, float* dPred);
double sumOfSquares(const float* v, size_t n);
void scaleInPlace(float* v, size_t n, float s);

struct AdamConfig {
  float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weightDecay = 0.f;
};
// PyTorch's Adam (bias-corrected). step is the 1-based step number after increment.
void adamUpdate(float* params, const float* grads, float* m, float* v, size_t n, const AdamConfig&, int64_t step);
// SGD with optional momentum (PyTorch convention: buf = mu*buf + g; p -= lr*buf).
void sgdUpdate(float* params, const float* grads, float* velocity, size_t n, float lr, float momentum);

// ---- Anomaly models: a recurrent stack plus a dense head, trained end to end ----
enum class ModelMode : int { Forecast = 0, Reconstruct = 1 };
enum class Optimizer : int { Adam = 0, Sgd = 1 };

struct ModelConfig {
  StackConfig stack;  // encoder; inputSize = features per step
  ModelMode mode = ModelMode::Forecast;
  int outputSize = 1;  // forecast: horizon * targets; reconstruct: must equal stack.inputSize
};

struct TrainConfig {
  Optimizer optimizer = Optimizer::Adam;
  AdamConfig adam;
  float momentum = 0.f;  // SGD
  float clipNorm = 0.f;  // global-norm clipping; 0 = off
};

// Forecast: y = head(top-layer output at the last step), [batch][outputSize].
// Reconstruct (sequence autoencoder, Keras "RepeatVector" form): encoder over the window, its
//   final top-layer state repeated as the decoder's input at every step, decoder stack of the
//   same cell/size/layers from zero state, head applied per step -> [batch][steps][inputSize].
// Flat parameters: encoder stack, then (reconstruct) decoder stack, then head.weight
//   [outputSize][H], head.bias [outputSize].
class AnomalyModel {
 public:
  explicit AnomalyModel(const ModelConfig&);
  ~AnomalyModel();
  const ModelConfig& config() const;
  size_t paramCount() const;
  const float* params() const;
  void setParams(const float* flat, size_t n);
  std::vector<ParamSlot> paramSlots() const;  // names "rnn.weight_ih_l0", "decoder.weight_ih_l0", "head.weight"...

  // Predictions: forecast [batch][outputSize]; reconstruct [batch][steps][inputSize].
  void predict(const float* x, int batch, int steps, float* out) const;
  // Loss (MSE over every output element) without updating.
  double loss(const float* x, const float* target, int batch, int steps) const;
  // Gradient of the loss into grads (flat, same layout as params); returns the loss.
  // target: forecast [batch][outputSize]; reconstruct: null (the target is x itself).
  double gradient(const float* x, const float* target, int batch, int steps, float* grads);
  // gradient + clipping + optimizer update; returns the loss before the update and the
  // gradient's global norm before clipping in *gradNorm (if not null). A non-finite loss or
  // norm leaves parameters, optimizer state and step untouched (the caller sees the values).
  double trainStep(const float* x, const float* target, int batch, int steps, const TrainConfig&, double* gradNorm);
  void resetOptimizer();
  int64_t optimizerStep() const;
  void setOptimizerStep(int64_t step);
  // Optimizer moments (Adam m then v, or SGD velocity then nothing) for saving/restoring; length
  // 2 * paramCount().
  std::vector<float> optimizerState() const;
  void setOptimizerState(const float* state, size_t n);

  // ---- Streaming ----
  // For each of `streams` streams, `steps` staggered windows are in flight (window j started j
  // points ago), each carried by the single-step kernel, so each push completes one window of
  // exactly `steps` points and its output equals predict() on that window.
  struct Stream;
  struct StreamDeleter {
    void operator()(Stream*) const;
  };
  using StreamPtr = std::unique_ptr<Stream, StreamDeleter>;
  StreamPtr makeStream(int streams, int steps) const;
  // Pushes one point into each listed stream (ids: `count` stream indices, or null = all streams
  // in order, count = streams). x [count][inputSize]. For each listed stream i, out + i*outLen
  // receives the output of the window completed by this point (forecast [outputSize];
  // reconstruct [steps][inputSize]) and ready[i] = 1 once the stream has seen `steps` points
  // (0 before, out then untouched). outLen = outputSize or steps*inputSize.
  void streamPush(Stream& s, const float* x, const int32_t* ids, int count, float* out, uint8_t* ready) const;
  void streamReset(Stream& s, int streamId) const;  // forget one stream's history

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Denormal floats flushed to zero for the life of the guard; the previous mode is restored.
class DenormalGuard {
 public:
  DenormalGuard();
  ~DenormalGuard();
  DenormalGuard(const DenormalGuard&) = delete;
  DenormalGuard& operator=(const DenormalGuard&) = delete;

 private:
  unsigned saved_;
};

}  // namespace rnnad

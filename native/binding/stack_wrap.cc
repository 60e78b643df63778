#include "stack_wrap.h"

#include "addon_data.h"
#include "args.h"
#include "guarded.h"
#include "js_errors.h"
#include "limits.h"
#include "model_wrap.h"
#include "stepper_wrap.h"

namespace rnnad_binding {

rnnad::StackConfig parseStackConfig(const Napi::Object& cfg, const char* what) {
  const std::string w(what);
  rnnad::StackConfig c;
  int cell = requireInt(cfg.Get("cell"), (w + ".cell").c_str(), 0, 3);
  c.cell = static_cast<rnnad::Cell>(cell);
  Napi::Value resetAfter = cfg.Get("resetAfter");
  c.resetAfter = resetAfter.IsUndefined() ? true : requireBool(resetAfter, (w + ".resetAfter").c_str());
  c.inputSize = requireInt(cfg.Get("inputSize"), (w + ".inputSize").c_str(), 1, kMaxFeatures);
  c.hiddenSize = requireInt(cfg.Get("hiddenSize"), (w + ".hiddenSize").c_str(), 1, kMaxHidden);
  c.layers = requireInt(cfg.Get("layers"), (w + ".layers").c_str(), 1, kMaxLayers);
  return c;
}

Napi::Array paramSlotsToJs(Napi::Env env, const std::vector<rnnad::ParamSlot>& slots) {
  Napi::Array arr = Napi::Array::New(env, slots.size());
  for (size_t i = 0; i < slots.size(); ++i) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", slots[i].name);
    o.Set("offset", static_cast<double>(slots[i].offset));
    o.Set("length", static_cast<double>(slots[i].length));
    o.Set("rows", slots[i].rows);
    o.Set("cols", slots[i].cols);
    arr.Set(static_cast<uint32_t>(i), o);
  }
  return arr;
}

Napi::Function StackWrap::define(Napi::Env env) {
  return DefineClass(env, "RecurrentStack",
                     {
                         InstanceAccessor<&StackWrap::paramCount>("paramCount"),
                         InstanceMethod<&StackWrap::paramSlots>("paramSlots"),
                         InstanceMethod<&StackWrap::getParams>("getParams"),
                         InstanceMethod<&StackWrap::setParams>("setParams"),
                         InstanceMethod<&StackWrap::setParam>("setParam"),
                         InstanceMethod<&StackWrap::tapeBytes>("tapeBytes"),
                         InstanceMethod<&StackWrap::forward>("forward"),
                         InstanceMethod<&StackWrap::forwardAsync>("forwardAsync"),
                         InstanceMethod<&StackWrap::backward>("backward"),
                         InstanceMethod<&StackWrap::backwardAsync>("backwardAsync"),
                         InstanceMethod<&StackWrap::step>("step"),
                         InstanceMethod<&StackWrap::makeStepper>("makeStepper"),
                         InstanceMethod<&StackWrap::dispose>("dispose"),
                     });
}

StackWrap::StackWrap(const Napi::CallbackInfo& info) : CheckedWrap<StackWrap>(info) {
  Napi::Env env = info.Env();
  if (!info.IsConstructCall()) throwInvalidArgument(env, "RecurrentStack must be called with new");
  rnnad::StackConfig cfg = parseStackConfig(requireObject(info[0], "config"), "config");
  stack_ = guarded(env, "RecurrentStack", [&] { return std::make_shared<rnnad::RecurrentStack>(cfg); });
  reportMemory();
}

rnnad::RecurrentStack& StackWrap::live(Napi::Env env, const char* what) {
  if (!stack_) throwNativeError(env, std::string(what) + ": this RecurrentStack was disposed", "ERR_DISPOSED");
  busy_->check(env, what);
  return *stack_;
}

// Parameters plus their two packed copies (forward and backward layouts), and the tape.
void StackWrap::reportMemory() {
  reportNativeBytes(stack_ ? static_cast<int64_t>(3 * stack_->paramCount() * sizeof(float) + (tape_ ? tapeBytes_ : 0))
                           : 0);
}

Napi::Value StackWrap::dispose(const Napi::CallbackInfo& info) {
  stack_.reset();
  tape_.reset();
  tapeValid_ = false;
  reportMemory();
  return info.Env().Undefined();
}

Napi::Value StackWrap::paramCount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!stack_) throwNativeError(env, "paramCount: this RecurrentStack was disposed", "ERR_DISPOSED");
  return Napi::Number::New(env, static_cast<double>(stack_->paramCount()));
}

Napi::Value StackWrap::paramSlots(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!stack_) throwNativeError(env, "paramSlots: this RecurrentStack was disposed", "ERR_DISPOSED");
  return paramSlotsToJs(env, rnnad::stackParamSlots(stack_->config()));
}

Napi::Value StackWrap::getParams(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rnnad::RecurrentStack& stack = live(env, "getParams");
  F32 out = requireF32(info[0], "out", stack.paramCount());
  std::copy(stack.params(), stack.params() + out.length, out.data);
  return env.Undefined();
}

Napi::Value StackWrap::setParams(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rnnad::RecurrentStack& stack = live(env, "setParams");
  F32 flat = requireF32(info[0], "parameters", stack.paramCount());
  guarded(env, "setParams", [&] { stack.setParams(flat.data, flat.length); });
  tapeValid_ = false;
  return env.Undefined();
}

Napi::Value StackWrap::setParam(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rnnad::RecurrentStack& stack = live(env, "setParam");
  const size_t total = stack.paramCount();
  int offset = requireInt(info[0], "offset", 0, static_cast<int>(std::min<size_t>(total, INT32_MAX)));
  F32 values = requireF32Any(info[1], "values");
  if (values.length > total - static_cast<size_t>(offset)) {
    throwOutOfRange(env,
                    "values (" + std::to_string(values.length) + " elements at offset " + std::to_string(offset) +
                        ") run past the end of the " + std::to_string(total) + " parameters",
                    "ERR_SHAPE_MISMATCH");
  }
  guarded(env, "setParam", [&] { stack.setParam(static_cast<size_t>(offset), values.data, values.length); });
  tapeValid_ = false;
  return env.Undefined();
}

Napi::Value StackWrap::tapeBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rnnad::RecurrentStack& stack = live(env, "tapeBytes");
  int batch = requireInt(info[0], "batch", 1, kMaxBatch);
  int steps = requireInt(info[1], "steps", 1, kMaxSteps);
  return Napi::Number::New(
      env, static_cast<double>(guarded(env, "tapeBytes", [&] { return stack.tapeBytes(batch, steps); })));
}

struct StackWrap::ForwardCall {
  int batch = 0, steps = 0;
  bool train = false;
  F32 x, h0, c0, y, hN, cN;
};

// Every property is read (getters run) before any data pointer is taken, so a getter cannot
// detach or resize an array already checked.
StackWrap::ForwardCall StackWrap::parseForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const rnnad::StackConfig& c = stack_->config();
  Napi::Object a = requireObject(info[0], "forward arguments");
  Napi::Value batch = a.Get("batch"), steps = a.Get("steps"), train = a.Get("train"), x = a.Get("x"), h0 = a.Get("h0"),
              c0 = a.Get("c0"), y = a.Get("y"), hN = a.Get("hN"), cN = a.Get("cN");
  ForwardCall f;
  f.batch = requireInt(batch, "batch", 1, kMaxBatch);
  f.steps = requireInt(steps, "steps", 1, kMaxSteps);
  f.train = train.IsUndefined() ? false : requireBool(train, "train");
  const size_t B = f.batch, T = f.steps, D = c.inputSize, H = c.hiddenSize, L = c.layers;
  const size_t xLen = checkedMul(env, "x", {B, T, D});
  const size_t yLen = checkedMul(env, "output", {B, T, H});
  const size_t sLen = checkedMul(env, "state", {L, B, H});
  const bool lstm = c.cell == rnnad::Cell::Lstm;
  f.x = requireF32(x, "x", xLen);
  f.h0 = optionalF32(h0, "h0", sLen);
  f.y = requireF32(y, "output", yLen);
  f.hN = requireF32(hN, "hN", sLen);
  if (lstm) {
    f.c0 = optionalF32(c0, "c0", sLen);
    f.cN = optionalF32(cN, "cN", sLen);
  } else if (!c0.IsUndefined() && !c0.IsNull()) {
    throwInvalidArgument(env, "c0 is only accepted by an lstm stack");
  }
  requireDisjoint(env, {{"output", &f.y}, {"hN", &f.hN}, {"cN", &f.cN}}, {{"x", &f.x}, {"h0", &f.h0}, {"c0", &f.c0}});
  return f;
}

Napi::Value StackWrap::forward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rnnad::RecurrentStack& stack = live(env, "forward");
  ForwardCall f = parseForward(info);
  guarded(env, "forward", [&] {
    if (f.train && !tape_)
      tape_ = std::shared_ptr<rnnad::TrainTape>(stack.makeTape().release(), rnnad::TrainTapeDeleter());
    tapeValid_ = false;
    stack.forward(f.x.data, f.batch, f.steps, f.h0.data, f.c0.data, f.y.data, f.hN.data, f.cN.data,
                  f.train ? tape_.get() : nullptr);
  });
  if (f.train) {
    tapeValid_ = true;
    tapeBatch_ = f.batch;
    tapeSteps_ = f.steps;
    tapeBytes_ = std::max(tapeBytes_, stack.tapeBytes(f.batch, f.steps));
    reportMemory();
  }
  return env.Undefined();
}

Napi::Value StackWrap::forwardAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rnnad::RecurrentStack& stack = live(env, "forwardAsync");
  ForwardCall f = parseForward(info);
  if (f.train && !tape_) {
    tape_ = guarded(env, "forwardAsync", [&] {
      return std::shared_ptr<rnnad::TrainTape>(stack.makeTape().release(), rnnad::TrainTapeDeleter());
    });
  }
  tapeValid_ = false;
  auto* job = new AsyncJob(env, "forwardAsync", busy_, Value());
  const float *x = job->input(f.x), *h0 = job->input(f.h0), *c0 = job->input(f.c0);
  float *y = job->output(f.y, "output"), *hN = job->output(f.hN, "hN"), *cN = job->output(f.cN, "cN");
  std::shared_ptr<rnnad::RecurrentStack> shared = stack_;
  std::shared_ptr<rnnad::TrainTape> tape = f.train ? tape_ : nullptr;
  const int batch = f.batch, steps = f.steps;
  auto work = [shared, tape, x, h0, c0, y, hN, cN, batch, steps] {
    shared->forward(x, batch, steps, h0, c0, y, hN, cN, tape.get());
  };
  auto done = [this, tape, batch, steps](Napi::Env e) -> Napi::Value {
    // Still the tape of this object: dispose() drops it, and only then would it differ.
    if (tape && tape == tape_) {
      tapeValid_ = true;
      tapeBatch_ = batch;
      tapeSteps_ = steps;
      tapeBytes_ = std::max(tapeBytes_, stack_->tapeBytes(batch, steps));
      reportMemory();
    }
    return e.Undefined();
  };
  return job->start(work, done);
}

struct StackWrap::BackwardCall {
  F32 dY, dHN, dCN, dX, dH0, dC0, dParams;
};

StackWrap::BackwardCall StackWrap::parseBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!tapeValid_) {
    throwNotFitted(env,
                   "backward needs a forward call with train: true first (parameters set since then invalidate it)");
  }
  const rnnad::StackConfig& c = stack_->config();
  Napi::Object a = requireObject(info[0], "backward arguments");
  Napi::Value dY = a.Get("dY"), dHN = a.Get("dHN"), dCN = a.Get("dCN"), dX = a.Get("dX"), dH0 = a.Get("dH0"),
              dC0 = a.Get("dC0"), dParams = a.Get("dParams");
  const size_t B = tapeBatch_, T = tapeSteps_, D = c.inputSize, H = c.hiddenSize, L = c.layers;
  const size_t sLen = checkedMul(env, "state", {L, B, H});
  const bool lstm = c.cell == rnnad::Cell::Lstm;
  BackwardCall b;
  b.dY = optionalF32(dY, "dOutput", checkedMul(env, "dOutput", {B, T, H}));
  b.dHN = optionalF32(dHN, "dHN", sLen);
  b.dX = requireF32(dX, "dInput", checkedMul(env, "dInput", {B, T, D}));
  b.dH0 = requireF32(dH0, "dH0", sLen);
  b.dParams = requireF32(dParams, "dParams", stack_->paramCount());
  if (lstm) {
    b.dCN = optionalF32(dCN, "dCN", sLen);
    b.dC0 = optionalF32(dC0, "dC0", sLen);
  } else if (!dCN.IsUndefined() && !dCN.IsNull()) {
    throwInvalidArgument(env, "dCN is only accepted by an lstm stack");
  }
  requireDisjoint(env, {{"dInput", &b.dX}, {"dH0", &b.dH0}, {"dC0", &b.dC0}, {"dParams", &b.dParams}},
                  {{"dOutput", &b.dY}, {"dHN", &b.dHN}, {"dCN", &b.dCN}});
  return b;
}

Napi::Value StackWrap::backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rnnad::RecurrentStack& stack = live(env, "backward");
  BackwardCall b = parseBackward(info);
  guarded(env, "backward", [&] {
    stack.backward(*tape_, b.dY.data, b.dHN.data, b.dCN.data, b.dX.data, b.dH0.data, b.dC0.data, b.dParams.data);
  });
  return env.Undefined();
}

Napi::Value StackWrap::backwardAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  live(env, "backwardAsync");
  BackwardCall b = parseBackward(info);
  auto* job = new AsyncJob(env, "backwardAsync", busy_, Value());
  const float *dY = job->input(b.dY), *dHN = job->input(b.dHN), *dCN = job->input(b.dCN);
  float *dX = job->output(b.dX, "dInput"), *dH0 = job->output(b.dH0, "dH0"), *dC0 = job->output(b.dC0, "dC0"),
        *dParams = job->output(b.dParams, "dParams");
  std::shared_ptr<rnnad::RecurrentStack> shared = stack_;
  std::shared_ptr<rnnad::TrainTape> tape = tape_;
  auto work = [shared, tape, dY, dHN, dCN, dX, dH0, dC0, dParams] {
    shared->backward(*tape, dY, dHN, dCN, dX, dH0, dC0, dParams);
  };
  return job->start(work, nullptr);
}

Napi::Value StackWrap::step(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rnnad::RecurrentStack& stack = live(env, "step");
  const rnnad::StackConfig& c = stack.config();
  int batch = requireInt(info[1], "batch", 1, kMaxBatch);
  int rowsPerInput = requireInt(info[2], "rowsPerInput", 1, batch);
  if (batch % rowsPerInput != 0) {
    throwOutOfRange(env, "batch (" + std::to_string(batch) + ") must be a multiple of rowsPerInput (" +
                             std::to_string(rowsPerInput) + ")");
  }
  const size_t B = batch, H = c.hiddenSize, L = c.layers;
  F32 x = requireF32(info[0], "x", checkedMul(env, "x", {B / rowsPerInput, size_t(c.inputSize)}));
  const size_t sLen = checkedMul(env, "state", {L, B, H});
  F32 h = requireF32(info[3], "h", sLen);
  F32 cst;
  if (c.cell == rnnad::Cell::Lstm) {
    cst = requireF32(info[4], "c", sLen);
  } else if (!info[4].IsUndefined() && !info[4].IsNull()) {
    throwInvalidArgument(env, "c is only accepted by an lstm stack");
  }
  F32 y = optionalF32(info[5], "y", checkedMul(env, "y", {B, H}));
  // h and c are read and rewritten layer by layer while y is written: all three apart, and from x.
  requireDisjoint(env, {{"h", &h}, {"c", &cst}, {"y", &y}}, {{"x", &x}});
  guarded(env, "step", [&] { stack.step(x.data, batch, rowsPerInput, h.data, cst.data, y.data); });
  return env.Undefined();
}

Napi::Value StackWrap::makeStepper(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rnnad::RecurrentStack& stack = live(env, "makeStepper");
  const rnnad::StackConfig& c = stack.config();
  int batch = requireInt(info[0], "batch", 1, kMaxBatch);
  checkedMul(env, "stepper state", {size_t(c.layers), size_t(batch), size_t(c.hiddenSize)});
  Napi::Object obj = env.GetInstanceData<AddonData>()->stepperCtor.New({});
  StepperWrap::Unwrap(obj)->attach(env, stack_, busy_, batch);
  return obj;
}

}  // namespace rnnad_binding

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
                     });
}

StackWrap::StackWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<StackWrap>(info) {
  Napi::Env env = info.Env();
  if (!info.IsConstructCall()) throwInvalidArgument(env, "RecurrentStack must be called with new");
  rnnad::StackConfig cfg = parseStackConfig(requireObject(info[0], "config"), "config");
  stack_ = guarded(env, "RecurrentStack", [&] { return std::make_unique<rnnad::RecurrentStack>(cfg); });
}

void StackWrap::checkIdle(Napi::Env env, const char* what) {
  if (busy_.busy) {
    throwNativeError(
        env,
        std::string(what) + " was called while an asynchronous call on this network is still running; await it first",
        "ERR_BUSY");
  }
}

Napi::Value StackWrap::paramCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(stack_->paramCount()));
}

Napi::Value StackWrap::paramSlots(const Napi::CallbackInfo& info) {
  return paramSlotsToJs(info.Env(), rnnad::stackParamSlots(stack_->config()));
}

Napi::Value StackWrap::getParams(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkIdle(env, "getParams");
  F32 out = requireF32(info[0], "out", stack_->paramCount());
  std::copy(stack_->params(), stack_->params() + out.length, out.data);
  return env.Undefined();
}

Napi::Value StackWrap::setParams(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkIdle(env, "setParams");
  F32 flat = requireF32(info[0], "parameters", stack_->paramCount());
  guarded(env, "setParams", [&] { stack_->setParams(flat.data, flat.length); });
  tapeValid_ = false;
  return env.Undefined();
}

Napi::Value StackWrap::setParam(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkIdle(env, "setParam");
  const size_t total = stack_->paramCount();
  int offset = requireInt(info[0], "offset", 0, static_cast<int>(std::min<size_t>(total, INT32_MAX)));
  F32 values = requireF32Any(info[1], "values");
  if (values.length > total - static_cast<size_t>(offset)) {
    throwOutOfRange(env,
                    "values (" + std::to_string(values.length) + " elements at offset " + std::to_string(offset) +
                        ") run past the end of the " + std::to_string(total) + " parameters",
                    "ERR_SHAPE_MISMATCH");
  }
  guarded(env, "setParam", [&] { stack_->setParam(static_cast<size_t>(offset), values.data, values.length); });
  tapeValid_ = false;
  return env.Undefined();
}

Napi::Value StackWrap::tapeBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int batch = requireInt(info[0], "batch", 1, kMaxBatch);
  int steps = requireInt(info[1], "steps", 1, kMaxSteps);
  return Napi::Number::New(
      env, static_cast<double>(guarded(env, "tapeBytes", [&] { return stack_->tapeBytes(batch, steps); })));
}

struct StackWrap::ForwardCall {
  int batch = 0, steps = 0;
  bool train = false;
  F32 x, h0, c0, y, hN, cN;
};

StackWrap::ForwardCall StackWrap::parseForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const rnnad::StackConfig& c = stack_->config();
  Napi::Object a = requireObject(info[0], "forward arguments");
  ForwardCall f;
  f.batch = requireInt(a.Get("batch"), "batch", 1, kMaxBatch);
  f.steps = requireInt(a.Get("steps"), "steps", 1, kMaxSteps);
  Napi::Value train = a.Get("train");
  f.train = train.IsUndefined() ? false : requireBool(train, "train");
  const size_t B = f.batch, T = f.steps, D = c.inputSize, H = c.hiddenSize, L = c.layers;
  const size_t xLen = checkedMul(env, "x", {B, T, D});
  const size_t yLen = checkedMul(env, "output", {B, T, H});
  const size_t sLen = checkedMul(env, "state", {L, B, H});
  const bool lstm = c.cell == rnnad::Cell::Lstm;
  f.x = requireF32(a.Get("x"), "x", xLen);
  f.h0 = optionalF32(a.Get("h0"), "h0", sLen);
  f.y = requireF32(a.Get("y"), "output", yLen);
  f.hN = requireF32(a.Get("hN"), "hN", sLen);
  if (lstm) {
    f.c0 = optionalF32(a.Get("c0"), "c0", sLen);
    f.cN = optionalF32(a.Get("cN"), "cN", sLen);
  } else if (!a.Get("c0").IsUndefined() && !a.Get("c0").IsNull()) {
    throwInvalidArgument(env, "c0 is only accepted by an lstm stack");
  }
  requireDisjoint(env, {{"output", &f.y}, {"hN", &f.hN}, {"cN", &f.cN}}, {{"x", &f.x}, {"h0", &f.h0}, {"c0", &f.c0}});
  return f;
}

Napi::Value StackWrap::forward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkIdle(env, "forward");
  ForwardCall f = parseForward(info);
  guarded(env, "forward", [&] {
    if (f.train && !tape_) tape_ = stack_->makeTape();
    tapeValid_ = false;
    stack_->forward(f.x.data, f.batch, f.steps, f.h0.data, f.c0.data, f.y.data, f.hN.data, f.cN.data,
                    f.train ? tape_.get() : nullptr);
  });
  if (f.train) {
    tapeValid_ = true;
    tapeBatch_ = f.batch;
    tapeSteps_ = f.steps;
  }
  return env.Undefined();
}

Napi::Value StackWrap::forwardAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkIdle(env, "forwardAsync");
  ForwardCall f = parseForward(info);
  if (f.train && !tape_) tape_ = guarded(env, "forwardAsync", [&] { return stack_->makeTape(); });
  tapeValid_ = false;
  rnnad::RecurrentStack* stack = stack_.get();
  rnnad::TrainTape* tape = f.train ? tape_.get() : nullptr;
  auto work = [stack, tape, f] {
    stack->forward(f.x.data, f.batch, f.steps, f.h0.data, f.c0.data, f.y.data, f.hN.data, f.cN.data, tape);
  };
  auto done = [this, f](Napi::Env e) -> Napi::Value {
    if (f.train) {
      tapeValid_ = true;
      tapeBatch_ = f.batch;
      tapeSteps_ = f.steps;
    }
    return e.Undefined();
  };
  return AsyncJob::start(env, "forwardAsync", &busy_,
                         {Value(), f.x.handle, f.h0.handle, f.c0.handle, f.y.handle, f.hN.handle, f.cN.handle}, work,
                         done);
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
  const size_t B = tapeBatch_, T = tapeSteps_, D = c.inputSize, H = c.hiddenSize, L = c.layers;
  const size_t sLen = checkedMul(env, "state", {L, B, H});
  const bool lstm = c.cell == rnnad::Cell::Lstm;
  BackwardCall b;
  b.dY = optionalF32(a.Get("dY"), "dOutput", checkedMul(env, "dOutput", {B, T, H}));
  b.dHN = optionalF32(a.Get("dHN"), "dHN", sLen);
  b.dX = requireF32(a.Get("dX"), "dInput", checkedMul(env, "dInput", {B, T, D}));
  b.dH0 = requireF32(a.Get("dH0"), "dH0", sLen);
  b.dParams = requireF32(a.Get("dParams"), "dParams", stack_->paramCount());
  if (lstm) {
    b.dCN = optionalF32(a.Get("dCN"), "dCN", sLen);
    b.dC0 = optionalF32(a.Get("dC0"), "dC0", sLen);
  } else if (!a.Get("dCN").IsUndefined() && !a.Get("dCN").IsNull()) {
    throwInvalidArgument(env, "dCN is only accepted by an lstm stack");
  }
  requireDisjoint(env, {{"dInput", &b.dX}, {"dH0", &b.dH0}, {"dC0", &b.dC0}, {"dParams", &b.dParams}},
                  {{"dOutput", &b.dY}, {"dHN", &b.dHN}, {"dCN", &b.dCN}});
  return b;
}

Napi::Value StackWrap::backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkIdle(env, "backward");
  BackwardCall b = parseBackward(info);
  guarded(env, "backward", [&] {
    stack_->backward(*tape_, b.dY.data, b.dHN.data, b.dCN.data, b.dX.data, b.dH0.data, b.dC0.data, b.dParams.data);
  });
  return env.Undefined();
}

Napi::Value StackWrap::backwardAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkIdle(env, "backwardAsync");
  BackwardCall b = parseBackward(info);
  rnnad::RecurrentStack* stack = stack_.get();
  rnnad::TrainTape* tape = tape_.get();
  auto work = [stack, tape, b] {
    stack->backward(*tape, b.dY.data, b.dHN.data, b.dCN.data, b.dX.data, b.dH0.data, b.dC0.data, b.dParams.data);
  };
  return AsyncJob::start(
      env, "backwardAsync", &busy_,
      {Value(), b.dY.handle, b.dHN.handle, b.dCN.handle, b.dX.handle, b.dH0.handle, b.dC0.handle, b.dParams.handle},
      work, nullptr);
}

Napi::Value StackWrap::step(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkIdle(env, "step");
  const rnnad::StackConfig& c = stack_->config();
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
  guarded(env, "step", [&] { stack_->step(x.data, batch, rowsPerInput, h.data, cst.data, y.data); });
  return env.Undefined();
}

}  // namespace rnnad_binding

namespace rnnad_binding {

Napi::Value StackWrap::makeStepper(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  checkIdle(env, "makeStepper");
  const rnnad::StackConfig& c = stack_->config();
  int batch = requireInt(info[0], "batch", 1, kMaxBatch);
  checkedMul(env, "stepper state", {size_t(c.layers), size_t(batch), size_t(c.hiddenSize)});
  Napi::Object obj = env.GetInstanceData<AddonData>()->stepperCtor.New({});
  StepperWrap::Unwrap(obj)->attach(this, Value(), stack_.get(), batch);
  return obj;
}

}  // namespace rnnad_binding

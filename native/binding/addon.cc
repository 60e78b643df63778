// Module entry: the classes and free functions described in src/engine/native-types.ts.
#include <napi.h>

#include <cstring>

#include "api.h"
#include "args.h"
#include "guarded.h"
#include "js_errors.h"
#include "limits.h"
#include "model_wrap.h"
#include "stack_wrap.h"
#include "stepper_wrap.h"

namespace rnnad_binding {
namespace {

Napi::Value denseForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int n = requireInt(info[1], "n", 1, kMaxBatch);
  int in = requireInt(info[2], "inSize", 1, kMaxFeatures);
  int out = requireInt(info[5], "outSize", 1, kMaxFeatures);
  F32 x = requireF32(info[0], "x", checkedMul(env, "x", {size_t(n), size_t(in)}));
  F32 w = requireF32(info[3], "weight", checkedMul(env, "weight", {size_t(out), size_t(in)}));
  F32 b = requireF32(info[4], "bias", size_t(out));
  F32 y = requireF32(info[6], "y", checkedMul(env, "y", {size_t(n), size_t(out)}));
  guarded(env, "denseForward", [&] { rnnad::denseForward(x.data, n, in, w.data, b.data, out, y.data); });
  return env.Undefined();
}

Napi::Value denseBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int n = requireInt(info[2], "n", 1, kMaxBatch);
  int in = requireInt(info[3], "inSize", 1, kMaxFeatures);
  int out = requireInt(info[5], "outSize", 1, kMaxFeatures);
  F32 x = requireF32(info[0], "x", checkedMul(env, "x", {size_t(n), size_t(in)}));
  F32 dY = requireF32(info[1], "dY", checkedMul(env, "dY", {size_t(n), size_t(out)}));
  F32 w = requireF32(info[4], "weight", checkedMul(env, "weight", {size_t(out), size_t(in)}));
  F32 dX = optionalF32(info[6], "dX", checkedMul(env, "dX", {size_t(n), size_t(in)}));
  F32 dW = requireF32(info[7], "dWeight", checkedMul(env, "dWeight", {size_t(out), size_t(in)}));
  F32 dB = requireF32(info[8], "dBias", size_t(out));
  guarded(env, "denseBackward", [&] { rnnad::denseBackward(x.data, dY.data, n, in, w.data, out, dX.data, dW.data, dB.data); });
  return env.Undefined();
}

Napi::Value mseLoss(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 pred = requireF32Any(info[0], "pred");
  if (pred.length == 0) throwRangeError(env, "pred must not be empty");
  F32 target = requireF32(info[1], "target", pred.length);
  F32 dPred = optionalF32(info[2], "dPred", pred.length);
  double l = guarded(env, "mseLoss", [&] { return rnnad::mseLoss(pred.data, target.data, pred.length, dPred.data); });
  return Napi::Number::New(env, l);
}

Napi::Value adamUpdate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 p = requireF32Any(info[0], "params");
  F32 g = requireF32(info[1], "grads", p.length);
  F32 m = requireF32(info[2], "m", p.length);
  F32 v = requireF32(info[3], "v", p.length);
  rnnad::AdamConfig c;
  c.lr = static_cast<float>(requireNumber(info[4], "lr"));
  c.beta1 = static_cast<float>(requireNumber(info[5], "beta1"));
  c.beta2 = static_cast<float>(requireNumber(info[6], "beta2"));
  c.eps = static_cast<float>(requireNumber(info[7], "eps"));
  c.weightDecay = static_cast<float>(requireNumber(info[8], "weightDecay"));
  double step = requireNumber(info[9], "step");
  if (!(c.lr > 0) || c.beta1 < 0 || c.beta1 >= 1 || c.beta2 < 0 || c.beta2 >= 1 || !(c.eps > 0) || c.weightDecay < 0) {
    throwRangeError(env, "adamUpdate expects lr > 0, beta1 and beta2 in [0, 1), eps > 0, weightDecay >= 0");
  }
  if (step < 1 || step != static_cast<double>(static_cast<int64_t>(step))) {
    throwRangeError(env, "step must be an integer >= 1 (the 1-based step after increment), got " + std::to_string(step));
  }
  guarded(env, "adamUpdate", [&] { rnnad::adamUpdate(p.data, g.data, m.data, v.data, p.length, c, static_cast<int64_t>(step)); });
  return env.Undefined();
}

Napi::Value sgdUpdate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 p = requireF32Any(info[0], "params");
  F32 g = requireF32(info[1], "grads", p.length);
  F32 vel = optionalF32(info[2], "velocity", p.length);
  double lr = requireNumber(info[3], "lr");
  double momentum = requireNumber(info[4], "momentum");
  if (!(lr > 0) || momentum < 0 || momentum >= 1) throwRangeError(env, "sgdUpdate expects lr > 0 and momentum in [0, 1)");
  if (momentum > 0 && !vel.data) throwTypeError(env, "velocity must be a Float32Array when momentum > 0");
  guarded(env, "sgdUpdate", [&] { rnnad::sgdUpdate(p.data, g.data, vel.data, p.length, float(lr), float(momentum)); });
  return env.Undefined();
}

Napi::Value sumOfSquares(const Napi::CallbackInfo& info) {
  F32 v = requireF32Any(info[0], "values");
  return Napi::Number::New(info.Env(), rnnad::sumOfSquares(v.data, v.length));
}

Napi::Value setThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int n = requireInt(info[0], "threads", 1, 1024);
  guarded(env, "setThreads", [&] { rnnad::setThreads(n); });
  return env.Undefined();
}

Napi::Value threads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), rnnad::threads()); }

Napi::Value activeIsa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), rnnad::isaName(rnnad::activeIsa()));
}

Napi::Value isaSelectionNote(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), rnnad::isaSelectionNote());
}

Napi::Value supportedIsas(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<rnnad::Isa> isas = rnnad::supportedIsas();
  Napi::Array arr = Napi::Array::New(env, isas.size());
  for (size_t i = 0; i < isas.size(); ++i) arr.Set(static_cast<uint32_t>(i), rnnad::isaName(isas[i]));
  return arr;
}

Napi::Value forceIsa(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throwTypeError(env, "isa must be one of 'scalar', 'avx2', 'avx512', 'neon'");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  for (rnnad::Isa isa : {rnnad::Isa::Scalar, rnnad::Isa::Avx2, rnnad::Isa::Avx512, rnnad::Isa::Neon}) {
    if (name == rnnad::isaName(isa)) {
      guarded(env, "forceIsa", [&] { rnnad::forceIsa(isa); });
      return env.Undefined();
    }
  }
  throwRangeError(env, "isa must be one of 'scalar', 'avx2', 'avx512', 'neon', got '" + name + "'", "ERR_INVALID_ARG_VALUE");
}

// Copies windows series[start .. start+steps) (rows of `columns` floats) into out, batch-major.
Napi::Value gatherWindows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 series = requireF32Any(info[0], "series");
  int columns = requireInt(info[1], "columns", 1, kMaxFeatures);
  if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throwTypeError(env, "starts must be an Int32Array");
  }
  Napi::Int32Array starts = info[2].As<Napi::Int32Array>();
  int steps = requireInt(info[3], "steps", 1, kMaxSteps);
  if (series.length % size_t(columns) != 0) {
    throwRangeError(env, "series length (" + std::to_string(series.length) + ") must be a multiple of columns (" +
                             std::to_string(columns) + ")", "ERR_SHAPE_MISMATCH");
  }
  const size_t rows = series.length / columns;
  const size_t n = starts.ElementLength();
  const size_t windowLen = checkedMul(env, "window", {size_t(steps), size_t(columns)});
  F32 out = requireF32(info[4], "out", checkedMul(env, "out", {n, windowLen}));
  const int32_t* s = n ? starts.Data() : nullptr;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < 0 || size_t(s[i]) + size_t(steps) > rows) {
      throwRangeError(env, "starts[" + std::to_string(i) + "] = " + std::to_string(s[i]) + " puts a window of " +
                               std::to_string(steps) + " rows outside the series (" + std::to_string(rows) + " rows)");
    }
  }
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(out.data + i * windowLen, series.data + size_t(s[i]) * columns, windowLen * sizeof(float));
  }
  return env.Undefined();
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  data->streamCtor = Napi::Persistent(StreamWrap::define(env));
  data->stepperCtor = Napi::Persistent(StepperWrap::define(env));
  env.SetInstanceData<AddonData>(data);
  exports.Set("RecurrentStack", StackWrap::define(env));
  exports.Set("AnomalyModel", ModelWrap::define(env));
  exports.Set("denseForward", Napi::Function::New(env, denseForward, "denseForward"));
  exports.Set("denseBackward", Napi::Function::New(env, denseBackward, "denseBackward"));
  exports.Set("mseLoss", Napi::Function::New(env, mseLoss, "mseLoss"));
  exports.Set("adamUpdate", Napi::Function::New(env, adamUpdate, "adamUpdate"));
  exports.Set("sgdUpdate", Napi::Function::New(env, sgdUpdate, "sgdUpdate"));
  exports.Set("sumOfSquares", Napi::Function::New(env, sumOfSquares, "sumOfSquares"));
  exports.Set("setThreads", Napi::Function::New(env, setThreads, "setThreads"));
  exports.Set("threads", Napi::Function::New(env, threads, "threads"));
  exports.Set("activeIsa", Napi::Function::New(env, activeIsa, "activeIsa"));
  exports.Set("supportedIsas", Napi::Function::New(env, supportedIsas, "supportedIsas"));
  exports.Set("isaSelectionNote", Napi::Function::New(env, isaSelectionNote, "isaSelectionNote"));
  exports.Set("forceIsa", Napi::Function::New(env, forceIsa, "forceIsa"));
  exports.Set("gatherWindows", Napi::Function::New(env, gatherWindows, "gatherWindows"));
  return exports;
}

}  // namespace
}  // namespace rnnad_binding

static Napi::Object initModule(Napi::Env env, Napi::Object exports) { return rnnad_binding::init(env, exports); }

NODE_API_MODULE(rnnad, initModule)

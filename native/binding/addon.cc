// Module entry: the classes and free functions described in src/engine/native-types.ts.
#include <napi.h>

#include <cstring>

#include "addon_data.h"
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
  if (!info[0].IsString()) throwInvalidArgument(env, "isa must be one of 'scalar', 'avx2', 'avx512', 'neon'");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  for (rnnad::Isa isa : {rnnad::Isa::Scalar, rnnad::Isa::Avx2, rnnad::Isa::Avx512, rnnad::Isa::Neon}) {
    if (name == rnnad::isaName(isa)) {
      guarded(env, "forceIsa", [&] { rnnad::forceIsa(isa); });
      return env.Undefined();
    }
  }
  throwInvalidArgument(env, "isa must be one of 'scalar', 'avx2', 'avx512', 'neon', got '" + name + "'");
}

// Copies windows series[start .. start+steps) (rows of `columns` floats) into out, batch-major.
Napi::Value gatherWindows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  F32 series = requireF32Any(info[0], "series");
  int columns = requireInt(info[1], "columns", 1, kMaxFeatures);
  if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throwInvalidArgument(env, "starts must be an Int32Array");
  }
  Napi::Int32Array starts = info[2].As<Napi::Int32Array>();
  int steps = requireInt(info[3], "steps", 1, kMaxSteps);
  if (series.length % size_t(columns) != 0) {
    throwOutOfRange(env,
                    "series length (" + std::to_string(series.length) + ") must be a multiple of columns (" +
                        std::to_string(columns) + ")",
                    "ERR_SHAPE_MISMATCH");
  }
  const size_t rows = series.length / columns;
  const size_t n = starts.ElementLength();
  const size_t windowLen = checkedMul(env, "window", {size_t(steps), size_t(columns)});
  F32 out = requireF32(info[4], "out", checkedMul(env, "out", {n, windowLen}));
  const int32_t* s = n ? starts.Data() : nullptr;
  requireDisjoint(env, {{"out", &out}}, {{"series", &series}, {"starts", s, n * sizeof(int32_t)}});
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < 0 || size_t(s[i]) + size_t(steps) > rows) {
      throwOutOfRange(env, "starts[" + std::to_string(i) + "] = " + std::to_string(s[i]) + " puts a window of " +
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
  exports.Set("setErrorClasses", Napi::Function::New(env, setErrorClasses, "setErrorClasses"));
  exports.Set("RecurrentStack", StackWrap::define(env));
  exports.Set("AnomalyModel", ModelWrap::define(env));
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

#include "model_wrap.h"

#include <algorithm>

#include "args.h"
#include "guarded.h"
#include "js_errors.h"
#include "limits.h"
#include "stack_wrap.h"

namespace rnnad_binding {

Napi::Function ModelWrap::define(Napi::Env env) {
  Napi::Function ctor = DefineClass(env, "AnomalyModel",
                                    {
                                        InstanceAccessor<&ModelWrap::paramCount>("paramCount"),
                                        InstanceAccessor<&ModelWrap::optimizerStep>("optimizerStep"),
                                        InstanceMethod<&ModelWrap::paramSlots>("paramSlots"),
                                        InstanceMethod<&ModelWrap::getParams>("getParams"),
                                        InstanceMethod<&ModelWrap::setParams>("setParams"),
                                        InstanceMethod<&ModelWrap::predict>("predict"),
                                        InstanceMethod<&ModelWrap::predictAsync>("predictAsync"),
                                        InstanceMethod<&ModelWrap::loss>("loss"),
                                        InstanceMethod<&ModelWrap::lossAsync>("lossAsync"),
                                        InstanceMethod<&ModelWrap::gradient>("gradient"),
                                        InstanceMethod<&ModelWrap::trainStep>("trainStep"),
                                        InstanceMethod<&ModelWrap::trainStepAsync>("trainStepAsync"),
                                        InstanceMethod<&ModelWrap::resetOptimizer>("resetOptimizer"),
                                        InstanceMethod<&ModelWrap::getOptimizerState>("getOptimizerState"),
                                        InstanceMethod<&ModelWrap::setOptimizerState>("setOptimizerState"),
                                        InstanceMethod<&ModelWrap::makeStream>("makeStream"),
                                        InstanceMethod<&ModelWrap::dispose>("dispose"),
                                    });
  return ctor;
}

ModelWrap::ModelWrap(const Napi::CallbackInfo& info) : CheckedWrap<ModelWrap>(info) {
  Napi::Env env = info.Env();
  if (!info.IsConstructCall()) throwInvalidArgument(env, "AnomalyModel must be called with new");
  Napi::Object cfgObj = requireObject(info[0], "config");
  rnnad::ModelConfig cfg;
  cfg.stack = parseStackConfig(cfgObj, "config");
  cfg.mode = static_cast<rnnad::ModelMode>(requireInt(cfgObj.Get("mode"), "config.mode", 0, 1));
  cfg.outputSize = requireInt(cfgObj.Get("outputSize"), "config.outputSize", 1, kMaxFeatures);
  if (cfg.mode == rnnad::ModelMode::Reconstruct && cfg.outputSize != cfg.stack.inputSize) {
    throwOutOfRange(env, "config.outputSize must equal config.inputSize (" + std::to_string(cfg.stack.inputSize) +
                             ") in reconstruct mode, got " + std::to_string(cfg.outputSize));
  }
  // The issue-12 options are optional: a config without them is the plain forecast model.
  auto given = [&](const char* key) { return cfgObj.Has(key) && !cfgObj.Get(key).IsUndefined(); };
  if (given("head")) cfg.head = static_cast<rnnad::HeadKind>(requireInt(cfgObj.Get("head"), "config.head", 0, 1));
  if (given("varianceFloor")) {
    cfg.varianceFloor = static_cast<float>(requireNumber(cfgObj.Get("varianceFloor"), "config.varianceFloor"));
  }
  if (given("inputDropout")) {
    cfg.inputDropout = static_cast<float>(requireNumber(cfgObj.Get("inputDropout"), "config.inputDropout"));
  }
  if (given("dropout")) cfg.dropout = static_cast<float>(requireNumber(cfgObj.Get("dropout"), "config.dropout"));
  if (given("dropoutSeed")) {
    cfg.dropoutSeed = static_cast<uint64_t>(requireNumber(cfgObj.Get("dropoutSeed"), "config.dropoutSeed"));
  }
  model_ = guarded(env, "AnomalyModel", [&] { return std::make_shared<rnnad::AnomalyModel>(cfg); });
  // Parameters, packed weights, gradients and the optimizer's two moments.
  reportNativeBytes(static_cast<int64_t>(6 * model_->paramCount() * sizeof(float)));
}

rnnad::AnomalyModel& ModelWrap::live(Napi::Env env, const char* what) {
  if (!model_) throwNativeError(env, std::string(what) + ": this AnomalyModel was disposed", "ERR_DISPOSED");
  busy_->check(env, what);
  return *model_;
}

Napi::Value ModelWrap::dispose(const Napi::CallbackInfo& info) {
  model_.reset();
  reportNativeBytes(0);
  return info.Env().Undefined();
}

size_t ModelWrap::outputLength(int batch, int steps) const { return size_t(batch) * model_->outputLength(steps); }

struct ModelWrap::Batch {
  F32 x, target;
  int batch = 0, steps = 0;
};

// (x, target, batch, steps) or (x, batch, steps) when withTarget is false.
ModelWrap::Batch ModelWrap::parseBatch(const Napi::CallbackInfo& info, bool withTarget) {
  Napi::Env env = info.Env();
  const rnnad::ModelConfig& c = model_->config();
  const size_t base = withTarget ? 1 : 0;
  Batch b;
  b.batch = requireInt(info[base + 1], "batch", 1, kMaxBatch);
  b.steps = requireInt(info[base + 2], "steps", 1, kMaxSteps);
  b.x = requireF32(info[0], "x", checkedMul(env, "x", {size_t(b.batch), size_t(b.steps), size_t(c.stack.inputSize)}));
  if (withTarget) {
    if (c.mode == rnnad::ModelMode::Forecast) {
      b.target = requireF32(info[1], "target", checkedMul(env, "target", {size_t(b.batch), size_t(c.outputSize)}));
    } else if (!info[1].IsNull() && !info[1].IsUndefined()) {
      throwInvalidArgument(env, "target must be null in reconstruct mode (the window itself is the target)");
    }
  }
  return b;
}

Napi::Value ModelWrap::paramCount(const Napi::CallbackInfo& info) {
  if (!model_) throwNativeError(info.Env(), "paramCount: this AnomalyModel was disposed", "ERR_DISPOSED");
  return Napi::Number::New(info.Env(), static_cast<double>(model_->paramCount()));
}

Napi::Value ModelWrap::optimizerStep(const Napi::CallbackInfo& info) {
  if (!model_) throwNativeError(info.Env(), "optimizerStep: this AnomalyModel was disposed", "ERR_DISPOSED");
  return Napi::Number::New(info.Env(), static_cast<double>(model_->optimizerStep()));
}

Napi::Value ModelWrap::paramSlots(const Napi::CallbackInfo& info) {
  if (!model_) throwNativeError(info.Env(), "paramSlots: this AnomalyModel was disposed", "ERR_DISPOSED");
  return paramSlotsToJs(info.Env(), model_->paramSlots());
}

Napi::Value ModelWrap::getParams(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rnnad::AnomalyModel& model = live(env, "getParams");
  F32 out = requireF32(info[0], "out", model.paramCount());
  std::copy(model.params(), model.params() + out.length, out.data);
  return env.Undefined();
}

Napi::Value ModelWrap::setParams(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rnnad::AnomalyModel& model = live(env, "setParams");
  F32 flat = requireF32(info[0], "parameters", model.paramCount());
  guarded(env, "setParams", [&] { model.setParams(flat.data, flat.length); });
  return env.Undefined();
}

Napi::Value ModelWrap::predict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rnnad::AnomalyModel& model = live(env, "predict");
  Batch b = parseBatch(info, false);
  F32 out = requireF32(info[3], "out", outputLength(b.batch, b.steps));
  requireDisjoint(env, {{"out", &out}}, {{"x", &b.x}});
  guarded(env, "predict", [&] { model.predict(b.x.data, b.batch, b.steps, out.data); });
  return env.Undefined();
}

Napi::Value ModelWrap::predictAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  live(env, "predictAsync");
  Batch b = parseBatch(info, false);
  F32 out = requireF32(info[3], "out", outputLength(b.batch, b.steps));
  // The job works on copies, but the contract is the synchronous call's.
  requireDisjoint(env, {{"out", &out}}, {{"x", &b.x}});
  auto* job = new AsyncJob(env, "predictAsync", busy_, Value());
  const float* x = job->input(b.x);
  float* o = job->output(out, "out");
  std::shared_ptr<const rnnad::AnomalyModel> m = model_;
  const int batch = b.batch, steps = b.steps;
  return job->start([m, x, batch, steps, o] { m->predict(x, batch, steps, o); }, nullptr);
}

Napi::Value ModelWrap::loss(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rnnad::AnomalyModel& model = live(env, "loss");
  Batch b = parseBatch(info, true);
  double l = guarded(env, "loss", [&] { return model.loss(b.x.data, b.target.data, b.batch, b.steps); });
  return Napi::Number::New(env, l);
}

Napi::Value ModelWrap::lossAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  live(env, "lossAsync");
  Batch b = parseBatch(info, true);
  auto* job = new AsyncJob(env, "lossAsync", busy_, Value());
  const float *x = job->input(b.x), *t = job->input(b.target);
  std::shared_ptr<const rnnad::AnomalyModel> m = model_;
  auto result = std::make_shared<double>(0.0);
  const int batch = b.batch, steps = b.steps;
  return job->start([m, x, t, batch, steps, result] { *result = m->loss(x, t, batch, steps); },
                    [result](Napi::Env e) -> Napi::Value { return Napi::Number::New(e, *result); });
}

Napi::Value ModelWrap::gradient(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rnnad::AnomalyModel& model = live(env, "gradient");
  Batch b = parseBatch(info, true);
  F32 grads = requireF32(info[4], "grads", model.paramCount());
  requireDisjoint(env, {{"grads", &grads}}, {{"x", &b.x}, {"target", &b.target}});
  double l =
      guarded(env, "gradient", [&] { return model.gradient(b.x.data, b.target.data, b.batch, b.steps, grads.data); });
  return Napi::Number::New(env, l);
}

static rnnad::TrainConfig parseTrainConfig(const Napi::Value& v) {
  Napi::Object o = requireObject(v, "config");
  rnnad::TrainConfig t;
  t.optimizer = static_cast<rnnad::Optimizer>(requireInt(o.Get("optimizer"), "config.optimizer", 0, 1));
  auto positive = [&](const char* key, const char* name) {
    double d = requireNumber(o.Get(key), name);
    if (!(d > 0)) throwOutOfRange(v.Env(), std::string(name) + " must be > 0, got " + std::to_string(d));
    return static_cast<float>(d);
  };
  auto inUnit = [&](const char* key, const char* name) {
    double d = requireNumber(o.Get(key), name);
    if (!(d >= 0 && d < 1))
      throwOutOfRange(v.Env(), std::string(name) + " must be in [0, 1), got " + std::to_string(d));
    return static_cast<float>(d);
  };
  auto nonNegative = [&](const char* key, const char* name) {
    double d = requireNumber(o.Get(key), name);
    if (!(d >= 0)) throwOutOfRange(v.Env(), std::string(name) + " must be >= 0, got " + std::to_string(d));
    return static_cast<float>(d);
  };
  t.adam.lr = positive("lr", "config.lr");
  t.adam.beta1 = inUnit("beta1", "config.beta1");
  t.adam.beta2 = inUnit("beta2", "config.beta2");
  t.adam.eps = positive("eps", "config.eps");
  t.adam.weightDecay = nonNegative("weightDecay", "config.weightDecay");
  t.momentum = inUnit("momentum", "config.momentum");
  t.clipNorm = nonNegative("clipNorm", "config.clipNorm");
  return t;
}

static Napi::Object trainResult(Napi::Env env, double loss, double gradNorm) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("loss", loss);
  o.Set("gradNorm", gradNorm);
  return o;
}

// The config is read before the batch: its getters run before any data pointer is taken.
Napi::Value ModelWrap::trainStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rnnad::AnomalyModel& model = live(env, "trainStep");
  rnnad::TrainConfig cfg = parseTrainConfig(info[4]);
  Batch b = parseBatch(info, true);
  double norm = 0;
  double l =
      guarded(env, "trainStep", [&] { return model.trainStep(b.x.data, b.target.data, b.batch, b.steps, cfg, &norm); });
  return trainResult(env, l, norm);
}

Napi::Value ModelWrap::trainStepAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  live(env, "trainStepAsync");
  rnnad::TrainConfig cfg = parseTrainConfig(info[4]);
  Batch b = parseBatch(info, true);
  auto* job = new AsyncJob(env, "trainStepAsync", busy_, Value());
  const float *x = job->input(b.x), *t = job->input(b.target);
  std::shared_ptr<rnnad::AnomalyModel> m = model_;
  struct Out {
    double loss = 0, norm = 0;
  };
  auto out = std::make_shared<Out>();
  const int batch = b.batch, steps = b.steps;
  return job->start(
      [m, x, t, batch, steps, cfg, out] { out->loss = m->trainStep(x, t, batch, steps, cfg, &out->norm); },
      [out](Napi::Env e) -> Napi::Value { return trainResult(e, out->loss, out->norm); });
}

Napi::Value ModelWrap::resetOptimizer(const Napi::CallbackInfo& info) {
  rnnad::AnomalyModel& model = live(info.Env(), "resetOptimizer");
  model.resetOptimizer();
  return info.Env().Undefined();
}

Napi::Value ModelWrap::getOptimizerState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rnnad::AnomalyModel& model = live(env, "getOptimizerState");
  F32 out = requireF32(info[0], "out", 2 * model.paramCount());
  std::vector<float> state = model.optimizerState();
  if (state.size() != out.length) throwNativeError(env, "optimizer state has an unexpected size", "ERR_NATIVE");
  std::copy(state.begin(), state.end(), out.data);
  return env.Undefined();
}

Napi::Value ModelWrap::setOptimizerState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rnnad::AnomalyModel& model = live(env, "setOptimizerState");
  F32 state = requireF32(info[0], "state", 2 * model.paramCount());
  double step = requireNumber(info[1], "step");
  if (step < 0 || step != static_cast<double>(static_cast<int64_t>(step))) {
    throwOutOfRange(env, "step must be a non-negative integer, got " + std::to_string(step));
  }
  guarded(env, "setOptimizerState", [&] {
    model.setOptimizerState(state.data, state.length);
    model.setOptimizerStep(static_cast<int64_t>(step));
  });
  return env.Undefined();
}

Napi::Value ModelWrap::makeStream(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  rnnad::AnomalyModel& model = live(env, "makeStream");
  int streams = requireInt(info[0], "streams", 1, kMaxStreams);
  int steps = requireInt(info[1], "steps", 1, kMaxSteps);
  checkedMul(
      env, "stream state",
      {size_t(streams), size_t(steps), size_t(model.config().stack.hiddenSize), size_t(model.config().stack.layers)});
  Napi::Object obj = env.GetInstanceData<AddonData>()->streamCtor.New({});
  StreamWrap::Unwrap(obj)->attach(env, model_, busy_, streams, steps);
  return obj;
}

// ---- StreamWrap ----

Napi::Function StreamWrap::define(Napi::Env env) {
  return DefineClass(env, "AnomalyStream",
                     {
                         InstanceAccessor<&StreamWrap::streams>("streams"),
                         InstanceAccessor<&StreamWrap::steps>("steps"),
                         InstanceMethod<&StreamWrap::push>("push"),
                         InstanceMethod<&StreamWrap::reset>("reset"),
                         InstanceMethod<&StreamWrap::dispose>("dispose"),
                     });
}

StreamWrap::StreamWrap(const Napi::CallbackInfo& info) : CheckedWrap<StreamWrap>(info) {}

void StreamWrap::attach(Napi::Env env, std::shared_ptr<const rnnad::AnomalyModel> model, std::shared_ptr<BusyFlag> busy,
                        int streams, int steps) {
  stream_ = guarded(env, "makeStream", [&] { return model->makeStream(streams, steps); });
  const rnnad::StackConfig& c = model->config().stack;
  // Per stream: `steps` windows in flight, each with a state per layer (h, and c for lstm).
  const int states = c.cell == rnnad::Cell::Lstm ? 2 : 1;
  reportNativeBytes(static_cast<int64_t>(size_t(streams) * steps * c.layers * c.hiddenSize * states * sizeof(float)));
  model_ = std::move(model);
  busy_ = std::move(busy);
  streams_ = streams;
  steps_ = steps;
}

const rnnad::AnomalyModel& StreamWrap::live(Napi::Env env, const char* what) const {
  if (!model_) {
    throwNativeError(env, std::string(what) + ": this stream was disposed or not created by AnomalyModel.makeStream",
                     "ERR_DISPOSED");
  }
  return *model_;
}

Napi::Value StreamWrap::dispose(const Napi::CallbackInfo& info) {
  stream_.reset();
  model_.reset();
  busy_.reset();
  reportNativeBytes(0);
  return info.Env().Undefined();
}

Napi::Value StreamWrap::streams(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), streams_); }
Napi::Value StreamWrap::steps(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), steps_); }

Napi::Value StreamWrap::push(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const rnnad::AnomalyModel& model = live(env, "stream.push");
  busy_->check(env, "stream.push");
  const rnnad::ModelConfig& c = model.config();
  int count = streams_;
  const int32_t* ids = nullptr;
  if (!info[1].IsNull() && !info[1].IsUndefined()) {
    if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
      throwInvalidArgument(env, "ids must be an Int32Array or null");
    }
    Napi::Int32Array arr = info[1].As<Napi::Int32Array>();
    count = static_cast<int>(arr.ElementLength());
    if (count < 1 || count > streams_) {
      throwOutOfRange(
          env, "ids must hold 1 to " + std::to_string(streams_) + " stream indices, got " + std::to_string(count));
    }
    ids = arr.Data();
    for (int i = 0; i < count; ++i) {
      if (ids[i] < 0 || ids[i] >= streams_) {
        throwOutOfRange(env, "ids[" + std::to_string(i) + "] must be a stream index in [0, " +
                                 std::to_string(streams_ - 1) + "], got " + std::to_string(ids[i]));
      }
      for (int j = 0; j < i; ++j) {
        if (ids[j] == ids[i])
          throwOutOfRange(env, "ids must not repeat a stream, " + std::to_string(ids[i]) + " appears twice");
      }
    }
  }
  const size_t outLen = model.outputLength(steps_);
  F32 x = requireF32(info[0], "x", checkedMul(env, "x", {size_t(count), size_t(c.stack.inputSize)}));
  F32 out = requireF32(info[2], "out", checkedMul(env, "out", {size_t(count), outLen}));
  if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      info[3].As<Napi::Uint8Array>().ElementLength() != size_t(count)) {
    throwInvalidArgument(env, "ready must be a Uint8Array of " + std::to_string(count) + " elements");
  }
  uint8_t* ready = info[3].As<Napi::Uint8Array>().Data();
  // ready is written while ids are still read, out after x was: every output apart from every input.
  requireDisjoint(env, {{"out", &out}, {"ready", ready, size_t(count)}},
                  {{"x", &x}, {"ids", ids, ids ? size_t(count) * sizeof(int32_t) : 0}});
  guarded(env, "stream.push", [&] { model.streamPush(*stream_, x.data, ids, count, out.data, ready); });
  return env.Undefined();
}

Napi::Value StreamWrap::reset(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const rnnad::AnomalyModel& model = live(env, "stream.reset");
  int id = requireInt(info[0], "streamId", 0, streams_ - 1);
  guarded(env, "stream.reset", [&] { model.streamReset(*stream_, id); });
  return env.Undefined();
}

}  // namespace rnnad_binding

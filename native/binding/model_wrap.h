// JS classes AnomalyModel and AnomalyStream over rnnad::AnomalyModel (interface in
// src/engine/native-types.ts). A ModelWrap owns its model and, like StackWrap, refuses every
// call while one of its async calls runs. A StreamWrap owns its native stream state and holds a
// reference to its model's JS object, so the model outlives it.
#pragma once
#include <napi.h>

#include <memory>

#include "addon_data.h"
#include "api.h"
#include "async_job.h"

namespace rnnad_binding {

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit ModelWrap(const Napi::CallbackInfo& info);

  rnnad::AnomalyModel& model() { return *model_; }
  BusyFlag& busy() { return busy_; }
  void checkIdle(Napi::Env env, const char* what);

 private:
  struct Batch;
  Batch parseBatch(const Napi::CallbackInfo& info, bool withTarget);
  size_t outputLength(int batch, int steps) const;

  Napi::Value paramCount(const Napi::CallbackInfo& info);
  Napi::Value paramSlots(const Napi::CallbackInfo& info);
  Napi::Value getParams(const Napi::CallbackInfo& info);
  Napi::Value setParams(const Napi::CallbackInfo& info);
  Napi::Value predict(const Napi::CallbackInfo& info);
  Napi::Value predictAsync(const Napi::CallbackInfo& info);
  Napi::Value loss(const Napi::CallbackInfo& info);
  Napi::Value lossAsync(const Napi::CallbackInfo& info);
  Napi::Value gradient(const Napi::CallbackInfo& info);
  Napi::Value trainStep(const Napi::CallbackInfo& info);
  Napi::Value trainStepAsync(const Napi::CallbackInfo& info);
  Napi::Value resetOptimizer(const Napi::CallbackInfo& info);
  Napi::Value optimizerStep(const Napi::CallbackInfo& info);
  Napi::Value getOptimizerState(const Napi::CallbackInfo& info);
  Napi::Value setOptimizerState(const Napi::CallbackInfo& info);
  Napi::Value makeStream(const Napi::CallbackInfo& info);

  std::unique_ptr<rnnad::AnomalyModel> model_;
  BusyFlag busy_;
};

class StreamWrap : public Napi::ObjectWrap<StreamWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit StreamWrap(const Napi::CallbackInfo& info);
  void attach(ModelWrap* owner, Napi::Object ownerObject, int streams, int steps);

 private:
  Napi::Value streams(const Napi::CallbackInfo& info);
  Napi::Value steps(const Napi::CallbackInfo& info);
  Napi::Value push(const Napi::CallbackInfo& info);
  Napi::Value reset(const Napi::CallbackInfo& info);

  ModelWrap* owner_ = nullptr;
  Napi::ObjectReference ownerRef_;  // the model must outlive its streams
  rnnad::AnomalyModel::StreamPtr stream_;
  int streams_ = 0;
  int steps_ = 0;
};

}  // namespace rnnad_binding

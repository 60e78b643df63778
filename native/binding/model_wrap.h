// JS classes AnomalyModel and AnomalyStream over rnnad::AnomalyModel (interface in
// src/engine/native-types.ts). A ModelWrap holds a share of its model (its streams and running
// async jobs hold their own) and, like StackWrap, refuses every call while one of its async
// calls runs. A StreamWrap owns its native stream state and holds shares of the model and of
// the model's busy flag, so it keeps working after the model object is disposed or collected.
#pragma once
#include <napi.h>

#include <memory>

#include "addon_data.h"
#include "api.h"
#include "async_job.h"
#include "wrap_base.h"

namespace rnnad_binding {

class ModelWrap : public CheckedWrap<ModelWrap> {
 public:
  static constexpr napi_type_tag kTypeTag = {0x5e6f708192a3b4c5, 0xd6e7f8091a2b3c4d};
  static constexpr const char* kClassName = "AnomalyModel";
  static Napi::Function define(Napi::Env env);
  explicit ModelWrap(const Napi::CallbackInfo& info);

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
  Napi::Value dispose(const Napi::CallbackInfo& info);

  // The model, refusing calls while busy (what names the call) and after dispose.
  rnnad::AnomalyModel& live(Napi::Env env, const char* what);

  std::shared_ptr<rnnad::AnomalyModel> model_;
  std::shared_ptr<BusyFlag> busy_ = std::make_shared<BusyFlag>();
};

class StreamWrap : public CheckedWrap<StreamWrap> {
 public:
  static constexpr napi_type_tag kTypeTag = {0x9a0b1c2d3e4f5061, 0x728394a5b6c7d8e9};
  static constexpr const char* kClassName = "AnomalyStream";
  static Napi::Function define(Napi::Env env);
  explicit StreamWrap(const Napi::CallbackInfo& info);
  void attach(Napi::Env env, std::shared_ptr<const rnnad::AnomalyModel> model, std::shared_ptr<BusyFlag> busy,
              int streams, int steps);

 private:
  Napi::Value streams(const Napi::CallbackInfo& info);
  Napi::Value steps(const Napi::CallbackInfo& info);
  Napi::Value push(const Napi::CallbackInfo& info);
  Napi::Value reset(const Napi::CallbackInfo& info);
  Napi::Value dispose(const Napi::CallbackInfo& info);
  // The model, refusing calls on a stream that was never attached or was disposed.
  const rnnad::AnomalyModel& live(Napi::Env env, const char* what) const;

  std::shared_ptr<const rnnad::AnomalyModel> model_;
  std::shared_ptr<BusyFlag> busy_;
  rnnad::AnomalyModel::StreamPtr stream_;
  int streams_ = 0;
  int steps_ = 0;
};

}  // namespace rnnad_binding

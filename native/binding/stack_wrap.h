// JS class RecurrentStack over rnnad::RecurrentStack (interface in src/engine/native-types.ts).
// Owns the native stack and its training tape. Every method runs on the JS thread; while an
// async call runs (busy_), every other call on the object is refused with ERR_BUSY, so the
// worker thread is the only user of the stack and tape until the promise settles.
#pragma once
#include <napi.h>

#include <memory>

#include "api.h"
#include "async_job.h"

namespace rnnad_binding {

rnnad::StackConfig parseStackConfig(const Napi::Object& cfg, const char* what);
Napi::Array paramSlotsToJs(Napi::Env env, const std::vector<rnnad::ParamSlot>& slots);

class StackWrap : public Napi::ObjectWrap<StackWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit StackWrap(const Napi::CallbackInfo& info);
  void checkIdle(Napi::Env env, const char* what);

 private:
  struct ForwardCall;
  struct BackwardCall;
  ForwardCall parseForward(const Napi::CallbackInfo& info);
  BackwardCall parseBackward(const Napi::CallbackInfo& info);

  Napi::Value paramCount(const Napi::CallbackInfo& info);
  Napi::Value paramSlots(const Napi::CallbackInfo& info);
  Napi::Value getParams(const Napi::CallbackInfo& info);
  Napi::Value setParams(const Napi::CallbackInfo& info);
  Napi::Value setParam(const Napi::CallbackInfo& info);
  Napi::Value tapeBytes(const Napi::CallbackInfo& info);
  Napi::Value forward(const Napi::CallbackInfo& info);
  Napi::Value forwardAsync(const Napi::CallbackInfo& info);
  Napi::Value backward(const Napi::CallbackInfo& info);
  Napi::Value backwardAsync(const Napi::CallbackInfo& info);
  Napi::Value step(const Napi::CallbackInfo& info);
  Napi::Value makeStepper(const Napi::CallbackInfo& info);

  std::unique_ptr<rnnad::RecurrentStack> stack_;
  rnnad::TrainTapePtr tape_;
  int tapeBatch_ = 0;
  int tapeSteps_ = 0;
  bool tapeValid_ = false;
  BusyFlag busy_;
};

}  // namespace rnnad_binding

// JS class RecurrentStack over rnnad::RecurrentStack (interface in src/engine/native-types.ts).
// Holds shares of the native stack and its training tape; its steppers and running async jobs
// hold their own, so dispose() (or finalization) never frees memory another user still needs.
// Every method runs on the JS thread; while an async call runs (busy_), every other call on the
// object and its steppers is refused with ERR_BUSY.
#pragma once
#include <napi.h>

#include <memory>

#include "api.h"
#include "async_job.h"
#include "wrap_base.h"

namespace rnnad_binding {

rnnad::StackConfig parseStackConfig(const Napi::Object& cfg, const char* what);
Napi::Array paramSlotsToJs(Napi::Env env, const std::vector<rnnad::ParamSlot>& slots);

class StackWrap : public CheckedWrap<StackWrap> {
 public:
  static constexpr napi_type_tag kTypeTag = {0x8f1d2c3b4a596877, 0x1a2b3c4d5e6f7081};
  static constexpr const char* kClassName = "RecurrentStack";
  static Napi::Function define(Napi::Env env);
  explicit StackWrap(const Napi::CallbackInfo& info);

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
  Napi::Value dispose(const Napi::CallbackInfo& info);

  // The stack, refusing calls while busy (what names the call) and after dispose.
  rnnad::RecurrentStack& live(Napi::Env env, const char* what);
  void reportMemory();

  std::shared_ptr<rnnad::RecurrentStack> stack_;
  std::shared_ptr<rnnad::TrainTape> tape_;
  size_t tapeBytes_ = 0;
  int tapeBatch_ = 0;
  int tapeSteps_ = 0;
  bool tapeValid_ = false;
  std::shared_ptr<BusyFlag> busy_ = std::make_shared<BusyFlag>();
};

}  // namespace rnnad_binding

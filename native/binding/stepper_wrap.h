// JS class Stepper: the streaming fast path of a RecurrentStack. The carried state lives in
// native memory, so a step parses only the input and output arrays (W1: one step of a batch of
// streams, state carried between calls).
#pragma once
#include <napi.h>

#include <vector>

#include "api.h"

namespace rnnad_binding {

class StackWrap;

class StepperWrap : public Napi::ObjectWrap<StepperWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit StepperWrap(const Napi::CallbackInfo& info);
  void attach(StackWrap* owner, Napi::Object ownerObject, const rnnad::RecurrentStack* stack, int batch);

 private:
  Napi::Value batch(const Napi::CallbackInfo& info);
  Napi::Value step(const Napi::CallbackInfo& info);
  Napi::Value getState(const Napi::CallbackInfo& info);
  Napi::Value setState(const Napi::CallbackInfo& info);
  Napi::Value reset(const Napi::CallbackInfo& info);
  void checkAttached(Napi::Env env) const;

  StackWrap* owner_ = nullptr;
  Napi::ObjectReference ownerRef_;  // the stack must outlive its steppers
  const rnnad::RecurrentStack* stack_ = nullptr;
  int batch_ = 0;
  std::vector<float> h_, c_;  // [layers][batch][hidden]
};

}  // namespace rnnad_binding

// JS class Stepper: the streaming fast path of a RecurrentStack. The carried state lives in
// native memory, so a step parses only the input and output arrays (W1: one step of a batch of
// streams, state carried between calls). A stepper holds its own share of the stack and of the
// stack's busy flag: it keeps working after the stack object is disposed or collected, and is
// refused while an async call on the stack runs.
#pragma once
#include <napi.h>

#include <memory>

#include "api.h"
#include "async_job.h"
#include "buffers.h"
#include "wrap_base.h"

namespace rnnad_binding {

class StepperWrap : public CheckedWrap<StepperWrap> {
 public:
  static constexpr napi_type_tag kTypeTag = {0x2c3d4e5f60718293, 0xa4b5c6d7e8f90a1b};
  static constexpr const char* kClassName = "Stepper";
  static Napi::Function define(Napi::Env env);
  explicit StepperWrap(const Napi::CallbackInfo& info);
  void attach(Napi::Env env, std::shared_ptr<const rnnad::RecurrentStack> stack, std::shared_ptr<BusyFlag> busy,
              int batch);

 private:
  Napi::Value batch(const Napi::CallbackInfo& info);
  Napi::Value step(const Napi::CallbackInfo& info);
  Napi::Value getState(const Napi::CallbackInfo& info);
  Napi::Value setState(const Napi::CallbackInfo& info);
  Napi::Value reset(const Napi::CallbackInfo& info);
  Napi::Value dispose(const Napi::CallbackInfo& info);
  // The stack, refusing calls on a stepper that was never attached or was disposed.
  const rnnad::RecurrentStack& live(Napi::Env env, const char* what) const;

  std::shared_ptr<const rnnad::RecurrentStack> stack_;
  std::shared_ptr<BusyFlag> busy_;
  int batch_ = 0;
  rnnad::Buffer<float> h_, c_;  // [layers][batch][hidden]
};

}  // namespace rnnad_binding

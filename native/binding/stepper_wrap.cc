#include "stepper_wrap.h"

#include <algorithm>

#include "args.h"
#include "guarded.h"
#include "js_errors.h"

namespace rnnad_binding {

Napi::Function StepperWrap::define(Napi::Env env) {
  return DefineClass(env, "Stepper",
                     {
                         InstanceAccessor<&StepperWrap::batch>("batch"),
                         InstanceMethod<&StepperWrap::step>("step"),
                         InstanceMethod<&StepperWrap::getState>("getState"),
                         InstanceMethod<&StepperWrap::setState>("setState"),
                         InstanceMethod<&StepperWrap::reset>("reset"),
                         InstanceMethod<&StepperWrap::dispose>("dispose"),
                     });
}

StepperWrap::StepperWrap(const Napi::CallbackInfo& info) : CheckedWrap<StepperWrap>(info) {}

void StepperWrap::attach(Napi::Env env, std::shared_ptr<const rnnad::RecurrentStack> stack,
                         std::shared_ptr<BusyFlag> busy, int batch) {
  const rnnad::StackConfig& c = stack->config();
  const size_t n = size_t(c.layers) * batch * c.hiddenSize;
  guarded(env, "makeStepper", [&] {
    h_.assign(n, 0.f);
    if (c.cell == rnnad::Cell::Lstm) c_.assign(n, 0.f);
  });
  stack_ = std::move(stack);
  busy_ = std::move(busy);
  batch_ = batch;
  reportNativeBytes(static_cast<int64_t>((h_.size() + c_.size()) * sizeof(float)));
}

const rnnad::RecurrentStack& StepperWrap::live(Napi::Env env, const char* what) const {
  if (!stack_) {
    throwNativeError(env,
                     std::string(what) + ": this stepper was disposed or not created by RecurrentStack.makeStepper",
                     "ERR_DISPOSED");
  }
  return *stack_;
}

Napi::Value StepperWrap::dispose(const Napi::CallbackInfo& info) {
  stack_.reset();
  busy_.reset();
  rnnad::Buffer<float>().swap(h_);
  rnnad::Buffer<float>().swap(c_);
  reportNativeBytes(0);
  return info.Env().Undefined();
}

Napi::Value StepperWrap::batch(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), batch_); }

// step(x [batch][inputSize], out [batch][hidden] | null)
Napi::Value StepperWrap::step(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const rnnad::RecurrentStack& stack = live(env, "stepper.step");
  busy_->check(env, "stepper.step");
  const rnnad::StackConfig& c = stack.config();
  F32 x = requireF32(info[0], "x", size_t(batch_) * c.inputSize);
  F32 out = optionalF32(info[1], "out", size_t(batch_) * c.hiddenSize);
  requireDisjoint(env, {{"out", &out}}, {{"x", &x}});
  guarded(env, "stepper.step",
          [&] { stack.step(x.data, batch_, 1, h_.data(), c_.empty() ? nullptr : c_.data(), out.data); });
  return env.Undefined();
}

// getState(h, c?) copies the carried state out; setState(h, c?) copies it in.
Napi::Value StepperWrap::getState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  live(env, "stepper.getState");
  F32 h = requireF32(info[0], "h", h_.size());
  F32 c = c_.empty() ? F32{} : requireF32(info[1], "c", c_.size());
  requireDisjoint(env, {{"h", &h}, {"c", &c}}, {});
  std::copy(h_.begin(), h_.end(), h.data);
  if (!c_.empty()) std::copy(c_.begin(), c_.end(), c.data);
  return env.Undefined();
}

Napi::Value StepperWrap::setState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  live(env, "stepper.setState");
  F32 h = requireF32(info[0], "h", h_.size());
  F32 c = c_.empty() ? F32{} : requireF32(info[1], "c", c_.size());
  std::copy(h.data, h.data + h.length, h_.begin());
  if (!c_.empty()) std::copy(c.data, c.data + c.length, c_.begin());
  return env.Undefined();
}

Napi::Value StepperWrap::reset(const Napi::CallbackInfo& info) {
  live(info.Env(), "stepper.reset");
  std::fill(h_.begin(), h_.end(), 0.f);
  std::fill(c_.begin(), c_.end(), 0.f);
  return info.Env().Undefined();
}

}  // namespace rnnad_binding

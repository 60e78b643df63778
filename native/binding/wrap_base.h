// Base of every JS class the addon defines. It makes the addon safe against callers that
// bypass the TypeScript layer:
// - Receivers are checked: each instance carries its class's type tag, and every method and
//   getter unwraps `this` through Unwrap below, which refuses an object of another class (or a
//   plain object) with an InvalidArgumentError instead of reinterpreting its memory.
// - Native memory is reported to V8 (napi_adjust_external_memory), so the garbage collector
//   sees what an instance holds and collects dropped instances in time; the report is withdrawn
//   when the instance releases its memory (dispose) or is finalized.
// Must be used on the JS thread of the instance's environment only.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

#include "js_errors.h"

namespace rnnad_binding {

template <class T>
class CheckedWrap : public Napi::ObjectWrap<T> {
 public:
  // Hides ObjectWrap<T>::Unwrap, which node-addon-api's method and accessor callbacks call as
  // T::Unwrap(this).
  static T* Unwrap(Napi::Object receiver) {
    napi_env env = receiver.Env();
    bool tagged = false;
    if (napi_check_object_type_tag(env, receiver, &T::kTypeTag, &tagged) != napi_ok || !tagged) {
      bool pending = false;
      if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
        napi_value ignored;
        napi_get_and_clear_last_exception(env, &ignored);
      }
      throwInvalidArgument(Napi::Env(env), std::string("a ") + T::kClassName +
                                               " method was called on an object that is not a " + T::kClassName);
    }
    return Napi::ObjectWrap<T>::Unwrap(receiver);
  }

 protected:
  explicit CheckedWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<T>(info), env_(info.Env()) {
    if (napi_type_tag_object(info.Env(), info.This(), &T::kTypeTag) != napi_ok) {
      throwInvalidArgument(info.Env(), std::string(T::kClassName) + " could not tag its instance");
    }
  }

  ~CheckedWrap() override { reportNativeBytes(0); }

  // The native memory this instance holds now, in bytes (replaces the previous report).
  void reportNativeBytes(int64_t bytes) {
    if (bytes == reported_) return;
    int64_t total = 0;
    napi_adjust_external_memory(env_, bytes - reported_, &total);
    reported_ = bytes;
  }

 private:
  napi_env env_;
  int64_t reported_ = 0;
};

}  // namespace rnnad_binding

#include "js_errors.h"

#include "addon_data.h"

namespace rnnad_binding {

static Napi::FunctionReference* errorClass(AddonData* data, ErrorKind kind) {
  if (!data) return nullptr;
  Napi::FunctionReference* ref = nullptr;
  switch (kind) {
    case ErrorKind::InvalidArgument:
      ref = &data->invalidArgumentError;
      break;
    case ErrorKind::OutOfRange:
      ref = &data->outOfRangeError;
      break;
    case ErrorKind::NotFitted:
      ref = &data->notFittedError;
      break;
    case ErrorKind::Native:
      ref = &data->nativeError;
      break;
  }
  return ref->IsEmpty() ? nullptr : ref;
}

Napi::Error makeError(Napi::Env env, ErrorKind kind, const std::string& message, const char* code) {
  if (Napi::FunctionReference* ctor = errorClass(env.GetInstanceData<AddonData>(), kind)) {
    Napi::Object err = ctor->New({Napi::String::New(env, message), Napi::String::New(env, code)});
    return Napi::Error(env, err);
  }
  Napi::Error err = kind == ErrorKind::InvalidArgument ? Napi::TypeError::New(env, message)
                    : kind == ErrorKind::OutOfRange    ? Napi::RangeError::New(env, message)
                                                       : Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  return err;
}

Napi::Value setErrorClasses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throwInvalidArgument(env, "setErrorClasses expects an object of error classes");
  Napi::Object classes = info[0].As<Napi::Object>();
  auto get = [&](const char* name) {
    Napi::Value v = classes.Get(name);
    if (!v.IsFunction()) throwInvalidArgument(env, std::string("setErrorClasses: ") + name + " must be a class");
    return Napi::Persistent(v.As<Napi::Function>());
  };
  // Read all four before storing any, so a bad call leaves the previous classes in place.
  Napi::FunctionReference invalidArgument = get("InvalidArgumentError"), outOfRange = get("OutOfRangeError"),
                          notFitted = get("NotFittedError"), native = get("NativeError");
  AddonData* data = env.GetInstanceData<AddonData>();
  data->invalidArgumentError = std::move(invalidArgument);
  data->outOfRangeError = std::move(outOfRange);
  data->notFittedError = std::move(notFitted);
  data->nativeError = std::move(native);
  return env.Undefined();
}

}  // namespace rnnad_binding

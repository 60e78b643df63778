// JS errors thrown by the binding: TypeError or RangeError with a stable `code` property, so the
// TypeScript layer and users can branch on err.code (the same codes as src/errors.ts).
#pragma once
#include <napi.h>

#include <string>

namespace rnnad_binding {

[[noreturn]] inline void throwTypeError(Napi::Env env, const std::string& message,
                                        const char* code = "ERR_INVALID_ARG_TYPE") {
  Napi::Error err = Napi::TypeError::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  throw err;
}

[[noreturn]] inline void throwRangeError(Napi::Env env, const std::string& message,
                                         const char* code = "ERR_OUT_OF_RANGE") {
  Napi::Error err = Napi::RangeError::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  throw err;
}

[[noreturn]] inline void throwError(Napi::Env env, const std::string& message, const char* code) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  throw err;
}

// A failure reported by the kernels (std::exception) turned into a JS error with context.
Napi::Error kernelFailure(Napi::Env env, const std::string& what, const std::string& context);

}  // namespace rnnad_binding

// The JS errors the binding throws or rejects with. Each is an instance of one of the library's
// error classes (src/errors.ts: InvalidArgumentError, OutOfRangeError, NotFittedError,
// NativeError) carrying a `code` from ErrorCode, so a caller that bypasses the TypeScript layer
// gets the same typed errors. Until setErrorClasses has run (the loader calls it right after
// loading) they are plain TypeError / RangeError / Error objects with the same `code`.
// Must be called on the JS thread of `env`.
#pragma once
#include <napi.h>

#include <string>

namespace rnnad_binding {

enum class ErrorKind {
  InvalidArgument,  // wrong type, shape rule or combination: InvalidArgumentError (a TypeError)
  OutOfRange,       // a number or size outside its range: OutOfRangeError (a RangeError)
  NotFitted,        // used before the state it needs exists: NotFittedError
  Native,           // busy, out of memory or an internal failure: NativeError
};

Napi::Error makeError(Napi::Env env, ErrorKind kind, const std::string& message, const char* code);

[[noreturn]] inline void throwInvalidArgument(Napi::Env env, const std::string& message,
                                              const char* code = "ERR_INVALID_ARGUMENT") {
  throw makeError(env, ErrorKind::InvalidArgument, message, code);
}

[[noreturn]] inline void throwOutOfRange(Napi::Env env, const std::string& message,
                                         const char* code = "ERR_OUT_OF_RANGE") {
  throw makeError(env, ErrorKind::OutOfRange, message, code);
}

[[noreturn]] inline void throwNotFitted(Napi::Env env, const std::string& message) {
  throw makeError(env, ErrorKind::NotFitted, message, "ERR_NOT_FITTED");
}

// code: ERR_BUSY, ERR_OUT_OF_MEMORY or ERR_NATIVE.
[[noreturn]] inline void throwNativeError(Napi::Env env, const std::string& message, const char* code) {
  throw makeError(env, ErrorKind::Native, message, code);
}

// setErrorClasses({ InvalidArgumentError, OutOfRangeError, NotFittedError, NativeError }).
Napi::Value setErrorClasses(const Napi::CallbackInfo& info);

}  // namespace rnnad_binding

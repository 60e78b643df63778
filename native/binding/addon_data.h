// Per-environment state of the addon (one per main thread or worker), stored with
// napi_set_instance_data and freed when that environment is torn down. Holds only references
// into that environment's heap, so it is never shared between threads.
#pragma once
#include <napi.h>

namespace rnnad_binding {

struct AddonData {
  // Constructors the addon creates instances of after module init.
  Napi::FunctionReference streamCtor;
  Napi::FunctionReference stepperCtor;
  // The library's error classes (src/errors.ts), handed over once by setErrorClasses right
  // after the addon is loaded; each is called as new Class(message, code).
  Napi::FunctionReference invalidArgumentError;
  Napi::FunctionReference outOfRangeError;
  Napi::FunctionReference notFittedError;
  Napi::FunctionReference nativeError;
};

}  // namespace rnnad_binding

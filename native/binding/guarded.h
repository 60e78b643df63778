// Runs a synchronous kernel call on the main thread with denormals flushed, turning kernel
// exceptions into JS errors with context instead of letting them escape as aborts.
#pragma once
#include <napi.h>

#include <new>
#include <string>

#include "api.h"
#include "js_errors.h"

namespace rnnad_binding {

template <class F>
auto guarded(Napi::Env env, const char* context, F&& f) -> decltype(f()) {
  try {
    rnnad::DenormalGuard ftz;
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const rnnad::KernelError& e) {
    throwOutOfRange(env, std::string(context) + ": " + e.what());
  } catch (const std::bad_alloc&) {
    throwNativeError(env, std::string(context) + ": not enough memory", "ERR_OUT_OF_MEMORY");
  } catch (const std::exception& e) {
    throwNativeError(env, std::string(context) + ": " + e.what(), "ERR_NATIVE");
  }
}

}  // namespace rnnad_binding

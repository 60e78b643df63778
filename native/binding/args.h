// Argument extraction and checks for the binding: every size, type and length is verified here
// before a pointer reaches the kernels, even though the TypeScript layer checked it already: a
// native crash would take the user's server down.
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace rnnad_binding {

struct F32 {
  float* data = nullptr;
  size_t length = 0;
  Napi::Value handle;  // the typed array, for keeping it alive during async work
};

// An integer argument in [min, max]; `name` is used in the message.
int requireInt(const Napi::Value& v, const char* name, int min, int max);
double requireNumber(const Napi::Value& v, const char* name);
bool requireBool(const Napi::Value& v, const char* name);
Napi::Object requireObject(const Napi::Value& v, const char* name);

// A Float32Array of exactly `expected` elements (expected is computed with checkedMul).
F32 requireF32(const Napi::Value& v, const char* name, size_t expected);
// null/undefined -> an empty F32 (data == nullptr); otherwise as requireF32.
F32 optionalF32(const Napi::Value& v, const char* name, size_t expected);
// Any length >= 1 (the caller checks it).
F32 requireF32Any(const Napi::Value& v, const char* name);

// Outputs the kernels write while still reading inputs must not share memory with those inputs
// or with each other (aliasing silently corrupts results, and the kernels would read memory they
// already overwrote). Throws an InvalidArgumentError (ERR_INVALID_ARGUMENT) naming both; empty
// arrays (data == nullptr) are skipped. The arrays of any element type are compared as byte
// ranges, so an Int32Array or Uint8Array over a Float32Array's buffer is caught too.
struct NamedBytes {
  NamedBytes(const char* name, const F32* array)
      : name(name), data(array->data), bytes(array->length * sizeof(float)) {}
  NamedBytes(const char* name, const void* data, size_t bytes) : name(name), data(data), bytes(bytes) {}
  const char* name;
  const void* data;
  size_t bytes;
};
void requireDisjoint(Napi::Env env, std::initializer_list<NamedBytes> outputs,
                     std::initializer_list<NamedBytes> inputs);

// a*b*... with overflow detection; throws RangeError naming `what`.
size_t checkedMul(Napi::Env env, const char* what, std::initializer_list<size_t> factors);

}  // namespace rnnad_binding

#include "args.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "js_errors.h"

namespace rnnad_binding {

static std::string typeName(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined:
      return "undefined";
    case napi_null:
      return "null";
    case napi_boolean:
      return "a boolean";
    case napi_number:
      return "a number";
    case napi_string:
      return "a string";
    case napi_symbol:
      return "a symbol";
    case napi_function:
      return "a function";
    case napi_bigint:
      return "a bigint";
    default:
      return v.IsTypedArray() ? "a typed array of another type" : "an object";
  }
}

int requireInt(const Napi::Value& v, const char* name, int min, int max) {
  Napi::Env env = v.Env();
  // One N-API call on the hot path (streaming steps parse several ints per call).
  double d = 0;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    throwInvalidArgument(env, std::string(name) + " must be an integer in [" + std::to_string(min) + ", " +
                                  std::to_string(max) + "], got " + typeName(v));
  }
  if (!std::isfinite(d) || d != std::floor(d) || d < min || d > max) {
    throwOutOfRange(env, std::string(name) + " must be an integer in [" + std::to_string(min) + ", " +
                             std::to_string(max) + "], got " + v.ToString().Utf8Value());
  }
  return static_cast<int>(d);
}

double requireNumber(const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) throwInvalidArgument(v.Env(), std::string(name) + " must be a number, got " + typeName(v));
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d))
    throwOutOfRange(v.Env(), std::string(name) + " must be a finite number, got " + v.ToString().Utf8Value());
  return d;
}

bool requireBool(const Napi::Value& v, const char* name) {
  if (!v.IsBoolean()) throwInvalidArgument(v.Env(), std::string(name) + " must be a boolean, got " + typeName(v));
  return v.As<Napi::Boolean>().Value();
}

Napi::Object requireObject(const Napi::Value& v, const char* name) {
  if (!v.IsObject() || v.IsNull())
    throwInvalidArgument(v.Env(), std::string(name) + " must be an object, got " + typeName(v));
  return v.As<Napi::Object>();
}

F32 requireF32Any(const Napi::Value& v, const char* name) {
  Napi::Env env = v.Env();
  // Two N-API calls per array: the wrappers' getters would make five.
  bool isTypedArray = false;
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void* data = nullptr;
  if (napi_is_typedarray(env, v, &isTypedArray) != napi_ok || !isTypedArray ||
      napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_float32_array) {
    throwInvalidArgument(env, std::string(name) + " must be a Float32Array, got " + typeName(v));
  }
  F32 out;
  out.length = length;
  out.data = length ? static_cast<float*>(data) : nullptr;
  out.handle = v;
  return out;
}

F32 requireF32(const Napi::Value& v, const char* name, size_t expected) {
  F32 out = requireF32Any(v, name);
  if (out.length != expected) {
    throwOutOfRange(
        v.Env(),
        std::string(name) + " must have " + std::to_string(expected) + " elements, got " + std::to_string(out.length),
        "ERR_SHAPE_MISMATCH");
  }
  return out;
}

F32 optionalF32(const Napi::Value& v, const char* name, size_t expected) {
  if (v.IsNull() || v.IsUndefined()) return F32{};
  return requireF32(v, name, expected);
}

static bool overlap(const NamedBytes& a, const NamedBytes& b) {
  if (!a.data || !b.data || a.bytes == 0 || b.bytes == 0) return false;
  const auto a0 = reinterpret_cast<uintptr_t>(a.data), b0 = reinterpret_cast<uintptr_t>(b.data);
  return a0 < b0 + b.bytes && b0 < a0 + a.bytes;
}

void requireDisjoint(Napi::Env env, std::initializer_list<NamedBytes> outputs,
                     std::initializer_list<NamedBytes> inputs) {
  for (auto o = outputs.begin(); o != outputs.end(); ++o) {
    auto check = [&](const NamedBytes& other) {
      if (overlap(*o, other)) {
        throwInvalidArgument(env, std::string(o->name) + " must not share memory with " + other.name +
                                      ": pass a separate array for each output");
      }
    };
    for (auto p = o + 1; p != outputs.end(); ++p) check(*p);
    for (const NamedBytes& in : inputs) check(in);
  }
}

size_t checkedMul(Napi::Env env, const char* what, std::initializer_list<size_t> factors) {
  size_t acc = 1;
  for (size_t f : factors) {
    if (f != 0 && acc > std::numeric_limits<size_t>::max() / f) {
      throwOutOfRange(env, std::string(what) + " is too large (size overflow)", "ERR_OUT_OF_RANGE");
    }
    acc *= f;
  }
  // Typed arrays cannot exceed 2^32 elements in Node 20; anything beyond is a caller error.
  if (acc > (size_t(1) << 33))
    throwOutOfRange(env, std::string(what) + " is too large: " + std::to_string(acc) + " elements");
  return acc;
}

}  // namespace rnnad_binding

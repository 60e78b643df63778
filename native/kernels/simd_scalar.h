// VecScalar: one float per "register". The reference path every SIMD path is tested against,
// compiled for the baseline ISA. Its activations go through double-precision libm, so they are
// correctly rounded or within 1 ulp of the exact value; the SIMD paths approximate them
// (simd_math.h) and are checked against the same double-precision reference.
//
// Everything here has internal linkage (see the RULE in internal.h).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace rnnad {
namespace {

struct VecScalar {
  using reg = float;
  using mask = bool;
  static constexpr int width = 1;

  static reg zero() { return 0.f; }
  static reg set1(float v) { return v; }
  static reg load(const float* p) { return *p; }
  static void store(float* p, reg v) { *p = v; }
  // n < width, so n == 0 here: nothing is read or written.
  static reg loadn(const float* p, int n) { return n > 0 ? *p : 0.f; }
  static void storen(float* p, reg v, int n) {
    if (n > 0) *p = v;
  }

  static reg add(reg a, reg b) { return a + b; }
  static reg sub(reg a, reg b) { return a - b; }
  static reg mul(reg a, reg b) { return a * b; }
  static reg div(reg a, reg b) { return a / b; }
  // Same NaN rule on every path (x86 semantics): when either operand is NaN, b is returned.
  // So max(zero(), x) propagates a NaN x, max(x, zero()) does not.
  static reg max(reg a, reg b) { return a > b ? a : b; }
  static reg min(reg a, reg b) { return a < b ? a : b; }
  // Baseline x86-64 has no FMA instruction and a libm fmaf is a slow software emulation, so the
  // reference rounds twice; the build uses -ffp-contract=off so this is never fused in one place
  // and not in another (which would break the GEMM determinism contract).
  static reg fma(reg a, reg b, reg c) { return a * b + c; }
  static reg fnma(reg a, reg b, reg c) { return c - a * b; }
  static reg abs(reg a) { return std::fabs(a); }
  static reg neg(reg a) { return -a; }

  static mask lt(reg a, reg b) { return a < b; }
  static mask isnan(reg a) { return a != a; }
  static reg select(mask m, reg ifTrue, reg ifFalse) { return m ? ifTrue : ifFalse; }

  static reg sigmoid(reg x) {
    // 1/(1+e^-x) in double is within 1 ulp of the exact value once rounded to float; inf and
    // NaN follow from IEEE arithmetic (e^-inf = 0, e^inf = inf, NaN stays NaN).
    const double e = std::exp(-static_cast<double>(x));
    return static_cast<float>(1.0 / (1.0 + e));
  }
  static reg tanh(reg x) { return static_cast<float>(std::tanh(static_cast<double>(x))); }

  static float hsum(reg v) { return v; }
};

}  // namespace
}  // namespace rnnad

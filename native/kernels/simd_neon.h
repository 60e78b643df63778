// VecNeon: 4 floats per q register, AArch64 Advanced SIMD (always present on ARM64, so the NEON
// table needs no special compiler flags). Everything has internal linkage.
#pragma once
#include <arm_neon.h>

#include "simd_math.h"

namespace rnnad {
namespace {

struct VecNeon {
  using reg = float32x4_t;
  using mask = uint32x4_t;  // all-ones / all-zeros lanes
  static constexpr int width = 4;

  static reg zero() { return vdupq_n_f32(0.f); }
  static reg set1(float v) { return vdupq_n_f32(v); }
  static reg load(const float* p) { return vld1q_f32(p); }
  static void store(float* p, reg v) { vst1q_f32(p, v); }
  // NEON has no masked memory access: tails go lane by lane so nothing past p + n is touched.
  static reg loadn(const float* p, int n) {
    float lanes[4] = {0.f, 0.f, 0.f, 0.f};
    for (int i = 0; i < n; ++i) lanes[i] = p[i];
    return vld1q_f32(lanes);
  }
  static void storen(float* p, reg v, int n) {
    float lanes[4];
    vst1q_f32(lanes, v);
    for (int i = 0; i < n; ++i) p[i] = lanes[i];
  }

  static reg add(reg a, reg b) { return vaddq_f32(a, b); }
  static reg sub(reg a, reg b) { return vsubq_f32(a, b); }
  static reg mul(reg a, reg b) { return vmulq_f32(a, b); }
  static reg div(reg a, reg b) { return vdivq_f32(a, b); }
  // fmax/fmin would return NaN for either NaN operand; the rule of every path is the x86 one
  // (b when either is NaN), hence compare + select.
  static reg max(reg a, reg b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
  static reg min(reg a, reg b) { return vbslq_f32(vcltq_f32(a, b), a, b); }
  static reg fma(reg a, reg b, reg c) { return vfmaq_f32(c, a, b); }
  static reg fnma(reg a, reg b, reg c) { return vfmsq_f32(c, a, b); }
  static reg abs(reg a) { return vabsq_f32(a); }
  static reg neg(reg a) { return vnegq_f32(a); }

  static mask lt(reg a, reg b) { return vcltq_f32(a, b); }
  static mask isnan(reg a) { return vmvnq_u32(vceqq_f32(a, a)); }
  static reg select(mask m, reg ifTrue, reg ifFalse) { return vbslq_f32(m, ifTrue, ifFalse); }

  // Helpers of simd_math.h.
  static reg roundNearest(reg a) { return vrndnq_f32(a); }
  // n integral in [-126, 127]: 2^n is built directly in the exponent field.
  static reg scale2n(reg p, reg n) {
    const int32x4_t bits = vshlq_n_s32(vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127)), 23);
    return vmulq_f32(p, vreinterpretq_f32_s32(bits));
  }
  static reg negAbs(reg a) { return vnegq_f32(vabsq_f32(a)); }
  static reg copySign(reg magnitude, reg sign) { return vbslq_f32(vdupq_n_u32(0x80000000u), sign, magnitude); }

  static reg sigmoid(reg x) { return simd_math::sigmoid<VecNeon>(x); }
  static reg tanh(reg x) { return simd_math::tanh<VecNeon>(x); }

  static float hsum(reg v) { return vaddvq_f32(v); }
};

}  // namespace
}  // namespace rnnad

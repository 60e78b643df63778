// VecAvx512: 16 floats per zmm register. Only include from a translation unit compiled with
// -mavx512f -mavx512bw -mavx512dq -mavx512vl (table_avx512.cc); everything has internal linkage.
#pragma once
// GCC 12 reports -Wmaybe-uninitialized inside its own AVX-512 intrinsics (the deliberately
// undefined pass-through operand of _mm512_undefined_ps); the diagnostic points into the header.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "simd_math.h"

namespace rnnad {
namespace {

struct VecAvx512 {
  using reg = __m512;
  using mask = __mmask16;
  static constexpr int width = 16;

  static reg zero() { return _mm512_setzero_ps(); }
  static reg set1(float v) { return _mm512_set1_ps(v); }
  static reg load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
  static mask firstN(int n) { return static_cast<mask>((1u << n) - 1u); }
  // Masked-off lanes are neither read nor written, so tails never touch memory past p + n.
  static reg loadn(const float* p, int n) { return _mm512_maskz_loadu_ps(firstN(n), p); }
  static void storen(float* p, reg v, int n) { _mm512_mask_storeu_ps(p, firstN(n), v); }

  static reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
  static reg sub(reg a, reg b) { return _mm512_sub_ps(a, b); }
  static reg mul(reg a, reg b) { return _mm512_mul_ps(a, b); }
  static reg div(reg a, reg b) { return _mm512_div_ps(a, b); }
  // vmaxps/vminps return the second operand when either is NaN: the rule of every path.
  static reg max(reg a, reg b) { return _mm512_max_ps(a, b); }
  static reg min(reg a, reg b) { return _mm512_min_ps(a, b); }
  static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
  static reg fnma(reg a, reg b, reg c) { return _mm512_fnmadd_ps(a, b, c); }
  static reg abs(reg a) { return _mm512_abs_ps(a); }
  static reg neg(reg a) { return _mm512_xor_ps(a, set1(-0.f)); }

  static mask lt(reg a, reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static mask isnan(reg a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
  static reg select(mask m, reg ifTrue, reg ifFalse) { return _mm512_mask_blend_ps(m, ifFalse, ifTrue); }

  // Helpers of simd_math.h.
  static reg roundNearest(reg a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static reg scale2n(reg p, reg n) { return _mm512_scalef_ps(p, n); }
  static reg negAbs(reg a) { return _mm512_or_ps(a, set1(-0.f)); }
  // One ternary-logic instruction, bitwise signBit ? sign : magnitude (truth table 0xCA).
  static reg copySign(reg magnitude, reg sign) {
    const __m512i signBit = _mm512_set1_epi32(static_cast<int>(0x80000000u));
    return _mm512_castsi512_ps(
        _mm512_ternarylogic_epi32(signBit, _mm512_castps_si512(sign), _mm512_castps_si512(magnitude), 0xCA));
  }

  static reg sigmoid(reg x) { return simd_math::sigmoid<VecAvx512>(x); }
  static reg tanh(reg x) { return simd_math::tanh<VecAvx512>(x); }

  static float hsum(reg v) { return _mm512_reduce_add_ps(v); }
};

}  // namespace
}  // namespace rnnad

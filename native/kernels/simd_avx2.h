// VecAvx2: 8 floats per ymm register, AVX2 + FMA. Only include from a translation unit compiled
// with -mavx2 -mfma (table_avx2.cc); everything has internal linkage.
#pragma once
#include <immintrin.h>

#include "simd_math.h"

namespace rnnad {
namespace {

struct VecAvx2 {
  using reg = __m256;
  using mask = __m256;  // all-ones / all-zeros lanes
  static constexpr int width = 8;

  static reg zero() { return _mm256_setzero_ps(); }
  static reg set1(float v) { return _mm256_set1_ps(v); }
  static reg load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
  static __m256i firstN(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  // vmaskmov neither reads nor writes masked-off lanes, so tails never touch memory past p + n.
  static reg loadn(const float* p, int n) { return _mm256_maskload_ps(p, firstN(n)); }
  static void storen(float* p, reg v, int n) { _mm256_maskstore_ps(p, firstN(n), v); }

  static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
  static reg sub(reg a, reg b) { return _mm256_sub_ps(a, b); }
  static reg mul(reg a, reg b) { return _mm256_mul_ps(a, b); }
  static reg div(reg a, reg b) { return _mm256_div_ps(a, b); }
  // vmaxps/vminps return the second operand when either is NaN: the rule of every path.
  static reg max(reg a, reg b) { return _mm256_max_ps(a, b); }
  static reg min(reg a, reg b) { return _mm256_min_ps(a, b); }
  static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  static reg fnma(reg a, reg b, reg c) { return _mm256_fnmadd_ps(a, b, c); }
  static reg abs(reg a) { return _mm256_andnot_ps(set1(-0.f), a); }
  static reg neg(reg a) { return _mm256_xor_ps(a, set1(-0.f)); }

  static mask lt(reg a, reg b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static mask isnan(reg a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
  static reg select(mask m, reg ifTrue, reg ifFalse) { return _mm256_blendv_ps(ifFalse, ifTrue, m); }

  // Helpers of simd_math.h.
  static reg roundNearest(reg a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // n integral in [-126, 127]: 2^n is built directly in the exponent field.
  static reg scale2n(reg p, reg n) {
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
  }
  static reg negAbs(reg a) { return _mm256_or_ps(a, set1(-0.f)); }
  static reg copySign(reg magnitude, reg sign) {
    const reg signBit = set1(-0.f);
    return _mm256_or_ps(_mm256_andnot_ps(signBit, magnitude), _mm256_and_ps(signBit, sign));
  }

  static reg sigmoid(reg x) { return simd_math::sigmoid<VecAvx2>(x); }
  static reg tanh(reg x) { return simd_math::tanh<VecAvx2>(x); }

  static float hsum(reg v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};

}  // namespace
}  // namespace rnnad

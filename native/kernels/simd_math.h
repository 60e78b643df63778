// Vectorised exp / sigmoid / tanh shared by the SIMD vector types (VecAvx2, VecAvx512, VecNeon).
// VecScalar does not use these: it is the double-precision libm reference they are tested
// against (native/tests/platform_activations.cc).
//
// Maximum error against double precision, measured exhaustively over all 2^32 floats (AVX-512
// and AVX2 paths; NEON runs the same operations), and asserted with these bounds by
// native/tests/platform_activations.cc on every path:
//   sigmoid: absolute 8.93e-8 (bound 1.0e-7) everywhere; relative 1.77e-7 (bound 2.0e-7, about
//            3 ulp) wherever the exact result is >= FLT_MIN (x >= -87.3); below that the result
//            is 0 (absolute error < 1.2e-38).
//   tanh:    relative 1.55e-7 (bound 2.0e-7) everywhere, including near 0 (x + x^3 Q(x^2)) and
//            for denormal inputs (tanh(x) = x); exactly +-1 from |x| = 9.1 on.
//   sigmoid(NaN) = tanh(NaN) = NaN, sigmoid(-inf) = 0, sigmoid(+inf) = 1, tanh(+-inf) = +-1,
//   tanh(-0) = -0. With denormals flushed (DenormalGuard, as the kernels run), denormal inputs
//   read as 0: tanh gives 0 and the relative bound does not apply to them.
//
// Method: exp(y) for y <= 0 by Cody-Waite reduction y = n ln2 + r, |r| <= ln2/2, and
// e^r = 1 + r + r^2 P(r) with P a degree-4 minimax fit (Lawson iteration, relative error
// 3.1e-9 before float rounding). sigmoid = num / (1 + e^-|x|) with num = 1 or e^-|x| (one
// correctly rounded division, no cancellation). tanh uses x + x^3 Q(x^2) (degree-4 minimax,
// relative 1.1e-9) for |x| < 0.55 and (1 - e) / (1 + e), e = e^-2|x|, above; at the switch
// e <= 1/3, so the subtraction loses less than one bit.
//
// NaN needs no final select: max(lowest, y) keeps a NaN y (second-operand rule), and every
// operation after it propagates NaN, so sigmoid and tanh return NaN for NaN on their own.
//
// Requirements on V beyond the cell interface: abs, lt, select, roundNearest, negAbs(x) = -|x|,
// scale2n(p, n) = p * 2^n for integral n in [-126, 0] (NaN p gives NaN), copySign(magnitude,
// sign).
//
// Everything here has internal linkage (see the RULE in internal.h).
#pragma once

namespace rnnad {
namespace {
namespace simd_math {

// ln(FLT_MIN): below it e^y is a denormal or zero and is returned as 0.
constexpr float kExpLowest = -87.33654f;
constexpr float kLog2e = 1.44269504f;
// ln 2 split so that n * kLn2Hi is exact for |n| <= 127 (kLn2Hi has 9 significant bits).
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;
constexpr float kExpP0 = 0.499999940f;
constexpr float kExpP1 = 0.166665211f;
constexpr float kExpP2 = 0.0416683890f;
constexpr float kExpP3 = 0.00836871006f;
constexpr float kExpP4 = 0.00138146128f;

constexpr float kTanhSwitch = 0.55f;
constexpr float kTanhQ0 = -0.333333164f;
constexpr float kTanhQ1 = 0.133325860f;
constexpr float kTanhQ2 = -0.0538523085f;
constexpr float kTanhQ3 = 0.0210716780f;
constexpr float kTanhQ4 = -0.00627423730f;

// e^y for y in [kExpLowest, 0]; the callers clamp y and deal with what lies outside.
template <class V>
inline typename V::reg expNonPositive(typename V::reg y) {
  using reg = typename V::reg;
  const reg n = V::roundNearest(V::mul(y, V::set1(kLog2e)));
  reg r = V::fnma(n, V::set1(kLn2Hi), y);
  r = V::fnma(n, V::set1(kLn2Lo), r);
  reg p = V::set1(kExpP4);
  p = V::fma(p, r, V::set1(kExpP3));
  p = V::fma(p, r, V::set1(kExpP2));
  p = V::fma(p, r, V::set1(kExpP1));
  p = V::fma(p, r, V::set1(kExpP0));
  const reg er = V::add(V::fma(V::mul(r, r), p, r), V::set1(1.f));
  return V::scale2n(er, n);
}

// e^-|x|, with 0 for -|x| < kExpLowest (including infinities) and NaN for NaN.
template <class V>
inline typename V::reg expNegAbs(typename V::reg x) {
  using reg = typename V::reg;
  const reg y = V::negAbs(x);
  const reg lowest = V::set1(kExpLowest);
  const reg e = expNonPositive<V>(V::max(lowest, y));
  return V::select(V::lt(y, lowest), V::zero(), e);
}

template <class V>
inline typename V::reg sigmoid(typename V::reg x) {
  using reg = typename V::reg;
  const reg one = V::set1(1.f);
  const reg e = expNegAbs<V>(x);
  // x >= 0: 1 / (1 + e^-x); x < 0: e^x / (1 + e^x). Both exact-division forms avoid the
  // cancellation of 1 - sigmoid(-x), so small results keep their relative accuracy.
  const reg num = V::select(V::lt(x, V::zero()), e, one);
  return V::div(num, V::add(one, e));
}

template <class V>
inline typename V::reg tanh(typename V::reg x) {
  using reg = typename V::reg;
  const reg one = V::set1(1.f);
  const reg x2 = V::mul(x, x);
  reg q = V::set1(kTanhQ4);
  q = V::fma(q, x2, V::set1(kTanhQ3));
  q = V::fma(q, x2, V::set1(kTanhQ2));
  q = V::fma(q, x2, V::set1(kTanhQ1));
  q = V::fma(q, x2, V::set1(kTanhQ0));
  const reg small = V::fma(V::mul(x2, x), q, x);

  // e^-2|x| flushes to 0 beyond |x| = 43.7, where (1 - e) / (1 + e) is 1 anyway.
  const reg e = expNegAbs<V>(V::add(x, x));
  const reg large = V::div(V::sub(one, e), V::add(one, e));

  // The sign comes from x in both branches: the polynomial alone would turn -0 into +0.
  const reg t = V::select(V::lt(V::abs(x), V::set1(kTanhSwitch)), small, large);
  return V::copySign(t, x);
}

}  // namespace simd_math
}  // namespace
}  // namespace rnnad

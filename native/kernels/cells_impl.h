// Fused pointwise passes of the recurrent cells, templated over a vector type V (interface in
// internal.h). Included by each ISA's table_<isa>.cc after its simd_<isa>.h, so everything here
// is compiled once per instruction set: internal linkage only, raw pointers, V operations and
// plain loops, no standard library templates and no allocation (see the RULE in internal.h).
//
// Formulas (sigma = logistic, PyTorch gate order); the backward passes use only the saved
// activations, never re-evaluating a gate except tanh(c) for the lstm.
#pragma once
#include <cstddef>

#include "cell_kernels.h"

namespace rnnad {
namespace {
namespace cells {

struct FullLanes {};
struct TailLanes {};

template <class V>
inline typename V::reg ld(const float* p, int, FullLanes) {
  return V::load(p);
}
template <class V>
inline typename V::reg ld(const float* p, int n, TailLanes) {
  return V::loadn(p, n);
}
template <class V>
inline void st(float* p, typename V::reg v, int, FullLanes) {
  V::store(p, v);
}
template <class V>
inline void st(float* p, typename V::reg v, int n, TailLanes) {
  V::storen(p, v, n);
}

// body(j, n, lanes) over [0, count) in register-wide chunks, then one partial chunk.
template <class V, class Body>
inline void forLanes(int count, Body&& body) {
  int j = 0;
  for (; j + V::width <= count; j += V::width) body(j, V::width, FullLanes{});
  if (j < count) body(j, count - j, TailLanes{});
}

// sigma'(s) expressed through s = sigma(x): s - s*s.
template <class V>
inline typename V::reg sigmoidGrad(typename V::reg s) {
  return V::fnma(s, s, s);
}
// tanh'(x) expressed through t = tanh(x): 1 - t*t.
template <class V>
inline typename V::reg tanhGrad(typename V::reg t) {
  return V::fnma(t, t, V::set1(1.f));
}

// ---- forward ----

template <class V, bool kRelu>
void rnnForward(const CellStepArgs& a) {
  const int H = a.hidden;
  for (int r = 0; r < a.rows; ++r) {
    const float* xp = a.xp + static_cast<size_t>(r / a.rowsPerXp) * a.ldxp;
    const float* hp = a.hp + r * a.ldhp;
    float* h = a.hOut + r * a.ldhOut;
    forLanes<V>(H, [&](int j, int n, auto lanes) {
      auto s = V::add(V::add(ld<V>(xp + j, n, lanes), ld<V>(hp + j, n, lanes)), ld<V>(a.bias + j, n, lanes));
      // max(0, s) returns s when s is NaN (second-operand rule), so NaN propagates.
      st<V>(h + j, kRelu ? V::max(V::zero(), s) : V::tanh(s), n, lanes);
    });
  }
}

template <class V>
void rnnTanhForward(const CellStepArgs& a) {
  rnnForward<V, false>(a);
}
template <class V>
void rnnReluForward(const CellStepArgs& a) {
  rnnForward<V, true>(a);
}

template <class V, bool kSave>
void gruForwardRows(const CellStepArgs& a) {
  const int H = a.hidden;
  const float* br = a.bias;
  const float* bz = a.bias + H;
  const float* bn = a.bias + 2 * H;
  for (int r = 0; r < a.rows; ++r) {
    const float* xp = a.xp + static_cast<size_t>(r / a.rowsPerXp) * a.ldxp;
    const float* hp = a.hp + r * a.ldhp;
    const float* hPrev = a.hPrev + r * a.ldhPrev;
    float* h = a.hOut + r * a.ldhOut;
    float* sv = kSave ? a.saved + r * a.ldSaved : nullptr;
    forLanes<V>(H, [&](int j, int n, auto lanes) {
      auto rg = V::sigmoid(V::add(V::add(ld<V>(xp + j, n, lanes), ld<V>(hp + j, n, lanes)), ld<V>(br + j, n, lanes)));
      auto zg =
          V::sigmoid(V::add(V::add(ld<V>(xp + H + j, n, lanes), ld<V>(hp + H + j, n, lanes)), ld<V>(bz + j, n, lanes)));
      auto hn = V::add(ld<V>(hp + 2 * H + j, n, lanes), ld<V>(a.biasHn + j, n, lanes));
      auto ng = V::tanh(V::fma(rg, hn, V::add(ld<V>(xp + 2 * H + j, n, lanes), ld<V>(bn + j, n, lanes))));
      auto hv = ld<V>(hPrev + j, n, lanes);
      st<V>(h + j, V::fma(zg, V::sub(hv, ng), ng), n, lanes);  // (1-z) n + z h
      if (kSave) {
        st<V>(sv + j, rg, n, lanes);
        st<V>(sv + H + j, zg, n, lanes);
        st<V>(sv + 2 * H + j, ng, n, lanes);
        st<V>(sv + 3 * H + j, hn, n, lanes);
      }
    });
  }
}

template <class V>
void gruForward(const CellStepArgs& a) {
  if (a.saved)
    gruForwardRows<V, true>(a);
  else
    gruForwardRows<V, false>(a);
}

template <class V>
void gruResetBeforeGates(const CellStepArgs& a) {
  const int H = a.hidden;
  for (int r = 0; r < a.rows; ++r) {
    const float* xp = a.xp + static_cast<size_t>(r / a.rowsPerXp) * a.ldxp;
    const float* hp = a.hp + r * a.ldhp;
    const float* hPrev = a.hPrev + r * a.ldhPrev;
    float* sv = a.saved + r * a.ldSaved;
    forLanes<V>(H, [&](int j, int n, auto lanes) {
      auto rg =
          V::sigmoid(V::add(V::add(ld<V>(xp + j, n, lanes), ld<V>(hp + j, n, lanes)), ld<V>(a.bias + j, n, lanes)));
      auto zg = V::sigmoid(
          V::add(V::add(ld<V>(xp + H + j, n, lanes), ld<V>(hp + H + j, n, lanes)), ld<V>(a.bias + H + j, n, lanes)));
      st<V>(sv + j, rg, n, lanes);
      st<V>(sv + H + j, zg, n, lanes);
      st<V>(sv + 3 * H + j, V::mul(rg, ld<V>(hPrev + j, n, lanes)), n, lanes);
    });
  }
}

template <class V>
void gruResetBeforeOutput(const CellStepArgs& a) {
  const int H = a.hidden;
  for (int r = 0; r < a.rows; ++r) {
    const float* xp = a.xp + static_cast<size_t>(r / a.rowsPerXp) * a.ldxp;
    const float* hpn = a.hp + r * a.ldhp;
    const float* hPrev = a.hPrev + r * a.ldhPrev;
    float* h = a.hOut + r * a.ldhOut;
    float* sv = a.saved + r * a.ldSaved;
    forLanes<V>(H, [&](int j, int n, auto lanes) {
      auto ng = V::tanh(V::add(V::add(ld<V>(xp + 2 * H + j, n, lanes), ld<V>(hpn + j, n, lanes)),
                               ld<V>(a.bias + 2 * H + j, n, lanes)));
      auto zg = ld<V>(sv + H + j, n, lanes);
      auto hv = ld<V>(hPrev + j, n, lanes);
      st<V>(h + j, V::fma(zg, V::sub(hv, ng), ng), n, lanes);
      st<V>(sv + 2 * H + j, ng, n, lanes);
    });
  }
}

template <class V, bool kSave>
void lstmForwardRows(const CellStepArgs& a) {
  const int H = a.hidden;
  const float* b = a.bias;
  for (int r = 0; r < a.rows; ++r) {
    const float* xp = a.xp + static_cast<size_t>(r / a.rowsPerXp) * a.ldxp;
    const float* hp = a.hp + r * a.ldhp;
    const float* cPrev = a.cPrev + r * a.ldcPrev;
    float* h = a.hOut + r * a.ldhOut;
    float* c = a.cOut + r * a.ldcOut;
    float* sv = kSave ? a.saved + r * a.ldSaved : nullptr;
    forLanes<V>(H, [&](int j, int n, auto lanes) {
      auto pre = [&](int gate) {
        const int o = gate * H + j;
        return V::add(V::add(ld<V>(xp + o, n, lanes), ld<V>(hp + o, n, lanes)), ld<V>(b + o, n, lanes));
      };
      auto ig = V::sigmoid(pre(0));
      auto fg = V::sigmoid(pre(1));
      auto gg = V::tanh(pre(2));
      auto og = V::sigmoid(pre(3));
      auto cv = V::fma(fg, ld<V>(cPrev + j, n, lanes), V::mul(ig, gg));
      st<V>(c + j, cv, n, lanes);
      st<V>(h + j, V::mul(og, V::tanh(cv)), n, lanes);
      if (kSave) {
        st<V>(sv + j, ig, n, lanes);
        st<V>(sv + H + j, fg, n, lanes);
        st<V>(sv + 2 * H + j, gg, n, lanes);
        st<V>(sv + 3 * H + j, og, n, lanes);
      }
    });
  }
}

template <class V>
void lstmForward(const CellStepArgs& a) {
  if (a.saved)
    lstmForwardRows<V, true>(a);
  else
    lstmForwardRows<V, false>(a);
}

// ---- backward ----

template <class V>
void rnnTanhBackward(const CellGradArgs& a) {
  const int H = a.hidden;
  for (int r = 0; r < a.rows; ++r) {
    const float* dy = a.dy + r * a.lddy;
    const float* dh = a.dh + r * a.lddh;
    const float* h = a.h + r * a.ldh;
    float* dG = a.dG + r * a.lddG;
    forLanes<V>(H, [&](int j, int n, auto lanes) {
      auto d = V::add(ld<V>(dy + j, n, lanes), ld<V>(dh + j, n, lanes));
      st<V>(dG + j, V::mul(d, tanhGrad<V>(ld<V>(h + j, n, lanes))), n, lanes);
    });
  }
}

template <class V>
void rnnReluBackward(const CellGradArgs& a) {
  const int H = a.hidden;
  for (int r = 0; r < a.rows; ++r) {
    const float* dy = a.dy + r * a.lddy;
    const float* dh = a.dh + r * a.lddh;
    const float* h = a.h + r * a.ldh;
    float* dG = a.dG + r * a.lddG;
    // PyTorch's threshold rule: zero where the output is <= 0, the incoming gradient elsewhere.
    for (int j = 0; j < H; ++j) {
      const float d = dy[j] + dh[j];
      dG[j] = h[j] <= 0.f ? 0.f : d;
    }
  }
}

template <class V>
void gruBackward(const CellGradArgs& a) {
  const int H = a.hidden;
  const auto one = V::set1(1.f);
  for (int r = 0; r < a.rows; ++r) {
    const float* dy = a.dy + r * a.lddy;
    float* dh = a.dh + r * a.lddh;
    const float* hPrev = a.hPrev + r * a.ldhPrev;
    const float* sv = a.saved + r * a.ldSaved;
    float* dG = a.dG + r * a.lddG;
    forLanes<V>(H, [&](int j, int n, auto lanes) {
      auto d = V::add(ld<V>(dy + j, n, lanes), ld<V>(dh + j, n, lanes));
      auto rg = ld<V>(sv + j, n, lanes);
      auto zg = ld<V>(sv + H + j, n, lanes);
      auto ng = ld<V>(sv + 2 * H + j, n, lanes);
      auto hn = ld<V>(sv + 3 * H + j, n, lanes);
      auto hv = ld<V>(hPrev + j, n, lanes);
      auto dn = V::mul(V::mul(d, V::sub(one, zg)), tanhGrad<V>(ng));
      auto dz = V::mul(V::mul(d, V::sub(hv, ng)), sigmoidGrad<V>(zg));
      auto dr = V::mul(V::mul(dn, hn), sigmoidGrad<V>(rg));
      st<V>(dG + j, dn, n, lanes);
      st<V>(dG + H + j, dr, n, lanes);
      st<V>(dG + 2 * H + j, dz, n, lanes);
      st<V>(dG + 3 * H + j, V::mul(dn, rg), n, lanes);
      st<V>(dh + j, V::mul(d, zg), n, lanes);
    });
  }
}

template <class V>
void gruResetBeforeBackwardOutput(const CellGradArgs& a) {
  const int H = a.hidden;
  const auto one = V::set1(1.f);
  for (int r = 0; r < a.rows; ++r) {
    const float* dy = a.dy + r * a.lddy;
    float* dh = a.dh + r * a.lddh;
    const float* hPrev = a.hPrev + r * a.ldhPrev;
    const float* sv = a.saved + r * a.ldSaved;
    float* dG = a.dG + r * a.lddG;
    forLanes<V>(H, [&](int j, int n, auto lanes) {
      auto d = V::add(ld<V>(dy + j, n, lanes), ld<V>(dh + j, n, lanes));
      auto zg = ld<V>(sv + H + j, n, lanes);
      auto ng = ld<V>(sv + 2 * H + j, n, lanes);
      auto hv = ld<V>(hPrev + j, n, lanes);
      st<V>(dG + H + j, V::mul(V::mul(d, V::sub(hv, ng)), sigmoidGrad<V>(zg)), n, lanes);
      st<V>(dG + 2 * H + j, V::mul(V::mul(d, V::sub(one, zg)), tanhGrad<V>(ng)), n, lanes);
      st<V>(dh + j, V::mul(d, zg), n, lanes);
    });
  }
}

template <class V>
void gruResetBeforeBackwardGates(const CellGradArgs& a) {
  const int H = a.hidden;
  for (int r = 0; r < a.rows; ++r) {
    float* dh = a.dh + r * a.lddh;
    const float* hPrev = a.hPrev + r * a.ldhPrev;
    const float* sv = a.saved + r * a.ldSaved;
    const float* drh = a.drh + r * a.lddrh;
    float* dG = a.dG + r * a.lddG;
    forLanes<V>(H, [&](int j, int n, auto lanes) {
      auto rg = ld<V>(sv + j, n, lanes);
      auto g = ld<V>(drh + j, n, lanes);
      st<V>(dG + j, V::mul(V::mul(g, ld<V>(hPrev + j, n, lanes)), sigmoidGrad<V>(rg)), n, lanes);
      st<V>(dh + j, V::fma(rg, g, ld<V>(dh + j, n, lanes)), n, lanes);
    });
  }
}

template <class V>
void lstmBackward(const CellGradArgs& a) {
  const int H = a.hidden;
  for (int r = 0; r < a.rows; ++r) {
    const float* dy = a.dy + r * a.lddy;
    const float* dh = a.dh + r * a.lddh;
    float* dc = a.dc + r * a.lddc;
    const float* c = a.c + r * a.ldc;
    const float* cPrev = a.cPrev + r * a.ldcPrev;
    const float* sv = a.saved + r * a.ldSaved;
    float* dG = a.dG + r * a.lddG;
    forLanes<V>(H, [&](int j, int n, auto lanes) {
      auto d = V::add(ld<V>(dy + j, n, lanes), ld<V>(dh + j, n, lanes));
      auto ig = ld<V>(sv + j, n, lanes);
      auto fg = ld<V>(sv + H + j, n, lanes);
      auto gg = ld<V>(sv + 2 * H + j, n, lanes);
      auto og = ld<V>(sv + 3 * H + j, n, lanes);
      auto tc = V::tanh(ld<V>(c + j, n, lanes));
      auto dcv = V::fma(V::mul(d, og), tanhGrad<V>(tc), ld<V>(dc + j, n, lanes));
      st<V>(dG + j, V::mul(V::mul(dcv, gg), sigmoidGrad<V>(ig)), n, lanes);
      st<V>(dG + H + j, V::mul(V::mul(dcv, ld<V>(cPrev + j, n, lanes)), sigmoidGrad<V>(fg)), n, lanes);
      st<V>(dG + 2 * H + j, V::mul(V::mul(dcv, ig), tanhGrad<V>(gg)), n, lanes);
      st<V>(dG + 3 * H + j, V::mul(V::mul(d, tc), sigmoidGrad<V>(og)), n, lanes);
      st<V>(dc + j, V::mul(dcv, fg), n, lanes);
    });
  }
}

// ---- helpers for bias gradients and dense layers ----

template <class V>
void sumRows(int rows, int cols, const float* a, size_t lda, float* out, bool accumulate) {
  int r = 0;
  if (!accumulate) {
    if (rows == 0) {
      forLanes<V>(cols, [&](int j, int n, auto lanes) { st<V>(out + j, V::zero(), n, lanes); });
      return;
    }
    forLanes<V>(cols, [&](int j, int n, auto lanes) { st<V>(out + j, ld<V>(a + j, n, lanes), n, lanes); });
    r = 1;
  }
  // Rows outer keeps every element's sum in increasing row order while out stays in L1.
  for (; r < rows; ++r) {
    const float* row = a + r * lda;
    forLanes<V>(cols, [&](int j, int n, auto lanes) {
      st<V>(out + j, V::add(ld<V>(out + j, n, lanes), ld<V>(row + j, n, lanes)), n, lanes);
    });
  }
}

template <class V>
void addBias(int rows, int cols, const float* x, size_t ldx, const float* b, float* y, size_t ldy) {
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + r * ldx;
    float* yr = y + r * ldy;
    forLanes<V>(cols, [&](int j, int n, auto lanes) {
      st<V>(yr + j, V::add(ld<V>(xr + j, n, lanes), ld<V>(b + j, n, lanes)), n, lanes);
    });
  }
}

}  // namespace cells

template <class V>
const CellKernels* cellKernelsFor() {
  static constexpr CellKernels table = {
      &cells::rnnTanhForward<V>,
      &cells::rnnReluForward<V>,
      &cells::gruForward<V>,
      &cells::gruResetBeforeGates<V>,
      &cells::gruResetBeforeOutput<V>,
      &cells::lstmForward<V>,
      &cells::rnnTanhBackward<V>,
      &cells::rnnReluBackward<V>,
      &cells::gruBackward<V>,
      &cells::gruResetBeforeBackwardOutput<V>,
      &cells::gruResetBeforeBackwardGates<V>,
      &cells::lstmBackward<V>,
      &cells::sumRows<V>,
      &cells::addBias<V>,
  };
  return &table;
}

}  // namespace
}  // namespace rnnad

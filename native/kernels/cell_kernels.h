// The per-timestep fused pointwise work of every recurrent cell, as a table of function pointers
// filled once per instruction set (cells_impl.h instantiated with that ISA's vector type). The
// matrix products around these passes (input projection, recurrent projection, BPTT products,
// weight gradients) are GEMM calls made by stack.cc; everything here is elementwise over one
// timestep of `rows` batch rows, so a row's result never depends on the other rows.
//
// Gate order and saved-row layouts (per row, in floats, H = hidden size):
//   pre-activations xp / hp: rnn [a], gru [r z n], lstm [i f g o]           (PyTorch order)
//   saved (training tape):   rnn none; gru reset-after [r z n hn] with hn = W_hn h + b_hn;
//                            gru reset-before [r z n rh] with rh = r * h_prev; lstm [i f g o]
//   gate gradients dG:       rnn [da]; gru reset-after [dn dr dz dnh] (so [dn dr dz] feeds
//                            dX through W_ih packed in n,r,z order and [dr dz dnh] feeds dh
//                            through W_hh in natural order, dnh = dn * r); gru reset-before
//                            [dr dz dn]; lstm [di df dg do]
// A stride of 0 repeats one row for every batch row: that is how zero initial states, absent
// upstream gradients and shared input projections are passed without copies.
#pragma once
#include <cstddef>

namespace rnnad {

// One forward timestep. Row r reads xp + (r / rowsPerXp) * ldxp.
struct CellStepArgs {
  int rows = 0;
  int hidden = 0;
  const float* xp = nullptr;  // input projection (no bias)
  size_t ldxp = 0;
  int rowsPerXp = 1;
  const float* hp = nullptr;  // recurrent projection h_prev * W_hh^T (no bias)
  size_t ldhp = 0;
  const float* bias = nullptr;    // [G*H] b_ih + b_hh, except gru reset-after n block = b_in only
  const float* biasHn = nullptr;  // [H] gru reset-after: b_hn, applied inside r * (...)
  const float* hPrev = nullptr;
  size_t ldhPrev = 0;
  float* hOut = nullptr;  // may alias hPrev (in-place state update)
  size_t ldhOut = 0;
  const float* cPrev = nullptr;  // lstm
  size_t ldcPrev = 0;
  float* cOut = nullptr;  // lstm; may alias cPrev
  size_t ldcOut = 0;
  float* saved = nullptr;  // saved row layout above; null = inference (not for gru reset-before)
  size_t ldSaved = 0;
};

// One backward timestep. dh holds the gradient flowing into h_t from step t+1 on entry and the
// pointwise part of the gradient into h_{t-1} on exit (the caller adds dG * W_hh with a GEMM);
// dc likewise for the lstm cell state (complete on exit).
struct CellGradArgs {
  int rows = 0;
  int hidden = 0;
  const float* dy = nullptr;  // upstream gradient into h_t
  size_t lddy = 0;
  float* dh = nullptr;
  size_t lddh = 0;
  float* dc = nullptr;  // lstm
  size_t lddc = 0;
  const float* h = nullptr;  // rnn: h_t
  size_t ldh = 0;
  const float* hPrev = nullptr;  // gru
  size_t ldhPrev = 0;
  const float* c = nullptr;  // lstm: c_t and c_{t-1}
  size_t ldc = 0;
  const float* cPrev = nullptr;
  size_t ldcPrev = 0;
  const float* saved = nullptr;
  size_t ldSaved = 0;
  const float* drh = nullptr;  // gru reset-before second pass: d(r * h_prev) = dn * W_hn
  size_t lddrh = 0;
  float* dG = nullptr;
  size_t lddG = 0;
};

struct CellKernels {
  // Forward: h = act(xp + hp + bias) etc.; writes hOut (cOut) and, when saved is set, the
  // saved row.
  void (*rnnTanhForward)(const CellStepArgs&);
  void (*rnnReluForward)(const CellStepArgs&);
  void (*gruForward)(const CellStepArgs&);  // reset-after
  // Reset-before in two passes around the GEMM rh * W_hn^T: the first computes r, z and
  // rh = r * h_prev into saved [r z . rh] from the [r z] part of hp; the second, with hp
  // pointing at the n part, computes n and h.
  void (*gruResetBeforeGates)(const CellStepArgs&);
  void (*gruResetBeforeOutput)(const CellStepArgs&);
  void (*lstmForward)(const CellStepArgs&);

  // Backward: dG for this step and the pointwise part of dh (see CellGradArgs).
  void (*rnnTanhBackward)(const CellGradArgs&);
  void (*rnnReluBackward)(const CellGradArgs&);
  void (*gruBackward)(const CellGradArgs&);  // reset-after
  // Reset-before: the first pass writes dz, dn and dh = dh_t * z; after the caller's GEMM
  // drh = dn * W_hn, the second writes dr and adds r * drh into dh.
  void (*gruResetBeforeBackwardOutput)(const CellGradArgs&);
  void (*gruResetBeforeBackwardGates)(const CellGradArgs&);
  void (*lstmBackward)(const CellGradArgs&);

  // out[j] (+)= sum over rows r of a[r][j], rows in increasing order (bias gradients).
  void (*sumRows)(int rows, int cols, const float* a, size_t lda, float* out, bool accumulate);
  // y[r][j] = x[r][j] + b[j] for rows r (dense layer bias, in place allowed).
  void (*addBias)(int rows, int cols, const float* x, size_t ldx, const float* b, float* y, size_t ldy);
};

// Defined in cells_impl.h; each ISA translation unit instantiates it with its vector type.
// Internal linkage so no instantiation compiled for one ISA can be picked for another.
namespace {
template <class V>
const CellKernels* cellKernelsFor();
}  // namespace

}  // namespace rnnad

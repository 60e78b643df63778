/**
 * A float64 JavaScript forward pass of a recurrent stack, written straight from the PyTorch
 * equations (see /work/shared/golden/README.md). Independent of every implementation being
 * measured, it checks that each peer computes what its row claims (same weights, same gate
 * conversion, same GRU form) before the peer is timed. Slow on purpose: it only ever sees a
 * couple of sequences.
 */
import { gatesOf, type CellKind } from './workloads.js';
import type { TorchStack } from './layouts.js';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Pre-activations W x + b for one weight block, rows [row0, row0 + H). */
function affine(
  weight: Float32Array,
  bias: Float32Array,
  v: Float64Array,
  row0: number,
  rows: number,
  cols: number,
  out: Float64Array,
): void {
  for (let j = 0; j < rows; j++) {
    let acc = bias[row0 + j];
    const base = (row0 + j) * cols;
    for (let c = 0; c < cols; c++) acc += weight[base + c] * v[c];
    out[j] = acc;
  }
}

function stepCell(
  cell: CellKind,
  resetAfter: boolean,
  layer: TorchStack['layers'][number],
  x: Float64Array,
  h: Float64Array,
  c: Float64Array,
  hidden: number,
): void {
  const H = hidden;
  const G = gatesOf(cell);
  const inSize = x.length;
  const gi = new Float64Array(G * H);
  const gh = new Float64Array(G * H);
  affine(layer.weightIh, layer.biasIh, x, 0, G * H, inSize, gi);
  if (cell === 'rnn_tanh') {
    affine(layer.weightHh, layer.biasHh, h, 0, H, H, gh);
    for (let j = 0; j < H; j++) h[j] = Math.tanh(gi[j] + gh[j]);
  } else if (cell === 'lstm') {
    affine(layer.weightHh, layer.biasHh, h, 0, 4 * H, H, gh);
    for (let j = 0; j < H; j++) {
      const i = sigmoid(gi[j] + gh[j]);
      const f = sigmoid(gi[H + j] + gh[H + j]);
      const g = Math.tanh(gi[2 * H + j] + gh[2 * H + j]);
      const o = sigmoid(gi[3 * H + j] + gh[3 * H + j]);
      c[j] = f * c[j] + i * g;
      h[j] = o * Math.tanh(c[j]);
    }
  } else {
    affine(layer.weightHh, layer.biasHh, h, 0, 2 * H, H, gh);
    const r = new Float64Array(H);
    const z = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      r[j] = sigmoid(gi[j] + gh[j]);
      z[j] = sigmoid(gi[H + j] + gh[H + j]);
    }
    const candidateHidden = new Float64Array(H);
    if (resetAfter) {
      affine(layer.weightHh, layer.biasHh, h, 2 * H, H, H, candidateHidden);
      for (let j = 0; j < H; j++) candidateHidden[j] *= r[j];
    } else {
      const rh = new Float64Array(H);
      for (let j = 0; j < H; j++) rh[j] = r[j] * h[j];
      affine(layer.weightHh, layer.biasHh, rh, 2 * H, H, H, candidateHidden);
    }
    for (let j = 0; j < H; j++) {
      const n = Math.tanh(gi[2 * H + j] + candidateHidden[j]);
      h[j] = (1 - z[j]) * n + z[j] * h[j];
    }
  }
}

/**
 * Top-layer outputs [rows][steps][H] for the first `rows` sequences of x [batch][steps][in]
 * (batch-major), zero initial states.
 */
export function referenceForward(
  stack: TorchStack,
  resetAfter: boolean,
  x: Float32Array,
  steps: number,
  rows: number,
): Float32Array {
  const H = stack.hiddenSize;
  const D = stack.inputSize;
  const L = stack.layers.length;
  const out = new Float32Array(rows * steps * H);
  for (let b = 0; b < rows; b++) {
    const h = Array.from({ length: L }, () => new Float64Array(H));
    const c = Array.from({ length: L }, () => new Float64Array(H));
    for (let t = 0; t < steps; t++) {
      let v = Float64Array.from(x.subarray((b * steps + t) * D, (b * steps + t + 1) * D));
      for (let k = 0; k < L; k++) {
        stepCell(stack.cell, resetAfter, stack.layers[k], v, h[k], c[k], H);
        v = h[k];
      }
      out.set(h[L - 1], (b * steps + t) * H);
    }
  }
  return out;
}

/** max |got - want| / max(1, max |want|): the norm-wise error the golden README recommends. */
export function normwiseError(got: Float32Array, want: Float32Array): number {
  if (got.length !== want.length) return Number.POSITIVE_INFINITY;
  let err = 0;
  let scale = 1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (Number.isNaN(d)) return Number.POSITIVE_INFINITY;
    if (d > err) err = d;
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return err / scale;
}

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

export const sharedDir = join(import.meta.dirname, '..', '..', '..', 'shared');

type Tensor = number[] | { shape: number[]; data: number[] };

export interface GoldenCase {
  name: string;
  cell: 'rnn_tanh' | 'rnn_relu' | 'gru' | 'gru_reset_before' | 'lstm';
  D: number;
  H: number;
  layers: number;
  T: number;
  B: number;
  x: Tensor;
  h0: Tensor;
  c0?: Tensor;
  params: Record<string, Tensor>;
  y: Tensor;
  h_n: Tensor;
  c_n?: Tensor;
  dy: Tensor;
  dh_n: Tensor;
  dc_n?: Tensor;
  grad: Record<string, Tensor>;
}

export interface GoldenModel {
  name: string;
  cell: GoldenCase['cell'];
  D: number;
  H: number;
  layers: number;
  T: number;
  B: number;
  x: Tensor;
  target: Tensor;
  params: Record<string, Tensor>;
  pred_step0: Tensor;
  loss_per_step: number[];
  grad_step0: Record<string, Tensor>;
  adam: { lr: number; beta1: number; beta2: number; eps: number; steps: number };
  params_after: Record<string, Tensor>;
}

let cache: { cases: GoldenCase[]; models: GoldenModel[] } | undefined;

export function golden(): { cases: GoldenCase[]; models: GoldenModel[] } {
  cache ??= JSON.parse(
    gunzipSync(readFileSync(join(sharedDir, 'golden', 'pytorch_rnn_reference.json.gz'))).toString('utf8'),
  );
  return cache!;
}

export function f32(t: Tensor): Float32Array {
  return Float32Array.from(Array.isArray(t) ? t : t.data);
}

export function f64(t: Tensor): Float64Array {
  return Float64Array.from(Array.isArray(t) ? t : t.data);
}

/** [A][B][C] -> [B][A][C]: time-major <-> batch-major. */
export function swapLeadingAxes(src: ArrayLike<number>, a: number, b: number, c: number): Float32Array {
  const out = new Float32Array(a * b * c);
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++) for (let k = 0; k < c; k++) out[(j * a + i) * c + k] = src[(i * b + j) * c + k]!;
  return out;
}

/** The golden README's norm-wise error: max|got - want| / max(1, max|want|). */
export function normwiseError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} != ${want.length}`);
  let maxDiff = 0;
  let maxWant = 1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Infinity : d;
    maxWant = Math.max(maxWant, Math.abs(want[i]!));
  }
  return maxDiff / maxWant;
}

export function maxAbsError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    m = Number.isNaN(d) ? Infinity : Math.max(m, d);
  }
  return m;
}

export function stackSpecOf(cell: GoldenCase['cell']): {
  cell: 'rnn' | 'gru' | 'lstm';
  nonlinearity?: 'tanh' | 'relu';
  resetAfter?: boolean;
} {
  switch (cell) {
    case 'rnn_tanh':
      return { cell: 'rnn', nonlinearity: 'tanh' };
    case 'rnn_relu':
      return { cell: 'rnn', nonlinearity: 'relu' };
    case 'gru':
      return { cell: 'gru', resetAfter: true };
    case 'gru_reset_before':
      return { cell: 'gru', resetAfter: false };
    case 'lstm':
      return { cell: 'lstm' };
  }
}

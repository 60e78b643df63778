/**
 * Parity with TensorFlow.js: the same weights in tfjs-layers' GRU (reset-before), LSTM and
 * SimpleRNN (cpu backend) and in our RecurrentStack give the same outputs and final states.
 * The Keras layout conversion used here (bench/layouts.ts: kernels transposed, gate blocks
 * reordered, one bias) is first checked on its own against PyTorch's reference outputs, so a
 * mistake in it cannot hide behind an identical mistake on our side.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  kerasLayerFromTorch,
  randomTorchStack,
  seededUniform,
  torchParameterRecord,
  uniformArray,
  type TorchStack,
} from '../bench/layouts.js';
import type { CellKind } from '../bench/workloads.js';
import { RecurrentStack } from '../src/engine/index.js';

const TOLERANCE = 1e-5;
const GOLDEN = new URL('../../shared/golden/pytorch_rnn_reference.json.gz', import.meta.url);

interface GoldenArray {
  shape: number[];
  data: number[];
}
interface GoldenCase {
  name: string;
  cell: string;
  D: number;
  H: number;
  layers: number;
  T: number;
  B: number;
  x: number[] | GoldenArray;
  h0: number[] | GoldenArray;
  c0?: number[] | GoldenArray;
  y: number[] | GoldenArray;
  h_n: number[] | GoldenArray;
  params: Record<string, number[] | GoldenArray>;
}

const f32 = (a: number[] | GoldenArray): Float32Array => Float32Array.from(Array.isArray(a) ? a : a.data);

/** max |got - want| / max(1, max |want|), the golden README's norm-wise error. */
function normwiseError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let err = 0;
  let scale = 1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (Number.isNaN(d)) return Number.POSITIVE_INFINITY;
    err = Math.max(err, d);
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return err / scale;
}

/** [T][B][F] (PyTorch's time-major reference layout) to [B][T][F]. */
function toBatchMajor(x: Float32Array, steps: number, batch: number, features: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let t = 0; t < steps; t++)
    for (let b = 0; b < batch; b++)
      out.set(x.subarray((t * batch + b) * features, (t * batch + b + 1) * features), (b * steps + t) * features);
  return out;
}

/** One tfjs-layers recurrent layer computing what the PyTorch layer k of `stack` computes. */
function tfjsLayer(stack: TorchStack, k: number): tfl.layers.Layer {
  const common = {
    units: stack.hiddenSize,
    returnSequences: true,
    returnState: true,
    kernelInitializer: 'zeros',
    recurrentInitializer: 'zeros',
  } as const;
  // tfjs defaults recurrent gates to hardSigmoid; PyTorch and we use the logistic sigmoid.
  const layer =
    stack.cell === 'gru'
      ? tfl.layers.gru({ ...common, recurrentActivation: 'sigmoid' })
      : stack.cell === 'lstm'
        ? tfl.layers.lstm({ ...common, recurrentActivation: 'sigmoid' })
        : tfl.layers.simpleRNN({ ...common, activation: 'tanh' });
  const inSize = k === 0 ? stack.inputSize : stack.hiddenSize;
  tf.tidy(() => {
    layer.apply(tf.zeros([1, 1, inSize]));
  });
  const w = kerasLayerFromTorch(stack, k);
  const cols = w.bias.length;
  const tensors = [
    tf.tensor2d(w.kernel, [inSize, cols]),
    tf.tensor2d(w.recurrentKernel, [stack.hiddenSize, cols]),
    tf.tensor1d(w.bias),
  ];
  layer.setWeights(tensors);
  tf.dispose(tensors);
  return layer;
}

interface StackOutputs {
  output: Float32Array; // [B][T][H], top layer
  hN: Float32Array; // [layers][B][H]
  cN: Float32Array | null;
}

/** Runs the stack in tfjs from states h0/c0 ([layers][B][H]), layer by layer. */
function runTfjs(
  stack: TorchStack,
  x: Float32Array,
  batch: number,
  steps: number,
  h0: Float32Array,
  c0: Float32Array | null,
): StackOutputs {
  const H = stack.hiddenSize;
  const L = stack.layers.length;
  const hN = new Float32Array(L * batch * H);
  const cN = c0 ? new Float32Array(L * batch * H) : null;
  let input: tf.Tensor = tf.tensor3d(x, [batch, steps, stack.inputSize]);
  for (let k = 0; k < L; k++) {
    const layer = tfjsLayer(stack, k);
    const state = (a: Float32Array) => tf.tensor2d(a.subarray(k * batch * H, (k + 1) * batch * H), [batch, H]);
    const initialState = c0 ? [state(h0), state(c0)] : [state(h0)];
    const [y, h, c] = layer.apply(input, { initialState }) as tf.Tensor[];
    hN.set(h.dataSync(), k * batch * H);
    if (cN && c) cN.set(c.dataSync(), k * batch * H);
    tf.dispose([input, h, ...(c ? [c] : []), ...initialState]);
    layer.dispose();
    input = y;
  }
  const output = input.dataSync() as Float32Array;
  input.dispose();
  return { output: Float32Array.from(output), hN, cN };
}

function oursFor(stack: TorchStack, resetAfter: boolean): RecurrentStack {
  const base = { inputSize: stack.inputSize, hiddenSize: stack.hiddenSize, layers: stack.layers.length };
  const net =
    stack.cell === 'gru'
      ? new RecurrentStack({ ...base, cell: 'gru', resetAfter })
      : stack.cell === 'lstm'
        ? new RecurrentStack({ ...base, cell: 'lstm' })
        : new RecurrentStack({ ...base, cell: 'rnn', nonlinearity: 'tanh' });
  net.setParameters(torchParameterRecord(stack));
  return net;
}

function goldenStack(c: GoldenCase, cell: CellKind): TorchStack {
  return {
    cell,
    inputSize: c.D,
    hiddenSize: c.H,
    layers: Array.from({ length: c.layers }, (_, k) => ({
      weightIh: f32(c.params[`weight_ih_l${k}`]),
      weightHh: f32(c.params[`weight_hh_l${k}`]),
      biasIh: f32(c.params[`bias_ih_l${k}`]),
      biasHh: f32(c.params[`bias_hh_l${k}`]),
    })),
  };
}

const CELLS: Array<{ cell: CellKind; golden: string; title: string }> = [
  { cell: 'gru', golden: 'gru_reset_before', title: 'GRU (reset-before)' },
  { cell: 'lstm', golden: 'lstm', title: 'LSTM' },
  { cell: 'rnn_tanh', golden: 'rnn_tanh', title: 'SimpleRNN (tanh)' },
];

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

describe('the Keras layout conversion reproduces PyTorch', () => {
  const cases = (JSON.parse(gunzipSync(readFileSync(GOLDEN)).toString()) as { cases: GoldenCase[] }).cases;

  for (const { cell, golden, title } of CELLS) {
    for (const size of ['tiny', 'stack', 'odd']) {
      it(`${title}, ${golden}_${size}: tfjs with converted weights matches the float64 reference`, () => {
        const c = cases.find((g) => g.name === `${golden}_${size}`);
        expect(c, `${golden}_${size} in the golden file`).toBeDefined();
        const stack = goldenStack(c!, cell);
        const x = toBatchMajor(f32(c!.x), c!.T, c!.B, c!.D);
        const got = runTfjs(stack, x, c!.B, c!.T, f32(c!.h0), c!.c0 ? f32(c!.c0) : null);
        expect(normwiseError(got.output, toBatchMajor(f32(c!.y), c!.T, c!.B, c!.H))).toBeLessThan(TOLERANCE);
        expect(normwiseError(got.hN, f32(c!.h_n))).toBeLessThan(TOLERANCE);
      });
    }
  }
});

describe('tfjs-layers and RecurrentStack agree on the same weights', () => {
  const batch = 3;
  const steps = 9;
  const inputSize = 5;
  const hiddenSize = 7;
  const layers = 2;

  for (const { cell, title } of CELLS) {
    it(`${title}: outputs and final states within ${TOLERANCE}`, () => {
      const stack = randomTorchStack(cell, inputSize, hiddenSize, layers, 17);
      const next = seededUniform(29);
      const x = uniformArray(batch * steps * inputSize, -1, 1, next);
      const h0 = uniformArray(layers * batch * hiddenSize, -0.5, 0.5, next);
      const c0 = cell === 'lstm' ? uniformArray(layers * batch * hiddenSize, -0.5, 0.5, next) : null;

      const want = runTfjs(stack, x, batch, steps, h0, c0);
      const got = oursFor(stack, false).forward(x, { batch, steps, h0, c0 });
      expect(normwiseError(got.output, want.output)).toBeLessThan(TOLERANCE);
      expect(normwiseError(got.hN, want.hN)).toBeLessThan(TOLERANCE);
      if (c0) expect(normwiseError(got.cN!, want.cN!)).toBeLessThan(TOLERANCE);
    });
  }

  it('GRU streaming steps reproduce the tfjs sequence, state carried from call to call', () => {
    const stack = randomTorchStack('gru', inputSize, hiddenSize, 1, 41);
    const x = uniformArray(steps * inputSize, -1, 1, seededUniform(43));
    const want = runTfjs(stack, x, 1, steps, new Float32Array(hiddenSize), null);
    const net = oursFor(stack, false);
    const state = net.createState(1);
    const out = new Float32Array(hiddenSize);
    const got = new Float32Array(steps * hiddenSize);
    for (let t = 0; t < steps; t++) {
      net.step(x.subarray(t * inputSize, (t + 1) * inputSize), state, out);
      got.set(out, t * hiddenSize);
    }
    expect(normwiseError(got, want.output)).toBeLessThan(TOLERANCE);
  });

  it('the comparison tells the GRU forms apart: reset-after differs from tfjs by far more than the tolerance', () => {
    const stack = randomTorchStack('gru', inputSize, hiddenSize, layers, 17);
    const x = uniformArray(batch * steps * inputSize, -1, 1, seededUniform(31));
    const h0 = new Float32Array(layers * batch * hiddenSize).fill(0.5);
    const want = runTfjs(stack, x, batch, steps, h0, null);
    const got = oursFor(stack, true).forward(x, { batch, steps, h0 });
    expect(normwiseError(got.output, want.output)).toBeGreaterThan(100 * TOLERANCE);
  });
});

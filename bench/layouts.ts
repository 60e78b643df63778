/**
 * One set of recurrent weights in PyTorch's layout, and its conversion into the layouts of the
 * peers: Keras/tfjs-layers (kernel [in][G*H], recurrentKernel [H][G*H], one bias) and ONNX
 * (W [1][G*H][in], R [1][G*H][H], B [1][2*G*H]). Gate orders differ per framework:
 *
 *   cell   PyTorch    Keras/tfjs   ONNX
 *   GRU    r, z, n    z, r, h      z, r, h
 *   LSTM   i, f, g, o i, f, c, o   i, o, f, c
 *   RNN    -          -            -
 */
import { gatesOf, type CellKind } from './workloads.js';

/** Parameters of one layer, PyTorch names and layouts (row-major Float32Array). */
export interface TorchLayer {
  weightIh: Float32Array; // [G*H][in]
  weightHh: Float32Array; // [G*H][H]
  biasIh: Float32Array; // [G*H]
  biasHh: Float32Array; // [G*H]
}

export interface TorchStack {
  cell: CellKind;
  inputSize: number;
  hiddenSize: number;
  layers: TorchLayer[];
}

/** Mulberry32: a small seeded generator, so every peer and every run sees the same numbers. */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniformArray(length: number, low: number, high: number, next: () => number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = low + (high - low) * next();
  return out;
}

/** PyTorch's default initialisation, U(-1/sqrt(H), 1/sqrt(H)), from a fixed seed. */
export function randomTorchStack(
  cell: CellKind,
  inputSize: number,
  hiddenSize: number,
  layers: number,
  seed: number,
): TorchStack {
  const next = seededUniform(seed);
  const bound = 1 / Math.sqrt(hiddenSize);
  const rows = gatesOf(cell) * hiddenSize;
  const out: TorchLayer[] = [];
  for (let k = 0; k < layers; k++) {
    const inSize = k === 0 ? inputSize : hiddenSize;
    out.push({
      weightIh: uniformArray(rows * inSize, -bound, bound, next),
      weightHh: uniformArray(rows * hiddenSize, -bound, bound, next),
      biasIh: uniformArray(rows, -bound, bound, next),
      biasHh: uniformArray(rows, -bound, bound, next),
    });
  }
  return { cell, inputSize, hiddenSize, layers: out };
}

/** The `{ weight_ih_l0, ... }` record that `RecurrentStack.setParameters` takes. */
export function torchParameterRecord(stack: TorchStack): Record<string, Float32Array> {
  const record: Record<string, Float32Array> = {};
  stack.layers.forEach((layer, k) => {
    record[`weight_ih_l${k}`] = layer.weightIh;
    record[`weight_hh_l${k}`] = layer.weightHh;
    record[`bias_ih_l${k}`] = layer.biasIh;
    record[`bias_hh_l${k}`] = layer.biasHh;
  });
  return record;
}

/** The flat buffer of `native/kernels/api.h`: per layer weight_ih, weight_hh, bias_ih, bias_hh. */
export function torchFlat(stack: TorchStack): Float32Array {
  const parts = stack.layers.flatMap((l) => [l.weightIh, l.weightHh, l.biasIh, l.biasHh]);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * For each gate block of the target framework, the index of the PyTorch block it comes from.
 */
const KERAS_FROM_TORCH: Record<CellKind, number[]> = {
  gru: [1, 0, 2], // z, r, h  <-  r, z, n
  lstm: [0, 1, 2, 3], // i, f, c, o  <-  i, f, g, o
  rnn_tanh: [0],
};
const ONNX_FROM_TORCH: Record<CellKind, number[]> = {
  gru: [1, 0, 2], // z, r, h  <-  r, z, n
  lstm: [0, 3, 1, 2], // i, o, f, c  <-  i, f, g, o
  rnn_tanh: [0],
};

/** Rows of a [G*H][cols] matrix regrouped by gate block: block b of the result = block order[b]. */
function reorderBlocks(matrix: Float32Array, hidden: number, cols: number, order: number[]): Float32Array {
  const out = new Float32Array(matrix.length);
  const blockSize = hidden * cols;
  order.forEach((from, to) => out.set(matrix.subarray(from * blockSize, (from + 1) * blockSize), to * blockSize));
  return out;
}

function transpose(matrix: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(matrix.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = matrix[r * cols + c];
  return out;
}

export interface KerasLayer {
  kernel: Float32Array; // [in][G*H]
  recurrentKernel: Float32Array; // [H][G*H]
  bias: Float32Array; // [G*H]
}

/**
 * Keras/tfjs-layers weights with the same function as a PyTorch layer. Keras has one bias per
 * gate, added on the input side. PyTorch's two biases always enter a gate as a plain sum
 * (b_ih + b_hh) except in the reset-after GRU candidate, where b_hn is multiplied by r; tfjs's
 * GRU is reset-before only, in which the candidate is tanh(W_in x + b_in + W_hn (r*h) + b_hn),
 * so the sum is exact for every cell tfjs has.
 */
export function kerasLayerFromTorch(stack: TorchStack, k: number): KerasLayer {
  const h = stack.hiddenSize;
  const inSize = k === 0 ? stack.inputSize : h;
  const layer = stack.layers[k];
  const order = KERAS_FROM_TORCH[stack.cell];
  const rows = gatesOf(stack.cell) * h;
  const bias = new Float32Array(rows);
  for (let i = 0; i < rows; i++) bias[i] = layer.biasIh[i] + layer.biasHh[i];
  return {
    kernel: transpose(reorderBlocks(layer.weightIh, h, inSize, order), rows, inSize),
    recurrentKernel: transpose(reorderBlocks(layer.weightHh, h, h, order), rows, h),
    bias: reorderBlocks(bias, h, 1, order),
  };
}

export interface OnnxLayer {
  W: Float32Array; // [1][G*H][in]
  R: Float32Array; // [1][G*H][H]
  B: Float32Array; // [1][2*G*H]: Wb then Rb
}

export function onnxLayerFromTorch(stack: TorchStack, k: number): OnnxLayer {
  const h = stack.hiddenSize;
  const inSize = k === 0 ? stack.inputSize : h;
  const layer = stack.layers[k];
  const order = ONNX_FROM_TORCH[stack.cell];
  const rows = gatesOf(stack.cell) * h;
  const B = new Float32Array(2 * rows);
  B.set(reorderBlocks(layer.biasIh, h, 1, order), 0);
  B.set(reorderBlocks(layer.biasHh, h, 1, order), rows);
  return { W: reorderBlocks(layer.weightIh, h, inSize, order), R: reorderBlocks(layer.weightHh, h, h, order), B };
}

/** [batch][steps][features] (ours, Keras) to [steps][batch][features] (ONNX layout 0). */
export function batchMajorToTimeMajor(x: Float32Array, batch: number, steps: number, features: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < batch; b++)
    for (let t = 0; t < steps; t++)
      out.set(x.subarray((b * steps + t) * features, (b * steps + t + 1) * features), (t * batch + b) * features);
  return out;
}

export function timeMajorToBatchMajor(x: Float32Array, batch: number, steps: number, features: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let t = 0; t < steps; t++)
    for (let b = 0; b < batch; b++)
      out.set(x.subarray((t * batch + b) * features, (t * batch + b + 1) * features), (b * steps + t) * features);
  return out;
}

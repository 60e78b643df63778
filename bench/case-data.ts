/**
 * Inputs of one benchmark case, generated from fixed seeds so every peer, every thread count
 * and every run sees the same weights and data.
 */
import { randomTorchStack, seededUniform, uniformArray, type TorchStack } from './layouts.js';
import type { Mode, Workload } from './workloads.js';

export interface CaseData {
  stack: TorchStack;
  /** [batch][steps][inputSize]; for `step` mode a ring of `STEP_RING` inputs [STEP_RING][inputSize]. */
  x: Float32Array;
  /** fwdbwd: upstream gradient of the top layer's outputs, [batch][steps][H]. */
  dOutput: Float32Array | null;
  /** train: regression target of the dense head, [batch][inputSize]. */
  target: Float32Array | null;
}

/** Streaming inputs cycle through this many distinct points. */
export const STEP_RING = 1024;

const SEEDS = { W1: 101, W2: 202, W3: 303, W4: 404, W5: 505 } as const;

export function makeCaseData(w: Workload, mode: Mode): CaseData {
  const seed = SEEDS[w.id];
  const stack = randomTorchStack(w.cell, w.inputSize, w.hiddenSize, w.layers, seed);
  const next = seededUniform(seed + 1);
  const xLength = mode === 'step' ? STEP_RING * w.inputSize : w.batch * w.steps * w.inputSize;
  return {
    stack,
    x: uniformArray(xLength, -1, 1, next),
    dOutput: mode === 'fwdbwd' ? uniformArray(w.batch * w.steps * w.hiddenSize, -1, 1, next) : null,
    target: mode === 'train' ? uniformArray(w.batch * w.inputSize, -1, 1, next) : null,
  };
}

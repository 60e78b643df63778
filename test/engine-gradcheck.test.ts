import { describe, expect, it } from 'vitest';

import { AnomalyNetwork, RecurrentStack } from '../src/engine/index.js';
import { Xoshiro128 } from '../src/core/prng.js';
import { randomArray } from './helpers/random.js';

// Central differences of a float32 forward pass: with a step of 1e-2 the truncation error is
// O(h^2) ~ 1e-4 and float32 rounding contributes ~1e-7/h ~ 1e-5, so analytic and numeric
// gradients agree to about 1e-3 relative to the gradient's scale.
const H_STEP = 1e-2;
const TOL = 2e-3;

const specs = [
  { cell: 'rnn', nonlinearity: 'tanh' },
  { cell: 'rnn', nonlinearity: 'relu' },
  { cell: 'gru', resetAfter: true },
  { cell: 'gru', resetAfter: false },
  { cell: 'lstm' },
] as const;

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

describe.each(specs)('finite differences agree with BPTT for %o', (spec) => {
  it('on random small configurations', () => {
    const rng = new Xoshiro128(spec.cell.length * 31 + ('resetAfter' in spec && spec.resetAfter ? 1 : 0));
    for (let trial = 0; trial < 3; trial++) {
      const D = 1 + rng.nextBelow(5),
        H = 1 + rng.nextBelow(7),
        L = 1 + rng.nextBelow(2);
      const B = 1 + rng.nextBelow(3),
        T = 1 + rng.nextBelow(6);
      const net = new RecurrentStack({ ...spec, inputSize: D, hiddenSize: H, layers: L, seed: trial });
      const lstm = spec.cell === 'lstm';
      const x = randomArray(B * T * D, 10 + trial);
      const h0 = randomArray(L * B * H, 20 + trial, 0.5);
      const c0 = lstm ? randomArray(L * B * H, 30 + trial, 0.5) : undefined;
      const dY = randomArray(B * T * H, 40 + trial);
      const dHN = randomArray(L * B * H, 50 + trial);
      const dCN = lstm ? randomArray(L * B * H, 60 + trial) : undefined;
      const loss = () => {
        const f = net.forward(x, { batch: B, steps: T, h0, c0 });
        return dot(f.output, dY) + dot(f.hN, dHN) + (lstm ? dot(f.cN!, dCN!) : 0);
      };
      net.forward(x, { batch: B, steps: T, h0, c0, train: true });
      const g = net.backward({ dOutput: dY, dHN, dCN });
      const scale = (a: Float32Array) => Math.max(1, ...Array.from(a, Math.abs));
      const probe = (arr: Float32Array, grad: Float32Array, label: string, apply: () => void = () => {}) => {
        const s = scale(grad);
        for (let k = 0; k < Math.min(arr.length, 6); k++) {
          const i = rng.nextBelow(arr.length);
          const keep = arr[i]!;
          arr[i] = keep + H_STEP;
          apply();
          const up = loss();
          arr[i] = keep - H_STEP;
          apply();
          const down = loss();
          arr[i] = keep;
          apply();
          expect(Math.abs((up - down) / (2 * H_STEP) - grad[i]!) / s, `${label}[${i}]`).toBeLessThan(TOL);
        }
      };
      probe(x, g.dInput, 'x');
      probe(h0, g.dH0, 'h0');
      if (lstm) probe(c0!, g.dC0!, 'c0');
      const flat = net.getFlatParameters();
      for (const slot of net.parameterSlots()) {
        const view = flat.subarray(slot.offset, slot.offset + slot.length);
        probe(view, g.params[slot.name]!, slot.name, () => net.setFlatParameters(flat));
      }
    }
  });
});

describe('model gradients', () => {
  it.each(['forecast', 'reconstruct'] as const)('match finite differences of the %s loss', (mode) => {
    const D = 3,
      H = 5,
      B = 4,
      T = 6;
    const net = new AnomalyNetwork({ cell: 'gru', inputSize: D, hiddenSize: H, layers: 2, mode, outputSize: D }, 5);
    const x = randomArray(B * T * D, 1);
    const target = mode === 'forecast' ? randomArray(B * D, 2) : null;
    const { grads } = net.gradient(x, target, B, T);
    const flat = net.getFlatParameters();
    const rng = new Xoshiro128(9);
    const s = Math.max(1e-3, ...Array.from(grads, Math.abs));
    for (let k = 0; k < 40; k++) {
      const i = rng.nextBelow(flat.length);
      const keep = flat[i]!;
      flat[i] = keep + H_STEP;
      net.setFlatParameters(flat);
      const up = net.loss(x, target, B, T);
      flat[i] = keep - H_STEP;
      net.setFlatParameters(flat);
      const down = net.loss(x, target, B, T);
      flat[i] = keep;
      net.setFlatParameters(flat);
      expect(Math.abs((up - down) / (2 * H_STEP) - grads[i]!) / s, `param ${i}`).toBeLessThan(TOL);
    }
  });
});

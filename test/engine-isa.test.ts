import { afterAll, describe, expect, it } from 'vitest';

import { AnomalyNetwork, RecurrentStack, activeIsa, forceIsa, supportedIsas } from '../src/engine/index.js';
import { normwiseError } from './helpers/golden.js';
import { randomArray } from './helpers/random.js';

const initial = activeIsa();
afterAll(() => forceIsa(initial));

const configs = [
  { cell: 'rnn', nonlinearity: 'tanh', D: 8, H: 64, L: 1 },
  { cell: 'rnn', nonlinearity: 'relu', D: 7, H: 37, L: 2 },
  { cell: 'gru', resetAfter: true, D: 16, H: 64, L: 2 },
  { cell: 'gru', resetAfter: false, D: 5, H: 33, L: 2 },
  { cell: 'lstm', D: 32, H: 100, L: 1 },
] as const;

function run(spec: (typeof configs)[number]) {
  const { D, H, L, ...cell } = spec;
  const B = 19,
    T = 11;
  const net = new RecurrentStack({ ...cell, inputSize: D, hiddenSize: H, layers: L, seed: 11 });
  const x = randomArray(B * T * D, 5);
  const fwd = net.forward(x, { batch: B, steps: T, train: true });
  const g = net.backward({ dOutput: randomArray(B * T * H, 6), dHN: randomArray(L * B * H, 7) });
  const state = net.createState(3);
  const stepOut = new Float32Array(3 * H);
  for (let t = 0; t < 5; t++) net.step(randomArray(3 * D, 100 + t), state, stepOut);
  const model = new AnomalyNetwork(
    { ...cell, inputSize: D, hiddenSize: H, layers: L, mode: 'reconstruct', outputSize: D },
    2,
  );
  model.trainStep(x, null, B, T, { optimizer: 'adam', learningRate: 1e-3 });
  return { y: fwd.output, dx: g.dInput, dp: Object.values(g.params), stepOut, trained: model.getFlatParameters() };
}

describe.each(supportedIsas().filter((i) => i !== 'scalar'))('the %s path matches the scalar reference', (isa) => {
  it.each(
    configs.map(
      (c) =>
        [
          `${c.cell}${'resetAfter' in c ? (c.resetAfter ? '-after' : '-before') : ''} D${c.D} H${c.H} L${c.L}`,
          c,
        ] as const,
    ),
  )('%s', (_n, spec) => {
    forceIsa('scalar');
    const ref = run(spec);
    forceIsa(isa);
    const got = run(spec);
    expect(normwiseError(got.y, ref.y)).toBeLessThan(1e-5);
    expect(normwiseError(got.dx, ref.dx)).toBeLessThan(1e-4);
    got.dp.forEach((p, i) => expect(normwiseError(p, ref.dp[i]!)).toBeLessThan(1e-4));
    expect(normwiseError(got.stepOut, ref.stepOut)).toBeLessThan(1e-5);
    expect(normwiseError(got.trained, ref.trained)).toBeLessThan(1e-5);
  });
});

describe('NaN is never hidden', () => {
  it.each(supportedIsas())('a NaN input propagates to the outputs on %s', (isa) => {
    forceIsa(isa);
    for (const cell of ['rnn', 'gru', 'lstm'] as const) {
      const net = new RecurrentStack({ cell, inputSize: 3, hiddenSize: 20, layers: 1, seed: 1 });
      const x = randomArray(2 * 4 * 3, 9);
      x[3 * 3 + 1] = NaN; // batch 0, step 3
      const fwd = net.forward(x, { batch: 2, steps: 4 });
      expect(fwd.output.subarray(3 * 20, 4 * 20).some(Number.isNaN), cell).toBe(true);
      expect(fwd.output.subarray(4 * 20).some(Number.isNaN), `${cell}: batch 1 stays clean`).toBe(false);
    }
  });
});

import { afterAll, describe, expect, it } from 'vitest';

import { AnomalyNetwork, RecurrentStack, setThreads, threads } from '../src/engine/index.js';
import { randomArray } from './helpers/random.js';

// Weight gradients are reduced in a fixed order and batch slices do not depend on the thread
// count, so every result must be bitwise identical for 1, 2 and 3 threads.
const initialThreads = threads();
afterAll(() => setThreads(initialThreads));

const cells = [
  { cell: 'gru', resetAfter: true },
  { cell: 'gru', resetAfter: false },
  { cell: 'lstm' },
  { cell: 'rnn', nonlinearity: 'relu' },
] as const;

describe.each(cells)('thread count does not change results (%o)', (spec) => {
  it('forward, backward and training are bitwise identical for 1, 2, 3 threads', () => {
    const B = 37,
      T = 13,
      D = 5,
      H = 24,
      L = 2;
    const x = randomArray(B * T * D, 1);
    const dY = randomArray(B * T * H, 2);
    const results = [1, 2, 3].map((n) => {
      setThreads(n);
      const net = new RecurrentStack({ ...spec, inputSize: D, hiddenSize: H, layers: L, seed: 7 });
      const fwd = net.forward(x, { batch: B, steps: T, train: true });
      const g = net.backward({ dOutput: dY });
      const model = new AnomalyNetwork(
        { ...spec, inputSize: D, hiddenSize: H, layers: L, mode: 'forecast', outputSize: D },
        3,
      );
      const target = randomArray(B * D, 4);
      for (let i = 0; i < 3; i++)
        model.trainStep(x, target, B, T, { optimizer: 'adam', learningRate: 0.01, clipNorm: 1 });
      return { y: fwd.output, dx: g.dInput, dw: g.params.weight_hh_l1!, trained: model.getFlatParameters() };
    });
    for (const r of results.slice(1)) {
      expect(Buffer.from(r.y.buffer).equals(Buffer.from(results[0]!.y.buffer))).toBe(true);
      expect(Buffer.from(r.dx.buffer).equals(Buffer.from(results[0]!.dx.buffer))).toBe(true);
      expect(Buffer.from(r.dw.buffer).equals(Buffer.from(results[0]!.dw.buffer))).toBe(true);
      expect(Buffer.from(r.trained.buffer).equals(Buffer.from(results[0]!.trained.buffer))).toBe(true);
    }
  });
});

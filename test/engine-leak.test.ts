import { describe, expect, it } from 'vitest';

import { AnomalyNetwork, RecurrentStack } from '../src/engine/index.js';
import { randomArray } from './helpers/random.js';

// Resident memory must stay bounded over long runs: measured after a warm-up, so allocator and
// JIT growth at start-up do not count.
const MB = 1024 * 1024;

describe('no leak', () => {
  it('100k streaming steps and 1k sequence calls keep resident memory bounded', () => {
    const net = new RecurrentStack({ cell: 'gru', inputSize: 8, hiddenSize: 64, layers: 1, seed: 1 });
    const state = net.createState(1);
    const x = randomArray(8, 1);
    const out = new Float32Array(64);
    const model = new AnomalyNetwork(
      { cell: 'lstm', inputSize: 4, hiddenSize: 32, layers: 1, mode: 'forecast', outputSize: 4 },
      1,
    );
    const seq = randomArray(16 * 20 * 4, 2);
    const target = randomArray(16 * 4, 3);
    const runSequences = (n: number) => {
      for (let i = 0; i < n; i++) {
        const f = net.forward(randomArray(4 * 10 * 8, i), { batch: 4, steps: 10, train: true });
        net.backward({ dOutput: f.output });
        model.trainStep(seq, target, 16, 20, { optimizer: 'adam', learningRate: 1e-3 });
      }
    };
    for (let i = 0; i < 10_000; i++) net.step(x, state, out);
    runSequences(100);
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 100_000; i++) net.step(x, state, out);
    runSequences(1_000);
    (globalThis as { gc?: () => void }).gc?.();
    const grown = (process.memoryUsage().rss - before) / MB;
    expect(grown).toBeLessThan(40);
  });
});

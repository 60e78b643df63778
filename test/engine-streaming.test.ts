import { describe, expect, it } from 'vitest';

import { AnomalyNetwork, RecurrentStack } from '../src/engine/index.js';
import { normwiseError } from './helpers/golden.js';
import { randomArray } from './helpers/random.js';

describe('single-step streaming', () => {
  it.each(['rnn', 'gru', 'lstm'] as const)('%s: stepping equals the sequence forward', (cell) => {
    const D = 4,
      H = 16,
      L = 2,
      B = 3,
      T = 9;
    const net = new RecurrentStack({ cell, inputSize: D, hiddenSize: H, layers: L, seed: 4 });
    const x = randomArray(B * T * D, 8);
    const fwd = net.forward(x, { batch: B, steps: T });
    const state = net.createState(B);
    const out = new Float32Array(B * H);
    const row = new Float32Array(B * D);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) row.set(x.subarray((b * T + t) * D, (b * T + t + 1) * D), b * D);
      net.step(row, state, out);
      for (let b = 0; b < B; b++) {
        expect(
          normwiseError(out.subarray(b * H, (b + 1) * H), fwd.output.subarray((b * T + t) * H, (b * T + t + 1) * H)),
        ).toBeLessThan(1e-6);
      }
    }
    expect(normwiseError(state.h, fwd.hN)).toBeLessThan(1e-6);
  });

  it.each(['gru', 'lstm'] as const)('%s: a native-state stepper equals the sequence forward', (cell) => {
    const D = 5,
      H = 16,
      L = 2,
      B = 2,
      T = 6;
    const net = new RecurrentStack({ cell, inputSize: D, hiddenSize: H, layers: L, seed: 3 });
    const x = randomArray(B * T * D, 31);
    const fwd = net.forward(x, { batch: B, steps: T });
    const stepper = net.createStepper(B);
    const out = new Float32Array(B * H);
    const row = new Float32Array(B * D);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) row.set(x.subarray((b * T + t) * D, (b * T + t + 1) * D), b * D);
      stepper.step(row, out);
      for (let b = 0; b < B; b++) {
        expect(
          normwiseError(out.subarray(b * H, (b + 1) * H), fwd.output.subarray((b * T + t) * H, (b * T + t + 1) * H)),
        ).toBeLessThan(1e-6);
      }
    }
    const state = stepper.getState();
    expect(normwiseError(state.h, fwd.hN)).toBeLessThan(1e-6);
    if (cell === 'lstm') expect(normwiseError(state.c!, fwd.cN!)).toBeLessThan(1e-6);
    stepper.reset();
    expect(stepper.getState().h.every((v) => v === 0)).toBe(true);
    stepper.setState(state.h, state.c);
    expect(stepper.getState().h).toEqual(state.h);
    expect(() => stepper.step(new Float32Array(3), out)).toThrow(/x must have 10 elements, got 3/);
    expect(() => stepper.setState(new Float32Array(2))).toThrow(RangeError);
  });

  it.each(['forecast', 'reconstruct'] as const)('%s: each push completes a window equal to predict()', (mode) => {
    const D = 3,
      H = 12,
      W = 7,
      N = 30,
      streams = 2;
    const net = new AnomalyNetwork({ cell: 'lstm', inputSize: D, hiddenSize: H, layers: 2, mode, outputSize: D }, 1);
    const series = [randomArray(N * D, 21), randomArray(N * D, 22)];
    const stream = net.openStream(streams, W);
    const point = new Float32Array(streams * D);
    for (let t = 0; t < N; t++) {
      for (let s = 0; s < streams; s++) point.set(series[s]!.subarray(t * D, (t + 1) * D), s * D);
      const { out, ready } = stream.push(point);
      for (let s = 0; s < streams; s++) {
        expect(ready[s]).toBe(t >= W - 1 ? 1 : 0);
        if (t < W - 1) continue;
        const window = series[s]!.slice((t - W + 1) * D, (t + 1) * D);
        const want = net.predict(window, 1, W);
        const got = out.subarray(s * stream.outputLength, (s + 1) * stream.outputLength);
        expect(normwiseError(got, want)).toBeLessThan(1e-5);
      }
    }
  });

  it('pushes to a subset of streams leave the others untouched', () => {
    const net = new AnomalyNetwork(
      { cell: 'gru', inputSize: 2, hiddenSize: 8, layers: 1, mode: 'forecast', outputSize: 2 },
      1,
    );
    const stream = net.openStream(3, 4);
    const pts = randomArray(40 * 2, 3);
    let lastReady: number[] = [];
    for (let t = 0; t < 5; t++)
      lastReady = Array.from(stream.push(pts.subarray(t * 2, t * 2 + 2), Int32Array.of(1)).ready);
    expect(lastReady).toEqual([1]);
    const all = stream.push(pts.subarray(0, 6));
    expect(Array.from(all.ready)).toEqual([0, 1, 0]);
  });
});

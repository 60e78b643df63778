import { describe, expect, it } from 'vitest';

import { AnomalyNetwork, RecurrentStack, setThreads } from '../src/engine/index.js';
import { gatherWindows } from '../src/engine/runtime.js';
import { native } from '../src/engine/native.js';
import {
  InvalidArgumentError,
  NativeError,
  NotFittedError,
  OutOfRangeError,
  RnnAnomalyError,
} from '../src/core/errors.js';
import { expectTypedError, type ErrorClass } from './helpers/typed-errors.js';

/** Every failure is one of the library's error classes with a listed code and a message naming the argument. */
function expectArgError(fn: () => unknown, kind: ErrorClass, code: RegExp, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expectTypedError(caught, kind, code, message);
}

const gru = () => new RecurrentStack({ cell: 'gru', inputSize: 3, hiddenSize: 4, layers: 2 });

describe('TypeScript checks', () => {
  it('rejects bad configurations with typed errors', () => {
    expectArgError(
      () => new RecurrentStack({ cell: 'transformer' as never, inputSize: 1, hiddenSize: 1 }),
      InvalidArgumentError,
      /ERR_INVALID_ARGUMENT/,
      /config\.cell/,
    );
    expectArgError(
      () => new RecurrentStack({ cell: 'gru', inputSize: 0, hiddenSize: 4 }),
      OutOfRangeError,
      /ERR_OUT_OF_RANGE/,
      /inputSize.*got 0/,
    );
    expectArgError(
      () => new RecurrentStack({ cell: 'gru', inputSize: 2.5, hiddenSize: 4 }),
      InvalidArgumentError,
      /ERR_INVALID_ARGUMENT/,
      /inputSize must be an integer/,
    );
    expectArgError(
      () => new RecurrentStack({ cell: 'lstm', inputSize: 2, hiddenSize: 4, nonlinearity: 'relu' }),
      InvalidArgumentError,
      /ERR_INVALID_ARGUMENT/,
      /nonlinearity/,
    );
    expectArgError(
      () => new RecurrentStack({ cell: 'gru', inputSize: 2, hiddenSize: 1e9 }),
      OutOfRangeError,
      /ERR_OUT_OF_RANGE/,
      /hiddenSize/,
    );
    expect(() => new RecurrentStack({ cell: 'gru', inputSize: 0, hiddenSize: 4 })).toThrow(RnnAnomalyError);
  });

  it('rejects wrong array types and lengths', () => {
    const net = gru();
    expectArgError(
      () => net.forward(new Float64Array(6) as never, { batch: 1, steps: 2 }),
      InvalidArgumentError,
      /ERR_INVALID_ARGUMENT/,
      /x must be a Float32Array, got a Float64Array/,
    );
    expectArgError(
      () => net.forward(new Float32Array(5), { batch: 1, steps: 2 }),
      OutOfRangeError,
      /ERR_SHAPE_MISMATCH/,
      /x must have 6 elements, got 5/,
    );
    expectArgError(
      () => net.forward(new Float32Array(6), { batch: 0, steps: 2 }),
      OutOfRangeError,
      /ERR_OUT_OF_RANGE/,
      /batch/,
    );
    expectArgError(
      () => net.forward(new Float32Array(6), { batch: 1, steps: 2, h0: new Float32Array(3) }),
      OutOfRangeError,
      /ERR_SHAPE_MISMATCH/,
      /h0 must have 8/,
    );
    expectArgError(
      () => net.forward(new Float32Array(6), { batch: 1, steps: 2, c0: new Float32Array(8) }),
      InvalidArgumentError,
      /ERR_INVALID_ARGUMENT/,
      /c0 is only accepted by an lstm/,
    );
    expectArgError(
      () => net.setParameters({ weight_ih_l9: new Float32Array(1) }),
      InvalidArgumentError,
      /ERR_INVALID_ARGUMENT/,
      /unknown parameter 'weight_ih_l9'/,
    );
    expectArgError(
      () => net.setParameters({ weight_ih_l0: new Float32Array(5) }),
      OutOfRangeError,
      /ERR_SHAPE_MISMATCH/,
      /weight_ih_l0.*36 elements/,
    );
  });

  it('a failed setParameters changes nothing', () => {
    const net = gru();
    const before = net.getFlatParameters();
    expect(() =>
      net.setParameters({ weight_ih_l0: new Float32Array(36).fill(1), bias_hh_l1: new Float32Array(2) }),
    ).toThrow(RangeError);
    expect(net.getFlatParameters()).toEqual(before);
  });

  it('backward before a training forward is a NotFittedError', () => {
    const net = gru();
    net.forward(new Float32Array(6), { batch: 1, steps: 2 });
    expect(() => net.backward({})).toThrow(/train: true/);
  });

  it('rejects bad thread counts and window starts', () => {
    expectArgError(() => setThreads(0), OutOfRangeError, /ERR_OUT_OF_RANGE/, /threads/);
    expectArgError(
      () => gatherWindows(new Float32Array(10), 2, Int32Array.of(4), 2),
      OutOfRangeError,
      /ERR_OUT_OF_RANGE/,
      /outside the series/,
    );
  });
});

// The same rules enforced again in C++ when the TypeScript layer is bypassed.
describe('native checks', () => {
  const addon = native();
  const stack = () => new addon.RecurrentStack({ cell: 2, resetAfter: true, inputSize: 3, hiddenSize: 4, layers: 2 });
  const fwdArgs = (over: Record<string, unknown>) => ({
    x: new Float32Array(6),
    batch: 1,
    steps: 2,
    h0: null,
    c0: null,
    y: new Float32Array(8),
    hN: new Float32Array(8),
    cN: null,
    train: false,
    ...over,
  });

  it('checks configuration values', () => {
    expectArgError(
      () => new addon.RecurrentStack({ cell: 7 as never, resetAfter: true, inputSize: 1, hiddenSize: 1, layers: 1 }),
      OutOfRangeError,
      /ERR_OUT_OF_RANGE/,
      /config\.cell/,
    );
    expectArgError(
      () => new addon.RecurrentStack({ cell: 2, resetAfter: true, inputSize: -1, hiddenSize: 1, layers: 1 }),
      OutOfRangeError,
      /ERR_OUT_OF_RANGE/,
      /inputSize/,
    );
    expectArgError(
      () => new addon.RecurrentStack({ cell: 2, resetAfter: 'yes' as never, inputSize: 1, hiddenSize: 1, layers: 1 }),
      InvalidArgumentError,
      /ERR_INVALID_ARGUMENT/,
      /resetAfter must be a boolean/,
    );
    expectArgError(
      () => new addon.RecurrentStack(undefined as never),
      InvalidArgumentError,
      /ERR_INVALID_ARGUMENT/,
      /config must be an object/,
    );
    expectArgError(
      () =>
        new addon.AnomalyModel({
          cell: 2,
          resetAfter: true,
          inputSize: 3,
          hiddenSize: 4,
          layers: 1,
          mode: 1,
          outputSize: 2,
        }),
      OutOfRangeError,
      /ERR_OUT_OF_RANGE/,
      /outputSize must equal/,
    );
  });

  it('checks types, lengths and overflowing sizes', () => {
    const s = stack();
    expectArgError(
      () => s.forward(fwdArgs({ x: new Float64Array(6) })),
      InvalidArgumentError,
      /ERR_INVALID_ARGUMENT/,
      /x must be a Float32Array/,
    );
    expectArgError(
      () => s.forward(fwdArgs({ x: new Float32Array(7) })),
      OutOfRangeError,
      /ERR_SHAPE_MISMATCH/,
      /x must have 6 elements, got 7/,
    );
    expectArgError(
      () => s.forward(fwdArgs({ y: [0, 1] })),
      InvalidArgumentError,
      /ERR_INVALID_ARGUMENT/,
      /output must be a Float32Array, got an object/,
    );
    expectArgError(
      () => s.forward(fwdArgs({ batch: 2 ** 24, steps: 2 ** 24 })),
      OutOfRangeError,
      /ERR_OUT_OF_RANGE|ERR_SHAPE_MISMATCH/,
      /x/,
    );
    expectArgError(
      () => s.forward(fwdArgs({ steps: 1.5 })),
      OutOfRangeError,
      /ERR_OUT_OF_RANGE/,
      /steps must be an integer/,
    );
    expectArgError(
      () => s.forward(fwdArgs({ batch: '1' })),
      InvalidArgumentError,
      /ERR_INVALID_ARGUMENT/,
      /batch must be an integer.*got a string/,
    );
    expectArgError(
      () => s.step(new Float32Array(3), 1, 1, new Float32Array(7), null, null),
      OutOfRangeError,
      /ERR_SHAPE_MISMATCH/,
      /h must have 8/,
    );
    expectArgError(
      () => s.step(new Float32Array(3), 2, 3, new Float32Array(16), null, null),
      OutOfRangeError,
      /ERR_OUT_OF_RANGE/,
      /rowsPerInput/,
    );
    expectArgError(() => s.setParam(1e6, new Float32Array(1)), OutOfRangeError, /ERR_OUT_OF_RANGE/, /offset/);
    expectArgError(
      () =>
        s.backward({
          dY: null,
          dHN: null,
          dCN: null,
          dX: new Float32Array(6),
          dH0: new Float32Array(8),
          dC0: null,
          dParams: new Float32Array(s.paramCount),
        }),
      NotFittedError,
      /ERR_NOT_FITTED/,
      /train: true/,
    );
  });

  it('refuses overlapping calls on one network while an async call runs', async () => {
    const s = stack();
    const big = 64;
    const pending = s.forwardAsync(
      fwdArgs({
        x: new Float32Array(big * 3 * 50),
        batch: big,
        steps: 50,
        y: new Float32Array(big * 50 * 4),
        hN: new Float32Array(2 * big * 4),
      }),
    );
    expectArgError(() => s.forward(fwdArgs({})), NativeError, /ERR_BUSY/, /still running/);
    expectArgError(() => s.forwardAsync(fwdArgs({})), NativeError, /ERR_BUSY/, /still running/);
    await pending;
    expect(() => s.forward(fwdArgs({}))).not.toThrow();
  });

  it('keeps arrays alive for async work while the caller drops them', async () => {
    const m = new addon.AnomalyModel({
      cell: 3,
      resetAfter: true,
      inputSize: 4,
      hiddenSize: 32,
      layers: 2,
      mode: 0,
      outputSize: 4,
    });
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      const model = new addon.AnomalyModel({
        cell: 2,
        resetAfter: true,
        inputSize: 4,
        hiddenSize: 16,
        layers: 1,
        mode: 0,
        outputSize: 4,
      });
      jobs.push(model.predictAsync(new Float32Array(32 * 20 * 4).fill(0.5), 32, 20, new Float32Array(32 * 4)));
    }
    (globalThis as { gc?: () => void }).gc?.();
    await Promise.all(jobs);
    const out = new Float32Array(4);
    m.predict(new Float32Array(4 * 3).fill(0.1), 1, 3, out);
    expect(Number.isFinite(out[0]!)).toBe(true);
  });

  it('validates optimizer settings and stream ids', () => {
    const m = new addon.AnomalyModel({
      cell: 2,
      resetAfter: true,
      inputSize: 2,
      hiddenSize: 3,
      layers: 1,
      mode: 0,
      outputSize: 2,
    });
    const cfg = {
      optimizer: 0 as const,
      lr: 0.01,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      clipNorm: 0,
    };
    expectArgError(
      () => m.trainStep(new Float32Array(4), new Float32Array(2), 1, 2, { ...cfg, lr: -1 }),
      OutOfRangeError,
      /ERR_OUT_OF_RANGE/,
      /config\.lr must be > 0/,
    );
    expectArgError(
      () => m.trainStep(new Float32Array(4), new Float32Array(2), 1, 2, { ...cfg, beta2: 1 }),
      OutOfRangeError,
      /ERR_OUT_OF_RANGE/,
      /beta2/,
    );
    const s = m.makeStream(2, 3);
    expectArgError(
      () => s.push(new Float32Array(2), Int32Array.of(5), new Float32Array(2), new Uint8Array(1)),
      OutOfRangeError,
      /ERR_OUT_OF_RANGE/,
      /ids\[0\]/,
    );
    expectArgError(
      () => s.push(new Float32Array(4), Int32Array.of(1, 1), new Float32Array(4), new Uint8Array(2)),
      OutOfRangeError,
      /ERR_OUT_OF_RANGE/,
      /twice/,
    );
  });

  it('TS wrappers surface native errors from the AnomalyNetwork too', () => {
    expectArgError(
      () =>
        new AnomalyNetwork({ cell: 'gru', inputSize: 2, hiddenSize: 3, layers: 1, mode: 'reconstruct', outputSize: 3 }),
      InvalidArgumentError,
      /ERR_INVALID_ARGUMENT/,
      /outputSize must equal/,
    );
  });
});

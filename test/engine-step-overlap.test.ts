/**
 * The single-step paths (RecurrentStack.step, Stepper.step, NetworkStream.push) and the other
 * native calls that write an output while reading inputs refuse arrays that share memory: the
 * kernels would read what they had already overwritten. Checked in TypeScript and again in the
 * addon, which the second half calls directly.
 */
import { describe, expect, it } from 'vitest';

import { AnomalyNetwork, RecurrentStack } from '../src/engine/index.js';
import { native } from '../src/engine/native.js';

const overlapError = (output: string, other: string) =>
  expect.objectContaining({
    code: 'ERR_INVALID_ARGUMENT',
    message: `${output} must not share memory with ${other}: pass a separate array for each output`,
  });

const ramp = (n: number, scale = 0.1): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * scale));

describe('RecurrentStack.step', () => {
  const spec = { cell: 'lstm', inputSize: 4, hiddenSize: 4, layers: 2, seed: 3 } as const;

  it('refuses out, x or state arrays that share memory, leaving the state as it was', () => {
    const stack = new RecurrentStack(spec);
    // One buffer: h [0, 8), c [8, 16), then room for out and x views that overlap them.
    const buffer = new Float32Array(32);
    const state = { batch: 1, h: buffer.subarray(0, 8), c: buffer.subarray(8, 16) };
    stack.step(ramp(4), state); // a non-zero state to keep
    const before = Array.from(buffer);
    expect(() => stack.step(ramp(4), state, buffer.subarray(4, 8))).toThrow(overlapError('state.h', 'out'));
    expect(() => stack.step(ramp(4), state, buffer.subarray(14, 18))).toThrow(overlapError('state.c', 'out'));
    expect(() => stack.step(buffer.subarray(6, 10), state)).toThrow(overlapError('state.h', 'x'));
    const out = new Float32Array(4);
    expect(() => stack.step(out, state, out)).toThrow(overlapError('out', 'x'));
    const shifted = { batch: 1, h: buffer.subarray(0, 8), c: buffer.subarray(4, 12) };
    expect(() => stack.step(ramp(4), shifted)).toThrow(overlapError('state.h', 'state.c'));
    expect(Array.from(buffer)).toEqual(before);
  });

  it('steps as a twin does when the arrays sit side by side in one buffer', () => {
    const shared = new RecurrentStack(spec);
    const twin = new RecurrentStack(spec);
    const buffer = new Float32Array(24);
    const state = { batch: 1, h: buffer.subarray(0, 8), c: buffer.subarray(8, 16) };
    const out = buffer.subarray(16, 20);
    const x = buffer.subarray(20, 24);
    const twinState = twin.createState(1);
    const twinOut = new Float32Array(4);
    for (let t = 0; t < 5; t++) {
      const point = ramp(4, 0.3 + t);
      x.set(point);
      shared.step(x, state, out);
      twin.step(point, twinState, twinOut);
    }
    expect(Array.from(out)).toEqual(Array.from(twinOut));
    expect(Array.from(state.h)).toEqual(Array.from(twinState.h));
  });
});

describe('Stepper.step', () => {
  it('refuses an out array that shares memory with x, and the carried state stays unchanged', () => {
    const stack = new RecurrentStack({ cell: 'gru', inputSize: 4, hiddenSize: 4, layers: 2, seed: 5 });
    const stepper = stack.createStepper(1);
    const twin = stack.createStepper(1);
    stepper.step(ramp(4));
    twin.step(ramp(4));
    const buffer = ramp(8);
    expect(() => stepper.step(buffer.subarray(0, 4), buffer.subarray(2, 6))).toThrow(overlapError('out', 'x'));
    expect(stepper.getState()).toEqual(twin.getState());
  });
});

describe('NetworkStream.push', () => {
  const spec = { cell: 'gru', inputSize: 2, hiddenSize: 4, layers: 1, mode: 'forecast', outputSize: 2 } as const;

  it('refuses the out array of an earlier push as its input, and the stream state stays unchanged', () => {
    const network = new AnomalyNetwork(spec, 1);
    const stream = network.openStream(1, 3);
    const twin = network.openStream(1, 3);
    for (let t = 0; t < 3; t++) {
      stream.push(ramp(2, t + 1));
      twin.push(ramp(2, t + 1));
    }
    const last = stream.push(ramp(2, 4));
    twin.push(ramp(2, 4));
    expect(() => stream.push(last.out)).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_ARGUMENT',
        message:
          'x must not share memory with the out or ready arrays of an earlier push (the next push overwrites ' +
          'them while reading its input): copy them first',
      }),
    );
    // The refused push changed nothing: both streams score the next point alike.
    const copy = Float32Array.from(last.out);
    expect(Array.from(stream.push(copy).out)).toEqual(Array.from(twin.push(copy).out));
  });
});

describe('AnomalyNetwork.gradient', () => {
  it('refuses a grads array that shares memory with x or target', () => {
    const network = new AnomalyNetwork(
      { cell: 'rnn', inputSize: 2, hiddenSize: 3, layers: 1, mode: 'forecast', outputSize: 2 },
      2,
    );
    const buffer = new Float32Array(network.paramCount + 8);
    const x = buffer.subarray(0, 6); // batch 1, steps 3
    const target = buffer.subarray(6, 8);
    expect(() => network.gradient(x, target, 1, 3, buffer.subarray(4, 4 + network.paramCount))).toThrow(
      overlapError('grads', 'x'),
    );
    expect(() => network.gradient(x, target, 1, 3, buffer.subarray(7, 7 + network.paramCount))).toThrow(
      overlapError('grads', 'target'),
    );
    const separate = network.gradient(x, target, 1, 3, buffer.subarray(8, 8 + network.paramCount));
    expect(Array.from(separate.grads)).toEqual(Array.from(network.gradient(x, target, 1, 3).grads));
  });
});

describe('the addon, called directly', () => {
  const addon = native();
  const gru = { cell: 2, resetAfter: true, inputSize: 2, hiddenSize: 4, layers: 2 } as const;

  it('step: h, c and y apart from each other and from x', () => {
    const stack = new addon.RecurrentStack(gru);
    const buffer = new Float32Array(16);
    const h = buffer.subarray(0, 8);
    expect(() => stack.step(buffer.subarray(6, 8), 1, 1, h, null, null)).toThrow(overlapError('h', 'x'));
    expect(() => stack.step(ramp(2), 1, 1, h, null, buffer.subarray(4, 8))).toThrow(overlapError('h', 'y'));
    const lstm = new addon.RecurrentStack({ ...gru, cell: 3 });
    expect(() => lstm.step(ramp(2), 1, 1, h, buffer.subarray(7, 15), null)).toThrow(overlapError('h', 'c'));
    expect(Array.from(buffer)).toEqual(new Array(16).fill(0));
  });

  it('stepper.step and stepper.getState', () => {
    const stepper = new addon.RecurrentStack({ ...gru, cell: 3 }).makeStepper(1);
    const buffer = new Float32Array(16);
    expect(() => stepper.step(buffer.subarray(0, 2), buffer.subarray(1, 5))).toThrow(overlapError('out', 'x'));
    expect(() => stepper.getState(buffer.subarray(0, 8), buffer.subarray(4, 12))).toThrow(overlapError('h', 'c'));
  });

  it('stream.push: out and ready apart from x and ids, whatever their element types', () => {
    const stream = new addon.AnomalyModel({ ...gru, mode: 0, outputSize: 2 }).makeStream(2, 2);
    const bytes = new ArrayBuffer(64);
    const out = new Float32Array(bytes, 0, 4);
    expect(() => stream.push(new Float32Array(bytes, 8, 4), null, out, new Uint8Array(2))).toThrow(
      overlapError('out', 'x'),
    );
    expect(() => stream.push(ramp(4), null, out, new Uint8Array(bytes, 12, 2))).toThrow(overlapError('out', 'ready'));
    const ids = new Int32Array(bytes, 32, 2);
    ids.set([0, 1]);
    expect(() => stream.push(ramp(4), ids, new Float32Array(4), new Uint8Array(bytes, 36, 2))).toThrow(
      overlapError('ready', 'ids'),
    );
  });

  it('predict, predictAsync, gradient and gatherWindows', () => {
    const model = new addon.AnomalyModel({ ...gru, mode: 0, outputSize: 2 });
    const buffer = new Float32Array(model.paramCount + 16);
    const x = buffer.subarray(0, 6); // batch 1, steps 3
    expect(() => model.predict(x, 1, 3, buffer.subarray(5, 7))).toThrow(overlapError('out', 'x'));
    // Like its other argument errors, before any work is queued.
    expect(() => model.predictAsync(x, 1, 3, buffer.subarray(4, 6))).toThrow(overlapError('out', 'x'));
    expect(() => model.gradient(x, buffer.subarray(6, 8), 1, 3, buffer.subarray(7, 7 + model.paramCount))).toThrow(
      overlapError('grads', 'target'),
    );
    const starts = new Int32Array(buffer.buffer, 32, 2);
    expect(() => addon.gatherWindows(buffer.subarray(0, 6), 2, starts, 1, buffer.subarray(8, 12))).toThrow(
      overlapError('out', 'starts'),
    );
  });
});

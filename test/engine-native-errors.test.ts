import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { AnomalyNetwork, RecurrentStack, forceIsa } from '../src/engine/index.js';
import { native } from '../src/engine/native.js';
import { ERROR_CODES, InvalidArgumentError, NativeError, NotFittedError, OutOfRangeError } from '../src/core/errors.js';
import { expectTypedError, type ErrorClass } from './helpers/typed-errors.js';

// Every error that leaves the addon, thrown or as a rejection, called through the TypeScript
// layer or directly, is one of the library's classes with a code listed in ErrorCode.

const expectTyped = (caught: unknown, kind: ErrorClass, code: string, message: RegExp): void =>
  expectTypedError(caught, kind, code, message);

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  return undefined;
}

const addon = native();
const gruConfig = { cell: 2, resetAfter: true, inputSize: 3, hiddenSize: 4, layers: 2 } as const;
const modelConfig = { ...gruConfig, mode: 0, outputSize: 3 } as const;
const trainConfig = {
  optimizer: 0,
  lr: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
  momentum: 0,
  clipNorm: 0,
} as const;

describe('RecurrentStack (addon called directly)', () => {
  const forwardArgs = (over: Record<string, unknown> = {}) => ({
    x: new Float32Array(6),
    batch: 1,
    steps: 2,
    h0: null,
    c0: null,
    y: new Float32Array(8),
    hN: new Float32Array(8),
    cN: null,
    train: true,
    ...over,
  });

  it('sync calls', () => {
    const s = new addon.RecurrentStack(gruConfig);
    expectTyped(
      thrownBy(() => new addon.RecurrentStack(undefined as never)),
      InvalidArgumentError,
      'ERR_INVALID_ARGUMENT',
      /config must be an object/,
    );
    expectTyped(
      thrownBy(() => s.forward(forwardArgs({ x: new Float64Array(6) }))),
      InvalidArgumentError,
      'ERR_INVALID_ARGUMENT',
      /x must be a Float32Array/,
    );
    expectTyped(
      thrownBy(() => s.forward(forwardArgs({ x: new Float32Array(5) }))),
      OutOfRangeError,
      'ERR_SHAPE_MISMATCH',
      /x must have 6 elements/,
    );
    expectTyped(
      thrownBy(() => s.getParams(new Float32Array(1))),
      OutOfRangeError,
      'ERR_SHAPE_MISMATCH',
      /out must have/,
    );
    const dArgs = {
      dY: null,
      dHN: null,
      dCN: null,
      dX: new Float32Array(6),
      dH0: new Float32Array(8),
      dC0: null,
      dParams: new Float32Array(s.paramCount),
    };
    expectTyped(
      thrownBy(() => s.backward(dArgs)),
      NotFittedError,
      'ERR_NOT_FITTED',
      /train: true/,
    );
  });

  it('async calls: bad arguments throw typed errors before any work is queued; a busy stack refuses', async () => {
    const s = new addon.RecurrentStack(gruConfig);
    expectTyped(
      thrownBy(() => s.forwardAsync(forwardArgs({ hN: new Float32Array(3) }))),
      OutOfRangeError,
      'ERR_SHAPE_MISMATCH',
      /hN must have 8/,
    );
    const pending = s.forwardAsync(
      forwardArgs({
        x: new Float32Array(64 * 3 * 40),
        batch: 64,
        steps: 40,
        y: new Float32Array(64 * 40 * 4),
        hN: new Float32Array(2 * 64 * 4),
      }),
    );
    expectTyped(
      thrownBy(() => s.forward(forwardArgs())),
      NativeError,
      'ERR_BUSY',
      /still running/,
    );
    await pending;
    const dArgs = {
      dY: null,
      dHN: null,
      dCN: null,
      dX: new Float32Array(6),
      dH0: new Float32Array(8),
      dC0: null,
      dParams: new Float32Array(3),
    };
    s.forward(forwardArgs());
    expectTyped(
      thrownBy(() => s.backwardAsync(dArgs)),
      OutOfRangeError,
      'ERR_SHAPE_MISMATCH',
      /dParams must have/,
    );
  });

  it('an allocation the machine cannot satisfy is a NativeError ERR_OUT_OF_MEMORY', () => {
    // 64 layers of 16384 x 16384 LSTM weights: about 2^37 floats, refused by the allocator at once.
    const huge = { cell: 3, resetAfter: true, inputSize: 16384, hiddenSize: 16384, layers: 64 } as const;
    expectTyped(
      thrownBy(() => new addon.RecurrentStack(huge)),
      NativeError,
      'ERR_OUT_OF_MEMORY',
      /not enough memory/,
    );
  });
});

describe('RecurrentStack and AnomalyNetwork through the TypeScript layer', () => {
  it('async wrappers reject with typed errors', async () => {
    const net = new AnomalyNetwork({
      cell: 'gru',
      inputSize: 3,
      hiddenSize: 4,
      layers: 1,
      mode: 'forecast',
      outputSize: 3,
    });
    expectTyped(
      await rejectionOf(net.predictAsync(new Float32Array(5), 1, 2)),
      OutOfRangeError,
      'ERR_SHAPE_MISMATCH',
      /x must have 6/,
    );
    const stack = new RecurrentStack({ cell: 'lstm', inputSize: 3, hiddenSize: 4 });
    expectTyped(
      await rejectionOf(stack.forwardAsync(new Float32Array(6), { batch: 1, steps: 3 })),
      OutOfRangeError,
      'ERR_SHAPE_MISMATCH',
      /x must have 9/,
    );
  });
});

describe('AnomalyModel (addon called directly)', () => {
  it('sync calls', () => {
    const m = new addon.AnomalyModel(modelConfig);
    expectTyped(
      thrownBy(() => new addon.AnomalyModel({ ...modelConfig, mode: 1, outputSize: 2 })),
      OutOfRangeError,
      'ERR_OUT_OF_RANGE',
      /outputSize must equal/,
    );
    expectTyped(
      thrownBy(() => m.predict(new Float32Array(6), 1, 2, new Float32Array(2))),
      OutOfRangeError,
      'ERR_SHAPE_MISMATCH',
      /out must have 3/,
    );
    expectTyped(
      thrownBy(() => m.trainStep(new Float32Array(6), new Float32Array(3), 1, 2, { ...trainConfig, beta1: 1 })),
      OutOfRangeError,
      'ERR_OUT_OF_RANGE',
      /beta1/,
    );
    expectTyped(
      thrownBy(() => m.setOptimizerState(new Float32Array(2 * m.paramCount), -1)),
      OutOfRangeError,
      'ERR_OUT_OF_RANGE',
      /step must be/,
    );
    expectTyped(
      thrownBy(() =>
        new addon.AnomalyModel({ ...modelConfig, mode: 1, outputSize: 3 }).loss(
          new Float32Array(6),
          new Float32Array(3),
          1,
          2,
        ),
      ),
      InvalidArgumentError,
      'ERR_INVALID_ARGUMENT',
      /target must be null/,
    );
  });

  it('async calls: argument errors are thrown, failures inside the worker reject', async () => {
    const m = new addon.AnomalyModel(modelConfig);
    expectTyped(
      thrownBy(() => m.lossAsync(new Float32Array(6), new Float32Array(2), 1, 2)),
      OutOfRangeError,
      'ERR_SHAPE_MISMATCH',
      /target must have 3/,
    );
    // lr = 1e-50 is > 0 as a double, which the binding checks, but rounds to 0 in float32, which
    // the kernels refuse on the worker thread: the promise rejects.
    const rejected = await rejectionOf(
      m.trainStepAsync(new Float32Array(6), new Float32Array(3), 1, 2, { ...trainConfig, lr: 1e-50 }),
    );
    expectTyped(rejected, OutOfRangeError, 'ERR_OUT_OF_RANGE', /trainStepAsync: .*lr must be > 0/);
  });
});

describe('streams and steppers (addon called directly)', () => {
  it('AnomalyStream', () => {
    const s = new addon.AnomalyModel(modelConfig).makeStream(2, 2);
    expectTyped(
      thrownBy(() => s.push(new Float32Array(3), Int32Array.of(7), new Float32Array(3), new Uint8Array(1))),
      OutOfRangeError,
      'ERR_OUT_OF_RANGE',
      /ids\[0\]/,
    );
    expectTyped(
      thrownBy(() => s.push(new Float32Array(6), null, new Float32Array(6), new Uint16Array(2) as never)),
      InvalidArgumentError,
      'ERR_INVALID_ARGUMENT',
      /ready must be a Uint8Array/,
    );
    expectTyped(
      thrownBy(() => s.reset(2)),
      OutOfRangeError,
      'ERR_OUT_OF_RANGE',
      /streamId/,
    );
  });

  it('Stepper', () => {
    const stepper = new addon.RecurrentStack(gruConfig).makeStepper(2);
    expectTyped(
      thrownBy(() => stepper.step([1, 2, 3] as never, null)),
      InvalidArgumentError,
      'ERR_INVALID_ARGUMENT',
      /x must be a Float32Array/,
    );
    expectTyped(
      thrownBy(() => stepper.setState(new Float32Array(3), null)),
      OutOfRangeError,
      'ERR_SHAPE_MISMATCH',
      /h must have 16/,
    );
  });
});

describe('free functions (addon called directly)', () => {
  it('threads, instruction sets and windows', () => {
    expectTyped(
      thrownBy(() => addon.setThreads(0)),
      OutOfRangeError,
      'ERR_OUT_OF_RANGE',
      /threads/,
    );
    expectTyped(
      thrownBy(() => addon.setThreads('2' as never)),
      InvalidArgumentError,
      'ERR_INVALID_ARGUMENT',
      /threads must be an integer/,
    );
    expectTyped(
      thrownBy(() => addon.forceIsa('mmx')),
      InvalidArgumentError,
      'ERR_INVALID_ARGUMENT',
      /isa must be one of/,
    );
    expectTyped(
      thrownBy(() => forceIsa('mmx' as never)),
      InvalidArgumentError,
      'ERR_INVALID_ARGUMENT',
      /isa must be one of/,
    );
    expectTyped(
      thrownBy(() => addon.gatherWindows(new Float32Array(10), 2, new Uint32Array(1) as never, 2, new Float32Array(4))),
      InvalidArgumentError,
      'ERR_INVALID_ARGUMENT',
      /starts must be an Int32Array/,
    );
    expectTyped(
      thrownBy(() => addon.gatherWindows(new Float32Array(9), 2, Int32Array.of(0), 2, new Float32Array(4))),
      OutOfRangeError,
      'ERR_SHAPE_MISMATCH',
      /multiple of columns/,
    );
  });
});

describe('error codes', () => {
  it('every code the native sources use is listed in ErrorCode', () => {
    const dir = join(import.meta.dirname, '..', 'native', 'binding');
    const used = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => /\.(cc|h)$/.test(f))) {
      for (const [, code] of readFileSync(join(dir, file), 'utf8').matchAll(/"(ERR_[A-Z0-9_]+)"/g)) used.add(code!);
    }
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((code) => !(ERROR_CODES as readonly string[]).includes(code))).toEqual([]);
  });
});

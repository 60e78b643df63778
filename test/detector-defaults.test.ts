import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/detector/detector-options.js';
import { InvalidDataError } from '../src/core/errors.js';
import {
  chooseBatchSize,
  chooseEpochs,
  chooseHidden,
  chooseWindow,
  chooseWindowsPerEpoch,
  dominantPeriod,
} from '../src/training/auto-defaults.js';
import { planFit } from '../src/training/fit-plan.js';
import { trainingStarts, validationStarts } from '../src/model/window-starts.js';

/** Deterministic pseudo-noise in [-1, 1) (a hash, independent of the library's PRNG). */
function noise(i: number): number {
  const x = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

function series(rows: number, f: (i: number) => number): Float32Array {
  return Float32Array.from({ length: rows }, (_, i) => f(i));
}

describe('dominantPeriod', () => {
  it('finds the period of a noisy sine', () => {
    expect(
      dominantPeriod(
        series(2000, (i) => Math.sin((2 * Math.PI * i) / 24) + 0.3 * noise(i)),
        1,
        0,
        2000,
      ),
    ).toBe(24);
  });

  it('finds the period of a square wave and of the right column', () => {
    const rows = 3000;
    const values = new Float32Array(rows * 2);
    for (let i = 0; i < rows; i++) {
      values[i * 2] = noise(i);
      values[i * 2 + 1] = Math.floor(i / 20) % 2 === 0 ? 1 : -1;
    }
    expect(dominantPeriod(values, 2, 1, rows)).toBe(40);
    expect(dominantPeriod(values, 2, 0, rows)).toBeNull();
  });

  it('reports no period for white noise, a trend or a constant', () => {
    expect(dominantPeriod(series(2000, noise), 1, 0, 2000)).toBeNull();
    expect(
      dominantPeriod(
        series(2000, (i) => i * 0.01),
        1,
        0,
        2000,
      ),
    ).toBeNull();
    expect(
      dominantPeriod(
        series(2000, () => 5),
        1,
        0,
        2000,
      ),
    ).toBeNull();
  });

  it('looks only at the rows it is given (the training part)', () => {
    // Period 30 in the first 1500 rows, 11 afterwards.
    const values = series(3000, (i) =>
      i < 1500 ? Math.sin((2 * Math.PI * i) / 30) : Math.sin((2 * Math.PI * i) / 11),
    );
    expect(dominantPeriod(values, 1, 0, 1500)).toBe(30);
  });
});

describe('auto choices', () => {
  it('clamps a period into the window range', () => {
    expect(chooseWindow(288, 20_000)).toBe(128);
    expect(chooseWindow(24, 20_000)).toBe(24);
    expect(chooseWindow(5, 20_000)).toBe(16);
  });

  it('falls back to 1% of the training rows in [16, 64] without a period', () => {
    expect(chooseWindow(null, 5000)).toBe(50);
    expect(chooseWindow(null, 100_000)).toBe(64);
    expect(chooseWindow(null, 800)).toBe(16);
  });

  it('keeps three quarters of short series as window starts and respects the caller limit', () => {
    expect(chooseWindow(100, 200)).toBe(50);
    expect(chooseWindow(100, 20_000, 30)).toBe(30);
  });

  it('sizes the network, batches and epochs by the data', () => {
    expect(chooseHidden(1)).toBe(32);
    expect(chooseHidden(8)).toBe(32);
    expect(chooseHidden(25)).toBe(64);
    expect(chooseBatchSize(300)).toBe(16);
    expect(chooseBatchSize(3000)).toBe(32);
    expect(chooseBatchSize(30_000)).toBe(64);
    expect(chooseWindowsPerEpoch(1000)).toBe(1000);
    expect(chooseWindowsPerEpoch(50_000)).toBe(4096);
    expect(chooseEpochs(4096)).toBe(24);
    expect(chooseEpochs(50)).toBe(100);
    expect(chooseEpochs(100_000)).toBe(10);
  });
});

describe('window starts', () => {
  it('puts forecast validation targets after the training rows only', () => {
    const shape = { mode: 'forecast' as const, window: 10, horizon: 2 };
    const train = trainingStarts(shape, 100);
    expect(train[0]).toBe(0);
    // last training window: inputs 88..97, targets 98..99
    expect(train[train.length - 1]).toBe(88);
    const val = validationStarts(shape, 100, 130);
    // first validation window predicts rows 100..101 from rows 90..99; last predicts 128..129
    expect(val[0]).toBe(90);
    expect(val[val.length - 1]).toBe(118);
  });

  it('keeps reconstruct validation windows wholly inside the validation rows', () => {
    const shape = { mode: 'reconstruct' as const, window: 10, horizon: 1 };
    expect(trainingStarts(shape, 100).length).toBe(91);
    const val = validationStarts(shape, 100, 130);
    expect(val[0]).toBe(100);
    expect(val[val.length - 1]).toBe(120);
    expect(validationStarts(shape, 100, 100).length).toBe(0);
  });
});

describe('planFit', () => {
  const sine = series(5000, (i) => Math.sin((2 * Math.PI * i) / 48) + 0.1 * noise(i));

  it('splits off the END of the series for validation and resolves every auto value', () => {
    const plan = planFit(resolveOptions({}), sine, 5000, 1, 0);
    expect(plan.trainRows).toBe(4000);
    expect(plan.validationRows).toBe(1000);
    expect(plan.period).toBe(48);
    expect(plan.shape).toEqual({ mode: 'forecast', window: 48, horizon: 1 });
    expect(plan.hidden).toBe(32);
    expect(plan.trainStarts.length).toBe(4000 - 49 + 1);
    expect(plan.batchSize).toBe(32);
    expect(plan.windowsPerEpoch).toBe(plan.trainStarts.length);
    expect(plan.epochs).toBe(Math.round(100_000 / plan.trainStarts.length));
    expect(plan.validationStarts[0]).toBe(4000 - 48);
  });

  it('uses explicit values as given', () => {
    const plan = planFit(
      resolveOptions({ window: 20, hidden: 7, epochs: 3, batchSize: 5, windowsPerEpoch: 100, validationSplit: 0 }),
      sine,
      5000,
      1,
      0,
    );
    expect(plan.shape.window).toBe(20);
    expect(plan.period).toBeNull();
    expect([plan.hidden, plan.epochs, plan.batchSize, plan.windowsPerEpoch]).toEqual([7, 3, 5, 100]);
    expect(plan.validationRows).toBe(0);
    expect(plan.validationStarts.length).toBe(0);
  });

  it('rejects too few rows with the numbers needed', () => {
    expect(() => planFit(resolveOptions({ window: 50 }), sine.subarray(0, 40), 40, 1, 0)).toThrow(InvalidDataError);
    expect(() => planFit(resolveOptions({ window: 50 }), sine.subarray(0, 40), 40, 1, 0)).toThrow(
      /40 rows, too few to train.*51 rows.*at least 64 rows/,
    );
  });

  it('rejects a validation part that cannot hold a reconstruct window', () => {
    expect(() =>
      planFit(resolveOptions({ mode: 'reconstruct', window: 30 }), sine.subarray(0, 100), 100, 1, 0),
    ).toThrow(/validation part \(last 20 rows.*holds no reconstruct window of 30 rows/);
  });
});

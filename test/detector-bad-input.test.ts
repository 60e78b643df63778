import { beforeAll, describe, expect, it } from 'vitest';
import { TimeSeries } from '../src/data/time-series.js';
import { Detector } from '../src/detector/detector.js';
import {
  InvalidArgumentError,
  InvalidDataError,
  NotFittedError,
  OutOfRangeError,
  RnnAnomalyError,
} from '../src/core/errors.js';

function sine(rows: number): number[] {
  return Array.from({ length: rows }, (_, i) => Math.sin((2 * Math.PI * i) / 25) + 0.01 * Math.sin(i * 7.3));
}

const quick = { hidden: 8, window: 25, epochs: 2, windowsPerEpoch: 256, seed: 5 } as const;

function expectError(
  fn: () => unknown,
  type: abstract new (...args: never[]) => Error,
  code: string,
  message: RegExp,
): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(type);
  expect(error).toBeInstanceOf(RnnAnomalyError);
  expect((error as { code: string }).code).toBe(code);
  expect((error as Error).message).toMatch(message);
}

describe('Detector options are validated up front', () => {
  const cases: [unknown, abstract new (...args: never[]) => Error, string, RegExp][] = [
    [
      { hidden: -3 },
      OutOfRangeError,
      'ERR_OUT_OF_RANGE',
      /^options\.hidden must be an integer in \[1, 4096\], got -3$/,
    ],
    [
      { hidden: '12' },
      InvalidArgumentError,
      'ERR_INVALID_ARGUMENT',
      /options\.hidden must be an integer in \[1, 4096\] or 'auto', got "12"/,
    ],
    [{ hidden: 2.5 }, InvalidArgumentError, 'ERR_INVALID_ARGUMENT', /options\.hidden must be an integer/],
    [{ hiden: 12 }, InvalidArgumentError, 'ERR_INVALID_ARGUMENT', /unknown key "hiden"/],
    [
      { cell: 'transformer' },
      InvalidArgumentError,
      'ERR_INVALID_ARGUMENT',
      /options\.cell must be one of 'rnn', 'gru', 'lstm', got "transformer"/,
    ],
    [{ layers: 0 }, OutOfRangeError, 'ERR_OUT_OF_RANGE', /options\.layers must be an integer in \[1, 8\], got 0/],
    [{ window: 1 }, OutOfRangeError, 'ERR_OUT_OF_RANGE', /options\.window must be an integer in \[2, 100000\], got 1/],
    [
      { learningRate: 0 },
      OutOfRangeError,
      'ERR_OUT_OF_RANGE',
      /options\.learningRate must be a number in \(0, 10\], got 0/,
    ],
    [{ learningRate: NaN }, InvalidArgumentError, 'ERR_INVALID_ARGUMENT', /options\.learningRate must be a number/],
    [
      { validationSplit: 0.95 },
      OutOfRangeError,
      'ERR_OUT_OF_RANGE',
      /options\.validationSplit must be a number in \[0, 0\.9\], got 0\.95/,
    ],
    [{ lrDecay: 0 }, OutOfRangeError, 'ERR_OUT_OF_RANGE', /options\.lrDecay must be a number in \(0, 1\]/],
    [{ smoothing: -1 }, OutOfRangeError, 'ERR_OUT_OF_RANGE', /options\.smoothing/],
    [{ seed: -1 }, OutOfRangeError, 'ERR_OUT_OF_RANGE', /options\.seed/],
    [{ threads: 0 }, OutOfRangeError, 'ERR_OUT_OF_RANGE', /options\.threads/],
    [{ resetAfter: 'yes' }, InvalidArgumentError, 'ERR_INVALID_ARGUMENT', /options\.resetAfter must be a boolean/],
    [{ nonlinearity: 'relu' }, InvalidArgumentError, 'ERR_INVALID_ARGUMENT', /nonlinearity applies to cell 'rnn' only/],
    [{ momentum: 0.5 }, InvalidArgumentError, 'ERR_INVALID_ARGUMENT', /momentum applies to optimizer 'sgd' only/],
    [
      { mode: 'reconstruct', targets: ['a'] },
      InvalidArgumentError,
      'ERR_INVALID_ARGUMENT',
      /targets applies to mode 'forecast' only/,
    ],
    [{ targets: [] }, InvalidArgumentError, 'ERR_INVALID_ARGUMENT', /options\.targets must be a non-empty array/],
    [{ targets: ['a', 'a'] }, InvalidArgumentError, 'ERR_INVALID_ARGUMENT', /lists "a" twice/],
    [
      { threshold: { method: 'magic' } },
      InvalidArgumentError,
      'ERR_INVALID_ARGUMENT',
      /options\.threshold\.method must be one of/,
    ],
    [{ threshold: { method: 'pot', q: 2 } }, OutOfRangeError, 'ERR_OUT_OF_RANGE', /options\.threshold\.q/],
    [
      { score: 'mae' },
      InvalidArgumentError,
      'ERR_INVALID_ARGUMENT',
      /options\.score must be one of 'absolute', 'squared', 'loglik'/,
    ],
    ['gru', InvalidArgumentError, 'ERR_INVALID_ARGUMENT', /options must be an object/],
  ];
  for (const [options, type, code, message] of cases) {
    it(JSON.stringify(options), () => expectError(() => new Detector(options as never), type, code, message));
  }
});

describe('Detector rejects bad data with typed errors', () => {
  it('an empty series', async () => {
    await expect(new Detector(quick).fit([])).rejects.toMatchObject({
      code: 'ERR_INVALID_DATA',
      message: expect.stringMatching(/series is empty/),
    });
  });

  it('too few rows for one window', async () => {
    await expect(new Detector(quick).fit(sine(30))).rejects.toMatchObject({
      code: 'ERR_INVALID_DATA',
      message: expect.stringMatching(/series has 30 rows, too few to train.*at least 33 rows/),
    });
  });

  it('non-numeric cells', async () => {
    await expect(new Detector(quick).fit([1, 2, 'three' as unknown as number])).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: expect.stringMatching(/values\[2\] must be a number/),
    });
    await expect(new Detector(quick).fit('1,2,3' as never)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('an all-NaN column', async () => {
    const rows = sine(300).map((v) => [v, NaN]);
    await expect(new Detector(quick).fit(rows)).rejects.toMatchObject({
      code: 'ERR_INVALID_DATA',
      message: expect.stringMatching(/column "c1" has no values/),
    });
  });

  it('infinities', async () => {
    const values = sine(300);
    values[77] = Infinity;
    await expect(new Detector(quick).fit(values)).rejects.toMatchObject({
      code: 'ERR_INVALID_DATA',
      message: expect.stringMatching(/infinite value at row 77/),
    });
  });

  it("missing values under missing: 'error'", async () => {
    const values: (number | null)[] = sine(300);
    values[10] = null;
    await expect(new Detector({ ...quick, missing: 'error' }).fit(values)).rejects.toMatchObject({
      code: 'ERR_INVALID_DATA',
      message: expect.stringMatching(/missing a value at row 10/),
    });
  });

  it('targets that are not columns', async () => {
    await expect(new Detector({ ...quick, targets: ['load'] }).fit(sine(300))).rejects.toThrow(
      /options\.targets\[0\] = "load" is not a column.*value/,
    );
    await expect(new Detector({ ...quick, targets: [3] }).fit(sine(300))).rejects.toThrow(
      /options\.targets\[0\] = 3 is not a column index/,
    );
  });

  it('calibration scores too uniform for a POT tail', async () => {
    const constant = new Array(300).fill(7);
    await expect(new Detector({ ...quick, calibration: 'holdout' }).fit(constant)).rejects.toMatchObject({
      code: 'ERR_INVALID_DATA',
      message: expect.stringMatching(
        /options\.threshold \('pot'\) could not be calibrated on the validation scores of rows 240\.\.299: .*percentile/,
      ),
    });
    const detector = new Detector({ ...quick, threshold: { method: 'percentile' } });
    await detector.fit(constant);
    expect((await detector.detect(constant)).events).toEqual([]);
    // Cross-fit calibration takes its stated fallback instead, which flags nothing here either.
    const crossFit = new Detector(quick);
    expect((await crossFit.fit(constant)).thresholdFit?.kind).toBe('empirical');
    expect((await crossFit.detect(constant)).events).toEqual([]);
  });

  it('bad fit and detect options', async () => {
    const detector = new Detector(quick);
    await expect(detector.fit(sine(300), { onEpochEnd: 5 } as never)).rejects.toThrow(
      /fitOptions\.onEpochEnd must be a function/,
    );
    await expect(detector.fit(sine(300), { signal: {} } as never)).rejects.toThrow(
      /fitOptions\.signal must be an AbortSignal/,
    );
    await expect(detector.fit(sine(300), { epochs: 3 } as never)).rejects.toThrow(
      /fitOptions has an unknown key "epochs"/,
    );
  });
});

describe('Detector used before fit, or with other columns', () => {
  it('throws NotFittedError before fit', async () => {
    const detector = new Detector();
    await expect(detector.detect(sine(100))).rejects.toBeInstanceOf(NotFittedError);
    expect(() => detector.stream()).toThrow(NotFittedError);
    expect(() => detector.toBuffer()).toThrow(
      /not fitted: call fit\(series\) or Detector\.load\(path\) before toBuffer/,
    );
    expect(() => detector.summary).toThrow(NotFittedError);
  });

  const detector = new Detector(quick);
  const training = TimeSeries.fromArrays({
    columns: { temperature: sine(400), pressure: sine(400).map((v) => v * 2) },
  });
  beforeAll(async () => {
    await detector.fit(training);
  });

  it('names both column lists when they differ', async () => {
    const swapped = TimeSeries.fromArrays({ columns: { pressure: sine(100), temperature: sine(100) } });
    await expect(detector.detect(swapped)).rejects.toMatchObject({
      code: 'ERR_COLUMNS_MISMATCH',
      message: expect.stringMatching(
        /series has columns \[pressure, temperature\] but the detector was trained on \[temperature, pressure\]/,
      ),
    });
    await expect(detector.detect(sine(100))).rejects.toMatchObject({ code: 'ERR_COLUMNS_MISMATCH' });
    await expect(
      detector.detect(training.slice(0, 100), { context: TimeSeries.fromArrays({ columns: { x: [1] } }) }),
    ).rejects.toMatchObject({
      code: 'ERR_COLUMNS_MISMATCH',
      message: expect.stringMatching(/detectOptions\.context has columns \[x\]/),
    });
  });

  it('says how to score a series shorter than a window', async () => {
    await expect(detector.detect(training.slice(0, 10))).rejects.toMatchObject({
      code: 'ERR_INVALID_DATA',
      message: expect.stringMatching(/series has 10 rows; scoring needs at least 26.*context: 'training'/),
    });
    const result = await detector.detect(training.slice(0, 10), { context: 'training' });
    expect(result.unscored).toBe(0);
    expect(result.scores.every((s) => Number.isFinite(s))).toBe(true);
    await expect(detector.detect(training, { context: 'everything' } as never)).rejects.toThrow(
      /detectOptions\.context must be 'none', 'training' or a TimeSeries/,
    );
  });

  it('fills missing values in detection and lists the rows; scores stay finite', async () => {
    const values = training.values.slice(0, 200 * 2);
    values[50 * 2] = NaN;
    values[51 * 2 + 1] = NaN;
    const result = await detector.detect(new TimeSeries({ values, columnNames: ['temperature', 'pressure'] }));
    expect(Array.from(result.imputed)).toEqual([50, 51]);
    expect(result.scores.every((s) => Number.isFinite(s))).toBe(true);
    expect(Number.isNaN(result.values[100])).toBe(true);
  });

  it('a failed fit keeps the previous model', async () => {
    const before = detector.network.getFlatParameters();
    await expect(detector.fit(sine(10))).rejects.toBeInstanceOf(InvalidDataError);
    expect(Array.from(detector.network.getFlatParameters())).toEqual(Array.from(before));
    expect(detector.columnNames).toEqual(['temperature', 'pressure']);
  });
});

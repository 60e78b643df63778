import { describe, expect, it } from 'vitest';
import { Scaler, TimeSeries } from '../src/data/index.js';
import { InvalidArgumentError, InvalidDataError, NotFittedError } from '../src/core/errors.js';

const one = (values: (number | null)[], name = 'x'): TimeSeries =>
  TimeSeries.fromArrays({ columns: { [name]: values } });

function expectClose(actual: ArrayLike<number>, expected: number[], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, digits));
}

describe('Scaler', () => {
  it('z-scores [1, 2, 3] with the population standard deviation sqrt(2/3)', () => {
    const scaler = new Scaler().fit(one([1, 2, 3]));
    expect(scaler.kind).toBe('zscore');
    expect(scaler.center[0]).toBe(2);
    expect(scaler.scale[0]).toBeCloseTo(Math.sqrt(2 / 3), 12);
    expectClose(scaler.transform(one([1, 2, 3])).values, [-Math.sqrt(1.5), 0, Math.sqrt(1.5)]);
  });

  it('min-max scales the training range onto [0, 1]', () => {
    const scaler = new Scaler('minmax').fit(one([2, 4, 10]));
    expectClose(scaler.transform(one([2, 4, 10, 14])).values, [0, 0.25, 1, 1.5]);
  });

  it('robust-scales by median and interquartile range', () => {
    // [1, 2, 3, 4, 100]: median 3, quartiles 2 and 4 -> IQR 2; the outlier does not move them.
    const scaler = new Scaler('robust').fit(one([4, 100, 1, 3, 2]));
    expect(scaler.center[0]).toBe(3);
    expect(scaler.scale[0]).toBe(2);
    expectClose(scaler.transform(one([1, 3, 100])).values, [-1, 0, 48.5]);
    // numpy-style interpolated quartiles: [1, 2, 3, 4] -> 1.75 and 3.25.
    expect(new Scaler('robust').fit(one([1, 2, 3, 4])).scale[0]).toBeCloseTo(1.5, 12);
  });

  it('falls back to the standard deviation when the IQR is 0 but the column varies', () => {
    // Nine 1s and one 5: IQR 0; mean 1.4, population variance 1.44 -> std 1.2.
    const scaler = new Scaler('robust').fit(one([1, 1, 1, 1, 1, 1, 1, 1, 1, 5]));
    expect(scaler.center[0]).toBe(1);
    expect(scaler.scale[0]).toBeCloseTo(1.2, 12);
  });

  it('gives constant columns scale 1 for every kind (no division by zero)', () => {
    for (const kind of ['zscore', 'minmax', 'robust'] as const) {
      const scaler = new Scaler(kind).fit(one([5, 5, 5]));
      expect(scaler.scale[0]).toBe(1);
      expect(Array.from(scaler.transform(one([5, 7])).values)).toEqual([0, 2]);
    }
  });

  it('is fitted on training data only and applied unchanged to later data', () => {
    const train = TimeSeries.fromArrays({ columns: { a: [0, 2], b: [10, 30] } });
    const test = TimeSeries.fromArrays({ columns: { a: [4, 6], b: [50, 10] } });
    const scaled = new Scaler().fit(train).transform(test);
    expect(Array.from(scaled.values)).toEqual([3, 3, 5, -1]);
  });

  it('ignores missing values when fitting and keeps them missing', () => {
    const scaler = new Scaler().fit(one([1, null, 3]));
    expect(scaler.center[0]).toBe(2);
    expect(scaler.scale[0]).toBe(1);
    const out = scaler.transform(one([null, 4]));
    expect(out.values[0]).toBeNaN();
    expect(out.values[1]).toBe(2);
    expect(() => new Scaler().fit(one([null, null]))).toThrow(/column "x" has no values/);
  });

  it('inverts its transform and scales subsets of columns in place', () => {
    const train = TimeSeries.fromArrays({ columns: { a: [1, 2, 3, 4], b: [-5, 0, 5, 10] } });
    for (const kind of ['zscore', 'minmax', 'robust'] as const) {
      const scaler = new Scaler(kind).fit(train);
      expectClose(scaler.inverse(scaler.transform(train)).values, Array.from(train.values), 5);
    }
    const scaler = new Scaler('minmax').fit(train);
    // Only column b (index 1), as a forecast head for target b would output it.
    const targets = Float32Array.from([0, 1]);
    scaler.inverseValues(targets, targets, [1]);
    expect(Array.from(targets)).toEqual([-5, 10]);
  });

  it('round-trips through JSON and rejects malformed JSON', () => {
    const train = TimeSeries.fromArrays({ columns: { a: [1, 2, 4], b: [3, 3, 3] } });
    const scaler = new Scaler('robust').fit(train);
    const restored = Scaler.fromJSON(JSON.parse(JSON.stringify(scaler)));
    expect(restored.kind).toBe('robust');
    expect(Array.from(restored.transform(train).values)).toEqual(Array.from(scaler.transform(train).values));
    expect(() => Scaler.fromJSON({ kind: 'zscore', center: [0], scale: [0] })).toThrow(
      /json.scale must be an array of 1 positive finite numbers/,
    );
    expect(() => Scaler.fromJSON({ kind: 'log', center: [0], scale: [1] })).toThrow(InvalidArgumentError);
    expect(() => Scaler.fromJSON({ kind: 'zscore', center: [], scale: [] })).toThrow(/json.center/);
    expect(() => Scaler.fromJSON('nope')).toThrow(InvalidArgumentError);
  });

  it('reports use before fit and mismatched columns', () => {
    expect(() => new Scaler().transform(one([1]))).toThrow(NotFittedError);
    expect(() => new Scaler().toJSON()).toThrow(NotFittedError);
    const scaler = new Scaler().fit(one([1, 2], 'a'));
    expect(() => scaler.transform(one([1, 2], 'b'))).toThrow(/columns \(b\) but the scaler was fitted on \(a\)/);
    try {
      scaler.transform(TimeSeries.fromArrays({ columns: { a: [1], b: [2] } }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidDataError);
      expect((error as InvalidDataError).code).toBe('ERR_COLUMNS_MISMATCH');
    }
    expect(() => scaler.transformValues(Float32Array.from([1]), undefined, [3])).toThrow(
      /columns\[0\] must be a fitted column index/,
    );
    expect(() => new Scaler('mean' as never)).toThrow(/kind must be one of 'zscore', 'minmax', 'robust'/);
  });
});

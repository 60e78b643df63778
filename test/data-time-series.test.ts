import { describe, expect, it } from 'vitest';
import { fillMissing, TimeSeries } from '../src/data/index.js';
import { InvalidArgumentError, InvalidDataError, OutOfRangeError, RnnAnomalyError } from '../src/core/errors.js';

describe('TimeSeries.fromArrays', () => {
  it('builds row-major values from named columns', () => {
    const s = TimeSeries.fromArrays({ columns: { a: [1, 2, 3], b: Float32Array.from([10, 20, 30]) } });
    expect([s.rows, s.columns]).toEqual([3, 2]);
    expect(s.columnNames).toEqual(['a', 'b']);
    expect(Array.from(s.values)).toEqual([1, 10, 2, 20, 3, 30]);
    expect(s.timestamps).toBeUndefined();
  });

  it('builds from rows, from flat row-major values and from a Float32Array', () => {
    const rows = TimeSeries.fromArrays({
      values: [
        [1, 2],
        [3, 4],
      ],
      columnNames: ['x', 'y'],
    });
    const flat = TimeSeries.fromArrays({ values: [1, 2, 3, 4], columnNames: ['x', 'y'] });
    const typed = TimeSeries.fromArrays({ values: Float32Array.from([1, 2, 3, 4]), columnNames: ['x', 'y'] });
    for (const s of [rows, flat, typed]) expect(Array.from(s.values)).toEqual([1, 2, 3, 4]);
    const source = Float32Array.from([1, 2]);
    const copied = TimeSeries.fromArrays({ values: source, columnNames: ['x'] });
    source[0] = 99;
    expect(copied.values[0]).toBe(1);
  });

  it('accepts timestamps as epoch ms, Dates or ISO strings', () => {
    const t0 = Date.UTC(2020, 0, 1);
    const s = TimeSeries.fromArrays({
      columns: { v: [1, 2, 3] },
      timestamps: [t0, new Date(t0 + 1000), '2020-01-01T00:00:02Z'],
    });
    expect(Array.from(s.timestamps!)).toEqual([t0, t0 + 1000, t0 + 2000]);
    expect(() => TimeSeries.fromArrays({ columns: { v: [1, 2] }, timestamps: [t0, 'yesterday'] })).toThrow(
      /timestamps\[1\]/,
    );
    expect(() => TimeSeries.fromArrays({ columns: { v: [1, 2] }, timestamps: [t0] })).toThrow(
      /one entry per row \(2\), got 1/,
    );
  });

  it('reads null, undefined and NaN as missing; rejects infinities unless asked', () => {
    const s = TimeSeries.fromArrays({ columns: { v: [1, null, undefined, NaN, 5] } });
    expect(s.countMissing()).toBe(3);
    expect(() => TimeSeries.fromArrays({ columns: { v: [1, Infinity] } })).toThrow(
      /column "v" has an infinite value at row 1/,
    );
    expect(() => TimeSeries.fromArrays({ columns: { v: [1e39] } })).toThrow(/beyond float32 range/);
    const lenient = TimeSeries.fromArrays({ columns: { v: [1, -Infinity, 1e39] } }, { nonFinite: 'missing' });
    expect(lenient.countMissing()).toBe(2);
  });

  it('rejects malformed input with typed errors naming the argument', () => {
    const cases: [() => unknown, new (...args: never[]) => Error, RegExp][] = [
      [
        () => TimeSeries.fromArrays({ columns: { a: [1, 2], b: [1] } }),
        InvalidArgumentError,
        /columns.b has 1 values but columns.a has 2/,
      ],
      [
        () => TimeSeries.fromArrays({ columns: { a: [1, 'x' as never] } }),
        InvalidArgumentError,
        /columns.a\[1\] must be a number, null or undefined, got "x"/,
      ],
      [() => TimeSeries.fromArrays({ columns: {} }), InvalidArgumentError, /columnNames must be a non-empty array/],
      [
        () => TimeSeries.fromArrays({ values: [[1, 2], [3]], columnNames: ['a', 'b'] }),
        InvalidArgumentError,
        /values\[1\] must be an array of 2 numbers/,
      ],
      [
        () => TimeSeries.fromArrays({ values: [1, 2, 3], columnNames: ['a', 'b'] }),
        InvalidArgumentError,
        /not a multiple of the 2 columns/,
      ],
      [() => TimeSeries.fromArrays({ values: [1, 2], columnNames: ['a', 'a'] }), InvalidArgumentError, /"a" twice/],
      [() => TimeSeries.fromArrays(null as never), InvalidArgumentError, /input must be/],
      [
        () => new TimeSeries({ values: [1, 2] as never, columnNames: ['a'] }),
        InvalidArgumentError,
        /values must be a Float32Array/,
      ],
      [
        () => new TimeSeries({ values: Float32Array.from([1, Infinity]), columnNames: ['a'] }),
        InvalidDataError,
        /infinite value at row 1/,
      ],
    ];
    for (const [fn, type, message] of cases) {
      expect(fn).toThrow(type);
      expect(fn).toThrow(message);
    }
    try {
      TimeSeries.fromArrays({ columns: { a: [1, 2], b: [1] } });
    } catch (error) {
      expect(error).toBeInstanceOf(RnnAnomalyError);
      expect((error as InvalidArgumentError).code).toBe('ERR_SHAPE_MISMATCH');
    }
  });
});

describe('TimeSeries access', () => {
  const t0 = Date.UTC(2021, 5, 1);
  const series = TimeSeries.fromArrays({
    columns: { a: [1, 2, 3, 4], b: [10, 20, 30, 40], c: [100, 200, 300, 400] },
    timestamps: [t0, t0 + 1, t0 + 2, t0 + 3],
  });

  it('returns columns by name or index, and rows as views', () => {
    expect(Array.from(series.column('b'))).toEqual([10, 20, 30, 40]);
    expect(Array.from(series.column(2))).toEqual([100, 200, 300, 400]);
    expect(Array.from(series.row(1))).toEqual([2, 20, 200]);
    expect(series.row(1).buffer).toBe(series.values.buffer);
    expect(() => series.column('z')).toThrow(/column must be one of "a", "b", "c"/);
    expect(() => series.column(3)).toThrow(OutOfRangeError);
    expect(() => series.row(4)).toThrow(OutOfRangeError);
  });

  it('slices rows without copying and keeps timestamps aligned', () => {
    const part = series.slice(1, 3);
    expect([part.rows, part.columns]).toEqual([2, 3]);
    expect(Array.from(part.values)).toEqual([2, 20, 200, 3, 30, 300]);
    expect(Array.from(part.timestamps!)).toEqual([t0 + 1, t0 + 2]);
    expect(part.values.buffer).toBe(series.values.buffer);
    expect(series.slice(4).rows).toBe(0);
    expect(() => series.slice(3, 2)).toThrow(OutOfRangeError);
  });

  it('selects and reorders columns into a copy', () => {
    const picked = series.selectColumns(['c', 0]);
    expect(picked.columnNames).toEqual(['c', 'a']);
    expect(Array.from(picked.values)).toEqual([100, 1, 200, 2, 300, 3, 400, 4]);
    expect(() => series.selectColumns(['a', 'a'])).toThrow(InvalidArgumentError);
  });

  it('lists rows that were imputed, and slices the imputed mask with the rows', () => {
    const gappy = TimeSeries.fromArrays({ columns: { a: [1, null, 3, 4], b: [1, 2, 3, null] } });
    const filled = fillMissing(gappy);
    expect(Array.from(filled.imputedRows())).toEqual([1, 3]);
    expect(Array.from(filled.slice(2).imputed!)).toEqual([0, 0, 0, 1]);
    expect(Array.from(gappy.imputedRows())).toEqual([]);
  });
});

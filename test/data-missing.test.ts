import { describe, expect, it } from 'vitest';
import { fillMissing, TimeSeries } from '../src/data/index.js';
import { InvalidArgumentError, InvalidDataError } from '../src/core/errors.js';

const gappy = (): TimeSeries =>
  TimeSeries.fromArrays({
    columns: { a: [null, 2, null, null, 8, null], b: [1, 1, 1, 1, 1, 1] },
    timestamps: [0, 1, 2, 3, 4, 5],
  });

describe('fillMissing', () => {
  it('interpolates linearly between neighbours; edges take the nearest valid value', () => {
    const s = fillMissing(gappy(), 'interpolate');
    // Leading gap -> 2; 2..8 over three steps -> 4, 6; trailing gap -> 8.
    expect(Array.from(s.column('a'))).toEqual([2, 2, 4, 6, 8, 8]);
    expect(Array.from(s.column('b'))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(s.imputed!)).toEqual([1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0]);
    expect(Array.from(s.timestamps!)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('is interpolate by default', () => {
    expect(Array.from(fillMissing(gappy()).column('a'))).toEqual([2, 2, 4, 6, 8, 8]);
  });

  it('forward-fills, back-filling a leading gap', () => {
    expect(Array.from(fillMissing(gappy(), 'ffill').column('a'))).toEqual([2, 2, 2, 2, 8, 8]);
  });

  it('fills with the column mean of valid values', () => {
    expect(Array.from(fillMissing(gappy(), 'mean').column('a'))).toEqual([5, 2, 5, 5, 8, 5]);
  });

  it("refuses with 'error', naming the column and first missing row", () => {
    expect(() => fillMissing(gappy(), 'error')).toThrow(/column "a" is missing a value at row 0/);
  });

  it('leaves no NaN anywhere, whatever the policy', () => {
    for (const policy of ['interpolate', 'ffill', 'mean'] as const) {
      expect(fillMissing(gappy(), policy).countMissing()).toBe(0);
    }
  });

  it('rejects an all-missing column with InvalidDataError naming it', () => {
    const empty = TimeSeries.fromArrays({ columns: { ok: [1, 2], dead: [null, NaN] } });
    for (const policy of ['interpolate', 'ffill', 'mean', 'error'] as const) {
      expect(() => fillMissing(empty, policy)).toThrow(InvalidDataError);
      expect(() => fillMissing(empty, policy)).toThrow(/column "dead" has no values: all 2 rows are missing/);
    }
  });

  it('returns the same series when nothing is missing, and adds to an earlier imputed mask', () => {
    const complete = TimeSeries.fromArrays({ columns: { a: [1, 2] } });
    expect(fillMissing(complete)).toBe(complete);
    const once = fillMissing(TimeSeries.fromArrays({ columns: { a: [1, null, 3] } }));
    const later = new TimeSeries({
      values: Float32Array.from([1, 2, NaN]),
      columnNames: ['a'],
      imputed: once.imputed!,
    });
    expect(Array.from(fillMissing(later, 'ffill').imputed!)).toEqual([0, 1, 1]);
  });

  it('validates its arguments', () => {
    expect(() => fillMissing({} as never)).toThrow(/series must be a TimeSeries/);
    expect(() => fillMissing(gappy(), 'zero' as never)).toThrow(InvalidArgumentError);
  });
});

import { describe, expect, it } from 'vitest';
import { flaggedMarkRows, minMaxDownsample } from '../src/report/downsample.js';
import { formatInteger, formatNumber, formatTimestamp } from '../src/report/format.js';
import { linearScale, logScale, niceStep, niceTicks } from '../src/report/scales.js';

describe('minMaxDownsample', () => {
  it('returns short series whole, splitting at NaN', () => {
    const line = minMaxDownsample([1, 2, Number.NaN, 4], 4, 10);
    expect(line.rows).toEqual([0, 1, 2, 3]);
    expect(line.values).toEqual([1, 2, Number.NaN, 4]);
  });

  it('keeps the min and max of each bucket in row order', () => {
    // 12 rows in 4 buckets of 3: [5,1,3] [0,9,2] [7,7,7] [4,8,6]
    const values = [5, 1, 3, 0, 9, 2, 7, 7, 7, 4, 8, 6];
    const line = minMaxDownsample(values, 12, 4);
    expect(line.rows).toEqual([0, 1, 3, 4, 6, 9, 10]);
    expect(line.values).toEqual([5, 1, 0, 9, 7, 4, 8]);
  });

  it('reads one column of a row-major matrix', () => {
    // 2 columns; column 1 is 10*row.
    const matrix = Array.from({ length: 20 }, (_, i) => (i % 2 === 1 ? 10 * ((i - 1) / 2) : -1));
    const line = minMaxDownsample(matrix, 10, 5, 2, 1);
    expect(line.rows).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(line.values).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    const coarse = minMaxDownsample(matrix, 10, 1, 2, 1);
    expect(coarse.rows).toEqual([0, 9]);
    expect(coarse.values).toEqual([0, 90]);
  });

  it('keeps a single-row spike among a million rows', () => {
    const values = new Float32Array(1_000_000);
    values[654_321] = 100;
    const line = minMaxDownsample(values, values.length, 1000);
    expect(line.rows.length).toBeLessThanOrEqual(2000);
    const spike = line.values.indexOf(100);
    expect(line.rows[spike]).toBe(654_321);
  });

  it('breaks the line around missing stretches', () => {
    const values = new Float64Array(100).fill(1);
    values.fill(Number.NaN, 40, 60);
    const line = minMaxDownsample(values, 100, 10);
    const gaps = line.values.filter((v) => Number.isNaN(v)).length;
    expect(gaps).toBe(1);
    const gapAt = line.values.findIndex((v) => Number.isNaN(v));
    expect(line.rows[gapAt - 1]).toBeLessThan(40);
    expect(line.rows[gapAt + 1]).toBeGreaterThanOrEqual(60);
  });
});

describe('flaggedMarkRows', () => {
  it('marks every bucket holding a flagged row, at its highest score', () => {
    const rows = 10_000;
    const flags = new Uint8Array(rows);
    const scores = new Float32Array(rows);
    for (const [row, score] of [
      [10, 1],
      [11, 3],
      [12, 2],
      [5_000, 1],
      [9_999, 4],
    ] as const) {
      flags[row] = 1;
      scores[row] = score;
    }
    expect(flaggedMarkRows(flags, scores, rows, 100)).toEqual([11, 5_000, 9_999]);
  });

  it('marks each flagged row when the series is short', () => {
    const flags = [0, 1, 1, 0, 1];
    expect(flaggedMarkRows(flags, [0, 0, 0, 0, 0], 5, 100)).toEqual([1, 2, 4]);
  });
});

describe('axis scales', () => {
  it('chooses 1-2-5 steps', () => {
    expect(niceStep(7, 5)).toBe(1);
    expect(niceStep(10, 4)).toBe(2);
    expect(niceStep(0.9, 2)).toBe(0.5);
    expect(niceStep(3000, 3)).toBe(1000);
  });

  it('places ticks on multiples of the step within the domain', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.1, 0.95, 4)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(-3, 3, 3)).toEqual([-2, 0, 2]);
  });

  it('maps the domain linearly and widens a flat one', () => {
    const s = linearScale(0, 2, 108, 8);
    expect(s(0)).toBe(108);
    expect(s(1)).toBe(58);
    expect(s(2)).toBe(8);
    const flat = linearScale(5, 5, 0, 100);
    expect(flat.domain).toEqual([4.75, 5.25]);
  });

  it('puts log ticks on powers of ten', () => {
    const s = logScale(0.002, 3, 100, 0);
    expect(s.ticks).toEqual([0.01, 0.1, 1]);
    expect(s(0.002)).toBeCloseTo(100, 10);
    expect(s(3)).toBeCloseTo(0, 10);
  });
});

describe('report formatting', () => {
  it('formats UTC timestamps without needless seconds', () => {
    expect(formatTimestamp(Date.UTC(2014, 1, 7, 14, 55))).toBe('2014-02-07 14:55');
    expect(formatTimestamp(Date.UTC(2011, 6, 11, 4, 0, 1))).toBe('2011-07-11 04:00:01');
    expect(formatTimestamp(Date.UTC(2020, 0, 1, 0, 0, 0, 250))).toBe('2020-01-01 00:00:00.250');
  });

  it('formats counts and magnitudes', () => {
    expect(formatInteger(1_234_567)).toBe('1,234,567');
    expect(formatInteger(999)).toBe('999');
    expect(formatNumber(0.000123)).toBe('1.23e-4');
    expect(formatNumber(2_500_000)).toBe('2.50e+6');
    expect(formatNumber(3.14159)).toBe('3.142');
    expect(formatNumber(Number.NaN)).toBe('NaN');
  });
});

import { describe, expect, it } from 'vitest';
import { forecastTargets, windowCount, windowStarts } from '../src/data/index.js';
import { InvalidArgumentError, InvalidDataError, OutOfRangeError } from '../src/errors.js';

describe('windowStarts', () => {
  it('lists every start whose window and horizon fit', () => {
    // 10 rows, window 4, horizon 1: last start s with s + 5 <= 10 is 5.
    expect(Array.from(windowStarts(10, 4, 1, 1))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(windowStarts(10, 4, 2, 1))).toEqual([0, 2, 4]);
    // Reconstruction: no horizon; 10 rows, window 4, stride 3 -> 0, 3, 6.
    expect(Array.from(windowStarts(10, 4, 3))).toEqual([0, 3, 6]);
    expect(Array.from(windowStarts(4, 4))).toEqual([0]);
    expect(windowCount(10, 4, 2, 1)).toBe(3);
    expect(windowCount(3, 4)).toBe(0);
  });

  it('says how many rows are needed when the series is too short', () => {
    expect(() => windowStarts(5, 5, 1, 1)).toThrow(InvalidDataError);
    expect(() => windowStarts(5, 5, 1, 1)).toThrow(/a window of 5 rows plus a horizon of 1 needs at least 6 rows, the series has 5/);
  });

  it('validates its arguments', () => {
    expect(() => windowStarts(10, 0)).toThrow(OutOfRangeError);
    expect(() => windowStarts(10, 2, 0)).toThrow(/stride must be an integer in \[1/);
    expect(() => windowStarts(10, 2.5)).toThrow(InvalidArgumentError);
    expect(() => windowStarts(10, 2, 1, -1)).toThrow(/horizon/);
  });
});

describe('forecastTargets', () => {
  // 6 rows x 3 columns, value = 10 * row + column.
  const series = Float32Array.from({ length: 18 }, (_, i) => 10 * Math.floor(i / 3) + (i % 3));

  it('gathers the horizon rows after each window for the target columns, [window][h][target]', () => {
    const starts = windowStarts(6, 2, 2, 2); // 0, 2
    const targets = forecastTargets(series, 3, starts, 2, 2, [2, 0]);
    // Window at 0 forecasts rows 2 and 3; window at 2 forecasts rows 4 and 5.
    expect(Array.from(targets)).toEqual([22, 20, 32, 30, 42, 40, 52, 50]);
  });

  it('writes into a given buffer and validates starts, columns and sizes', () => {
    const out = new Float32Array(2);
    expect(forecastTargets(series, 3, Int32Array.from([0, 4]), 1, 1, [1], out)).toBe(out);
    expect(Array.from(out)).toEqual([11, 51]);
    expect(() => forecastTargets(series, 3, Int32Array.from([5]), 1, 1, [1])).toThrow(/starts\[0\] = 5 must be in \[0, 4\]/);
    expect(() => forecastTargets(series, 3, Int32Array.from([0]), 1, 1, [3])).toThrow(OutOfRangeError);
    expect(() => forecastTargets(series, 4, Int32Array.from([0]), 1, 1, [0])).toThrow(/not a multiple of the 4 columns/);
    expect(() => forecastTargets(series, 3, [0] as never, 1, 1, [0])).toThrow(/starts must be an Int32Array/);
    expect(() => forecastTargets(series, 3, Int32Array.from([0]), 1, 1, [0], new Float32Array(3))).toThrow(/out must have 1 elements/);
  });
});

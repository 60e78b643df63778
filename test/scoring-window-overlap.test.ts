import { describe, expect, it } from 'vitest';
import { averageOverlappingWindows } from '../src/scoring/index.js';

describe('averageOverlappingWindows', () => {
  it('averages each row over the windows that covered it', () => {
    // 5 rows, windows of 3 steps at rows 0, 1 and 2; one feature. Window i gives value 10*i + step.
    const windows = Float32Array.from([0, 1, 2, 10, 11, 12, 20, 21, 22]);
    const { values, coverage } = averageOverlappingWindows(windows, Int32Array.from([0, 1, 2]), 3, 1, 5);
    // Row 0: [0]; row 1: [1, 10]; row 2: [2, 11, 20]; row 3: [12, 21]; row 4: [22].
    expect(Array.from(values)).toEqual([0, 5.5, 11, 16.5, 22]);
    expect(Array.from(coverage)).toEqual([1, 2, 3, 2, 1]);
  });

  it('keeps features apart and leaves uncovered rows at 0', () => {
    const windows = Float32Array.from([1, 100, 3, 300]);
    const { values, coverage } = averageOverlappingWindows(windows, Int32Array.from([1]), 2, 2, 4);
    expect(Array.from(values)).toEqual([0, 0, 1, 100, 3, 300, 0, 0]);
    expect(Array.from(coverage)).toEqual([0, 1, 1, 0]);
  });

  it('validates starts against rows and sizes', () => {
    expect(() => averageOverlappingWindows(new Float32Array(3), Int32Array.from([3]), 3, 1, 5)).toThrow(/starts\[0\] = 3 must be in \[0, 2\]/);
    expect(() => averageOverlappingWindows(new Float32Array(2), Int32Array.from([0]), 3, 1, 5)).toThrow(/windowValues must have 3 elements/);
  });
});

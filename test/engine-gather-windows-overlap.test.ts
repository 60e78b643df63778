/** gatherWindows copies windows out of a series; an `out` sharing the series' memory would read its own writes. */
import { describe, expect, it } from 'vitest';
import { gatherWindows } from '../src/engine/runtime.js';

describe('gatherWindows with an out array overlapping the series', () => {
  it('is an ERR_INVALID_ARGUMENT, and leaves the series untouched', () => {
    const buffer = new Float32Array(64).map((_, i) => i);
    const series = buffer.subarray(0, 32);
    const starts = Int32Array.of(0, 4, 8, 12);
    const before = Array.from(buffer);
    for (const out of [buffer.subarray(16, 48), buffer.subarray(0, 32), buffer.subarray(31, 63)]) {
      expect(() => gatherWindows(series, 2, starts, 4, out)).toThrow(
        expect.objectContaining({
          code: 'ERR_INVALID_ARGUMENT',
          message: 'out must not share memory with series: pass a separate array for each output',
        }),
      );
    }
    expect(Array.from(buffer)).toEqual(before);
  });

  it('accepts an out array beside the series in the same buffer', () => {
    const buffer = new Float32Array(64).map((_, i) => i);
    const out = gatherWindows(buffer.subarray(0, 32), 2, Int32Array.of(0, 4, 8, 12), 4, buffer.subarray(32, 64));
    expect(Array.from(out.subarray(0, 8))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(out.subarray(24, 32))).toEqual([24, 25, 26, 27, 28, 29, 30, 31]);
  });
});

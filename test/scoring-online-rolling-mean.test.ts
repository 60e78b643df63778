import { describe, expect, it } from 'vitest';
import { RollingMean } from '../src/scoring/index.js';
import { InvalidArgumentError, InvalidDataError, OutOfRangeError } from '../src/core/errors.js';

describe('RollingMean', () => {
  it('averages the last rows once it has seen that many', () => {
    const m = new RollingMean(3);
    expect([1, 2, 3, 10, -4, 0.5].map((v) => m.next(v))).toEqual([null, null, 2, 5, 3, 6.5 / 3]);
  });

  it('returns to the exact mean of small values a lap after huge ones left the window', () => {
    const m = new RollingMean(4);
    for (let k = 0; k < 28; k++) m.next(1e17 + k * 1e9);
    // Without recomputing the sum once per lap of the ring, the rounding residue of the huge
    // values (ulp(4e17) = 64) would stay in it for good.
    expect([0.1, 0.2, 0.3, 0.4].map((v) => m.next(v))[3]).toBeCloseTo(0.25, 14);
  });

  it('rejects a bad row count and non-finite values, which leave the mean unchanged', () => {
    expect(() => new RollingMean(0)).toThrow(OutOfRangeError);
    expect(() => new RollingMean(Number.NaN)).toThrow(/rows must be an integer in \[1, 16777216\], got NaN/);
    expect(() => new RollingMean(undefined as never)).toThrow(InvalidArgumentError);
    const m = new RollingMean(2);
    m.next(1);
    expect(() => m.next(Number.NaN)).toThrow(InvalidDataError);
    expect(() => m.next(-Infinity)).toThrow(/value must be a finite number/);
    expect(m.next(3)).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { rowsPerDay, SeasonalChange } from '../src/scoring/index.js';
import { InvalidArgumentError, InvalidDataError, OutOfRangeError } from '../src/core/errors.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('SeasonalChange', () => {
  it('averages squared differences to the value one period back over the last rows', () => {
    const c = new SeasonalChange({ period: 3, smoothing: 2 });
    expect([1, 2, 3].map((v) => c.next(v))).toEqual([null, null, null]);
    expect(c.next(1)).toBe(0);
    expect(c.next(2)).toBe(0);
    expect(c.next(5)).toBe(2); // (0 + (5 - 3)^2) / 2
    expect(c.next(3)).toBe(4); // ((5 - 3)^2 + (3 - 1)^2) / 2
  });

  it('averages over the changes seen so far until `smoothing` of them exist', () => {
    const c = new SeasonalChange({ period: 2, smoothing: 3 });
    // Changes: (4 - 1)^2 = 9, (2 - 2)^2 = 0, (1 - 4)^2 = 9, (5 - 2)^2 = 9.
    expect([1, 2, 4, 2, 1, 5].map((v) => c.next(v))).toEqual([null, null, 9, 4.5, 6, 6]);
  });

  it('rejects bad options and non-finite values, which leave it unchanged', () => {
    expect(() => new SeasonalChange({ period: 0, smoothing: 1 })).toThrow(OutOfRangeError);
    expect(() => new SeasonalChange({ period: 24, smoothing: 0.5 })).toThrow(/options\.smoothing must be an integer/);
    expect(() => new SeasonalChange({ period: 24 } as never)).toThrow(
      /options\.smoothing must be an integer in \[1, 16777216\], got undefined/,
    );
    expect(() => new SeasonalChange(24 as never)).toThrow(InvalidArgumentError);
    const c = new SeasonalChange({ period: 1, smoothing: 1 });
    c.next(2);
    expect(() => c.next(Number.NaN)).toThrow(InvalidDataError);
    expect(() => c.next(Infinity)).toThrow(/value must be a finite number/);
    expect(c.next(5)).toBe(9); // still compared with 2
  });
});

describe('rowsPerDay', () => {
  it('reads the day length from the median timestamp spacing', () => {
    const fiveMinutes = Array.from({ length: 10 }, (_, i) => i * 300_000);
    expect(rowsPerDay(fiveMinutes)).toBe(288);
    expect(rowsPerDay(Float64Array.from(fiveMinutes))).toBe(288);
    const hourlyWithGap = [0, HOUR, 2 * HOUR, 30 * HOUR, 31 * HOUR];
    expect(rowsPerDay(hourlyWithGap)).toBe(24);
    expect(rowsPerDay([0, HOUR, 2 * HOUR, 3 * DAY], 3)).toBe(24); // only the first 3 rows
    expect(rowsPerDay([5, 5, 5])).toBe(0);
    expect(rowsPerDay([5])).toBe(0);
    expect(rowsPerDay([0, 3 * DAY])).toBe(0); // a day is less than half a row
  });

  it('rejects bad arguments and non-finite timestamps among those read', () => {
    expect(() => rowsPerDay(undefined as never)).toThrow(/timestamps must be an array/);
    expect(() => rowsPerDay([0, HOUR], -1)).toThrow(OutOfRangeError);
    expect(() => rowsPerDay([0, Number.NaN, 2 * HOUR])).toThrow(/timestamps\[1\] must be a finite number/);
    expect(() => rowsPerDay([0, Number.NaN, 2 * HOUR])).toThrow(InvalidDataError);
    expect(rowsPerDay([0, HOUR, Number.NaN], 2)).toBe(24); // row 2 is not read
  });
});

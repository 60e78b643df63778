import { describe, expect, it } from 'vitest';
import { RangeNovelty } from '../src/scoring/index.js';
import { InvalidArgumentError, InvalidDataError, OutOfRangeError } from '../src/core/errors.js';

describe('RangeNovelty', () => {
  it('flags values beyond the widened range of earlier values, which then widen it', () => {
    const n = new RangeNovelty({ memory: 100, tolerance: 0.1 });
    n.observe(0);
    n.observe(10);
    expect(n.next(10.5)).toBe(false); // limit 10 + 0.1 x 10 = 11
    expect(n.next(11.6)).toBe(true); // limit 10.5 + 0.1 x 10.5 = 11.55
    expect(n.next(-1)).toBe(false); // limit 0 - 0.1 x 11.6 = -1.16
    expect(n.next(-2.6)).toBe(true); // limit -1 - 0.1 x 12.6 = -2.26
  });

  it('judges nothing while the earlier values have no spread', () => {
    const n = new RangeNovelty({ memory: 100, tolerance: 0.05 });
    expect([n.next(5), n.next(5), n.next(100)]).toEqual([false, false, false]);
    expect(n.next(200)).toBe(true); // range 5..100, limit 104.75
  });

  it('judges against the last `memory` values only', () => {
    const n = new RangeNovelty({ memory: 3, tolerance: 0 });
    [0, 10, 5].forEach((v) => n.observe(v));
    expect(n.next(11)).toBe(true); // remembered 0, 10, 5
    expect(n.next(6)).toBe(false); // remembered 10, 5, 11
    expect(n.next(10)).toBe(false); // remembered 5, 11, 6
    expect(n.next(5.5)).toBe(true); // remembered 11, 6, 10: below 6
    expect(n.next(10.5)).toBe(true); // remembered 6, 10, 5.5: 11 was seen 4 values ago
    expect(n.next(8)).toBe(false);
  });

  it('agrees with a direct scan of the last values over a long stream', () => {
    // 20,000 values with memory 7 exercise the queues' compaction many times.
    const memory = 7;
    const tolerance = 0.05;
    const n = new RangeNovelty({ memory, tolerance });
    const values = Array.from(
      { length: 20_000 },
      (_, i) => Math.sin(i * 0.37) * 10 + ((i * 7919) % 13) - (i % 500 === 0 ? 30 : 0),
    );
    let novelties = 0;
    values.forEach((v, i) => {
      const past = values.slice(Math.max(0, i - memory), i);
      const max = Math.max(...past);
      const min = Math.min(...past);
      const margin = tolerance * (max - min);
      const expected = past.length > 0 && max > min && (v > max + margin || v < min - margin);
      expect(n.next(v)).toBe(expected);
      if (expected) novelties++;
    });
    expect(novelties).toBeGreaterThan(100); // the comparison covered both answers
  });
});

describe('RangeNovelty bad input', () => {
  it('rejects bad options with typed errors naming the option', () => {
    expect(() => new RangeNovelty(null as never)).toThrow(/options must be an object, got null/);
    expect(() => new RangeNovelty({ memory: 10 } as never)).toThrow(
      /options\.tolerance must be a number, got undefined/,
    );
    expect(() => new RangeNovelty({ memory: 0, tolerance: 0 })).toThrow(OutOfRangeError);
    expect(() => new RangeNovelty({ memory: 10.5, tolerance: 0 })).toThrow(/options\.memory must be an integer/);
    expect(() => new RangeNovelty({ memory: 10, tolerance: -0.1 })).toThrow(
      /options\.tolerance must be >= 0, got -0\.1/,
    );
    expect(() => new RangeNovelty({ memory: 10, tolerance: Infinity })).toThrow(OutOfRangeError);
    expect(() => new RangeNovelty({ memory: 10, tolerance: 0, window: 3 } as never)).toThrow(InvalidArgumentError);
  });

  it('rejects NaN and infinities without changing the range', () => {
    const n = new RangeNovelty({ memory: 10, tolerance: 0 });
    n.observe(0);
    n.observe(1);
    expect(() => n.next(Number.NaN)).toThrow(InvalidDataError);
    expect(() => n.observe(Infinity)).toThrow(/value must be a finite number, got Infinity/);
    expect(() => n.next(null as never)).toThrow(InvalidArgumentError);
    expect(n.next(1.5)).toBe(true); // still judged against 0..1
  });
});

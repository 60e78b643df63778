import { describe, expect, it } from 'vitest';
import { ErrorSurprise } from '../src/scoring/index.js';
import { InvalidArgumentError, InvalidDataError, OutOfRangeError } from '../src/core/errors.js';

/** Score of `value` against `history` by the definition: two-pass mean, population std. */
function referenceScore(history: number[], value: number, zHalf: number): number {
  const mean = history.reduce((a, b) => a + b, 0) / history.length;
  const std = Math.sqrt(history.reduce((a, b) => a + (b - mean) ** 2, 0) / history.length);
  const z = Math.max(0, (value - mean) / std);
  return z / (z + zHalf);
}

describe('ErrorSurprise', () => {
  it('standardises a value against the values before it once warmed up', () => {
    const s = new ErrorSurprise({ history: 10, warmup: 3, zHalf: 5 });
    expect([s.next(1), s.next(2), s.next(3)]).toEqual([0, 0, 0]); // warm-up
    // History 1, 2, 3: mean 2, population std sqrt(2/3).
    const z = 3 / Math.sqrt(2 / 3);
    expect(s.next(5)).toBeCloseTo(z / (z + 5), 12);
    expect(s.size).toBe(4);
    expect(s.next(1)).toBe(0); // below the mean
  });

  it('forgets values older than the history and can be seeded without scoring', () => {
    const s = new ErrorSurprise({ history: 2, warmup: 2, zHalf: 1 });
    s.observe(100);
    s.observe(1);
    s.observe(3); // 100 drops out: history 1, 3 (mean 2, std 1)
    expect(s.size).toBe(2);
    expect(s.next(4)).toBeCloseTo(2 / 3, 12); // z = 2
  });

  it('scores 0 at and 1 above a constant history', () => {
    const s = new ErrorSurprise({ history: 5, warmup: 2, zHalf: 3 });
    s.observe(4);
    s.observe(4);
    expect(s.next(4)).toBe(0);
    expect(s.next(3.5)).toBe(0);
    const t = new ErrorSurprise({ history: 5, warmup: 2, zHalf: 3 });
    t.observe(4);
    t.observe(4);
    expect(t.next(4.001)).toBe(1);
  });

  it('matches the two-pass definition over a long stream that wraps the history many times', () => {
    const history = 50;
    const s = new ErrorSurprise({ history, warmup: 10, zHalf: 2 });
    const values = Array.from(
      { length: 600 },
      (_, i) => (Math.abs(Math.sin(i * 12.9898) * 437.5453) % 7) + (i % 97 === 0 ? 40 : 0),
    );
    values.forEach((v, i) => {
      const got = s.next(v);
      const past = values.slice(Math.max(0, i - history), i);
      if (past.length < 10) expect(got).toBe(0);
      else expect(got).toBeCloseTo(referenceScore(past, v, 2), 9);
    });
  });

  it('recovers the exact spread after huge values leave the history (running-sum drift guard)', () => {
    const s = new ErrorSurprise({ history: 4, warmup: 4, zHalf: 1 });
    for (let k = 0; k < 40; k++) s.observe(1e12 + k * 12345.678);
    [1, 2, 3, 4].forEach((v) => s.observe(v));
    // Without recomputation the running sum of squares is off by ~7e8 here (negative variance).
    // History 1..4: mean 2.5, variance 1.25, so 5 has z = sqrt(5).
    expect(s.next(5)).toBeCloseTo(Math.sqrt(5) / (Math.sqrt(5) + 1), 12);
  });

  it('passes only scores that exceed the previous `refractory` scores', () => {
    const s = new ErrorSurprise({ history: 100, warmup: 2, zHalf: 1, refractory: 2 });
    s.observe(0);
    s.observe(2);
    expect(s.next(0)).toBe(0);
    // History 0, 2, 0: mean 2/3, std sqrt(8/9); 10 has z = (28/3) / sqrt(8/9) = 7 sqrt(2).
    expect(s.next(10)).toBeCloseTo((7 * Math.SQRT2) / (7 * Math.SQRT2 + 1), 12);
    expect(s.next(9)).toBe(0); // z = 6 / sqrt(17) scores 0.59, below the 0.91 one row back
    expect(s.next(1)).toBe(0);
    expect(s.next(50)).toBeGreaterThan(0.9); // a new maximum raises a new alarm
  });
});

describe('ErrorSurprise bad input', () => {
  const good = { history: 10, warmup: 2, zHalf: 1 };

  it('rejects bad options with typed errors naming the option', () => {
    expect(() => new ErrorSurprise(undefined as never)).toThrow(InvalidArgumentError);
    expect(() => new ErrorSurprise({ ...good, histroy: 3 } as never)).toThrow(/unknown key "histroy"/);
    expect(() => new ErrorSurprise({ ...good, history: 0 })).toThrow(OutOfRangeError);
    expect(() => new ErrorSurprise({ ...good, history: 2.5 })).toThrow(/options\.history must be an integer/);
    expect(() => new ErrorSurprise({ ...good, history: 2 ** 25 })).toThrow(OutOfRangeError);
    expect(() => new ErrorSurprise({ ...good, warmup: 0 })).toThrow(/options\.warmup/);
    expect(() => new ErrorSurprise({ ...good, warmup: 11 })).toThrow(
      /options\.warmup must be at most options\.history \(10\)/,
    );
    expect(() => new ErrorSurprise({ ...good, zHalf: 0 })).toThrow(/options\.zHalf must be > 0, got 0/);
    expect(() => new ErrorSurprise({ ...good, zHalf: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => new ErrorSurprise({ ...good, zHalf: Infinity })).toThrow(OutOfRangeError);
    expect(() => new ErrorSurprise({ ...good, refractory: -1 })).toThrow(/options\.refractory/);
    try {
      new ErrorSurprise({ ...good, history: -3 });
      expect.unreachable();
    } catch (err) {
      expect((err as OutOfRangeError).code).toBe('ERR_OUT_OF_RANGE');
    }
  });

  it('rejects NaN, infinities and non-numbers and leaves the history as it was', () => {
    const s = new ErrorSurprise(good);
    const twin = new ErrorSurprise(good);
    for (const v of [1, 2, 3]) {
      s.observe(v);
      twin.observe(v);
    }
    expect(() => s.next(Number.NaN)).toThrow(InvalidDataError);
    expect(() => s.observe(Infinity)).toThrow(/value must be a finite number, got Infinity/);
    expect(() => s.next('4' as never)).toThrow(InvalidArgumentError);
    expect(() => s.next(1e200)).toThrow(OutOfRangeError);
    try {
      s.next(Number.NaN);
      expect.unreachable();
    } catch (err) {
      expect((err as InvalidDataError).code).toBe('ERR_INVALID_DATA');
    }
    expect(s.size).toBe(3);
    expect(s.next(5)).toBe(twin.next(5));
  });
});

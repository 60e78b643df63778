import { describe, expect, it } from 'vitest';
import { Xoshiro128, shuffleInPlace } from '../src/core/prng.js';

describe('Xoshiro128 (training shuffles)', () => {
  it('matches the reference xoshiro128** sequence for state [1, 2, 3, 4]', () => {
    // First outputs of the authors' reference C implementation (also the rand_xoshiro test vector).
    const rng = Xoshiro128.fromState([1, 2, 3, 4]);
    const got = Array.from({ length: 10 }, () => rng.nextUint32());
    expect(got).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
    ]);
  });

  it('is deterministic per seed and differs between nearby seeds', () => {
    const a = new Xoshiro128(7);
    const b = new Xoshiro128(7);
    const c = new Xoshiro128(8);
    const sa = Array.from({ length: 8 }, () => a.nextUint32());
    const sb = Array.from({ length: 8 }, () => b.nextUint32());
    const sc = Array.from({ length: 8 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('nextBelow stays in range and is close to uniform (chi-square)', () => {
    const rng = new Xoshiro128(123);
    const n = 10;
    const draws = 100_000;
    const counts = new Array<number>(n).fill(0);
    let outside = 0;
    for (let i = 0; i < draws; i++) {
      const v = rng.nextBelow(n);
      if (v >= 0 && v < n && Number.isInteger(v)) counts[v]!++;
      else outside++;
    }
    expect(outside).toBe(0);
    const expected = draws / n;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: P(chi2 > 27.9) = 0.001
    expect(chi2).toBeLessThan(27.9);
  });

  it('nextFloat lies in [0, 1) with mean near 1/2', () => {
    const rng = new Xoshiro128(5);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 50_000; i++) {
      const f = rng.nextFloat();
      if (!(f >= 0 && f < 1)) outside++;
      sum += f;
    }
    expect(outside).toBe(0);
    // standard error of the mean is sqrt(1/12 / 50000) = 0.0013
    expect(Math.abs(sum / 50_000 - 0.5)).toBeLessThan(0.0065);
  });
});

describe('shuffleInPlace (Fisher-Yates)', () => {
  it('returns a permutation of its input', () => {
    const values = Int32Array.from({ length: 1000 }, (_, i) => i * 3);
    shuffleInPlace(values, new Xoshiro128(1));
    expect(Array.from(values).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i * 3));
  });

  it('makes all 24 orders of 4 items about equally likely', () => {
    const rng = new Xoshiro128(99);
    const counts = new Map<string, number>();
    const trials = 48_000;
    for (let t = 0; t < trials; t++) {
      const key = Array.from(shuffleInPlace(Int32Array.of(0, 1, 2, 3), rng)).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    const expected = trials / 24;
    let chi2 = 0;
    for (const c of counts.values()) chi2 += (c - expected) ** 2 / expected;
    // 23 degrees of freedom: P(chi2 > 49.7) = 0.001
    expect(chi2).toBeLessThan(49.7);
  });

  it('leaves arrays of length 0 and 1 alone', () => {
    expect(Array.from(shuffleInPlace(new Int32Array(0), new Xoshiro128(1)))).toEqual([]);
    expect(Array.from(shuffleInPlace(Int32Array.of(42), new Xoshiro128(1)))).toEqual([42]);
  });
});

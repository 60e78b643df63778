import { describe, expect, it } from 'vitest';
import { bestF1, maskToRanges, pointwiseMetrics, rangesToMask } from '../src/eval/index.js';

/** Deterministic pseudo-random numbers so the brute-force comparisons are reproducible. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('pointwiseMetrics', () => {
  it('counts a hand-worked case', () => {
    // tp at 0 and 4, fp at 1, fn at 2 and 5, tn at 3.
    const m = pointwiseMetrics([1, 1, 0, 0, 1, 0], [1, 0, 1, 0, 1, 1]);
    expect(m).toMatchObject({ tp: 2, fp: 1, fn: 2, tn: 1 });
    expect(m.precision).toBeCloseTo(2 / 3, 15);
    expect(m.recall).toBeCloseTo(0.5, 15);
    expect(m.f1).toBeCloseTo(4 / 7, 15);
  });

  it('accepts booleans and typed arrays alike', () => {
    const a = pointwiseMetrics([true, false, true], Uint8Array.from([1, 1, 0]));
    expect(a).toMatchObject({ tp: 1, fp: 1, fn: 1, tn: 0, f1: 0.5 });
  });

  it('returns 0, not NaN, when nothing is predicted or labelled', () => {
    expect(pointwiseMetrics([0, 0], [1, 0])).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(pointwiseMetrics([1, 0], [0, 0])).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(pointwiseMetrics([0, 0], [0, 0])).toMatchObject({ precision: 0, recall: 0, f1: 0, tn: 2 });
  });

  it('rejects non-binary values and mismatched lengths with typed errors', () => {
    expect(() => pointwiseMetrics([1, 2], [0, 1])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_DATA', message: expect.stringContaining('predicted[1]') }),
    );
    expect(() => pointwiseMetrics([1, 0], [0, 1, 0])).toThrow(
      expect.objectContaining({ code: 'ERR_SHAPE_MISMATCH', name: 'InvalidArgumentError' }),
    );
    expect(() => pointwiseMetrics(null as never, [0])).toThrow(TypeError);
  });
});

describe('bestF1', () => {
  it('finds the best threshold in a hand-worked sweep', () => {
    // F1 per threshold: 0.9 -> 1/2, 0.8 -> 2/5, 0.7 -> 2/3, 0.6 -> 6/7, 0.5 -> 3/4, 0.4 -> 2/3.
    const r = bestF1([0.9, 0.8, 0.7, 0.6, 0.5, 0.4], [1, 0, 1, 1, 0, 0]);
    expect(r.threshold).toBe(0.6);
    expect(r.f1).toBeCloseTo(6 / 7, 15);
    expect(r).toMatchObject({ tp: 3, fp: 1, fn: 0, tn: 2, recall: 1, precision: 0.75, tunedOnTestSet: true });
  });

  it('moves tied scores together', () => {
    // 0.5 flags both tied points (F1 1/2); only 0.2 reaches F1 4/5.
    const r = bestF1([0.5, 0.5, 0.2], [1, 0, 1]);
    expect(r.threshold).toBe(0.2);
    expect(r.f1).toBeCloseTo(0.8, 15);
  });

  it('keeps the highest threshold on a plateau', () => {
    expect(bestF1([0.9, 0.8, 0.1], [1, 0, 0]).threshold).toBe(0.9);
  });

  it('agrees with a brute-force sweep of pointwiseMetrics on random data', () => {
    const rand = lcg(7);
    for (let trial = 0; trial < 20; trial++) {
      const n = 50 + Math.floor(rand() * 50);
      // Rounded scores give many ties.
      const scores = Array.from({ length: n }, () => Math.round(rand() * 20) / 20);
      const labels = scores.map((s) => (rand() < 0.2 + 0.5 * s ? 1 : 0));
      if (!labels.includes(1)) labels[0] = 1;
      let best = -1;
      let bestT = Number.NaN;
      for (const t of [...new Set(scores)].sort((a, b) => b - a)) {
        const f1 = pointwiseMetrics(
          scores.map((s) => (s >= t ? 1 : 0)),
          labels,
        ).f1;
        if (f1 > best) {
          best = f1;
          bestT = t;
        }
      }
      const r = bestF1(scores, labels);
      expect(r.f1).toBeCloseTo(best, 12);
      expect(r.threshold).toBe(bestT);
    }
  });

  it('refuses labels without anomalies and NaN scores', () => {
    expect(() => bestF1([0.1, 0.2], [0, 0])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_DATA' }));
    expect(() => bestF1([0.1, Number.NaN], [0, 1])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_DATA', message: expect.stringContaining('scores[1]') }),
    );
  });
});

describe('label ranges', () => {
  it('converts inclusive ranges to a mask and back', () => {
    const mask = rangesToMask(
      [
        { start: 1, end: 2 },
        { start: 5, end: 5 },
      ],
      7,
    );
    expect(Array.from(mask)).toEqual([0, 1, 1, 0, 0, 1, 0]);
    expect(maskToRanges(mask)).toEqual([
      { start: 1, end: 2 },
      { start: 5, end: 5 },
    ]);
    expect(maskToRanges([1, 1, 0, 1])).toEqual([
      { start: 0, end: 1 },
      { start: 3, end: 3 },
    ]);
  });

  it('rejects ranges outside the series', () => {
    expect(() => rangesToMask([{ start: 2, end: 7 }], 7)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: expect.stringContaining('ranges[0]') }),
    );
    expect(() => rangesToMask([{ start: 3, end: 2 }], 7)).toThrow(RangeError);
    expect(() => rangesToMask([{ start: 0.5, end: 2 }], 7)).toThrow(TypeError);
  });
});

import { describe, expect, it } from 'vitest';
import { paKCurve, paKMetrics, pointAdjust, pointAdjustedMetrics, pointwiseMetrics } from '../src/eval/index.js';

// Segments [1..4] (one of four points flagged) and [7..8] (none); row 6 is a false positive.
const labels = [0, 1, 1, 1, 1, 0, 0, 1, 1, 0];
const predicted = [0, 0, 1, 0, 0, 0, 1, 0, 0, 0];

describe('point adjustment', () => {
  it('marks a whole segment once any of its points is flagged', () => {
    expect(Array.from(pointAdjust(predicted, labels))).toEqual([0, 1, 1, 1, 1, 0, 1, 0, 0, 0]);
    const m = pointAdjustedMetrics(predicted, labels);
    expect(m).toMatchObject({ tp: 4, fp: 1, fn: 2, tn: 3 });
    expect(m.f1).toBeCloseTo(8 / 11, 15);
  });

  it('inflates F1 well above the point-wise value', () => {
    expect(pointwiseMetrics(predicted, labels).f1).toBeCloseTo(0.25, 15);
    expect(pointAdjustedMetrics(predicted, labels).f1).toBeGreaterThan(0.7);
  });
});

describe('PA%K', () => {
  it('adjusts only when strictly more than K percent of a segment is flagged', () => {
    // The first segment is 25 % detected.
    expect(paKMetrics(predicted, labels, 20).f1).toBeCloseTo(8 / 11, 15);
    expect(paKMetrics(predicted, labels, 25)).toMatchObject({ k: 25, tp: 1, fp: 1, fn: 5, tn: 3 });
    expect(Array.from(pointAdjust(predicted, labels, 25))).toEqual(predicted);
  });

  it('is point adjustment at K = 0 and point-wise at K = 100', () => {
    const { k: _k0, ...atZero } = paKMetrics(predicted, labels, 0);
    expect(atZero).toEqual(pointAdjustedMetrics(predicted, labels));
    const { k: _k100, ...atHundred } = paKMetrics(predicted, labels, 100);
    expect(atHundred).toEqual(pointwiseMetrics(predicted, labels));
  });

  it('integrates F1 over K with the trapezoid rule', () => {
    const curve = paKCurve(predicted, labels, [100, 0, 25, 20]);
    expect(curve.points.map((p) => p.k)).toEqual([0, 20, 25, 100]);
    const high = 8 / 11;
    const low = 0.25;
    expect(curve.auc).toBeCloseTo((high * 20 + ((high + low) / 2) * 5 + low * 75) / 100, 14);
  });

  it('uses K = 0, 10, ..., 100 by default', () => {
    const curve = paKCurve(predicted, labels);
    expect(curve.points.map((p) => p.k)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    // F1 = 8/11 for K < 25 (three points), 0.25 from K = 30 on.
    expect(curve.auc).toBeCloseTo(
      (10 * (8 / 11) + 10 * ((8 / 11 + 8 / 11) / 2) + 10 * ((8 / 11 + 0.25) / 2) + 70 * 0.25) / 100,
      14,
    );
  });

  it('rejects K outside [0, 100]', () => {
    expect(() => paKMetrics(predicted, labels, 120)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: expect.stringContaining('k') }),
    );
    expect(() => paKCurve(predicted, labels, [0])).toThrow(RangeError);
    expect(() => paKCurve(predicted, labels, [0, -1])).toThrow(
      expect.objectContaining({ message: expect.stringContaining('ks[1]') }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { eventwiseMetrics } from '../src/eval/index.js';

const labels = [
  { start: 10, end: 20 },
  { start: 40, end: 50 },
  { start: 70, end: 80 },
];

describe('eventwiseMetrics', () => {
  it('counts hits per labelled range and misses per predicted event', () => {
    const predicted = [
      { start: 5, end: 12 }, // hits range 1
      { start: 15, end: 18 }, // range 1 again: neither TP nor FP
      { start: 30, end: 35 }, // false positive
      { start: 79, end: 90 }, // hits range 3
    ];
    const m = eventwiseMetrics(predicted, labels);
    expect(m).toMatchObject({
      truePositives: 2,
      falsePositives: 1,
      falseNegatives: 1,
      labelledEvents: 3,
      predictedEvents: 4,
    });
    expect(m.precision).toBeCloseTo(2 / 3, 15);
    expect(m.recall).toBeCloseTo(2 / 3, 15);
    expect(m.f1).toBeCloseTo(2 / 3, 15);
  });

  it('treats both ends as inclusive', () => {
    expect(eventwiseMetrics([{ start: 20, end: 25 }], labels).truePositives).toBe(1);
    expect(eventwiseMetrics([{ start: 21, end: 39 }], labels)).toMatchObject({ truePositives: 0, falsePositives: 1 });
  });

  it('lets one long event hit several ranges, in any input order', () => {
    const m = eventwiseMetrics(
      [
        { start: 60, end: 61 },
        { start: 45, end: 72 },
      ],
      labels,
    );
    expect(m).toMatchObject({ truePositives: 2, falsePositives: 1, falseNegatives: 1 });
  });

  it('handles nested labelled ranges', () => {
    const nested = [
      { start: 0, end: 100 },
      { start: 10, end: 12 },
    ];
    expect(eventwiseMetrics([{ start: 50, end: 51 }], nested)).toMatchObject({ truePositives: 1, falseNegatives: 1 });
  });

  it('gives zeros, not NaN, without predictions or labels', () => {
    expect(eventwiseMetrics([], labels)).toMatchObject({ precision: 0, recall: 0, f1: 0, falseNegatives: 3 });
    expect(eventwiseMetrics([{ start: 1, end: 2 }], [])).toMatchObject({
      precision: 0,
      recall: 0,
      f1: 0,
      falsePositives: 1,
    });
  });

  it('bounds-checks against the series length', () => {
    expect(() => eventwiseMetrics([{ start: 95, end: 101 }], labels, 100)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: expect.stringContaining('predicted[0]') }),
    );
    expect(() => eventwiseMetrics([{ start: 1 } as never], labels)).toThrow(TypeError);
  });
});

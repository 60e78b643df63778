import { describe, expect, it } from 'vitest';
import {
  NAB_PROFILES,
  nabProbationaryLength,
  nabRawScore,
  nabRowWeights,
  nabSigmoid,
  sweepNabThresholds,
  tallyNabFile,
} from '../src/eval/nab/rules.js';

// SCORING.md section 5: n = 100 (P = 15), one window at rows 50..59, detections at rows
// 10 (probationary), 20 (before the window), 52, 55 (inside) and 70 (after).
function workedExample(): { weights: ReturnType<typeof nabRowWeights>; scores: Float64Array } {
  const weights = nabRowWeights(100, [{ start: 50, end: 59 }]);
  const scores = new Float64Array(100);
  for (const r of [10, 20, 52, 55, 70]) scores[r] = 1;
  return { weights, scores };
}

describe('NAB weighting', () => {
  it('uses the scaled sigmoid with its published values', () => {
    expect(nabSigmoid(-1)).toBeCloseTo(0.9866142981514305, 15);
    expect(nabSigmoid(0)).toBe(0);
    expect(nabSigmoid(3)).toBeCloseTo(2 / (1 + Math.exp(15)) - 1, 15);
    expect(nabSigmoid(3.0001)).toBe(-1);
  });

  it('computes the probationary period with floor and a 750-row cap', () => {
    expect(nabProbationaryLength(100)).toBe(15);
    expect(nabProbationaryLength(4999)).toBe(749);
    expect(nabProbationaryLength(5000)).toBe(750);
    expect(nabProbationaryLength(22695)).toBe(750);
  });

  it('weights rows inside, before and after a window as the spec describes', () => {
    const w = nabRowWeights(100, [{ start: 50, end: 59 }]);
    const at = (row: number): number => w.weight[row - w.probation]!;
    expect(w.probation).toBe(15);
    expect(w.window.length).toBe(85);
    expect(at(50)).toBeCloseTo(1, 15); // left edge worth exactly A_TP
    expect(at(59)).toBeCloseTo(0.248, 3); // right edge of a 10-row window
    expect(at(20)).toBe(-1); // before any window
    expect(at(60)).toBeCloseTo(-0.27, 2); // just after a 10-row window
    expect(at(69)).toBeCloseTo(nabSigmoid(10 / 9), 15);
    expect(at(99)).toBe(-1); // more than 3 widths after the window
    expect(w.window[52 - 15]).toBe(0);
    expect(w.window[60 - 15]).toBe(-1);
  });

  it('charges rows between two windows by the earlier window', () => {
    const w = nabRowWeights(200, [
      { start: 40, end: 49 },
      { start: 150, end: 189 },
    ]);
    expect(w.weight[100 - w.probation]).toBe(-1); // (100 - 49) / 9 > 3
    expect(w.weight[52 - w.probation]).toBeCloseTo(nabSigmoid(3 / 9), 15);
    expect(w.weight[195 - w.probation]).toBeCloseTo(nabSigmoid(6 / 39), 15);
  });

  it('reproduces the worked example of SCORING.md for all three profiles', () => {
    const { weights, scores } = workedExample();
    const t = tallyNabFile(weights, scores, 0.5);
    expect(nabRawScore(t, NAB_PROFILES.standard)).toBeCloseTo(0.7575937396, 10);
    expect(nabRawScore(t, NAB_PROFILES.reward_low_FP_rate)).toBeCloseTo(0.5380806383, 10);
    expect(nabRawScore(t, NAB_PROFILES.reward_low_FN_rate)).toBeCloseTo(0.7575937396, 10);
    expect(t).toMatchObject({ windows: 1, windowsDetected: 1, tp: 2, fp: 2, fn: 8, tn: 73 });
    expect(t.earliestWeightSum).toBeCloseTo(0.9771068409, 10);
    const none = tallyNabFile(weights, scores, 2);
    expect(nabRawScore(none, NAB_PROFILES.standard)).toBe(-1);
    expect(nabRawScore(none, NAB_PROFILES.reward_low_FN_rate)).toBe(-2);
  });

  it('counts a detection exactly at the threshold (>=)', () => {
    const { weights, scores } = workedExample();
    expect(tallyNabFile(weights, scores, 1).windowsDetected).toBe(1);
    expect(tallyNabFile(weights, scores, 1 + 1e-12).windowsDetected).toBe(0);
  });
});

describe('NAB threshold sweep', () => {
  function lcg(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  }

  it('finds the same optimum as scoring every candidate threshold directly', () => {
    const rand = lcg(3);
    const files = [
      {
        rows: 300,
        windows: [
          { start: 100, end: 129 },
          { start: 200, end: 229 },
        ],
      },
      { rows: 200, windows: [] },
      { rows: 400, windows: [{ start: 250, end: 289 }] },
    ].map(({ rows, windows }) => {
      const weights = nabRowWeights(rows, windows);
      // Coarse scores (many ties), raised inside windows so that an interior optimum exists.
      const scores = Float64Array.from({ length: rows }, (_, r) => {
        const inside = windows.some((w) => r >= w.start && r <= w.end);
        return Math.min(1, Math.round((rand() * 0.8 + (inside ? 0.25 : 0)) * 40) / 40);
      });
      return { weights, scores };
    });
    const profiles = Object.entries(NAB_PROFILES).map(([name, costs]) => ({ name, costs }));
    const swept = sweepNabThresholds(files, profiles);
    const candidates = [1.1, ...new Set(files.flatMap((f) => Array.from(f.scores.subarray(f.weights.probation))))].sort(
      (a, b) => b - a,
    );
    profiles.forEach((p, i) => {
      let best = Number.NEGATIVE_INFINITY;
      let bestT = Number.NaN;
      for (const t of candidates) {
        const raw = files.reduce((s, f) => s + nabRawScore(tallyNabFile(f.weights, f.scores, t), p.costs), 0);
        if (raw > best + 1e-12) {
          best = raw;
          bestT = t;
        }
      }
      expect(swept[i]!.rawScore).toBeCloseTo(best, 10);
      expect(swept[i]!.threshold).toBe(bestT);
      expect(best).toBeGreaterThan(-3); // better than no detection at all
    });
  });

  it('keeps "no detection" (1.1) when every detection only costs', () => {
    const weights = nabRowWeights(100, [{ start: 50, end: 59 }]);
    const scores = new Float64Array(100);
    for (let r = 15; r < 100; r++) scores[r] = r >= 50 && r <= 59 ? 0.1 : 0.9;
    const [best] = sweepNabThresholds([{ weights, scores }], [{ name: 'standard', costs: NAB_PROFILES.standard }]);
    expect(best).toEqual({ profile: 'standard', threshold: 1.1, rawScore: -1 });
  });
});

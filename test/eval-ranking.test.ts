import { describe, expect, it } from 'vitest';
import { averagePrecision, rocAuc } from '../src/eval/index.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Mann-Whitney: share of (anomaly, normal) pairs ranked correctly, ties counting one half. */
function pairwiseAuc(scores: number[], labels: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      if (scores[i]! > scores[j]!) wins += 1;
      else if (scores[i] === scores[j]) wins += 0.5;
    }
  }
  return wins / pairs;
}

describe('rocAuc', () => {
  it('matches a hand count of ranked pairs', () => {
    // Pairs: 0.35 beats 0.1 but loses to 0.4; 0.8 beats both: 3 of 4.
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 15);
  });

  it('counts a tie between classes as half a pair', () => {
    // 0.5 vs 0.5 tie (1/2), 0.5 beats 0.2 (1), 0.9 beats both (2): 3.5 of 4.
    expect(rocAuc([0.5, 0.5, 0.2, 0.9], [0, 1, 0, 1])).toBeCloseTo(0.875, 15);
    expect(rocAuc([0.3, 0.3, 0.3], [1, 0, 0])).toBeCloseTo(0.5, 15);
  });

  it('is 1 for a perfect ranking and 0 for a reversed one', () => {
    expect(rocAuc([3, 2, 1], [1, 0, 0])).toBe(1);
    expect(rocAuc([1, 2, 3], [1, 0, 0])).toBe(0);
  });

  it('equals the pairwise Mann-Whitney statistic on random tied data', () => {
    const rand = lcg(11);
    for (let trial = 0; trial < 10; trial++) {
      const scores = Array.from({ length: 120 }, () => Math.floor(rand() * 15));
      const labels = scores.map((s) => (rand() < s / 20 ? 1 : 0));
      labels[0] = 1;
      labels[1] = 0;
      expect(rocAuc(Float32Array.from(scores), labels)).toBeCloseTo(pairwiseAuc(scores, labels), 12);
    }
  });

  it('needs both classes', () => {
    expect(() => rocAuc([0.1, 0.2], [1, 1])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_DATA', message: expect.stringContaining('both classes') }),
    );
    expect(() => rocAuc([], [])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_DATA' }));
  });
});

describe('averagePrecision', () => {
  it('matches a hand computation', () => {
    // 0.8: P 1, recall 1/2; 0.35: P 2/3, recall 1. AP = 1/2 * 1 + 1/2 * 2/3.
    expect(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(5 / 6, 15);
  });

  it('treats tied scores as one threshold', () => {
    // 0.5 flags both tied points: P 1/2 at recall 1/2; 0.1: P 2/3 at recall 1.
    expect(averagePrecision([0.5, 0.5, 0.1], [1, 0, 1])).toBeCloseTo(0.25 + 1 / 3, 15);
  });

  it('is the positive rate when every score ties', () => {
    expect(averagePrecision([0.2, 0.2, 0.2, 0.2], [1, 0, 0, 0])).toBeCloseTo(0.25, 15);
  });

  it('matches a direct evaluation of precision at each anomaly rank on random data', () => {
    const rand = lcg(5);
    for (let trial = 0; trial < 10; trial++) {
      // Distinct scores, so AP is the mean over anomalies of precision at their rank.
      const scores = Array.from({ length: 80 }, (_, i) => i + rand() * 0.5).sort(() => rand() - 0.5);
      const labels = scores.map(() => (rand() < 0.3 ? 1 : 0));
      labels[0] = 1;
      const order = scores.map((s, i) => [s, labels[i]!] as const).sort((a, b) => b[0] - a[0]);
      let hits = 0;
      let sum = 0;
      order.forEach(([, l], rank) => {
        if (l === 1) sum += ++hits / (rank + 1);
      });
      expect(averagePrecision(scores, labels)).toBeCloseTo(sum / hits, 12);
    }
  });

  it('needs at least one anomaly', () => {
    expect(() => averagePrecision([0.1], [0])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_DATA' }));
  });
});

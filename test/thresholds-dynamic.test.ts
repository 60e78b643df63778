import { describe, expect, it } from 'vitest';
import { AbortError } from '../src/core/errors.js';
import { DynamicThreshold, fitThreshold, thresholdFromJSON } from '../src/thresholds/index.js';
import { pruneSequences, selectEpsilon } from '../src/thresholds/nonparametric.js';
import { Xoshiro128 } from '../src/core/prng.js';

function runs(flags: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= flags.length; i++) {
    const on = i < flags.length && flags[i] === 1;
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      out.push([start, i - 1]);
      start = -1;
    }
  }
  return out;
}

function gaussian(rng: Xoshiro128): number {
  return Math.sqrt(-2 * Math.log(1 - rng.nextFloat())) * Math.cos(2 * Math.PI * rng.nextFloat());
}

/**
 * The paper's epsilon selection written out literally with sets and plain arrays, as an
 * independent reference for the optimised implementation.
 */
function referenceZ(values: number[], buffer: number): number {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
  let best = 0;
  let bestZ = 12;
  for (let z = 2.5; z < 12; z += 0.5) {
    const epsilon = mean + z * std;
    const above = values.map((v, i) => (v > epsilon ? i : -1)).filter((i) => i >= 0);
    if (above.length === 0) continue;
    const flagged = new Set<number>();
    for (const i of above) for (let j = Math.max(0, i - buffer); j <= Math.min(n - 1, i + buffer); j++) flagged.add(j);
    const sorted = [...flagged].sort((a, b) => a - b);
    const sequences = sorted.filter((j, k) => k === 0 || sorted[k - 1] !== j - 1).length;
    const kept = values.filter((v) => !(v > epsilon));
    const keptMean = kept.reduce((a, b) => a + b, 0) / kept.length;
    const keptStd = Math.sqrt(kept.reduce((a, v) => a + (v - keptMean) ** 2, 0) / kept.length);
    const score = ((mean - keptMean) / mean + (std - keptStd) / std) / (sequences ** 2 + flagged.size);
    if (score >= best && sequences <= 5 && flagged.size < n / 2) {
      best = score;
      bestZ = z;
    }
  }
  return bestZ;
}

describe('epsilon selection (Hundman et al. 2018)', () => {
  it('hand case: one spike among equal scores', () => {
    // 19 ones and an 11: mean 1.5, population variance (19 * 0.25 + 90.25) / 20 = 4.75. The spike
    // lies above mean + z * std for z <= 4; each such z removes the same point, so every score
    // ties and the last (largest) z, 4, wins.
    const values = Float64Array.from([...Array(19).fill(1), 11]);
    const choice = selectEpsilon(values, 0, 20, 0);
    expect(choice.z).toBe(4);
    expect(choice.epsilon).toBeCloseTo(1.5 + 4 * Math.sqrt(4.75), 12);
    expect(selectEpsilon(values, 0, 20, 2).z).toBe(4);
  });

  it('falls back to z = 12 when nothing stands out, and to the mean for constant scores', () => {
    const rng = new Xoshiro128(1);
    const uniform = Float64Array.from({ length: 500 }, () => rng.nextFloat());
    expect(selectEpsilon(uniform, 0, 500, 10).z).toBe(12);
    expect(selectEpsilon(new Float64Array(50).fill(3), 0, 50, 5)).toEqual({ z: 12, epsilon: 3 });
  });

  it('agrees with a literal implementation of the paper on random windows', () => {
    const rng = new Xoshiro128(2);
    for (let trial = 0; trial < 40; trial++) {
      const n = 200 + Math.floor(rng.nextFloat() * 300);
      const values = Array.from({ length: n }, () => 0.5 + Math.abs(gaussian(rng)) * 0.2);
      const bursts = Math.floor(rng.nextFloat() * 4);
      for (let b = 0; b < bursts; b++) {
        const at = Math.floor(rng.nextFloat() * (n - 10));
        const height = 0.5 + rng.nextFloat() * 2;
        for (let k = 0; k < 1 + Math.floor(rng.nextFloat() * 8); k++) values[at + k]! += height;
      }
      const buffer = Math.floor(rng.nextFloat() * 6);
      const padded = Float64Array.from([9, 9, ...values, 9]);
      expect(selectEpsilon(padded, 2, 2 + n, buffer).z).toBe(referenceZ(values, buffer));
    }
  });
});

describe('pruning by minimum percentage decrease', () => {
  it('hand cases', () => {
    // Sorted peaks 10, 9.5, 5 then the non-anomalous max 4.8. Falls: 5% (< 13%: mark 10),
    // 47% (clears the marks), 4% (mark 5). Only the sequence peaking at 5 goes.
    expect(Array.from(pruneSequences([10, 9.5, 5], 4.8, 0.13))).toEqual([1, 1, 0]);
    // Order of the sequences does not matter.
    expect(Array.from(pruneSequences([5, 10, 9.5], 4.8, 0.13))).toEqual([0, 1, 1]);
    // A lone sequence must stand 13% above the highest normal score: 10 vs 9 is 10%.
    expect(Array.from(pruneSequences([10], 9, 0.13))).toEqual([0]);
    expect(Array.from(pruneSequences([10], 8, 0.13))).toEqual([1]);
    // Every step small: all removed.
    expect(Array.from(pruneSequences([10, 9.5, 9], 8.5, 0.13))).toEqual([0, 0, 0]);
    // p = 0 keeps everything that differs at all.
    expect(Array.from(pruneSequences([10, 9.5, 9], 8.5, 0))).toEqual([1, 1, 1]);
  });
});

describe('dynamic threshold over a series', () => {
  /** Telemanom-like smoothed absolute errors: EWMA (span 105) of |N(0, 0.1)| with injected faults. */
  function smoothedErrors(seed: number, n: number, faults: [number, number, number][]): Float64Array {
    const rng = new Xoshiro128(seed);
    const raw = Float64Array.from({ length: n }, () => Math.abs(0.1 * gaussian(rng)));
    for (const [from, to, height] of faults) for (let i = from; i < to; i++) raw[i] = raw[i]! + height;
    const alpha = 2 / (105 + 1);
    const smoothed = new Float64Array(n);
    let level = raw[0]!;
    for (let i = 0; i < n; i++) {
      level = alpha * raw[i]! + (1 - alpha) * level;
      smoothed[i] = level;
    }
    return smoothed;
  }

  it('finds injected faults and flags nothing far from them', () => {
    const faults: [number, number, number][] = [
      [1500, 1530, 1.0],
      [3800, 3850, 0.6],
      [5200, 5230, 0.8],
    ];
    const scores = smoothedErrors(3, 6000, faults);
    const model = fitThreshold('dynamic');
    const { threshold, flags } = model.apply(scores);
    const found = runs(flags);
    for (const [from, to] of faults) expect(found.some(([s, e]) => s <= to && e >= from)).toBe(true);
    // Allowed: the fault, the default buffer of 100 rows, and the EWMA's decay after the fault.
    const near = (i: number) => faults.some(([from, to]) => i >= from - 110 && i <= to + 300);
    for (const [s, e] of found) {
      expect(near(s)).toBe(true);
      expect(near(e)).toBe(true);
    }
    expect(threshold).toBeInstanceOf(Float32Array);
    expect((threshold as Float32Array).length).toBe(6000);
  });

  it('re-chooses epsilon per batch as mean + z * std of the trailing window', () => {
    const scores = smoothedErrors(4, 4000, [[2500, 2520, 1]]);
    const spec = { method: 'dynamic', window: 1000, batch: 100 } as const;
    const threshold = fitThreshold(spec).apply(scores).threshold as Float32Array;
    for (const batchStart of [1000, 2500, 3900]) {
      const window = Array.from(scores.subarray(batchStart + 100 - 1000, batchStart + 100));
      const mean = window.reduce((a, b) => a + b, 0) / window.length;
      const std = Math.sqrt(window.reduce((a, v) => a + (v - mean) ** 2, 0) / window.length);
      const z = (threshold[batchStart]! - mean) / std;
      expect(z).toBeCloseTo(referenceZ(window, 100), 3);
      for (let i = batchStart; i < batchStart + 100; i++) expect(threshold[i]).toBe(threshold[batchStart]);
    }
    // The first window is judged as a whole with one epsilon.
    expect(new Set(threshold.subarray(0, 1000)).size).toBe(1);
  });

  it('prunes a bump barely above the normal scores, keeps it with p = 0, keeps a clear one', () => {
    const rng = new Xoshiro128(5);
    // Uniform noise in [0.9, 1.1] never reaches mean + 2.5 std (= 1.144), so only bumps can cross.
    const base = Float64Array.from({ length: 4000 }, () => 1 + 0.1 * (2 * rng.nextFloat() - 1));
    const withBump = (height: number) => {
      const s = base.slice();
      for (let i = 3000; i < 3040; i++) s[i] = s[i]! + height * Math.sin((Math.PI * (i - 2999)) / 41);
      return s;
    };
    const spec = { method: 'dynamic', window: 1000, batch: 100, buffer: 5 } as const;
    const small = withBump(0.15);
    const normalMax = Math.max(...base.subarray(2100, 3100));
    const smallPeak = Math.max(...small.subarray(3000, 3040));
    expect((smallPeak - normalMax) / smallPeak).toBeLessThan(0.13);
    expect(runs(fitThreshold({ ...spec, p: 0 }).apply(small).flags)).toHaveLength(1);
    expect(runs(fitThreshold({ ...spec, p: 0.13 }).apply(small).flags)).toHaveLength(0);
    const large = withBump(0.5);
    const largePeak = Math.max(...large.subarray(3000, 3040));
    expect((largePeak - normalMax) / largePeak).toBeGreaterThan(0.13);
    const kept = runs(fitThreshold({ ...spec, p: 0.13 }).apply(large).flags);
    expect(kept).toHaveLength(1);
    expect(kept[0]![0]).toBeGreaterThanOrEqual(3000 - 5);
    expect(kept[0]![1]).toBeLessThanOrEqual(3040 + 5);
  });

  it('with inverse also flags an unusual drop of the scores', () => {
    const rng = new Xoshiro128(6);
    const s = Float64Array.from({ length: 3000 }, () => 1 + 0.1 * (2 * rng.nextFloat() - 1));
    for (let i = 2000; i < 2030; i++) s[i] = 0.2;
    const spec = { method: 'dynamic', window: 1000, batch: 100, buffer: 3 } as const;
    expect(runs(fitThreshold(spec).apply(s).flags)).toHaveLength(0);
    const found = runs(fitThreshold({ ...spec, inverse: true }).apply(s).flags);
    // The drop spans 2000-2029, widened by 3 rows; 2000 starts a batch, and a batch never
    // flags rows that earlier batches have already judged.
    expect(found).toEqual([[2000, 2032]]);
  });

  it('never flags scores at or below minScore', () => {
    const scores = smoothedErrors(7, 3000, [[2000, 2030, 0.5]]);
    const peak = Math.max(...scores);
    const spec = { method: 'dynamic', window: 1000, batch: 100 } as const;
    expect(runs(fitThreshold(spec).apply(scores).flags).length).toBeGreaterThan(0);
    expect(runs(fitThreshold({ ...spec, minScore: peak }).apply(scores).flags)).toHaveLength(0);
  });

  it('with inverse and minScore, a drop flags only in windows that reach above the floor', () => {
    const rng = new Xoshiro128(6);
    const s = Float64Array.from({ length: 3000 }, () => 1 + 0.1 * (2 * rng.nextFloat() - 1));
    for (let i = 2000; i < 2030; i++) s[i] = 0.2;
    const spec = { method: 'dynamic', window: 1000, batch: 100, buffer: 3, inverse: true } as const;
    // Every score is at most 1.1: above that floor nothing in any window counts, a dip included.
    expect(runs(fitThreshold({ ...spec, minScore: 1.1 }).apply(s).flags)).toHaveLength(0);
    // A floor the windows do reach above leaves the drop flagged, as without a floor.
    expect(runs(fitThreshold({ ...spec, minScore: 0.5 }).apply(s).flags)).toEqual([[2000, 2032]]);
  });

  it('handles series shorter than one window and the empty series', () => {
    const short = Float64Array.from([...Array(60).fill(1), 50, ...Array(39).fill(1)]);
    const { flags, threshold } = fitThreshold({ method: 'dynamic', buffer: 2 }).apply(short);
    expect(runs(flags)).toEqual([[58, 62]]);
    expect((threshold as Float32Array).length).toBe(100);
    const empty = fitThreshold('dynamic').apply([]);
    expect(empty.flags.length).toBe(0);
  });

  it('applyAsync matches apply and can be aborted', async () => {
    const scores = smoothedErrors(8, 20_000, [[10_000, 10_040, 1]]);
    const model = fitThreshold('dynamic');
    const sync = model.apply(scores);
    const async = await model.applyAsync(scores);
    expect(Buffer.from(async.flags).equals(Buffer.from(sync.flags))).toBe(true);
    const aborted = new AbortController();
    aborted.abort();
    await expect(model.applyAsync(scores, { signal: aborted.signal })).rejects.toBeInstanceOf(AbortError);
    // Long enough to need several time slices, so the abort lands between two of them.
    const long = smoothedErrors(9, 300_000, []);
    const controller = new AbortController();
    const pending = model.applyAsync(long, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toThrow('thresholding was aborted');
  });
});

describe('dynamic threshold, streaming form', () => {
  it('starts from the calibration tail, flags a spike at once, re-chooses epsilon every batch', () => {
    const rng = new Xoshiro128(9);
    const noise = () => 1 + 0.1 * gaussian(rng);
    const calibration = Array.from({ length: 800 }, noise);
    const spec = { method: 'dynamic', window: 500, batch: 50, buffer: 10 } as const;
    const model = fitThreshold(spec, calibration) as DynamicThreshold;
    const tail = calibration.slice(-500);
    const mean = tail.reduce((a, b) => a + b, 0) / 500;
    const std = Math.sqrt(tail.reduce((a, v) => a + (v - mean) ** 2, 0) / 500);
    expect(model.current).toBeCloseTo(mean + referenceZ(tail, 10) * std, 10);

    const first = model.current;
    const streamed = Array.from({ length: 49 }, () => Math.min(noise(), 1.2));
    const decisions = streamed.map((score) => model.update(score));
    expect(decisions.every((d) => d.flag === 0 && d.threshold === first)).toBe(true);
    expect(model.update(5)).toEqual({ threshold: first, flag: 1 });
    // The 50th score completed a batch: epsilon was re-chosen on the newest 500 scores.
    const history = [...tail, ...streamed, 5].slice(-500);
    const m = history.reduce((a, b) => a + b, 0) / 500;
    const sd = Math.sqrt(history.reduce((a, v) => a + (v - m) ** 2, 0) / 500);
    expect(model.current).toBeCloseTo(m + referenceZ(history, 10) * sd, 10);
    expect(model.current).not.toBe(first);
  });

  it('without calibration it waits for one batch of history', () => {
    const model = fitThreshold({ method: 'dynamic', window: 100, batch: 10 });
    expect(model.current).toBeNull();
    for (let i = 0; i < 9; i++) expect(model.update(i % 3)).toEqual({ threshold: Infinity, flag: 0 });
    model.update(1);
    expect(model.current).not.toBeNull();
  });

  it('continues identically after a JSON round trip', () => {
    const rng = new Xoshiro128(10);
    const model = fitThreshold(
      { method: 'dynamic', window: 300, batch: 30, inverse: true },
      Array.from({ length: 400 }, () => rng.nextFloat()),
    );
    for (let i = 0; i < 77; i++) model.update(rng.nextFloat());
    const restored = thresholdFromJSON(JSON.parse(JSON.stringify(model)));
    expect(restored.current).toBe(model.current);
    for (let i = 0; i < 200; i++) {
      const s = i % 50 === 0 ? 3 : rng.nextFloat();
      expect(restored.update(s)).toEqual(model.update(s));
    }
  });
});

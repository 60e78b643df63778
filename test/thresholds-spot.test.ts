import { describe, expect, it } from 'vitest';
import { InvalidDataError } from '../src/core/errors.js';
import { fitThreshold, SpotThreshold, thresholdFromJSON } from '../src/thresholds/index.js';
import { Xoshiro128 } from '../src/core/prng.js';

function exponentialStream(rng: Xoshiro128, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => -Math.log1p(-rng.nextFloat()));
}

function gaussian(rng: Xoshiro128): number {
  return Math.sqrt(-2 * Math.log(1 - rng.nextFloat())) * Math.cos(2 * Math.PI * rng.nextFloat());
}

function sum(flags: Uint8Array): number {
  return flags.reduce((a, b) => a + b, 0);
}

describe('SPOT', () => {
  it('keeps the false-alarm rate near q on a stationary stream', () => {
    const q = 1e-3;
    let alarms = 0;
    let scored = 0;
    for (const seed of [1, 2, 3]) {
      const rng = new Xoshiro128(seed);
      const model = fitThreshold({ method: 'spot', q, level: 0.98 }, exponentialStream(rng, 20_000));
      const stream = exponentialStream(rng, 50_000);
      alarms += sum(model.apply(stream).flags);
      scored += stream.length;
    }
    // Expected 150 false alarms over 150,000 scores; binomial sd ~12, threshold estimation error dominates.
    const rate = alarms / scored;
    expect(rate).toBeGreaterThan(0.5 * q);
    expect(rate).toBeLessThan(1.6 * q);
  });

  it('learns from peaks: its threshold converges towards the true quantile as the stream goes on', () => {
    const truth = -Math.log(1e-3);
    const seeds = [40, 41, 42, 43];
    let squaredBefore = 0;
    let squaredAfter = 0;
    for (const seed of seeds) {
      const rng = new Xoshiro128(seed);
      // A small calibration set (100 peaks) leaves the first estimate rough; the stream's peaks refine it.
      const model = fitThreshold(
        { method: 'spot', q: 1e-3, level: 0.98 },
        exponentialStream(rng, 5_000),
      ) as SpotThreshold;
      squaredBefore += (model.current - truth) ** 2;
      for (const score of exponentialStream(rng, 100_000)) model.update(score);
      expect(model.tail.peaks).toBeGreaterThan(1000);
      squaredAfter += (model.current - truth) ** 2;
    }
    // Over several streams, since one estimate from ~1100 peaks still has a standard error near 0.15.
    const rmsBefore = Math.sqrt(squaredBefore / seeds.length);
    const rmsAfter = Math.sqrt(squaredAfter / seeds.length);
    expect(rmsAfter).toBeLessThan(Math.min(0.25, 0.75 * rmsBefore));
  });

  it('flags injected spikes and does not learn from them', () => {
    const rng = new Xoshiro128(7);
    const calibration = exponentialStream(rng, 10_000);
    const stream = exponentialStream(rng, 20_000);
    // Spikes far beyond the 1e-3 quantile (6.9) inserted before these positions of the clean stream.
    const before = new Set([1000, 5000, 12_345, 19_999]);
    const spiked: number[] = [];
    const isSpike: boolean[] = [];
    stream.forEach((score, i) => {
      if (before.has(i)) {
        for (let k = 0; k < 3; k++) {
          spiked.push(25 + k);
          isSpike.push(true);
        }
      }
      spiked.push(score);
      isSpike.push(false);
    });
    const spec = { method: 'spot', q: 1e-3, level: 0.98 } as const;
    const clean = fitThreshold(spec, calibration).apply(stream);
    const dirty = fitThreshold(spec, calibration).apply(spiked);
    const cleanThresholds = clean.threshold as Float32Array;
    const dirtyThresholds = dirty.threshold as Float32Array;
    let i = 0;
    spiked.forEach((_, j) => {
      if (isSpike[j]) {
        expect(dirty.flags[j]).toBe(1);
        return;
      }
      // Anomalies leave no trace: every other verdict and threshold is what the clean stream gets.
      expect(dirty.flags[j]).toBe(clean.flags[i]);
      expect(dirtyThresholds[j]).toBe(cleanThresholds[i]);
      i++;
    });
  });

  it('apply leaves the model untouched; update moves it; both give the same verdicts', () => {
    const rng = new Xoshiro128(3);
    const model = fitThreshold({ method: 'spot', q: 1e-3 }, exponentialStream(rng, 5000));
    const scores = exponentialStream(rng, 3000);
    const before = JSON.stringify(model);
    const batch = model.apply(scores);
    expect(JSON.stringify(model)).toBe(before);
    const thresholds = batch.threshold as Float32Array;
    scores.forEach((s, i) => {
      const d = model.update(s);
      expect(d.flag).toBe(batch.flags[i]);
      expect(Math.fround(d.threshold)).toBe(thresholds[i]);
    });
    expect(JSON.stringify(model)).not.toBe(before);
  });

  it('continues bit for bit after a JSON round trip, including forgetting old peaks', () => {
    const rng = new Xoshiro128(11);
    const spec = { method: 'spot', q: 1e-3, level: 0.98, maxPeaks: 50 } as const;
    const model = fitThreshold(spec, exponentialStream(rng, 5000));
    for (const s of exponentialStream(rng, 10_000)) model.update(s);
    // maxPeaks caps the calibration peaks (100 found) and, separately, the remembered stream peaks.
    expect((model as SpotThreshold).tail.peaks).toBe(50 + 50);
    const restored = thresholdFromJSON(JSON.parse(JSON.stringify(model)));
    const rest = exponentialStream(rng, 5000);
    const a = model.apply(rest);
    const b = restored.apply(rest);
    expect(Buffer.from(b.flags).equals(Buffer.from(a.flags))).toBe(true);
    expect(
      Buffer.from((b.threshold as Float32Array).buffer).equals(Buffer.from((a.threshold as Float32Array).buffer)),
    ).toBe(true);
  });

  it('clones are independent', () => {
    const rng = new Xoshiro128(12);
    const model = fitThreshold('spot', exponentialStream(rng, 5000));
    const copy = model.clone();
    for (const s of exponentialStream(rng, 2000)) copy.update(s);
    expect(JSON.stringify(copy)).not.toBe(JSON.stringify(model));
    expect(JSON.stringify(model.clone())).toBe(JSON.stringify(model));
  });

  it('applyAsync gives the same result as apply', async () => {
    const rng = new Xoshiro128(13);
    const model = fitThreshold('spot', exponentialStream(rng, 5000));
    const scores = exponentialStream(rng, 20_000);
    const sync = model.apply(scores);
    const async = await model.applyAsync(scores);
    expect(Buffer.from(async.flags).equals(Buffer.from(sync.flags))).toBe(true);
    expect(
      Buffer.from((async.threshold as Float32Array).buffer).equals(
        Buffer.from((sync.threshold as Float32Array).buffer),
      ),
    ).toBe(true);
  });

  it('rejects a non-finite streamed score without changing state', () => {
    const model = fitThreshold('spot', exponentialStream(new Xoshiro128(14), 2000));
    const before = JSON.stringify(model);
    expect(() => model.update(Number.NaN)).toThrow(InvalidDataError);
    expect(() => model.update(Number.NaN)).toThrow('score must be a finite number, got NaN');
    expect(JSON.stringify(model)).toBe(before);
  });
});

describe('DSPOT (drift window)', () => {
  it('follows a drifting baseline that plain SPOT mistakes for anomalies', () => {
    const rng = new Xoshiro128(21);
    const n = 15_000;
    // Gaussian noise around a baseline rising by 8 noise sds over the stream, with a few spikes of +12 sd.
    const series = Float64Array.from({ length: n }, (_, i) => (8 * i) / n + gaussian(rng));
    const spikes = [6000, 9000, 12_000, 14_500];
    for (const i of spikes) series[i] = series[i]! + 12;
    const calibration = series.subarray(0, 3000);
    const rest = series.subarray(3000);
    const q = 1e-3;
    // maxPeaks is kept small because plain SPOT refits on almost every score of a rising stream.
    const spot = fitThreshold({ method: 'spot', q, level: 0.98, maxPeaks: 200 }, calibration).apply(rest);
    const dspot = fitThreshold({ method: 'spot', q, level: 0.98, maxPeaks: 200, depth: 20 }, calibration).apply(rest);
    // Plain SPOT: the last part of the stream sits above any threshold learnt early on.
    expect(sum(spot.flags)).toBeGreaterThan(2000);
    for (const i of spikes) expect(dspot.flags[i - 3000]).toBe(1);
    // DSPOT: the spikes plus about q of 12,000 normal scores.
    expect(sum(dspot.flags)).toBeLessThan(spikes.length + 40);
    // Its threshold rises with the baseline.
    const thresholds = dspot.threshold as Float32Array;
    expect(thresholds[thresholds.length - 1]! - thresholds[0]!).toBeGreaterThan(5);
  });

  it('needs more calibration scores than its depth', () => {
    expect(() => fitThreshold({ method: 'spot', depth: 100 }, new Float64Array(100).fill(1))).toThrow(
      'calibrationScores must hold more than depth = 100 scores for DSPOT, got 100',
    );
  });

  it('round-trips its drift window', () => {
    const rng = new Xoshiro128(22);
    const series = Float64Array.from({ length: 8000 }, (_, i) => i / 1000 + gaussian(rng));
    const model = fitThreshold({ method: 'spot', depth: 15 }, series.subarray(0, 4000));
    for (const s of series.subarray(4000, 6000)) model.update(s);
    const restored = thresholdFromJSON(JSON.parse(JSON.stringify(model)));
    expect(restored.current).toBe(model.current);
    const a = model.apply(series.subarray(6000));
    const b = restored.apply(series.subarray(6000));
    expect(Buffer.from(b.flags).equals(Buffer.from(a.flags))).toBe(true);
  });
});

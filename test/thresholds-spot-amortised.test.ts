/**
 * SPOT spreads each refit over the normal scores after the peak that needs it (PEAKS_PER_STEP
 * peak evaluations per score), so no single update pays for a whole fit. Latency figures come
 * from bench/spot-latency.ts; these tests pin the schedule and its persistence.
 */
import { describe, expect, it } from 'vitest';
import { fitThreshold, SpotThreshold, thresholdFromJSON, type SpotThresholdState } from '../src/thresholds/index.js';
import { PEAKS_PER_STEP } from '../src/thresholds/truncated-gpd.js';
import { Xoshiro128 } from '../src/core/prng.js';

function calibrated(seed: number): { model: SpotThreshold; next: () => number } {
  const rng = new Xoshiro128(seed);
  const next = (): number => -Math.log1p(-rng.nextFloat());
  const model = fitThreshold(
    { method: 'spot', q: 1e-3, level: 0.98 },
    Float64Array.from({ length: 20_000 }, next),
  ) as SpotThreshold;
  return { model, next };
}

const stateOf = (model: SpotThreshold): SpotThresholdState['state'] => (model.toJSON() as SpotThresholdState).state;

/** Feeds scores until the model starts a refit; returns the scores fed. */
function untilRefitStarts(model: SpotThreshold, next: () => number): number[] {
  const fed: number[] = [];
  while (stateOf(model).refitSteps === null) {
    const score = next();
    fed.push(score);
    model.update(score);
  }
  return fed;
}

describe('SPOT refits spread over the stream', () => {
  it('moves z_q only after the refit has taken one step per normal score, each of at most PEAKS_PER_STEP peaks', () => {
    const { model, next } = calibrated(5);
    untilRefitStarts(model, next);
    const peaks = model.tail.peaks;
    const z = model.tail.threshold;
    let steps = stateOf(model).refitSteps!;
    expect(steps).toBe(1);
    while (stateOf(model).refitSteps !== null) {
      expect(model.tail.threshold).toBe(z);
      model.update(Math.min(next(), 0.5 * z)); // normal, below t or not, never an anomaly
      const now = stateOf(model).refitSteps;
      if (typeof now === 'number' && now > 1) expect(now).toBe(++steps);
    }
    // One evaluation of every peak takes ceil(peaks / PEAKS_PER_STEP) steps; a fit needs several.
    expect(steps).toBeGreaterThanOrEqual(2 * Math.ceil(peaks / PEAKS_PER_STEP));
    expect(model.tail.threshold).not.toBe(z);
  });

  it('does no refit work on anomalies, and holds the peaks accepted meanwhile outside the ring', () => {
    const { model, next } = calibrated(6);
    untilRefitStarts(model, next);
    const before = stateOf(model);
    model.update(1e6);
    expect(stateOf(model)).toEqual(before);
    const t = before.initialThreshold;
    model.update(t + 1e-3); // a peak: excess over t, below z_q
    const after = stateOf(model);
    expect(after.refitSteps).toBe(before.refitSteps! + 1);
    expect(after.pendingPeaks).toHaveLength(before.pendingPeaks!.length + 1);
    expect(after.streamPeaks).toEqual(before.streamPeaks);
  });

  it('continues bit for bit after a JSON round trip or a clone in the middle of a refit', () => {
    const { model, next } = calibrated(7);
    untilRefitStarts(model, next);
    for (let i = 0; i < 20; i++) model.update(next());
    const state = stateOf(model);
    expect(state.refitSteps).toBeGreaterThan(1);
    const restored = thresholdFromJSON(JSON.parse(JSON.stringify(model.toJSON()))) as SpotThreshold;
    const copy = model.clone();
    const stream = Float64Array.from({ length: 30_000 }, next);
    const a = model.apply(stream);
    for (const other of [restored, copy]) {
      const b = other.apply(stream);
      expect(Buffer.from(b.flags).equals(Buffer.from(a.flags))).toBe(true);
      expect(
        Buffer.from((b.threshold as Float32Array).buffer).equals(Buffer.from((a.threshold as Float32Array).buffer)),
      ).toBe(true);
    }
  });

  it('rejects a saved refit step count beyond the refit it names, after a bounded replay', () => {
    const { model, next } = calibrated(8);
    untilRefitStarts(model, next);
    const json = model.toJSON() as SpotThresholdState;
    json.state.refitSteps = 1e9;
    const began = performance.now();
    expect(() => thresholdFromJSON(json)).toThrow(/refitSteps \(1000000000\) is more than the refit it names takes/);
    expect(performance.now() - began).toBeLessThan(2000);
  });
});

import { describe, expect, it } from 'vitest';
import { fitThreshold, type SpotThreshold } from '../src/thresholds/index.js';
import { Xoshiro128 } from '../src/core/prng.js';

function exponentialStream(rng: Xoshiro128, n: number, scale: number): Float64Array {
  return Float64Array.from({ length: n }, () => -scale * Math.log1p(-rng.nextFloat()));
}

/**
 * A growing anomaly that enters from inside the normal tail, as on NAB machine temperature before
 * the February failure: each score sits a little above the last and, at first, just under z_q.
 * The calibration scores are at half the stream's scale, as when a detector calibrates on
 * validation errors smaller than the errors it meets later, so the stream has to raise z_q first.
 */
function rampAfterWarmUp(seed: number) {
  const rng = new Xoshiro128(seed);
  const model = fitThreshold(
    { method: 'spot', q: 1e-3, level: 0.98 },
    exponentialStream(rng, 2000, 1),
  ) as SpotThreshold;
  for (const score of exponentialStream(rng, 9000, 2)) model.update(score);
  const settled = model.current;
  // 0.2 of the stream's scale per row, about the pace of the NAB failure's ramp in its own units.
  const ramp = Float64Array.from({ length: 300 }, (_, i) => 0.8 * settled + 0.4 * i + 0.1 * rng.nextFloat());
  const decisions = Array.from(ramp, (score) => model.update(score));
  return { settled, ramp, decisions };
}

describe('SPOT on a slowly growing anomaly', () => {
  it('has learnt the stream level before the ramp: the 1e-3 quantile of Exp(scale 2) is 2 ln 1000 = 13.8', () => {
    for (const seed of [61, 62]) {
      const { settled } = rampAfterWarmUp(seed);
      expect(Math.abs(settled - 2 * Math.log(1000))).toBeLessThan(1.5);
    }
  });

  it('is not dragged up by the ramp and flags it once it clears the stationary threshold', () => {
    for (const seed of [61, 62]) {
      const { settled, ramp, decisions } = rampAfterWarmUp(seed);
      const highest = Math.max(...decisions.map((d) => d.threshold));
      // Before the guards the threshold reached 2e6 here; the ramp's first rows may still teach it a little.
      expect(highest).toBeLessThan(1.25 * settled);
      let above = 0;
      ramp.forEach((score, i) => {
        if (score > 1.25 * settled) {
          above++;
          expect(decisions[i]!.flag).toBe(1);
        }
      });
      expect(above).toBeGreaterThan(250);
    }
  });
});

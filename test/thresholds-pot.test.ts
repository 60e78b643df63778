import { describe, expect, it } from 'vitest';
import { InvalidDataError } from '../src/core/errors.js';
import { FixedThreshold, fitThreshold, tailQuantile, thresholdFromJSON } from '../src/thresholds/index.js';
import { Xoshiro128 } from '../src/core/prng.js';

function exponentialSample(seed: number, n: number, lambda: number): Float64Array {
  const rng = new Xoshiro128(seed);
  return Float64Array.from({ length: n }, () => -Math.log1p(-rng.nextFloat()) / lambda);
}

/** Pareto(alpha, xm): P(X > x) = (xm / x)^alpha for x >= xm. */
function paretoSample(seed: number, n: number, alpha: number, xm: number): Float64Array {
  const rng = new Xoshiro128(seed);
  return Float64Array.from({ length: n }, () => xm * Math.pow(1 - rng.nextFloat(), -1 / alpha));
}

describe('tailQuantile (Siffer et al. 2017, eq. 1)', () => {
  it('matches hand-computed values', () => {
    // q n / Nt = 0.01 * 1000 / 50 = 0.2; 0.2^-0.5 = 2.2360679775; z = 1 + (2 / 0.5) * 1.2360679775.
    expect(tailQuantile(1, { gamma: 0.5, sigma: 2 }, 0.01, 1000, 50)).toBeCloseTo(5.94427191, 8);
    // gamma = 0: z = t - sigma ln(0.2) = 1 + 2 * 1.6094379124.
    expect(tailQuantile(1, { gamma: 0, sigma: 2 }, 0.01, 1000, 50)).toBeCloseTo(4.218875825, 8);
    // gamma = -0.5: z = 1 + (2 / -0.5) * (0.2^0.5 - 1) = 1 + 4 * (1 - 0.4472135955).
    expect(tailQuantile(1, { gamma: -0.5, sigma: 2 }, 0.01, 1000, 50)).toBeCloseTo(3.211145618, 8);
  });

  it('is continuous through gamma = 0', () => {
    const atZero = tailQuantile(0, { gamma: 0, sigma: 1 }, 1e-4, 10_000, 100);
    expect(tailQuantile(0, { gamma: 1e-9, sigma: 1 }, 1e-4, 10_000, 100)).toBeCloseTo(atZero, 6);
    expect(tailQuantile(0, { gamma: -1e-9, sigma: 1 }, 1e-4, 10_000, 100)).toBeCloseTo(atZero, 6);
  });

  it('never goes below t when the risk exceeds the observed share of peaks', () => {
    expect(tailQuantile(3, { gamma: 0.2, sigma: 1 }, 0.5, 100, 10)).toBe(3);
  });
});

describe('POT threshold on samples with a known tail', () => {
  it.each([1, 2, 3])('exponential (gamma = 0): z_q within 5%% of -ln(q) / lambda (seed %d)', (seed) => {
    const lambda = 2;
    const q = 1e-3;
    const model = fitThreshold({ method: 'pot', q, level: 0.98 }, exponentialSample(seed, 50_000, lambda));
    const truth = -Math.log(q) / lambda;
    expect(Math.abs(model.current! / truth - 1)).toBeLessThan(0.05);
    const tail = (model as FixedThreshold).calibration.tail!;
    expect(tail.peaks).toBe(1000);
    // t is the 0.98 quantile: -ln(0.02) / lambda.
    expect(tail.initialThreshold).toBeCloseTo(-Math.log(0.02) / lambda, 1);
    expect(Math.abs(tail.gamma)).toBeLessThan(0.1);
    expect(tail.sigma).toBeCloseTo(1 / lambda, 1);
  });

  it.each([4, 5, 6])('Pareto alpha = 3 (gamma = 1/3): z_q within 5%% of xm q^(-1/alpha) (seed %d)', (seed) => {
    const q = 1e-3;
    const model = fitThreshold({ method: 'pot', q, level: 0.98 }, paretoSample(seed, 50_000, 3, 1));
    const truth = Math.pow(q, -1 / 3);
    expect(Math.abs(model.current! / truth - 1)).toBeLessThan(0.05);
    const tail = (model as FixedThreshold).calibration.tail!;
    expect(tail.gamma).toBeGreaterThan(1 / 3 - 0.1);
    expect(tail.gamma).toBeLessThan(1 / 3 + 0.1);
    // Excesses of a Pareto over t are GPD with sigma = t / alpha.
    expect(tail.sigma / (tail.initialThreshold / 3)).toBeGreaterThan(0.9);
    expect(tail.sigma / (tail.initialThreshold / 3)).toBeLessThan(1.1);
  });

  it('uniform scores (bounded tail, gamma = -1) stay below the end point', () => {
    const rng = new Xoshiro128(8);
    const scores = Float64Array.from({ length: 20_000 }, () => rng.nextFloat());
    const model = fitThreshold({ method: 'pot', q: 1e-3, level: 0.95 }, scores);
    // True 0.999 quantile is 0.999; the fitted bounded tail cannot pass the end point 1 by much.
    expect(model.current!).toBeGreaterThan(0.99);
    expect(model.current!).toBeLessThan(1.002);
    expect((model as FixedThreshold).calibration.tail!.gamma).toBeLessThan(-0.5);
  });

  it('flags roughly a share q of fresh scores from the same law', () => {
    const q = 2e-3;
    const model = fitThreshold({ method: 'pot', q, level: 0.98 }, exponentialSample(21, 50_000, 1));
    const fresh = exponentialSample(22, 200_000, 1);
    const flagged = model.apply(fresh).flags.reduce((a, b) => a + b, 0);
    // Expect 400; the threshold's own estimation error dominates the binomial noise.
    expect(flagged).toBeGreaterThan(250);
    expect(flagged).toBeLessThan(600);
  });

  it('falls back to an exponential tail with fewer than 10 peaks', () => {
    const model = fitThreshold({ method: 'pot', q: 1e-3, level: 0.98 }, exponentialSample(3, 300, 1)) as FixedThreshold;
    expect(model.calibration.tail!.peaks).toBe(6);
    expect(model.calibration.tail!.shapeEstimated).toBe(false);
    expect(model.calibration.tail!.gamma).toBe(0);
  });

  it('refuses calibration scores with nothing above the level quantile', () => {
    expect(() => fitThreshold('pot', new Float32Array(500))).toThrow(InvalidDataError);
    expect(() => fitThreshold('pot', new Float32Array(500))).toThrow(/no score above its 0\.98 quantile/);
  });

  it('round-trips through JSON with its tail summary', () => {
    const model = fitThreshold('pot', paretoSample(30, 5000, 2, 1));
    const json = JSON.parse(JSON.stringify(model));
    const restored = thresholdFromJSON(json) as FixedThreshold;
    expect(restored.current).toBe(model.current);
    expect(restored.calibration).toEqual((model as FixedThreshold).calibration);
  });
});

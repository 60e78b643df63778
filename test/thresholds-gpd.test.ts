import { describe, expect, it } from 'vitest';
import { fitGpd, gpdLogLikelihood, MIN_EXCESSES_FOR_SHAPE } from '../src/thresholds/index.js';
import {
  fitTruncatedGpd,
  fitTruncatedTail,
  GAMMA_MAX,
  truncatedGpdLogLikelihood,
} from '../src/thresholds/truncated-gpd.js';
import { Xoshiro128 } from '../src/core/prng.js';

/** Inverse-CDF draws from GPD(gamma, sigma). */
function gpdSample(rng: Xoshiro128, n: number, gamma: number, sigma: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng.nextFloat();
    out[i] = gamma === 0 ? -sigma * Math.log1p(-u) : (sigma / gamma) * (Math.pow(1 - u, -gamma) - 1);
  }
  return out;
}

/** Independent reference: maximise the likelihood by brute force on a coarse grid, then a fine one. */
function bruteForceMle(y: Float64Array): { gamma: number; sigma: number; logLikelihood: number } {
  let best = { gamma: 0, sigma: 1, logLikelihood: -Infinity };
  const search = (g0: number, g1: number, gs: number, l0: number, l1: number, ls: number): void => {
    for (let g = g0; g <= g1; g += gs) {
      for (let l = l0; l <= l1; l += ls) {
        const ll = gpdLogLikelihood(y, g, Math.exp(l));
        if (ll > best.logLikelihood) best = { gamma: g, sigma: Math.exp(l), logLikelihood: ll };
      }
    }
  };
  search(-0.9, 1.5, 0.02, -3, 3, 0.02);
  const { gamma, sigma } = best;
  search(gamma - 0.02, gamma + 0.02, 0.0005, Math.log(sigma) - 0.02, Math.log(sigma) + 0.02, 0.0005);
  return best;
}

/** Draws excesses that were only kept when below a random bound, as SPOT keeps peaks below z_q. */
function truncatedSample(rng: Xoshiro128, n: number, gamma: number, sigma: number) {
  const y = new Float64Array(n);
  const bounds = new Float64Array(n);
  for (let k = 0; k < n;) {
    const [v] = gpdSample(rng, 1, gamma, sigma);
    const bound = k % 4 === 0 ? Infinity : sigma * (2 + 2 * rng.nextFloat());
    if (v! <= bound) {
      y[k] = v!;
      bounds[k] = bound;
      k++;
    }
  }
  return { y, bounds };
}

describe('generalized Pareto maximum likelihood (Grimshaw)', () => {
  it.each([
    [0.3, 1.5],
    [0, 1],
    [-0.25, 2],
    [0.8, 0.5],
    [-0.6, 3],
  ])('recovers gamma = %d, sigma = %d from 20,000 draws', (gamma, sigma) => {
    const y = gpdSample(new Xoshiro128(1000 + Math.round(gamma * 100)), 20_000, gamma, sigma);
    const fit = fitGpd(y);
    // Asymptotic standard errors are about (1 + gamma) / sqrt(n) ~ 0.007-0.013 for gamma; allow ~3 of them.
    expect(Math.abs(fit.gamma - gamma)).toBeLessThan(0.04);
    expect(Math.abs(fit.sigma / sigma - 1)).toBeLessThan(0.04);
    expect(fit.shapeEstimated).toBe(true);
    expect(fit.logLikelihood).toBeCloseTo(gpdLogLikelihood(y, fit.gamma, fit.sigma), 6);
  });

  it('matches a brute-force maximisation of the likelihood on a small sample', () => {
    for (const [gamma, seed] of [
      [0.2, 1],
      [-0.3, 2],
      [0.05, 3],
    ] as const) {
      const y = gpdSample(new Xoshiro128(seed), 300, gamma, 1);
      const fit = fitGpd(y);
      const reference = bruteForceMle(y);
      expect(fit.gamma).toBeCloseTo(reference.gamma, 2);
      expect(fit.sigma).toBeCloseTo(reference.sigma, 2);
      // The fit is at least as likely as the best grid point (it is the exact maximum).
      expect(fit.logLikelihood).toBeGreaterThanOrEqual(reference.logLikelihood - 1e-9);
    }
  });

  it('sits at a stationary point: both partial derivatives vanish (central differences)', () => {
    const y = gpdSample(new Xoshiro128(9), 2000, 0.15, 2);
    const { gamma, sigma } = fitGpd(y);
    const h = 1e-6;
    const dGamma = (gpdLogLikelihood(y, gamma + h, sigma) - gpdLogLikelihood(y, gamma - h, sigma)) / (2 * h);
    const dSigma = (gpdLogLikelihood(y, gamma, sigma + h) - gpdLogLikelihood(y, gamma, sigma - h)) / (2 * h);
    expect(Math.abs(dGamma)).toBeLessThan(1e-3);
    expect(Math.abs(dSigma)).toBeLessThan(1e-3);
  });

  it('falls back to the exponential MLE (sigma = mean excess) below the minimum number of excesses', () => {
    expect(MIN_EXCESSES_FOR_SHAPE).toBe(10);
    const fit = fitGpd(Float64Array.from([1, 2, 3, 4, 5]));
    expect(fit).toMatchObject({ gamma: 0, sigma: 3, shapeEstimated: false });
    expect(fit.logLikelihood).toBeCloseTo(-5 * Math.log(3) - 5, 12);
  });

  it('returns the exponential fit for identical excesses (no interior root exists)', () => {
    const fit = fitGpd(new Float64Array(20).fill(0.5));
    expect(fit).toMatchObject({ gamma: 0, sigma: 0.5 });
  });

  it('on exponential draws finds gamma near 0 and beats the exponential fit only marginally', () => {
    const y = gpdSample(new Xoshiro128(77), 5000, 0, 2);
    const fit = fitGpd(y);
    const exponential = gpdLogLikelihood(y, 0, y.reduce((a, b) => a + b, 0) / y.length);
    expect(Math.abs(fit.gamma)).toBeLessThan(0.05);
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(exponential);
    // Twice the log-likelihood gain of one extra parameter stays in chi-square(1) territory.
    expect(2 * (fit.logLikelihood - exponential)).toBeLessThan(10);
  });
});

describe('truncated generalized Pareto fit (SPOT refits)', () => {
  it('analytic gradient and Hessian agree with central differences', () => {
    const { y, bounds } = truncatedSample(new Xoshiro128(4), 3000, 0.1, 1);
    for (const [gamma, logSigma] of [
      [0.1, 0.05],
      [0.4, -0.2],
      [-0.1, 0.1],
      [0.002, 0],
    ] as const) {
      const at = (g: number, s: number) => truncatedGpdLogLikelihood(y, bounds, y.length, g, s);
      const e = at(gamma, logSigma);
      const h = 1e-5;
      const numeric = [
        (at(gamma + h, logSigma).logLikelihood - at(gamma - h, logSigma).logLikelihood) / (2 * h),
        (at(gamma, logSigma + h).logLikelihood - at(gamma, logSigma - h).logLikelihood) / (2 * h),
      ];
      const hessian = [
        (at(gamma + h, logSigma).gradient[0] - at(gamma - h, logSigma).gradient[0]) / (2 * h),
        (at(gamma, logSigma + h).gradient[0] - at(gamma, logSigma - h).gradient[0]) / (2 * h),
        (at(gamma, logSigma + h).gradient[1] - at(gamma, logSigma - h).gradient[1]) / (2 * h),
      ];
      const scale = Math.abs(e.hessian[0]) + Math.abs(e.hessian[2]);
      expect(Math.abs(e.gradient[0] - numeric[0]!)).toBeLessThan(1e-5 * scale);
      expect(Math.abs(e.gradient[1] - numeric[1]!)).toBeLessThan(1e-5 * scale);
      for (let k = 0; k < 3; k++) expect(Math.abs(e.hessian[k]! - hessian[k]!)).toBeLessThan(1e-5 * scale);
    }
  });

  it('with no finite bound it is the plain likelihood and lands on the Grimshaw fit', () => {
    const y = gpdSample(new Xoshiro128(12), 5000, 0.25, 1.2);
    const bounds = new Float64Array(y.length).fill(Infinity);
    const plain = fitGpd(y);
    expect(truncatedGpdLogLikelihood(y, bounds, y.length, 0.3, Math.log(1.1)).logLikelihood).toBeCloseTo(
      gpdLogLikelihood(y, 0.3, 1.1),
      8,
    );
    const refined = fitTruncatedGpd(y, bounds, y.length, { gamma: 0, sigma: 1 });
    expect(refined.gamma).toBeCloseTo(plain.gamma, 6);
    expect(refined.sigma).toBeCloseTo(plain.sigma, 6);
  });

  it('recovers the true tail from truncated peaks where the plain fit is biased light', () => {
    for (const [gamma, sigma, seed] of [
      [0, 1, 5],
      [0.3, 2, 6],
    ] as const) {
      const { y, bounds } = truncatedSample(new Xoshiro128(seed), 20_000, gamma, sigma);
      const plain = fitGpd(y);
      const truncated = fitTruncatedGpd(y, bounds, y.length, plain);
      expect(plain.gamma).toBeLessThan(gamma - 0.05);
      expect(Math.abs(truncated.gamma - gamma)).toBeLessThan(0.04);
      expect(Math.abs(truncated.sigma / sigma - 1)).toBeLessThan(0.04);
    }
  });
});

describe('truncated fit: bounded shape, fixed shape, exponential unless shown otherwise', () => {
  it('stops at gamma = GAMMA_MAX on a heavier tail, with the scale that is best at that shape', () => {
    const y = gpdSample(new Xoshiro128(71), 5000, 0.9, 1);
    const bounds = new Float64Array(y.length).fill(Infinity);
    expect(fitGpd(y).gamma).toBeGreaterThan(0.8);
    const fit = fitTruncatedGpd(y, bounds, y.length, { gamma: 0.2, sigma: 1 });
    expect(fit.gamma).toBe(GAMMA_MAX);
    // Reference: golden-section search of the plain likelihood over ln sigma at gamma = GAMMA_MAX.
    let a = -3;
    let b = 3;
    const ratio = (Math.sqrt(5) - 1) / 2;
    while (b - a > 1e-9) {
      const c = b - ratio * (b - a);
      const d = a + ratio * (b - a);
      if (gpdLogLikelihood(y, GAMMA_MAX, Math.exp(c)) > gpdLogLikelihood(y, GAMMA_MAX, Math.exp(d))) b = d;
      else a = c;
    }
    expect(fit.sigma).toBeCloseTo(Math.exp((a + b) / 2), 5);
    expect(fit.logLikelihood).toBeCloseTo(gpdLogLikelihood(y, fit.gamma, fit.sigma), 6);
  });

  it('with the shape fixed at 0 and no finite bound, the scale is the mean excess', () => {
    const y = gpdSample(new Xoshiro128(72), 3000, 0.2, 1.5);
    const bounds = new Float64Array(y.length).fill(Infinity);
    const fit = fitTruncatedGpd(y, bounds, y.length, { gamma: 0.2, sigma: 1 }, 0);
    expect(fit.gamma).toBe(0);
    // To about 1e-6 relative: the likelihood is evaluated at |gamma| >= 1e-6 (GAMMA_FLOOR).
    expect(fit.sigma).toBeCloseTo(y.reduce((s, v) => s + v, 0) / y.length, 5);
  });

  it('keeps the exponential tail on exponential peaks about 95% of the time, as its 5% test promises', () => {
    let shaped = 0;
    for (let seed = 0; seed < 40; seed++) {
      const { y, bounds } = truncatedSample(new Xoshiro128(500 + seed), 2000, 0, 1);
      const fit = fitTruncatedTail(y, bounds, y.length, fitGpd(y));
      if (fit.gamma !== 0) shaped++;
      else expect(Math.abs(fit.sigma - 1)).toBeLessThan(0.1);
    }
    // Binomial(40, 0.05): mean 2, P(more than 7) < 0.001.
    expect(shaped).toBeLessThanOrEqual(7);
  });

  it('takes the shape when the peaks show it', () => {
    for (const [gamma, seed] of [
      [0.3, 73],
      [-0.3, 74],
    ] as const) {
      const { y, bounds } = truncatedSample(new Xoshiro128(seed), 20_000, gamma, 1);
      const fit = fitTruncatedTail(y, bounds, y.length, fitGpd(y));
      expect(Math.abs(fit.gamma - gamma)).toBeLessThan(0.04);
      expect(Math.abs(fit.sigma - 1)).toBeLessThan(0.04);
    }
  });
});

describe('truncated fit from an infeasible start', () => {
  it('moves a start below gamma = -1 or short of the largest peak to a feasible point and refines it', () => {
    const rng = new Xoshiro128(31);
    const y = gpdSample(rng, 5000, -0.4, 1);
    const bounds = new Float64Array(y.length).fill(Infinity);
    const plain = fitGpd(y);
    for (const start of [
      { gamma: -1.5, sigma: 1 },
      { gamma: -0.5, sigma: 0.1 },
    ]) {
      const fit = fitTruncatedGpd(y, bounds, y.length, start);
      expect(fit.gamma).toBeCloseTo(plain.gamma, 5);
      expect(fit.sigma).toBeCloseTo(plain.sigma, 5);
    }
  });
});

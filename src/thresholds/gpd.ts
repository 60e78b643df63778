/**
 * Maximum-likelihood fit of a generalized Pareto distribution (GPD) to threshold excesses,
 * P(Y > y) = (1 + gamma * y / sigma)^(-1 / gamma), with the exponential law exp(-y / sigma) as the
 * gamma = 0 member.
 *
 * The two-parameter likelihood is reduced to one dimension with Grimshaw's (1993) substitution
 * x = gamma / sigma: every interior stationary point satisfies u(x) * v(x) = 1 with
 *   u(x) = mean(1 / (1 + x * Y)),   v(x) = 1 + mean(ln(1 + x * Y)),
 * and then gamma = v(x) - 1, sigma = gamma / x. Roots lie in (-1 / max Y, 0) or in
 * (0, 2 * (mean Y - min Y) / (min Y)^2). We bracket them on a grid that is dense near both ends
 * of each interval, refine each bracket, and keep whichever root, or the exponential fit, has
 * the highest likelihood. That covers heavy tails (gamma > 0), bounded tails (gamma < 0) and the
 * light exponential tail without a general-purpose optimiser.
 */

export interface GpdFit {
  /** Shape (often written xi). Positive: heavy tail; zero: exponential; negative: bounded tail. */
  gamma: number;
  /** Scale, always > 0. */
  sigma: number;
  logLikelihood: number;
  /**
   * False when there were too few excesses to estimate a shape and the exponential tail was
   * fitted instead (its one parameter, the mean excess, is still a maximum-likelihood estimate).
   */
  shapeEstimated: boolean;
}

/**
 * Below this many excesses the shape estimate is mostly noise (its standard error is about
 * (1 + gamma) / sqrt(n)), so the exponential tail is the safer extrapolation.
 */
export const MIN_EXCESSES_FOR_SHAPE = 10;

/** Roots closer to zero than this (in units of x * max Y) are indistinguishable from the exponential fit. */
const NEAR_ZERO = 1e-6;
const GRID_LOGIT_LIMIT = 14;
const GRID_LOGIT_STEP = 0.5;
const POSITIVE_POINTS_PER_DECADE = 6;
const MAX_POSITIVE_GRID = 120;

interface GrimshawValue {
  /** u(x) * v(x) - 1 */
  w: number;
  /** v(x) - 1, i.e. the shape gamma implied by x */
  gamma: number;
}

function grimshaw(excesses: Float64Array, count: number, x: number): GrimshawValue {
  let inverseSum = 0;
  let logSum = 0;
  for (let i = 0; i < count; i++) {
    const z = x * excesses[i]!;
    inverseSum += 1 / (1 + z);
    logSum += Math.log1p(z);
  }
  const u = inverseSum / count;
  const gamma = logSum / count;
  return { w: u * (1 + gamma) - 1, gamma };
}

/**
 * Log-likelihood of excesses under GPD(gamma, sigma); -Infinity when an excess lies beyond the
 * distribution's upper end point (gamma < 0) or sigma is not positive.
 */
export function gpdLogLikelihood(excesses: ArrayLike<number>, gamma: number, sigma: number): number {
  const n = excesses.length;
  if (!(sigma > 0)) return -Infinity;
  if (gamma === 0) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += excesses[i]!;
    return -n * Math.log(sigma) - sum / sigma;
  }
  let logSum = 0;
  for (let i = 0; i < n; i++) {
    const z = (gamma * excesses[i]!) / sigma;
    if (!(z > -1)) return -Infinity;
    logSum += Math.log1p(z);
  }
  return -n * Math.log(sigma) - (1 + 1 / gamma) * logSum;
}

/** Fits a GPD to the first `count` excesses (all > 0). */
export function fitGpd(excesses: Float64Array, count: number = excesses.length): GpdFit {
  let sum = 0;
  let min = Infinity;
  let max = 0;
  for (let i = 0; i < count; i++) {
    const y = excesses[i]!;
    sum += y;
    if (y < min) min = y;
    if (y > max) max = y;
  }
  const mean = sum / count;
  const exponential: GpdFit = {
    gamma: 0,
    sigma: mean,
    logLikelihood: -count * Math.log(mean) - count,
    shapeEstimated: count >= MIN_EXCESSES_FOR_SHAPE,
  };
  if (count < MIN_EXCESSES_FOR_SHAPE || max === min) return exponential;

  const lower = -1 / max;
  const upper = Math.min((2 * (mean - min)) / (min * min), 1e12 / mean);
  let best = exponential;
  const consider = (x: number, value: GrimshawValue): void => {
    const gamma = value.gamma;
    const sigma = gamma / x;
    if (!(sigma > 0) || !Number.isFinite(sigma)) return;
    // At a root, sum ln(1 + x Y) = count * gamma, so the likelihood needs no further pass.
    const logLikelihood = -count * (Math.log(sigma) + gamma + 1);
    if (logLikelihood > best.logLikelihood) {
      best = { gamma, sigma, logLikelihood, shapeEstimated: true };
    }
  };

  for (const grid of [negativeGrid(lower), positiveGrid(max, upper)]) {
    let a = grid[0]!;
    let fa = grimshaw(excesses, count, a);
    for (let k = 1; k < grid.length; k++) {
      const b = grid[k]!;
      const fb = grimshaw(excesses, count, b);
      if (fa.w === 0) consider(a, fa);
      else if (fa.w * fb.w < 0) {
        const root = refineRoot(excesses, count, a, fa.w, b, fb);
        consider(root.x, root.value);
      }
      a = b;
      fa = fb;
    }
    if (fa.w === 0) consider(a, fa);
  }
  return best;
}

/** Points in (lower, 0), evenly spaced in logit(x / lower) so both ends are sampled finely. */
function negativeGrid(lower: number): Float64Array {
  const points: number[] = [];
  for (let t = GRID_LOGIT_LIMIT; t >= -GRID_LOGIT_LIMIT; t -= GRID_LOGIT_STEP) {
    const share = 1 / (1 + Math.exp(-t));
    if (share < 1 && share > NEAR_ZERO) points.push(lower * share);
  }
  return Float64Array.from(points);
}

/** Geometric points from just above zero to the upper bound of the positive roots. */
function positiveGrid(maxExcess: number, upper: number): Float64Array {
  const start = NEAR_ZERO / maxExcess;
  if (!(upper > start)) return new Float64Array(0);
  const decades = Math.log10(upper / start);
  const steps = Math.max(2, Math.min(MAX_POSITIVE_GRID, Math.ceil(decades * POSITIVE_POINTS_PER_DECADE)));
  const grid = new Float64Array(steps + 1);
  for (let k = 0; k <= steps; k++) grid[k] = start * Math.pow(upper / start, k / steps);
  grid[steps] = upper;
  return grid;
}

interface Root {
  x: number;
  value: GrimshawValue;
}

/**
 * Illinois-modified regula falsi on a sign-changing bracket: superlinear on smooth functions,
 * and it never leaves the bracket.
 */
function refineRoot(excesses: Float64Array, count: number, a: number, fa: number, b: number, atB: GrimshawValue): Root {
  let fb = atB.w;
  let x = b;
  let fx = atB;
  for (let iteration = 0; iteration < 100 && Math.abs(b - a) > 1e-13 * Math.abs(b); iteration++) {
    x = (a * fb - b * fa) / (fb - fa);
    if (!(x > Math.min(a, b) && x < Math.max(a, b))) x = (a + b) / 2;
    fx = grimshaw(excesses, count, x);
    if (fx.w === 0) break;
    if (fx.w * fb < 0) {
      a = b;
      fa = fb;
    } else {
      fa /= 2;
    }
    b = x;
    fb = fx.w;
  }
  return { x, value: fx };
}

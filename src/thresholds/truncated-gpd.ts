/**
 * Maximum-likelihood GPD fit to excesses that were each only accepted because they stayed
 * below a bound: SPOT keeps a streamed score as a peak only when it is under the current z_q,
 * so its peaks are a truncated sample. Fitting them with the plain likelihood reads the missing
 * top of the tail as a lighter tail (gamma too low), z_q falls, more of the tail is cut off,
 * and the false-alarm rate creeps above q. Conditioning each peak on its bound,
 *   log L = sum_i [ log f(y_i) - log F(c_i) ],   F(c) = 1 - (1 + gamma * c / sigma)^(-1 / gamma),
 * removes that bias while the scores above z_q (the anomalies) still play no part. Peaks with
 * an infinite bound (calibration peaks) contribute their plain density.
 *
 * The optimiser is Newton's method in (gamma, s = ln sigma) with analytic first and second
 * derivatives (one pass over the peaks per iteration) and step halving so the likelihood never
 * decreases. Started from the previous fit, a streaming refit usually needs a single pass.
 *
 * The shape is kept at or below GAMMA_MAX. Peaks truncated at z_q say next to nothing about the
 * tail above z_q, so a heavier shape is always nearly as likely as the true one, and peaks that
 * crowd just under their bounds (a score creeping upwards) make it the more likely: the refit
 * then raises z_q, the next score lands under it again, and each turn of that loop multiplies
 * z_q - t by (n q / N_t)^(-delta gamma). Above 1/2 the GPD has no variance, which error scores
 * of a fitted model do not plausibly lack, and the cap stops that multiplication; the scale can
 * still follow such peaks, which fitTruncatedTail and the SPOT refit limit further.
 */

/** Shape and scale of a generalized Pareto distribution. */
export interface GpdParameters {
  gamma: number;
  sigma: number;
}

/** Log-likelihood with its gradient and Hessian in (gamma, ln sigma). */
export interface TruncatedEvaluation {
  logLikelihood: number;
  gradient: [number, number];
  /** [d2/dgamma2, d2/dgamma ds, d2/ds2] */
  hessian: [number, number, number];
}

/**
 * Below this |gamma| the 1/gamma terms are evaluated at +-GAMMA_FLOOR: the likelihood is smooth
 * through gamma = 0, and at 1e-6 the cancelling 1/gamma^3 terms still keep about 6 digits.
 */
const GAMMA_FLOOR = 1e-6;
/**
 * Below gamma = -1 the GPD density rises towards its end point and the likelihood grows without
 * bound as the end point approaches the largest peak, so no maximum exists there.
 */
const GAMMA_MIN = -1;
/** Largest shape a refit may return (see the comment at the top). */
export const GAMMA_MAX = 0.5;
/** Where a start at or below GAMMA_MIN is moved to. */
const FEASIBLE_GAMMA = -0.9;
/** Passes over the peaks allowed per fit; a refit that needs more is near the gamma = -1 edge. */
const MAX_EVALUATIONS = 40;
/** Stop once the predicted gain of a Newton step (half the Newton decrement) is below this. */
const GAIN_TOLERANCE = 1e-10;
/** A Newton step predicted to gain less than this is taken without checking the likelihood. */
const TRUSTED_GAIN = 1e-2;

const OUTSIDE: TruncatedEvaluation = { logLikelihood: -Infinity, gradient: [0, 0], hessian: [0, 0, 0] };

/**
 * Peaks evaluated per step of a resumable fit (the *Steps generators yield after each): SPOT
 * advances its refit by one step per score, 1-2 us of work.
 */
export const PEAKS_PER_STEP = 16;

/** A resumable computation: each `next()` does a bounded amount of work; the return value is the result. */
export type FitSteps<T> = Generator<void, T, void>;

/** Runs resumable steps to the end. */
export function finishSteps<T>(steps: FitSteps<T>): T {
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

export function truncatedGpdLogLikelihood(
  excesses: Float64Array,
  bounds: Float64Array,
  count: number,
  gammaValue: number,
  logSigma: number,
): TruncatedEvaluation {
  const evaluation = new PartialEvaluation(excesses, bounds, count, gammaValue, logSigma);
  evaluation.advance(count);
  return evaluation.result();
}

function* truncatedGpdLogLikelihoodSteps(
  excesses: Float64Array,
  bounds: Float64Array,
  count: number,
  gammaValue: number,
  logSigma: number,
): FitSteps<TruncatedEvaluation> {
  const evaluation = new PartialEvaluation(excesses, bounds, count, gammaValue, logSigma);
  while (!evaluation.advance(PEAKS_PER_STEP)) yield;
  return evaluation.result();
}

/**
 * The likelihood sums over the peaks, accumulated a slice at a time. The loop lives in a plain
 * method rather than in the generators above, where V8 optimises it less well (twice as slow).
 */
class PartialEvaluation {
  private readonly gamma: number;
  private readonly sigma: number;
  private readonly g1: number;
  private readonly g2: number;
  private readonly g3: number;
  private next = 0;
  private outside: boolean;
  private ll: number;
  private dg = 0;
  private ds: number;
  private hgg = 0;
  private hgs = 0;
  private hss = 0;

  constructor(
    private readonly excesses: Float64Array,
    private readonly bounds: Float64Array,
    private readonly count: number,
    gammaValue: number,
    logSigma: number,
  ) {
    this.outside = !(gammaValue > GAMMA_MIN);
    this.gamma = Math.abs(gammaValue) < GAMMA_FLOOR ? (gammaValue < 0 ? -GAMMA_FLOOR : GAMMA_FLOOR) : gammaValue;
    this.sigma = Math.exp(logSigma);
    this.g1 = 1 / this.gamma;
    this.g2 = this.g1 * this.g1;
    this.g3 = this.g2 * this.g1;
    this.ll = -count * logSigma;
    this.ds = -count;
  }

  /** Adds up to `peaks` more peaks; true once every peak is in (or the point is outside the domain). */
  advance(peaks: number): boolean {
    if (this.outside) return true;
    const { excesses, bounds, gamma, sigma, g1, g2, g3 } = this;
    const end = Math.min(this.count, this.next + peaks);
    let { ll, dg, ds, hgg, hgs, hss } = this;
    for (let i = this.next; i < end; i++) {
      // Density part, with u = y / sigma, z = 1 + gamma u, L = ln z.
      const u = excesses[i]! / sigma;
      const z = 1 + gamma * u;
      if (!(z > 0)) {
        this.outside = true;
        return true;
      }
      const L = Math.log1p(gamma * u);
      const uz = u / z;
      ll -= (1 + g1) * L;
      dg += L * g2 - (1 + g1) * uz;
      ds += (1 + gamma) * uz;
      hgg += 2 * g2 * uz - 2 * g3 * L + (1 + g1) * uz * uz;
      hgs += uz / z - uz * uz;
      hss -= ((1 + gamma) * uz) / z;

      // Truncation part -ln(1 - S(c)), with v = c / sigma, w = 1 + gamma v, ln S = -ln(w) / gamma.
      const c = bounds[i]!;
      if (c === Infinity) continue;
      const v = c / sigma;
      const w = 1 + gamma * v;
      // Beyond the end point of a bounded tail the bound excludes nothing.
      if (!(w > 0)) continue;
      const Lc = Math.log1p(gamma * v);
      const survival = Math.exp(-Lc * g1);
      if (!(survival < 1)) {
        this.outside = true;
        return true;
      }
      const vw = v / w;
      const odds = survival / (1 - survival);
      const ag = Lc * g2 - g1 * vw;
      const as = vw;
      const curvature = odds / (1 - survival);
      ll -= Math.log1p(-survival);
      dg += odds * ag;
      ds += odds * as;
      hgg += curvature * ag * ag + odds * (2 * g2 * vw - 2 * g3 * Lc + g1 * vw * vw);
      hgs += curvature * ag * as - odds * vw * vw;
      hss += curvature * as * as - (odds * vw) / w;
    }
    this.ll = ll;
    this.dg = dg;
    this.ds = ds;
    this.hgg = hgg;
    this.hgs = hgs;
    this.hss = hss;
    this.next = end;
    return end === this.count;
  }

  result(): TruncatedEvaluation {
    if (this.outside) return OUTSIDE;
    return { logLikelihood: this.ll, gradient: [this.dg, this.ds], hessian: [this.hgg, this.hgs, this.hss] };
  }
}

/** A truncated fit and its log-likelihood (to within TRUSTED_GAIN when the last step was not re-evaluated). */
export interface TruncatedFit extends GpdParameters {
  logLikelihood: number;
}

/**
 * Refines `start` (a plain or earlier fit of nearly the same peaks) to the maximum of the
 * truncated likelihood over GAMMA_MIN < gamma <= GAMMA_MAX, or over sigma alone when
 * `fixedGamma` is given. `bounds[i]` is the largest excess peak i could have had (Infinity: none).
 */
export function fitTruncatedGpd(
  excesses: Float64Array,
  bounds: Float64Array,
  count: number,
  start: GpdParameters,
  fixedGamma?: number,
): TruncatedFit {
  return finishSteps(fitTruncatedGpdSteps(excesses, bounds, count, start, fixedGamma));
}

function* fitTruncatedGpdSteps(
  excesses: Float64Array,
  bounds: Float64Array,
  count: number,
  start: GpdParameters,
  fixedGamma?: number,
): FitSteps<TruncatedFit> {
  const lowest = fixedGamma ?? -Infinity;
  const highest = fixedGamma ?? GAMMA_MAX;
  let gamma = Math.min(Math.max(start.gamma, lowest), highest);
  let logSigma = Math.log(start.sigma);
  let current = yield* truncatedGpdLogLikelihoodSteps(excesses, bounds, count, gamma, logSigma);
  if (!Number.isFinite(current.logLikelihood)) {
    // The start lies below gamma = -1 or ends before the largest peak: move to the nearest
    // feasible point, a bounded tail whose end point clears every peak.
    let largest = 0;
    for (let i = 0; i < count; i++) largest = Math.max(largest, excesses[i]!);
    if (fixedGamma === undefined) gamma = Math.max(gamma, FEASIBLE_GAMMA);
    if (gamma < 0) logSigma = Math.max(logSigma, Math.log(-gamma * largest * 1.01));
    current = yield* truncatedGpdLogLikelihoodSteps(excesses, bounds, count, gamma, logSigma);
    if (!Number.isFinite(current.logLikelihood)) return { ...start, logLikelihood: -Infinity };
  }
  let logLikelihood = current.logLikelihood;
  let evaluations = 1;
  while (evaluations < MAX_EVALUATIONS) {
    const [dg, ds] = current.gradient;
    const [hgg, hgs, hss] = current.hessian;
    let stepGamma = 0;
    let stepLogSigma: number;
    let newton: boolean;
    // With the shape fixed, or at its bound with the likelihood still rising beyond it, only sigma moves.
    const pinned = fixedGamma !== undefined || (gamma >= highest && dg > 0) || (gamma <= lowest && dg < 0);
    if (pinned) {
      newton = hss < 0;
      stepLogSigma = newton ? -ds / hss : ds * Math.min(1, 0.1 / Math.max(Math.abs(ds), 1e-300));
    } else {
      const det = hgg * hss - hgs * hgs;
      newton = hgg < 0 && det > 0;
      if (newton) {
        stepGamma = -(hss * dg - hgs * ds) / det;
        stepLogSigma = -(hgg * ds - hgs * dg) / det;
      } else {
        // Not locally concave: a gradient step no longer than 0.1 in either parameter.
        const scale = Math.min(1, 0.1 / Math.max(Math.abs(dg), Math.abs(ds), 1e-300));
        stepGamma = dg * scale;
        stepLogSigma = ds * scale;
      }
      const room = stepGamma > 0 ? highest - gamma : lowest - gamma;
      if (Math.abs(stepGamma) > Math.abs(room)) {
        // Stop the step at the bound; the quadratic model no longer predicts its gain.
        stepLogSigma *= room / stepGamma;
        stepGamma = room;
        newton = false;
      }
    }
    const predictedGain = (dg * stepGamma + ds * stepLogSigma) / 2;
    if (predictedGain < GAIN_TOLERANCE) break;
    if (newton && predictedGain < TRUSTED_GAIN) {
      // So close to the maximum the quadratic model is exact to far below the estimate's own
      // noise: take the step without another pass over the peaks.
      gamma += stepGamma;
      logSigma += stepLogSigma;
      logLikelihood += predictedGain;
      break;
    }
    let accepted = false;
    for (let shrink = 1; shrink > 1e-6 && evaluations < MAX_EVALUATIONS; shrink /= 2) {
      const nextGamma = Math.min(Math.max(gamma + shrink * stepGamma, lowest), highest);
      const nextLogSigma = logSigma + shrink * stepLogSigma;
      const next = yield* truncatedGpdLogLikelihoodSteps(excesses, bounds, count, nextGamma, nextLogSigma);
      evaluations++;
      if (next.logLikelihood >= current.logLikelihood) {
        gamma = nextGamma;
        logSigma = nextLogSigma;
        current = next;
        logLikelihood = next.logLikelihood;
        accepted = true;
        break;
      }
    }
    if (!accepted) break;
  }
  return { gamma, sigma: Math.exp(logSigma), logLikelihood };
}

/**
 * Twice the log-likelihood gain a free shape must show over the exponential tail before a refit
 * uses it: the 5% point of chi-square with one degree of freedom.
 */
const SHAPE_EVIDENCE = 3.84;

/**
 * The exponential tail (gamma = 0), unless a free shape is significantly more likely. Squared,
 * absolute and Gaussian log-likelihood errors all lie in its domain of attraction, and truncated
 * peaks pin the shape down poorly: a free shape drifts with every peak that lands near its
 * bound, and through (n q / N_t)^(-gamma) it carries z_q with it. Holding the shape at zero until
 * the peaks show otherwise leaves only the scale to follow them, which moves z_q far less.
 */
export function fitTruncatedTail(
  excesses: Float64Array,
  bounds: Float64Array,
  count: number,
  start: GpdParameters,
): GpdParameters {
  return finishSteps(fitTruncatedTailSteps(excesses, bounds, count, start));
}

/** fitTruncatedTail as resumable steps of at most PEAKS_PER_STEP peak evaluations each. */
export function* fitTruncatedTailSteps(
  excesses: Float64Array,
  bounds: Float64Array,
  count: number,
  start: GpdParameters,
): FitSteps<GpdParameters> {
  const free = yield* fitTruncatedGpdSteps(excesses, bounds, count, start);
  const exponential = yield* fitTruncatedGpdSteps(excesses, bounds, count, start, 0);
  const chosen = 2 * (free.logLikelihood - exponential.logLikelihood) > SHAPE_EVIDENCE ? free : exponential;
  return { gamma: chosen.gamma, sigma: chosen.sigma };
}

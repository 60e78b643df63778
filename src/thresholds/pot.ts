import { InvalidDataError } from '../core/errors.js';
import { fitGpd, type GpdFit } from './gpd.js';
import { quantile } from './statistics.js';

/** A generalized Pareto tail above an initial threshold, as POT and SPOT estimate it. */
export interface TailFit {
  /** t: the `level` quantile of the calibration scores. */
  initialThreshold: number;
  /** The excesses over t (score - t > 0), in the order the scores came. */
  excesses: Float64Array;
  /** n: how many scores the tail was estimated from. */
  observations: number;
  gpd: GpdFit;
  /** z_q: the score exceeded with probability q. */
  threshold: number;
}

/**
 * The score exceeded with probability q, given that a share peaks / observations of all scores
 * exceed t and the excesses follow the fitted GPD (Siffer et al. 2017, eq. 1):
 *   z_q = t + sigma / gamma * ((q * n / N_t)^(-gamma) - 1),  z_q = t - sigma * ln(q * n / N_t) at gamma = 0.
 * When q * n / N_t >= 1, t itself is already exceeded less often than q and becomes the threshold.
 */
export function tailQuantile(
  t: number,
  gpd: { gamma: number; sigma: number },
  q: number,
  observations: number,
  peaks: number,
): number {
  const logRatio = Math.log((q * observations) / peaks);
  if (logRatio >= 0) return t;
  if (gpd.gamma === 0) return t - gpd.sigma * logRatio;
  return t + (gpd.sigma * Math.expm1(-gpd.gamma * logRatio)) / gpd.gamma;
}

/** Peaks over threshold on calibration scores (already validated finite). */
export function fitTail(scores: Float64Array, q: number, level: number, name: string): TailFit {
  const t = quantile(scores, level);
  let count = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > t) count++;
  if (count === 0) {
    throw new InvalidDataError(
      `${name} has no score above its ${level} quantile (${t}): a tail cannot be fitted to ` +
        `${scores.length} scores whose top ${Math.round((1 - level) * 1000) / 10}% are all equal; use more varied ` +
        `calibration scores, a lower level, or a 'percentile' or 'ksigma' threshold`,
    );
  }
  const excesses = new Float64Array(count);
  let k = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > t) excesses[k++] = scores[i]! - t;
  const gpd = fitGpd(excesses);
  return {
    initialThreshold: t,
    excesses,
    observations: scores.length,
    gpd,
    threshold: tailQuantile(t, gpd, q, scores.length, count),
  };
}

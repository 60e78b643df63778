/**
 * The score of a Gaussian output head: the negative log-likelihood of each observed feature
 * under the network's predicted mean and variance (the variance floor already included),
 *
 *     nll_f = 0.5 * (log(v_f) + (y_f - mean_f)^2 / v_f) + 0.5 * log(2 pi)
 *
 * and the point's score is their sum, the NLL of the observation under a diagonal Gaussian.
 * Each nll_f is that feature's contribution; it can be negative (a density above 1).
 */
import { InvalidDataError } from '../core/errors.js';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** One feature's NLL. */
export function featureNll(actual: number, mean: number, variance: number): number {
  const d = actual - mean;
  return 0.5 * (Math.log(variance) + (d * d) / variance) + HALF_LOG_2PI;
}

/** Per-feature and per-point NLL of `rows` points of `features` features (row-major). */
export function predictiveNll(
  mean: Float32Array,
  variance: Float32Array,
  actual: Float32Array,
  rows: number,
  features: number,
): { perPoint: Float32Array; perFeature: Float32Array } {
  const perPoint = new Float32Array(rows);
  const perFeature = new Float32Array(rows * features);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let f = 0; f < features; f++) {
      const i = r * features + f;
      const nll = featureNll(actual[i]!, mean[i]!, variance[i]!);
      if (!Number.isFinite(nll)) {
        throw new InvalidDataError(
          `the Gaussian head's NLL at row ${r}, feature ${f} is ${nll} (mean ${mean[i]}, variance ${variance[i]}); did training diverge?`,
        );
      }
      perFeature[i] = nll;
      sum += nll;
    }
    perPoint[r] = sum;
  }
  return { perPoint, perFeature };
}

/**
 * Turns row predictions into anomaly scores: per-feature errors, their mean (or a Gaussian
 * negative log-likelihood of the residual vector), then optional EWMA smoothing. Used for the
 * calibration scores at the end of `fit` and for every `detect`, so both see the same numbers.
 */
import { ewma } from '../scoring/ewma.js';
import type { GaussianErrorModel } from '../scoring/gaussian-error-model.js';
import { predictionErrors, residuals } from '../scoring/prediction-errors.js';
import type { RowPredictions } from './row-predictions.js';

export type ScoreKind = 'absolute' | 'squared' | 'loglik';

export interface ScoreSettings {
  kind: ScoreKind;
  /** EWMA factor; 1 = no smoothing. */
  alpha: number;
  /** Required for 'loglik'. */
  gaussian: GaussianErrorModel | null;
  signal?: AbortSignal;
}

export interface RowScores {
  /** One score per row in [from, to). */
  scores: Float32Array;
  /** (to - from) x features: absolute/squared error of each feature, or its share of the Mahalanobis term (loglik). */
  featureScores: Float32Array;
}

/** Signed residuals (actual - predicted) of rows [from, to): what a Gaussian error model is fitted on. */
export function rowResiduals(p: RowPredictions, from: number, to: number): Float32Array {
  const f = p.features;
  return residuals(p.predicted.subarray(from * f, to * f), p.actual.subarray(from * f, to * f), to - from, f);
}

/** Scores of rows [from, to); smoothing restarts at `from`. */
export async function scoreRows(p: RowPredictions, from: number, to: number, settings: ScoreSettings): Promise<RowScores> {
  const f = p.features;
  const n = to - from;
  let scores: Float32Array;
  let featureScores: Float32Array;
  if (settings.kind === 'loglik') {
    const gaussian = settings.gaussian!;
    const result = await gaussian.scoreAsync(rowResiduals(p, from, to), n, {
      withContributions: true,
      ...(settings.signal ? { signal: settings.signal } : {}),
    });
    scores = result.scores;
    featureScores = result.contributions!;
  } else {
    const errors = predictionErrors(p.predicted.subarray(from * f, to * f), p.actual.subarray(from * f, to * f), n, f, settings.kind);
    scores = errors.perPoint;
    featureScores = errors.perFeature;
  }
  if (settings.alpha < 1 && n > 0) ewma(scores, settings.alpha, 1, scores);
  return { scores, featureScores };
}

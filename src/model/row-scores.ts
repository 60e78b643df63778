/**
 * The one scorer of rows: per-feature prediction errors and their mean (or the Gaussian negative
 * log-likelihood of the residual vector), rounded to float32, then the adjusted EWMA. Calibration
 * in `fit`, every `detect` and every StreamingDetector push score through it, so a row gets the
 * same score in batch and in a stream by construction (test/model-score-paths.test.ts).
 *
 * Smoothing carries state from row to row. A batch call starts from a given state and returns
 * the state after its last row, which is how `detect(rest, { context: 'training' })` continues
 * the smoothing where the training series ended instead of restarting it at the cut.
 */
import { InvalidArgumentError } from '../core/errors.js';
import { EwmaSmoother, smoothingAlpha, type EwmaColumnState } from '../scoring/ewma.js';
import type { GaussianErrorModel } from '../scoring/gaussian-error-model.js';
import { normalisedWeights, predictionErrors, residuals, rowError } from '../scoring/prediction-errors.js';
import { predictiveNll, featureNll } from '../scoring/predictive-nll.js';
import type { ScoreKind } from '../scoring/score-kind.js';
import type { FittedModel } from './fitted-model.js';
import type { RowPredictions } from './row-predictions.js';

const FLOAT32_MAX = 3.4028234663852886e38;

/** The smoothing of one score sequence after some row (both sums 0 before the first). */
export type SmoothingState = EwmaColumnState;

export const FRESH_SMOOTHING: Readonly<SmoothingState> = Object.freeze({ numerator: 0, denominator: 0 });

export interface ScorerSettings {
  kind: ScoreKind;
  /** The `smoothing` setting (0 = off, alpha in (0, 1], or a span above 1). */
  smoothing: number;
  /** Required for 'loglik'. */
  gaussian: GaussianErrorModel | null;
  /** Scored features per row. */
  features: number;
}

export interface RowScores {
  /** One score per row in [from, to). */
  scores: Float32Array;
  /** (to - from) x features: absolute/squared error of each feature, its share of the Mahalanobis term (loglik), or its NLL (nll). */
  featureScores: Float32Array;
  /** The smoothing after row to - 1: pass it as `start` to score the rows that follow. */
  end: SmoothingState;
}

export interface ScoreRowsOptions {
  /** Smoothing state before row `from`. Default: fresh (the smoothing starts at `from`). */
  start?: Readonly<SmoothingState>;
  signal?: AbortSignal;
}

/** Signed residuals (actual - predicted) of rows [from, to): what a Gaussian error model is fitted on. */
export function rowResiduals(p: RowPredictions, from: number, to: number): Float32Array {
  const f = p.features;
  return residuals(p.predicted.subarray(from * f, to * f), p.actual.subarray(from * f, to * f), to - from, f);
}

export class RowScorer {
  /** EWMA factor; 1 = no smoothing. */
  readonly alpha: number;
  readonly features: number;
  private readonly kind: ScoreKind;
  private readonly gaussian: GaussianErrorModel | null;
  private readonly weights: Float64Array;
  // Scratch of scoreOne, so a streamed point allocates nothing.
  private readonly residual: Float32Array;
  private readonly featureErrors: Float32Array;

  constructor(settings: ScorerSettings) {
    if (settings.kind === 'loglik' && settings.gaussian === null) {
      throw new InvalidArgumentError("score 'loglik' needs a Gaussian error model fitted to calibration residuals");
    }
    this.alpha = smoothingAlpha(settings.smoothing);
    this.features = settings.features;
    this.kind = settings.kind;
    this.gaussian = settings.kind === 'loglik' ? settings.gaussian : null;
    this.weights = normalisedWeights(undefined, settings.features);
    this.residual = new Float32Array(settings.features);
    this.featureErrors = new Float32Array(settings.features);
  }

  /** The scorer of a fitted model's rows. */
  static forModel(model: FittedModel): RowScorer {
    return new RowScorer({
      kind: model.config.score,
      smoothing: model.config.smoothing,
      gaussian: model.gaussian,
      features: model.features.length,
    });
  }

  /** A smoother for `sequences` independent score sequences (one per stream), all fresh. */
  newSmoother(sequences = 1): EwmaSmoother {
    return new EwmaSmoother(this.alpha, sequences);
  }

  /**
   * The unsmoothed score of one row, from its `features` predicted and actual (scaled) values
   * (and, for 'nll', the predicted variances). With `contributions`, each feature's part of it
   * (its error, its NLL, or its share of the Mahalanobis term) goes to contributions[at ..], as
   * `featureScores` holds it in batch.
   */
  scoreOne(
    predicted: Float32Array,
    actual: Float32Array,
    variance: Float32Array | null = null,
    contributions?: Float32Array,
    at = 0,
  ): number {
    if (this.kind === 'nll') {
      let total = 0;
      for (let j = 0; j < this.features; j++) {
        const nll = featureNll(actual[j]!, predicted[j]!, variance![j]!);
        if (contributions) contributions[at + j] = nll;
        total += nll;
      }
      return Math.fround(Math.min(total, FLOAT32_MAX));
    }
    if (this.gaussian) {
      residuals(predicted, actual, 1, this.features, this.residual);
      return Math.fround(Math.min(this.gaussian.scoreOne(this.residual, 0, contributions, at), FLOAT32_MAX));
    }
    const score = Math.fround(
      rowError(predicted, actual, 0, this.features, this.weights, this.kind === 'squared', this.featureErrors),
    );
    if (contributions) contributions.set(this.featureErrors, at);
    return score;
  }

  /** Smooths the next score of one sequence of `smoother` (a smoother from newSmoother). */
  smooth(smoother: EwmaSmoother, sequence: number, score: number): number {
    return this.alpha < 1 ? smoother.nextAt(sequence, score) : score;
  }

  /** Scores of rows [from, to), the smoothing continuing from `options.start`. */
  async scoreRows(p: RowPredictions, from: number, to: number, options: ScoreRowsOptions = {}): Promise<RowScores> {
    const f = p.features;
    const n = to - from;
    const { start = FRESH_SMOOTHING, signal } = options;
    let scores: Float32Array;
    let featureScores: Float32Array;
    if (this.gaussian) {
      const result = await this.gaussian.scoreAsync(rowResiduals(p, from, to), n, {
        withContributions: true,
        ...(signal ? { signal } : {}),
      });
      scores = result.scores;
      featureScores = result.contributions!;
    } else if (this.kind === 'nll') {
      if (!p.variance) throw new InvalidArgumentError("score 'nll' needs the predicted variances of a Gaussian head");
      const result = predictiveNll(
        p.predicted.subarray(from * f, to * f),
        p.variance.subarray(from * f, to * f),
        p.actual.subarray(from * f, to * f),
        n,
        f,
      );
      scores = result.perPoint;
      featureScores = result.perFeature;
    } else {
      const kind = this.kind === 'squared' ? 'squared' : 'absolute';
      const errors = predictionErrors(
        p.predicted.subarray(from * f, to * f),
        p.actual.subarray(from * f, to * f),
        n,
        f,
        kind,
      );
      scores = errors.perPoint;
      featureScores = errors.perFeature;
    }
    if (this.alpha >= 1) return { scores, featureScores, end: { ...start } };
    const smoother = this.newSmoother();
    smoother.restore(0, start);
    for (let i = 0; i < n; i++) scores[i] = smoother.nextAt(0, scores[i]!);
    return { scores, featureScores, end: smoother.stateOf(0) };
  }
}

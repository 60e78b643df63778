import { AbortError, InvalidArgumentError, InvalidDataError } from '../core/errors.js';
import { checkFloat32Array, checkInteger, checkPlainObject, describeValue } from '../core/argument-checks.js';
import { choleskyInPlace, solveLower, solveLowerTransposed } from './cholesky.js';

/**
 * Multivariate Gaussian over prediction residual vectors (Malhotra et al., "Long Short Term
 * Memory Networks for Anomaly Detection in Time Series", ESANN 2015): fitted on validation
 * residuals, a point's score is its negative log-likelihood
 *   NLL(e) = 0.5 * (d ln(2 pi) + ln det(S) + (e - mu)^T S^-1 (e - mu)),
 * so rarer residual vectors score higher. mu and S are the maximum-likelihood mean and full
 * covariance (divisor n).
 *
 * Singular covariance (a constant residual dimension, fewer samples than dimensions, perfectly
 * correlated dimensions) gets a ridge: S + lambda * diag(max(S_jj, floor)), with lambda from
 * 1e-6 upward by factors of 10 until the Cholesky factorisation is stable; floor is 1e-6 of the
 * mean variance (1e-12 when every variance is 0) so constant dimensions get a tiny variance of
 * their own. The ridge actually used is kept in `ridge` and in the JSON.
 *
 * Feature contributions split the Mahalanobis term exactly: with delta = e - mu and
 * u = S^-1 delta, sum_j delta_j u_j = delta^T S^-1 delta. A term delta_j u_j can be negative
 * when correlation makes a deviation expected; those are clipped to 0 and the positive terms
 * rescaled so the contributions are non-negative and still sum to the Mahalanobis term. With
 * a diagonal covariance they are the squared standardised residuals (delta_j / sigma_j)^2.
 */

export interface GaussianErrorModelJSON {
  dimensions: number;
  mean: number[];
  /** Row-major d x d covariance including the ridge. */
  covariance: number[];
  ridge: number;
  samples: number;
}

export interface GaussianScores {
  /** [rows] negative log-likelihood of each residual vector. */
  scores: Float32Array;
  /** [rows][dimensions] share of each dimension in the Mahalanobis term (present when requested). */
  contributions?: Float32Array;
}

const LOG_TWO_PI = Math.log(2 * Math.PI);
const RELATIVE_PIVOT_TOLERANCE = 1e-10;
const ROWS_PER_SLICE = 4096;
const FLOAT32_MAX = 3.4028234663852886e38;

function checkFiniteMatrix(name: string, values: Float32Array, rows: number, dimensions: number): void {
  for (let i = 0; i < rows * dimensions; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new InvalidDataError(
        `${name} has ${values[i]} at row ${Math.floor(i / dimensions)}, dimension ${i % dimensions}; residuals must be finite`,
      );
    }
  }
}

export class GaussianErrorModel {
  readonly dimensions: number;
  readonly samples: number;
  readonly ridge: number;
  private readonly mu: Float64Array;
  private readonly sigma: Float64Array;
  private readonly factor: Float64Array;
  private readonly logNormaliser: number;
  private readonly delta: Float64Array;
  private readonly solved: Float64Array;

  private constructor(mean: Float64Array, covariance: Float64Array, ridge: number, samples: number) {
    const d = mean.length;
    const factor = covariance.slice();
    if (!choleskyInPlace(factor, d, RELATIVE_PIVOT_TOLERANCE)) {
      throw new InvalidArgumentError('covariance must be symmetric positive definite');
    }
    let logDet = 0;
    for (let j = 0; j < d; j++) logDet += 2 * Math.log(factor[j * d + j]!);
    this.dimensions = d;
    this.samples = samples;
    this.ridge = ridge;
    this.mu = mean;
    this.sigma = covariance;
    this.factor = factor;
    this.logNormaliser = 0.5 * (d * LOG_TWO_PI + logDet);
    this.delta = new Float64Array(d);
    this.solved = new Float64Array(d);
  }

  /** Fits mean and covariance to `rows` residual vectors of `dimensions` values (row-major). */
  static fit(residuals: Float32Array, rows: number, dimensions: number): GaussianErrorModel {
    checkInteger('rows', rows, 2);
    checkInteger('dimensions', dimensions, 1, 4096);
    checkFloat32Array('residuals', residuals, rows * dimensions);
    checkFiniteMatrix('residuals', residuals, rows, dimensions);
    const d = dimensions;
    const mean = new Float64Array(d);
    for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) mean[j] += residuals[r * d + j]!;
    for (let j = 0; j < d; j++) mean[j]! /= rows;
    const covariance = new Float64Array(d * d);
    const centred = new Float64Array(d);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < d; j++) centred[j] = residuals[r * d + j]! - mean[j]!;
      for (let i = 0; i < d; i++) {
        const ci = centred[i]!;
        for (let j = 0; j <= i; j++) covariance[i * d + j] += ci * centred[j]!;
      }
    }
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        const value = covariance[i * d + j]! / rows;
        covariance[i * d + j] = value;
        covariance[j * d + i] = value;
      }
    }
    const { regularised, ridge } = regularise(covariance, d);
    return new GaussianErrorModel(mean, regularised, ridge, rows);
  }

  /** The fitted mean (a copy). */
  get mean(): Float64Array {
    return this.mu.slice();
  }

  /** The covariance used for scoring, ridge included (a copy, row-major). */
  get covariance(): Float64Array {
    return this.sigma.slice();
  }

  /**
   * Negative log-likelihood of the residual vector at residuals[offset .. offset+d). Writes the
   * per-dimension contributions to contributionsOut[contributionsOffset ..] when given.
   * Allocates nothing: meant for streaming, one point at a time.
   */
  scoreOne(residuals: ArrayLike<number>, offset = 0, contributionsOut?: Float32Array, contributionsOffset = 0): number {
    const d = this.dimensions;
    const delta = this.delta;
    if (
      contributionsOut !== undefined &&
      !(contributionsOut instanceof Float32Array && contributionsOffset + d <= contributionsOut.length)
    ) {
      throw new InvalidArgumentError(
        `contributionsOut must be a Float32Array with room for ${d} values at offset ${contributionsOffset}`,
      );
    }
    for (let j = 0; j < d; j++) {
      const value = residuals[offset + j];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new InvalidDataError(`residuals[${offset + j}] must be a finite number, got ${describeValue(value)}`);
      }
      delta[j] = value - this.mu[j]!;
    }
    const z = this.solved;
    solveLower(this.factor, d, delta, z);
    let mahalanobis = 0;
    for (let j = 0; j < d; j++) mahalanobis += z[j]! * z[j]!;
    if (contributionsOut) this.contributions(mahalanobis, contributionsOut, contributionsOffset);
    return this.logNormaliser + 0.5 * mahalanobis;
  }

  /** Scores `rows` residual vectors; with `withContributions` also their per-dimension split. */
  score(residuals: Float32Array, rows: number, withContributions = false): GaussianScores {
    const { scores, contributions } = this.allocate(residuals, rows, withContributions);
    this.scoreRange(residuals, 0, rows, scores, contributions);
    return contributions ? { scores, contributions } : { scores };
  }

  /** score() in slices that yield to the event loop between them; honours an AbortSignal. */
  async scoreAsync(
    residuals: Float32Array,
    rows: number,
    options: { withContributions?: boolean; signal?: AbortSignal } = {},
  ): Promise<GaussianScores> {
    const { scores, contributions } = this.allocate(residuals, rows, options.withContributions ?? false);
    for (let start = 0; start < rows; start += ROWS_PER_SLICE) {
      if (options.signal?.aborted) throw new AbortError('Gaussian scoring was aborted');
      this.scoreRange(residuals, start, Math.min(rows, start + ROWS_PER_SLICE), scores, contributions);
      if (start + ROWS_PER_SLICE < rows) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return contributions ? { scores, contributions } : { scores };
  }

  toJSON(): GaussianErrorModelJSON {
    return {
      dimensions: this.dimensions,
      mean: Array.from(this.mu),
      covariance: Array.from(this.sigma),
      ridge: this.ridge,
      samples: this.samples,
    };
  }

  static fromJSON(json: unknown): GaussianErrorModel {
    const o = checkPlainObject('json', json);
    const d = checkInteger('json.dimensions', o.dimensions, 1, 4096);
    const numbers = (name: string, value: unknown, length: number): Float64Array => {
      if (
        !Array.isArray(value) ||
        value.length !== length ||
        value.some((v) => typeof v !== 'number' || !Number.isFinite(v))
      ) {
        throw new InvalidArgumentError(
          `json.${name} must be an array of ${length} finite numbers, got ${describeValue(value)}`,
        );
      }
      return Float64Array.from(value as number[]);
    };
    const mean = numbers('mean', o.mean, d);
    const covariance = numbers('covariance', o.covariance, d * d);
    if (typeof o.ridge !== 'number' || !(o.ridge >= 0))
      throw new InvalidArgumentError(`json.ridge must be a non-negative number, got ${describeValue(o.ridge)}`);
    const samples = checkInteger('json.samples', o.samples, 2);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < i; j++) {
        if (covariance[i * d + j] !== covariance[j * d + i])
          throw new InvalidArgumentError(
            `json.covariance must be symmetric; entries (${i}, ${j}) and (${j}, ${i}) differ`,
          );
      }
    }
    try {
      return new GaussianErrorModel(mean, covariance, o.ridge, samples);
    } catch {
      throw new InvalidArgumentError('json.covariance must be positive definite');
    }
  }

  private allocate(
    residuals: Float32Array,
    rows: number,
    withContributions: boolean,
  ): { scores: Float32Array; contributions?: Float32Array } {
    checkInteger('rows', rows, 0);
    checkFloat32Array('residuals', residuals, rows * this.dimensions);
    checkFiniteMatrix('residuals', residuals, rows, this.dimensions);
    const scores = new Float32Array(rows);
    return withContributions ? { scores, contributions: new Float32Array(rows * this.dimensions) } : { scores };
  }

  private scoreRange(
    residuals: Float32Array,
    start: number,
    end: number,
    scores: Float32Array,
    contributions: Float32Array | undefined,
  ): void {
    const d = this.dimensions;
    // Saturate rather than overflow float32 to Infinity on residuals absurdly far from the fit.
    for (let r = start; r < end; r++)
      scores[r] = Math.min(this.scoreOne(residuals, r * d, contributions, r * d), FLOAT32_MAX);
  }

  /** Splits the Mahalanobis term over dimensions; `this.solved` holds L^-1 delta on entry. */
  private contributions(mahalanobis: number, out: Float32Array, at: number): void {
    const d = this.dimensions;
    const u = this.solved;
    solveLowerTransposed(this.factor, d, u, u);
    let positive = 0;
    for (let j = 0; j < d; j++) {
      const share = this.delta[j]! * u[j]!;
      if (share > 0) positive += share;
    }
    const rescale = positive > 0 ? mahalanobis / positive : 0;
    for (let j = 0; j < d; j++) {
      const share = this.delta[j]! * u[j]!;
      out[at + j] = share > 0 ? share * rescale : 0;
    }
  }
}

function regularise(covariance: Float64Array, d: number): { regularised: Float64Array; ridge: number } {
  const attempt = covariance.slice();
  if (choleskyInPlace(attempt, d, RELATIVE_PIVOT_TOLERANCE)) return { regularised: covariance, ridge: 0 };
  let meanVariance = 0;
  for (let j = 0; j < d; j++) meanVariance += covariance[j * d + j]!;
  meanVariance /= d;
  const floor = meanVariance > 0 ? 1e-6 * meanVariance : 1e-12;
  for (let exponent = -6; exponent <= 6; exponent++) {
    const lambda = 10 ** exponent;
    const loaded = covariance.slice();
    for (let j = 0; j < d; j++) loaded[j * d + j]! += lambda * Math.max(covariance[j * d + j]!, floor);
    if (choleskyInPlace(loaded.slice(), d, RELATIVE_PIVOT_TOLERANCE)) return { regularised: loaded, ridge: lambda };
  }
  throw new InvalidDataError('the residual covariance could not be regularised into a positive definite matrix');
}

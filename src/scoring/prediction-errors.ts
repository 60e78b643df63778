import { InvalidArgumentError, InvalidDataError } from '../core/errors.js';
import { checkFloat32Array, checkInteger, checkOneOf, describeValue } from '../core/argument-checks.js';

const FLOAT32_MAX = 3.4028234663852886e38;

/** 'absolute': |actual - predicted|; 'squared': (actual - predicted)^2. */
export type ErrorKind = 'absolute' | 'squared';
export const ERROR_KINDS: readonly ErrorKind[] = ['absolute', 'squared'];

export interface PredictionErrorOptions {
  /** Non-negative weight per feature for the per-point aggregate (default: all 1). */
  weights?: ArrayLike<number>;
  /** Buffers to write into instead of allocating ([rows][columns] and [rows]). */
  perFeatureOut?: Float32Array;
  perPointOut?: Float32Array;
}

export interface PredictionErrors {
  /** [rows][columns] unweighted error of each feature: what each feature contributes to a point's score. */
  perFeature: Float32Array;
  /** [rows] weighted mean of the feature errors: sum_j w_j e_j / sum_j w_j. */
  perPoint: Float32Array;
}

function checkPair(predicted: unknown, actual: unknown, rows: number, columns: number): void {
  checkInteger('rows', rows, 0);
  checkInteger('columns', columns, 1);
  checkFloat32Array('predicted', predicted, rows * columns);
  checkFloat32Array('actual', actual, rows * columns);
}

function nonFiniteError(name: string, index: number, columns: number, value: number): InvalidDataError {
  return new InvalidDataError(
    `${name} has ${value} at row ${Math.floor(index / columns)}, feature ${index % columns}; ` +
      (name === 'predicted'
        ? 'the model produced a non-finite output (did training diverge?)'
        : 'fill missing values before scoring'),
  );
}

/** Per-feature weights summing to 1: `weights` normalised, or 1 / columns each when not given. */
export function normalisedWeights(weights: ArrayLike<number> | undefined, columns: number): Float64Array {
  const out = new Float64Array(columns).fill(1 / columns);
  if (weights === undefined) return out;
  if (weights === null || typeof weights !== 'object' || weights.length !== columns) {
    throw new InvalidArgumentError(
      `options.weights must be an array of ${columns} non-negative numbers (one per feature), got ${describeValue(weights)}`,
    );
  }
  let total = 0;
  for (let j = 0; j < columns; j++) {
    const w = weights[j];
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      throw new InvalidArgumentError(
        `options.weights[${j}] must be a finite non-negative number, got ${describeValue(w)}`,
      );
    }
    total += w;
  }
  if (total === 0) throw new InvalidArgumentError('options.weights must not all be zero');
  for (let j = 0; j < columns; j++) out[j] = weights[j]! / total;
  return out;
}

/**
 * Per-feature and per-point prediction errors for `rows` points of `columns` features (row-major).
 * Non-finite predictions or actual values are an InvalidDataError naming the row and feature,
 * never a NaN score.
 */
export function predictionErrors(
  predicted: Float32Array,
  actual: Float32Array,
  rows: number,
  columns: number,
  kind: ErrorKind = 'absolute',
  options: PredictionErrorOptions = {},
): PredictionErrors {
  checkPair(predicted, actual, rows, columns);
  checkOneOf('kind', kind, ERROR_KINDS);
  const weights = normalisedWeights(options.weights, columns);
  const perFeature = options.perFeatureOut ?? new Float32Array(rows * columns);
  const perPoint = options.perPointOut ?? new Float32Array(rows);
  checkFloat32Array('options.perFeatureOut', perFeature, rows * columns);
  checkFloat32Array('options.perPointOut', perPoint, rows);
  const squared = kind === 'squared';
  for (let r = 0; r < rows; r++)
    perPoint[r] = rowError(predicted, actual, r * columns, columns, weights, squared, perFeature);
  return { perFeature, perPoint };
}

/**
 * The error of the row at `offset` (its `columns` features in predicted and actual): each
 * feature's error goes to perFeature at the same offset, and the weighted mean is returned. Sums
 * run in float64 and saturate at the float32 maximum instead of overflowing to Infinity on absurd
 * predictions. Every scorer of rows (batch and streaming) goes through this function.
 */
export function rowError(
  predicted: Float32Array,
  actual: Float32Array,
  offset: number,
  columns: number,
  weights: Float64Array,
  squared: boolean,
  perFeature: Float32Array,
): number {
  let total = 0;
  for (let j = 0; j < columns; j++) {
    const i = offset + j;
    const p = predicted[i]!;
    const a = actual[i]!;
    if (!Number.isFinite(p)) throw nonFiniteError('predicted', i, columns, p);
    if (!Number.isFinite(a)) throw nonFiniteError('actual', i, columns, a);
    const d = a - p;
    const e = squared ? d * d : Math.abs(d);
    perFeature[i] = Math.min(e, FLOAT32_MAX);
    total += weights[j]! * e;
  }
  return Math.min(total, FLOAT32_MAX);
}

/** Signed residuals actual - predicted ([rows][columns]), the input of GaussianErrorModel. */
export function residuals(
  predicted: Float32Array,
  actual: Float32Array,
  rows: number,
  columns: number,
  out?: Float32Array,
): Float32Array {
  checkPair(predicted, actual, rows, columns);
  const result = out ?? new Float32Array(rows * columns);
  checkFloat32Array('out', result, rows * columns);
  for (let i = 0; i < rows * columns; i++) {
    const p = predicted[i]!;
    const a = actual[i]!;
    if (!Number.isFinite(p)) throw nonFiniteError('predicted', i, columns, p);
    if (!Number.isFinite(a)) throw nonFiniteError('actual', i, columns, a);
    result[i] = a - p;
  }
  return result;
}

/**
 * Runs a trained network over every window of a (scaled) series and lines its outputs up with
 * the series rows, so scoring works per row whatever the mode:
 *
 * - forecast: row t is predicted by the first forecast step of the window that ends just before
 *   t; rows [0, window) have no such window and stay unscored. With horizonScore 'mean', by the
 *   mean of the j-step predictions of the windows ending j rows before t, j = 1..horizon (those
 *   that exist). A Gaussian head also gives each row its predicted variance (exp(log-variance)
 *   plus the floor; averaged the same way).
 * - reconstruct: row t is reconstructed by the last step of the window that ends on t (the
 *   window a stream completes when t arrives); rows [0, window - 1) stay unscored.
 *
 * Both are causal: a row's score never depends on later rows, so batch and streaming agree.
 */
import { AbortError } from '../core/errors.js';
import type { AnomalyNetwork } from '../engine/anomaly-network.js';
import { gatherWindows } from '../engine/runtime.js';
import { firstScoredRow, type WindowShape } from './window-starts.js';

/** Which predictions of a row its score uses (forecast mode): the 1-step one, or the mean of its 1..horizon-step ones. */
export type HorizonScore = 'first' | 'mean';
export const HORIZON_SCORES: readonly HorizonScore[] = ['first', 'mean'];

/** Floats of input plus output held per inference chunk: bounds memory for wide or long windows. */
const CHUNK_FLOATS = 1 << 22;

export interface RowPredictionInput {
  network: AnomalyNetwork;
  shape: WindowShape;
  /** Scaled series, rows x columns, row-major. */
  values: Float32Array;
  rows: number;
  columns: number;
  /** Columns that are predicted and scored (forecast: the targets in output order; reconstruct: all). */
  features: Int32Array;
  /** Forecast mode: 'first' (default) or 'mean' of the step-ahead predictions of a row. */
  horizonScore?: HorizonScore;
  signal?: AbortSignal;
}

export interface RowPredictions {
  /** rows x features: the network's value for each scored row (rows before firstScored: 0). */
  predicted: Float32Array;
  /** rows x features: the scaled actual values of the scored features (rows before firstScored: 0). */
  actual: Float32Array;
  features: number;
  rows: number;
  /** First row with a prediction (rows when there is none). */
  firstScored: number;
  /** Gaussian head: rows x features predicted variances (floor included); null otherwise. */
  variance: Float32Array | null;
}

export async function predictRows(input: RowPredictionInput): Promise<RowPredictions> {
  const { network, shape, values, rows, columns, features: featureColumns, signal } = input;
  const window = shape.window;
  const features = featureColumns.length;
  const predicted = new Float32Array(rows * features);
  const actual = new Float32Array(rows * features);
  const gaussian = network.spec.head === 'gaussian';
  const variance = gaussian ? new Float32Array(rows * features) : null;
  const windows = shape.mode === 'forecast' ? rows - window : rows - window + 1;
  if (windows <= 0) return { predicted, actual, features, rows, firstScored: rows, variance };
  const firstScored = firstScoredRow(shape);
  for (let row = firstScored; row < rows; row++) {
    for (let j = 0; j < features; j++) actual[row * features + j] = values[row * columns + featureColumns[j]!]!;
  }

  const outLength = network.outputLength(window);
  const forecast =
    shape.mode === 'forecast'
      ? new ForecastRows(
          shape.horizon,
          features,
          rows,
          window,
          input.horizonScore ?? 'first',
          network.spec.varianceFloor,
          predicted,
          variance,
        )
      : null;
  const chunk = Math.max(1, Math.floor(CHUNK_FLOATS / (window * columns + outLength)));
  const starts = new Int32Array(Math.min(chunk, windows));
  const x = new Float32Array(starts.length * window * columns);
  for (let begin = 0; begin < windows; begin += chunk) {
    if (signal?.aborted) throw new AbortError('detection was aborted by its AbortSignal');
    const n = Math.min(chunk, windows - begin);
    for (let i = 0; i < n; i++) starts[i] = begin + i;
    const xs = x.subarray(0, n * window * columns);
    gatherWindows(values, columns, starts.subarray(0, n), window, xs);
    const out = await network.predictAsync(xs, n, window);
    if (forecast) {
      forecast.add(out, begin, n, outLength);
    } else {
      // Per window: [window][columns]; every column is a feature; the last step is the new row.
      for (let i = 0; i < n; i++) {
        const from = i * outLength + (window - 1) * columns;
        predicted.set(out.subarray(from, from + columns), (begin + i + window - 1) * features);
      }
    }
  }
  forecast?.finish();
  return { predicted, actual, features, rows, firstScored, variance };
}

/**
 * Forecast outputs into row predictions. Per window: [horizon][features] means (then as many
 * log-variances with a Gaussian head); step j (0-based) of the window starting at s predicts
 * row s + window + j.
 */
class ForecastRows {
  private readonly counts: Uint16Array | null;

  constructor(
    private readonly horizon: number,
    private readonly features: number,
    private readonly rows: number,
    private readonly window: number,
    private readonly combine: HorizonScore,
    private readonly floor: number,
    private readonly predicted: Float32Array,
    private readonly variance: Float32Array | null,
  ) {
    this.counts = combine === 'mean' && horizon > 1 ? new Uint16Array(rows) : null;
  }

  add(out: Float32Array, begin: number, n: number, outLength: number): void {
    const { features, window, predicted, variance, counts } = this;
    const logVarAt = this.horizon * features;
    if (!counts) {
      for (let i = 0; i < n; i++) {
        const from = i * outLength;
        const row = begin + i + window;
        predicted.set(out.subarray(from, from + features), row * features);
        if (variance)
          for (let f = 0; f < features; f++)
            variance[row * features + f] = Math.exp(out[from + logVarAt + f]!) + this.floor;
      }
      return;
    }
    // 'mean': sums here, divided by the counts in finish().
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < this.horizon; j++) {
        const row = begin + i + window + j;
        if (row >= this.rows) break;
        counts[row]! += 1;
        const from = i * outLength + j * features;
        for (let f = 0; f < features; f++) {
          predicted[row * features + f]! += out[from + f]!;
          if (variance) variance[row * features + f]! += Math.exp(out[from + logVarAt + f]!) + this.floor;
        }
      }
    }
  }

  finish(): void {
    const { counts, features, predicted, variance } = this;
    if (!counts) return;
    for (let row = 0; row < this.rows; row++) {
      const c = counts[row]!;
      if (c <= 1) continue;
      for (let f = 0; f < features; f++) {
        predicted[row * features + f]! /= c;
        if (variance) variance[row * features + f]! /= c;
      }
    }
  }
}

/**
 * Runs a trained network over every window of a (scaled) series and lines its outputs up with
 * the series rows, so scoring works per row whatever the mode:
 *
 * - forecast: row t is predicted by the first forecast step of the window that ends just before
 *   t; rows [0, window) have no such window and stay unscored.
 * - reconstruct: row t is reconstructed by the last step of the window that ends on t (the
 *   window a stream completes when t arrives); rows [0, window - 1) stay unscored.
 *
 * Both are causal: a row's score never depends on later rows, so batch and streaming agree.
 */
import { AbortError } from '../core/errors.js';
import type { AnomalyNetwork } from '../engine/anomaly-network.js';
import { gatherWindows } from '../engine/runtime.js';
import { firstScoredRow, type WindowShape } from './window-starts.js';

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
}

export async function predictRows(input: RowPredictionInput): Promise<RowPredictions> {
  const { network, shape, values, rows, columns, features: featureColumns, signal } = input;
  const window = shape.window;
  const features = featureColumns.length;
  const predicted = new Float32Array(rows * features);
  const actual = new Float32Array(rows * features);
  const windows = shape.mode === 'forecast' ? rows - window : rows - window + 1;
  if (windows <= 0) return { predicted, actual, features, rows, firstScored: rows };
  const firstScored = firstScoredRow(shape);
  for (let row = firstScored; row < rows; row++) {
    for (let j = 0; j < features; j++) actual[row * features + j] = values[row * columns + featureColumns[j]!]!;
  }

  const outLength = network.outputLength(window);
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
    if (shape.mode === 'forecast') {
      // Per window: [horizon][features]; the first step predicts row start + window.
      for (let i = 0; i < n; i++) {
        predicted.set(out.subarray(i * outLength, i * outLength + features), (begin + i + window) * features);
      }
    } else {
      // Per window: [window][columns]; every column is a feature; the last step is the new row.
      for (let i = 0; i < n; i++) {
        const from = i * outLength + (window - 1) * columns;
        predicted.set(out.subarray(from, from + columns), (begin + i + window - 1) * features);
      }
    }
  }
  return { predicted, actual, features, rows, firstScored };
}

/**
 * The two per-point steps every stream kind shares: filling and scaling an incoming point, and
 * pairing the point with the network value it is scored against. Both work on the caller's
 * flat per-stream arrays (stream s at s x width), so a single stream, a fixed set and a growing
 * pool keep their state however they like.
 */

import type { FittedModel } from '../model/fitted-model.js';
import type { PendingForecasts } from './pending-forecasts.js';

/** What pairing needs to know about the model. */
export interface PairingShape {
  /** Scored columns: forecast targets in output order (reconstruct: every column). */
  features: Int32Array;
  window: number;
  columns: number;
}

export function pairingShapeOf(model: FittedModel): PairingShape {
  const { window } = model.config;
  return { features: model.features, window, columns: model.columnNames.length };
}

/**
 * Fills the missing values (null, undefined, NaN) of a checked point for stream s from its last
 * values (`centers` before its first point), records the filled values in `lastValues`, and
 * writes the scaled point to target[at ..]. Returns whether a value was filled.
 */
export function fillAndScale(
  point: number | ArrayLike<number | null>,
  offset: number,
  s: number,
  seenBefore: boolean,
  lastValues: Float32Array,
  centers: Float64Array,
  scales: Float64Array,
  target: Float32Array,
  at: number,
): boolean {
  const columns = centers.length;
  let imputed = false;
  for (let c = 0; c < columns; c++) {
    const raw = typeof point === 'number' ? point : point[offset + c];
    let v: number;
    if (raw === null || raw === undefined || Number.isNaN(raw)) {
      imputed = true;
      v = seenBefore ? lastValues[s * columns + c]! : centers[c]!;
    } else {
      v = Math.fround(raw);
    }
    lastValues[s * columns + c] = v;
    // The same arithmetic as Scaler.transformValues, so stream and batch agree.
    target[at + c] = (v - centers[c]!) / scales[c]!;
  }
  return imputed;
}

/**
 * Pairs stream s's current point (scaled, in `point` at `base`) with the network values it is
 * scored against, into `predicted`, `actual` and (Gaussian head) `variance`, features each;
 * returns whether the point is scored. Forecast mode (`forecasts` holds the stream's pending
 * forecasts; null in reconstruct mode): the forecasts earlier windows made for this point, then
 * this point's completed window (`out` at `offset`, when `windowReady`) is added to the
 * forecasts of the points after it. Reconstruct: the last step of the window the point completes.
 */
export function pairPrediction(
  shape: PairingShape,
  s: number,
  point: Float32Array,
  base: number,
  out: Float32Array,
  offset: number,
  windowReady: boolean,
  forecasts: PendingForecasts | null,
  predicted: Float32Array,
  variance: Float32Array | null,
  actual: Float32Array,
): boolean {
  const { features } = shape;
  const f = features.length;
  if (forecasts) {
    const ready = forecasts.ready(s);
    if (ready) {
      for (let j = 0; j < f; j++) actual[j] = point[base + features[j]!]!;
      forecasts.read(s, predicted, variance);
    }
    forecasts.advance(s);
    if (windowReady) forecasts.add(s, out, offset);
    return ready;
  }
  if (windowReady) {
    const last = offset + (shape.window - 1) * shape.columns;
    for (let j = 0; j < f; j++) {
      actual[j] = point[base + j]!;
      predicted[j] = out[last + j]!;
    }
  }
  return windowReady;
}

/**
 * Which windows exist and which rows they score. A window starting at row s reads rows
 * [s, s + window). In forecast mode its targets are the `horizon` rows after it; in reconstruct
 * mode its targets are its own rows. The validation part is the END of the series: a validation
 * window's targets lie entirely after the training rows (its inputs may reach back into them,
 * which is no look-ahead: a forecaster sees the past at run time too).
 */
export type WindowMode = 'forecast' | 'reconstruct';
export const WINDOW_MODES: readonly WindowMode[] = ['forecast', 'reconstruct'];

export interface WindowShape {
  mode: WindowMode;
  window: number;
  /** Rows predicted after each window; ignored in reconstruct mode. */
  horizon: number;
}

/** Offset of the first target row from the window start. */
export function targetOffset(shape: WindowShape): number {
  return shape.mode === 'forecast' ? shape.window : 0;
}

/** Rows from the window start to its last target row, inclusive. */
export function windowSpan(shape: WindowShape): number {
  return shape.mode === 'forecast' ? shape.window + shape.horizon : shape.window;
}

/** Starts a..b inclusive (empty when b < a). */
function range(a: number, b: number): Int32Array {
  const n = Math.max(0, b - a + 1);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = a + i;
  return out;
}

/** Windows whose inputs and targets all lie in the first `trainRows` rows. */
export function trainingStarts(shape: WindowShape, trainRows: number): Int32Array {
  return range(0, trainRows - windowSpan(shape));
}

/** Windows whose targets all lie in rows [trainRows, rows). */
export function validationStarts(shape: WindowShape, trainRows: number, rows: number): Int32Array {
  if (rows <= trainRows) return new Int32Array(0);
  return range(Math.max(0, trainRows - targetOffset(shape)), rows - windowSpan(shape));
}

/**
 * First row that gets a score in a series scored on its own. Scoring is causal, as in a stream:
 * in forecast mode a row is scored by the window just before it, in reconstruct mode by the
 * window that ends on it, so the first `window` (forecast) or `window - 1` (reconstruct) rows
 * have no score.
 */
export function firstScoredRow(shape: WindowShape): number {
  return shape.mode === 'forecast' ? shape.window : shape.window - 1;
}

/**
 * Smallest number of rows that yields one scored row: forecast needs a window plus the row it
 * predicts, reconstruct one window.
 */
export function minimumScoringRows(shape: WindowShape): number {
  return shape.mode === 'forecast' ? shape.window + 1 : shape.window;
}

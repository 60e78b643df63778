import { InvalidArgumentError, InvalidDataError } from '../errors.js';
import { checkFloat32Array, checkInteger, describeValue } from '../argument-checks.js';

/**
 * Sliding windows are described by their start rows only: the series stays one row-major
 * buffer and the engine's native `gatherWindows(series, columns, starts, window, out)` copies the
 * rows of a batch of windows into a [batch][window][columns] buffer. A window starting at row s
 * covers rows s .. s+window-1; in forecast mode its targets are rows s+window .. s+window+horizon-1.
 */

/** Number of windows of `window` rows (plus `horizon` target rows) taken every `stride` rows. */
export function windowCount(rows: number, window: number, stride = 1, horizon = 0): number {
  checkInteger('rows', rows, 0);
  checkInteger('window', window, 1);
  checkInteger('stride', stride, 1);
  checkInteger('horizon', horizon, 0);
  const span = window + horizon;
  return rows < span ? 0 : Math.floor((rows - span) / stride) + 1;
}

/**
 * Start rows 0, stride, 2*stride, ... of every window that fits with its horizon:
 * s + window + horizon <= rows. Use horizon 0 for reconstruction. Fewer rows than one window
 * needs is an InvalidDataError saying how many are needed.
 */
export function windowStarts(rows: number, window: number, stride = 1, horizon = 0): Int32Array {
  const count = windowCount(rows, window, stride, horizon);
  if (count === 0) {
    throw new InvalidDataError(
      `a window of ${window} rows${horizon > 0 ? ` plus a horizon of ${horizon}` : ''} needs at least ${window + horizon} rows, the series has ${rows}`,
    );
  }
  if ((count - 1) * stride > 0x7fffffff) throw new InvalidArgumentError(`rows (${rows}) is too large for Int32 window starts`);
  const starts = new Int32Array(count);
  for (let i = 0; i < count; i++) starts[i] = i * stride;
  return starts;
}

/**
 * Forecast targets for each window: out[i][h][t] = series[starts[i] + window + h][targetColumns[t]],
 * i.e. [windows][horizon][targets], matching a forecast head of horizon * targets outputs.
 */
export function forecastTargets(
  series: Float32Array,
  columns: number,
  starts: Int32Array,
  window: number,
  horizon: number,
  targetColumns: ArrayLike<number>,
  out?: Float32Array,
): Float32Array {
  checkFloat32Array('series', series);
  checkInteger('columns', columns, 1);
  if (series.length % columns !== 0) {
    throw new InvalidArgumentError(`series has ${series.length} elements, not a multiple of the ${columns} columns`, 'ERR_SHAPE_MISMATCH');
  }
  if (!(starts instanceof Int32Array)) throw new InvalidArgumentError(`starts must be an Int32Array, got ${describeValue(starts)}`);
  checkInteger('window', window, 1);
  checkInteger('horizon', horizon, 1);
  if (targetColumns === null || typeof targetColumns !== 'object' || targetColumns.length === 0) {
    throw new InvalidArgumentError(`targetColumns must be a non-empty array of column indices, got ${describeValue(targetColumns)}`);
  }
  for (let t = 0; t < targetColumns.length; t++) checkInteger(`targetColumns[${t}]`, targetColumns[t], 0, columns - 1);
  const rows = series.length / columns;
  const targets = targetColumns.length;
  const perWindow = horizon * targets;
  const result = out ?? new Float32Array(starts.length * perWindow);
  checkFloat32Array('out', result, starts.length * perWindow);
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i]!;
    if (s < 0 || s + window + horizon > rows) {
      throw new InvalidArgumentError(`starts[${i}] = ${s} must be in [0, ${rows - window - horizon}] so that its window and horizon fit in ${rows} rows`);
    }
    for (let h = 0; h < horizon; h++) {
      const rowOffset = (s + window + h) * columns;
      for (let t = 0; t < targets; t++) result[i * perWindow + h * targets + t] = series[rowOffset + targetColumns[t]!]!;
    }
  }
  return result;
}

import { InvalidDataError } from '../core/errors.js';
import { checkOneOf } from '../core/argument-checks.js';
import { checkTimeSeries, TimeSeries } from './time-series.js';

/**
 * How missing values (NaN) are filled:
 * - 'interpolate' (default): linear in the row index between the nearest valid values before
 *   and after; leading and trailing gaps take the nearest valid value.
 * - 'ffill': the last valid value before; a leading gap takes the first valid value.
 * - 'mean': the mean of the column's valid values.
 * - 'error': refuse, naming the first missing cell.
 */
export type MissingPolicy = 'interpolate' | 'ffill' | 'mean' | 'error';
export const MISSING_POLICIES: readonly MissingPolicy[] = ['interpolate', 'ffill', 'mean', 'error'];

/**
 * A series without missing values. Filled cells are marked 1 in the result's `imputed` mask
 * (added to any earlier mask). A column with no valid value at all cannot be filled and is an
 * InvalidDataError naming it. Returns the series itself when nothing is missing.
 */
export function fillMissing(series: TimeSeries, policy: MissingPolicy = 'interpolate'): TimeSeries {
  checkTimeSeries('series', series);
  checkOneOf('policy', policy, MISSING_POLICIES);
  const { rows, columns, values: source, columnNames } = series;
  if (rows === 0) return series;
  let anyMissing = false;
  for (let c = 0; c < columns; c++) {
    let valid = 0;
    let firstMissing = -1;
    for (let r = 0; r < rows; r++) {
      if (Number.isNaN(source[r * columns + c]!)) {
        if (firstMissing < 0) firstMissing = r;
      } else {
        valid++;
      }
    }
    if (valid === 0) {
      throw new InvalidDataError(`column "${columnNames[c]}" has no values: all ${rows} rows are missing`);
    }
    if (firstMissing >= 0 && policy === 'error') {
      throw new InvalidDataError(
        `column "${columnNames[c]}" is missing a value at row ${firstMissing}; use a missing-value policy ('interpolate', 'ffill' or 'mean') to fill it`,
      );
    }
    anyMissing ||= firstMissing >= 0;
  }
  if (!anyMissing) return series;

  const values = source.slice();
  const imputed = series.imputed ? series.imputed.slice() : new Uint8Array(values.length);
  for (let c = 0; c < columns; c++) {
    fillColumn(values, imputed, rows, columns, c, policy);
  }
  return new TimeSeries({
    values,
    columnNames,
    imputed,
    ...(series.timestamps ? { timestamps: series.timestamps } : {}),
  });
}

function fillColumn(
  values: Float32Array,
  imputed: Uint8Array,
  rows: number,
  columns: number,
  c: number,
  policy: MissingPolicy,
): void {
  const at = (r: number): number => r * columns + c;
  const set = (r: number, v: number): void => {
    values[at(r)] = v;
    imputed[at(r)] = 1;
  };
  if (policy === 'mean') {
    let sum = 0;
    let count = 0;
    for (let r = 0; r < rows; r++) {
      const v = values[at(r)]!;
      if (!Number.isNaN(v)) {
        sum += v;
        count++;
      }
    }
    const mean = sum / count;
    for (let r = 0; r < rows; r++) if (Number.isNaN(values[at(r)]!)) set(r, mean);
    return;
  }
  let previous = -1;
  for (let r = 0; r < rows; r++) {
    const v = values[at(r)]!;
    if (Number.isNaN(v)) continue;
    if (previous < 0) {
      for (let k = 0; k < r; k++) set(k, v);
    } else if (r - previous > 1) {
      const from = values[at(previous)]!;
      const gap = r - previous;
      for (let k = previous + 1; k < r; k++) {
        set(k, policy === 'interpolate' ? from + ((v - from) * (k - previous)) / gap : from);
      }
    }
    previous = r;
  }
  const last = values[at(previous)]!;
  for (let k = previous + 1; k < rows; k++) set(k, last);
}

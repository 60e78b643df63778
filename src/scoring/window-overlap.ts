import { InvalidArgumentError } from '../errors.js';
import { checkFloat32Array, checkInteger, describeValue } from '../argument-checks.js';

export interface RowAverages {
  /** [rows][columns] mean over every window step that covered the row (0 where none did). */
  values: Float32Array;
  /** [rows] number of window steps that covered each row. */
  coverage: Int32Array;
}

/**
 * Folds per-step window outputs back onto series rows. In reconstruction mode every row lies in
 * up to `steps` overlapping windows; a row's error is the mean of the errors it got in each of
 * them. windowValues is [windows][steps][columns]; window i covers rows starts[i] ..
 * starts[i]+steps-1.
 */
export function averageOverlappingWindows(
  windowValues: Float32Array,
  starts: Int32Array,
  steps: number,
  columns: number,
  rows: number,
): RowAverages {
  checkInteger('steps', steps, 1);
  checkInteger('columns', columns, 1);
  checkInteger('rows', rows, 0);
  if (!(starts instanceof Int32Array)) throw new InvalidArgumentError(`starts must be an Int32Array, got ${describeValue(starts)}`);
  checkFloat32Array('windowValues', windowValues, starts.length * steps * columns);
  const sums = new Float64Array(rows * columns);
  const coverage = new Int32Array(rows);
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i]!;
    if (start < 0 || start + steps > rows) {
      throw new InvalidArgumentError(`starts[${i}] = ${start} must be in [0, ${rows - steps}] so that its ${steps} steps fit in ${rows} rows`);
    }
    for (let s = 0; s < steps; s++) {
      const row = start + s;
      coverage[row]!++;
      const from = (i * steps + s) * columns;
      for (let c = 0; c < columns; c++) sums[row * columns + c] += windowValues[from + c]!;
    }
  }
  const values = new Float32Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    if (coverage[r] === 0) continue;
    for (let c = 0; c < columns; c++) values[r * columns + c] = sums[r * columns + c]! / coverage[r]!;
  }
  return { values, coverage };
}

import { checkInteger, describeValue } from '../../core/argument-checks.js';
import { InvalidArgumentError, InvalidDataError } from '../../core/errors.js';

const DAY_MS = 86_400_000;

/**
 * Rows per day, from the median spacing of the first `rows` timestamps (epoch milliseconds,
 * default all of them): the `period` of a daily SeasonalChange. 0 when fewer than two
 * timestamps are read or the median spacing is not positive (no usable day length). The median
 * ignores the odd gap or duplicate. Non-finite timestamps among those read are rejected
 * (InvalidDataError).
 */
export function rowsPerDay(timestamps: ArrayLike<number>, rows?: number): number {
  if (typeof timestamps !== 'object' || timestamps === null || typeof timestamps.length !== 'number') {
    throw new InvalidArgumentError(
      `timestamps must be an array or typed array of epoch milliseconds, got ${describeValue(timestamps)}`,
    );
  }
  const read = Math.min(rows === undefined ? timestamps.length : checkInteger('rows', rows, 0), timestamps.length);
  for (let r = 0; r < read; r++) {
    const t = timestamps[r];
    if (typeof t !== 'number' || !Number.isFinite(t)) {
      throw new InvalidDataError(
        `timestamps[${r}] must be a finite number of epoch milliseconds, got ${describeValue(t)}`,
      );
    }
  }
  const gaps: number[] = [];
  for (let r = 1; r < read; r++) gaps.push(timestamps[r]! - timestamps[r - 1]!);
  if (gaps.length === 0) return 0;
  gaps.sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)]!;
  return median > 0 ? Math.round(DAY_MS / median) : 0;
}

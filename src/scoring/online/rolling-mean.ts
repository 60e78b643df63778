import { checkInteger } from '../../core/argument-checks.js';
import { checkFiniteInput, MAX_RING_ROWS } from './finite-input.js';
import { RingSum } from './ring-sum.js';

/**
 * The mean of the last `rows` values, one value at a time; null until `rows` values have been
 * seen. Non-finite values are rejected (InvalidDataError) and leave the mean unchanged.
 */
export class RollingMean {
  readonly rows: number;
  private readonly window: RingSum;

  /** `rows`: values averaged, an integer in [1, 2^24]. */
  constructor(rows: number) {
    this.rows = checkInteger('rows', rows, 1, MAX_RING_ROWS);
    this.window = new RingSum(this.rows);
  }

  /** Adds `value`; returns the mean of the last `rows` values, or null while fewer were seen. */
  next(value: number): number | null {
    this.window.push(checkFiniteInput('value', value));
    return this.window.full ? this.window.sum / this.window.count : null;
  }
}

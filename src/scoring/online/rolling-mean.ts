import { checkInteger } from '../../argument-checks.js';
import { checkFiniteInput, MAX_RING_ROWS } from './finite-input.js';

/**
 * The mean of the last `rows` values, one value at a time; null until `rows` values have been
 * seen. Non-finite values are rejected (InvalidDataError) and leave the mean unchanged.
 */
export class RollingMean {
  readonly rows: number;
  private readonly ring: Float64Array;
  private count = 0;
  private head = 0;
  private sum = 0;

  /** `rows`: values averaged, an integer in [1, 2^24]. */
  constructor(rows: number) {
    this.rows = checkInteger('rows', rows, 1, MAX_RING_ROWS);
    this.ring = new Float64Array(rows);
  }

  /** Adds `value`; returns the mean of the last `rows` values, or null while fewer were seen. */
  next(value: number): number | null {
    checkFiniteInput('value', value);
    if (this.count === this.ring.length) this.sum -= this.ring[this.head]!;
    else this.count++;
    this.ring[this.head] = value;
    this.head = (this.head + 1) % this.ring.length;
    this.sum += value;
    // Rounding residue of the running sum is removed once per lap of the ring.
    if (this.head === 0) this.sum = this.ring.reduce((a, b) => a + b, 0);
    return this.count === this.ring.length ? this.sum / this.count : null;
  }
}

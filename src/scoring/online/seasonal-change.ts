import { checkInteger, checkKnownKeys, checkPlainObject } from '../../core/argument-checks.js';
import { checkFiniteInput, MAX_RING_ROWS } from './finite-input.js';
import { RingSum } from './ring-sum.js';

export interface SeasonalChangeOptions {
  /** Rows in one period (e.g. a day's rows, see rowsPerDay), an integer in [1, 2^24]. */
  period: number;
  /** Rows averaged, an integer in [1, 2^24]. */
  smoothing: number;
}

const OPTION_KEYS = ['period', 'smoothing'] as const;

/**
 * Change against the same time one period earlier: the mean, over the last `smoothing` rows,
 * of the squared difference between each value and the value `period` rows before it. A
 * forecaster sees only its input window, so it cannot notice that a daily pattern failed to
 * repeat (a missing jump, a flat afternoon); this measure looks a period back, and averaging
 * over a stretch of rows makes a sustained departure stand out against single noisy rows.
 * Feed the result to an ErrorSurprise to turn it into a score. Non-finite values are rejected
 * (InvalidDataError) and leave the state unchanged; fill gaps so that rows stay a period apart.
 */
export class SeasonalChange {
  readonly period: number;
  readonly smoothing: number;
  private readonly past: Float64Array;
  private pastCount = 0;
  private pastHead = 0;
  private readonly squares: RingSum;

  constructor(options: SeasonalChangeOptions) {
    const o = checkPlainObject('options', options);
    checkKnownKeys('options', o, OPTION_KEYS);
    this.period = checkInteger('options.period', o.period, 1, MAX_RING_ROWS);
    this.smoothing = checkInteger('options.smoothing', o.smoothing, 1, MAX_RING_ROWS);
    this.past = new Float64Array(this.period);
    this.squares = new RingSum(this.smoothing);
  }

  /**
   * Adds `value`; returns the mean squared change over the last `smoothing` rows (fewer at
   * first), or null while the first period is still being seen.
   */
  next(value: number): number | null {
    checkFiniteInput('value', value);
    let change: number | null = null;
    if (this.pastCount === this.past.length) {
      this.squares.push((value - this.past[this.pastHead]!) ** 2);
      change = Math.max(0, this.squares.sum) / this.squares.count;
    } else {
      this.pastCount++;
    }
    this.past[this.pastHead] = value;
    this.pastHead = (this.pastHead + 1) % this.past.length;
    return change;
  }
}

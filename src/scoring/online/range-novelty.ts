import { checkInteger, checkKnownKeys, checkNumber, checkPlainObject } from '../../core/argument-checks.js';
import { checkFiniteInput } from './finite-input.js';
import { MonotonicQueue } from './monotonic-queue.js';

export interface RangeNoveltyOptions {
  /** Values that make up the range: the last `memory`, an integer >= 1. */
  memory: number;
  /** Widening of the range on each side, as a share of its width: a finite number >= 0. */
  tolerance: number;
}

const OPTION_KEYS = ['memory', 'tolerance'] as const;

/**
 * Whether a value lies outside the range of the last `memory` values, widened on both sides by
 * `tolerance` times the range's width so that values grazing the old extremes do not count.
 * A value outside everything seen recently is anomalous whatever a forecaster predicted: a
 * forecaster that follows the series closely predicts a new extreme well one step later, and
 * its error alone then says little. The range forgets: once an old anomaly has left the
 * memory, a later one of a similar size stands out again. Nothing is novel while the
 * remembered values are all equal (the range has no width to judge by). Memory use follows the
 * values that can still become an extreme, at most `memory`. Non-finite values are rejected
 * (InvalidDataError) and leave the range unchanged.
 */
export class RangeNovelty {
  readonly memory: number;
  readonly tolerance: number;
  private readonly highs = new MonotonicQueue((a, b) => a >= b);
  private readonly lows = new MonotonicQueue((a, b) => a <= b);
  private seen = 0;

  constructor(options: RangeNoveltyOptions) {
    const o = checkPlainObject('options', options);
    checkKnownKeys('options', o, OPTION_KEYS);
    this.memory = checkInteger('options.memory', o.memory, 1);
    this.tolerance = checkNumber('options.tolerance', o.tolerance, 0, Number.MAX_VALUE);
  }

  /** Adds `value` to the range without judging it (e.g. rows seen before scoring starts). */
  observe(value: number): void {
    this.remember(checkFiniteInput('value', value));
  }

  /** Whether `value` lies outside the widened range of the remembered values; it then joins them. */
  next(value: number): boolean {
    checkFiniteInput('value', value);
    let novel = false;
    if (this.seen > 0) {
      const max = this.highs.front();
      const min = this.lows.front();
      const margin = this.tolerance * (max - min);
      novel = max > min && (value > max + margin || value < min - margin);
    }
    this.remember(value);
    return novel;
  }

  private remember(value: number): void {
    this.highs.push(this.seen, value);
    this.lows.push(this.seen, value);
    this.seen++;
    this.highs.dropBefore(this.seen - this.memory);
    this.lows.dropBefore(this.seen - this.memory);
  }
}

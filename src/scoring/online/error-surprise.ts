import { checkInteger, checkKnownKeys, checkNumber, checkPlainObject } from '../../core/argument-checks.js';
import { OutOfRangeError } from '../../core/errors.js';
import { checkFiniteInput, MAX_RING_ROWS } from './finite-input.js';
import { RefractoryGate } from './refractory-gate.js';

export interface ErrorSurpriseOptions {
  /** Values in the running mean and standard deviation: the last `history`, an integer in [1, 2^24]. */
  history: number;
  /** Values needed in the history before anything is scored (0 until then), an integer in [1, history]. */
  warmup: number;
  /** The z at which the score is 0.5, a finite number > 0. */
  zHalf: number;
  /** Previous scores a score must exceed (see RefractoryGate); 0, the default, disables the rule. */
  refractory?: number;
}

const OPTION_KEYS = ['history', 'warmup', 'zHalf', 'refractory'] as const;

/**
 * How surprising a value is against the values before it, as a score in [0, 1), causally: each
 * score uses only values already seen. Made for prediction errors, whose scale differs from
 * series to series: the value is standardised against the last `history` values,
 * z = (value - mean) / std (population std), and z maps monotonically to z / (z + zHalf).
 * Values at or below the mean score 0; above a constant history they score 1 (z is infinite).
 * With `refractory` > 0, a score that does not exceed the largest of the previous `refractory`
 * scores becomes 0, so a burst of high values raises one alarm at its start.
 *
 * The history can be seeded without scoring (`observe`, e.g. with the errors on validation
 * rows) so that the first scores are not judged against a handful of values. Non-finite values
 * are rejected with an InvalidDataError and leave the history unchanged.
 */
export class ErrorSurprise {
  readonly history: number;
  readonly warmup: number;
  readonly zHalf: number;
  readonly refractory: number;
  private readonly ring: Float64Array;
  private head = 0;
  private count = 0;
  private sum = 0;
  private sumSquares = 0;
  private readonly gate: RefractoryGate | null;

  constructor(options: ErrorSurpriseOptions) {
    const o = checkPlainObject('options', options);
    checkKnownKeys('options', o, OPTION_KEYS);
    this.history = checkInteger('options.history', o.history, 1, MAX_RING_ROWS);
    this.warmup = checkInteger('options.warmup', o.warmup, 1);
    if (this.warmup > this.history) {
      throw new OutOfRangeError(
        `options.warmup must be at most options.history (${this.history}) or nothing is ever scored, got ${this.warmup}`,
      );
    }
    this.zHalf = checkNumber('options.zHalf', o.zHalf, 0, Number.MAX_VALUE, true);
    this.refractory =
      o.refractory === undefined ? 0 : checkInteger('options.refractory', o.refractory, 0, MAX_RING_ROWS);
    this.ring = new Float64Array(this.history);
    this.gate = this.refractory > 0 ? new RefractoryGate(this.refractory) : null;
  }

  /** Values in the history now (at most `history`). */
  get size(): number {
    return this.count;
  }

  /** Adds `value` to the history without scoring it. */
  observe(value: number): void {
    this.remember(checkFiniteInput('value', value));
  }

  /** The score of `value` against the values before it; `value` then joins the history. */
  next(value: number): number {
    checkFiniteInput('value', value);
    let score = 0;
    if (this.count >= this.warmup) {
      const mean = this.sum / this.count;
      const std = Math.sqrt(Math.max(this.sumSquares / this.count - mean * mean, 0));
      const z = std > 0 ? Math.max(0, (value - mean) / std) : value > mean ? Number.MAX_VALUE : 0;
      score = z / (z + this.zHalf);
    }
    this.remember(value);
    return this.gate === null ? score : this.gate.next(score);
  }

  private remember(value: number): void {
    if (this.count === this.ring.length) {
      const old = this.ring[this.head]!;
      this.sum -= old;
      this.sumSquares -= old * old;
      this.count--;
    }
    this.ring[this.head] = value;
    this.head = (this.head + 1) % this.ring.length;
    this.sum += value;
    this.sumSquares += value * value;
    this.count++;
    // Adding and removing huge squared values leaves rounding residue in the running sums;
    // recomputing them once per lap of the ring keeps the drift bounded.
    if (this.head === 0) {
      this.sum = 0;
      this.sumSquares = 0;
      for (const v of this.ring) {
        this.sum += v;
        this.sumSquares += v * v;
      }
    }
  }
}

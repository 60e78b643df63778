import { checkInteger } from '../../core/argument-checks.js';
import { checkFiniteInput, MAX_RING_ROWS } from './finite-input.js';

/**
 * A refractory rule on a stream of scores: a score that does not exceed the largest of the
 * previous `rows` scores becomes 0, so a burst of high scores raises one alarm at its start
 * instead of one per row. Scores below 0 never pass. Non-finite scores are rejected
 * (InvalidDataError) and leave the gate unchanged.
 */
export class RefractoryGate {
  readonly rows: number;
  private readonly recent: Float64Array;
  private head = 0;

  /** `rows`: how many previous scores a score must exceed, an integer in [1, 2^24]. */
  constructor(rows: number) {
    this.rows = checkInteger('rows', rows, 1, MAX_RING_ROWS);
    this.recent = new Float64Array(rows);
  }

  /** `score` when it exceeds every one of the previous `rows` scores (and 0), else 0. */
  next(score: number): number {
    checkFiniteInput('score', score);
    let max = 0;
    for (const s of this.recent) if (s > max) max = s;
    this.recent[this.head] = score;
    this.head = (this.head + 1) % this.recent.length;
    return score > max ? score : 0;
  }
}

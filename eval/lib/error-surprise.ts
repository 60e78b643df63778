/**
 * Turns a stream of prediction errors into NAB anomaly scores in [0, 1], causally: each output
 * uses only errors already seen. NAB pools all files under one threshold, so raw errors, whose
 * scale differs from file to file, are first standardised against the file's own recent error
 * history (z = (e - mean) / std over the last `history` errors). z maps monotonically to
 * z / (z + zHalf) in [0, 1). NAB charges every detection outside a window, so a score that does
 * not exceed the largest score of the previous `refractory` rows is set to 0: a burst of high
 * errors raises one alarm at its start instead of one per row. The history can be seeded with
 * errors on past rows (`observe`) so that the first scores are not judged against 20 errors.
 */
export interface ErrorSurpriseOptions {
  /** Errors in the running mean / std. */
  history: number;
  /** Errors needed before any score is emitted (scores 0 until then). */
  warmup: number;
  /** z at which the score is 0.5. */
  zHalf: number;
  /** Rows back whose maximum score must be exceeded; 0 disables. */
  refractory: number;
}

export class ErrorSurprise {
  private readonly ring: Float64Array;
  private head = 0;
  private count = 0;
  private sum = 0;
  private sumSquares = 0;
  private readonly gate: RefractoryGate | null;

  constructor(private readonly options: ErrorSurpriseOptions) {
    this.ring = new Float64Array(options.history);
    this.gate = options.refractory > 0 ? new RefractoryGate(options.refractory) : null;
  }

  /** Adds an error to the history without scoring it (e.g. errors on the fitting rows). */
  observe(error: number): void {
    this.remember(error);
  }

  /** The score of `error`, which then joins the history. */
  next(error: number): number {
    let score = 0;
    if (this.count >= this.options.warmup) {
      const mean = this.sum / this.count;
      const std = Math.sqrt(Math.max(this.sumSquares / this.count - mean * mean, 0));
      const z = std > 0 ? Math.max(0, (error - mean) / std) : error > mean ? Number.MAX_VALUE : 0;
      score = z / (z + this.options.zHalf);
    }
    this.remember(error);
    return this.gate === null ? score : this.gate.next(score);
  }

  private remember(error: number): void {
    if (this.count === this.ring.length) {
      const old = this.ring[this.head]!;
      this.sum -= old;
      this.sumSquares -= old * old;
      this.count--;
    }
    this.ring[this.head] = error;
    this.head = (this.head + 1) % this.ring.length;
    this.sum += error;
    this.sumSquares += error * error;
    this.count++;
    // Adding and removing huge squared errors leaves rounding residue in the running sums;
    // recomputing them once per lap of the ring keeps the drift bounded.
    if (this.head === 0) {
      this.sum = 0;
      this.sumSquares = 0;
      for (const e of this.ring) {
        this.sum += e;
        this.sumSquares += e * e;
      }
    }
  }
}

/**
 * A refractory rule on a score stream: a score that does not exceed the largest of the
 * previous `rows` scores becomes 0, so a burst of high scores raises one alarm at its start.
 */
export class RefractoryGate {
  private readonly recent: Float64Array;
  private head = 0;

  constructor(rows: number) {
    this.recent = new Float64Array(rows);
  }

  next(score: number): number {
    let max = 0;
    for (const s of this.recent) if (s > max) max = s;
    this.recent[this.head] = score;
    this.head = (this.head + 1) % this.recent.length;
    return score > max ? score : 0;
  }
}

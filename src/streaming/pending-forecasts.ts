/**
 * The forecasts a stream holds for its coming points: with horizonScore 'first' the one-step
 * prediction of the last window; with 'mean' the running sums of the j-step predictions of the
 * last `horizon` windows for each of the next `horizon` points. Float32 sums, added in window
 * order and divided at the end, exactly as the batch path (training/row-predictions.ts) does, so
 * a stream scores what detect scores. A Gaussian head's variances (exp(log-variance) + floor)
 * are carried the same way.
 */

/** One stream's pending forecasts as plain arrays: what a stream record stores. */
export interface ForecastState {
  /** The slot of the next point, in [0, slots). */
  next: number;
  /** Windows summed into each slot (slots). */
  counts: Uint16Array;
  /** Sums of the predicted values, slots x features. */
  means: Float32Array;
  /** Sums of the predicted variances (Gaussian head), slots x features; null without. */
  variances: Float32Array | null;
}

export class PendingForecasts {
  /** Forecast slots per stream: `horizon` with horizonScore 'mean', else 1. */
  readonly slots: number;
  private readonly means: Float32Array; // streams x slots x features
  private readonly variances: Float32Array | null;
  private readonly counts: Uint16Array; // streams x slots
  private readonly head: Int32Array; // streams: the slot of the next point

  constructor(
    streams: number,
    private readonly features: number,
    private readonly horizon: number,
    private readonly combine: 'first' | 'mean',
    private readonly varianceFloor: number | null,
  ) {
    this.slots = combine === 'mean' ? horizon : 1;
    this.means = new Float32Array(streams * this.slots * features);
    this.variances = varianceFloor === null ? null : new Float32Array(this.means.length);
    this.counts = new Uint16Array(streams * this.slots);
    this.head = new Int32Array(streams);
  }

  /** Whether stream s holds a forecast for its next point. */
  ready(s: number): boolean {
    return this.counts[s * this.slots + this.head[s]!]! > 0;
  }

  /** The next point's forecast (and variance): means[0..features), variances likewise. */
  read(s: number, means: Float32Array, variances: Float32Array | null): void {
    const slot = s * this.slots + this.head[s]!;
    const c = this.counts[slot]!;
    const at = slot * this.features;
    for (let f = 0; f < this.features; f++) {
      means[f] = c > 1 ? this.means[at + f]! / c : this.means[at + f]!;
      if (variances) variances[f] = c > 1 ? this.variances![at + f]! / c : this.variances![at + f]!;
    }
  }

  /** The next point has arrived: its slot is freed and becomes the farthest one. */
  advance(s: number): void {
    const slot = s * this.slots + this.head[s]!;
    this.counts[slot] = 0;
    this.means.fill(0, slot * this.features, (slot + 1) * this.features);
    this.variances?.fill(0, slot * this.features, (slot + 1) * this.features);
    this.head[s] = (this.head[s]! + 1) % this.slots;
  }

  /**
   * A window completed after the current point: its output (`out` at `offset`: [horizon][features]
   * means, then as many log-variances) forecasts the next `slots` points.
   */
  add(s: number, out: Float32Array, offset: number): void {
    const f = this.features;
    const logVarAt = offset + this.horizon * f;
    for (let j = 0; j < this.slots; j++) {
      const slot = s * this.slots + ((this.head[s]! + j) % this.slots);
      this.counts[slot]! += 1;
      for (let k = 0; k < f; k++) {
        this.means[slot * f + k]! += out[offset + j * f + k]!;
        if (this.variances) this.variances[slot * f + k]! += Math.exp(out[logVarAt + j * f + k]!) + this.varianceFloor!;
      }
    }
  }

  reset(s: number): void {
    this.counts.fill(0, s * this.slots, (s + 1) * this.slots);
    this.means.fill(0, s * this.slots * this.features, (s + 1) * this.slots * this.features);
    this.variances?.fill(0, s * this.slots * this.features, (s + 1) * this.slots * this.features);
    this.head[s] = 0;
  }

  /** Whether variances are carried (a Gaussian head). */
  get withVariances(): boolean {
    return this.variances !== null;
  }

  /** A copy holding `streams` streams: the first ones (as many as both hold) copied, the rest empty. */
  resized(streams: number): PendingForecasts {
    const copy = new PendingForecasts(streams, this.features, this.horizon, this.combine, this.varianceFloor);
    const kept = Math.min(streams, this.head.length);
    copy.means.set(this.means.subarray(0, kept * this.slots * this.features));
    copy.variances?.set(this.variances!.subarray(0, kept * this.slots * this.features));
    copy.counts.set(this.counts.subarray(0, kept * this.slots));
    copy.head.set(this.head.subarray(0, kept));
    return copy;
  }

  /** Stream s's state (views into this object's arrays: copy them to keep them). */
  stateOf(s: number): ForecastState {
    const values = this.slots * this.features;
    return {
      next: this.head[s]!,
      counts: this.counts.subarray(s * this.slots, (s + 1) * this.slots),
      means: this.means.subarray(s * values, (s + 1) * values),
      variances: this.variances?.subarray(s * values, (s + 1) * values) ?? null,
    };
  }

  /** Sets stream s to a state of the same shape (from stateOf, or a decoded stream record). */
  restore(s: number, state: ForecastState): void {
    const values = this.slots * this.features;
    this.head[s] = state.next;
    this.counts.set(state.counts, s * this.slots);
    this.means.set(state.means, s * values);
    if (this.variances) this.variances.set(state.variances!, s * values);
  }
}

/**
 * The running sum of the last `capacity` values pushed. Adding and removing values leaves
 * rounding residue in a running sum; it is recomputed from the ring once per lap, so the drift
 * stays bounded however long the stream runs. Values are trusted: callers check them.
 */
export class RingSum {
  private readonly ring: Float64Array;
  private head = 0;
  private held = 0;
  private total = 0;

  constructor(capacity: number) {
    this.ring = new Float64Array(capacity);
  }

  /** Values held: the number pushed, at most the capacity. */
  get count(): number {
    return this.held;
  }

  get sum(): number {
    return this.total;
  }

  get full(): boolean {
    return this.held === this.ring.length;
  }

  push(value: number): void {
    if (this.held === this.ring.length) this.total -= this.ring[this.head]!;
    else this.held++;
    this.ring[this.head] = value;
    this.head = (this.head + 1) % this.ring.length;
    this.total += value;
    if (this.head === 0) this.total = this.ring.reduce((a, b) => a + b, 0);
  }
}

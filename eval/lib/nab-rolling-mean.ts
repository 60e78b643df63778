/** The mean of the last `rows` values, or null until that many have been seen. */
export class RollingMean {
  private readonly ring: Float64Array;
  private count = 0;
  private head = 0;
  private sum = 0;

  constructor(rows: number) {
    this.ring = new Float64Array(rows);
  }

  next(value: number): number | null {
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

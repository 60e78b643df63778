/**
 * A value outside everything seen recently is anomalous whatever a forecaster predicted: a
 * forecaster that follows the series closely predicts a new extreme well one step later, and
 * its error alone then says little. The range of the last `memory` values is widened on both
 * sides by `tolerance` times its width, so that values grazing the old extremes do not count.
 * The range forgets: once an old anomaly has left the memory, a later one of a similar size
 * stands out again.
 */
export class RangeNovelty {
  private readonly highs = new MonotonicQueue((a, b) => a >= b);
  private readonly lows = new MonotonicQueue((a, b) => a <= b);
  private seen = 0;

  constructor(
    private readonly tolerance: number,
    private readonly memory: number,
  ) {}

  /** Adds a value to the range without judging it (e.g. the probationary rows). */
  observe(value: number): void {
    this.highs.push(this.seen, value);
    this.lows.push(this.seen, value);
    this.seen++;
    this.highs.dropBefore(this.seen - this.memory);
    this.lows.dropBefore(this.seen - this.memory);
  }

  /** Whether `value` lies outside the widened range of the remembered values; it then joins them. */
  next(value: number): boolean {
    let novel = false;
    if (this.seen > 0) {
      const max = this.highs.front();
      const min = this.lows.front();
      const margin = this.tolerance * (max - min);
      novel = max > min && (value > max + margin || value < min - margin);
    }
    this.observe(value);
    return novel;
  }
}

/**
 * The values of a sliding window that can still become its extreme: each push drops the
 * values it dominates, so the front is the window's maximum (or minimum) in amortised O(1).
 */
class MonotonicQueue {
  private indices: number[] = [];
  private values: number[] = [];
  private head = 0;

  constructor(private readonly dominates: (newer: number, older: number) => boolean) {}

  push(index: number, value: number): void {
    while (this.values.length > this.head && this.dominates(value, this.values[this.values.length - 1]!)) {
      this.values.pop();
      this.indices.pop();
    }
    this.values.push(value);
    this.indices.push(index);
  }

  dropBefore(index: number): void {
    while (this.head < this.indices.length && this.indices[this.head]! < index) this.head++;
    // Compact now and then so the arrays stay as long as the window, not the series.
    if (this.head > 1024 && this.head * 2 > this.indices.length) {
      this.indices = this.indices.slice(this.head);
      this.values = this.values.slice(this.head);
      this.head = 0;
    }
  }

  front(): number {
    return this.values[this.head]!;
  }
}

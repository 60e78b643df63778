/**
 * The values of a sliding window that can still become its extreme: each push drops the
 * values it dominates, so the front is the window's maximum (or minimum) in amortised O(1).
 */
export class MonotonicQueue {
  private indices: number[] = [];
  private values: number[] = [];
  private head = 0;

  /** `dominates(newer, older)`: whether `newer` can replace `older` as the extreme. */
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

  /** The extreme of the window; only meaningful after a push. */
  front(): number {
    return this.values[this.head]!;
  }
}

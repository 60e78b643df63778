/**
 * Change against the same time one period earlier: the mean, over the last `smoothing` rows,
 * of the squared difference between each value and the value `period` rows before it. The
 * forecaster sees only its input window (32 rows, a few hours of 5-minute data), so it cannot
 * notice that a daily pattern failed to repeat (a missing jump, a flat afternoon); this
 * measure sees a day back, and averaging over a stretch of rows makes a sustained departure
 * stand out against single noisy rows.
 */
export class SeasonalChange {
  private readonly past: Float64Array;
  private pastCount = 0;
  private pastHead = 0;
  private readonly squares: Float64Array;
  private squaresCount = 0;
  private squaresHead = 0;
  private squaresSum = 0;

  constructor(period: number, smoothing: number) {
    this.past = new Float64Array(period);
    this.squares = new Float64Array(smoothing);
  }

  /** The smoothed squared change at `value`, or null before a full period has been seen. */
  next(value: number): number | null {
    let change: number | null = null;
    if (this.pastCount === this.past.length) {
      const square = (value - this.past[this.pastHead]!) ** 2;
      if (this.squaresCount === this.squares.length) this.squaresSum -= this.squares[this.squaresHead]!;
      else this.squaresCount++;
      this.squares[this.squaresHead] = square;
      this.squaresHead = (this.squaresHead + 1) % this.squares.length;
      this.squaresSum += square;
      // Rounding residue of the running sum is removed once per lap of the ring.
      if (this.squaresHead === 0) this.squaresSum = this.squares.reduce((a, b) => a + b, 0);
      change = Math.max(0, this.squaresSum) / this.squaresCount;
    } else {
      this.pastCount++;
    }
    this.past[this.pastHead] = value;
    this.pastHead = (this.pastHead + 1) % this.past.length;
    return change;
  }
}

const DAY_MS = 86_400_000;

/**
 * Rows per day from the median spacing of the first `rows` timestamps (epoch milliseconds), or
 * 0 when that spacing is not positive.
 */
export function rowsPerDay(timestamps: ArrayLike<number>, rows = timestamps.length): number {
  const gaps: number[] = [];
  for (let r = 1; r < Math.min(rows, timestamps.length); r++) gaps.push(timestamps[r]! - timestamps[r - 1]!);
  if (gaps.length === 0) return 0;
  gaps.sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)]!;
  return median > 0 ? Math.round(DAY_MS / median) : 0;
}

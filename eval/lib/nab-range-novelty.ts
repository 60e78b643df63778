/**
 * A value outside everything seen so far is anomalous whatever a forecaster predicted: a
 * forecaster that follows the series closely predicts a new extreme well one step later, and
 * its error alone then says little. The range of earlier values is widened on both sides by
 * `tolerance` times its width, so that values grazing the old extremes do not count.
 */
export class RangeNovelty {
  private min = Infinity;
  private max = -Infinity;

  constructor(private readonly tolerance: number) {}

  /** Adds a value to the range without judging it (e.g. the probationary rows). */
  observe(value: number): void {
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** Whether `value` lies outside the widened range of earlier values; it then joins the range. */
  next(value: number): boolean {
    const width = this.max - this.min;
    const margin = this.tolerance * width;
    const novel = width > 0 && (value > this.max + margin || value < this.min - margin);
    this.observe(value);
    return novel;
  }
}

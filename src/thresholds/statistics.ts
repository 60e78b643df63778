/**
 * Descriptive statistics of score arrays, in float64 whatever the input precision so that
 * thresholds do not depend on summation order quirks of float32.
 */

/**
 * The q-quantile (q in [0, 1]) of ascending-sorted values with linear interpolation between
 * the two nearest order statistics, i.e. NumPy's default ('linear', position (n - 1) * q).
 */
export function quantileOfSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 1) return sorted[0]!;
  const position = (n - 1) * q;
  const below = Math.floor(position);
  if (below >= n - 1) return sorted[n - 1]!;
  const fraction = position - below;
  const lo = sorted[below]!;
  const hi = sorted[below + 1]!;
  // Interpolating from the nearer end keeps the result exact at both ends and monotone in q.
  const gap = hi - lo;
  return fraction < 0.5 ? lo + gap * fraction : hi - gap * (1 - fraction);
}

/** An ascending copy, leaving the caller's array untouched. */
export function sortedCopy(values: Float64Array): Float64Array {
  return Float64Array.from(values).sort();
}

export interface MeanAndSpread {
  mean: number;
  /** Population standard deviation (divides by n, like NumPy's default ddof = 0). */
  std: number;
}

/** Two passes (mean, then squared deviations) so a large common offset does not cancel digits. */
export function meanAndStd(values: Float64Array, start = 0, end = values.length): MeanAndSpread {
  const n = end - start;
  let sum = 0;
  for (let i = start; i < end; i++) sum += values[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = start; i < end; i++) {
    const d = values[i]! - mean;
    squares += d * d;
  }
  return { mean, std: Math.sqrt(squares / n) };
}

/**
 * Descriptive statistics of score arrays, in float64 whatever the input precision so that
 * thresholds do not depend on summation order quirks of float32.
 */

/**
 * The q-quantile (q in [0, 1]) with linear interpolation between the two nearest order
 * statistics, i.e. NumPy's default ('linear', position (n - 1) * q). Found by selection in
 * O(n) on a scratch copy rather than by sorting, since calibration sets can be long.
 */
export function quantile(values: Float64Array, q: number): number {
  const n = values.length;
  const position = (n - 1) * q;
  const below = Math.min(n - 1, Math.floor(position));
  const scratch = Float64Array.from(values);
  const lo = selectInPlace(scratch, below);
  if (below === n - 1) return lo;
  const fraction = position - below;
  if (fraction === 0) return lo;
  // After selection everything right of `below` is >= lo; the next order statistic is their minimum.
  let hi = Infinity;
  for (let i = below + 1; i < n; i++) if (scratch[i]! < hi) hi = scratch[i]!;
  // Interpolating from the nearer end keeps the result exact at both ends and monotone in q.
  const gap = hi - lo;
  return fraction < 0.5 ? lo + gap * fraction : hi - gap * (1 - fraction);
}

/**
 * Rearranges `a` so that a[k] is the k-th smallest value, nothing before it is larger and nothing
 * after it is smaller (Hoare partitioning around a median-of-three pivot).
 */
function selectInPlace(a: Float64Array, k: number): number {
  let left = 0;
  let right = a.length - 1;
  while (right > left) {
    const middle = (left + right) >>> 1;
    // Order a[left], a[middle], a[right] so the pivot is their median.
    if (a[middle]! < a[left]!) swap(a, middle, left);
    if (a[right]! < a[left]!) swap(a, right, left);
    if (a[right]! < a[middle]!) swap(a, right, middle);
    const pivot = a[middle]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return a[k]!;
  }
  return a[k]!;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
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

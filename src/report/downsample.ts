/**
 * Display-only reduction of long series: one pixel column gets at most two points (its minimum
 * and maximum, in row order), so spikes survive while a million rows become a few thousand
 * path vertices. Detection never sees these values.
 */

export interface DisplayLine {
  /** Row index of each vertex. NaN in `values` ends a segment (a gap in the data). */
  readonly rows: number[];
  readonly values: number[];
}

/** Bucket b covers rows [bucketStart(b), bucketStart(b + 1)) of `count` rows. */
function bucketStart(bucket: number, count: number, buckets: number): number {
  return Math.floor((bucket * count) / buckets);
}

/**
 * Reads `count` values at `offset + i * stride` (a column of a row-major matrix) and keeps the
 * min and max of each of `buckets` equal row ranges. Short inputs are returned whole.
 */
export function minMaxDownsample(
  values: ArrayLike<number>,
  count: number,
  buckets: number,
  stride = 1,
  offset = 0,
): DisplayLine {
  const rows: number[] = [];
  const out: number[] = [];
  const pushGap = (row: number) => {
    if (out.length > 0 && !Number.isNaN(out[out.length - 1]!)) {
      rows.push(row);
      out.push(Number.NaN);
    }
  };

  if (count <= 2 * buckets) {
    for (let i = 0; i < count; i++) {
      const v = values[offset + i * stride]!;
      if (Number.isFinite(v)) {
        rows.push(i);
        out.push(v);
      } else {
        pushGap(i);
      }
    }
    return { rows, values: out };
  }

  for (let b = 0; b < buckets; b++) {
    const lo = bucketStart(b, count, buckets);
    const hi = bucketStart(b + 1, count, buckets);
    let minRow = -1;
    let maxRow = -1;
    let minValue = Infinity;
    let maxValue = -Infinity;
    let gapBefore = false;
    let gapAfter = false;
    for (let i = lo; i < hi; i++) {
      const v = values[offset + i * stride]!;
      if (!Number.isFinite(v)) {
        if (minRow < 0) gapBefore = true;
        else gapAfter = true;
        continue;
      }
      if (v < minValue) {
        minValue = v;
        minRow = i;
      }
      if (v > maxValue) {
        maxValue = v;
        maxRow = i;
      }
    }
    if (gapBefore) pushGap(lo);
    if (minRow < 0) continue;
    if (minRow === maxRow) {
      rows.push(minRow);
      out.push(minValue);
    } else if (minRow < maxRow) {
      rows.push(minRow, maxRow);
      out.push(minValue, maxValue);
    } else {
      rows.push(maxRow, minRow);
      out.push(maxValue, minValue);
    }
    if (gapAfter) pushGap(hi - 1);
  }
  return { rows, values: out };
}

/**
 * One representative flagged row per bucket that holds any flagged row (the one with the
 * highest score), so every flagged point stays visible as a mark however long the series.
 */
export function flaggedMarkRows(
  flags: ArrayLike<number>,
  scores: ArrayLike<number>,
  count: number,
  buckets: number,
): number[] {
  const marks: number[] = [];
  const perBucket = count <= 2 * buckets ? 1 : 0;
  const bucketCount = perBucket ? count : buckets;
  for (let b = 0; b < bucketCount; b++) {
    const lo = perBucket ? b : bucketStart(b, count, buckets);
    const hi = perBucket ? b + 1 : bucketStart(b + 1, count, buckets);
    let best = -1;
    let bestScore = -Infinity;
    for (let i = lo; i < hi; i++) {
      if (!flags[i]) continue;
      const s = scores[i]!;
      if (best < 0 || s > bestScore) {
        best = i;
        bestScore = s;
      }
    }
    if (best >= 0) marks.push(best);
  }
  return marks;
}

/**
 * Where a detection lands decides what NAB pays for it. This file turns a file's labelled
 * windows into one weight per scored row, independent of the cost profile:
 *   inside a window   sig(-(r - i + 1) / W) / sig(-1), in (0, 1], earliest row = 1
 *   before any window -1
 *   after a window    sig((i - r') / (W' - 1)), in [-1, 0), r' and W' of the last window that ended
 * The profile then multiplies window weights by A_TP and the others by A_FP.
 */
import type { IndexRange } from '../ranges.js';

/** NAB's scaled sigmoid: 2 / (1 + e^(5x)) - 1, clamped to -1 beyond x = 3. */
export function nabSigmoid(x: number): number {
  if (x > 3) return -1;
  return 2 / (1 + Math.exp(5 * x)) - 1;
}

const SIG_MINUS_ONE = nabSigmoid(-1);

/** Rows `[0, P)` are the detector's warm-up and are never scored. */
export function nabProbationaryLength(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 750);
}

export interface NabRowWeights {
  /** Number of leading probationary rows; index k below is row `probation + k`. */
  probation: number;
  /** Window index of each scored row, -1 outside every window. */
  window: Int32Array;
  /** Profile-free weight of a detection at each scored row (see the file comment). */
  weight: Float64Array;
  windowCount: number;
}

/** `windows` must be sorted, non-overlapping inclusive row ranges inside `[0, rows)`. */
export function nabRowWeights(rows: number, windows: readonly IndexRange[]): NabRowWeights {
  const probation = nabProbationaryLength(rows);
  const scored = rows - probation;
  const window = new Int32Array(scored).fill(-1);
  const weight = new Float64Array(scored);
  let next = 0; // first window not yet ended at row i
  let last = -1; // most recent window that ended before row i
  for (let i = probation; i < rows; i++) {
    while (next < windows.length && windows[next]!.end < i) last = next++;
    const k = i - probation;
    const w = windows[next];
    if (w !== undefined && w.start <= i) {
      const width = w.end - w.start + 1;
      window[k] = next;
      weight[k] = nabSigmoid(-(w.end - i + 1) / width) / SIG_MINUS_ONE;
    } else if (last < 0) {
      weight[k] = -1;
    } else {
      const prev = windows[last]!;
      const width = prev.end - prev.start + 1;
      // A one-row window has no width to scale by; its aftermath is charged in full.
      weight[k] = width > 1 ? nabSigmoid((i - prev.end) / (width - 1)) : -1;
    }
  }
  return { probation, window, weight, windowCount: windows.length };
}

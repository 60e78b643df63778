/**
 * Nonparametric dynamic thresholding (Hundman et al., "Detecting Spacecraft Anomalies Using
 * LSTMs and Nonparametric Dynamic Thresholding", KDD 2018), as used by telemanom.
 *
 * Scores are judged `batch` rows at a time, each batch together with the trailing `window` rows
 * of history. For a window with mean mu and standard deviation sd, candidate thresholds
 * epsilon = mu + z * sd (z = 2.5, 3, ..., 11.5) are scored by
 *   (delta mu / mu + delta sd / sd) / (|e_a| + |E_seq|^2)
 * where delta mu and delta sd are how much the mean and spread fall once the scores above
 * epsilon are removed, e_a are the rows above epsilon widened by `buffer` rows on each side and
 * E_seq the contiguous sequences they form. The best z wins, provided it leaves at most 5
 * sequences and flags under half the window; otherwise z = 12. Sequences found in the batch are
 * then pruned: their peak scores, sorted in decreasing order and followed by the highest score
 * in the window that is not flagged, must drop by at least a share `p` somewhere below them,
 * else they are not anomalies.
 */
import { meanAndStd } from './statistics.js';
import type { Steps } from './cooperative.js';

export interface NonparametricOptions {
  window: number;
  batch: number;
  p: number;
  buffer: number;
  inverse: boolean;
  minScore: number | null;
}

const Z_FIRST = 2.5;
const Z_STEP = 0.5;
/** Used when no candidate passes the sanity limits: only extreme excursions remain anomalous. */
const Z_FALLBACK = 12;
const MAX_SEQUENCES = 5;
const MAX_FLAGGED_SHARE = 0.5;

/** The selected z of one window, and the epsilon = mean + z * std it stands for. */
export interface EpsilonChoice {
  z: number;
  epsilon: number;
}

/**
 * Chooses epsilon for the scores values[start, end). Works in deviations from the window mean
 * so removing a few large scores does not cancel digits in the pruned variance.
 */
export function selectEpsilon(values: Float64Array, start: number, end: number, buffer: number): EpsilonChoice {
  const { mean, std } = meanAndStd(values, start, end);
  const n = end - start;
  if (!(std > 0)) return { z: Z_FALLBACK, epsilon: mean };
  let totalDeviation = 0;
  let totalSquares = 0;
  const lowest = mean + Z_FIRST * std;
  const positions: number[] = [];
  const deviations: number[] = [];
  for (let i = start; i < end; i++) {
    const d = values[i]! - mean;
    totalDeviation += d;
    totalSquares += d * d;
    if (values[i]! > lowest) {
      positions.push(i - start);
      deviations.push(d);
    }
  }

  let bestScore = 0;
  let bestZ = Z_FALLBACK;
  for (let z = Z_FIRST; z < Z_FALLBACK; z += Z_STEP) {
    const cut = z * std;
    let above = 0;
    let aboveDeviation = 0;
    let aboveSquares = 0;
    let covered = 0;
    let sequences = 0;
    let coveredUpTo = -1;
    for (let j = 0; j < positions.length; j++) {
      const d = deviations[j]!;
      if (!(d > cut)) continue;
      above++;
      aboveDeviation += d;
      aboveSquares += d * d;
      const from = Math.max(0, positions[j]! - buffer);
      const to = Math.min(n - 1, positions[j]! + buffer);
      if (sequences === 0 || from > coveredUpTo + 1) {
        sequences++;
        covered += to - from + 1;
      } else if (to > coveredUpTo) {
        covered += to - coveredUpTo;
      }
      if (to > coveredUpTo) coveredUpTo = to;
    }
    if (above === 0 || above === n) continue;
    const kept = n - above;
    const keptMeanShift = (totalDeviation - aboveDeviation) / kept;
    const keptStd = Math.sqrt(Math.max(0, (totalSquares - aboveSquares) / kept - keptMeanShift * keptMeanShift));
    // A mean of exactly zero makes the relative fall of the mean meaningless; the spread term still counts.
    const meanDrop = mean !== 0 ? -keptMeanShift / Math.abs(mean) : 0;
    const stdDrop = (std - keptStd) / std;
    const score = (meanDrop + stdDrop) / (sequences * sequences + covered);
    if (score >= bestScore && sequences <= MAX_SEQUENCES && covered < n * MAX_FLAGGED_SHARE) {
      bestScore = score;
      bestZ = z;
    }
  }
  return { z: bestZ, epsilon: mean + bestZ * std };
}

/**
 * Which sequences survive pruning, given each sequence's peak score and the highest score in the
 * window outside every sequence (-Infinity if there is none). Walking down the peaks in
 * decreasing order, a step that falls by less than `p` (relative to the higher peak) marks the
 * higher sequence for removal; a step that falls by `p` or more clears every mark so far, since
 * everything above a clear gap stands out.
 */
export function pruneSequences(peaks: ArrayLike<number>, nonAnomalousMax: number, p: number): Uint8Array {
  const order = Array.from({ length: peaks.length }, (_, i) => i).sort((a, b) => peaks[b]! - peaks[a]! || a - b);
  const chain = order.map((i) => peaks[i]!);
  if (Number.isFinite(nonAnomalousMax)) chain.push(nonAnomalousMax);
  let marked: number[] = [];
  for (let r = 0; r + 1 < chain.length; r++) {
    const high = chain[r]!;
    const fall = high !== 0 ? (high - chain[r + 1]!) / Math.abs(high) : 0;
    if (fall < p) marked.push(order[r]!);
    else marked = [];
  }
  const keep = new Uint8Array(peaks.length).fill(1);
  for (const i of marked) keep[i] = 0;
  return keep;
}

export interface NonparametricResult {
  /** The upward epsilon each row was judged against. */
  threshold: Float32Array;
  flags: Uint8Array;
}

/**
 * The whole procedure over a score series, one window per step. Unlike telemanom, the last
 * partial batch is judged against the `window` rows that end with it, so no row is skipped.
 */
export function* nonparametricSteps(scores: Float64Array, options: NonparametricOptions): Steps<NonparametricResult> {
  const n = scores.length;
  const threshold = new Float32Array(n);
  const flags = new Uint8Array(n);
  const mirrored = options.inverse ? new Float64Array(Math.min(n, options.window)) : null;
  for (let judgedFrom = 0; judgedFrom < n;) {
    const end = judgedFrom === 0 ? Math.min(n, options.window) : Math.min(n, judgedFrom + options.batch);
    const start = Math.max(0, end - options.window);
    const upward = judgeWindow(scores, start, judgedFrom, end, options.minScore ?? -Infinity, options, flags);
    threshold.fill(upward, judgedFrom, end);
    // A window whose scores all lie at or below the floor is quiet as a whole: a dip in scores
    // that are all negligible is not an anomaly either (telemanom skips such windows).
    if (mirrored !== null && !(options.minScore !== null && windowMax(scores, start, end) <= options.minScore)) {
      const { mean } = meanAndStd(scores, start, end);
      const view = mirrored.subarray(0, end - start);
      for (let i = start; i < end; i++) view[i - start] = 2 * mean - scores[i]!;
      judgeWindow(view, 0, judgedFrom - start, end - start, -Infinity, options, flags.subarray(start, end));
    }
    judgedFrom = end;
    yield;
  }
  return { threshold, flags };
}

function windowMax(values: Float64Array, start: number, end: number): number {
  let max = -Infinity;
  for (let i = start; i < end; i++) if (values[i]! > max) max = values[i]!;
  return max;
}

/**
 * Judges rows [judgedFrom, end) of `values` with the history [start, end), sets their flags, and
 * returns the epsilon used. Rows flagged earlier (before judgedFrom) stay out of the
 * non-anomalous maximum used for pruning.
 */
function judgeWindow(
  values: Float64Array,
  start: number,
  judgedFrom: number,
  end: number,
  minScore: number,
  options: NonparametricOptions,
  flags: Uint8Array,
): number {
  const { epsilon } = selectEpsilon(values, start, end, options.buffer);
  const buffer = options.buffer;
  const sequenceStarts: number[] = [];
  const sequenceEnds: number[] = [];
  for (let i = start; i < end; i++) {
    const v = values[i]!;
    if (!(v > epsilon && v > minScore)) continue;
    const from = Math.max(judgedFrom, i - buffer);
    const to = Math.min(end - 1, i + buffer);
    if (from > to) continue;
    const last = sequenceEnds.length - 1;
    if (last >= 0 && from <= sequenceEnds[last]! + 1) {
      if (to > sequenceEnds[last]!) sequenceEnds[last] = to;
    } else {
      sequenceStarts.push(from);
      sequenceEnds.push(to);
    }
  }
  if (sequenceStarts.length === 0) return epsilon;

  const peaks = new Float64Array(sequenceStarts.length);
  let nonAnomalousMax = -Infinity;
  let s = 0;
  for (let i = start; i < end; i++) {
    while (s < sequenceEnds.length && i > sequenceEnds[s]!) s++;
    const inSequence = s < sequenceStarts.length && i >= sequenceStarts[s]!;
    const v = values[i]!;
    if (inSequence) {
      if (i === sequenceStarts[s]! || v > peaks[s]!) peaks[s] = v;
    } else if (flags[i] === 0 && v > nonAnomalousMax) {
      nonAnomalousMax = v;
    }
  }
  const keep = pruneSequences(peaks, nonAnomalousMax, options.p);
  for (let k = 0; k < keep.length; k++) {
    if (keep[k] === 1) flags.fill(1, sequenceStarts[k]!, sequenceEnds[k]! + 1);
  }
  return epsilon;
}

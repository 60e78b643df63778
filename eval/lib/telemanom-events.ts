/**
 * Events found the way telemanom finds them (Hundman et al., KDD 2018; the khundman/telemanom
 * error-processing step), from a channel's smoothed prediction errors and its true telemetry
 * values, both in telemanom's units (the data as published, pre-scaled to [-1, 1]).
 *
 * The library's nonparametric dynamic threshold (src/thresholds) implements the published
 * procedure for any score series. telemanom adds data-specific rules around it, reproduced
 * here so the benchmark follows its protocol and not only its paper:
 * - its model predicts `predictions` rows ahead, so the last `predictions` rows of a test array
 *   have no error there and are never judged, here neither; the length rules below refer to
 *   the series without them;
 * - the first `sequenceLength` smoothed errors are replaced by their mean over the first
 *   2 x `sequenceLength`, because an EWMA restarted at the first prediction averages too few
 *   errors there;
 * - windows of `windowBatches` x `batch` rows step by `batch`; window 0 judges all its rows
 *   except the first 500 (250 below 2500 predicted rows, none below 1800), every later window
 *   only its last `batch` rows, and the last window runs to the end of the series;
 * - a window flags nothing unless its errors are large in absolute terms (max > `minError`)
 *   and against the telemetry (std above `minError` x the values' std, or max above `minError`
 *   x their 5-95 percentile range), and a flagged error must exceed `minError` x that range;
 * - errors far below the window mean count too (the mirrored series 2 x mean - e);
 * - pruning compares sequence peaks with the highest error left unflagged in the window;
 * - single-row sequences are dropped.
 */
import type { IndexRange } from '../../src/eval/index.js';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { pruneSequences, selectEpsilon } from '../../src/thresholds/nonparametric.js';
import { meanAndStd } from '../../src/thresholds/statistics.js';

export interface TelemanomSettings {
  /** Rows per input window of the model (telemanom's l_s, 250). */
  sequenceLength: number;
  /** Rows telemanom's model predicts ahead (n_predictions, 10); only the first is scored. */
  predictions: number;
  /** Rows judged per step (70). */
  batch: number;
  /** Batches per threshold window (30, so windows of 2100 rows). */
  windowBatches: number;
  /** Rows added on each side of a flagged error (100). */
  buffer: number;
  /** Minimum relative fall between sequence peaks to keep the higher one (0.13). */
  p: number;
  /** Error floor in data units (0.05). */
  minError: number;
}

export const TELEMANOM_SETTINGS: TelemanomSettings = {
  sequenceLength: 250,
  predictions: 10,
  batch: 70,
  windowBatches: 30,
  buffer: 100,
  p: 0.13,
  minError: 0.05,
};

/**
 * `errors[i]` is the smoothed absolute error of the prediction of `values[i]`; both cover the
 * predicted rows only. Returns inclusive ranges of indices into these arrays.
 */
export function telemanomEvents(
  errors: ArrayLike<number>,
  values: ArrayLike<number>,
  settings: TelemanomSettings = TELEMANOM_SETTINGS,
): IndexRange[] {
  if (values.length !== errors.length) {
    throw new InvalidArgumentError(
      `values must have one row per error (${errors.length}), got ${values.length}`,
      'ERR_SHAPE_MISMATCH',
    );
  }
  const n = Math.max(0, errors.length - settings.predictions);
  if (n === 0) return [];
  const smoothed = evenOutStart(
    Float64Array.from({ length: n }, (_, i) => errors[i]!),
    settings.sequenceLength,
  );
  const truth = Float64Array.from({ length: n }, (_, i) => values[i]!);
  const flagged = new Uint8Array(n);
  const { batch, windowBatches } = settings;
  // A series shorter than one window and a batch is judged as a single window (telemanom
  // shrinks its window there, which comes to the same as its one window spans the series).
  const steps = Math.max(0, Math.floor((n - windowBatches * batch) / batch));
  const ignoredAtStart = n < 1800 ? 0 : n < 2500 ? settings.sequenceLength : 2 * settings.sequenceLength;
  for (let step = 0; step <= steps; step++) {
    const start = step * batch;
    const end = step === steps ? n : windowBatches * batch + step * batch;
    const judgedFrom = step === 0 ? ignoredAtStart : end - start - batch;
    const found = judgeWindow(
      smoothed.subarray(start, end),
      truth.subarray(start, end),
      judgedFrom,
      flagged.subarray(start, end),
      settings,
    );
    for (const i of found) flagged[start + i] = 1;
  }
  return runsOfFlags(flagged);
}

function evenOutStart(errors: Float64Array, sequenceLength: number): Float64Array {
  const span = Math.min(2 * sequenceLength, errors.length);
  let sum = 0;
  for (let i = 0; i < span; i++) sum += errors[i]!;
  errors.fill(sum / span, 0, Math.min(sequenceLength, errors.length));
  return errors;
}

/** Indices (within the window) flagged by one window in either direction, after pruning. */
function judgeWindow(
  errors: Float64Array,
  values: Float64Array,
  judgedFrom: number,
  flaggedBefore: Uint8Array,
  settings: TelemanomSettings,
): number[] {
  const { mean, std } = meanAndStd(errors);
  const valueStd = meanAndStd(values).std;
  const valueRange = percentile(values, 95) - percentile(values, 5);
  let maxError = -Infinity;
  for (const e of errors) maxError = Math.max(maxError, e);
  const floor = settings.minError;
  // Errors small against the telemetry, or tiny outright, are noise of a well-predicted channel.
  if (!(std > floor * valueStd || maxError > floor * valueRange) || !(maxError > floor)) return [];

  const mirrored = errors.map((e) => 2 * mean - e);
  const upward = judgeDirection(errors, judgedFrom, floor * valueRange, flaggedBefore, settings);
  const downward = judgeDirection(mirrored, judgedFrom, floor * valueRange, flaggedBefore, settings);
  return [...new Set([...upward, ...downward])];
}

function judgeDirection(
  errors: Float64Array,
  judgedFrom: number,
  floor: number,
  flaggedBefore: Uint8Array,
  settings: TelemanomSettings,
): number[] {
  const n = errors.length;
  // telemanom's search for epsilon widens by one row less than its flagging does.
  const { epsilon } = selectEpsilon(errors, 0, n, settings.buffer - 1);
  const marked = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (!(errors[i]! >= epsilon && errors[i]! > floor)) continue;
    for (let j = Math.max(judgedFrom, i - settings.buffer); j <= Math.min(n - 1, i + settings.buffer); j++)
      marked[j] = 1;
  }
  const anomalous: number[] = [];
  let nonAnomalousMax = -Infinity;
  for (let i = 0; i < n; i++) {
    if (marked[i] === 1) anomalous.push(i);
    else if (flaggedBefore[i] === 0) nonAnomalousMax = Math.max(nonAnomalousMax, errors[i]!);
  }
  if (anomalous.length === 0) return [];
  const sequences = runsOfFlags(marked);
  // With no multi-row sequence to prune, telemanom leaves the flagged rows as they are.
  if (sequences.length === 0) return anomalous;
  const peaks = sequences.map((s) => {
    let peak = -Infinity;
    for (let i = s.start; i <= s.end; i++) peak = Math.max(peak, errors[i]!);
    return peak;
  });
  const keep = pruneSequences(peaks, nonAnomalousMax, settings.p);
  const kept: number[] = [];
  sequences.forEach((s, k) => {
    if (keep[k] === 1) for (let i = s.start; i <= s.end; i++) kept.push(i);
  });
  return kept;
}

/** Runs of consecutive set flags longer than one row, as inclusive ranges. */
function runsOfFlags(flags: Uint8Array): IndexRange[] {
  const out: IndexRange[] = [];
  for (let i = 0; i < flags.length;) {
    if (flags[i] === 0) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < flags.length && flags[j + 1] === 1) j++;
    if (j > i) out.push({ start: i, end: j });
    i = j + 1;
  }
  return out;
}

/** Linear-interpolation percentile (NumPy's default), q in [0, 100]. */
function percentile(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const at = ((sorted.length - 1) * q) / 100;
  const below = Math.floor(at);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (at - below);
}

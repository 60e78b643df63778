/**
 * Contamination tolerance by residual trimming: after a first cross-fit round, the rows whose
 * out-of-sample score is extreme are taken for anomalies in the training data; the windows that
 * read or predict them are left out of training and their scores out of calibration, and the
 * model is fitted again. `contamination` is PyOD's name for the expected share of anomalies:
 * - 'auto' (default): a row is extreme when its score exceeds median + 6 * 1.4826 * MAD of the
 *   out-of-sample scores of the rows not yet dropped (a robust z-score above 6), and the check is
 *   repeated after each refit (at most MAX_TRIM_ROUNDS). Normal scores seldom reach that (a
 *   Gaussian tail beyond 6 sigma; an exponential one beyond about 0.7%), anomalies that are large
 *   next to the normal prediction error do;
 * - a share p in (0, 0.5]: the p most extreme rows are dropped, whatever their scores;
 * - 0: nothing is dropped.
 * Each dropped row takes the rows its score echoes into along (withEchoes); 'auto' stops short of
 * taking more than AUTO_MAX_TRIMMED_SHARE of the rows for anomalies. The factor is a round
 * number for a robust outlier rule, chosen between 10 and 6 on the development seeds of
 * eval/synthetic-detection.ts and eval/calibration.ts (never on the reported seeds, NAB or NASA).
 */
import type { Contamination } from '../model/fitted-model.js';
import { windowSpan, type WindowShape } from '../model/window-starts.js';

/** Robust z-score (in MAD units scaled to sigma) above which 'auto' drops a row. */
export const CONTAMINATION_ROBUST_Z = 6;
/** Scales the MAD to the standard deviation of a Gaussian. */
const MAD_TO_SIGMA = 1.4826;

/**
 * 'auto' never takes more than this share of the scored rows for anomalies (PyOD's default
 * contamination; counted before the echoes, which come on top): scores that are extreme more
 * often than that are the series' normal behaviour, or a model that has not learnt it yet,
 * rather than contamination. A round that would exceed it is not applied. (Half the rows,
 * echoes included, tried first, let the rounds ratchet on a real series: each round's MAD, of
 * the kept rows only, is smaller than the last.)
 */
export const AUTO_MAX_TRIMMED_SHARE = 0.1;

/** Refits at most this many times: each round may reveal anomalies the previous models had learned. */
export const MAX_TRIM_ROUNDS = 3;

/**
 * Which of `scores` (one per row, in row order) are extreme by the rule of the module comment:
 * 1 = extreme. Under 'auto' the median and MAD are those of the rows not yet `excluded`, so the
 * rows dropped in an earlier round (and their echoes) do not inflate the spread.
 */
export function contaminatedRows(
  scores: Float32Array,
  contamination: Contamination,
  excluded: Uint8Array | null = null,
): Uint8Array {
  const n = scores.length;
  const dropped = new Uint8Array(n);
  if (contamination === 0 || n === 0) return dropped;
  let cut: number;
  if (contamination === 'auto') {
    const kept = Float64Array.from(excluded ? scores.filter((_, i) => excluded[i] === 0) : scores).sort();
    if (kept.length === 0) return dropped;
    const median = middle(kept);
    const mad = middle(Float64Array.from(kept, (s) => Math.abs(s - median)).sort());
    // A series predicted perfectly has MAD 0; then nothing stands out by a robust rule.
    if (!(mad > 0)) return dropped;
    cut = median + CONTAMINATION_ROBUST_Z * MAD_TO_SIGMA * mad;
  } else {
    const sorted = Float64Array.from(scores).sort();
    const keep = n - Math.floor(contamination * n);
    if (keep >= n) return dropped;
    cut = sorted[keep - 1]!;
  }
  for (let i = 0; i < n; i++) if (scores[i]! > cut) dropped[i] = 1;
  return dropped;
}

function middle(sorted: Float64Array): number {
  const n = sorted.length;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

/** Rows after which a score's weight in the EWMA with factor `alpha` falls below 1%. */
export function smoothingMemory(alpha: number): number {
  return alpha < 1 ? Math.ceil(Math.log(0.01) / Math.log(1 - alpha)) : 0;
}

/**
 * Rows whose score an extreme row enters: the rows whose windows read it (`reach` = the window)
 * and the smoothing's memory after them (smoothingMemory). They are dropped with it, so that the
 * calibration scores hold neither the anomaly nor its echo.
 */
export function withEchoes(dropped: Uint8Array, reach: number): Uint8Array {
  const out = new Uint8Array(dropped.length);
  let until = -1;
  for (let r = 0; r < dropped.length; r++) {
    if (dropped[r] === 1) until = r + reach;
    if (r <= until) out[r] = 1;
  }
  return out;
}

/**
 * One trimming step over a series of `rows` rows whose rows from `from` on have `scores`: the
 * rows to leave out (those already `dropped`, plus the newly extreme ones, with their echoes
 * over `echo` rows); null when 'auto' would take more than AUTO_MAX_TRIMMED_SHARE of the scored
 * rows (dropped ones included) for anomalies. `grew` says whether anything new was taken.
 */
export function trimStep(
  scores: Float32Array,
  from: number,
  rows: number,
  contamination: Contamination,
  echo: number,
  dropped: Uint8Array | null,
): { rows: Uint8Array; grew: boolean } | null {
  const extreme = new Uint8Array(rows);
  extreme.set(contaminatedRows(scores, contamination, dropped ? dropped.subarray(from) : null), from);
  if (dropped) for (let r = 0; r < rows; r++) extreme[r]! |= dropped[r]!;
  const share = extreme.reduce((sum, v) => sum + v, 0) / (rows - from);
  if (contamination === 'auto' && share > AUTO_MAX_TRIMMED_SHARE) return null;
  const next = withEchoes(extreme, echo);
  const grew = next.some((v, r) => v === 1 && (dropped === null || dropped[r] === 0));
  return { rows: next, grew };
}

/** The window starts none of whose rows (inputs or targets) is dropped (`dropped` indexed by series row). */
export function cleanStarts(starts: Int32Array, shape: WindowShape, dropped: Uint8Array): Int32Array {
  const span = windowSpan(shape);
  // Prefix counts make each window's test O(1).
  const before = new Int32Array(dropped.length + 1);
  for (let r = 0; r < dropped.length; r++) before[r + 1] = before[r]! + dropped[r]!;
  return starts.filter((s) => before[s + span]! - before[s]! === 0);
}

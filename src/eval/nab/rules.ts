/**
 * NAB's scoring rules, free of any file or corpus: the cost profiles, the probationary rows,
 * the weight of a detection at each row, one file's tally under a threshold, and the
 * corpus-wide threshold sweep.
 */
import { InvalidArgumentError } from '../../core/errors.js';
import type { IndexRange } from '../ranges.js';

/**
 * NAB's three cost profiles (config/profiles.json of numenta/NAB). A_TN is omitted because
 * true negatives never enter the score.
 */
export interface NabCostMatrix {
  /** Reward for detecting a window at its first row. */
  tp: number;
  /** Largest penalty per false-positive row. */
  fp: number;
  /** Penalty per missed window. */
  fn: number;
}

export type NabProfileName = 'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate';

export interface NabProfile {
  name: string;
  costs: NabCostMatrix;
}

export const NAB_PROFILES: Readonly<Record<NabProfileName, Readonly<NabCostMatrix>>> = Object.freeze({
  standard: Object.freeze({ tp: 1.0, fp: 0.11, fn: 1.0 }),
  reward_low_FP_rate: Object.freeze({ tp: 1.0, fp: 0.22, fn: 1.0 }),
  reward_low_FN_rate: Object.freeze({ tp: 1.0, fp: 0.11, fn: 2.0 }),
});

export const NAB_PROFILE_NAMES: readonly NabProfileName[] = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'];

/** Resolves profile names and custom cost matrices; names must be unique. */
export function resolveNabProfiles(
  profiles: readonly (NabProfileName | NabProfile)[] = NAB_PROFILE_NAMES,
): NabProfile[] {
  if (!Array.isArray(profiles) || profiles.length === 0) {
    throw new InvalidArgumentError(
      `profiles must be a non-empty array of profile names (${NAB_PROFILE_NAMES.join(', ')}) or { name, costs } objects`,
    );
  }
  const out: NabProfile[] = [];
  for (const [i, p] of profiles.entries()) {
    let profile: NabProfile;
    if (typeof p === 'string') {
      const costs = (NAB_PROFILES as Record<string, NabCostMatrix>)[p];
      if (costs === undefined) {
        throw new InvalidArgumentError(`profiles[${i}] must be one of ${NAB_PROFILE_NAMES.join(', ')}, got "${p}"`);
      }
      profile = { name: p, costs: { ...costs } };
    } else if (
      p !== null &&
      typeof p === 'object' &&
      typeof p.name === 'string' &&
      p.costs !== null &&
      typeof p.costs === 'object'
    ) {
      for (const key of ['tp', 'fp', 'fn'] as const) {
        const v = p.costs[key];
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
          throw new InvalidArgumentError(`profiles[${i}].costs.${key} must be a finite number >= 0, got ${String(v)}`);
        }
      }
      if (p.costs.tp === 0 && p.costs.fn === 0) {
        throw new InvalidArgumentError(
          `profiles[${i}].costs: tp and fn cannot both be 0 (the score could not be normalised)`,
        );
      }
      profile = { name: p.name, costs: { tp: p.costs.tp, fp: p.costs.fp, fn: p.costs.fn } };
    } else {
      throw new InvalidArgumentError(`profiles[${i}] must be a profile name or { name, costs: { tp, fp, fn } }`);
    }
    if (out.some((q) => q.name === profile.name)) {
      throw new InvalidArgumentError(`profiles[${i}]: profile "${profile.name}" is listed twice`);
    }
    out.push(profile);
  }
  return out;
}

/**
 * Where a detection lands decides what NAB pays for it. The row weights turn a file's labelled
 * windows into one weight per scored row, independent of the cost profile:
 *   inside a window   sig(-(r - i + 1) / W) / sig(-1), in (0, 1], earliest row = 1
 *   before any window -1
 *   after a window    sig((i - r') / (W' - 1)), in [-1, 0), r' and W' of the last window that ended
 * The profile then multiplies window weights by A_TP and the others by A_FP.
 */
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
  /** Profile-free weight of a detection at each scored row (see the comment above nabSigmoid). */
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

/**
 * What a threshold does to one file, before any cost profile is applied. Every NAB profile is
 * a linear function of these sums, so one pass serves all three:
 *   raw = A_TP * earliestWeightSum - A_FN * (windows - windowsDetected) + A_FP * falsePositiveWeightSum
 */
export interface NabTally {
  windows: number;
  windowsDetected: number;
  /** Sum over detected windows of the weight of their earliest detection. */
  earliestWeightSum: number;
  /** Sum of the (negative) weights of detections outside every window. */
  falsePositiveWeightSum: number;
  /** NAB's row counts over scored rows; reported, not scored. */
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export function nabRawScore(t: NabTally, costs: NabCostMatrix): number {
  return (
    costs.tp * t.earliestWeightSum - costs.fn * (t.windows - t.windowsDetected) + costs.fp * t.falsePositiveWeightSum
  );
}

/** A row is a detection when `score >= threshold`; `scores` covers every row, probation included. */
export function tallyNabFile(w: NabRowWeights, scores: ArrayLike<number>, threshold: number): NabTally {
  const best = new Float64Array(w.windowCount).fill(Number.NEGATIVE_INFINITY);
  let falsePositiveWeightSum = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let k = 0; k < w.window.length; k++) {
    const detected = scores[w.probation + k]! >= threshold;
    const win = w.window[k]!;
    if (win >= 0) {
      if (detected) {
        tp++;
        if (w.weight[k]! > best[win]!) best[win] = w.weight[k]!;
      } else fn++;
    } else if (detected) {
      fp++;
      falsePositiveWeightSum += w.weight[k]!;
    } else tn++;
  }
  let windowsDetected = 0;
  let earliestWeightSum = 0;
  for (const b of best) {
    if (b !== Number.NEGATIVE_INFINITY) {
      windowsDetected++;
      earliestWeightSum += b;
    }
  }
  return { windows: w.windowCount, windowsDetected, earliestWeightSum, falsePositiveWeightSum, tp, fp, fn, tn };
}

export function addTallies(tallies: readonly NabTally[]): NabTally {
  const sum: NabTally = {
    windows: 0,
    windowsDetected: 0,
    earliestWeightSum: 0,
    falsePositiveWeightSum: 0,
    tp: 0,
    fp: 0,
    fn: 0,
    tn: 0,
  };
  for (const t of tallies) {
    for (const key of Object.keys(sum) as (keyof NabTally)[]) sum[key] += t[key];
  }
  return sum;
}

/**
 * NAB's threshold optimisation: one threshold per profile for the whole corpus, the one with
 * the highest corpus score. All scored rows are pooled and sorted once, highest score first;
 * lowering the threshold past each distinct score adds that group's detections, and the window
 * maxima and false-positive sum are updated incrementally, so the sweep is O(N log N). The
 * candidates are 1.1 (no detection, scores lie in [0, 1]) and every distinct score; on a tie
 * the higher threshold wins, as in NAB's current sweeper.
 */
export interface NabSweepInput {
  weights: NabRowWeights;
  /** Every row of the file, probation included. */
  scores: ArrayLike<number>;
}

export interface NabSweepBest {
  profile: string;
  threshold: number;
  rawScore: number;
}

export const NAB_NO_DETECTION_THRESHOLD = 1.1;

export function sweepNabThresholds(files: readonly NabSweepInput[], profiles: readonly NabProfile[]): NabSweepBest[] {
  let total = 0;
  let windows = 0;
  for (const f of files) {
    total += f.weights.window.length;
    windows += f.weights.windowCount;
  }
  const score = new Float64Array(total);
  const window = new Int32Array(total);
  const weight = new Float64Array(total);
  let at = 0;
  let windowOffset = 0;
  for (const f of files) {
    const w = f.weights;
    for (let k = 0; k < w.window.length; k++, at++) {
      score[at] = f.scores[w.probation + k]!;
      window[at] = w.window[k]! >= 0 ? w.window[k]! + windowOffset : -1;
      weight[at] = w.weight[k]!;
    }
    windowOffset += w.windowCount;
  }
  const order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  order.sort((a, b) => score[b]! - score[a]!);

  const best = new Float64Array(windows).fill(Number.NEGATIVE_INFINITY);
  const tally: NabTally = {
    windows,
    windowsDetected: 0,
    earliestWeightSum: 0,
    falsePositiveWeightSum: 0,
    tp: 0,
    fp: 0,
    fn: 0,
    tn: 0,
  };
  const results = profiles.map((p) => ({
    profile: p.name,
    threshold: NAB_NO_DETECTION_THRESHOLD,
    rawScore: nabRawScore(tally, p.costs),
  }));

  let k = 0;
  while (k < total) {
    const threshold = score[order[k]!]!;
    for (; k < total && score[order[k]!] === threshold; k++) {
      const i = order[k]!;
      const win = window[i]!;
      if (win < 0) {
        tally.falsePositiveWeightSum += weight[i]!;
      } else if (weight[i]! > best[win]!) {
        if (best[win] === Number.NEGATIVE_INFINITY) {
          tally.windowsDetected++;
          tally.earliestWeightSum += weight[i]!;
        } else {
          tally.earliestWeightSum += weight[i]! - best[win]!;
        }
        best[win] = weight[i]!;
      }
    }
    for (let p = 0; p < profiles.length; p++) {
      const raw = nabRawScore(tally, profiles[p]!.costs);
      if (raw > results[p]!.rawScore) results[p] = { profile: profiles[p]!.name, threshold, rawScore: raw };
    }
  }
  return results;
}

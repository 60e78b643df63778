/**
 * What a threshold does to one file, before any cost profile is applied. Every NAB profile is
 * a linear function of these sums, so one pass serves all three:
 *   raw = A_TP * earliestWeightSum - A_FN * (windows - windowsDetected) + A_FP * falsePositiveWeightSum
 */
import type { NabCostMatrix } from './nab-profiles.js';
import type { NabRowWeights } from './nab/rules.js';

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
  return costs.tp * t.earliestWeightSum - costs.fn * (t.windows - t.windowsDetected) + costs.fp * t.falsePositiveWeightSum;
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
  const sum: NabTally = { windows: 0, windowsDetected: 0, earliestWeightSum: 0, falsePositiveWeightSum: 0, tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const t of tallies) {
    for (const key of Object.keys(sum) as (keyof NabTally)[]) sum[key] += t[key];
  }
  return sum;
}

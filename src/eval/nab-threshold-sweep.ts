/**
 * NAB's threshold optimisation: one threshold per profile for the whole corpus, the one with
 * the highest corpus score. All scored rows are pooled and sorted once, highest score first;
 * lowering the threshold past each distinct score adds that group's detections, and the window
 * maxima and false-positive sum are updated incrementally, so the sweep is O(N log N). The
 * candidates are 1.1 (no detection, scores lie in [0, 1]) and every distinct score; on a tie
 * the higher threshold wins, as in NAB's current sweeper.
 */
import { nabRawScore, type NabTally } from './nab-tally.js';
import type { NabProfile } from './nab-profiles.js';
import type { NabRowWeights } from './nab/rules.js';

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
  const tally: NabTally = { windows, windowsDetected: 0, earliestWeightSum: 0, falsePositiveWeightSum: 0, tp: 0, fp: 0, fn: 0, tn: 0 };
  const results = profiles.map((p) => ({ profile: p.name, threshold: NAB_NO_DETECTION_THRESHOLD, rawScore: nabRawScore(tally, p.costs) }));

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
